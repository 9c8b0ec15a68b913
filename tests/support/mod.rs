//! Shared helpers of the integration tests: running the real binary, loading an image through
//! the library, normalising reports for comparison, finding the corpus, and the rich fixture
//! image that exercises every tar feature at once.

#![allow(dead_code)]

pub mod buildah;
pub mod compression;
pub mod containerd;
pub mod dockerd;
pub mod fixture;
pub mod layout;
pub mod pybase;
pub mod servers;
pub mod tarball;
pub mod token;
pub mod verified;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use deadweight::analysis::{self, Analysis};
use deadweight::source::{self, LoadOptions};
use fixture::{Image, Layer};

/// The `deadweight` binary, with the CI environment of the test run itself removed: `.ci/run`
/// sets `CI=true`, which (stdout being a pipe) would turn on CI mode in every test, and a run
/// under GitHub Actions must not annotate or write the real step summary.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("deadweight").unwrap();
    for var in [
        "CI",
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_WORKSPACE",
        "DEADWEIGHT_CACHE",
    ] {
        cmd.env_remove(var);
    }
    // The user's scan cache stays out of the tests; tests/cache.rs turns a cache of its own on.
    cmd.env("DEADWEIGHT_NO_CACHE", "1");
    cmd
}

/// Runs `deadweight ARGS... --json -`, asserts success, and parses the report.
pub fn report(args: &[&str]) -> Value {
    let out = bin().args(args).args(["--json", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "deadweight {args:?} failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("deadweight {args:?}: bad JSON: {e}"))
}

/// The report of the image at `path`.
pub fn report_of(path: &Path) -> Value {
    report(&[path.to_str().unwrap()])
}

/// Runs `deadweight ARGS...` expecting a clean failure: exit 2, no panic. Returns stderr.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "expected exit 2, stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "the binary panicked: {stderr}");
    stderr
}

/// Runs `deadweight PATH --json -` expecting exit 2; returns stderr.
pub fn fails_on(path: &Path) -> String {
    fails(bin().arg(path).args(["--json", "-"]))
}

/// The report without the fields that legitimately depend on the container: the reference,
/// format, manifest digest and tags of the image, and the blob digest, media type,
/// compression, blob size and pull size of each layer (and their totals).
pub fn comparable(mut report: Value) -> Value {
    let image = report["image"].as_object_mut().unwrap();
    for key in ["reference", "format", "digest", "tags"] {
        image.remove(key);
    }
    let totals = report["totals"].as_object_mut().unwrap();
    totals.remove("compressed_bytes");
    totals.remove("pull_bytes");
    for layer in report["layers"].as_array_mut().unwrap() {
        let layer = layer.as_object_mut().unwrap();
        for key in ["digest", "media_type", "compression", "compressed_bytes", "pull_bytes"] {
            layer.remove(key);
        }
    }
    report
}

/// Loads and analyses an image through the library, as the binary would.
pub fn analyze(arg: &str) -> Analysis {
    analyze_with(arg, &LoadOptions::default())
}

/// Loads and analyses an image through the library with explicit options.
pub fn analyze_with(arg: &str, opts: &LoadOptions) -> Analysis {
    let spec = source::reference::parse(arg, None).unwrap();
    let loaded = source::load(&spec, opts).unwrap_or_else(|e| panic!("loading {arg}: {e}"));
    analysis::analyze(loaded)
}

/// Writes `image` as an OCI archive in `dir` and analyses it through the library.
pub fn analyze_image(dir: &Path, image: &Image) -> Analysis {
    let path = fixture_path(dir, "image.tar");
    layout::oci_index(std::slice::from_ref(image), false).write_tar(&path);
    analyze(path.to_str().unwrap())
}

fn fixture_path(dir: &Path, name: &str) -> PathBuf {
    let mut path = dir.join(name);
    let mut n = 0;
    while path.exists() {
        n += 1;
        path = dir.join(format!("{n}-{name}"));
    }
    path
}

/// The corpus folder: `$DEADWEIGHT_CORPUS`, else `../shared/corpus` next to the project.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("DEADWEIGHT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no corpus at {} (set DEADWEIGHT_CORPUS)", dir.display());
        None
    }
}

