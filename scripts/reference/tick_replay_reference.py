#!/usr/bin/env python3
"""Independent tick-by-tick replay of a bracket strategy on the ESM8 morning: the reference for
drill-down to prints (Tests/BacktestTests/TickReplayReferenceTests.swift).

Regenerate (from the package root, with the shared datasets beside it):

    python3 scripts/reference/tick_replay_reference.py [--datasets /path/to/shared/datasets]

Writes Tests/BacktestTests/Fixtures/tick_replay_ESM8_<stop>_<target>.csv for the brackets 4/4,
8/8 and 8/16 ticks: one trade a row, `entry_time,entry_price,exit_time,exit_price,reason`, times
in whole UTC seconds (ISO-8601), prices with two decimals.

The strategy and the fill rules, written here from their description, without reading the Swift
code:
  * at the end of every minute whose minute of the hour is a multiple of 5, from 13:30 through
    16:30 UTC, when no position is open and no entry is waiting, buy 1 at the market with a
    bracket: a stop `stop` ticks below the entry price and a target `target` ticks above it;
  * the market order fills at the first print of the next minute, at that print's price;
  * then each print in turn: the stop fills at the first print at or below its price (at that
    print's price); the target at the first print above its price by at least a tick (at the
    target's price): a print at the target only touches it;
  * a trade still open after the last print is closed at the last print's price ('end').
A tick is 0.25; prices are kept as integer ticks.
"""
import argparse
import csv
import gzip
import os
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "BacktestTests", "Fixtures")


def read(path):
    prints = []
    with gzip.open(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            stamp = row["timestamp"].rstrip("Z")
            whole, _, frac = stamp.partition(".")
            secs = int(datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())
            ns = secs * 10**9 + int((frac + "000000000")[:9])
            ticks = round(float(row["price"]) * 4)
            prints.append((ns, ticks))
    return prints


def iso(ns):
    return datetime.fromtimestamp(ns // 10**9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def replay(prints, stop, target):
    first_decision = datetime(2018, 5, 7, 13, 30, tzinfo=timezone.utc).timestamp()
    last_decision = datetime(2018, 5, 7, 16, 30, tzinfo=timezone.utc).timestamp()
    trades = []
    position = None      # (entry_ns, entry_ticks)
    pending = False
    minute = None
    for ns, px in prints:
        m = ns // (60 * 10**9) * 60
        if minute is not None and m != minute:
            # The end of minute `minute`: a decision, when it is one of the strategy's.
            if position is None and not pending and minute % 300 == 0 and first_decision <= minute <= last_decision:
                pending = True
        minute = m
        if pending:
            position = (ns, px)
            pending = False
            continue
        if position is not None:
            entry_ns, entry = position
            if px <= entry - stop:
                trades.append((entry_ns, entry, ns, px, "stop"))
                position = None
            elif px > entry + target:
                trades.append((entry_ns, entry, ns, entry + target, "target"))
                position = None
    if position is not None:
        trades.append((position[0], position[1], prints[-1][0], prints[-1][1], "end"))
    return trades


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default=os.path.join(os.path.dirname(ROOT), "shared", "datasets"))
    a = ap.parse_args()
    prints = read(os.path.join(a.datasets, "ESM8_ticks_2018-05-07_0830-1200CT.csv.gz"))
    os.makedirs(OUT, exist_ok=True)
    for stop, target in [(4, 4), (8, 8), (8, 16)]:
        trades = replay(prints, stop, target)
        name = f"tick_replay_ESM8_{stop}_{target}.csv"
        with open(os.path.join(OUT, name), "w", newline="") as f:
            f.write("entry_time,entry_price,exit_time,exit_price,reason\n")
            for e_ns, e, x_ns, x, why in trades:
                f.write(f"{iso(e_ns)},{e / 4:.2f},{iso(x_ns)},{x / 4:.2f},{why}\n")
        print(f"wrote {name}: {len(trades)} trades, {sum(1 for t in trades if t[4] == 'target')} targets, "
              f"{sum(1 for t in trades if t[4] == 'stop')} stops, net {sum(t[3] - t[1] for t in trades)} ticks")


if __name__ == "__main__":
    main()
