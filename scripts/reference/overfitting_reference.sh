#!/usr/bin/env bash
# Remakes Tests/ResearchTests/Fixtures/overfitting_*.csv and block_length_series.csv with the
# pinned reference libraries (skfolio, ffn, arch): a virtual environment in .build-venv-reference/,
# made and filled from PyPI when the pins are missing, then scripts/reference/overfitting_reference.py.
# Rerunning it rewrites the same files byte for byte.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.build-venv-reference
REQ=scripts/reference/overfitting-requirements.txt
if ! "$VENV/bin/python" -c "import skfolio, ffn, arch" 2>/dev/null \
   || ! diff -q <(sed -e 's/#.*//' -e '/^\s*$/d' "$REQ" | sort) \
                <("$VENV/bin/python" -m pip freeze --disable-pip-version-check | grep -ixFf <(sed -e 's/#.*//' -e '/^\s*$/d' "$REQ") | sort) >/dev/null; then
  echo "installing the pinned reference libraries into $VENV" >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
fi
exec "$VENV/bin/python" scripts/reference/overfitting_reference.py "$@"
