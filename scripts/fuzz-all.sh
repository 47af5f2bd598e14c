#!/usr/bin/env bash
# Fuzz every parser, one target after another, and print a table: target,
# time, executions, result. A failing input is written by go test under the
# package's testdata/fuzz/<Target>/ (then it runs as a test case with the
# package's tests until the bug is fixed).
#
#   scripts/fuzz-all.sh                        # each target 10 minutes
#   FUZZTIME=30s scripts/fuzz-all.sh           # a quick pass
#   TARGETS="pipeline:FuzzConfig" scripts/fuzz-all.sh
#   ALL=1 scripts/fuzz-all.sh                  # every Fuzz* of the repository
#
# Environment: FUZZTIME (per target, go test's -fuzztime: 10m, 30s or 5000x),
# PARALLEL (fuzzing processes per target, 1), TARGETS (space-separated
# package:Target pairs; default: the parsers below), ALL (1: every Fuzz* target
# found under the repository instead), LOGS (folder of the per-target logs;
# default a temporary one, kept). The exit status is 1 when a target failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
FUZZTIME="${FUZZTIME:-10m}"
PARALLEL="${PARALLEL:-1}"
LOGS="${LOGS:-$(mktemp -d /tmp/grist-fuzz.XXXXXX)}"
mkdir -p "$LOGS"

# The parsers of untrusted input: JSONL and Parquet documents, the YAML
# config, tokenizer files (tokenizer.json, SentencePiece .model, .tiktoken).
parsers="pipeline:FuzzJSONLReader pipeline:FuzzParquetReader pipeline:FuzzConfig
tokenize:FuzzLoadHF tokenize:FuzzLoadSentencePiece tokenize:FuzzLoadTiktoken"
if [ "${ALL:-0}" = 1 ]; then
  TARGETS=$(cd "$root" && grep -rE --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]+' . |
    sed -E 's#^\./(.*)/[^/]+_test\.go:func (.*)#\1:\2#' | sort -u | tr '\n' ' ')
fi
TARGETS="${TARGETS:-$parsers}"

rows=()
failed=0
row() { printf '| %-40s | %7s | %12s | %s |\n' "$@"; }
echo "fuzzing $(echo $TARGETS | wc -w) targets, $FUZZTIME each, $PARALLEL process(es); logs in $LOGS"
for t in $TARGETS; do
  pkg="${t%%:*}" name="${t##*:}"
  log="$LOGS/${pkg//\//_}-$name.log"
  t0=$(date +%s)
  (cd "$root" && go test "./$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" -parallel "$PARALLEL") >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    failed=1
    input=$(grep -oE 'testdata/fuzz/[^ ]+' "$log" | head -1)
    if [ -n "$input" ]; then
      cause=$(grep -m1 -E 'panic:|--- FAIL|    [a-z_]+\.go:[0-9]+:' "$log" | sed -E 's/^[ -]+//' | cut -c1-100)
      result="FAIL: $pkg/$input ($cause)"
    elif grep -qE '\[build failed\]|setup failed' "$log"; then
      result="build failed (see $log)"
    else
      result="FAIL (exit $rc, see $log)"
    fi
  fi
  rows+=("$(row "$pkg.$name" "${secs}s" "${execs:-0}" "$result")")
  echo "${rows[-1]}"
done

echo
row target time execs result
row --- --- --- ---
printf '%s\n' "${rows[@]}"
exit "$failed"
