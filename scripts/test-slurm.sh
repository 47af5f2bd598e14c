#!/usr/bin/env bash
# grist launch slurm on a real single-node Slurm (scripts/start-slurm.sh; root,
# Debian packages): the run launched as chained job arrays must give output byte
# for byte identical to a plain local `grist run` of the same config, and a
# relaunch after a cancelled rank must resubmit only that rank.
#
#   scripts/test-slurm.sh            # start Slurm, build, case 1 and 2, then the scaling table
#   SCALING=0 scripts/test-slurm.sh  # without the scaling table
#   KEEP=1 scripts/test-slurm.sh     # keep the work folder
#
# Case 1: configs/quickstart.yaml (normalize, two dedup barriers, the quality
# filters) on its corpus cut by lines into 8 files (8 tasks),
# launched as 4 ranks; waits by polling squeue -j; cmp of manifest.json and of
# every part, rejected and error file with the local run.
# Case 2: the same launch with --throttle 1; rank 3 of the read array is
# cancelled while pending (the dependent phases are cancelled by
# --kill-on-invalid-dep); the relaunch must submit the read phase as --array=3
# only (the later phases, never run, as every rank) and the output must still
# be identical.
# Scaling: the sample corpora (/work/shared/data, 29 MB of JSONL, 8 files)
# through the same steps as 1, 2 and 4 ranks, beside single-process runs; wall
# from submission to the last job's end, CPU summed from the jobs' logs, work =
# the sum over the jobs of their slowest rank's wall (wall less scheduling).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
work="$(mktemp -d /tmp/grist-slurm.XXXXXX)"
chmod 755 "$work"
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "work folder kept: $work" || rm -rf "$work"; }
trap cleanup EXIT
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
fail() { echo "FAIL: $*" >&2; exit 1; }

t=$(now)
"$root/scripts/start-slurm.sh"
echo "== slurm up in $(since "$t") s (install included when it was needed)"

t=$(now)
grist="$work/grist"
(cd "$root" && go build -o "$grist" ./cmd/grist)
echo "== grist built in $(since "$t") s"

# The quickstart config, its input decompressed and cut into 8 tasks.
# cut_config SRC NAME FILES...: the quickstart config reading FILES cut by
# lines into 8 files ($work/data/NAME/part-N.jsonl), written to $work/NAME.yaml.
cut_config() {
  local name=$1; shift
  mkdir -p "$work/data/$name"
  zcat -f "$@" > "$work/data/$name.all"
  split -n l/8 -d -a 1 --additional-suffix=.jsonl "$work/data/$name.all" "$work/data/$name/part-"
  rm "$work/data/$name.all"
  sed -e "s#^  paths: \[configs/data/quickstart.jsonl.gz\]#  paths: [$work/data/$name]#" \
    "$root/configs/quickstart.yaml" > "$work/$name.yaml"
  grep -q "$work/data/$name" "$work/$name.yaml" || fail "could not rewrite the quickstart input"
}
cut_config quickstart "$root/configs/data/quickstart.jsonl.gz"

# launch_wait CONFIG OUT ARGS...: launch, print the launch output into
# $work/launch.out, wait until no job of it is queued or running.
launch_wait() {
  local cfg=$1 out=$2; shift 2
  (cd "$work" && "$grist" launch slurm "$cfg" -o "$out" "$@") | tee "$work/launch.out"
  local ids
  ids=$(awk '$1 == "job" {print $2}' "$work/launch.out" | paste -sd,)
  [ -n "$ids" ] || fail "no job submitted"
  while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do sleep 0.5; done
}

# same_output A B: the same files (but stats.json, which holds timings, and
# the work folder), each identical byte for byte.
same_output() {
  local a=$1 b=$2 f n=0
  [ -s "$a/manifest.json" ] || fail "$a: no manifest.json"
  diff <(cd "$a" && find . -path ./.grist -prune -o -type f ! -name stats.json -print | sort) \
       <(cd "$b" && find . -path ./.grist -prune -o -type f ! -name stats.json -print | sort) \
    || fail "$a and $b hold different files"
  while read -r f; do
    cmp "$a/$f" "$b/$f" || fail "$f differs"
    n=$((n + 1))
  done < <(cd "$a" && find . -path ./.grist -prune -o -type f ! -name stats.json -print)
  echo "   $n files identical (manifest.json, parts, rejected, errors)"
}

