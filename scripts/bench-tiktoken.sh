#!/usr/bin/env bash
# Compares single-thread encoding speed of npm tiktoken (version pinned in
# scripts/golden/tiktoken/package.json) with grist's tokenize package on the same
# English (spam-assassin ham) and multilingual (UDHR) texts. Needs node >= 20 and npm.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${GRIST_DATA:-$root/../shared/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/scripts/golden/tiktoken/package.json" "$root/scripts/golden/tiktoken/bench.mjs" "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent >/dev/null)
echo "== npm tiktoken (node $(node --version), one thread)"
node "$work/bench.mjs" "$data/udhr.jsonl.gz" "$data/spam-assassin.jsonl.gz"
echo "== grist tokenize (GOMAXPROCS=1)"
cd "$root/tokenize"
GOMAXPROCS=1 go test -run '^$' -bench 'BenchmarkTiktokenEncode|BenchmarkLoadO200k' -benchtime "${BENCHTIME:-3x}" . |
  grep -E '^Benchmark'
