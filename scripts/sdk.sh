#!/usr/bin/env bash
# A trader's own strategy package, built against this checkout: the worked example
# (examples/opening-range) and a package fresh from `tsxlab new strategy`, each built and its own
# tests run. Both share one build folder (.build-sdk), so tsxlab's modules are compiled once for
# the two. The suite then runs the example's README with its executable (ExamplePackageTests).
# Needs .build/debug/tsxlab (the test command builds it first).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SCRATCH="$ROOT/.build-sdk"

echo "sdk: examples/opening-range" >&2
swift build --package-path examples/opening-range --scratch-path "$SCRATCH" --build-tests
swift test --package-path examples/opening-range --scratch-path "$SCRATCH" --skip-build

echo "sdk: tsxlab new strategy" >&2
TEMPLATE="$SCRATCH/template"
rm -rf "$TEMPLATE" && mkdir -p "$TEMPLATE"
.build/debug/tsxlab new strategy TemplateCheck --dir "$TEMPLATE" --tsxlab-path "$ROOT"
swift build --package-path "$TEMPLATE/template-check" --scratch-path "$SCRATCH" --build-tests
swift test --package-path "$TEMPLATE/template-check" --scratch-path "$SCRATCH" --skip-build
