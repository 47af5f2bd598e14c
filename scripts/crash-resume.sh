#!/usr/bin/env bash
# Crash and resume: a run killed at random moments (SIGKILL), then continued
# with `grist run --resume` until it completes, must give output identical byte
# for byte to an uninterrupted run, and leave no temporary file visible.
# SIGINT and SIGTERM must stop the run with a non-zero exit and a hint to resume.
#
#   scripts/crash-resume.sh                 # 10 trials, up to 4 kills each
#   RUNS=20 KILLS=3 KILL_MAX=5 scripts/crash-resume.sh
#
# Environment: GRIST (binary; built from this tree when unset), RUNS (trials,
# 10), KILLS (SIGKILLs per trial: the run, then each resume, 4), KILL_MIN and
# KILL_MAX (seconds before a kill, 0.05 and 3), WORKERS (default: grist's),
# KEEP=1 keeps the work folder. The corpus is the sample corpora
# (/work/shared/data, else configs/data) cut into 12 files (10 gzipped, 2 plain)
# with duplicates across files, through configs/pretrain-ar.yaml's steps: two
# dedup barriers and a shuffle barrier, so kills land in every kind of phase.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
RUNS="${RUNS:-10}"
KILLS="${KILLS:-4}"
KILL_MIN="${KILL_MIN:-0.05}"
KILL_MAX="${KILL_MAX:-3}"
work="$(mktemp -d /tmp/grist-crash.XXXXXX)"
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "work folder kept: $work" || rm -rf "$work"; }
trap cleanup EXIT

grist="${GRIST:-}"
if [ -z "$grist" ]; then
  grist="$work/grist"
  (cd "$root" && go build -o "$grist" ./cmd/grist)
fi
wflag=()
[ -n "${WORKERS:-}" ] && wflag=(--workers "$WORKERS")

# --- corpus and pipeline
mkdir -p "$work/corpus"
shared=/work/shared/data
if [ -r "$shared/udhr.jsonl.gz" ] && [ -r "$shared/spam-assassin.jsonl.gz" ]; then
  srcs=("$shared/udhr.jsonl.gz" "$shared/spam-assassin.jsonl.gz")
else
  srcs=("$root/configs/data/quickstart.jsonl.gz")
fi
gzip -dc "${srcs[@]}" | python3 -c '
import sys
lines = sys.stdin.readlines()
n = 12
for i in range(n):
    part = lines[i::n]
    if i < 2:
        part = part + lines[i * 50:i * 50 + 50]  # exact duplicates of other files
    with open(sys.argv[1] + "/c%02d.jsonl" % i, "w") as f:
        f.writelines(part)
' "$work/corpus"
gzip "$work"/corpus/c0*.jsonl
sed -e "s#^  paths: .*#  paths: [$work/corpus]#" -e "s#out/pretrain#$work/unused#g" \
  "$root/configs/pretrain-ar.yaml" > "$work/pipeline.yaml"

# compare OUT with the reference: every file byte for byte, except stats.json
# whose timings differ (its counters must match); no temporary file visible;
# stats accounting read = written + rejected + errors.
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
temps = sorted(f for f in of if os.path.basename(f).startswith((".part-", ".tmp-")) or ".tmp" in os.path.basename(f))
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

# phase reached, from grist status (best effort)
phase_of() {
  "$grist" status "$work/pipeline.yaml" -o "$1" 2>/dev/null | awk '/phase/ && !/done/ {print $3; exit}' || true
}

echo "grist: $("$grist" version)   corpus: $(du -sh "$work/corpus" | cut -f1) in $(ls "$work/corpus" | wc -l) files"
start=$(date +%s.%N)
"$grist" run -q "$work/pipeline.yaml" -o "$work/ref" "${wflag[@]}" >/dev/null 2>"$work/ref.err"
ref_secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "reference run: ${ref_secs%????????} s, $(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(len(m["shards"]), "shards,", m["rows"], "rows")' "$work/ref/manifest.json")"
compare "$work/ref" >/dev/null