/// A temporary directory.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// An image with every tar feature: files, dirs, symlinks, hard links, devices, fifos, file
/// and directory whiteouts, an opaque directory, PAX and GNU long names, `./` prefixes, a path
/// stored twice in one layer, a non-UTF-8 name, a chmod/chown-only change, and history with
/// `empty_layer` entries.
pub fn rich_image() -> Image {
    let long = format!("deep/{}/file.txt", "d".repeat(120));
    let gnu_long = format!("gnu/{}/file.txt", "g".repeat(150));
    let base = Layer::new()
        .dir("etc")
        .file("etc/app.conf", "setting = 1\n")
        .dir("data")
        .file("data/big.bin", vec![7u8; 5000])
        .file("data/keep.txt", "keep me")
        .dir("data/cache")
        .file("data/cache/a", vec![1u8; 700])
        .file("data/cache/sub/b", vec![2u8; 300])
        .dir("opq")
        .file("opq/old.txt", "old")
        .hardlink("data/keep-link.txt", "data/keep.txt")
        .symlink("latest", "data/keep.txt")
        .symlink("abs-link", "/etc/app.conf")
        .char_device("dev/null", 1, 3)
        .fifo("run/pipe")
        .file(&long, "pax long name")
        .file(b"caf\xe9.txt", "latin-1 name");
    let second = Layer::new()
        .gnu_long_names()
        .whiteout("data/big.bin")
        .whiteout("data/cache")
        .whiteout("no/such/file")
        .file_with("etc/app.conf", "setting = 1\n", 0o600, 1000, 1000)
        .file("./twice.txt", "first")
        .file("twice.txt", "second!")
        .file(&gnu_long, "gnu long name")
        .symlink(
            format!("links/{}", "l".repeat(110)),
            format!("/target/{}", "t".repeat(110)),
        );
    // Incompressible and over 64 KiB, so streams decode it on the fly instead of keeping it.
    let noise = noise(90_000);
    let third = Layer::new()
        .file("opq/new.txt", "new")
        .opaque("opq")
        .file("data/keep.txt", "changed")
        .file("data/noise.bin", noise);
    Image::new()
        .empty_layer("ARG VERSION=1")
        .layer("ADD rootfs.tar / # base", base)
        .empty_layer("ENV A=1")
        .layer(
            "RUN rm -rf /data/cache /data/big.bin && chmod 600 /etc/app.conf",
            second,
        )
        .layer("COPY . /", third)
        .empty_layer("CMD [\"/bin/sh\"]")
        .tag("rich:1")
}

/// `len` incompressible bytes (xorshift64*), the same on every run.
pub fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// The byte identities every analysis must satisfy: shipped = final + hidden, every hidden
/// byte deleted or replaced by some layer, each layer's bytes added or modified.
pub fn assert_balanced(a: &Analysis) {
    let t = &a.totals;
    assert_eq!(t.bytes, t.final_bytes + t.hidden_bytes, "{t:?}");
    assert_eq!(
        a.merge.iter().map(|m| m.hidden_later_bytes).sum::<u64>(),
        t.hidden_bytes
    );
    let removed: u64 = a.merge.iter().map(|m| m.deleted_bytes + m.replaced_bytes).sum();
    assert_eq!(
        removed, t.hidden_bytes,
        "every hidden byte was deleted or replaced by some layer"
    );
    let layer_bytes: u64 = a.layers().iter().map(|l| l.scan.content_bytes).sum();
    assert_eq!(layer_bytes, t.bytes);
    for (l, m) in a.layers().iter().zip(&a.merge) {
        assert_eq!(
            m.added_bytes + m.modified_bytes,
            l.scan.content_bytes,
            "layer {}",
            l.index
        );
    }
    assert_eq!(t.final_bytes, a.final_fs.bytes);
    assert_eq!(t.files, a.final_fs.files);
}
