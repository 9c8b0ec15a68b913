#!/usr/bin/env python3
"""Build assets/sample.tar: the small "careless Python image" the README runs deadweight on.

The output is a classic `docker save` archive (as Docker <= 24 writes it):

    manifest.json, repositories, <config sha256>.json,
    <layer id>/VERSION, <layer id>/json, <layer id>/layer.tar   (uncompressed layer tars)

Every file in the image is synthetic: paths, kinds, permissions and relative sizes look
like a real Debian bookworm + pip image, contents are text templates or pseudo-random
bytes from a fixed seed. The output is byte-for-byte deterministic (fixed timestamps,
uid/gid 0 except the chown layer, sorted entries, no compression, no host data).

Usage:  python3 assets/make-sample.py      (Python 3.11, standard library only)

It writes assets/sample.tar and prints the seeded-waste byte counts that SAMPLE.md quotes.
"""

import base64
import hashlib
import io
import json
import random
import struct
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "sample.tar"
SEED = 20240220
REPO_TAG = ("deadweight/sample", "latest")

# 2024-02-20T10:15:00Z: every tar member's mtime; history "created" values are close to it.
EPOCH = 1708424100
BASE_CREATED = "2024-02-13T00:20:55.174869405Z"


def ts(minute, second):
    return f"2024-02-20T10:{minute:02d}:{second:02d}.{(minute * 7919 + second * 104729) % 10**9:09d}Z"


# The Dockerfile the image was "built" from. COPY . /app ships it as /app/Dockerfile; it must
# stay identical to assets/sample.Dockerfile (checked at the end).
DOCKERFILE = """\
FROM debian:bookworm
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
RUN apt-get update
RUN apt-get install -y gcc python3-dev
WORKDIR /app
COPY . /app
RUN pip install -r requirements.txt
RUN curl -o /tmp/model.bin https://models.example.com/v1/model.bin \\
    && python3 -m app prepare
RUN rm -rf /tmp/model.bin /var/lib/apt/lists/*
RUN chown -R 1000:1000 /app
CMD ["python3", "-m", "app"]
"""

ENV_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ENV_LANG = "LANG=C.UTF-8"

KIB = 1024
MIB = 1024 * 1024

# --------------------------------------------------------------------------------------
# deterministic content generators
# --------------------------------------------------------------------------------------


def rng(key):
    return random.Random(f"{SEED}:{key}")


def rbytes(key, n):
    return rng(key).randbytes(n)


def hexid(key, n=40):
    return hashlib.sha256(f"{SEED}:{key}".encode()).hexdigest()[:n]


def elf(key, size):
    """An ELF64 x86-64 shared-object header followed by pseudo-random bytes."""
    ident = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8
    hdr = ident + struct.pack(
        "<HHIQQQIHHHHHH",
        3,  # e_type ET_DYN (PIE executables and .so alike)
        0x3E,  # e_machine EM_X86_64
        1,  # e_version
        0x1000 + (int(hexid(key, 4), 16) & 0xFF0),  # e_entry
        64,  # e_phoff
        size - 64 * 30,  # e_shoff
        0,  # e_flags
        64,  # e_ehsize
        56,  # e_phentsize
        13,  # e_phnum
        64,  # e_shentsize
        30,  # e_shnum
        29,  # e_shstrndx
    )
    return hdr + rbytes(key, size - len(hdr))


PYC_MAGIC = {"311": b"\xa7\x0d\x0d\x0a", "39": b"\x61\x0d\x0d\x0a"}


def pyc(key, source, tag="311", ratio=1.25):
    """A .pyc: real header (magic, flags, source mtime, source size) + a code-object-ish body."""
    size = max(300, int(len(source) * ratio) + rng("pyclen:" + key).randint(-64, 64))
    hdr = PYC_MAGIC[tag] + struct.pack("<III", 0, EPOCH, len(source))
    return hdr + b"\xe3" + rbytes("pyc:" + key, size - len(hdr) - 1)


VERBS = ["get", "set", "make", "read", "write", "parse", "format", "check", "find", "load",
         "build", "resolve", "update", "split", "join", "normalize", "encode", "decode",
         "open", "close", "iter", "merge", "select", "apply", "render", "validate"]
NOUNS = ["path", "name", "value", "data", "item", "key", "node", "result", "buffer", "state",
         "config", "handler", "stream", "token", "entry", "index", "offset", "size", "mode",
         "flags", "prefix", "suffix", "parent", "cache", "default", "encoding", "errors",
         "timeout", "context", "header", "record", "section", "pattern", "source", "target"]
IMPORTS = ["os", "sys", "re", "io", "abc", "stat", "types", "errno", "functools", "itertools",
           "operator", "warnings", "collections", "contextlib", "typing", "codecs", "struct"]


def pysrc(key, size, doc):
    """Plausible-looking Python source of about `size` bytes."""
    r = rng("py:" + key)
    out = [f'"""{doc}\n"""\n\n']
    for mod in sorted(r.sample(IMPORTS, 3)):
        out.append(f"import {mod}\n")
    out.append("\n__all__ = [%s]\n\n" % ", ".join(repr(f"{r.choice(VERBS)}_{r.choice(NOUNS)}") for _ in range(3)))
    total = sum(map(len, out))
    while total < size:
        if r.random() < 0.2:
            cls = r.choice(NOUNS).capitalize() + r.choice(["Error", "Base", "Mixin", "Info", "Reader"])
            a, b = r.sample(NOUNS, 2)
            block = (f"\n\nclass {cls}:\n    \"\"\"Hold the {a} and {b} of one {r.choice(NOUNS)}.\"\"\"\n\n"
                     f"    def __init__(self, {a}, {b}=None):\n        self.{a} = {a}\n        self.{b} = {b}\n\n"
                     f"    def __repr__(self):\n        return f\"<{cls} {{self.{a}!r}}>\"\n")
        else:
            fn = f"{r.choice(VERBS)}_{r.choice(NOUNS)}"
            a, b, c = r.sample(NOUNS, 3)
            block = (f"\n\ndef {fn}({a}, {b}=None, *, {c}=False):\n"
                     f"    \"\"\"{r.choice(VERBS).capitalize()} the {a} using {b}.\n\n"
                     f"    Return a new {r.choice(NOUNS)}; {c} controls strict handling.\n    \"\"\"\n"
                     f"    if {b} is None:\n        {b} = {a}\n"
                     f"    result = []\n    for {r.choice(['x', 'part', 'item', 'chunk'])} in {a}:\n"
                     f"        if {c} and not {b}:\n            raise ValueError(\"invalid {a}: %r\" % ({a},))\n"
                     f"        result.append({b})\n    return result\n")
        out.append(block)
        total += len(block)
    return "".join(out).encode()


def cheader(key, size, guard):
    r = rng("h:" + key)
    out = [f"#ifndef {guard}\n#define {guard}\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n"]
    total = len(out[0])
    while total < size:
        if r.random() < 0.3:
            line = f"#define Py{r.choice(NOUNS).upper()}_{r.choice(NOUNS).upper()} {r.randint(1, 4096)}\n"
        else:
            ret = r.choice(["PyObject *", "int", "Py_ssize_t", "void", "const char *"])
            line = (f"PyAPI_FUNC({ret}) Py{r.choice(NOUNS).capitalize()}_{r.choice(VERBS).capitalize()}"
                    f"{r.choice(NOUNS).capitalize()}(PyObject *, {r.choice(['Py_ssize_t', 'int', 'PyObject *', 'const char *'])});\n")
        out.append(line)
        total += len(line)
    out.append(f"\n#ifdef __cplusplus\n}}\n#endif\n#endif /* !{guard} */\n")
    return "".join(out).encode()


LOREM = ("Permission is hereby granted, free of charge, to any person obtaining a copy of this "
         "software and associated documentation files, to deal in the Software without "
         "restriction, subject to the conditions of the license named above. This program is "
         "distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without even "
         "the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.")


def wrap(text, width=76, indent=""):
    words, lines, cur = text.split(), [], indent
    for w in words:
        if len(cur) + len(w) + 1 > width and cur.strip():
            lines.append(cur.rstrip())
            cur = indent
        cur += w + " "
    lines.append(cur.rstrip())
    return "\n".join(lines) + "\n"


