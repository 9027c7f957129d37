#!/usr/bin/env python3
"""empyrical-reloaded reference for Sources/Indicators/Statistics*.swift.

Regenerate (from the package root, with the shared datasets beside it):

    pip install empyrical-reloaded pandas numpy
    python3 scripts/reference/stats_empyrical.py [--datasets /path/to/shared/datasets]

Builds two equity curves deterministically from ES_1m_2019.csv.gz (real ES bars, $50 a point) and
writes, in Tests/IndicatorsTests/Fixtures/:

  stats_ES_2019_buyhold_equity.csv  timestamp,equity: buy one ES at the open of the first bar of
      2019 with $100,000; the first row is that bar's time and the starting equity, then one row
      per CME trade date stamped at the start of the day's last bar, equity = 100000 + 50 *
      (that bar's close - first open).
  stats_ES_2019_rth_equity.csv      timestamp,equity: start $50,000; every trade date, long one ES
      from the open of the first bar at or after 08:30 America/Chicago to the close of the last bar
      that starts before 15:00 Chicago, paying $4.18 per round turn. First row: the first bar of
      2019 and 50000; then one row per trade date at the exit bar's start.
  stats_ES_2019_rth_trades.csv      entry_time,exit_time,side,entry_price,exit_price,pnl,mae,mfe:
      the same trades. exit_time is the exit bar's end (start + 60 s); pnl is net of the fee;
      mae = 50 * (lowest low from the entry bar through the exit bar - entry) <= 0 and
      mfe = 50 * (highest high over those bars - entry) >= 0, in dollars, before fees.
  stats_expected.csv                curve,metric,value

Definitions (the Swift code documents the same ones):
  * daily returns r_d = E_d / E_(d-1) - 1 over the rows after the first (E_0 = the first row).
  * empyrical, annualization 252: sharpe_ratio (mean / std with ddof=1, times sqrt(252)),
    sortino_ratio (mean * 252 / (sqrt(mean(min(r, 0)^2)) * sqrt(252)): downside deviation with
    target 0 over ALL returns, ddof 0), annual_volatility (std ddof=1 * sqrt(252)),
    annual_return ((prod(1 + r))^(252 / n) - 1), max_drawdown (most negative (E - running max) /
    running max, the starting equity included as the first peak), calmar_ratio (annual_return /
    |max_drawdown|), cum_returns_final (total return).
  * Computed here in plain Python, independently of empyrical: the drawdown in dollars and its
    peak, trough and recovery times, the longest time under water, calendar-time CAGR
    ((E_last / E_0)^(365.25 days / elapsed) - 1), and the trade statistics (win rate over all
    trades, profit factor = gross profit / |gross loss|, expectancy = mean P&L, streaks where a
    zero P&L ends both, exposure = sum of (exit - entry) / (last exit - first entry), MAE/MFE).
"""
import argparse
import csv
import datetime as dt
import math
import os

import empyrical
import numpy as np
import pandas as pd

from refbars import CHICAGO, UTC, read_bars, trade_date

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "IndicatorsTests", "Fixtures")
POINT_VALUE = 50.0
FEE = 4.18


def chicago(d, hour, minute):
    return int(dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=CHICAGO).timestamp())


def iso(t):
    return dt.datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(x):
    return f"{x:.2f}"


def drawdowns(times, equity):
    """Largest drawdown in dollars and in fraction, each as (size, (peak, trough, recovery or None,
    duration)), plus the longest time under water in seconds. The peak is the last point at the
    running maximum before the drop, the trough the lowest point before recovery, the recovery the
    first later point at or above the peak; an unrecovered drawdown lasts to the last point."""
    best_amount, best_fraction, longest = (0.0, None), (0.0, None), 0
    episodes = []
    peak_i, trough_i = 0, None
    for i in range(1, len(equity)):
        e = equity[i]
        if e >= equity[peak_i]:
            if trough_i is not None:
                episodes.append((peak_i, trough_i, i))
            peak_i, trough_i = i, None
        elif trough_i is None or e < equity[trough_i]:
            trough_i = i
    if trough_i is not None:
        episodes.append((peak_i, trough_i, None))
    for p, t, r in episodes:
        duration = (times[r] if r is not None else times[-1]) - times[p]
        longest = max(longest, duration)
        amount = equity[p] - equity[t]
        fraction = amount / equity[p]
        episode = (times[p], times[t], times[r] if r is not None else None, duration)
        if amount > best_amount[0]:
            best_amount = (amount, episode)
        if fraction > best_fraction[0]:
            best_fraction = (fraction, episode)
    return best_amount, best_fraction, longest


