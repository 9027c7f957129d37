#!/usr/bin/env bash
# Runs the whole test suite: installs what it needs, starts a throw-away PostgreSQL on
# 127.0.0.1, runs `swift test`, and stops the server again, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_packages "${BUILD_PACKAGES[@]}" python3
start_postgres
trap stop_postgres EXIT

export TSXLAB_TEST_PG_URL="$PG_URL"
swift build --build-tests "$@"
swift test --skip-build "$@"
