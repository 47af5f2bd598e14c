#!/usr/bin/env bash
# Regenerates tokenize/train/testdata:
#   corpus.txt.gz, heldout.jsonl.gz    training slice (one document per line) and
#                                      held-out texts cut from the shared corpora
#   hf-bytelevel.merges.json.gz        merges of Hugging Face's BpeTrainer (npm
#                                      tokenizers, pinned below; its default trainer:
#                                      vocab_size 30000, min_frequency 0) behind a
#                                      ByteLevel pre-tokenizer
#   grist-*.json.gz                    grist's tokenizers trained on the slice
#   grist-*.ids.jsonl.gz               ids npm tokenizers gives the held-out texts
#                                      with grist's tokenizer.json files
#   compression.json                   bytes per token on the held-out lines of HF
#                                      (pruned to the same size), spm_train BPE and
#                                      Unigram (Debian sentencepiece), at vocab 8000
# Needs node, npm, go and spm_train (apt-get install -y sentencepiece).
set -euo pipefail
VERSION=0.23.2
V=8000
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data}"
WORK="${WORK:-/tmp/grist-golden-train}"
OUT="$ROOT/tokenize/train/testdata"
mkdir -p "$WORK" "$OUT"
if [ ! -f "$WORK/node_modules/tokenizers/package.json" ] || ! grep -q "\"version\": \"$VERSION\"" "$WORK/node_modules/tokenizers/package.json"; then
  (cd "$WORK" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund "tokenizers@$VERSION" >/dev/null)
fi
GEN="$ROOT/scripts/golden/train/gen.js"
export NODE_PATH="$WORK/node_modules"

node "$GEN" corpus "$DATA" "$WORK"
cp "$WORK/corpus.txt.gz" "$WORK/heldout.jsonl.gz" "$OUT/"
node "$GEN" hf "$OUT" "$WORK" "$V"
(cd "$ROOT/tokenize/train" && go test -count=1 -run 'TestWriteGoldenModels$' . -args -write-golden)
node "$GEN" encode "$OUT"

# SentencePiece at the same size: identity normalization and kept white space,
# like grist's byte_fallback model; byte fallback on.
spm_bpt() { # model file -> bytes per token over the held-out lines
  spm_encode --model="$1" --output_format=id < "$WORK/heldout-lines.txt" |
    awk -v bytes="$(tr -d '\n' < "$WORK/heldout-lines.txt" | wc -c)" '{ n += NF } END { printf "%.6f", bytes / n }'
}
SPM_FLAGS=(--input="$WORK/corpus.txt" --vocab_size="$V" --character_coverage=0.9995 --byte_fallback=true
  --normalization_rule_name=identity --remove_extra_whitespaces=false --max_sentence_length=100000 --minloglevel=2)
s=$(date +%s.%N); spm_train "${SPM_FLAGS[@]}" --model_type=bpe --model_prefix="$WORK/spm-bpe"; e=$(date +%s.%N)
SPM_BPE_SECS=$(echo "$e - $s" | bc)
s=$(date +%s.%N); spm_train "${SPM_FLAGS[@]}" --model_type=unigram --model_prefix="$WORK/spm-unigram"; e=$(date +%s.%N)
SPM_UNI_SECS=$(echo "$e - $s" | bc)
cat > "$OUT/compression.json" <<JSON
{
  "vocab_size": $V,
  "unit": "UTF-8 bytes per token over the non-empty lines of the held-out texts, each line encoded alone",
  "hf_bytelevel_bpe": $(node -e "process.stdout.write(String(require('$WORK/hf.json').bytes_per_token))"),
  "spm_bpe_byte_fallback": $(spm_bpt "$WORK/spm-bpe.model"),
  "spm_unigram_byte_fallback": $(spm_bpt "$WORK/spm-unigram.model"),
  "train_seconds_on_slice": {"hf_bytelevel_bpe_30000": $(node -e "process.stdout.write(String(require('$WORK/hf.json').train_seconds))"), "spm_bpe": $SPM_BPE_SECS, "spm_unigram": $SPM_UNI_SECS}
}
JSON
cat "$OUT/compression.json"
