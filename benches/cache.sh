#!/usr/bin/env bash
# The scan cache, measured as CI meets it: two builds of an image that differ only in the top
# layer. "cold" reads build 2 with an empty cache; "warm" reads it with the cache build 1 left
# (every layer but the top one cached; an archive of build 2 is a new file, so its blobs are
# hashed to check the hits; in the layout holding both builds the shared blobs are the files
# build 1's read hashed, not hashed again); "again" reads build 2 a second time, its file unchanged since a first read hashed
# it (the hits are taken on the file's stat data, not hashed); "trusted" is warm with
# --trust-digests (cached blobs not read at all). Each is run RUNS times, alternated, from a
# fresh copy of its cache state; median wall time and peak RSS (GNU time). Also the same with
# --no-cache, which must cost what cold costs minus the cache writes.
# Prints a Markdown table on stdout; progress on stderr.
#
#   benches/cache.sh [OCI-ARCHIVE]     (default: the corpus' py-sample)
#
# Build 2 is made here from build 1 (python3): a new gzip top layer, config and manifest; then
# both builds go into one OCI layout directory with uncompressed layers. With skopeo on PATH
# the pair is also measured as uncompressed `docker save` archives.
# Environment: RUNS=3, DW=PATH (default: a release build made here), WORK=temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CORPUS=${DEADWEIGHT_CORPUS:-../shared/corpus}
IMAGE=${1:-$CORPUS/py-sample/py-sample.oci-archive.tar}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
if [ -z "${DW:-}" ]; then
  cargo build --release --locked --quiet >&2
  DW=${CARGO_TARGET_DIR:-target}/release/deadweight
fi
unset DEADWEIGHT_NO_CACHE  # the flags below decide

