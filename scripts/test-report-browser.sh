#!/usr/bin/env bash
# Renders the quickstart's report in headless Chromium with the network cut
# off, fails on any console error, and saves a screenshot for a look:
#   scripts/test-report-browser.sh [OUT_DIR]     (default /tmp/grist-report)
# Installs Debian's chromium when missing. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/grist-report}
if ! command -v chromium >/dev/null; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
mkdir -p "$out"
go run ./cmd/grist run -q configs/quickstart.yaml -o "$out/run" --overwrite --report >/dev/null
report="$out/run/report.html"
browse() {
	# --proxy-server to a closed port: any fetch the page tries fails (and is logged)
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$(mktemp -d)" \
		--proxy-server=127.0.0.1:9 --enable-logging=stderr --v=0 "$@" "file://$(realpath "$report")"
}
browse --dump-dom >"$out/dom.html" 2>"$out/console.log"
browse --screenshot="$out/report.png" --window-size=1280,3000 >/dev/null 2>>"$out/console.log"
if grep -E "Uncaught|ERROR:CONSOLE|net::ERR_" "$out/console.log"; then
	echo "FAIL: console errors or network requests (see $out/console.log)" >&2
	exit 1
fi
grep -q 'data-k="read"' "$out/dom.html" || { echo "FAIL: the page did not render" >&2; exit 1; }
grep -qi '<script src\|<link ' "$out/dom.html" && { echo "FAIL: external resources" >&2; exit 1; }
echo "ok: $report rendered without console errors; screenshot $out/report.png"
