#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/seeds/<target>/.

Seeds are small real inputs: the `tiny` corpus image in every format it ships in, layers and
archives built here with Python's tarfile (gzip, zstd through the `zstd` CLI when present,
plain), Dockerfiles and history entries of the corpus images, and the configuration examples of
the README and tests. Every seed stays under 200 KB. The output is checked in; rerun this only
to change the seeds:

    python3 fuzz/make-seeds.py                # corpus from $DEADWEIGHT_CORPUS or ../shared/corpus
    python3 fuzz/make-seeds.py --regressions  # the hand-made inputs of fuzz/regressions/archive
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
SEEDS = FUZZ / "seeds"
CORPUS = Path(os.environ.get("DEADWEIGHT_CORPUS", ROOT.parent / "shared" / "corpus"))
SEP = b"@@DWLAYER@@"  # fuzz_targets/layer.rs
MAX_SEED = 200 * 1024
ZSTD = shutil.which("zstd")


def put(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) <= MAX_SEED, f"{target}/{name}: {len(data)} bytes"
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def zst(data):
    if not ZSTD:
        return None
    return subprocess.run([ZSTD, "-q", "-19", "-c"], input=data, capture_output=True, check=True).stdout


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar(entries, fmt=tarfile.PAX_FORMAT):
    """entries: (name, kind, payload) with kind file|dir|symlink|link|chr|blk|fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, payload in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime = 0
            ti.mode = 0o755 if kind == "dir" else 0o644
            data = None
            if kind == "file":
                data = payload.encode() if isinstance(payload, str) else payload
                ti.size = len(data)
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, payload
            elif kind == "link":
                ti.type, ti.linkname = tarfile.LNKTYPE, payload
            elif kind == "chr":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "blk":
                ti.type, ti.devmajor, ti.devminor = tarfile.BLKTYPE, 8, 0
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def f(name, data):
    return (name, "file", data)


def d(name):
    return (name, "dir", None)


DPKG_STATUS = """Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12988
Architecture: amd64
Version: 2.36-9+deb12u4

Package: gcc-12
Status: install ok installed
Installed-Size: 70000
Architecture: amd64
Version: 12.2.0-14
Depends: cpp-12 (= 12.2.0-14)

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0
"""

APK_DB = """C:Q1abc=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
F:lib
R:ld-musl-x86_64.so.1
Z:Q1def=

