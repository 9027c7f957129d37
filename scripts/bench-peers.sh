#!/usr/bin/env bash
# The sma-bracket workload timed side by side: the reference's peer script (vectorbt and
# backtesting.py on series B, 1,041,187 bars) and then tsxlab's benchmark, in one run on this
# machine, so the printed ratios compare like with like. Needs PyPI (a venv under .build-peers).
# Usage: scripts/bench-peers.sh [--full]   (--full also times backtesting.py on 20 grid configs)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_packages "${BUILD_PACKAGES[@]}" python3 python3-venv
shared=$(cd .. && pwd)/shared
venv=.build-peers/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q backtesting vectorbt pandas numpy
fi
grid_b=1
[ "${1:-}" = "--full" ] && grid_b=20
out=.build-peers/peers.json
(cd "$shared" && NUMBA_CACHE_DIR="$(mktemp -d)" "$OLDPWD/$venv/bin/python" reference/peers/run_peers.py bench \
   --sets B --reps 3 --bt-grid-b "$grid_b" --json "$OLDPWD/$out") >&2
swift build -c release --product tsxlab-bench >&2
TSXLAB_PEERS_JSON="$out" .build/release/tsxlab-bench sma
