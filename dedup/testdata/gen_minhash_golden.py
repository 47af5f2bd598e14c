#!/usr/bin/env python3
"""Writes testdata/minhash_golden.json: datatrove-equivalent MinHash values.

Reference implementation: numpy's legacy RandomState for the permutation
parameters, python-xxhash for shingles, and datatrove's own simplify_text
(datatrove/utils/text.py, passed as argv[1]) for normalization. Shingles are
whitespace tokens of the simplified text (datatrove's default English spaCy
tokenizer yields the same tokens on such text except for its special cases,
e.g. "cannot" -> "can" "not"), joined by single spaces, exactly as datatrove's
MinhashDedupSignature.get_shingles/get_signature compute them.
Usage: /usr/bin/python3 gen_minhash_golden.py path/to/datatrove_text.py
"""
import gzip
import importlib.util
import json
import sys
import types

import numpy as np
import xxhash

spec = importlib.util.spec_from_file_location("dttext", sys.argv[1])
sys.modules["datatrove"] = types.ModuleType("datatrove")
th = types.ModuleType("datatrove.utils.typeshelper")
th.Languages = types.SimpleNamespace(english="en")
sys.modules["datatrove.utils"] = types.ModuleType("datatrove.utils")
sys.modules["datatrove.utils.typeshelper"] = th
dttext = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dttext)

P = np.uint64((1 << 61) - 1)


def params(seed, k):
    g = np.random.RandomState(seed)
    a = g.randint(1, P, dtype=np.uint64, size=(1, k))
    b = g.randint(0, P, dtype=np.uint64, size=(1, k))
    return a, b


def signature(text, a, b, n=5):
    norm = dttext.simplify_text(text)
    toks = norm.split()
    sh = np.fromiter(
        [xxhash.xxh64_intdigest(" ".join(toks[i:i + n])) for i in range(len(toks) - n + 1)],
        dtype=np.uint64,
    ).reshape((-1, 1))
    if sh.size == 0:
        return norm, []
    with np.errstate(over="ignore"):
        phv = (sh * a + b) % P
    return norm, [int(x) for x in np.min(phv, axis=0)]


def main():
    out = {"params": {}, "docs": []}
    for seed in (1, 42):
        a, b = params(seed, 112)
        out["params"][str(seed)] = {"a": [int(x) for x in a[0]], "b": [int(x) for x in b[0]]}
    a, b = params(1, 112)
    texts = [
        "Héllo, WORLD!! 3.14 and 1,000,000 dollars\t\n  café naïve Ærø ÅNGSTRÖM résumé",
        "The quick brown fox jumps over the lazy dog. The quick brown fox!",
        "one two three four",
        "Numbers: 12.5.6, ٣٤٥, ３４５ and x1y2z3 -- (parenthesized) «quoted» — dashes…",
        "Ελληνικά κείμενα ΜΕ ΤΟΝΟΥΣ: άέήίόύώ και Ϊ ϋ δοκιμή πέντε λέξεις εδώ",
        "Tiếng Việt có dấu: Mọi người sinh ra đều được tự do và bình đẳng",
        "Русский текст: Все люди рождаются свободными и равными в своем достоинстве",
        "한국어 텍스트: 모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다",
    ]
    with gzip.open("corpus.jsonl.gz", "rt") as f:
        corpus = [json.loads(l) for l in f]
    for t in texts:
        norm, sig = signature(t, a, b)
        out["docs"].append({"text": t, "norm": norm, "sig": sig})
    for d in corpus[:30] + corpus[-10:]:
        norm, sig = signature(d["text"], a, b)
        out["docs"].append({"id": d["id"], "norm": norm, "sig": sig})
    with open("minhash_golden.json", "w") as f:
        json.dump(out, f, ensure_ascii=False)


main()
