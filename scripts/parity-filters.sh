#!/usr/bin/env bash
# parity-filters.sh: run datatrove's GopherQuality, GopherRepetition, C4Quality
# and FineWebQuality filters (default options) on a sample of a corpus, write
# their decisions as the golden file of filters' TestDatatroveParity, then run
# that test.
#
# Needs a Python where `import datatrove` and `import spacy` work (datatrove's
# English word and sentence splitter is a blank spaCy English pipeline), e.g.
#   PYTHON=python3 PYTHONPATH=/path/to/datatrove/src:/path/to/spacy scripts/parity-filters.sh
#
# Arguments: [corpus.jsonl.gz ...] (default: the shared spam-assassin and UDHR
# samples); EVERY (default 6 for emails, 40 for UDHR) picks every n-th document.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=filters/testdata/parity/datatrove.jsonl.gz
SA=${1:-../shared/data/spam-assassin.jsonl.gz}
UDHR=${2:-../shared/data/udhr.jsonl.gz}

"$PYTHON" - "$SA" "$UDHR" "$OUT" <<'PY'
import contextlib, gzip, json, sys

import spacy.language
# datatrove >= 0.5 wraps tokenization in Language.memory_zone (spaCy >= 3.8);
# with an older spaCy it is a no-op for the tokens produced.
if not hasattr(spacy.language.Language, "memory_zone"):
    spacy.language.Language.memory_zone = lambda self, mem=None: contextlib.nullcontext()

from datatrove.data import Document
from datatrove.pipeline.filters.c4_filters import C4QualityFilter
from datatrove.pipeline.filters.fineweb_quality_filter import FineWebQualityFilter
from datatrove.pipeline.filters.gopher_quality_filter import GopherQualityFilter
from datatrove.pipeline.filters.gopher_repetition_filter import GopherRepetitionFilter

sa, udhr, out = sys.argv[1:4]
docs = []
with gzip.open(sa, "rt") as f:
    for i, line in enumerate(f):
        if i % 6 == 5:
            d = json.loads(line)
            docs.append((d["id"], d["text"]))
with gzip.open(udhr, "rt") as f:
    for i, line in enumerate(f):
        if i % 40 == 39:
            d = json.loads(line)
            docs.append((d["id"], d["text"]))

filters = {
    "gopher_quality": GopherQualityFilter(),
    "gopher_repetition": GopherRepetitionFilter(),
    "c4_quality": C4QualityFilter(),
    "fineweb_quality": FineWebQualityFilter(),
}

def decide(flt, doc):
    try:
        r = flt.filter(doc)
    except ZeroDivisionError:
        return "error:ZeroDivisionError"
    if r is True:
        return ""
    if isinstance(r, tuple):
        return r[1]
    return "dropped"

with gzip.open(out, "wt", compresslevel=9) as f:
    for doc_id, text in docs:
        rec = {"id": doc_id, "text": text}
        for name, flt in filters.items():
            doc = Document(text=text, id=doc_id)
            rec[name] = decide(flt, doc)
            if name == "c4_quality" and rec[name] == "":
                rec["c4_text"] = doc.text
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print(f"wrote {len(docs)} decisions to {out}", file=sys.stderr)
PY

go test ./filters -run 'TestDatatroveParity' -v -count=1