P:busybox
V:1.36.1-r5
I:958464
F:bin
R:busybox
"""

METADATA = """Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Requires-Dist: urllib3 (<3,>=1.21.1)
Provides-Extra: socks
Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'
"""

RECORD = """requests/__init__.py,sha256=abc,4962
requests/api.py,sha256=def,6449
requests/__pycache__/api.cpython-311.pyc,,
requests-2.31.0.dist-info/METADATA,,
../../../bin/normalizer,sha256=x,250
"""

OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'


def rules_bait():
    sp = "usr/local/lib/python3.11/site-packages"
    big = bytes(range(256)) * 20  # 5120 bytes, twice: a duplicate above 4096
    return tar([
        d("etc"), f("etc/os-release", OS_RELEASE),
        d("var"), d("var/lib"), d("var/lib/dpkg"), f("var/lib/dpkg/status", DPKG_STATUS),
        d("var/lib/dpkg/info"),
        f("var/lib/dpkg/info/libc6.list", "/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n"),
        f("var/lib/dpkg/info/gcc-12.list", "/usr/lib/gcc\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n"),
        d("lib"), d("lib/apk"), d("lib/apk/db"), f("lib/apk/db/installed", APK_DB),
        d("lib/x86_64-linux-gnu"), f("lib/x86_64-linux-gnu/libc.so.6", b"\x7fELF" + b"\0" * 600),
        d("usr"), d("usr/lib"), d("usr/lib/gcc"), d("usr/lib/gcc/x86_64-linux-gnu"),
        d("usr/lib/gcc/x86_64-linux-gnu/12"), f("usr/lib/gcc/x86_64-linux-gnu/12/cc1", b"\x7fELF" + b"\1" * 900),
        d("usr/include"), f("usr/include/stdio.h", "int printf(const char *, ...);\n"),
        d("usr/share"), d("usr/share/doc"), d("usr/share/doc/libc6"), f("usr/share/doc/libc6/copyright", "GPL\n" * 30),
        d(sp), d(f"{sp}/requests"), f(f"{sp}/requests/__init__.py", "import os\n" * 20),
        f(f"{sp}/requests/api.py", "def get(): pass\n" * 40), d(f"{sp}/requests/__pycache__"),
        f(f"{sp}/requests/__pycache__/api.cpython-311.pyc", b"\xa7\r\r\n" + b"\0" * 300),
        d(f"{sp}/requests-2.31.0.dist-info"), f(f"{sp}/requests-2.31.0.dist-info/METADATA", METADATA),
        f(f"{sp}/requests-2.31.0.dist-info/RECORD", RECORD),
        d(f"{sp}/pytest.egg-info"), f(f"{sp}/pytest.egg-info/top_level.txt", "pytest\n"),
        f(f"{sp}/pytest.egg-info/installed-files.txt", "../pytest/__init__.py\n"),
        f(f"{sp}/pytest.egg-info/requires.txt", "pluggy\n[testing]\nhypothesis\n"),
        d("root"), d("root/.cache"), d("root/.cache/pip"), d("root/.cache/pip/http"),
        f("root/.cache/pip/http/0123abcd", b"cached wheel" * 100),
        d("root/.ssh"), f("root/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n"),
        d("var/lib/apt"), d("var/lib/apt/lists"), f("var/lib/apt/lists/deb.debian.org_InRelease", "x" * 700),
        d("var/log"), f("var/log/dpkg.log", "installed\n" * 20),
        d("tmp"), f("tmp/build.log", "build output\n" * 10),
        d("app"), d("app/.git"), f("app/.git/HEAD", "ref: refs/heads/main\n"),
        d("app/tests"), f("app/tests/test_app.py", "def test(): pass\n"),
        d("app/node_modules"), d("app/node_modules/left-pad"), f("app/node_modules/left-pad/index.js", "x"),
        d("app/.venv"), f("app/.venv/pyvenv.cfg", "home = /usr/bin\n"),
        f("app/.DS_Store", b"\0\0\0\1Bud1"), f("app/server.key", "-----BEGIN PRIVATE KEY-----\n"),
        f("app/data.bin", big), f("app/data-copy.bin", big),
        f("app/main.py", "print('hi')\n"), ("app/main-link.py", "symlink", "main.py"),
    ])


def edge_layer():
    long_dir = "usr/" + "very-long-directory-name/" * 6
    return tar([
        ("./", "dir", None),
        d("./etc"), f("./etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
        d(long_dir), f(long_dir + "file-with-a-long-name-" + "x" * 120 + ".txt", "long\n"),
        (long_dir + "link-" + "y" * 110, "symlink", "/" + long_dir + "target-" + "z" * 100),
        ("etc/passwd-hardlink", "link", "etc/passwd"),
        ("dev-null", "chr", None), ("dev-sda", "blk", None), ("a-fifo", "fifo", None),
        ("etc/.wh.shadow", "file", b""), d("opaque"), ("opaque/.wh..wh..opq", "file", b""),
        (".wh..wh.plnk", "dir", None), (".wh..wh.plnk/123.456", "file", b""),
        ("/abs/path.txt", "file", "absolute\n"), ("dots/../up.txt", "file", "dots\n"),
        ("unicode-\u00e9\u00e8-\u4e2d.txt", "file", "utf8\n"),
        ("etc/passwd", "file", "overwritten in the same layer\n"),
    ])


def gnu_layer():
    return tar([
        d("gnu"), f("gnu/" + "n" * 150, "gnu long name\n"),
        ("gnu/l", "symlink", "t" * 150), f("gnu/small", "s\n"),
    ], fmt=tarfile.GNU_FORMAT)


def ustar_layer():
    return tar([d("bin"), f("bin/sh", b"\x7fELF" + b"\0" * 100), ("bin/ash", "link", "bin/sh")],
               fmt=tarfile.USTAR_FORMAT)


def whiteout_layer():
    return tar([
        d("root"), d("root/.cache"), ("root/.cache/.wh.pip", "file", b""),
        d("app"), ("app/.wh.data-copy.bin", "file", b""), f("app/main.py", "print('changed')\n"),
        d("var/lib/apt"), d("var/lib/apt/lists"), ("var/lib/apt/lists/.wh..wh..opq", "file", b""),
        d("tmp"), ("tmp/.wh.build.log", "file", b""), ("tmp/.wh.never-existed", "file", b""),
    ])


def pax_global_layer():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": "git archive"}) as t:
        ti = tarfile.TarInfo("README")
        ti.size = 6
        t.addfile(ti, io.BytesIO(b"hello\n"))
    return buf.getvalue()


def layers():
    out = {}
    out["rules-bait.tar.gz"] = gz(rules_bait())
    out["edge.tar"] = edge_layer()
    out["edge.tar.gz"] = gz(edge_layer())
    out["gnu.tar"] = gnu_layer()
    out["ustar.tar"] = ustar_layer()
    out["whiteouts.tar"] = whiteout_layer()
    out["pax-global.tar"] = pax_global_layer()
    out["empty.tar"] = b"\0" * 1024
    out["empty.tar.gz"] = gz(b"\0" * 1024)
    out["two-gzip-members.tar.gz"] = gz(ustar_layer()[:1024]) + gz(ustar_layer()[1024:])
    out["trailing-garbage.tar"] = ustar_layer() + b"garbage after the end blocks"
    z = zst(ustar_layer())
    if z:
        out["ustar.tar.zst"] = z
        out["edge.tar.zst"] = zst(edge_layer())
    return out


def tiny_layers():
    """The tiny image's layers: plain (docker-archive), gzip (oci-archive), zstd (oci-zstd)."""
    res = {"plain": [], "gzip": [], "zstd": []}
    t = tarfile.open(CORPUS / "tiny" / "tiny.docker-archive.tar")
    manifest = json.load(t.extractfile("manifest.json"))
    for name in manifest[0]["Layers"]:
        res["plain"].append(t.extractfile(name).read())
    for kind, archive in (("gzip", "tiny.oci-archive.tar"), ("zstd", "tiny.oci-zstd.tar")):
        t = tarfile.open(CORPUS / "tiny" / archive)
        names = {m.name.lstrip("./"): m for m in t.getmembers()}
        index = json.load(t.extractfile(names["index.json"]))
        blob = lambda dg: t.extractfile(names["blobs/sha256/" + dg.split(":")[1]]).read()
        man = json.loads(blob(index["manifests"][0]["digest"]))
        res[kind] = [blob(l["digest"]) for l in man["layers"]]
    return res