def copyright_file(pkg, upstream, lic, size):
    head = (f"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
            f"Upstream-Name: {upstream}\nSource: https://deb.debian.org/debian/pool/main/\n\n"
            f"Files: *\nCopyright: 1991-2023 The {upstream} authors\nLicense: {lic}\n\n"
            f"Files: debian/*\nCopyright: 2003-2023 Debian {pkg} maintainers\nLicense: {lic}\n\n"
            f"License: {lic}\n")
    body, n = [], len(head)
    while n < size:
        para = wrap(LOREM, indent=" ") + " .\n"
        body.append(para)
        n += len(para)
    return (head + "".join(body)).encode()


def b64lines(data, width=64):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + width] for i in range(0, len(s), width)) + "\n"


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


# --------------------------------------------------------------------------------------
# layers
# --------------------------------------------------------------------------------------

DIR_MODES = {"tmp": 0o1777, "var/tmp": 0o1777, "root": 0o700, "var/lib/apt/lists/partial": 0o700,
             "var/cache/apt/archives/partial": 0o700, "var/log/apt": 0o755}


class Layer:
    def __init__(self, label):
        self.label = label
        self.entries = {}  # path -> dict

    def _put(self, path, **e):
        path = path.strip("/")
        assert path and not path.startswith("./"), path
        self.entries[path] = e

    def dir(self, path, mode=None, uid=0):
        path = path.strip("/")
        self._put(path, kind="dir", mode=DIR_MODES.get(path, 0o755) if mode is None else mode, uid=uid)

    def file(self, path, data, mode=0o644, uid=0):
        if isinstance(data, str):
            data = data.encode()
        self._put(path, kind="file", data=data, mode=mode, uid=uid)
        return data

    def symlink(self, path, target, uid=0):
        self._put(path, kind="symlink", target=target, mode=0o777, uid=uid)

    def hardlink(self, path, target, uid=0):
        self._put(path, kind="hardlink", target=target.strip("/"), mode=0o755, uid=uid)

    def whiteout(self, path, mode=0o600):
        self._put(path, kind="file", data=b"", mode=mode, uid=0)

    def files(self, prefix=""):
        return {p: e for p, e in self.entries.items() if e["kind"] == "file" and p.startswith(prefix)}

    def nbytes(self, prefix=""):
        return sum(len(e["data"]) for e in self.files(prefix).values())

    def tar(self):
        # every ancestor directory of every entry is present (as an overlay diff has it)
        for path in list(self.entries):
            parts = path.split("/")
            for i in range(1, len(parts)):
                anc = "/".join(parts[:i])
                if anc not in self.entries:
                    self.dir(anc, uid=self.entries[path]["uid"] if anc.startswith("app") else 0)
        names = {p: p + "/" if e["kind"] == "dir" else p for p, e in self.entries.items()}
        order = sorted(self.entries, key=lambda p: names[p])
        pos = {p: i for i, p in enumerate(order)}
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
            for p in order:
                e = self.entries[p]
                ti = tarfile.TarInfo(names[p])
                ti.mtime, ti.mode = EPOCH, e["mode"]
                ti.uid = ti.gid = e["uid"]
                ti.uname = ti.gname = ""
                data = None
                if e["kind"] == "dir":
                    ti.type = tarfile.DIRTYPE
                elif e["kind"] == "symlink":
                    ti.type, ti.linkname = tarfile.SYMTYPE, e["target"]
                elif e["kind"] == "hardlink":
                    assert pos[e["target"]] < pos[p], p
                    ti.type, ti.linkname = tarfile.LNKTYPE, e["target"]
                else:
                    ti.size = len(e["data"])
                    data = io.BytesIO(e["data"])
                tf.addfile(ti, data)
        return buf.getvalue()


# dpkg bookkeeping -----------------------------------------------------------------------

PKG_INFO = {
    # name: (version, section, priority, installed-size KiB, arch, multi-arch, source, depends, description)
    "base-files": ("12.4+deb12u5", "admin", "required", 341, "amd64", None, None, None,
                   "Debian base system miscellaneous files"),
    "curl": ("7.88.1-10+deb12u5", "web", "optional", 500, "amd64", None, None,
             "libc6 (>= 2.34), libcurl4 (= 7.88.1-10+deb12u5), zlib1g (>= 1:1.1.4)",
             "command line tool for transferring data with URL syntax"),
    "dash": ("0.5.12-2", "shells", "required", 191, "amd64", "foreign", None, "debianutils (>= 5.6-0.1)",
             "POSIX-compliant shell"),
    "libc6": ("2.36-9+deb12u4", "libs", "optional", 12988, "amd64", "same", "glibc", "libgcc-s1",
              "GNU C Library: Shared libraries"),
    "python3-minimal": ("3.11.2-1+b1", "python", "optional", 120, "amd64", None, "python3-defaults",
                        "dpkg (>= 1.13.20)", "minimal subset of the Python language (default python3 version)"),
    "python3-pip": ("23.0.1+dfsg-1", "python", "optional", 7136, "all", None, "python-pip",
                    "ca-certificates, python3-distutils, python3-setuptools, python3-wheel, python3:any",
                    "Python package installer"),
    "python3.11": ("3.11.2-6", "python", "optional", 2183, "amd64", "allowed", None,
                   "python3.11-minimal (= 3.11.2-6), libpython3.11-stdlib (= 3.11.2-6), media-types | mime-support",
                   "Interactive high-level object-oriented language (version 3.11)"),
    "python3.11-minimal": ("3.11.2-6", "python", "optional", 6068, "amd64", "allowed", "python3.11",
                           "libpython3.11-minimal (= 3.11.2-6), libexpat1 (>= 2.1~beta3), zlib1g (>= 1:1.2.0)",
                           "Minimal subset of the Python language (version 3.11)"),
    "binutils": ("2.40-2", "devel", "optional", 99, "amd64", None, None,
                 "binutils-common (= 2.40-2), libbinutils (= 2.40-2), binutils-x86-64-linux-gnu (= 2.40-2)",
                 "GNU assembler, linker and binary utilities"),
    "cpp-12": ("12.2.0-14", "interpreters", "optional", 34875, "amd64", "allowed", "gcc-12",
               "gcc-12-base (= 12.2.0-14), libc6 (>= 2.36), libgmp10 (>= 2:6.2.1+dfsg1), libisl23 (>= 0.15)",
               "GNU C preprocessor"),
    "gcc": ("4:12.2.0-3", "devel", "optional", 45, "amd64", None, "gcc-defaults", "cpp (= 4:12.2.0-3), gcc-12 (>= 12.2.0-1~)",
            "GNU C compiler"),
    "gcc-12": ("12.2.0-14", "devel", "optional", 67305, "amd64", None, None,
               "cpp-12 (= 12.2.0-14), gcc-12-base (= 12.2.0-14), libcc1-0 (>= 12.2.0-14), binutils (>= 2.40), libgcc-12-dev (= 12.2.0-14)",
               "GNU C compiler"),
    "libpython3.11-dev": ("3.11.2-6", "libdevel", "optional", 20840, "amd64", "same", "python3.11",
                          "libpython3.11-stdlib (= 3.11.2-6), libpython3.11 (= 3.11.2-6), libexpat1-dev, zlib1g-dev",
                          "Header files and a static library for Python (v3.11)"),
    "python3-dev": ("3.11.2-1+b1", "python", "optional", 37, "amd64", "allowed", "python3-defaults",
                    "python3 (= 3.11.2-1+b1), libpython3-dev (= 3.11.2-1+b1), python3.11-dev (>= 3.11.2-1~)",
                    "header files and a static library for Python (default)"),
    "python3.11-dev": ("3.11.2-6", "python", "optional", 510, "amd64", "allowed", None,
                       "python3.11 (= 3.11.2-6), libpython3.11-dev (= 3.11.2-6), libpython3.11 (= 3.11.2-6), libexpat1-dev",
                       "Header files and a static library for Python (v3.11)"),
}
MAINTAINERS = {"libc6": "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
               "dash": "Andrej Shadura <andrewsh@debian.org>",
               "curl": "Alessandro Ghedini <ghedo@debian.org>",
               "base-files": "Santiago Vila <sanvila@debian.org>",
               "binutils": "Matthias Klose <doko@debian.org>",
               "python3-pip": "Debian Python Team <team+python@tracker.debian.org>"}


