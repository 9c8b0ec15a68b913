#!/usr/bin/env bash
# Size and load time of the HTML report of a large image: writes the report with a release
# build, then opens it in headless Chromium and reads the time the page says it was ready
# (`data-ready-ms` on <body>: ms from navigation start to the end of the first treemap draw,
# HTML parse and JSON.parse included), next to the wall time of the whole browser run against
# that of an empty page. Prints a Markdown table on stdout; progress on stderr.
#
#   benches/html-report.sh [IMAGE]
#
# Without IMAGE, the 1M-entry image `genimage --preset scale-1m` is generated (once) into
# $GENIMAGES (default /tmp/genimages). Environment: DW (deadweight binary; default a release
# build made here), RUNS=3 (browser runs; the median is printed). Needs chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "html-report.sh needs chromium" >&2; exit 2; }
RUNS=${RUNS:-3}
target=${CARGO_TARGET_DIR:-target}
if [ -z "${DW:-}" ]; then
  cargo build --release -q --bin deadweight
  DW=$target/release/deadweight
fi
image=${1:-}
if [ -z "$image" ]; then
  dir=${GENIMAGES:-/tmp/genimages}
  image=$dir/scale-1m.docker-archive.tar
  if [ ! -f "$image" ]; then
    mkdir -p "$dir"
    echo "generating $image" >&2
    cargo run --release -q --example genimage -- --preset scale-1m --out "$image" >/dev/null
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
t0=$(now)
"$DW" "$image" --html "$work/report.html" >/dev/null
t1=$(now)
bytes=$(stat -c %s "$work/report.html")
tree=$(grep -o '<script type="application/json" id="dw-tree">[^<]*' "$work/report.html" | wc -c)
printf '<!doctype html><title>empty</title>' >"$work/empty.html"
browse() { # FILE -> "wall_s ready_ms"
  local s e dom
  s=$(now)
  dom=$(chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
    --window-size=1280,1000 --dump-dom "file://$1" 2>/dev/null)
  e=$(now)
  echo "$(echo "$e - $s" | bc) $(grep -o 'data-ready-ms="[0-9]*"' <<<"$dom" | grep -o '[0-9]*' || echo -)"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
browse "$work/empty.html" >/dev/null # warm the profile
empty=$(for _ in $(seq "$RUNS"); do browse "$work/empty.html"; done | awk '{print $1}' | median)
runs=$(for _ in $(seq "$RUNS"); do browse "$work/report.html"; done)
wall=$(awk '{print $1}' <<<"$runs" | median)
ready=$(awk '{print $2}' <<<"$runs" | median)
echo "| image | report | of it the tree | written in | ready in the page | browser run (empty page) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '| %s | %.1f MB | %.1f MB | %.1f s | %s ms | %.2f s (%.2f s) |\n' "$(basename "$image")" \
  "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$tree / 1000000" | bc -l)" "$(echo "$t1 - $t0" | bc)" \
  "$ready" "$wall" "$empty"