def docker_archive(layer_blobs, history, tags=("localhost/fuzz:latest",), manifest_last=True,
                   diff_ids=False, links=False):
    """A `docker save` archive; layer names carry no digest, so nothing is checked against one
    unless diff_ids is set."""
    names = []
    members = []
    for i, blob in enumerate(layer_blobs):
        ext = ".tar.gz" if blob[:2] == b"\x1f\x8b" else ".tar.zst" if blob[:4] == b"\x28\xb5\x2f\xfd" else ".tar"
        name = f"layer{i}{ext}"
        if links:
            members.append((name, "file", blob))
            members.append((f"l{i}", "dir", None))
            members.append((f"l{i}/layer.tar", "symlink", "../" + name))
            names.append(f"l{i}/layer.tar")
        else:
            members.append((name, "file", blob))
            names.append(name)
    config = {
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/bin"], "Cmd": ["python", "main.py"], "WorkingDir": "/app",
                   "User": "1000", "ExposedPorts": {"8080/tcp": {}}, "Labels": {"a": "b"}},
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": history,
    }
    if diff_ids:
        config["rootfs"]["diff_ids"] = [sha(b) for b in layer_blobs]
    manifest = [{"Config": "config.json", "RepoTags": list(tags), "Layers": names}]
    docs = [("config.json", "file", json.dumps(config)),
            ("repositories", "file", json.dumps({"localhost/fuzz": {"latest": "0" * 64}}))]
    m = [("manifest.json", "file", json.dumps(manifest))]
    return tar((docs + members + m) if manifest_last else (m + docs + members), fmt=tarfile.USTAR_FORMAT)


