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

. "$root/scripts/lib-faults.sh"
faults_grist
wflag=()
[ -n "${WORKERS:-}" ] && wflag=(--workers "$WORKERS")

# --- corpus and pipeline
faults_corpus 12 2 50 1
gzip "$work"/corpus/c0*.jsonl
sed -e "s#^  paths: .*#  paths: [$work/corpus]#" -e "s#out/pretrain#$work/unused#g" \
  "$root/configs/pretrain-ar.yaml" > "$work/pipeline.yaml"

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
