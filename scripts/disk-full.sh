#!/usr/bin/env bash
# Disk full: a run whose output does not fit on its file system must fail with
# a clear error naming the file, leave no truncated shard visible, and after
# room is made, `grist run --resume` must complete with output identical byte
# for byte to a reference run on a roomy disk.
#
#   sudo scripts/disk-full.sh        # needs root: mounts small tmpfs folders
#
# Two ways to run out: a 20 MB tmpfs that is then remounted bigger, and a
# roomier tmpfs nearly filled by a blocker file that is then deleted. Each is
# tried with the output folder's work data (OUTPUT/.grist) on the small disk.
# Environment: GRIST (binary; built from this tree when unset), KEEP=1 keeps the
# work folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
if [ "$(id -u)" -ne 0 ]; then echo "disk-full: needs root (mount -t tmpfs)"; exit 2; fi
work="$(mktemp -d /tmp/grist-diskfull.XXXXXX)"
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  [ "${KEEP:-0}" = 1 ] && echo "work folder kept: $work" || rm -rf "$work"
}
trap cleanup EXIT

. "$root/scripts/lib-faults.sh"
faults_grist

# --- corpus (about 29 MB of JSONL in 8 files) and a pipeline whose output,
# uncompressed Parquet plus rejected rows and barrier data, is larger than 20 MB
faults_corpus 8 8 40 2
cat > "$work/pipeline.yaml" <<EOF
input: {paths: [$work/corpus]}
steps:
  - normalize: {}
  - dedup_exact: {}
  - gopher_repetition: {}
output: {path: $work/unused, compression: none}
rejected: {path: $work/unused/rejected, compression: none}
errors: {path: $work/unused/errors}
EOF

"$grist" run -q "$work/pipeline.yaml" -o "$work/ref" >/dev/null 2>"$work/ref.err"
ref_mb=$(du -sm "$work/ref" | cut -f1)
echo "grist: $("$grist" version)   corpus: $(du -sh "$work/corpus" | cut -f1)   reference output: ${ref_mb} MB (with .grist)"

# every visible Parquet file must be whole: its footer and first row read back
check_visible() {
  local bad=0 n=0
  while IFS= read -r f; do
    n=$((n + 1))
    if ! "$grist" inspect "$f" -n 1 >/dev/null 2>&1; then echo "  truncated or unreadable: $f"; bad=$((bad + 1)); fi
  done < <(find "$1" -path '*/.grist' -prune -o -name '*.parquet' -type f -print 2>/dev/null)
  echo "$n visible parquet files, $bad unreadable"
  return "$bad"
}

failures=0
printf '\n%-10s %-9s %-6s %-58s %-34s %-7s %s\n' scenario disk exit "error message" "visible files" resume result
scenario() {
  local name=$1 size=$2 blocker_mb=$3 grow=$4
  local mnt="$work/mnt-$name"
  mkdir -p "$mnt"
  mount -t tmpfs -o "size=$size" tmpfs "$mnt"
  mounts+=("$mnt")
  [ "$blocker_mb" -gt 0 ] && dd if=/dev/zero of="$mnt/blocker" bs=1M count="$blocker_mb" status=none
  local out="$mnt/out"
  set +e
  "$grist" run -q "$work/pipeline.yaml" -o "$out" >"$work/$name.out" 2>"$work/$name.err"
  local rc=$?
  set -e
  local msg
  msg=$(grep -v '^grist: phase\|% of input' "$work/$name.err" | head -1)
  local named=no
  if echo "$msg" | grep -q "$mnt/" && echo "$msg" | grep -qi 'no space left'; then named=yes; fi
  local vis
  vis=$(check_visible "$out" | tail -1) || failures=$((failures + 1))
  # make room and resume
  if [ "$grow" = remount ]; then mount -o remount,size=400m "$mnt"; else rm -f "$mnt/blocker"; fi
  set +e
  "$grist" run -q "$work/pipeline.yaml" -o "$out" --resume >/dev/null 2>>"$work/$name.err"
  local rrc=$?
  set -e
  local result
  result=$(compare "$out") || failures=$((failures + 1))
  [ "$rc" -eq 0 ] && { result="first run did not fail; $result"; failures=$((failures + 1)); }
  [ "$named" = no ] && failures=$((failures + 1))
  [ "$rrc" -ne 0 ] && { result="resume exit $rrc: $(tail -1 "$work/$name.err"); $result"; failures=$((failures + 1)); }
  printf '%-10s %-9s %-6s %-58s %-34s %-7s %s\n' "$name" "$size$([ "$blocker_mb" -gt 0 ] && echo "-${blocker_mb}m")" "$rc" "names file+ENOSPC: $named" "$vis" "$rrc" "$result"
  echo "  stderr: ${msg:0:300}"
  umount "$mnt"
  mounts=("${mounts[@]/$mnt}")
}
scenario remount 20m 0 remount
scenario blocker 64m 50 delete
scenario tiny 2m 0 remount

echo
if [ "$failures" -eq 0 ]; then echo "disk-full: every case failed cleanly and resumed to identical output"; else echo "disk-full: $failures failure(s)"; exit 1; fi
