#!/usr/bin/env python3
"""Generate a large JSONL.zst corpus for soak runs from the sample corpora.

Records of /work/shared/data/*.jsonl.gz (UDHR articles, SpamAssassin mails) are
drawn at random and edited, so the corpus is large without being one text
repeated: about 10% are kept as they are (exact duplicates for dedup_exact),
30% get a few words swapped for words of other records (near duplicates for
dedup_minhash), 30% are spliced from two records, 30% get a shuffled order of
lines or sentences plus a random tail. Every record has a unique id and keeps
the source's metadata fields (lang, udhr_code or subject, label). Seeded: the
same SIZE and SEED give the same files.

    scripts/gen-soak-corpus.py OUT_DIR            # SIZE=5GB by default
    SIZE=1GB FILE_SIZE=256MB SEED=1 scripts/gen-soak-corpus.py /tmp/soak

SIZE is the uncompressed JSONL size (units B, KB, MB, GB of 1024). Files are
soak-NNNN.jsonl.zst, compressed by the zstd command (level 3).
"""
import glob
import gzip
import json
import os
import random
import re
import subprocess
import sys


def parse_size(s):
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMG]?B?)\s*", s.upper())
    if not m:
        sys.exit("bad size %r (use e.g. 5GB, 256MB)" % s)
    unit = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30}[m.group(2)]
    return int(float(m.group(1)) * unit)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    size = parse_size(os.environ.get("SIZE", "5GB"))
    file_size = parse_size(os.environ.get("FILE_SIZE", "256MB"))
    rng = random.Random(int(os.environ.get("SEED", "1")))
    data = os.environ.get("DATA", "/work/shared/data")
    src = []
    for path in sorted(glob.glob(os.path.join(data, "*.jsonl.gz"))):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            src += [json.loads(line) for line in f if line.strip()]
    if not src:
        sys.exit("no *.jsonl.gz under %s" % data)
    words = [w for r in rng.sample(src, min(len(src), 3000)) for w in r["text"].split()][:200000]
    os.makedirs(out, exist_ok=True)

    def edit(r):
        t = r["text"]
        k = rng.random()
        if k < 0.10:
            return t
        if k < 0.40:
            w = t.split(" ")
            for _ in range(max(1, len(w) // 30)):
                w[rng.randrange(len(w))] = rng.choice(words)
            return " ".join(w)
        if k < 0.70:
            o = rng.choice(src)["text"]
            return t[: len(t) // 2] + o[len(o) // 2:]
        parts = t.split("\n") if "\n" in t else re.split(r"(?<=[.!?]) ", t)
        rng.shuffle(parts)
        tail = " ".join(rng.choice(words) for _ in range(rng.randrange(3, 40)))
        return "\n".join(parts) + "\n" + tail

    written, n, fileno = 0, 0, 0
    while written < size:
        name = os.path.join(out, "soak-%04d.jsonl.zst" % fileno)
        z = subprocess.Popen(["zstd", "-q", "-3", "-f", "-o", name], stdin=subprocess.PIPE)
        fbytes, buf = 0, []
        while fbytes < file_size and written + fbytes < size:
            r = dict(rng.choice(src))
            r["id"] = "soak-%d" % n
            r["text"] = edit(r)
            n += 1
            line = (json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8")
            buf.append(line)
            fbytes += len(line)
            if len(buf) >= 4096:
                z.stdin.write(b"".join(buf))
                buf = []
        z.stdin.write(b"".join(buf))
        z.stdin.close()
        if z.wait() != 0:
            sys.exit("zstd failed on " + name)
        written += fbytes
        fileno += 1
        print("%s: %.0f MB (%d records so far)" % (name, fbytes / 2**20, n), file=sys.stderr)
    with open(os.path.join(out, "SOAK"), "w") as f:
        json.dump({"bytes": written, "records": n, "files": fileno, "size": size}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