rand_delay() { python3 -c "import random; print('%.2f' % random.uniform($KILL_MIN, $KILL_MAX))"; }

failures=0
printf '\n%-6s %-28s %-24s %-8s %-8s %s\n' trial "kills at (s)" "killed in phase" resumes exit result
for t in $(seq 1 "$RUNS"); do
  out="$work/run$t"
  rm -rf "$out"
  kills=() phases=() resumes=0 lastrc=0
  for k in $(seq 1 "$KILLS"); do
    args=(run -q "$work/pipeline.yaml" -o "$out" "${wflag[@]}")
    [ "$k" -gt 1 ] && args+=(--resume)
    "$grist" "${args[@]}" >/dev/null 2>>"$work/run$t.err" &
    pid=$!
    d=$(rand_delay)
    sleep "$d"
    if kill -9 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      kills+=("$d")
      phases+=("$(phase_of "$out")")
    else
      wait "$pid" 2>/dev/null || true
      kills+=("${d}(done)")
      phases+=("-")
      break
    fi
  done
  # resume until complete (a resume into a folder the killed run never created is a fresh start)
  while :; do
    resumes=$((resumes + 1))
    set +e
    "$grist" run -q "$work/pipeline.yaml" -o "$out" --resume "${wflag[@]}" >/dev/null 2>>"$work/run$t.err"
    lastrc=$?
    set -e
    [ "$lastrc" -eq 0 ] && break
    if [ "$resumes" -ge 5 ]; then break; fi
  done
  if result=$(compare "$out"); then :; else failures=$((failures + 1)); fi
  [ "$lastrc" -ne 0 ] && { result="resume failed (exit $lastrc): $(tail -1 "$work/run$t.err")"; failures=$((failures + 1)); }
  printf '%-6s %-28s %-24s %-8s %-8s %s\n' "$t" "${kills[*]}" "${phases[*]}" "$resumes" "$lastrc" "$result"
  [ "${KEEP:-0}" = 1 ] || rm -rf "$out"
done

# --- SIGINT and SIGTERM: a clean stop, non-zero exit, a hint to resume
printf '\n%-8s %-10s %-6s %-8s %-40s %s\n' signal "after (s)" exit "hint" "resume" result
for sig in INT TERM; do
  out="$work/sig$sig"
  rm -rf "$out"
  "$grist" run -q "$work/pipeline.yaml" -o "$out" "${wflag[@]}" >"$work/sig$sig.out" 2>"$work/sig$sig.err" &
  pid=$!
  sleep 1.5
  kill -s "$sig" "$pid"
  t0=$(date +%s.%N)
  set +e
  wait "$pid"
  rc=$?
  set -e
  stop=$(echo "$(date +%s.%N) - $t0" | bc)
  hint=no
  grep -q -- '--resume' "$work/sig$sig.err" "$work/sig$sig.out" && hint=yes
  set +e
  "$grist" run -q "$work/pipeline.yaml" -o "$out" --resume "${wflag[@]}" >/dev/null 2>>"$work/sig$sig.err"
  rrc=$?
  set -e
  result=$(compare "$out") || failures=$((failures + 1))
  [ "$rc" -eq 0 ] && { result="exit 0 after SIG$sig; $result"; failures=$((failures + 1)); }
  [ "$hint" = no ] && failures=$((failures + 1))
  printf '%-8s %-10s %-6s %-8s %-40s %s\n' "SIG$sig" "1.5" "$rc" "$hint" "exit $rrc, stopped in ${stop%???????}s" "$result"
  echo "  stderr: $(grep -v '^grist: phase\|% of input' "$work/sig$sig.err" | head -2 | tr '\n' ' ')"
done

echo
if [ "$failures" -eq 0 ]; then echo "crash-resume: all trials identical to the reference"; else echo "crash-resume: $failures failure(s)"; exit 1; fi
