#!/usr/bin/env bash
# Single-thread encode throughput: npm `tokenizers` (the Hugging Face library)
# versus package tokenize, on the same e-mail texts and tokenizer.json files.
set -euo pipefail
VERSION=0.23.2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/grist-golden-hf}"
mkdir -p "$WORK"
if [ ! -f "$WORK/node_modules/tokenizers/package.json" ] || ! grep -q "\"version\": \"$VERSION\"" "$WORK/node_modules/tokenizers/package.json"; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund "tokenizers@$VERSION" >/dev/null)
fi
export RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false UV_THREADPOOL_SIZE=1
NODE_PATH="$WORK/node_modules" node "$ROOT/scripts/golden/hf/bench.js" "$ROOT/tokenize/testdata/hf" bytelevel-bpe wordpiece unigram bpe-llama
cd "$ROOT" && go test ./tokenize -run '^$' -bench 'BenchmarkHF(ByteLevelBPE|WordPiece|Unigram|BPELlama)$' -benchtime 2s -cpu 1 | grep -E '^Benchmark'
