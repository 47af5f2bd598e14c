#!/usr/bin/env bash
# Single-thread encode throughput: spm_encode (Debian's sentencepiece) versus
# package tokenize, on the lines of tokenize/testdata/spm/lines.txt.gz.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/grist-bench-spm}"
if ! command -v spm_encode >/dev/null; then
  apt-get update -qq && apt-get install -y -qq sentencepiece >/dev/null
fi
mkdir -p "$WORK"
zcat "$ROOT/tokenize/testdata/spm/lines.txt.gz" > "$WORK/lines1.txt"
# Repeat the lines so that one run lasts long enough to time.
for _ in $(seq 20); do cat "$WORK/lines1.txt"; done > "$WORK/lines.txt"
BYTES=$(wc -c < "$WORK/lines.txt")
for name in bpe unigram; do
  zcat "$ROOT/tokenize/testdata/spm/$name.model.gz" > "$WORK/$name.model"
  start=$(date +%s.%N)
  spm_encode --model="$WORK/$name.model" --output_format=id < "$WORK/lines.txt" > /dev/null
  end=$(date +%s.%N)
  echo "spm_encode $name: $(python3 -c "print(f'{$BYTES/($end-$start)/1e6:.2f}')") MB/s (model load included)"
done
cd "$ROOT" && go test ./tokenize -run '^$' -bench 'BenchmarkSPM(BPE|Unigram)$' -benchtime 2s -cpu 1 | grep -E '^Benchmark'