def curve_metrics(name, times, equity):
    eq = np.array(equity)
    r = pd.Series(eq[1:] / eq[:-1] - 1.0)
    m = {
        "returns": len(r),
        "sharpe": empyrical.sharpe_ratio(r, annualization=252),
        "sortino": empyrical.sortino_ratio(r, annualization=252),
        "annual_volatility": empyrical.annual_volatility(r, annualization=252),
        "annual_return": empyrical.annual_return(r, annualization=252),
        "max_drawdown": empyrical.max_drawdown(r),
        "calmar": empyrical.calmar_ratio(r, annualization=252),
        "total_return": empyrical.cum_returns_final(r),
    }
    (amount, ep_a), (fraction, ep_f), longest = drawdowns(times, equity)
    assert abs(fraction + m["max_drawdown"]) < 1e-12, (fraction, m["max_drawdown"])
    years = (times[-1] - times[0]) / (365.25 * 86400)
    m["cagr"] = (equity[-1] / equity[0]) ** (1 / years) - 1
    m["max_drawdown_amount"] = amount
    m["max_drawdown_amount_peak"] = iso(ep_a[0])
    m["max_drawdown_amount_trough"] = iso(ep_a[1])
    m["max_drawdown_amount_recovery"] = iso(ep_a[2]) if ep_a[2] else ""
    m["max_drawdown_fraction_peak"] = iso(ep_f[0])
    m["max_drawdown_fraction_trough"] = iso(ep_f[1])
    m["max_drawdown_fraction_recovery"] = iso(ep_f[2]) if ep_f[2] else ""
    m["max_drawdown_fraction_duration"] = ep_f[3]
    m["longest_drawdown_duration"] = longest
    return [(name, k, v) for k, v in m.items()]


def streak(signs, want):
    best = cur = 0
    for s in signs:
        cur = cur + 1 if s == want else 0
        best = max(best, cur)
    return best


def trade_metrics(name, trades):
    pnl = np.array([t["pnl"] for t in trades])
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    signs = np.sign(pnl)
    busy = sum(t["exit"] - t["entry"] for t in trades)
    span = trades[-1]["exit"] - trades[0]["entry"]
    mae = np.array([t["mae"] for t in trades])
    mfe = np.array([t["mfe"] for t in trades])
    m = {
        "trades": len(pnl), "wins": len(wins), "losses": len(losses),
        "net_profit": pnl.sum(), "gross_profit": wins.sum(), "gross_loss": losses.sum(),
        "win_rate": len(wins) / len(pnl),
        "profit_factor": wins.sum() / -losses.sum(),
        "expectancy": pnl.mean(),
        "average_win": wins.mean(), "average_loss": losses.mean(),
        "largest_win": wins.max(), "largest_loss": losses.min(),
        "longest_win_streak": streak(signs, 1), "longest_loss_streak": streak(signs, -1),
        "exposure": busy / span,
        "average_mae": mae.mean(), "average_mfe": mfe.mean(), "worst_mae": mae.min(), "best_mfe": mfe.max(),
    }
    return [(name, k, v) for k, v in m.items()]


