#!/usr/bin/env bash
# Soak: a large generated JSONL.zst corpus through configs/pretrain-ar.yaml's
# steps end to end, sampling the resident memory every second. Prints the peak
# and a coarse timeline, checks the stats.json accounting and the manifest,
# and reports MB/s per core (uncompressed input MB over user+sys CPU seconds).
#
#   scripts/soak.sh                      # SIZE=5GB
#   SIZE=1GB scripts/soak.sh
#
# Environment: SIZE (uncompressed corpus size, 5GB), CORPUS (folder of the
# corpus, reused when it already holds one of that SIZE; default
# /tmp/grist-soak-corpus-SIZE), OUT (output folder; default a temporary one,
# removed at the end unless KEEP=1), WORKERS (default: grist's), GRIST (binary;
# built from this tree when unset), TIMELINE (seconds between timeline rows, 10),
# PROFILE=1 (write a heap profile at the live heap's peak, GRIST_HEAPPROFILE,
# and print its top allocations; the profile is kept with KEEP=1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
SIZE="${SIZE:-5GB}"
CORPUS="${CORPUS:-/tmp/grist-soak-corpus-$SIZE}"
TIMELINE="${TIMELINE:-10}"
work="$(mktemp -d /tmp/grist-soak.XXXXXX)"
OUT="${OUT:-$work/out}"
cleanup() {
  [ -n "${gpid:-}" ] && kill "$gpid" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept: $work ($OUT)"; else rm -rf "$work"; fi
}
trap cleanup EXIT

grist="${GRIST:-}"
if [ -z "$grist" ]; then
  grist="$work/grist"
  (cd "$root" && go build -o "$grist" ./cmd/grist)
fi
command -v zstd >/dev/null || { echo "soak: needs the zstd command"; exit 2; }
[ -x /usr/bin/time ] || { echo "soak: needs /usr/bin/time"; exit 2; }

# --- corpus
want=$(python3 -c 'import re,sys; m=re.fullmatch(r"([0-9.]+)([KMG]?)B?", sys.argv[1].upper()); print(int(float(m.group(1))*{"":1,"K":1<<10,"M":1<<20,"G":1<<30}[m.group(2)]))' "$SIZE")
if [ ! -f "$CORPUS/SOAK" ] || [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["size"])' "$CORPUS/SOAK")" != "$want" ]; then
  rm -rf "$CORPUS"
  echo "generating $SIZE corpus in $CORPUS"
  t0=$(date +%s)
  SIZE="$SIZE" "$root/scripts/gen-soak-corpus.py" "$CORPUS" 2>"$work/gen.log"
  echo "  done in $(( $(date +%s) - t0 )) s"
fi
in_bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$CORPUS/SOAK")
records=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$CORPUS/SOAK")
echo "corpus: $CORPUS: $(ls "$CORPUS"/*.jsonl.zst | wc -l) files, $records records, $((in_bytes >> 20)) MB uncompressed, $(du -sm "$CORPUS" | cut -f1) MB zstd"

sed -e "s#^  paths: .*#  paths: [$CORPUS]#" -e "s#out/pretrain#$work/unused#g" \
  "$root/configs/pretrain-ar.yaml" > "$work/pipeline.yaml"
wflag=()
[ -n "${WORKERS:-}" ] && wflag=(--workers "$WORKERS")
[ "${PROFILE:-0}" = 1 ] && export GRIST_HEAPPROFILE="$work/heap.pprof"

# --- run, sampling VmRSS of the grist process (the child of /usr/bin/time) every second
rm -rf "$OUT"
/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$grist" run -q "$work/pipeline.yaml" -o "$OUT" "${wflag[@]}" \
  >"$work/run.out" 2>"$work/run.err" &
tpid=$!
gpid=""
for _ in $(seq 50); do gpid=$(ps -o pid= --ppid "$tpid" | tr -d ' ' | head -1); [ -n "$gpid" ] && break; sleep 0.1; done
start=$(date +%s)
: > "$work/rss"
phase=read
while kill -0 "$tpid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print int($2/1024)}' "/proc/$gpid/status" 2>/dev/null || true)
  el=$(( $(date +%s) - start ))
  # the phase in progress (first phase not done), from the run's markers, every 5 s
  if [ $((el % 5)) -eq 0 ]; then
    phase=$("$grist" status "$work/pipeline.yaml" -o "$OUT" 2>/dev/null | awk '/^  phase/ && !/done/ {print $3; exit}' || true)
  fi
  [ -n "$rss" ] && echo "$el $rss ${phase:--}" >> "$work/rss"
  sleep 1