# Build 2: the OCI archive with its top layer replaced by one holding a different file.
python3 - "$IMAGE" "$WORK/build1.oci.tar" "$WORK/build2.oci.tar" <<'PY'
import gzip, hashlib, io, json, shutil, sys, tarfile
src, b1, b2 = sys.argv[1:]
shutil.copy(src, b1)
with tarfile.open(src) as t:
    members = {m.name.lstrip("./"): t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
blob = lambda d: members["blobs/sha256/" + d.split(":")[1]]
index = json.loads(members["index.json"])
man = json.loads(blob(index["manifests"][0]["digest"]))
cfg = json.loads(blob(man["config"]["digest"]))
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    data = b"VERSION = 'build 2'\n" * 100
    info = tarfile.TarInfo("app/version.py"); info.size = len(data)
    t.addfile(info, io.BytesIO(data))
tar = layer.getvalue()
gz = gzip.compress(tar, mtime=0)
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
cfg["rootfs"]["diff_ids"][-1] = sha(tar)
cfg_b = json.dumps(cfg).encode()
man["config"] = {**man["config"], "digest": sha(cfg_b), "size": len(cfg_b)}
man["layers"][-1] = {**man["layers"][-1], "digest": sha(gz), "size": len(gz)}
man_b = json.dumps(man).encode()
index["manifests"][0] = {**index["manifests"][0], "digest": sha(man_b), "size": len(man_b)}
for b in (gz, cfg_b, man_b):
    members["blobs/sha256/" + sha(b).split(":")[1]] = b
members["index.json"] = json.dumps(index).encode()
with tarfile.open(b2, "w") as t:
    for name, data in members.items():
        info = tarfile.TarInfo(name); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
# Both builds in one OCI layout directory with uncompressed layers (tags b1, b2), as a layout
# that a build pipeline pushes each build into keeps them: the layers the builds share are the
# same blob files.
rm -rf "$WORK/layout"
python3 - "$WORK/build1.oci.tar" "$WORK/build2.oci.tar" "$WORK/layout" <<'PY'
import gzip, hashlib, json, os, sys, tarfile
b1, b2, out = sys.argv[1:]
os.makedirs(out + "/blobs/sha256")
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
def put(b):
    with open(out + "/blobs/sha256/" + sha(b).split(":")[1], "wb") as f:
        f.write(b)
    return sha(b)
manifests = []
for tag, path in (("b1", b1), ("b2", b2)):
    with tarfile.open(path) as t:
        blob = lambda d: t.extractfile("blobs/sha256/" + d.split(":")[1]).read()
        index = json.loads(t.extractfile("index.json").read())
        man = json.loads(blob(index["manifests"][0]["digest"]))
        put(blob(man["config"]["digest"]))
        for l in man["layers"]:
            tar = gzip.decompress(blob(l["digest"]))
            l.update(digest=put(tar), size=len(tar), mediaType="application/vnd.oci.image.layer.v1.tar")
    man_b = json.dumps(man).encode()
    manifests.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(man_b),
                      "size": len(man_b), "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(out + "/index.json", "w") as f:
    json.dump({"schemaVersion": 2, "manifests": manifests}, f)
with open(out + "/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion": "1.0.0"}')
PY
pairs=("OCI archive, gzip|$WORK/build1.oci.tar|$WORK/build2.oci.tar")
pairs+=("OCI layout, plain, both builds|$WORK/layout:b1|$WORK/layout:b2")
if command -v skopeo >/dev/null; then
  for n in 1 2; do
    rm -f "$WORK/build$n.docker.tar"
    skopeo --insecure-policy copy -q "oci-archive:$WORK/build$n.oci.tar" "docker-archive:$WORK/build$n.docker.tar" >&2
  done
  pairs+=("docker save, plain|$WORK/build1.docker.tar|$WORK/build2.docker.tar")
fi

# One run: wall seconds, peak KB and CPU seconds (user + system) of `deadweight IMAGE ARGS... --json /dev/null`.
# CPU from the child's own rusage (wait4) in milliseconds: GNU time prints CPU in 10 ms steps,
# and a warm run takes about one step. Peak memory still from GNU time (a child spawned from
# Python would count Python's memory as its own).
measure() {
  python3 - "$WORK/time" "$DW" "$@" --json /dev/null <<'PY'
import os, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
null = os.open(os.devnull, os.O_RDWR)
start = time.monotonic()
pid = os.posix_spawn("/usr/bin/time", ["/usr/bin/time", "-o", out, "-f", "%M"] + cmd, os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - start
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit(f"failed: {' '.join(cmd)}")
peak = open(out).read().split()[-1]
print(f"{wall:.3f} {peak} {ru.ru_utime + ru.ru_stime:.3f}")
PY
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| image | build 2 with | wall (median of $RUNS) | of cold | CPU (median) | of cold | peak MB |"
echo "|---|---|---:|---:|---:|---:|---:|"
for pair in "${pairs[@]}"; do
  IFS='|' read -r label one two <<<"$pair"
  # The cache build 1 leaves behind; and the one a first read of build 2 leaves, once its
  # file is old enough to be recorded (deadweight records files left alone for 2 s).
  # Build 1's files are settled too: in the layout, build 2 shares them.
  rm -rf "$WORK/warm" "$WORK/again"; sleep 2.5
  "$DW" "$one" --cache "$WORK/warm" --json /dev/null >/dev/null
  "$DW" "$two" --cache "$WORK/again" --json /dev/null >/dev/null
  declare -A wall=() mem=() cpu=()
  for _ in $(seq "$RUNS"); do
    for mode in no-cache cold warm again trusted; do
      rm -rf "$WORK/c"
      case $mode in
        no-cache) args=(--no-cache) ;;
        cold) args=(--cache "$WORK/c") ;;
        warm) cp -r "$WORK/warm" "$WORK/c"; args=(--cache "$WORK/c") ;;
        again) cp -r "$WORK/again" "$WORK/c"; args=(--cache "$WORK/c") ;;
        trusted) cp -r "$WORK/warm" "$WORK/c"; args=(--cache "$WORK/c" --trust-digests) ;;
      esac
      read -r w m c < <(measure "$two" "${args[@]}")
      wall[$mode]+="$w "; mem[$mode]+="$m "; cpu[$mode]+="$c "
      echo "$label $mode: $w s, $c s CPU, $m KB" >&2
    done
  done
  cold=$(tr ' ' '\n' <<<"${wall[cold]}" | grep . | median)
  cold_cpu=$(tr ' ' '\n' <<<"${cpu[cold]}" | grep . | median)
  for mode in no-cache cold warm again trusted; do
    w=$(tr ' ' '\n' <<<"${wall[$mode]}" | grep . | median)
    m=$(tr ' ' '\n' <<<"${mem[$mode]}" | grep . | median)
    c=$(tr ' ' '\n' <<<"${cpu[$mode]}" | grep . | median)
    echo "| $label | $mode | $w s | $(echo "scale=0; 100 * $w / $cold" | bc)% | $c s | $(echo "scale=0; 100 * $c / $cold_cpu" | bc)% | $(echo "scale=1; $m / 1000" | bc) |"
  done
done
