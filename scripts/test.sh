#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, starts a throw-away PostgreSQL on
# 127.0.0.1, runs `swift test`, and stops the server again, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}" python3 python3-venv chromium curl

# The report tests render the HTML report in headless Chromium (above) and validate and execute
# the notebook export with nbformat, pandas, matplotlib and nbconvert; the gateway tests connect a
# third-party SignalR client (signalrcore) through negotiation; the ask/tell tests run the Optuna
# example (examples/optuna-sma-bracket): a virtual environment under .build-venv/, made and filled
# from PyPI only when something is missing.
PYTHON_MODULES="pandas matplotlib nbformat nbconvert ipykernel signalrcore optuna"
if ! .build-venv/bin/python -c "import ${PYTHON_MODULES// /, }" 2>/dev/null; then
  echo "installing into .build-venv: $PYTHON_MODULES" >&2
  python3 -m venv .build-venv >&2
  .build-venv/bin/python -m pip install -q --disable-pip-version-check $PYTHON_MODULES >&2
fi
export TSXLAB_PYTHON="$PWD/.build-venv/bin/python"

start_postgres
trap stop_postgres EXIT

export TSXLAB_TEST_PG_URL="$PG_URL"
# Every fuzz target for a bounded time (TSXLAB_FUZZ_SECONDS each, 20 by default; 0 skips them), so a
# parser that starts crashing on hostile input fails the suite; longer runs: scripts/fuzz.sh.
# A fixed seed and count from the checked-in seeds only: the same mutations every run, so a run
# fails for a regression in the code, never for a new input one run happened to reach (a
# clean-clone run found the pin's infinite figure that way; new findings come from the long runs
# of scripts/fuzz.sh).
if [ "${TSXLAB_FUZZ_SECONDS:-20}" != 0 ]; then TSXLAB_FUZZ_QUIET=1 TSXLAB_FUZZ_REPEATABLE=1 bash scripts/fuzz.sh all "${TSXLAB_FUZZ_SECONDS:-20}" -seed=1 -runs=20000; fi
swift build --build-tests "$@"
# A strategy package of the trader's own (the example and the template), built against this checkout.
bash scripts/sdk.sh
swift test --skip-build "$@"