def dpkg_status(pkgs):
    out = []
    for name in sorted(pkgs):
        ver, sec, prio, isize, arch, ma, src, deps, desc = PKG_INFO[name]
        s = [f"Package: {name}", "Status: install ok installed", f"Priority: {prio}", f"Section: {sec}",
             f"Installed-Size: {isize}",
             f"Maintainer: {MAINTAINERS.get(name, 'Matthias Klose <doko@debian.org>')}",
             f"Architecture: {arch}"]
        if ma:
            s.append(f"Multi-Arch: {ma}")
        if src:
            s.append(f"Source: {src}")
        s.append(f"Version: {ver}")
        if deps:
            s.append(f"Depends: {deps}")
        if name == "base-files":
            s += ["Essential: yes", "Conffiles:", " /etc/debian_version 8d2e4b5b0e3d1e4e3f0b5a1b6d0c9e21",
                  " /etc/issue 8cbe1a8e3b3e3d1d3a7a1f3f5d9b2f00", " /etc/os-release 4c2a9d6b6f7e1b0f8e2c0d7f1a3b5c99"]
        s.append(f"Description: {desc}")
        s.append(wrap(f"This package is part of the {name} source package. " + LOREM.split(". ")[0] + ".", indent=" ").rstrip("\n"))
        if name != "base-files":
            s.append(f"Homepage: https://packages.debian.org/bookworm/{name}")
        out.append("\n".join(s) + "\n")
    return ("\n".join(out) + "\n").encode()


def dpkg_list(paths):
    """Contents of /var/lib/dpkg/info/<pkg>.list: '/.' then every directory and file, sorted."""
    allp = {"/."}
    for p in paths:
        parts = p.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            allp.add("/" + "/".join(parts[:i]))
    return ("\n".join(sorted(allp)) + "\n").encode()


class PkgLayer(Layer):
    """A layer that also records which Debian package owns each path."""

    def __init__(self, label):
        super().__init__(label)
        self.owned = {}

    def own(self, pkg, path):
        self.owned.setdefault(pkg, []).append(path)

    def pfile(self, pkg, path, data, mode=0o644):
        self.own(pkg, path)
        return self.file(path, data, mode)

    def plink(self, pkg, path, target):
        self.own(pkg, path)
        self.symlink(path, target)

    def write_dpkg_lists(self):
        for pkg, paths in self.owned.items():
            arch = ":amd64" if PKG_INFO[pkg][5] == "same" else ""
            self.file(f"var/lib/dpkg/info/{pkg}{arch}.list", dpkg_list(paths))


# 1. base ------------------------------------------------------------------------------

STDLIB = [  # (path under usr/lib/python3.11, real size in bytes, owning package)
    ("abc.py", 6538), ("codecs.py", 36714), ("collections/__init__.py", 51700), ("contextlib.py", 27635),
    ("copyreg.py", 7135), ("enum.py", 79620), ("functools.py", 38139), ("genericpath.py", 5123),
    ("io.py", 4196), ("keyword.py", 1061), ("operator.py", 10751), ("os.py", 39557),
    ("posixpath.py", 16250), ("re/__init__.py", 16250), ("re/_compiler.py", 26084), ("re/_constants.py", 7177),
    ("re/_parser.py", 41201), ("reprlib.py", 5267), ("site.py", 22965), ("stat.py", 5485),
    ("types.py", 10117), ("warnings.py", 21048), ("_collections_abc.py", 32284), ("_sitebuiltins.py", 3128),
    ("encodings/__init__.py", 5620), ("encodings/aliases.py", 15677), ("encodings/utf_8.py", 1005),
    ("sysconfig.py", 29644), ("_sysconfigdata__x86_64-linux-gnu.py", 40372), ("json/__init__.py", 14020),
    ("json/decoder.py", 12472), ("json/encoder.py", 16073), ("json/scanner.py", 2425),
    ("importlib/__init__.py", 6089), ("importlib/util.py", 11487),
]
STDLIB_SCALE = 0.09


