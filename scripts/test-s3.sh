#!/usr/bin/env bash
# grist on a real S3-compatible server (versitygw, Apache-2.0, posix backend on
# loopback): input, work folder and output all s3:// must give the same output
# as the same run on local paths.
#
#   scripts/test-s3.sh          # install versitygw if needed, run both cases
#   KEEP=1 scripts/test-s3.sh   # keep the work folder
#   SAMPLE=1 scripts/test-s3.sh # also time the sample corpora (/work/shared/data), local vs s3://
#
# Case 1: configs/quickstart.yaml (normalize, exact and MinHash dedup, quality
# filters; errors written as uncompressed JSONL so they can be compared) with
# its corpus cut into 8 files uploaded under s3://input/quickstart/ (the input
# path is that prefix); output s3://runs/quickstart (the work folder, markers,
# stats and inter-phase Arrow files under its .grist/); then grist status and
# grist report on it. Case 1b: the same as 3 ranks run phase by phase (as a
# cluster launch runs them) into s3://runs/ranks.
# Case 2: the quickstart's Parquet shards as input (s3://input/pq/) through
# normalize + dedup_exact; every request is traced (GRIST_STORAGE_TRACE) to
# show that Parquet inputs and inter-phase files are read with ranged GETs.
# Each output is downloaded with plain S3 GETs (curl --aws-sigv4) and compared
# file by file with the local run: parts, rejected rows and manifest entries
# byte for byte; the only differences allowed are the input names (the
# manifest's inputs and config hash, the file column of error rows).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
gobin="$(go env GOPATH)/bin"
work="$(mktemp -d /tmp/grist-s3.XXXXXX)"
vgw_pid=""
cleanup() {
  [ -n "$vgw_pid" ] && kill "$vgw_pid" 2>/dev/null && wait "$vgw_pid" 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
fail() { echo "FAIL: $*" >&2; exit 1; }
t_all=$(now)

# versitygw, cached in GOPATH/bin
t=$(now)
if [ ! -x "$gobin/versitygw" ]; then
  (cd / && GOBIN="$gobin" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)
fi
echo "== versitygw ready in $(since "$t") s ($("$gobin/versitygw" --version 2>&1 | sed -n 1p))"

t=$(now)
grist="$work/grist"
(cd "$root" && go build -o "$grist" ./cmd/grist)
echo "== grist built in $(since "$t") s"

# start the server on a free loopback port
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ROOT_ACCESS_KEY=gristkey ROOT_SECRET_KEY=gristsecret123
mkdir -p "$work/s3data"
t=$(now)
"$gobin/versitygw" --port "127.0.0.1:$port" --quiet --access-log "$work/access.log" posix "$work/s3data" >"$work/vgw.log" 2>&1 &
vgw_pid=$!
endpoint="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -s -o /dev/null "$endpoint" && break; sleep 0.1; done
curl -s -o /dev/null "$endpoint" || { cat "$work/vgw.log"; fail "versitygw did not start"; }
echo "== versitygw listening on $endpoint after $(since "$t") s"

# the client side: credentials and endpoint from the environment only
export AWS_ACCESS_KEY_ID=$ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$ROOT_SECRET_KEY
export AWS_ENDPOINT_URL=$endpoint AWS_REGION=us-east-1
s3curl() { curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
mkbucket() { s3curl -X PUT "$endpoint/$1" -o /dev/null; }
put() { s3curl -T "$1" "$endpoint/$2" -o /dev/null; } # put FILE BUCKET/KEY
# download BUCKET PREFIX DIR: every object under PREFIX/ into DIR
download() {
  local bucket=$1 prefix=$2 dir=$3 key token="" page
  mkdir -p "$dir"
  while :; do
    # the signature covers the query: its values must be URL-encoded
    page=$(s3curl "$endpoint/$bucket?${token:+continuation-token=$token&}list-type=2&prefix=${prefix//\//%2F}%2F")
    for key in $(grep -o '<Key>[^<]*</Key>' <<<"$page" | sed -e 's#<Key>##' -e 's#</Key>##'); do
      mkdir -p "$dir/$(dirname "${key#"$prefix"/}")"
      s3curl "$endpoint/$bucket/$key" -o "$dir/${key#"$prefix"/}"
    done
    grep -q '<IsTruncated>true</IsTruncated>' <<<"$page" || break
    token=$(grep -o '<NextContinuationToken>[^<]*' <<<"$page" | sed 's#<NextContinuationToken>##' | python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.stdin.read().strip(),safe=""))')
  done
}
mkbucket input
mkbucket runs

# manifest_norm FILE: the manifest without what names the inputs
manifest_norm() {
  jq -S 'del(.config_hash) | .inputs |= map(.path |= sub("^.*/"; "")) | .errors |= (if . then map(del(.bytes, .sha256)) else . end)' "$1"
}
# same_output LOCAL S3COPY LOCALINPUT S3INPUT
same_output() {
  local a=$1 b=$2 ain=$3 bin=$4 f n=0
  [ -s "$a/manifest.json" ] || fail "$a: no manifest.json"
  diff <(cd "$a" && find . -path ./.grist -prune -o -type f ! -name stats.json -print | sort) \
       <(cd "$b" && find . -path ./.grist -prune -o -type f ! -name stats.json -print | sort) \
    || fail "$a and $b hold different files"
  while read -r f; do
    case "$f" in
      ./manifest.json) diff <(manifest_norm "$a/$f") <(manifest_norm "$b/$f") || fail "manifest.json differs" ;;
      ./errors/*) cmp "$a/$f" <(sed "s#$bin#$ain#g" "$b/$f") || fail "$f differs" ;;
      *) cmp "$a/$f" "$b/$f" || fail "$f differs" ;;
    esac
    n=$((n + 1))
  done < <(cd "$a" && find . -path ./.grist -prune -o -type f ! -name stats.json -print | sort)
  echo "   $n files identical ($(du -sb --exclude=.grist "$a" | cut -f1) bytes; input names normalized in the manifest and error rows)"
}

# ---- case 1: the quickstart
sed -e 's#^  path: out/quickstart#  path: OUT#' -e 's#^rejected: {path: out/quickstart/rejected}#rejected: {path: OUT/rejected}#' \
    -e 's#^errors: {path: out/quickstart/errors}#errors: {path: OUT/errors, format: jsonl, compression: none}#' \
    "$root/configs/quickstart.yaml" > "$work/qs.tmpl"
grep -q 'path: OUT/errors' "$work/qs.tmpl" || fail "could not rewrite the quickstart config"
# the corpus cut by lines into 8 files (8 tasks), 4 of them gzipped; the
# input path is the folder (a prefix on S3)
mkdir -p "$work/qs"
zcat "$root/configs/data/quickstart.jsonl.gz" > "$work/qs.all"
split -n l/8 -d -a 1 --additional-suffix=.jsonl "$work/qs.all" "$work/qs/part-"
rm "$work/qs.all"
gzip -n "$work"/qs/part-[0-3].jsonl
for f in "$work"/qs/*; do put "$f" "input/quickstart/$(basename "$f")"; done
sed -e "s#OUT#$work/local#g" -e "s#configs/data/quickstart.jsonl.gz#$work/qs#" "$work/qs.tmpl" > "$work/qs-local.yaml"
sed -e "s#OUT#s3://runs/quickstart#g" -e "s#configs/data/quickstart.jsonl.gz#s3://input/quickstart#" "$work/qs.tmpl" > "$work/qs-s3.yaml"
sed -e "s#OUT#s3://runs/ranks#g" -e "s#configs/data/quickstart.jsonl.gz#s3://input/quickstart#" "$work/qs.tmpl" > "$work/qs-ranks.yaml"

t=$(now)
/usr/bin/time -f '%U %S %M' -o "$work/time.local" "$grist" run "$work/qs-local.yaml" --workers 2 >"$work/local.out" 2>&1 || { cat "$work/local.out"; fail "local run"; }
echo "== case 1: local run in $(since "$t") s (user+sys $(awk '{print $1+$2}' "$work/time.local") s)"
t=$(now)
GRIST_STORAGE_TRACE="$work/trace1.log" /usr/bin/time -f '%U %S %M' -o "$work/time.s3" \
  "$grist" run "$work/qs-s3.yaml" --workers 2 >"$work/s3.out" 2>&1 || { cat "$work/s3.out"; fail "s3 run"; }
echo "== case 1: s3:// run in $(since "$t") s (user+sys $(awk '{print $1+$2}' "$work/time.s3") s), $(wc -l <"$work/trace1.log") requests: $(awk '{print $1}' "$work/trace1.log" | sort | uniq -c | tr -s ' \n' ' ')"
grep -q 'DEBUG\|WARN' "$work/s3.out" && { echo "SDK noise on stderr:"; grep 'DEBUG\|WARN' "$work/s3.out" | sed -n 1,3p; }
t=$(now)
download runs quickstart "$work/s3copy"
echo "== case 1: output downloaded in $(since "$t") s"
same_output "$work/local" "$work/s3copy" "$work/qs" "s3://input/quickstart"
# a second run must refuse the folder, --resume must find everything done
if "$grist" run "$work/qs-s3.yaml" >/dev/null 2>&1; then fail "a second run into s3://runs/quickstart was not refused"; fi
"$grist" run "$work/qs-s3.yaml" --resume >"$work/resume.out" 2>&1 || { cat "$work/resume.out"; fail "resume"; }
"$grist" status "$work/qs-s3.yaml" | sed -n 1,3p
"$grist" report s3://runs/quickstart >"$work/report.out" 2>&1 || { cat "$work/report.out"; fail "report"; }
download runs quickstart "$work/s3copy2"
[ -s "$work/s3copy2/report.html" ] || fail "no report.html in s3://runs/quickstart"
echo "   grist status and grist report read s3://runs/quickstart"

# the same as 3 ranks, phase by phase, as a cluster launch runs it
t=$(now)
for phase in $("$grist" status "$work/qs-ranks.yaml" --phases); do
  for rank in 2 1 0; do
    "$grist" run "$work/qs-ranks.yaml" --phase "$phase" --rank $rank --world-size 3 --workers 1 >>"$work/ranks.out" 2>&1 \
      || { cat "$work/ranks.out"; fail "phase $phase rank $rank"; }
  done
done
"$grist" run "$work/qs-ranks.yaml" --resume >>"$work/ranks.out" 2>&1 || { cat "$work/ranks.out"; fail "ranks: final resume"; }
download runs ranks "$work/rankscopy"
echo "== case 1b: 3 ranks x $("$grist" status "$work/qs-ranks.yaml" --phases | wc -w) phases on s3:// in $(since "$t") s"
same_output "$work/local" "$work/rankscopy" "$work/qs" "s3://input/quickstart"

# ---- case 2: Parquet input, ranged reads
i=0
for f in "$work"/local/part-*.parquet; do
  mkdir -p "$work/pq"; cp "$f" "$work/pq/"
  put "$f" "input/pq/$(basename "$f")"; i=$((i + 1))
done
cat > "$work/pq.tmpl" <<EOF
input: {paths: [IN], split_bytes: 1048576}
steps:
  - normalize: {}
  - dedup_exact: {}
output: {path: OUT, row_group_rows: 16}
rejected: {path: OUT/rejected}
EOF
sed -e "s#IN#$work/pq#" -e "s#OUT#$work/pqlocal#g" "$work/pq.tmpl" > "$work/pq-local.yaml"
sed -e "s#IN#s3://input/pq/#" -e "s#OUT#s3://runs/pq#g" "$work/pq.tmpl" > "$work/pq-s3.yaml"
"$grist" run "$work/pq-local.yaml" >"$work/pqlocal.out" 2>&1 || { cat "$work/pqlocal.out"; fail "local parquet run"; }
t=$(now)
GRIST_STORAGE_TRACE="$work/trace2.log" "$grist" run "$work/pq-s3.yaml" >"$work/pqs3.out" 2>&1 || { cat "$work/pqs3.out"; fail "s3 parquet run"; }
echo "== case 2: s3:// Parquet run over $i files in $(since "$t") s"
pq_ranged=$(grep -c '^GET pq/.*\.parquet range=' "$work/trace2.log" || true)
pq_whole=$(grep '^GET pq/.*\.parquet' "$work/trace2.log" | grep -vc ' range=' || true)
arrow_ranged=$(grep -c '^GET .*\.arrow range=' "$work/trace2.log" || true)
arrow_whole=$(grep '^GET .*\.arrow' "$work/trace2.log" | grep -vc ' range=' || true)
pq_bytes=$(cat "$work"/pq/*.parquet | wc -c)
pq_read=$(grep '^GET pq/.*\.parquet range=' "$work/trace2.log" | sed 's/.*range=//' | awk -F- '{s+=$2-$1+1} END{print s+0}')
echo "   Parquet inputs: $pq_ranged ranged GETs ($pq_read bytes asked for, files total $pq_bytes bytes), $pq_whole whole-object GETs"
echo "   inter-phase Arrow files: $arrow_ranged ranged GETs, $arrow_whole whole-object GETs"
[ "$pq_ranged" -gt 0 ] && [ "$pq_whole" = 0 ] && [ "$arrow_whole" = 0 ] || fail "Parquet or Arrow files were not read with ranged GETs"
download runs pq "$work/pqcopy"
same_output "$work/pqlocal" "$work/pqcopy" "$work/pq" "s3://input/pq"

# ---- case 3 (SAMPLE=1): the sample corpora, for timings of s3:// against local
data="$root/../shared/data"
if [ "${SAMPLE:-0}" = 1 ] && [ -f "$data/udhr.jsonl.gz" ]; then
  for f in "$data"/*.jsonl.gz; do put "$f" "input/sample/$(basename "$f")"; done
  sed -e "s#OUT#$work/slocal#g" -e "s#configs/data/quickstart.jsonl.gz#$data/udhr.jsonl.gz, $data/spam-assassin.jsonl.gz#" "$work/qs.tmpl" > "$work/s-local.yaml"
  sed -e "s#OUT#s3://runs/sample#g" -e "s#configs/data/quickstart.jsonl.gz#s3://input/sample/udhr.jsonl.gz, s3://input/sample/spam-assassin.jsonl.gz#" "$work/qs.tmpl" > "$work/s-s3.yaml"
  t=$(now)
  /usr/bin/time -f '%U %S %M' -o "$work/time.slocal" "$grist" run "$work/s-local.yaml" --workers 2 >"$work/slocal.out" 2>&1 || { cat "$work/slocal.out"; fail "sample local"; }
  echo "== case 3: sample corpora local: $(since "$t") s wall, $(awk '{printf "%.2f CPU-s, %d MB RSS", $1+$2, $3/1024}' "$work/time.slocal")"
  t=$(now)
  /usr/bin/time -f '%U %S %M' -o "$work/time.ss3" "$grist" run "$work/s-s3.yaml" --workers 2 >"$work/ss3.out" 2>&1 || { cat "$work/ss3.out"; fail "sample s3"; }
  echo "== case 3: sample corpora s3://: $(since "$t") s wall, $(awk '{printf "%.2f CPU-s, %d MB RSS", $1+$2, $3/1024}' "$work/time.ss3")"
  download runs sample "$work/scopy"
  same_output "$work/slocal" "$work/scopy" "$data" "s3://input/sample"
fi

echo "== all cases passed in $(since "$t_all") s"
