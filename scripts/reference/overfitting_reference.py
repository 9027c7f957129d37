#!/usr/bin/env python3
"""Reference values for Sources/Research (overfitting statistics and the bootstrap block length),
computed by maintained public libraries on seeded data.

Regenerate from the package root (makes .build-venv-reference/ with the pins of
scripts/reference/overfitting-requirements.txt, then runs this file):

    bash scripts/reference/overfitting_reference.sh

Which libraries, and why
  * PSR and DSR: skfolio 1.12.2 (skfolio.measures.probabilistic_sharpe_ratio,
    deflated_sharpe_ratio, expected_max_sharpe_ratio, skew, kurtosis, variance). skfolio is a
    BSD-licensed portfolio library built on scikit-learn, released monthly by a team, among the
    15,000 most downloaded PyPI packages, with the Bailey & Lopez de Prado formulas documented in
    its API reference. Its conventions are ours: per-period Sharpe = mean / std (ddof 1),
    population skewness m3 / m2^1.5 and raw kurtosis m4 / m2^2, sqrt(T - 1), the trials' Sharpe
    variance with ddof 1.
  * PBO: ffn 1.4.1 (ffn.core.calc_prob_backtest_overfitting). ffn is a financial-functions
    library maintained since 2014 (also among the 15,000 most downloaded), whose CSCV documents
    the conventions ours has: S contiguous blocks, every C(S, S/2) split, in-sample ties to the
    first column, out-of-sample ties at their average rank (scipy rankdata), w = rank / (N + 1),
    PBO = share of splits with logit <= 0.
  * Politis-White block length: arch 8.0.0 (arch.bootstrap.optimal_block_length).
  Not chosen: the R packages pbo (CRAN) and NMOF are not installable here (no CRAN, no Debian
  package); mlfinlab is no longer published and its fork mlfinpy 0.1.2 has no backtest statistics;
  ffn's own calc_deflated_sharpe_ratio takes pandas' bias-adjusted skewness and excess kurtosis,
  not the population moments of the paper (and of skfolio and of our code), so DSR is taken from
  skfolio; the other PyPI candidates (deflated-sharpe, sharpe-gate, trialgate, phacker, ...) are
  single-author releases of 2026.

How the libraries' conventions are mapped to ours (each difference is explicit here)
  * A configuration that never trades (a constant column) has Sharpe 0 in our code and counts as
    a trial. skfolio gives it NaN and deflated_sharpe_ratio drops NaN trials; ffn's default metric
    gives NaN and a NaN makes the whole PBO NaN. So the trial Sharpe ratios handed to skfolio are
    skfolio's mean / standard_deviation with 0 where the column does not vary, and ffn is given
    `metric=` the same Sharpe ratio (ffn's own default formula, mean / std with ddof 1, but 0
    instead of NaN for a column that does not vary; ffn documents that a custom metric is called
    column by column in order for every split, in-sample half first).
  * Rows left over when S does not divide T: ours leaves out the T mod S OLDEST (first) rows, so
    the newest days, the ones nearest to trading, are all used; ffn truncates the newest ones
    (`iloc[:rows]`). ffn is handed the matrix without its T mod S first rows, so it truncates
    nothing and both see the same rows.
  * ffn returns PBO and each split's logit but not the probability of loss or the degradation
    fit: those are computed here from the in-sample and out-of-sample Sharpe ratios that ffn's
    own split loop asked the metric for (recorded by the metric), the winner being the first
    in-sample maximum as in ffn.
  * The paper's worked example gives moments, not returns, so its DSR is the paper's formula with
    skfolio's expected maximum Sharpe as the benchmark (the test also checks the published 0.9004).

An independent implementation written from the papers (split by split from the rows) is kept
below as a cross-check: the script stops if it and the libraries disagree by more than 1e-12.

Writes, in Tests/ResearchTests/Fixtures/:
  overfitting_returns.csv   date,c01..c24: 1,003 seeded daily returns for 24 configurations
      (some with skill, one constant, two identical columns, fat-tailed noise)
  overfitting_expected.csv  name,value,source
  block_length_series.csv   x: a seeded AR(1) series of 500 values (phi 0.6)
"""
import math
import os

import numpy as np
import pandas as pd
from scipy.stats import norm, rankdata

