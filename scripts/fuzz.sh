#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/, libFuzzer with the address sanitizer) and runs one of them, or
# each in turn:
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer flags…]    TARGET: a name below, or all
#   scripts/fuzz.sh build                                  only builds
# Each run starts from the seed inputs in Fuzz/Corpus/TARGET (with the tokens of
# Fuzz/Dictionaries/TARGET.dict) and keeps what it finds in
# .build-fuzz/corpus/TARGET; a crash, a hang (10 s on one input) or a broken property leaves the
# input in .build-fuzz/artifacts/TARGET and fails the script. The last lines of each run give the
# executions (stat::number_of_executed_units) and the coverage (cov: edges, ft: features).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(websocket signalr json csv yaml pin alert)

target=${1:?"usage: scripts/fuzz.sh TARGET|all|build [SECONDS] [libFuzzer flags…]; targets: ${TARGETS[*]}"}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))

swift build --package-path Fuzz --scratch-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
[ "$target" = build ] && exit 0
bin=.build-fuzz/debug/TSXLabFuzz

# TSXLAB_FUZZ_REPEATABLE=1 (the test command): new inputs go to a folder emptied before the run,
# so with a fixed -seed and -runs each run mutates the same seeds the same way; the kept corpus of
# the long runs (.build-fuzz/corpus/TARGET) would otherwise change what the next bounded run tries.
run_one() {
  local t=$1; shift
  local corpus=".build-fuzz/corpus/$t"
  if [ "${TSXLAB_FUZZ_REPEATABLE:-0}" = 1 ]; then corpus=".build-fuzz/repeatable/$t"; rm -rf "$corpus"; fi
  mkdir -p "$corpus" ".build-fuzz/artifacts/$t"
  local dict=()
  [ -f "Fuzz/Dictionaries/$t.dict" ] && dict=(-dict="Fuzz/Dictionaries/$t.dict")
  echo "== fuzz $t for ${seconds}s" >&2
  # No Swift backtracer (it would hold the crashing process for its report) and no leak check
  # (the runtime's metadata caches look like leaks to it).
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 TSXLAB_FUZZ_TARGET=$t \
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=".build-fuzz/artifacts/$t/" "${dict[@]}" "$@" "$corpus" "Fuzz/Corpus/$t"
}

# TSXLAB_FUZZ_QUIET=1 (the test command): each run's log goes to .build-fuzz/TARGET.log and only
# its summary (or, when it fails, its last lines) is printed.
run_logged() {
  local t=$1
  if [ "${TSXLAB_FUZZ_QUIET:-0}" = 1 ]; then
    local status=0
    run_one "$@" > ".build-fuzz/$t.log" 2>&1 || status=$?
    if [ $status -ne 0 ]; then tail -40 ".build-fuzz/$t.log" >&2; echo "fuzz $t failed (exit $status); log: .build-fuzz/$t.log" >&2; return $status; fi
    grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units" ".build-fuzz/$t.log" | sed "s/^/fuzz $t: /" >&2
  else
    run_one "$@"
  fi
}

if [ "$target" = all ]; then
  for t in "${TARGETS[@]}"; do run_logged "$t" "$@"; done
else
  [[ " ${TARGETS[*]} " == *" $target "* ]] || { echo "unknown target $target; targets: ${TARGETS[*]}" >&2; exit 64; }
  run_logged "$target" "$@"
fi
