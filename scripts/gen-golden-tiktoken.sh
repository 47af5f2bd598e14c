#!/usr/bin/env bash
# Regenerates tokenize/testdata/tiktoken/golden.jsonl.gz with the reference tokenizer
# (npm tiktoken, version pinned in scripts/golden/tiktoken/package.json). Needs node >= 20
# and npm; the node modules go to a temporary folder, never into the tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${GRIST_DATA:-$root/../shared/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/scripts/golden/tiktoken/package.json" "$root/scripts/golden/tiktoken/gen.mjs" "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent >/dev/null)
node "$work/gen.mjs" "$data/udhr.jsonl.gz" "$data/spam-assassin.jsonl.gz" \
  "$root/tokenize/testdata/tiktoken/golden.jsonl.gz"
ls -l "$root/tokenize/testdata/tiktoken/golden.jsonl.gz"