import arch
import ffn
import skfolio
import skfolio.measures as skm
from arch.bootstrap import optimal_block_length
from ffn.core import calc_prob_backtest_overfitting

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "ResearchTests", "Fixtures")
EULER = 0.5772156649015329
SKFOLIO = f"skfolio {skfolio.__version__}"
FFN = f"ffn {ffn.__version__}"


# --- the libraries, with the conventions mapped -------------------------------------------------

def sk_sharpe(x):
    """skfolio's per-period Sharpe ratio, 0 for a column that does not vary (ours)."""
    x = np.asarray(x, dtype=float)
    return 0.0 if x.max() == x.min() else float(skm.mean(x) / skm.standard_deviation(x))


def library_sharpe_tests(m):
    n = m.shape[1]
    srs = np.array([sk_sharpe(m[:, j]) for j in range(n)])
    best = int(np.argmax(srs))
    x = m[:, best]
    return {
        "best_column": best, "best_sharpe": sk_sharpe(x),
        "best_skewness": float(skm.skew(x)), "best_kurtosis": float(skm.kurtosis(x)),
        "trial_variance": float(skm.variance(srs)),
        "psr": float(skm.probabilistic_sharpe_ratio(x)),
        "dsr": float(skm.deflated_sharpe_ratio(x, trial_sharpe_ratios=srs)),
    }


def library_pbo(m, s):
    t, n = m.shape
    left = t % s
    frame = pd.DataFrame(m[left:], columns=[f"c{j + 1:02d}" for j in range(n)])
    calls = []

    def sharpe(series):
        v = series.to_numpy(dtype=float)
        value = 0.0 if v.max() == v.min() else float(series.mean() / series.std(ddof=1))
        calls.append(value)
        return value

    out = calc_prob_backtest_overfitting(frame, n_blocks=s, metric=sharpe, full_output=True)
    logits = out["logits"].to_numpy()
    # Per split: N in-sample calls, then N out-of-sample calls.
    per_split = np.array(calls).reshape(len(logits), 2, n)
    winners = per_split[:, 0, :].argmax(axis=1)
    is_sr = per_split[np.arange(len(logits)), 0, winners]
    oos_sr = per_split[np.arange(len(logits)), 1, winners]
    slope, intercept = np.polyfit(is_sr, oos_sr, 1)
    return {
        "splits": len(logits), "rows_left_out": left, "pbo": out["pbo"],
        "probability_of_loss": float(np.mean(oos_sr < 0)), "degradation_slope": float(slope),
        "degradation_intercept": float(intercept), "logit_mean": float(logits.mean()),
    }


# --- an independent implementation, written from the papers, as a cross-check ------------------

def sharpe(x):
    sd = np.std(x, ddof=1)
    return float(np.mean(x) / sd) if sd > 1e-150 else 0.0


def moments(x):
    d = x - x.mean()
    m2 = np.mean(d ** 2)
    if m2 == 0:
        return sharpe(x), len(x), 0.0, 3.0
    return sharpe(x), len(x), float(np.mean(d ** 3) / m2 ** 1.5), float(np.mean(d ** 4) / m2 ** 2)


def psr(sr, t, skew, kurt, benchmark=0.0):
    return float(norm.cdf((sr - benchmark) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr * sr)))


def expected_max(n, variance):
    return math.sqrt(variance) * ((1 - EULER) * norm.ppf(1 - 1 / n) + EULER * norm.ppf(1 - 1 / (n * math.e)))


def own_sharpe_tests(m):
    n = m.shape[1]
    srs = np.array([sharpe(m[:, j]) for j in range(n)])
    best = int(np.argmax(srs))
    s_, tt, g3, g4 = moments(m[:, best])
    v = float(np.var(srs, ddof=1))
    return {"best_column": best, "best_sharpe": s_, "best_skewness": g3, "best_kurtosis": g4, "trial_variance": v,
            "psr": psr(s_, tt, g3, g4), "dsr": psr(s_, tt, g3, g4, expected_max(n, v))}


