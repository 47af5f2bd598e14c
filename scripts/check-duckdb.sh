#!/usr/bin/env bash
# Reads a grist output folder with DuckDB (npm @duckdb/node-api, an
# implementation independent of grist's Parquet writer) and compares row
# counts and schema with manifest.json. Usage: scripts/check-duckdb.sh OUTPUT_DIR
# With no argument it runs the quickstart into a temporary folder and checks that.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dir="${1:-}"
if [ -z "$dir" ]; then
  (cd "$root" && go run ./cmd/grist run -q configs/quickstart.yaml -o "$work/quickstart" >/dev/null)
  dir="$work/quickstart"
fi
dir="$(cd "$dir" && pwd)"
cp "$root/scripts/duckdb/package.json" "$root/scripts/duckdb/check.mjs" "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent >/dev/null)
node "$work/check.mjs" "$dir"
