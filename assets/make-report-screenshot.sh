#!/usr/bin/env bash
# Rebuilds assets/report.png: the HTML report of assets/sample.tar in headless Chromium
# (Debian's `chromium`), 1280x1500, light colour scheme. Run from the repository root after
# `cargo build`; DEADWEIGHT overrides the binary.
set -euo pipefail
bin=${DEADWEIGHT:-target/debug/deadweight}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" assets/sample.tar --html "$work/report.html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1500 \
  --screenshot="$PWD/assets/report.png" "file://$work/report.html" 2>/dev/null
echo "wrote assets/report.png"
