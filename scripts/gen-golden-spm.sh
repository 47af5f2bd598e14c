#!/usr/bin/env bash
# Regenerates tokenize/testdata/spm: trains small SentencePiece models with Debian's
# sentencepiece tools on the shared UDHR corpus (Korean included) and records what
# spm_encode / spm_decode give for the lines of tokenize/testdata/hf/texts.jsonl.gz.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data}"
WORK="${WORK:-/tmp/grist-golden-spm}"
OUT="$ROOT/tokenize/testdata/spm"
if ! command -v spm_train >/dev/null; then
  apt-get update -qq && apt-get install -y -qq sentencepiece >/dev/null
fi
mkdir -p "$WORK" "$OUT"
# Training text: every UDHR article, one line per paragraph.
zcat "$DATA/udhr.jsonl.gz" | python3 -c '
import json, sys
for l in sys.stdin:
    for p in json.loads(l)["text"].split("\n"):
        if p.strip():
            print(p)' > "$WORK/train.txt"
# Evaluation lines: the lines of the shared golden texts, plus the seed examples.
zcat "$ROOT/tokenize/testdata/hf/texts.jsonl.gz" | python3 -c '
import json, sys
out = ["나는 학교에 갔다", "꿼쀐쮌휈뛠", "나는 학교에 갔다 꿼쀐쮌휈뛠", "모든 사람은 교육을 받을 권리를 가진다."]
for l in sys.stdin:
    for p in json.loads(l)["text"].split("\n"):
        if p.strip():
            out.append(p)
sys.stdout.write("\n".join(out) + "\n")' > "$WORK/lines.txt"
gzip -9nc "$WORK/lines.txt" > "$OUT/lines.txt.gz"

COMMON=(--character_coverage=0.9995 --input_sentence_size=200000
  --shuffle_input_sentence=true --seed_sentencepiece_size=200000 --num_threads=2 --minloglevel=2)
# Korean, Japanese, Chinese and English articles: a small model whose pieces span syllables.
zcat "$DATA/udhr.jsonl.gz" | python3 -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["lang"] in ("ko", "ja", "cmn", "zh", "en", "eng"):
        for p in d["text"].split("\n"):
            if p.strip():
                print(p)' > "$WORK/train-ko.txt"
train() { # name, input, extra flags...
  local name=$1 input=$2; shift 2
  spm_train "${COMMON[@]}" --input="$input" --model_prefix="$WORK/$name" "$@"
  gzip -9nc "$WORK/$name.model" > "$OUT/$name.model.gz"
  for fmt in id piece; do
    spm_encode --model="$WORK/$name.model" --output_format=$fmt < "$WORK/lines.txt" > "$WORK/$name.$fmt"
  done
  spm_decode --model="$WORK/$name.model" --input_format=id < "$WORK/$name.id" > "$WORK/$name.decoded"
  gzip -9nc "$WORK/$name.id" > "$OUT/$name.id.gz"
  # Pieces of the first 300 lines; decoded text only where it differs from the input.
  head -n 300 "$WORK/$name.piece" | gzip -9nc > "$OUT/$name.piece.gz"
  python3 - "$WORK/lines.txt" "$WORK/$name.decoded" <<'PY' | gzip -9nc > "$OUT/$name.decoded.gz"
import sys
lines = open(sys.argv[1], encoding="utf-8", newline="\n").read().split("\n")
dec = open(sys.argv[2], encoding="utf-8", newline="\n").read().split("\n")
for i, (a, b) in enumerate(zip(lines, dec)):
    if a != b:
        print(f"{i}\t{b}")
PY
  echo "$name: $(wc -l < "$WORK/$name.id") lines"
}
train bpe "$WORK/train.txt" --model_type=bpe --vocab_size=4000
train bpe-bf "$WORK/train.txt" --model_type=bpe --vocab_size=4000 --byte_fallback=true --user_defined_symbols=http,@@
train unigram "$WORK/train.txt" --model_type=unigram --vocab_size=4000
train unigram-bf "$WORK/train.txt" --model_type=unigram --vocab_size=4000 --byte_fallback=true \
  --normalization_rule_name=nfkc_cf --remove_extra_whitespaces=false --control_symbols='<ctl>' --user_defined_symbols='<url>'
train ko-bpe-bf "$WORK/train-ko.txt" --model_type=bpe --vocab_size=3000 --hard_vocab_limit=false --byte_fallback=true