def oci_layout(layer_blobs, history, nested=False, multi=False, prefix=""):
    blobs = {}

    def add(data, media_type, **extra):
        data = data.encode() if isinstance(data, str) else data
        blobs[sha(data)] = data
        return {"mediaType": media_type, "digest": sha(data), "size": len(data), **extra}

    def media(b):
        if b[:2] == b"\x1f\x8b":
            return "application/vnd.oci.image.layer.v1.tar+gzip"
        if b[:4] == b"\x28\xb5\x2f\xfd":
            return "application/vnd.oci.image.layer.v1.tar+zstd"
        return "application/vnd.oci.image.layer.v1.tar"

    config = {"architecture": "amd64", "os": "linux",
              "config": {"Cmd": ["/bin/sh"]},
              "rootfs": {"type": "layers", "diff_ids": []}, "history": history}
    cdesc = add(json.dumps(config), "application/vnd.oci.image.config.v1+json")
    ldescs = [add(b, media(b)) for b in layer_blobs]
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cdesc, "layers": ldescs}
    mdesc = add(json.dumps(manifest), "application/vnd.oci.image.manifest.v1+json",
                platform={"architecture": "amd64", "os": "linux"},
                annotations={"org.opencontainers.image.ref.name": "latest"})
    entries = [mdesc]
    if multi:
        arm = dict(manifest)
        entries.append(add(json.dumps(arm), "application/vnd.oci.image.manifest.v1+json",
                           platform={"architecture": "arm64", "os": "linux", "variant": "v8"}))
        entries.append(add(json.dumps(arm), "application/vnd.oci.image.manifest.v1+json",
                           platform={"architecture": "unknown", "os": "unknown"},
                           annotations={"vnd.docker.reference.type": "attestation-manifest"}))
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
    if nested:
        inner = add(json.dumps(index), "application/vnd.oci.image.index.v1+json")
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [inner]}
    members = [(prefix + "oci-layout", "file", '{"imageLayoutVersion":"1.0.0"}'),
               (prefix + "index.json", "file", json.dumps(index))]
    members += [(prefix + "blobs/sha256/" + k.split(":")[1], "file", v) for k, v in sorted(blobs.items())]
    return tar(members, fmt=tarfile.USTAR_FORMAT)


def history_of(n, extra_empty=True):
    h = []
    cmds = ["COPY rootfs/ / # buildkit", "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
            "/bin/sh -c rm -rf /root/.cache/pip", "/bin/sh -c #(nop) COPY dir:abc in /app "]
    for i in range(n):
        if extra_empty and i == 1:
            h.append({"created_by": "/bin/sh -c #(nop)  ENV PYTHONUNBUFFERED=1", "empty_layer": True})
        h.append({"created_by": cmds[i % len(cmds)], "comment": "FROM docker.io/library/python:3.11" if i == 0 else None})
    h.append({"created_by": '/bin/sh -c #(nop)  CMD ["python" "main.py"]', "empty_layer": True})
    return [{k: v for k, v in e.items() if v is not None} for e in h]


def archives(tl, extra):
    out = {}
    for name in ("tiny.docker-archive.tar", "tiny.docker-archive.tar.gz", "tiny.oci-archive.tar",
                 "tiny.oci-zstd.tar", "tiny.umoci-layout.tar"):
        out["corpus-" + name] = (CORPUS / "tiny" / name).read_bytes()
    bait = extra["rules-bait.tar.gz"]
    wh = gz(extra["whiteouts.tar"])
    mixed = [tl["gzip"][0], tl["zstd"][1] if tl["zstd"] else tl["gzip"][1], tl["plain"][2]]
    out["docker-mixed.tar"] = docker_archive(mixed, history_of(3))
    out["docker-manifest-first.tar"] = docker_archive(tl["gzip"], history_of(3), manifest_last=False)
    out["docker-symlinks.tar"] = docker_archive(tl["gzip"], history_of(3), links=True)
    out["docker-rules.tar"] = docker_archive([bait, wh], history_of(2))
    out["docker-diffids.tar"] = docker_archive([extra["ustar.tar"]], history_of(1), diff_ids=True)
    out["docker-two-tags.tar"] = docker_archive(tl["gzip"][:1], history_of(1), tags=("a:1", "b:2"))
    out["docker-rules.tar.gz"] = gz(out["docker-rules.tar"])
    out["oci-gzip.tar"] = oci_layout(tl["gzip"], history_of(3))
    out["oci-nested-multi.tar"] = oci_layout([bait, wh], history_of(2), nested=True, multi=True)
    out["oci-dot-prefix.tar"] = oci_layout(tl["gzip"][:1], history_of(1), prefix="./")
    if tl["zstd"]:
        out["oci-zstd.tar"] = oci_layout(tl["zstd"], history_of(3))
        out["docker-mixed.tar.zst"] = zst(out["docker-mixed.tar"])
    return out


