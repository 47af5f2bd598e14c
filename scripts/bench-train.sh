#!/usr/bin/env bash
# Tokenizer training: seconds and peak RSS of grist (BenchmarkTrainBPE, one
# thread; BenchmarkTrainUnigram, 32k, one thread and all threads), Hugging Face's
# BpeTrainer (npm tokenizers; its node binding trains with the default trainer,
# vocab_size 30000) and spm_train (BPE one thread, Unigram 32k one thread and all
# threads), on the same text: the spam-assassin emails and UDHR articles of
# /work/shared/data, one line per line. Set SPM=0 to skip spm_train (~3 min),
# HF=0 to skip Hugging Face, BPE=0 to skip the BPE runs.
# CPU seconds are printed beside wall seconds: on a shared machine they vary less.
set -euo pipefail
VERSION=0.23.2
V=32000
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data}"
WORK="${WORK:-/tmp/grist-bench-train}"
mkdir -p "$WORK"
if [ "${HF:-1}" != 0 ] && { [ ! -f "$WORK/node_modules/tokenizers/package.json" ] || ! grep -q "\"version\": \"$VERSION\"" "$WORK/node_modules/tokenizers/package.json"; }; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund "tokenizers@$VERSION" >/dev/null)
fi
if [ ! -f "$WORK/corpus.txt" ]; then
  for f in spam-assassin udhr; do
    zcat "$DATA/$f.jsonl.gz" | python3 -c 'import sys, json
for l in sys.stdin: sys.stdout.write(json.loads(l)["text"].rstrip("\n") + "\n")'
  done > "$WORK/corpus.txt"
fi
echo "corpus: $(wc -c < "$WORK/corpus.txt") bytes, $(wc -l < "$WORK/corpus.txt") lines"
measure() { # name cmd... -> "name: W s wall, C s CPU (user+sys), R MB peak RSS"
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" > "$WORK/$name.log" 2>&1
  read -r secs user sys kb < "$WORK/time.txt"
  echo "$name: ${secs} s wall, $(echo "$user + $sys" | bc) s CPU, $((kb / 1024)) MB peak RSS"
}
THREADS=$(nproc)
(cd "$ROOT/tokenize/train" && go test -c -o "$WORK/train.test" .)
rm -f "$WORK"/grist*.log
if [ "${BPE:-1}" != 0 ]; then
  TRAIN_BENCH_FILE="$WORK/corpus.txt" measure "grist byte-level BPE 32k (1 thread)" \
    "$WORK/train.test" -test.run '^$' -test.bench 'BenchmarkTrainBPE$' -test.benchtime 1x -test.cpu 1
fi
TRAIN_BENCH_FILE="$WORK/corpus.txt" measure "grist unigram 32k (1 thread)" \
  "$WORK/train.test" -test.run '^$' -test.bench 'BenchmarkTrainUnigram$' -test.benchtime 1x -test.cpu 1
TRAIN_BENCH_FILE="$WORK/corpus.txt" measure "grist unigram 32k ($THREADS threads)" \
  "$WORK/train.test" -test.run '^$' -test.bench 'BenchmarkTrainUnigram$' -test.benchtime 1x -test.cpu "$THREADS"
grep -h '^Benchmark' "$WORK"/grist*.log || true
if [ "${HF:-1}" != 0 ]; then
cat > "$WORK/hf.js" <<'JS'
const tk = require('tokenizers');
const t = new tk.Tokenizer(tk.BPE.empty());
t.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
t.train([process.argv[2]]);
JS
NODE_PATH="$WORK/node_modules" RAYON_NUM_THREADS=1 measure "hf BpeTrainer byte-level 30k (1 thread)" node "$WORK/hf.js" "$WORK/corpus.txt"
NODE_PATH="$WORK/node_modules" measure "hf BpeTrainer byte-level 30k (all threads)" node "$WORK/hf.js" "$WORK/corpus.txt"
fi
if [ "${SPM:-1}" != 0 ]; then
  spm() { # type threads
    measure "spm_train $1 32k ($2 thread$([ "$2" = 1 ] || echo s))" spm_train --input="$WORK/corpus.txt" --model_prefix="$WORK/spm-$1" \
      --vocab_size=$V --model_type="$1" --byte_fallback=true --num_threads="$2" --minloglevel=2
  }
  [ "${BPE:-1}" = 0 ] || spm bpe 1
  spm unigram 1
  spm unigram "$THREADS"
fi
