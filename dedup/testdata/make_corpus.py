#!/usr/bin/env python3
"""Builds testdata/corpus.jsonl.gz from the shared sample corpora.

Selects ham emails and UDHR articles that are pairwise dissimilar (exact
word 5-gram Jaccard < 0.2 after lowercasing), so that the planted
near-duplicates of the quality tests are the only near-duplicates.
Usage: make_corpus.py /path/to/shared/data testdata/corpus.jsonl.gz
"""
import gzip
import json
import random
import sys


def shingles(text):
    w = text.lower().split()
    return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}


def pick(docs, n, chosen):
    out = []
    for d in docs:
        s = shingles(d["text"])
        if len(s) < 20:
            continue
        if any(len(s & t) / len(s | t) >= 0.2 for t in chosen):
            continue
        chosen.append(s)
        out.append(d)
        if len(out) == n:
            break
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    rnd = random.Random(7)
    ham = []
    with gzip.open(f"{src}/spam-assassin.jsonl.gz", "rt") as f:
        for line in f:
            d = json.loads(line)
            if d["label"] == "ham" and 300 <= len(d["text"].encode()) <= 2500:
                ham.append({"id": d["id"], "text": d["text"], "lang": "en"})
    rnd.shuffle(ham)
    udhr = []
    langs = {"fr", "de-1996", "ru", "ar", "hi", "zh", "ja", "th", "ko", "km", "es", "pt", "it", "pl", "tr", "vi"}
    with gzip.open(f"{src}/udhr.jsonl.gz", "rt") as f:
        for line in f:
            d = json.loads(line)
            if d["lang"] in langs and len(d["text"].encode()) >= 300:
                udhr.append({"id": d["id"], "text": d["text"], "lang": d["lang"]})
    rnd.shuffle(udhr)
    chosen = []
    out = pick(ham, 450, chosen) + pick(udhr, 150, chosen)
    with gzip.open(dst, "wt", compresslevel=9) as f:
        for d in out:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(len(out), "docs")


main()