def configs_of_corpus():
    """History entries of every corpus image (and the sample image)."""
    found = []
    for path in sorted(CORPUS.glob("*/*.docker-archive.tar")) + [ROOT / "assets" / "sample.tar"]:
        if not path.exists():
            continue
        t = tarfile.open(path)
        try:
            manifest = json.load(t.extractfile("manifest.json"))
        except KeyError:
            continue
        for m in manifest:
            found.append((path.name, json.load(t.extractfile(m["Config"]))))
    for path in sorted(CORPUS.glob("*/*.oci-archive.tar")):
        if path.stat().st_size > 50 << 20 and "py-sample" not in path.name:
            continue
        with tarfile.open(path) as t:
            names = {m.name.lstrip("./"): m for m in t.getmembers()}
            blob = lambda dg: t.extractfile(names["blobs/sha256/" + dg.split(":")[1]]).read()
            index = json.load(t.extractfile(names["index.json"]))
            man = json.loads(blob(index["manifests"][0]["digest"]))
            found.append((path.name, json.loads(blob(man["config"]["digest"]))))
    return found


CREATED_BY_EXTRA = [
    "/bin/sh -c #(nop) ADD file:4a5b in / ",
    '/bin/sh -c #(nop)  CMD ["bash"]',
    "/bin/sh -c #(nop)  EXPOSE map[80/tcp:{} 443/tcp:{}]",
    "|2 PYTHON_VERSION=3.11 PIP=24 /bin/sh -c pip install --no-cache-dir -r requirements.txt",
    'RUN |1 X=1 /bin/sh -c set -eux; apt-get update # buildkit',
    'RUN ["python", "-m", "pip", "install", "."] # buildkit',
    "RUN /bin/bash -o pipefail -c curl -sSL x | sh # buildkit",
    'cmd /S /C powershell -Command "Install"',
    'SHELL ["/bin/bash" "-o" "pipefail" "-c"]',
    "ENTRYPOINT [\"/docker-entrypoint.sh\"]",
    "WORKDIR /app",
    "HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/\"] \"30s\" \"3s\" \"0s\" '\\x03'}",
    "ONBUILD RUN make",
    "jib-maven-plugin:3.4.0",
    "bazel build //app:image",
    "#(nop)",
    "   ",
]


def history_seeds(cfgs):
    out = {}
    n = 0
    for src, cfg in cfgs:
        entries = cfg.get("history", [])
        for h in entries:
            cb = h.get("created_by")
            if cb and cb not in out.values():
                out[f"created-by-{n:03}"] = cb
                n += 1
        lines = []
        for h in entries:
            line = ("~" if h.get("empty_layer") else "") + h.get("created_by", "").replace("\n", " ")
            if h.get("comment"):
                line += "\t" + h["comment"].replace("\n", " ")
            lines.append(line)
        stem = src.split(".")[0]
        out[f"history-{stem}"] = "\n".join(lines)
        dockerfile = CORPUS / stem / "Dockerfile"
        if dockerfile.exists():
            out[f"history+dockerfile-{stem}"] = "\n".join(lines) + "\0" + dockerfile.read_text()
    for i, cb in enumerate(CREATED_BY_EXTRA):
        out[f"created-by-extra-{i:02}"] = cb
    return out


