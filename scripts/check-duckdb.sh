#!/usr/bin/env bash
# Reads grist output folders with DuckDB (npm @duckdb/node-api, pinned in
# scripts/duckdb/package.json: an implementation independent of grist's
# Parquet writer) and compares counts, schema and the rules of training
# examples with manifest.json (see scripts/duckdb/check.mjs).
#   scripts/check-duckdb.sh OUTPUT_DIR [MASK_PROB]   check one folder
#   scripts/check-duckdb.sh                          run configs/quickstart.yaml,
#     pretrain-ar.yaml, mlm.yaml and sft.yaml and check each output, then check
#     that a manifest with one token too many is caught (CI runs this form)
# Needs Go, node and npm (it installs the DuckDB package into a temporary folder).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/scripts/duckdb/package.json" "$root/scripts/duckdb/check.mjs" "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent >/dev/null)

if [ $# -gt 0 ]; then
  node "$work/check.mjs" "$(cd "$1" && pwd)" "${2:-0.15}"
  exit
fi

(cd "$root" && go build -o "$work/grist" ./cmd/grist)
for c in quickstart pretrain-ar mlm sft; do
  echo "== configs/$c.yaml"
  (cd "$root" && "$work/grist" run -q "configs/$c.yaml" -o "$work/out-$c" >/dev/null)
  node "$work/check.mjs" "$work/out-$c"
done

echo "== a manifest with one token too many must fail the check"
cp -r "$work/out-mlm" "$work/out-bad"
node -e '
const fs = require("fs"), f = process.argv[1];
const m = JSON.parse(fs.readFileSync(f, "utf8")); m.tokens += 1;
fs.writeFileSync(f, JSON.stringify(m));' "$work/out-bad/manifest.json"
if node "$work/check.mjs" "$work/out-bad" >"$work/bad.log"; then
  cat "$work/bad.log"; echo "check-duckdb: the altered manifest passed"; exit 1
fi
grep MISMATCH "$work/bad.log"
echo "check-duckdb: ok"