# cpu_of_logs DIR: total user+sys seconds of the jobs' logs.
cpu_of_logs() {
  cat "$1"/.grist/slurm/logs/*.out | awk '/^grist-time:/ {c += $6 + $9} END {printf "%.1f", c}'
}

# work_of_logs DIR: the run's critical path without scheduling: the sum over
# the jobs (one a phase) of the wall time of their slowest rank.
work_of_logs() {
  (cd "$1/.grist/slurm/logs" && for f in *.out; do
    awk -v job="${f%-*}" '/^grist-time:/ {print job, $3}' "$f"
  done) | awk '{if ($2 > m[$1]) m[$1] = $2} END {for (j in m) s += m[j]; printf "%.1f", s}'
}

echo "== local run"
t=$(now)
(cd "$work" && "$grist" run "$work/quickstart.yaml" -o "$work/local" -q --workers 1) >/dev/null
echo "   local grist run: $(since "$t") s"
"$grist" status "$work/quickstart.yaml" -o "$work/local" | sed -n 1p

echo "== case 1: launch as 4 ranks"
t=$(now)
launch_wait "$work/quickstart.yaml" "$work/slurm1" --tasks 4
echo "   launch to last job done: $(since "$t") s"
"$grist" status "$work/quickstart.yaml" -o "$work/slurm1"
grep -q ', complete' <("$grist" status "$work/quickstart.yaml" -o "$work/slurm1") || {
  tail -n 20 "$work"/slurm1/.grist/slurm/logs/*.out; fail "case 1: run not complete"; }
same_output "$work/local" "$work/slurm1"
ls "$work/slurm1/.grist/slurm/logs" | sed 's/^/   log /'

echo "== case 2: cancel rank 3 of the read array, relaunch"
(cd "$work" && "$grist" launch slurm "$work/quickstart.yaml" -o "$work/slurm2" --tasks 4 --throttle 1) | tee "$work/launch.out"
read_job=$(awk '$1 == "job" && $3 == "read" {print $2}' "$work/launch.out")
scancel "${read_job}_3"
ids=$(awk '$1 == "job" {print $2}' "$work/launch.out" | paste -sd,)
while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do sleep 0.5; done
"$grist" status "$work/quickstart.yaml" -o "$work/slurm2"
grep -q 'phase 0 read .*missing tasks 3,7$' <("$grist" status "$work/quickstart.yaml" -o "$work/slurm2") \
  || fail "case 2: after the cancel, the read phase should miss tasks 3 and 7 (rank 3)"
t=$(now)
launch_wait "$work/quickstart.yaml" "$work/slurm2" --tasks 4
echo "   relaunch to last job done: $(since "$t") s"
grep -E '^job [0-9]+ +read +--array=3$' "$work/launch.out" >/dev/null || fail "case 2: the relaunch did not submit read as --array=3 only"
grep -q 'dedup_exact.apply *--array=0-3$' "$work/launch.out" || fail "case 2: the relaunch should run the later phases on every rank"
read2=$(awk '$1 == "job" && $3 == "read" {print $2}' "$work/launch.out")
reran=$(cd "$work/slurm2/.grist/slurm/logs" && ls | grep -c -- "-${read2}_" || true)
[ "$reran" = 1 ] || fail "case 2: $reran read logs for the relaunched job, want 1"
echo "   the relaunch ran the read phase for rank 3 only"
same_output "$work/local" "$work/slurm2"

if [ "${SCALING:-1}" = 1 ] && [ -r /work/shared/data/udhr.jsonl.gz ] && [ -r /work/shared/data/spam-assassin.jsonl.gz ]; then
  echo "== scaling: the sample corpora through the quickstart steps"
  cut_config corpus /work/shared/data/udhr.jsonl.gz /work/shared/data/spam-assassin.jsonl.gz
  printf '   %-34s %8s %8s %8s\n' "run" "wall s" "CPU s" "work s"
  for w in 1 2; do
    /usr/bin/time -f '%e %U %S' -o "$work/time" "$grist" run "$work/corpus.yaml" -o "$work/big-local$w" -q --workers "$w" >/dev/null
    read -r e u s < "$work/time"
    printf '   %-34s %8s %8s %8s\n' "local grist run --workers $w" "$e" "$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.1f", u+s}')" "$e"
  done
  for r in 1 2 4; do
    t=$(now)
    launch_wait "$work/corpus.yaml" "$work/big$r" --tasks "$r" >/dev/null
    wall=$(since "$t")
    same_output "$work/big-local1" "$work/big$r" >/dev/null
    printf '   %-34s %8s %8s %8s\n' "slurm, $r ranks (1 CPU each)" "$wall" "$(cpu_of_logs "$work/big$r")" "$(work_of_logs "$work/big$r")"
  done
fi
echo "PASS"