DOCKERFILES = {
    "heredoc": """# syntax=docker/dockerfile:1.6
FROM python:3.11-slim AS base
RUN <<EOF
apt-get update
apt-get install -y gcc
EOF
COPY <<-EOT /app/config.ini
\t[main]
\tdebug = false
\tEOT
RUN <<"A" bash && <<B cat
echo a
A
echo b
B
""",
    "escape-backtick": """# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN powershell -Command `
    Install-Thing ; `
    # a comment inside
    Remove-Item C:\\temp
COPY . C:\\app
""",
    "multistage": """ARG PY=3.11
ARG BASE=python:${PY}-slim
FROM --platform=$BUILDPLATFORM ${BASE} AS Builder
WORKDIR /src
COPY --link requirements.txt .
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=tok \\
    pip install --prefix=/install -r requirements.txt
FROM builder AS tests
RUN pytest
FROM python:${PY}-slim
COPY --from=builder /install /usr/local
COPY --chown=1000:1000 ["app/", "/app/"]
ENV A=1 B="two words"
LABEL org.opencontainers.image.title="x" \\
      version=1
EXPOSE 8080/tcp 9090
USER 1000:1000
VOLUME ["/data"]
HEALTHCHECK --interval=30s CMD curl -f http://localhost:8080/ || exit 1
ONBUILD COPY . /app
STOPSIGNAL SIGTERM
SHELL ["/bin/bash", "-c"]
ENTRYPOINT ["python", "-m", "app"]
CMD ["--port", "8080"]
""",
    "errors-no-from": "RUN echo hi\n",
    "errors-onbuild": "FROM scratch\nONBUILD FROM x\n",
    "errors-unterminated-heredoc": "FROM scratch\nRUN <<EOF\necho\n",
    "crlf": "FROM alpine:3.19\r\nRUN apk add --no-cache curl \\\r\n  jq\r\nCMD [\"sh\"]\r\n",
    "bom-maintainer": "\ufeffFROM debian\nMAINTAINER someone <a@b.c>\nADD https://example.com/x.tgz /opt/\nADD --checksum=sha256:abc x.tar /\n",
}

TOMLS = {
    "readme-rules.toml": """[rules]
disable = ["DW507"]
ignore = ["/opt/models/**"]
[rules.severity]
DW601 = "info"
[rules.ignore_paths]
DW401 = ["/srv/app/.git/**"]
""",
    "readme-ci.toml": """# .deadweight.toml: the same budgets; flags win over them
[ci]
max_total_bytes = "1.5GiB"      # also max_final_bytes, max_user_bytes, max_compressed_bytes
max_reclaimable_share = "10%"   # and max_reclaimable_bytes
fail_on = ["DW405", "DW1*"]
lowestEfficiency = 0.95         # dive's rules; "off" disables one
""",
    "full.toml": """[rules]
disable = ["DW404", "DW408"]
ignore = ["/app/tests/**", "**/*.{md,rst}", "/usr/share/[dm]*/**"]
[rules.severity]
DW101 = "error"
DW405 = "warning"
[rules.ignore_paths]
DW506 = ["/tmp/**"]
[rules.thresholds]
min_bytes = 0
temp_file_bytes = 10
duplicate_file_bytes = 1
[ci]
max_total_bytes = 1000000
max_final_bytes = "900 kB"
max_user_bytes = "1MiB"
max_compressed_bytes = "2 MB"
max_reclaimable_bytes = "0"
max_reclaimable_share = 0.5
max_layer_bytes = "10KiB"
fail_on = ["DW1*", "DW40?"]
fail_on_severity = "warning"
max_growth = "5%"
max_instruction_growth = "1KiB"
highestWastedBytes = "20MB"
highest_user_wasted_percent = "off"
""",
    "bad-key.toml": "[ci]\nmax_totl_bytes = 5\n",
    "bad-nan.toml": "[ci]\nlowestEfficiency = nan\n",
    "bad-glob.toml": '[rules]\nignore = ["/a/[b"]\n',
    "size-words.txt": "1.5 GiB",
}