def fmt(v):
    if isinstance(v, str):
        return v
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default=os.path.normpath(os.path.join(ROOT, "..", "shared", "datasets")))
    args = ap.parse_args()
    bars = list(read_bars(os.path.join(args.datasets, "ES_1m_2019.csv.gz")))
    by_date = {}
    for b in bars:
        by_date.setdefault(trade_date(b[0]), []).append(b)
    dates = sorted(by_date)
    os.makedirs(FIXTURES, exist_ok=True)
    note = "# ES_1m_2019.csv.gz; generated by scripts/reference/stats_empyrical.py, do not edit\n"

    # Buy and hold.
    first = bars[0]
    bh_t, bh_e = [first[0]], [100000.0]
    for d in dates:
        last = by_date[d][-1]
        bh_t.append(last[0])
        bh_e.append(100000.0 + POINT_VALUE * (last[4] - first[1]))

    # Regular-session long, one trade a day.
    rth_t, rth_e = [first[0]], [50000.0]
    trades = []
    equity = 50000.0
    for d in dates:
        day = by_date[d]
        start, stop = chicago(d, 8, 30), chicago(d, 15, 0)
        inside = [b for b in day if start <= b[0] < stop]
        if not inside:
            continue
        entry, exit_bar = inside[0], inside[-1]
        pnl = round(POINT_VALUE * (exit_bar[4] - entry[1]) - FEE, 2)
        trades.append({
            "entry": entry[0], "exit": exit_bar[0] + 60, "entry_price": entry[1], "exit_price": exit_bar[4],
            "pnl": pnl, "mae": POINT_VALUE * (min(b[3] for b in inside) - entry[1]),
            "mfe": POINT_VALUE * (max(b[2] for b in inside) - entry[1]),
        })
        equity = round(equity + pnl, 2)
        rth_t.append(exit_bar[0])
        rth_e.append(equity)

    def write_curve(fname, times, eq):
        with open(os.path.join(FIXTURES, fname), "w") as fh:
            fh.write(note + "timestamp,equity\n")
            for t, e in zip(times, eq):
                fh.write(f"{iso(t)},{money(e)}\n")
        print(f"wrote {fname} ({len(times)} rows)")

    write_curve("stats_ES_2019_buyhold_equity.csv", bh_t, bh_e)
    write_curve("stats_ES_2019_rth_equity.csv", rth_t, rth_e)
    with open(os.path.join(FIXTURES, "stats_ES_2019_rth_trades.csv"), "w") as fh:
        fh.write(note + "entry_time,exit_time,side,entry_price,exit_price,pnl,mae,mfe\n")
        for t in trades:
            fh.write(f"{iso(t['entry'])},{iso(t['exit'])},long,{t['entry_price']:.2f},{t['exit_price']:.2f},"
                     f"{money(t['pnl'])},{money(t['mae'])},{money(t['mfe'])}\n")
    print(f"wrote stats_ES_2019_rth_trades.csv ({len(trades)} rows)")

    # The metrics are computed from the rounded values exactly as written to the files.
    def reread(fname):
        with open(os.path.join(FIXTURES, fname)) as fh:
            rows = [l.strip().split(",") for l in fh if not l.startswith("#")][1:]
        return ([int(dt.datetime.strptime(r[0], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()) for r in rows],
                [float(r[1]) for r in rows])

    rows = []
    rows += curve_metrics("buyhold", *reread("stats_ES_2019_buyhold_equity.csv"))
    rows += curve_metrics("rth", *reread("stats_ES_2019_rth_equity.csv"))
    for t in trades:
        t["mae"] = float(money(t["mae"])); t["mfe"] = float(money(t["mfe"]))
    rows += trade_metrics("rth_trades", trades)
    with open(os.path.join(FIXTURES, "stats_expected.csv"), "w") as fh:
        fh.write(f"# empyrical-reloaded {empyrical.__version__}, pandas {pd.__version__}; "
                 "generated by scripts/reference/stats_empyrical.py, do not edit\n")
        fh.write("curve,metric,value\n")
        for c, k, v in rows:
            fh.write(f"{c},{k},{fmt(v)}\n")
    print(f"wrote stats_expected.csv ({len(rows)} rows)")


if __name__ == "__main__":
    main()