done
set +e
wait "$tpid"
rc=$?
set -e
gpid=""
read -r wall user sys maxkb < "$work/time"

echo
echo "timeline (every ${TIMELINE}s and at each phase change: elapsed, RSS MB, phase in progress)"
python3 - "$work/rss" "$TIMELINE" <<'EOF'
import sys
rows = [(int(a), int(b), c) for a, b, c in (l.split() for l in open(sys.argv[1]) if l.strip())]
step = int(sys.argv[2])
peak = max((r for _, r, _ in rows), default=0)
peak_phase = {}
for t, r, p in rows:
    peak_phase[p] = max(peak_phase.get(p, 0), r)
last, lastp = -step, None
for t, r, p in rows:
    if t - last >= step or p != lastp or (r == peak and t != last):
        bar = "#" * int(40 * r / peak) if peak else ""
        print("  %5ds %6d MB %-22s %s%s" % (t, r, p, bar, "  <- peak" if r == peak else ""))
        last, lastp = t, p
print("peak RSS by phase: " + ", ".join("%s %d MB" % kv for kv in peak_phase.items()))
EOF

if [ -f "$work/heap.pprof" ]; then
  echo
  echo "heap at the live peak ($work/heap.pprof):"
  (cd "$root" && go tool pprof -sample_index=inuse_space -top -nodecount=15 "$grist" "$work/heap.pprof" 2>/dev/null | sed -n '/flat%/,$p')
fi

echo
if [ "$rc" -ne 0 ]; then echo "soak: run failed (exit $rc):"; tail -5 "$work/run.err"; exit 1; fi
python3 - "$OUT" "$in_bytes" "$records" "$wall" "$user" "$sys" "$maxkb" "$work/rss" <<'EOF'
import json, os, sys
out, in_bytes, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
wall, user, sys_, maxkb = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
samples = [int(l.split()[1]) for l in open(sys.argv[8]) if l.strip()]
s = json.load(open(os.path.join(out, "stats.json")))
m = json.load(open(os.path.join(out, "manifest.json")))
rej, err = sum(s.get("rejected", {}).values()), sum(s.get("errors", {}).values())
ok = s["read"] == s["written"] + rej + err
problems = []
if not ok: problems.append("accounting: read %d != written %d + rejected %d + errors %d" % (s["read"], s["written"], rej, err))
if s["read"] != records: problems.append("read %d records, corpus holds %d" % (s["read"], records))
size = 0
for sh in m["shards"]:
    p = os.path.join(out, sh["path"])
    if os.path.getsize(p) != sh["bytes"]: problems.append("%s: size differs from manifest" % sh["path"])
    size += sh["bytes"]
if sum(sh["rows"] for sh in m["shards"]) != m["rows"]: problems.append("manifest rows do not add up")
mb = in_bytes / 2**20
cpu = user + sys_
print("| input | records | wall s | user s | sys s | MB/s wall | MB/s per core | peak RSS (sampled) | max RSS (time) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
print("| %.0f MB | %d | %.0f | %.0f | %.0f | %.1f | %.2f | %d MB | %d MB |" % (mb, records, wall, user, sys_, mb / wall, mb / cpu, max(samples or [0]), maxkb // 1024))
print()
print("stats: read %d, written %d, rejected %d, errors %d; %d examples, %d tokens" % (s["read"], s["written"], rej, err, s.get("examples", 0), max([st.get("counters", {}).get("tokens", 0) for st in s["stages"]] or [0])))
print("rejected by reason: " + ", ".join("%s=%d" % kv for kv in sorted(s.get("rejected", {}).items())))
print("output: %d shards, %d rows, %.0f MB" % (len(m["shards"]), m["rows"], size / 2**20))
print("accounting and manifest: " + ("ok" if not problems else "; ".join(problems)))
sys.exit(1 if problems else 0)
EOF