DIVE_CIS = {
    "dive-ci": "rules:\n  lowestEfficiency: 0.6\n  highestWastedBytes: 20MB\n  highestUserWastedPercent: 0.5\n",
    "dive-ci-off": "rules:\n  lowestEfficiency: off\n  highestUserWastedPercent: disabled\n",
    "dive-ci-case": "rules:\n  LOWESTEFFICIENCY: \"0.95\"\n  highestwastedbytes: 1024\n  highestUserWastedPercent:\n",
    "dive-ci-bad": "rules:\n  lowestEfficiency: 1.5\n",
    "dive-ci-anchors": "base: &b 0.9\nrules:\n  lowestEfficiency: *b\n",
}


def baseline_report():
    exe = ROOT / "target" / "release" / "deadweight"
    if not exe.exists():
        exe = ROOT / "target" / "debug" / "deadweight"
    if not exe.exists():
        return None
    r = subprocess.run([str(exe), str(CORPUS / "tiny" / "tiny.oci-archive.tar"), "--json", "-"],
                       capture_output=True)
    return r.stdout if r.returncode == 0 and r.stdout.startswith(b"{") else None


def duplicate_member_archives():
    """fuzz/regressions/archive/dup-*: one member name twice in a `docker save` archive. Tar
    semantics (and the indexed reader) take the later member; the stream reader did not."""
    layer_a = tar([f("a.txt", "A" * 10)], fmt=tarfile.USTAR_FORMAT)
    layer_b = tar([f("b.txt", "B" * 20), f("c.txt", "C" * 30)], fmt=tarfile.USTAR_FORMAT)
    big = tar([f("big.bin", b"\0" * 70000)], fmt=tarfile.USTAR_FORMAT)  # > 64 KiB: decoded while streaming
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                      "history": [{"created_by": "COPY x /"}]})
    man = json.dumps([{"Config": "config.json", "RepoTags": ["x:1"], "Layers": ["l.tar"]}])
    return {
        "dup-symlink-then-file.tar": tar([f("config.json", cfg), f("other.tar", layer_a),
                                          ("l.tar", "symlink", "other.tar"), f("l.tar", layer_b),
                                          f("manifest.json", man)], fmt=tarfile.USTAR_FORMAT),
        "dup-big-then-small.tar": tar([f("config.json", cfg), f("l.tar", big), f("l.tar", layer_a),
                                       f("manifest.json", man)], fmt=tarfile.USTAR_FORMAT),
    }


def main():
    if sys.argv[1:] == ["--regressions"]:
        out = FUZZ / "regressions" / "archive"
        out.mkdir(parents=True, exist_ok=True)
        for name, data in duplicate_member_archives().items():
            (out / name).write_bytes(data)
            print(out / name, len(data))
        return
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS} (set DEADWEIGHT_CORPUS)")
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    tl = tiny_layers()
    extra = layers()
    for name, data in extra.items():
        put("layer", name, data)
    for kind, blobs in tl.items():
        for i, b in enumerate(blobs):
            put("layer", f"tiny-{kind}-{i}", b)
        if blobs:
            put("layer", f"multi-tiny-{kind}", SEP.join(blobs))
    put("layer", "multi-rules-then-whiteouts", extra["rules-bait.tar.gz"] + SEP + gz(extra["whiteouts.tar"]))
    put("layer", "multi-edge", SEP.join([extra["edge.tar"], extra["gnu.tar"], extra["whiteouts.tar"]]))
    for name, data in archives(tl, extra).items():
        put("archive", name, data)
    cfgs = configs_of_corpus()
    for name, data in history_seeds(cfgs).items():
        put("history", name, data)
    dockerfiles = {p.parent.name: p.read_text() for p in sorted(CORPUS.glob("*/Dockerfile"))}
    dockerfiles["sample"] = (ROOT / "assets" / "sample.Dockerfile").read_text()
    dockerfiles.update(DOCKERFILES)
    for name, text in dockerfiles.items():
        put("dockerfile", name + ".Dockerfile", text)
    for name, text in {**TOMLS, **DIVE_CIS}.items():
        put("config", name, text)
    report = baseline_report()
    if report:
        put("config", "baseline-tiny.json", report)
    for target in sorted(p.name for p in SEEDS.iterdir()):
        files = list((SEEDS / target).iterdir())
        print(f"{target}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
