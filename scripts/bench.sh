#!/usr/bin/env bash
# Benchmarks (separate from the tests): release build, throw-away PostgreSQL for its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
# wrk: the live suite's HTTP load, out of process as a browser or an alert sender is; chromium: the chart suite opens a report in it.
ensure_packages "${BUILD_PACKAGES[@]}" python3 wrk chromium
start_postgres
trap stop_postgres EXIT
swift build -c release --product tsxlab-bench >&2
TSXLAB_BENCH_PG_URL="$PG_URL" .build/release/tsxlab-bench "$@"
