#!/usr/bin/env python3
"""Independent reference for Sources/Data/TickBars.swift: bars built from trade prints.

Regenerate (from the package root, with the shared datasets beside it):

    python3 scripts/reference/tick_bars_reference.py

or with the datasets elsewhere:

    python3 scripts/reference/tick_bars_reference.py --datasets /path/to/shared/datasets

Writes, in Tests/DataTests/Fixtures/:
  tickbars_ESH4_1m.csv   ESH4_trades_2023-12-25_1800-1900ET.csv.gz as one-minute bars
  tickbars_ESH4_5s.csv   the same prints as five-second bars
  tickbars_ESM8_1m.csv   ESM8_ticks_2018-05-07_0830-1200CT.csv.gz as one-minute bars

Rules implemented here with Python's csv and decimal modules, on purpose without reading the
Swift code:
  * a print's time is its UTC timestamp; the bucket is floor(seconds since 1970 / length) * length,
    the bar stamped at the bucket's start (UTC);
  * open = the bucket's first print in file order, close = its last, high/low the extremes;
  * volume = the summed sizes; a print without a size (all of ESM8's) counts one contract;
  * prices written with two decimals (ES ticks of 0.25).
"""
import argparse
import csv
import gzip
import os
from datetime import datetime, timezone
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "DataTests", "Fixtures")


def seconds(stamp):
    """Whole seconds since 1970 of an ISO-8601 UTC stamp with any number of fraction digits."""
    whole = stamp.rstrip("Z").split(".")[0]
    return int(datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp())


def bars(path, length):
    out = []
    with gzip.open(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            bucket = seconds(row["timestamp"]) // length * length
            price = Decimal(row["price"])
            size = int(row["size"]) if row.get("size") else 1
            if out and out[-1][0] == bucket:
                b = out[-1]
                b[2] = max(b[2], price); b[3] = min(b[3], price); b[4] = price; b[5] += size
            else:
                out.append([bucket, price, price, price, price, size])
    return out


def write(name, rows):
    with open(os.path.join(OUT, name), "w", newline="") as f:
        f.write("timestamp,open,high,low,close,volume\n")
        for t, o, h, l, c, v in rows:
            stamp = datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            f.write(f"{stamp},{o:.2f},{h:.2f},{l:.2f},{c:.2f},{v}\n")
    print(f"wrote {name}: {len(rows)} bars")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default=os.path.join(os.path.dirname(ROOT), "shared", "datasets"))
    a = ap.parse_args()
    esh4 = os.path.join(a.datasets, "ESH4_trades_2023-12-25_1800-1900ET.csv.gz")
    esm8 = os.path.join(a.datasets, "ESM8_ticks_2018-05-07_0830-1200CT.csv.gz")
    write("tickbars_ESH4_1m.csv", bars(esh4, 60))
    write("tickbars_ESH4_5s.csv", bars(esh4, 5))
    write("tickbars_ESM8_1m.csv", bars(esm8, 60))


if __name__ == "__main__":
    main()
