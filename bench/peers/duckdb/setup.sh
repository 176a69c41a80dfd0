#!/usr/bin/env bash
# A private venv for the SQLite-vs-DuckDB measurement (Bot4 does not depend on DuckDB).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q duckdb pyarrow
exec .venv/bin/python measure.py "$@"