def build_base():
    L = PkgLayer("base")
    for d in ["bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc", "root",
              "run", "sbin", "srv", "sys", "tmp", "usr/local/bin", "usr/local/sbin", "usr/sbin", "var/cache",
              "var/log", "var/tmp", "var/mail", "var/spool", "usr/local/lib/python3.11/dist-packages"]:
        L.dir(d)
    L.pfile("base-files", "etc/os-release",
            'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
            'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n'
            'SUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n')
    L.pfile("base-files", "etc/debian_version", "12.5\n")
    L.pfile("base-files", "etc/issue", "Debian GNU/Linux 12 \\n \\l\n\n")
    users = [("root", 0, 0, "root", "/root", "/bin/bash"), ("daemon", 1, 1, "daemon", "/usr/sbin", None),
             ("bin", 2, 2, "bin", "/bin", None), ("sys", 3, 3, "sys", "/dev", None),
             ("sync", 4, 65534, "sync", "/bin", "/bin/sync"), ("games", 5, 60, "games", "/usr/games", None),
             ("man", 6, 12, "man", "/var/cache/man", None), ("lp", 7, 7, "lp", "/var/spool/lpd", None),
             ("mail", 8, 8, "mail", "/var/mail", None), ("news", 9, 9, "news", "/var/spool/news", None),
             ("uucp", 10, 10, "uucp", "/var/spool/uucp", None), ("proxy", 13, 13, "proxy", "/bin", None),
             ("www-data", 33, 33, "www-data", "/var/www", None), ("backup", 34, 34, "backup", "/var/backups", None),
             ("list", 38, 38, "Mailing List Manager", "/var/list", None), ("irc", 39, 39, "ircd", "/run/ircd", None),
             ("_apt", 42, 65534, "", "/nonexistent", None), ("nobody", 65534, 65534, "nobody", "/nonexistent", None)]
    L.file("etc/passwd", "".join(f"{n}:x:{u}:{g}:{c}:{h}:{s or '/usr/sbin/nologin'}\n" for n, u, g, c, h, s in users))
    groups = ["root:x:0:", "daemon:x:1:", "bin:x:2:", "sys:x:3:", "adm:x:4:", "tty:x:5:", "disk:x:6:", "lp:x:7:",
              "mail:x:8:", "news:x:9:", "uucp:x:10:", "man:x:12:", "proxy:x:13:", "www-data:x:33:",
              "backup:x:34:", "staff:x:50:", "users:x:100:", "nogroup:x:65534:"]
    L.file("etc/group", "\n".join(groups) + "\n")
    L.file("etc/hostname", "")
    L.file("etc/shadow", "".join(f"{u[0]}:*:19766:0:99999:7:::\n" for u in users), mode=0o640)

    L.pfile("dash", "bin/dash", elf("dash", 40 * KIB), 0o755)
    L.plink("dash", "bin/sh", "dash")
    L.pfile("libc6", "lib/x86_64-linux-gnu/libc.so.6", elf("libc", 64 * KIB), 0o755)
    L.pfile("libc6", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", elf("ld", 24 * KIB), 0o755)
    L.pfile("libc6", "lib/x86_64-linux-gnu/libm.so.6", elf("libm", 28 * KIB), 0o644)
    L.plink("libc6", "lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
    L.pfile("curl", "usr/bin/curl", elf("curl", 24 * KIB), 0o755)

    L.pfile("python3.11-minimal", "usr/bin/python3.11", elf("python3.11", 192 * KIB), 0o755)
    L.hardlink("usr/bin/python3.11-real", "usr/bin/python3.11")
    L.own("python3.11-minimal", "usr/bin/python3.11-real")
    L.plink("python3-minimal", "usr/bin/python3", "python3.11")
    for rel, real in STDLIB:
        pkg = "python3.11" if rel.startswith(("json/", "importlib/", "sysconfig", "_sysconfig")) else "python3.11-minimal"
        src = pysrc("stdlib/" + rel, max(400, int(real * STDLIB_SCALE)),
                    f"{rel[:-3].replace('/', '.').replace('.__init__', '')} -- standard library module.")
        path = f"usr/lib/python3.11/{rel}"
        L.pfile(pkg, path, src)
        d, base = path.rsplit("/", 1)
        # byte-compiled by py3compile at install time: legitimate, and owned by no package
        L.file(f"{d}/__pycache__/{base[:-3]}.cpython-311.pyc", pyc(path, src))
    pip_files = {"__init__.py": 13000, "__main__.py": 1200, "_internal/__init__.py": 500,
                 "_internal/main.py": 340, "_internal/cli/main.py": 2400}
    for rel, real in pip_files.items():
        L.pfile("python3-pip", f"usr/lib/python3/dist-packages/pip/{rel}",
                pysrc("pip/" + rel, max(300, real // 4), "pip (Debian packaged)."))
    script = ("#! /usr/bin/python3\n# EASY-INSTALL-ENTRY-SCRIPT: 'pip==23.0.1','console_scripts','pip3'\n"
              "import re\nimport sys\nfrom pip._internal.cli.main import main\nif __name__ == '__main__':\n"
              "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(main())\n")
    L.pfile("python3-pip", "usr/bin/pip3", script, 0o755)
    L.pfile("python3-pip", "usr/bin/pip", script.replace("'pip3'", "'pip'"), 0o755)

    docs = {"base-files": ("base-files", "GPL-2+", 2500), "curl": ("curl", "curl", 3000),
            "dash": ("dash", "BSD-3-clause", 3500), "libc6": ("GNU C Library", "LGPL-2.1+", 9000),
            "python3-minimal": ("python3-defaults", "PSF-2", 1200), "python3-pip": ("pip", "Expat", 6000),
            "python3.11": ("Python", "PSF-2", 8000), "python3.11-minimal": ("Python", "PSF-2", 8000)}
    for pkg, (up, lic, size) in docs.items():
        L.pfile(pkg, f"usr/share/doc/{pkg}/copyright", copyright_file(pkg, up, lic, size))
    L.write_dpkg_lists()
    status = L.file("var/lib/dpkg/status", dpkg_status(docs))
    L.dir("var/lib/dpkg/updates")
    L.dir("var/lib/apt/lists/partial")
    return L, status, sorted(docs)


# 2. apt-get update ----------------------------------------------------------------------


def inrelease(suite, codename, version, size):
    r = rng("inrelease:" + suite)
    head = ("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
            f"Origin: Debian\nLabel: Debian\nSuite: {suite}\nVersion: {version}\nCodename: {codename}\n"
            "Changed: Sat, 10 Feb 2024 10:05:50 UTC\nAcquire-By-Hash: yes\nNo-Support-for-Architecture-all: Packages\n"
            "Architectures: all amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x\n"
            "Components: main contrib non-free-firmware non-free\n"
            f"Description: Debian {version} Released 10 February 2024\nSHA256:\n")
    comps = ["main", "contrib", "non-free", "non-free-firmware"]
    arches = ["amd64", "arm64", "armel", "armhf", "i386", "mips64el", "mipsel", "ppc64el", "s390x", "all"]
    kinds = ["Packages", "Packages.gz", "Packages.xz", "Release", "Contents-{a}", "Contents-{a}.gz"]
    lines, n = [], len(head)
    sig = ("-----BEGIN PGP SIGNATURE-----\n\n" + b64lines(rng("sig" + suite).randbytes(566))
           + "=Xq9v\n-----END PGP SIGNATURE-----\n")
    while n < size - len(sig):
        c, a, k = r.choice(comps), r.choice(arches), r.choice(kinds)
        line = f" {r.randbytes(32).hex()} {r.randint(100, 60000000):>8} {c}/binary-{a}/{k.format(a=a)}\n"
        lines.append(line)
        n += len(line)
    return (head + "".join(lines) + sig).encode()


def lz4(key, size):
    return b"\x04\x22\x4d\x18\x64\x40\xa7" + rbytes(key, size - 7)


APT_LISTS = "var/lib/apt/lists/"


def build_apt_update():
    L = Layer("apt-get update")
    L.dir(APT_LISTS + "partial")
    L.dir(APT_LISTS + "auxfiles")
    L.file(APT_LISTS + "lock", b"", mode=0o640)
    L.file(APT_LISTS + "deb.debian.org_debian_dists_bookworm_InRelease", inrelease("stable", "bookworm", "12.5", 40 * KIB))
    L.file(APT_LISTS + "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", lz4("main", 320 * KIB))
    L.file(APT_LISTS + "deb.debian.org_debian_dists_bookworm-updates_InRelease",
           inrelease("stable-updates", "bookworm-updates", "12-updates", 6 * KIB))
    L.file(APT_LISTS + "deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4", lz4("upd", 2 * KIB))
    L.file(APT_LISTS + "deb.debian.org_debian-security_dists_bookworm-security_InRelease",
           inrelease("stable-security", "bookworm-security", "12", 12 * KIB))
    L.file(APT_LISTS + "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4",
           lz4("sec", 24 * KIB))
    return L


# 3. apt-get install -y gcc python3-dev ---------------------------------------------------

NEW_PKGS = ["binutils", "cpp-12", "gcc", "gcc-12", "libpython3.11-dev", "python3-dev", "python3.11-dev"]
PY_HEADERS = [("Python.h", 3358), ("object.h", 30135), ("pyport.h", 25106), ("listobject.h", 1779),
              ("dictobject.h", 4002), ("longobject.h", 4088), ("unicodeobject.h", 35216),
              ("methodobject.h", 4743), ("cpython/object.h", 21180), ("cpython/listobject.h", 1500)]


def ar_member(name, data):
    hdr = f"{name:<16}{EPOCH:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n".encode()
    assert len(hdr) == 60
    return hdr + data + (b"\n" if len(data) % 2 else b"")


def deb(key, size):
    control = b"\xfd7zXZ\x00" + rbytes(key + ":control", 1530)
    head = b"!<arch>\n" + ar_member("debian-binary", b"2.0\n") + ar_member("control.tar.xz", control)
    rest = size - len(head) - 60
    return head + ar_member("data.tar.xz", b"\xfd7zXZ\x00" + rbytes(key + ":data", rest - 6))


def build_apt_install(base_status, base_pkgs):
    L = PkgLayer("apt-get install")
    L.pfile("gcc-12", "usr/bin/gcc-12", elf("gcc-12", 192 * KIB), 0o755)
    L.plink("gcc-12", "usr/bin/x86_64-linux-gnu-gcc-12", "gcc-12")
    L.pfile("gcc-12", "usr/lib/gcc/x86_64-linux-gnu/12/collect2", elf("collect2", 24 * KIB), 0o755)
    L.pfile("gcc-12", "usr/lib/gcc/x86_64-linux-gnu/12/liblto_plugin.so", elf("lto", 12 * KIB), 0o755)
    L.plink("gcc", "usr/bin/gcc", "gcc-12")
    L.plink("gcc", "usr/bin/x86_64-linux-gnu-gcc", "gcc-12")
    L.pfile("cpp-12", "usr/bin/cpp-12", elf("cpp-12", 20 * KIB), 0o755)
    L.pfile("cpp-12", "usr/lib/gcc/x86_64-linux-gnu/12/cc1", elf("cc1", 320 * KIB), 0o755)
    L.pfile("binutils", "usr/bin/x86_64-linux-gnu-as", elf("as", 28 * KIB), 0o755)
    L.pfile("binutils", "usr/bin/x86_64-linux-gnu-ld.bfd", elf("ld.bfd", 36 * KIB), 0o755)
    L.plink("binutils", "usr/bin/x86_64-linux-gnu-ld", "x86_64-linux-gnu-ld.bfd")
    L.plink("binutils", "usr/bin/as", "x86_64-linux-gnu-as")
    L.plink("binutils", "usr/bin/ld", "x86_64-linux-gnu-ld")
    for rel, real in PY_HEADERS:
        guard = "Py_" + rel.replace("/", "_").replace(".h", "").upper() + "_H"
        L.pfile("libpython3.11-dev", f"usr/include/python3.11/{rel}", cheader(rel, int(real * 0.3), guard))
    L.pfile("libpython3.11-dev", "usr/include/x86_64-linux-gnu/python3.11/pyconfig.h",
            cheader("pyconfig", 8 * KIB, "Py_PYCONFIG_H"))
    L.plink("libpython3.11-dev", "usr/include/python3.11/pyconfig.h", "../x86_64-linux-gnu/python3.11/pyconfig.h")
    L.pfile("python3.11-dev", "usr/bin/x86_64-linux-gnu-python3.11-config",
            "#!/bin/sh\n\n# Keep this script in sync with python-config.in\n\nexit_with_usage ()\n{\n"
            "    echo \"Usage: $0 --prefix|--exec-prefix|--includes|--libs|--cflags|--ldflags|--extension-suffix|--help|--abiflags|--configdir|--embed\"\n"
            "    exit $1\n}\n\nprefix_real=/usr\nincludedir=$(echo \"${prefix}/include\" | sed \"s#$prefix_real#$prefix_real#\")\n"
            "INCDIR=\"-I$includedir/python3.11\"\nPLATINCDIR=\"-I$includedir/x86_64-linux-gnu/python3.11\"\n", 0o755)
    L.plink("python3.11-dev", "usr/bin/python3.11-config", "x86_64-linux-gnu-python3.11-config")
    L.plink("python3-dev", "usr/bin/python3-config", "python3.11-config")
    for pkg, size in [("binutils", 4000), ("cpp-12", 6000), ("gcc", 1500), ("gcc-12", 6000),
                      ("libpython3.11-dev", 3000), ("python3-dev", 1200), ("python3.11-dev", 3000)]:
        up = "GCC" if "gcc" in pkg or "cpp" in pkg else ("binutils" if pkg == "binutils" else "Python")
        L.pfile(pkg, f"usr/share/doc/{pkg}/copyright", copyright_file(pkg, up, "GPL-3+", size))
    L.write_dpkg_lists()
    status = L.file("var/lib/dpkg/status", dpkg_status(base_pkgs + NEW_PKGS))
    status_old = L.file("var/lib/dpkg/status-old", base_status)
    debname = "var/cache/apt/archives/gcc-12_12.2.0-14_amd64.deb"
    L.file(debname, deb("gcc-12.deb", 128 * KIB))
    L.file("var/cache/apt/archives/lock", b"", mode=0o640)
    L.dir("var/cache/apt/archives/partial")
    vers = {p: PKG_INFO[p][0] for p in NEW_PKGS}
    hist = ("\nStart-Date: 2024-02-20  10:15:29\nCommandline: apt-get install -y gcc python3-dev\n"
            "Install: " + ", ".join(f"{p}:amd64 ({vers[p]}{'' if p in ('gcc', 'python3-dev') else ', automatic'})"
                                   for p in NEW_PKGS) + "\nEnd-Date: 2024-02-20  10:15:41\n")
    L.file("var/log/apt/history.log", hist)
    term = ["", "Log started: 2024-02-20  10:15:29"]
    dpkg_log = ["2024-02-20 10:15:31 startup archives unpack"]
    for i, p in enumerate(NEW_PKGS):
        v = vers[p]
        term += [f"Selecting previously unselected package {p}.",
                 "(Reading database ... %d files and directories currently installed.)" % (4187 + 40 * i),
                 f"Preparing to unpack .../{i:02d}-{p}_{v.split(':')[-1]}_amd64.deb ...", f"Unpacking {p} ({v}) ..."]
        dpkg_log += [f"2024-02-20 10:15:{31 + i} install {p}:amd64 <none> {v}",
                     f"2024-02-20 10:15:{31 + i} status half-installed {p}:amd64 {v}",
                     f"2024-02-20 10:15:{31 + i} status unpacked {p}:amd64 {v}"]
    dpkg_log.append("2024-02-20 10:15:39 startup packages configure")
    for p in NEW_PKGS:
        term.append(f"Setting up {p} ({vers[p]}) ...")
        dpkg_log += [f"2024-02-20 10:15:40 configure {p}:amd64 {vers[p]} <none>",
                     f"2024-02-20 10:15:40 status half-configured {p}:amd64 {vers[p]}",
                     f"2024-02-20 10:15:40 status installed {p}:amd64 {vers[p]}"]
    term += ["Processing triggers for libc-bin (2.36-9+deb12u4) ...", "Log ended: 2024-02-20  10:15:41", ""]
    L.file("var/log/apt/term.log", "\n".join(term) + "\n", mode=0o640)
    L.file("var/log/apt/eipp.log.xz", b"\xfd7zXZ\x00" + rbytes("eipp", 3800))
    L.file("var/log/dpkg.log", "\n".join(dpkg_log) + "\n")
    return L, status, status_old, debname


# 4. COPY . /app --------------------------------------------------------------------------

APP_INIT = '"""Acme inventory service."""\n\n__version__ = "0.4.2"\n'
APP_MAIN = '''\
"""Entry point: `python3 -m app [serve|prepare]`."""

import argparse
import sys

from . import core


def main(argv=None):
    parser = argparse.ArgumentParser(prog="app")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "prepare"])
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        core.prepare_model("/tmp/model.bin")
        return 0
    core.serve(port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
APP_CORE = '''\
"""Core logic of the inventory service."""

import hashlib
import http.server
import json
import os

import requests

API_URL = os.environ.get("API_URL", "https://api.example.com/v1")


def fetch_items(session=None):
    session = session or requests.Session()
    headers = {"Authorization": "Bearer " + os.environ.get("API_KEY", "")}
    response = session.get(API_URL + "/items", headers=headers, timeout=10)
    response.raise_for_status()
    return response.json()["items"]


def total_stock(items):
    return sum(int(item.get("stock", 0)) for item in items)


def prepare_model(path):
    """Checksum the downloaded model and record it next to the code."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(port=8080):
    http.server.ThreadingHTTPServer(("", port), Handler).serve_forever()
'''
APP_TEST = '''\
from app import core


def test_total_stock():
    assert core.total_stock([{"stock": 2}, {"stock": "3"}, {}]) == 5


def test_prepare_model(tmp_path):
    model = tmp_path / "model.bin"
    model.write_bytes(b"abc")
    assert core.prepare_model(str(model)).startswith("ba7816bf")
'''
REQUIREMENTS = "requests==2.31.0\ndocopt==0.6.2\npytest==8.0.0\n"


def build_copy():
    L = Layer("COPY . /app")
    L.dir("app")
    L.file("app/Dockerfile", DOCKERFILE)
    L.file("app/README.md", "# inventory service\n\nRun `docker build -t acme/inventory .` then "
                            "`docker run -p 8080:8080 acme/inventory`.\n\nConfiguration lives in `.env` (never commit it!).\n")
    L.file("app/requirements.txt", REQUIREMENTS)
    L.file("app/.gitignore", ".env\n.venv/\n__pycache__/\n*.pyc\n")
    L.file("app/.env", "# local development settings -- FAKE values for the deadweight sample image\n"
                       "API_KEY=fake-not-a-real-key\nDATABASE_URL=postgres://app:fake-password@localhost:5432/app\nDEBUG=1\n")
    L.file("app/app/__init__.py", APP_INIT)
    L.file("app/app/__main__.py", APP_MAIN)
    L.file("app/app/core.py", APP_CORE)
    L.file("app/app/__pycache__/core.cpython-39.pyc", pyc("app/core-39", APP_CORE.encode(), tag="39", ratio=1.3))
    L.file("app/tests/__init__.py", "")
    L.file("app/tests/test_core.py", APP_TEST)
    # the developer's git checkout
    g = "app/.git/"
    head = hexid("git-head")
    L.file(g + "HEAD", "ref: refs/heads/main\n")
    L.file(g + "config", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
                         "\tlogallrefupdates = true\n[remote \"origin\"]\n\turl = git@git.example.com:acme/inventory.git\n"
                         "\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\tremote = origin\n"
                         "\tmerge = refs/heads/main\n")
    L.file(g + "description", "Unnamed repository; edit this file 'description' to name the repository.\n")
    L.file(g + "packed-refs", f"# pack-refs with: peeled fully-peeled sorted \n{head} refs/heads/main\n"
                              f"{head} refs/remotes/origin/main\n")
    L.file(g + "logs/HEAD", f"{'0' * 40} {head} Dev Eloper <dev@example.com> 1708420000 +0100\tclone: from "
                            "git@git.example.com:acme/inventory.git\n")
    L.dir(g + "refs/heads")
    L.dir(g + "refs/tags")
    L.dir(g + "objects/info")
    L.file(g + "info/exclude", "# git ls-files --others --exclude-from=.git/info/exclude\n# Lines that start with '#' are comments.\n")
    nobj = 412
    body = b"PACK" + struct.pack(">II", 2, nobj) + rbytes("git-pack", 96 * KIB - 32)
    pack = body + hashlib.sha1(body).digest()
    packname = hashlib.sha1(pack).hexdigest()
    idx = b"\xfftOc" + struct.pack(">I", 2) + rbytes("git-idx", 1024 + nobj * 28) + pack[-20:]
    idx += hashlib.sha1(idx).digest()
    L.file(g + f"objects/pack/pack-{packname}.pack", pack, mode=0o444)
    L.file(g + f"objects/pack/pack-{packname}.idx", idx, mode=0o444)
    index = b"DIRC" + struct.pack(">II", 2, 11) + rbytes("git-index", 1100)
    L.file(g + "index", index + hashlib.sha1(index).digest())
    # a virtualenv from the developer's laptop
    v = "app/.venv/"
    L.file(v + "pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n"
                             "executable = /usr/bin/python3.11\ncommand = /usr/bin/python3 -m venv /home/dev/src/inventory/.venv\n")
    L.symlink(v + "bin/python", "/usr/bin/python3")
    L.symlink(v + "bin/python3", "python")
    L.symlink(v + "bin/python3.11", "python")
    L.file(v + "bin/activate", "# This file must be used with \"source bin/activate\" *from bash*\n"
                               "# you cannot run it directly\n\ndeactivate () {\n    unset -f pydoc >/dev/null 2>&1 || true\n}\n\n"
                               "VIRTUAL_ENV=\"/home/dev/src/inventory/.venv\"\nexport VIRTUAL_ENV\n\n"
                               "_OLD_VIRTUAL_PATH=\"$PATH\"\nPATH=\"$VIRTUAL_ENV/bin:$PATH\"\nexport PATH\n")
    L.symlink(v + "lib64", "lib")
    sp = v + "lib/python3.11/site-packages/"
    L.file(sp + "six.py", pysrc("venv/six", 9 * KIB, "Utilities for writing code that runs on Python 2 and 3"))
    L.file(sp + "_distutils_hack/__init__.py", pysrc("venv/dh", 2 * KIB, "Shim for distutils, from setuptools."))
    L.file(sp + "distutils-precedence.pth",
           "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
           "enabled and __import__('_distutils_hack').add_shim(); \n")
    return L


# 5. pip install -r requirements.txt ------------------------------------------------------

DIST = "usr/local/lib/python3.11/dist-packages/"
PKG_SCALE = 0.06

# name, version, import dirs/modules with (relpath, real size), top_level, wheel tag, summary, license,
# requires-python, requires-dist, console scripts, real wheel size
PYPKGS = [
    ("requests", "2.31.0", [("requests/__init__.py", 4965), ("requests/__version__.py", 435),
                            ("requests/adapters.py", 19553), ("requests/api.py", 6449), ("requests/auth.py", 10186),
                            ("requests/compat.py", 1485), ("requests/cookies.py", 18560),
                            ("requests/exceptions.py", 3823), ("requests/models.py", 35288),
                            ("requests/sessions.py", 30180), ("requests/structures.py", 2912),
                            ("requests/utils.py", 33213)],
     "requests", "py3-none-any", "Python HTTP for Humans.", "Apache 2.0", ">=3.7",
     ["charset-normalizer <4,>=2", "idna <4,>=2.5", "urllib3 <3,>=1.21.1", "certifi >=2017.4.17"], [], 62574),
    ("urllib3", "2.2.0", [("urllib3/__init__.py", 6000), ("urllib3/_collections.py", 16832),
                          ("urllib3/connection.py", 34843), ("urllib3/connectionpool.py", 42813),
                          ("urllib3/exceptions.py", 9050), ("urllib3/poolmanager.py", 22370),
                          ("urllib3/response.py", 42063), ("urllib3/util/__init__.py", 1001),
                          ("urllib3/util/retry.py", 18384), ("urllib3/util/url.py", 15205), ("urllib3/py.typed", 93)],
     None, "py3-none-any", "HTTP library with thread-safe connection pooling, file post, and more.", "MIT", ">=3.8",
     [], [], 120878),
    ("idna", "3.6", [("idna/__init__.py", 849), ("idna/codec.py", 3374), ("idna/core.py", 12663),
                     ("idna/idnadata.py", 78320), ("idna/intranges.py", 1881), ("idna/uts46data.py", 206539),
                     ("idna/py.typed", 0)],
     None, "py3-none-any", "Internationalized Domain Names in Applications (IDNA)", "BSD-3-Clause", ">=3.5",
     [], [], 61567),
    ("certifi", "2024.2.2", [("certifi/__init__.py", 94), ("certifi/__main__.py", 243), ("certifi/core.py", 4279),
                             ("certifi/cacert.pem", 180000), ("certifi/py.typed", 0)],
     "certifi", "py3-none-any", "Python package for providing Mozilla's CA Bundle.", "MPL-2.0", ">=3.6",
     [], [], 163774),
    ("charset_normalizer", "3.3.2", [("charset_normalizer/__init__.py", 1577), ("charset_normalizer/api.py", 21097),
                                     ("charset_normalizer/cd.py", 12560), ("charset_normalizer/constant.py", 39713),
                                     ("charset_normalizer/md.py", 19624), ("charset_normalizer/models.py", 11482),
                                     ("charset_normalizer/utils.py", 11894), ("charset_normalizer/version.py", 79),
                                     ("charset_normalizer/md.cpython-311-x86_64-linux-gnu.so", 16064),
                                     ("charset_normalizer/cli/__init__.py", 100),
                                     ("charset_normalizer/cli/__main__.py", 9744), ("charset_normalizer/py.typed", 0)],
     "charset_normalizer", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
     "The Real First Universal Charset Detector. Open, modern and actively maintained alternative to Chardet.",
     "MIT", ">=3.7.0", [], [("normalizer", "charset_normalizer.cli:cli_detect")], 140280),
    ("pytest", "8.0.0", [("pytest/__init__.py", 5169), ("pytest/__main__.py", 154), ("pytest/py.typed", 0),
                         ("py.py", 263), ("_pytest/__init__.py", 356), ("_pytest/_version.py", 411),
                         ("_pytest/main.py", 36573), ("_pytest/python.py", 70215), ("_pytest/fixtures.py", 70467),
                         ("_pytest/config/__init__.py", 67474), ("_pytest/assertion/__init__.py", 6475),
                         ("_pytest/assertion/rewrite.py", 46620), ("_pytest/runner.py", 18236),
                         ("_pytest/terminal.py", 54387)],
     "_pytest\npy\npytest", "py3-none-any", "pytest: simple powerful testing with Python", "MIT", ">=3.8",
     ["iniconfig", "packaging", "pluggy <2.0,>=1.3.0"],
     [("py.test", "pytest:console_main"), ("pytest", "pytest:console_main")], 334024),
    ("pluggy", "1.4.0", [("pluggy/__init__.py", 811), ("pluggy/_callers.py", 5991), ("pluggy/_hooks.py", 22989),
                         ("pluggy/_manager.py", 18246), ("pluggy/_result.py", 3096), ("pluggy/_tracing.py", 2073),
                         ("pluggy/_version.py", 411), ("pluggy/_warnings.py", 828), ("pluggy/py.typed", 0)],
     "pluggy", "py3-none-any", "plugin and hook calling mechanisms for python", "MIT", ">=3.8", [], [], 20120),
    ("iniconfig", "2.0.0", [("iniconfig/__init__.py", 5462), ("iniconfig/_parse.py", 2436),
                            ("iniconfig/_version.py", 160), ("iniconfig/exceptions.py", 490), ("iniconfig/py.typed", 0)],
     None, "py3-none-any", "brain-dead simple config-ini parsing", "MIT", ">=3.7", [], [], 5892),
    ("packaging", "23.2", [("packaging/__init__.py", 501), ("packaging/_elffile.py", 3266),
                           ("packaging/_manylinux.py", 9588), ("packaging/_parser.py", 10194),
                           ("packaging/_tokenizer.py", 5292), ("packaging/markers.py", 8232),
                           ("packaging/requirements.py", 3287), ("packaging/specifiers.py", 39778),
                           ("packaging/tags.py", 18106), ("packaging/utils.py", 5268), ("packaging/version.py", 16326),
                           ("packaging/py.typed", 0)],
     None, "py3-none-any", "Core utilities for Python packages", "", ">=3.7", [], [], 53011),
    ("docopt", "0.6.2", [("docopt.py", 19946)],
     "docopt", "py2.py3-none-any", "Pythonic argument parser, that will make you smile", "MIT", None, [], [], 13704),
]
DEV_DEPS = {"pytest", "pluggy", "iniconfig", "packaging"}
REQUESTED = {"requests", "docopt", "pytest"}


def cacert_pem(target):
    r = rng("cacert")
    out, n, i = [], 0, 0
    while n < target:
        i += 1
        name = f"{r.choice(['Global', 'Trusted', 'Secure', 'Universal', 'Root'])} {r.choice(['Root', 'Services', 'Trust'])} CA {i}"
        der = r.randbytes(r.randint(850, 1450))
        fp = lambda k: ":".join(f"{b:02X}" for b in hashlib.new(k, der).digest())
        block = (f"\n# Issuer: CN={name} O=Example Trust Services {i}\n# Subject: CN={name} O=Example Trust Services {i}\n"
                 f"# Label: \"{name}\"\n# Serial: {int.from_bytes(der[:16], 'big')}\n# MD5 Fingerprint: {fp('md5')}\n"
                 f"# SHA1 Fingerprint: {fp('sha1')}\n# SHA256 Fingerprint: {fp('sha256')}\n"
                 f"-----BEGIN CERTIFICATE-----\n{b64lines(der)}-----END CERTIFICATE-----\n")
        out.append(block)
        n += len(block)
    return "".join(out).encode()


def metadata(name, ver, summary, lic, req_py, reqs):
    m = ["Metadata-Version: 2.1", f"Name: {name.replace('_', '-')}", f"Version: {ver}", f"Summary: {summary}",
         f"Home-page: https://pypi.org/project/{name.replace('_', '-')}/", f"Author: The {name} developers"]
    if lic:
        m.append(f"License: {lic}")
    m += ["Classifier: Programming Language :: Python :: 3", "Classifier: Operating System :: OS Independent"]
    if req_py:
        m.append(f"Requires-Python: {req_py}")
    m.append("Description-Content-Type: text/markdown")
    m += [f"Requires-Dist: {r}" for r in reqs]
    body = f"\n# {name}\n\n{summary}\n\n" + wrap(LOREM) + "\n" + wrap(LOREM)
    return ("\n".join(m) + "\n" + body).encode()


def console_script(module_func):
    mod, func = module_func.split(":")
    return (f"#!/usr/bin/python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {mod} import {func.split('.')[0]}\n"
            f"if __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
            f"    sys.exit({func}())\n").encode()


def build_pip():
    L = Layer("pip install")
    dev_bytes = 0
    for (name, ver, files, top, tag, summary, lic, req_py, reqs, scripts, whl_size) in PYPKGS:
        distinfo = f"{name}-{ver}.dist-info/"
        rows, pkg_bytes = [], 0
        for rel, real in files:
            if rel.endswith(".pem"):
                data = cacert_pem(real)
            elif rel.endswith(".so"):
                data = elf(rel, max(4096, int(real * 0.5)))
            elif rel.endswith(".typed"):
                data = b"" if real == 0 else b"# Marker file for PEP 561.\n"
            else:
                data = pysrc(rel, max(120, int(real * PKG_SCALE)), f"{rel[:-3].replace('/', '.')} ({name} {ver}).")
            L.file(DIST + rel, data)
            rows.append((rel, record_hash(data), str(len(data))))
            pkg_bytes += len(data)
            if rel.endswith(".py"):
                d, _, base = rel.rpartition("/")
                pycrel = (d + "/" if d else "") + f"__pycache__/{base[:-3]}.cpython-311.pyc"
                pc = L.file(DIST + pycrel, pyc(DIST + rel, data))
                rows.append((pycrel, "", ""))
                pkg_bytes += len(pc)
        meta = {"METADATA": metadata(name, ver, summary, lic, req_py, reqs),
                "WHEEL": (f"Wheel-Version: 1.0\nGenerator: bdist_wheel (0.42.0)\n"
                          f"Root-Is-Purelib: {'false' if 'cp311' in tag else 'true'}\nTag: {tag}\n\n").encode(),
                "INSTALLER": b"pip\n", "LICENSE": wrap(LOREM).encode()}
        if top:
            meta["top_level.txt"] = (top + "\n").encode()
        if name in REQUESTED:
            meta["REQUESTED"] = b""
        if scripts:
            meta["entry_points.txt"] = ("[console_scripts]\n" + "".join(f"{s} = {t}\n" for s, t in scripts) + "\n").encode()
        for fn, data in meta.items():
            L.file(DIST + distinfo + fn, data)
            rows.append((distinfo + fn, record_hash(data), str(len(data))))
            pkg_bytes += len(data)
        for s, target in scripts:
            data = L.file(f"usr/local/bin/{s}", console_script(target), mode=0o755)
            rows.append((f"../../../bin/{s}", record_hash(data), str(len(data))))
            pkg_bytes += len(data)
        rows.append((distinfo + "RECORD", "", ""))
        record = "".join(f"{p},{h},{n}\r\n" for p, h, n in sorted(rows)).encode()
        L.file(DIST + distinfo + "RECORD", record)
        pkg_bytes += len(record)
        if name in DEV_DEPS:
            dev_bytes += pkg_bytes
    # pip's HTTP cache (one response per downloaded artifact) and its built-wheel cache
    cache = "root/.cache/pip/"
    for (name, ver, files, top, tag, summary, lic, req_py, reqs, scripts, whl_size) in PYPKGS:
        if name == "docopt":
            fname, magic = f"docopt-{ver}.tar.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            whl_size = 25901
        else:
            fname, magic = f"{name}-{ver}-{tag}.whl", b"PK\x03\x04\x14\x00\x00\x00\x08\x00"
        url = f"https://files.pythonhosted.org/packages/{hexid(fname, 2)}/{hexid(fname + 'b', 2)}/{hexid(fname + 'c', 60)}/{fname}"
        h = hashlib.sha224(url.encode()).hexdigest()
        d = f"{cache}http-v2/{h[0]}/{h[1]}/{h[2]}/{h[3]}/{h[4]}/"
        L.file(d + h, b"cc=4," + rbytes("hdr:" + url, 1200 + len(url)))
        L.file(d + h + ".body", magic + rbytes("body:" + url, int(whl_size * 0.25) - len(magic)))
    h = hashlib.sha224(b"https://files.pythonhosted.org/packages/docopt-0.6.2.tar.gz").hexdigest()
    L.file(f"{cache}wheels/{h[:2]}/{h[2:4]}/{h[4:6]}/{h[6:]}/docopt-0.6.2-py2.py3-none-any.whl",
           b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + rbytes("docopt-whl", 13704 // 2))
    L.file(f"{cache}selfcheck/{hexid('selfcheck', 56)}.json",
           '{"key": "/usr", "last_check": "2024-02-20T10:16:02Z", "pypi_version": "24.0"}')
    return L, dev_bytes


# 6-8 -----------------------------------------------------------------------------------


def build_model():
    L = Layer("curl model")
    L.dir("tmp")
    L.file("tmp/model.bin", rbytes("model.bin", MIB))
    # `python3 -m app prepare` runs as root and byte-compiles the app next to its sources
    for mod, src in [("__init__", APP_INIT), ("__main__", APP_MAIN), ("core", APP_CORE)]:
        L.file(f"app/app/__pycache__/{mod}.cpython-311.pyc", pyc(f"app/{mod}", src.encode()))
    return L


def build_rm():
    L = Layer("rm")
    L.dir("tmp")
    L.whiteout("tmp/.wh.model.bin")
    L.dir("var/lib/apt/lists")
    L.whiteout("var/lib/apt/lists/.wh..wh..opq", mode=0o755)
    return L


def build_chown(*lower):
    L = Layer("chown")
    merged = {}
    for layer in lower:
        for p, e in layer.entries.items():
            if p == "app" or p.startswith("app/"):
                merged[p] = e
    for p, e in merged.items():
        if e["kind"] == "dir":
            L.dir(p, mode=e["mode"], uid=1000)
        elif e["kind"] == "symlink":
            L.symlink(p, e["target"], uid=1000)
        else:
            L.file(p, e["data"], mode=e["mode"], uid=1000)
    return L


# --------------------------------------------------------------------------------------
# image assembly
# --------------------------------------------------------------------------------------


def go_json(obj):
    """Compact JSON the way Go's encoding/json writes it (HTML-sensitive characters escaped)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


EMPTY_CONTAINER_CONFIG = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": False,
    "AttachStderr": False, "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": None, "Cmd": None,
    "Image": "", "Volumes": None, "WorkingDir": "", "Entrypoint": None, "OnBuild": None, "Labels": None,
}


def main():
    base, base_status, base_pkgs = build_base()
    update = build_apt_update()
    install, status, status_old, debname = build_apt_install(base_status, base_pkgs)
    copy = build_copy()
    pip, dev_bytes = build_pip()
    model = build_model()
    rm = build_rm()
    chown = build_chown(copy, model)
    layers = [base, update, install, copy, pip, model, rm, chown]
    tars = [layer.tar() for layer in layers]
    diff_ids = ["sha256:" + hashlib.sha256(t).hexdigest() for t in tars]

    bk = "buildkit.dockerfile.v0"
    add_hex = "0123abcd" + hashlib.sha256(b"deadweight-sample-base").hexdigest()[8:]
    history = [
        {"created": BASE_CREATED, "created_by": f"/bin/sh -c #(nop) ADD file:{add_hex} in / "},
        {"created": "2024-02-13T00:20:55.563283539Z", "created_by": '/bin/sh -c #(nop)  CMD ["bash"]',
         "empty_layer": True},
        {"created": ts(15, 10), "created_by": f"ENV {ENV_PATH} {ENV_LANG}", "comment": bk, "empty_layer": True},
        {"created": ts(15, 10), "created_by": "RUN /bin/sh -c apt-get update # buildkit", "comment": bk},
        {"created": ts(15, 41), "created_by": "RUN /bin/sh -c apt-get install -y gcc python3-dev # buildkit",
         "comment": bk},
        {"created": ts(15, 42), "created_by": "WORKDIR /app", "comment": bk, "empty_layer": True},
        {"created": ts(15, 42), "created_by": "COPY . /app # buildkit", "comment": bk},
        {"created": ts(16, 3), "created_by": "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
         "comment": bk},
        {"created": ts(16, 9), "created_by": "RUN /bin/sh -c curl -o /tmp/model.bin https://models.example.com/v1/model.bin "
                                             "    && python3 -m app prepare # buildkit", "comment": bk},
        {"created": ts(16, 10), "created_by": "RUN /bin/sh -c rm -rf /tmp/model.bin /var/lib/apt/lists/* # buildkit",
         "comment": bk},
        {"created": ts(16, 11), "created_by": "RUN /bin/sh -c chown -R 1000:1000 /app # buildkit", "comment": bk},
        {"created": ts(16, 11), "created_by": 'CMD ["python3" "-m" "app"]', "comment": bk, "empty_layer": True},
    ]
    assert sum(1 for h in history if not h.get("empty_layer")) == len(layers)
    created = history[-1]["created"]
    image_config = {"Env": [ENV_PATH, ENV_LANG], "Cmd": ["python3", "-m", "app"], "WorkingDir": "/app",
                    "ArgsEscaped": True, "OnBuild": None}
    config = {"architecture": "amd64", "config": image_config, "created": created, "history": history,
              "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    config_bytes = go_json(config).encode()
    config_hex = hashlib.sha256(config_bytes).hexdigest()

    # v1-compatible layer ids, computed the way Docker's save does (v1.CreateID)
    layer_hist = [h for h in history if not h.get("empty_layer")]
    files = {}
    parent, chain = "", ""
    layer_ids = []
    for i, (t, diff) in enumerate(zip(tars, diff_ids)):
        chain = diff if i == 0 else "sha256:" + hashlib.sha256(f"{chain} {diff}".encode()).hexdigest()
        v1 = {"created": layer_hist[i]["created"], "container_config": EMPTY_CONTAINER_CONFIG, "os": "linux"}
        if i == len(tars) - 1:
            v1 = {"architecture": "amd64", "config": image_config, "container_config": EMPTY_CONTAINER_CONFIG,
                  "created": created, "os": "linux"}
        ident = dict(v1, layer_id=chain)
        if parent:
            ident["parent"] = "sha256:" + parent
        lid = hashlib.sha256(json.dumps(ident, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        v1json = {"id": lid}
        if parent:
            v1json["parent"] = parent
        v1json.update(v1)
        files[f"{lid}/VERSION"] = b"1.0"
        files[f"{lid}/json"] = go_json(v1json).encode()
        files[f"{lid}/layer.tar"] = t
        layer_ids.append(lid)
        parent = lid
    files[f"{config_hex}.json"] = config_bytes
    manifest = [{"Config": f"{config_hex}.json", "RepoTags": [":".join(REPO_TAG)],
                 "Layers": [f"{lid}/layer.tar" for lid in layer_ids]}]
    files["manifest.json"] = (go_json(manifest) + "\n").encode()
    files["repositories"] = (go_json({REPO_TAG[0]: {REPO_TAG[1]: layer_ids[-1]}}) + "\n").encode()

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        names = sorted(set(files) | {lid + "/" for lid in layer_ids})
        for name in names:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = EPOCH, 0, 0, "", ""
            if name.endswith("/"):
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                tf.addfile(ti)
            else:
                ti.mode, ti.size = 0o644, len(files[name])
                tf.addfile(ti, io.BytesIO(files[name]))
    OUT.write_bytes(buf.getvalue())

    # ---- report the seeded waste (exact content bytes, as SAMPLE.md quotes them)
    def sel(layer, pred):
        return sum(len(e["data"]) for p, e in layer.entries.items() if e["kind"] == "file" and pred(p))

    toolchain = sel(install, lambda p: p.startswith(("usr/bin/", "usr/lib/gcc/", "usr/include/")))
    waste = [
        ("L2 apt lists, deleted in L7 (still in L2)", update.nbytes(APT_LISTS)),
        ("L3 cached .deb " + debname, len(install.entries[debname]["data"])),
        ("L3 build toolchain + headers (gcc, cc1, binutils, Python.h)", toolchain),
        ("L3 dpkg status-old + apt/dpkg logs", len(status_old) + install.nbytes("var/log/")),
        ("L3 shadows L1 /var/lib/dpkg/status", len(base_status)),
        ("L4 /app/.git", copy.nbytes("app/.git/")),
        ("L4 /app/.venv (leaked virtualenv)", copy.nbytes("app/.venv/")),
        ("L4 /app/.env (fake secret)", copy.nbytes("app/.env")),
        ("L4 stale cpython-39 .pyc", copy.nbytes("app/app/__pycache__/core.cpython-39.pyc")),
        ("L4 tests + Dockerfile + README", copy.nbytes("app/tests/") + copy.nbytes("app/Dockerfile")
         + copy.nbytes("app/README.md")),
        ("L5 /root/.cache/pip", pip.nbytes("root/.cache/pip/")),
        ("L5 dev deps at runtime (pytest, pluggy, iniconfig, packaging)", dev_bytes),
        ("L6 /tmp/model.bin, deleted in L7 (still in L6)", model.nbytes("tmp/model.bin")),
        ("L8 chown -R duplicates of /app (metadata-only change)", chown.nbytes()),
    ]
    legit_pyc = sel(base, lambda p: p.endswith(".pyc"))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, sha256 {hashlib.sha256(buf.getvalue()).hexdigest()})")
    print(f"config {config_hex}")
    for i, (layer, t, lid) in enumerate(zip(layers, tars, layer_ids), 1):
        print(f"layer {i} {lid[:12]} {layer.label:16} content {layer.nbytes():>8}  tar {len(t):>8}  "
              f"entries {len(layer.entries)}")
    print(f"image content bytes (all layers): {sum(layer.nbytes() for layer in layers)}")
    print("seeded waste (content bytes):")
    for what, n in waste:
        print(f"  {n:>8}  {what}")
    print(f"legitimate base-layer bytecode (not waste): {legit_pyc}")
    print(f"hard link usr/bin/python3.11-real shares {len(base.entries['usr/bin/python3.11']['data'])} bytes")
    df = HERE / "sample.Dockerfile"
    if df.exists() and df.read_text() != DOCKERFILE:
        print("warning: assets/sample.Dockerfile differs from the DOCKERFILE embedded here", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
