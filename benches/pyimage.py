#!/usr/bin/env python3
"""Writes a Python-shaped image as an uncompressed `docker save` archive, for benchmarks.

Deterministic (seeded PRNG, fixed mtimes and owners, sorted entries): the same arguments give
a byte-identical file. Eight layers shaped like a careless Python service image:

  0 base       Debian-like root filesystem: many small files, dpkg status, os-release
  1 apt        `apt-get install`: shared libraries, dpkg status rewritten, info/*.list, apt lists
  2 pip cache  `pip install` leaving /root/.cache/pip (wheels and http cache)
  3 site       site-packages: packages with .py files, .so extensions, dist-info RECORD/METADATA
  4 cleanup    `rm -rf /root/.cache/pip /var/lib/apt/lists/*`: directory and file whiteouts
  5 app        the application with __pycache__ and tests
  6 config     a chmod/rewrite of a few application files
  7 top        the one file that changes from build to build (--build N changes it)

Usage: benches/pyimage.py OUT.tar [--scale 1.0] [--seed 1] [--build 1] [--tag NAME]
--scale 1.0 gives about 1 GB and 55k files. Prints a JSON summary on stdout. Needs only the
standard library.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import tempfile

MTIME = 1_700_000_000
BLOCK = 16 << 20


class Layer:
    """One layer tar written to a temp file while its sha256 (the diff id) is taken."""

    def __init__(self, workdir, created_by):
        self.created_by = created_by
        self.path = os.path.join(workdir, f"layer{len(os.listdir(workdir))}.tar")
        self.file = open(self.path, "wb")
        self.tar = tarfile.open(fileobj=self.file, mode="w", format=tarfile.PAX_FORMAT)
        self.dirs = set()
        self.files = 0
        self.bytes = 0

    def _info(self, name, kind=tarfile.REGTYPE, mode=0o644, size=0):
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.size, info.mtime = kind, mode, size, MTIME
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def mkdirs(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.tar.addfile(self._info(d + "/", tarfile.DIRTYPE, 0o755))

    def add(self, path, data, mode=0o644):
        self.mkdirs(path)
        self.tar.addfile(self._info(path, mode=mode, size=len(data)), io.BytesIO(data))
        self.files += 1
        self.bytes += len(data)

    def whiteout(self, path):
        head, _, name = path.rpartition("/")
        self.add(f"{head}/.wh.{name}" if head else f".wh.{name}", b"")
        self.files -= 1

    def close(self):
        self.tar.close()
        self.file.close()
        h = hashlib.sha256()
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        self.diff_id = "sha256:" + h.hexdigest()
        self.size = os.path.getsize(self.path)


class Content:
    """File contents: slices of one pseudo-random block, so bytes cost nothing to make."""

    def __init__(self, rng):
        self.rng = rng
        self.block = rng.randbytes(BLOCK)

    def bytes(self, n):
        n = min(n, BLOCK)
        at = self.rng.randrange(0, BLOCK - n + 1)
        return self.block[at : at + n]

    def size(self, median, spread=1.2, cap=BLOCK):
        return max(1, min(cap, int(self.rng.lognormvariate(0, spread) * median)))


def words(rng, n):
    syl = ["py", "lib", "core", "net", "util", "data", "io", "x", "ml", "api", "fast", "json"]
    return ["".join(rng.choice(syl) for _ in range(rng.randint(2, 3))) + str(i) for i in range(n)]


def dpkg_status(names, rng):
    out = []
    for name in names:
        out.append(
            f"Package: {name}\nStatus: install ok installed\nPriority: optional\n"
            f"Section: libs\nInstalled-Size: {rng.randint(20, 20000)}\nMaintainer: Bench <b@x>\n"
            f"Architecture: amd64\nVersion: 1.{rng.randint(0, 9)}-1\nDescription: {name}\n"
        )
    return "\n".join(out).encode()


def base_layer(layer, c, rng, scale, packages):
    layer.add("etc/os-release", b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')
    layer.add("var/lib/dpkg/status", dpkg_status(packages, rng))
    for pkg in packages:
        paths = []
        for j in range(int(rng.randint(10, 60) * scale) + 1):
            top = rng.choice(["usr/share/doc", "usr/share/locale/de/LC_MESSAGES", "usr/lib/x86_64-linux-gnu",
                              "usr/bin", "usr/share/man/man1", "etc", "usr/share/zoneinfo/Europe"])
            path = f"{top}/{pkg}/{pkg}-{j}.dat"
            layer.add(path, c.bytes(c.size(2500)), 0o755 if top == "usr/bin" else 0o644)
            paths.append("/" + path)
        layer.add(f"var/lib/dpkg/info/{pkg}.list", ("\n".join(paths) + "\n").encode())


def apt_layer(layer, c, rng, scale, base, added):
    layer.add("var/lib/dpkg/status", dpkg_status(base + added, rng))
    for pkg in added:
        paths = []
        for j in range(int(rng.randint(20, 120) * scale) + 1):
            path = f"usr/lib/x86_64-linux-gnu/{pkg}/lib{pkg}-{j}.so.1"
            layer.add(path, c.bytes(c.size(9000)))
            paths.append("/" + path)
        layer.add(f"var/lib/dpkg/info/{pkg}.list", ("\n".join(paths) + "\n").encode())
    for i in range(int(40 * scale) + 1):
        layer.add(f"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_{i}_Packages", c.bytes(c.size(900_000, 0.5)))
    layer.add("var/cache/debconf/templates.dat", c.bytes(400_000))


def pip_cache_layer(layer, c, rng, scale, dists):
    for name in dists:
        wheel = f"root/.cache/pip/wheels/{name[:2]}/{name}-1.0-py3-none-any.whl"
        layer.add(wheel, c.bytes(c.size(700_000, 1.0, 12 << 20)))
    for i in range(int(600 * scale) + 1):
        h = hashlib.sha1(str(i).encode()).hexdigest()
        layer.add(f"root/.cache/pip/http-v2/{h[0]}/{h[1]}/{h[2]}/{h}", c.bytes(c.size(60_000)))


def site_layer(layer, c, rng, scale, dists):
    site = "usr/local/lib/python3.11/site-packages"
    for name in dists:
        record = []
        for j in range(int(rng.randint(20, 400) * scale) + 1):
            sub = rng.choice(["", "core/", "utils/", "tests/", "_vendor/"])
            if j % 25 == 7:
                rel, data = f"{name}/{sub}_ext{j}.cpython-311-x86_64-linux-gnu.so", c.bytes(c.size(250_000, 1.0))
            else:
                rel, data = f"{name}/{sub}mod{j}.py", c.bytes(c.size(6000))
            layer.add(f"{site}/{rel}", data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{rel},sha256={digest},{len(data)}")
        info = f"{name}-1.0.dist-info"
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()
        layer.add(f"{site}/{info}/METADATA", meta)
        record.append(f"{info}/METADATA,,{len(meta)}")
        record.append(f"{info}/RECORD,,")
        layer.add(f"{site}/{info}/RECORD", ("\n".join(record) + "\n").encode())


def app_layer(layer, c, rng, scale, kept):
    """`kept` collects the files of app/src/pkg1, which a later layer copies with a new mode."""
    for i in range(int(1500 * scale) + 1):
        d = f"app/src/pkg{i % 40}"
        for path, data in ((f"{d}/m{i}.py", c.bytes(c.size(4000))),
                           (f"{d}/__pycache__/m{i}.cpython-311.pyc", c.bytes(c.size(5000)))):
            layer.add(path, data)
            if d == "app/src/pkg1":
                kept.append((path, data))
    for i in range(int(200 * scale) + 1):
        layer.add(f"app/tests/test_{i}.py", c.bytes(c.size(3000)))
    layer.add("app/.git/objects/pack/pack-1.pack", c.bytes(6_000_000))


def build(args, workdir):
    rng = random.Random(args.seed)
    c = Content(rng)
    base = words(rng, int(700 * args.scale) + 1)
    added = words(rng, int(80 * args.scale) + 1)
    added = [f"apt{w}" for w in added]
    dists = [f"dist{w}" for w in words(rng, int(90 * args.scale) + 1)]
    steps = [
        ("ADD rootfs.tar / # bookworm", lambda l: base_layer(l, c, rng, args.scale, base)),
        ("RUN apt-get update && apt-get install -y build-essential libpq-dev", lambda l: apt_layer(l, c, rng, args.scale, base, added)),
        ("RUN pip install -r requirements.txt", lambda l: pip_cache_layer(l, c, rng, args.scale, dists)),
        ("RUN pip install --no-index --find-links /root/.cache/pip/wheels -r requirements.txt", lambda l: site_layer(l, c, rng, args.scale, dists)),
        ("RUN rm -rf /root/.cache/pip /var/lib/apt/lists/*", None),
        ("COPY . /app", lambda l: app_layer(l, c, rng, args.scale, kept)),
        ("RUN chmod -R g+w /app/src/pkg1", None),
        ("COPY version.py /app/version.py", None),
    ]
    kept = []
    layers = []
    for created_by, fill in steps:
        layer = Layer(workdir, created_by)
        if fill:
            fill(layer)
        elif created_by.startswith("RUN rm"):
            layer.whiteout("root/.cache/pip")
            for i in range(int(40 * args.scale) + 1):
                layer.whiteout(f"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_{i}_Packages")
        elif created_by.startswith("RUN chmod"):
            # Modes changed, contents the same: a metadata-only copy of every file.
            for path, data in kept:
                layer.add(path, data, 0o664)
        else:
            layer.add("app/version.py", f"VERSION = 'build {args.build}'\n".encode() * 50)
        layer.close()
        layers.append(layer)
    return layers


def write_archive(args, layers):
    history = [{"created": "2024-01-01T00:00:00Z", "created_by": l.created_by} for l in layers]
    history.insert(5, {"created": "2024-01-01T00:00:00Z", "created_by": "WORKDIR /app", "empty_layer": True})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Cmd": ["python", "-m", "app"], "WorkingDir": "/app"},
        "rootfs": {"type": "layers", "diff_ids": [l.diff_id for l in layers]},
        "history": history,
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = [{"Config": cfg_name, "RepoTags": [args.tag], "Layers": [l.diff_id[7:] + ".tar" for l in layers]}]

    def member(t, name, size):
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, MTIME, 0o444
        return info

    with tarfile.open(args.out, "w", format=tarfile.PAX_FORMAT) as t:
        t.addfile(member(t, cfg_name, len(cfg)), io.BytesIO(cfg))
        for l in layers:
            with open(l.path, "rb") as f:
                t.addfile(member(t, l.diff_id[7:] + ".tar", l.size), f)
            os.remove(l.path)
        data = json.dumps(manifest).encode()
        t.addfile(member(t, "manifest.json", len(data)), io.BytesIO(data))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--scale", type=float, default=1.0, help="1.0: about 1 GB, 55k files")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--build", type=int, default=1, help="changes only the top layer's file")
    p.add_argument("--tag", default="deadweight-bench/python:latest")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(args.out))) as workdir:
        layers = build(args, workdir)
        write_archive(args, layers)
    json.dump({
        "out": args.out,
        "bytes": os.path.getsize(args.out),
        "layers": [{"created_by": l.created_by, "files": l.files, "content_bytes": l.bytes, "tar_bytes": l.size,
                    "diff_id": l.diff_id} for l in layers],
        "files": sum(l.files for l in layers),
    }, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