def own_pbo(m, s):
    t, n = m.shape
    per = t // s
    left = t - per * s
    used = m[left:]
    blocks = [used[b * per:(b + 1) * per] for b in range(s)]
    logits, is_sr, oos_sr = [], [], []
    for mask in range(1 << s):
        if bin(mask).count("1") != s // 2:
            continue
        ins = np.vstack([blocks[b] for b in range(s) if mask >> b & 1])
        oos = np.vstack([blocks[b] for b in range(s) if not mask >> b & 1])
        sr_in = np.array([sharpe(ins[:, j]) for j in range(n)])
        sr_out = np.array([sharpe(oos[:, j]) for j in range(n)])
        best = int(np.argmax(sr_in))  # first of ties
        rank = rankdata(sr_out, method="average")[best]
        w = rank / (n + 1)
        logits.append(math.log(w / (1 - w)))
        is_sr.append(sr_in[best])
        oos_sr.append(sr_out[best])
    logits, is_sr, oos_sr = np.array(logits), np.array(is_sr), np.array(oos_sr)
    slope, intercept = np.polyfit(is_sr, oos_sr, 1)
    return {
        "splits": len(logits), "rows_left_out": left, "pbo": float(np.mean(logits <= 0)),
        "probability_of_loss": float(np.mean(oos_sr < 0)), "degradation_slope": float(slope),
        "degradation_intercept": float(intercept), "logit_mean": float(logits.mean()),
    }


def agree(name, library, own, tol=1e-12):
    for k, v in library.items():
        if not abs(v - own[k]) <= tol * max(1.0, abs(own[k])):
            raise SystemExit(f"{name} {k}: library {v!r} but the independent implementation {own[k]!r}")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261206)
    t, n = 1003, 24
    skill = np.linspace(-0.02, 0.06, n)
    m = np.empty((t, n))
    for j in range(n):
        noise = rng.standard_t(5, size=t) * 0.01
        m[:, j] = skill[j] * 0.01 + noise
    m[:, 5] = 0.0          # a configuration that never trades
    m[:, 9] = m[:, 8]      # two configurations with identical returns
    m = np.round(m, 8)
    with open(os.path.join(OUT, "overfitting_returns.csv"), "w") as f:
        f.write("date," + ",".join(f"c{j + 1:02d}" for j in range(n)) + "\n")
        day = np.datetime64("2020-01-01")
        for i in range(t):
            f.write(str(day + i) + "," + ",".join(repr(float(v)) for v in m[i]) + "\n")

    rows = []
    # The paper's worked example (annualised inputs, 250 periods a year): skfolio's expected
    # maximum Sharpe of 100 trials as the benchmark of the paper's PSR formula.
    sr0 = float(skm.expected_max_sharpe_ratio(n_trials=100, trial_sharpe_ratio_std=math.sqrt(0.5 / 250)))
    agree("paper", {"sr0": sr0}, {"sr0": expected_max(100, 0.5 / 250)})
    rows.append(("paper_dsr", psr(2.5 / math.sqrt(250), 1250, -3, 10, sr0), f"{SKFOLIO} expected_max_sharpe_ratio + the paper's PSR"))
    rows.append(("paper_expected_max_annual", sr0 * math.sqrt(250), f"{SKFOLIO} expected_max_sharpe_ratio"))
    # PSR and DSR of the best configuration (by full-sample Sharpe) among the 24.
    lib = library_sharpe_tests(m)
    agree("PSR/DSR", lib, own_sharpe_tests(m))
    rows += [(k, v, SKFOLIO) for k, v in lib.items()]
    for s in (8, 16):
        lib = library_pbo(m, s)
        agree(f"PBO S={s}", lib, own_pbo(m, s))
        for k, v in lib.items():
            source = FFN if k in ("splits", "pbo", "logit_mean") else f"{FFN} split Sharpe ratios" if k != "rows_left_out" else "T mod S"
            rows.append((f"s{s}_{k}", v, source))
    with open(os.path.join(OUT, "overfitting_expected.csv"), "w") as f:
        f.write("name,value,source\n")
        for k, val, source in rows:
            f.write(f"{k},{float(val)!r},{source}\n")

    # Politis-White block length on an AR(1) series, by the arch package.
    x = np.zeros(500)
    e = rng.standard_normal(500)
    for i in range(1, 500):
        x[i] = 0.6 * x[i - 1] + e[i]
    x = np.round(x, 10)
    opt = optimal_block_length(x)
    with open(os.path.join(OUT, "block_length_series.csv"), "w") as f:
        f.write(f"# arch {arch.__version__} optimal_block_length: stationary={float(opt['stationary'].iloc[0])!r} circular={float(opt['circular'].iloc[0])!r}\n")
        f.write("x\n")
        for v in x:
            f.write(repr(float(v)) + "\n")
    for k, val, source in rows:
        print(f"{k:32} {val!r:24} {source}")
    print("block length", opt)


if __name__ == "__main__":
    main()
