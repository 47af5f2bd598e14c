#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, vet, staticcheck, unit,
# golden and whole-binary tests, a short race pass over every package, and
# the example pipelines' Parquet outputs read back by DuckDB (needs node and
# npm, as every machine here has; skipped with a notice where they are missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
if ! command -v staticcheck >/dev/null 2>&1; then
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
staticcheck ./...
# buffers of example columns are overwritten when Arrow frees them, so a
# reader that keeps column values past their release fails its test
export GRIST_POISON_FREED=1
go test -count=1 ./...
go test -count=1 -race -short ./...
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  ./scripts/check-duckdb.sh
else
  echo "test: DuckDB check skipped: it needs node and npm"
fi
