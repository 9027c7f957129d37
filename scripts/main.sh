#!/usr/bin/env bash
# The main job on the embedded default store: installs what is missing, builds tsxlab, imports
# the shipped ES sample into SQLite and summarises the data. Later stages (backtest, report)
# extend this same script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}"
swift build -c release --product tsxlab >&2
tsx() { .build/release/tsxlab "$@"; }

# Each December 2013 contract is stored as its own series, then stitched into continuous ES at
# CME's roll date (2013-12-12).
tsx data import datasets/ESZ13_1m_lean.csv.gz --symbol ESZ13 --timeframe 1m
tsx data import datasets/ESH14_1m_lean.csv.gz --symbol ESH14 --timeframe 1m
tsx data roll --symbol ES --timeframe 1m --contracts ESZ13,ESH14
tsx data resample --symbol ES --from-timeframe 1m --to-timeframe 1d
tsx data list
tsx data stats --symbol ES --timeframe 1m --reads 200

# The overnight-range breakout on the sample, with a TopStepX 50K Combine's rules.
tsx backtest --config examples/overnight-range.yaml

# Its HTML report (one self-contained file: statistics, equity and drawdown, daily P&L against the
# daily loss limit, trades, breaches); prints the report's path.
tsx report latest --format html
