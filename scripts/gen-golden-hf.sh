#!/usr/bin/env bash
# Regenerates tokenize/testdata/hf: trains small tokenizers with the Hugging Face
# `tokenizers` npm binding (pinned below) on the shared corpora and records the ids
# it produces. Needs node and npm; installs into a scratch folder under /tmp.
# Run scripts/gen-golden-spm.sh first: spm-unigram-converted.json is made from
# tokenize/testdata/spm/unigram.model.gz as the library's T5 converter would.
set -euo pipefail
VERSION=0.23.2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data}"
WORK="${WORK:-/tmp/grist-golden-hf}"
mkdir -p "$WORK"
if [ ! -f "$WORK/node_modules/tokenizers/package.json" ] || ! grep -q "\"version\": \"$VERSION\"" "$WORK/node_modules/tokenizers/package.json"; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund "tokenizers@$VERSION" >/dev/null)
fi
OUT="$ROOT/tokenize/testdata/hf"
mkdir -p "$OUT"
NODE_PATH="$WORK/node_modules" node "$ROOT/scripts/golden/hf/gen.js" "$DATA" "$OUT" "$WORK"
