# Shared by the fault scripts (crash-resume.sh, disk-full.sh); sourced, not
# run. The caller sets root (the repository) and work (its scratch folder).

# faults_grist sets grist: $GRIST, else a binary built from this tree.
faults_grist() {
  grist="${GRIST:-}"
  if [ -z "$grist" ]; then
    grist="$work/grist"
    (cd "$root" && go build -o "$grist" ./cmd/grist)
  fi
}

# faults_corpus N DUPFILES DUPS COPIES writes the sample corpora (/work/shared/
# data, else COPIES times configs/data) into N JSONL files in $work/corpus,
# line i of every N to file i; the first DUPFILES files also get DUPS lines
# from further on, exact duplicates of other files' documents.
faults_corpus() {
  local n=$1 dupfiles=$2 dups=$3 copies=$4 srcs=() shared=/work/shared/data
  mkdir -p "$work/corpus"
  if [ -r "$shared/udhr.jsonl.gz" ] && [ -r "$shared/spam-assassin.jsonl.gz" ]; then
    srcs=("$shared/udhr.jsonl.gz" "$shared/spam-assassin.jsonl.gz")
  else
    for _ in $(seq 1 "$copies"); do srcs+=("$root/configs/data/quickstart.jsonl.gz"); done
  fi
  gzip -dc "${srcs[@]}" | python3 -c '
import sys
lines = sys.stdin.readlines()
out, n, dupfiles, dups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    part = lines[i::n]
    if i < dupfiles:
        part = part + lines[i * dups:i * dups + dups]
    with open(out + "/c%02d.jsonl" % i, "w") as f:
        f.writelines(part)
' "$work/corpus" "$n" "$dupfiles" "$dups"
}

# compare OUT checks OUT against the reference $work/ref: every file byte for
# byte, except stats.json whose timings differ (its counters must match); no
# temporary or hidden file left visible; stats accounting read = written +
# rejected + errors. It prints one line and fails on any problem.
compare() {
  python3 - "$work/ref" "$1" <<'EOF'
import json, os, sys, filecmp
ref, out = sys.argv[1], sys.argv[2]
problems = []
def files(d):
    got = set()
    for base, dirs, names in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".grist"]
        for n in names:
            got.add(os.path.relpath(os.path.join(base, n), d))
    return got
rf, of = files(ref), files(out)
temps = sorted(f for f in of if os.path.basename(f).startswith(".") or ".tmp" in os.path.basename(f))
for f in sorted(rf - of): problems.append("missing " + f)
for f in sorted(of - rf - set(temps)): problems.append("extra " + f)
if temps: problems.append("temporary files visible: " + " ".join(temps))
TIMING = ("seconds", "cpu_seconds", "peak_rss_bytes")  # differ from run to run by nature
def diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in TIMING: continue
            if k not in a or k not in b: out.append(path + "/" + k + (" missing" if k not in b else " extra"))
            else: out += diff(a[k], b[k], path + "/" + k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, "%s[%d]" % (path, i))]
    return [] if a == b else [path]
for f in sorted(rf & of):
    if f == "stats.json":
        a, b = (json.load(open(os.path.join(d, f))) for d in (ref, out))
        d = diff(a, b)
        if d: problems.append("stats.json differs at %s%s" % (" ".join(d[:4]), " ..." if len(d) > 4 else ""))
    elif not filecmp.cmp(os.path.join(ref, f), os.path.join(out, f), shallow=False):
        problems.append("differs " + f)
if os.path.exists(os.path.join(out, "stats.json")):
    s = json.load(open(os.path.join(out, "stats.json")))
    rej = sum(s.get("rejected", {}).values()); err = sum(s.get("errors", {}).values())
    if s["read"] != s["written"] + rej + err:
        problems.append("accounting: read %d != written %d + rejected %d + errors %d" % (s["read"], s["written"], rej, err))
same = len(rf & of) - sum(1 for p in problems if p.startswith(("differs", "stats.json")))
summary = "%d/%d files identical" % (same, len(rf))
print(summary if not problems else summary + "; " + "; ".join(problems[:6]))
sys.exit(1 if problems else 0)
EOF
}
