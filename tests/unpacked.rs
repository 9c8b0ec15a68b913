//! The final filesystem against an independent implementation of the layer rules: umoci
//! unpacks the same OCI layout (rootless, into a temporary directory), and every path of its
//! rootfs must be a visible entry of our merged tree with the same kind, size, link target and
//! permission bits, and every visible entry of ours must be in the rootfs. Images: the rich
//! fixture (every tar feature and whiteout form), a generated image with thousands of
//! whiteouts over lower files, overwrites, hard links and deep paths, and the corpus' OCI
//! archives. Skips with a notice where umoci is missing; fails instead where
//! `DEADWEIGHT_REQUIRE_SERVERS` is set (CI).

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use deadweight::model::{EntryKind, Tree};

use crate::support::fixture::{descriptor, digest};
use crate::support::layout::{Members, index_json, oci_index};
use crate::support::servers::{have, skip};
use crate::support::{analyze, corpus_dir, rich_image, tmp};

// The synthetic image generator (`cargo run --example genimage`), as in the benchmarks.
#[path = "../examples/genimage.rs"]
mod genimage;

/// What is at one path of a filesystem, as both sides can tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Dir {
        mode: u32,
    },
    /// A regular file; `size` is `None` for a hard link, whose size is its target's.
    File {
        size: Option<u64>,
        mode: u32,
    },
    Symlink {
        target: Vec<u8>,
    },
    /// A fifo.
    Fifo {
        mode: u32,
    },
}

/// Rootless unpacking cannot create device nodes and writes an empty file in their place.
const DEVICE: Seen = Seen::File { size: Some(0), mode: 0 };

/// The visible entries of the merged tree, by absolute path (the root left out).
fn ours(tree: &Tree) -> BTreeMap<Vec<u8>, Seen> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<u32> = tree.children(Tree::ROOT).collect();
    while let Some(node) = stack.pop() {
        let Some(v) = tree.current(node) else { continue };
        let v = tree.version(v);
        let mode = v.mode & 0o7777;
        let seen = match v.kind {
            EntryKind::Dir => Seen::Dir { mode },
            EntryKind::File => Seen::File {
                size: Some(v.size),
                mode,
            },
            EntryKind::Hardlink => Seen::File { size: None, mode },
            EntryKind::Symlink => Seen::Symlink {
                target: tree.link(v).unwrap_or_default().to_vec(),
            },
            EntryKind::Fifo => Seen::Fifo { mode },
            EntryKind::Device => DEVICE,
            other => panic!("{}: a visible {other:?}", tree.path(node)),
        };
        out.insert(tree.path_bytes(node), seen);
        stack.extend(tree.children(node));
    }
    out
}

/// Every path under `root` as umoci left it.
fn unpacked(root: &Path) -> BTreeMap<Vec<u8>, Seen> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let t = meta.file_type();
            let seen = if t.is_dir() {
                stack.push(path.clone());
                Seen::Dir { mode }
            } else if t.is_symlink() {
                Seen::Symlink {
                    target: std::fs::read_link(&path).unwrap().as_os_str().as_bytes().to_vec(),
                }
            } else if t.is_file() {
                Seen::File {
                    size: Some(meta.len()),
                    mode,
                }
            } else {
                Seen::Fifo { mode }
            };
            let rel = path.strip_prefix(root).unwrap().as_os_str().as_bytes();
            out.insert([b"/", rel].concat(), seen);
        }
    }
    out
}

/// True when umoci's view of a path agrees with ours. Not compared: the mode of a device
/// (an empty file of umoci's choosing), and the size and mode of a hard link, which are its
/// target inode's: umoci keeps the target's mode, Docker's extractor applies the link header's
/// to the shared inode, and the two differ only when a tar writer gives them different modes.
fn agrees(umoci: &Seen, ours: &Seen) -> bool {
    match (umoci, ours) {
        (Seen::File { size: Some(0), .. }, &DEVICE) => true,
        (Seen::File { .. }, Seen::File { size: None, .. }) => true,
        _ => umoci == ours,
    }
}

/// Unpacks the image tagged `tag` of the OCI layout `layout` with umoci and compares its
/// rootfs with our final filesystem of `image` (any input deadweight reads). None when umoci
/// is missing.
fn compare(layout: &Path, tag: &str, image: &Path) -> Option<usize> {
    if !have("umoci") {
        skip("umoci is not installed (apt-get install umoci)");
        return None;
    }
    let bundle = layout.with_extension("bundle");
    let status = Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:{tag}", layout.display()))
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "umoci unpack: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let theirs = unpacked(&bundle.join("rootfs"));
    let analysis = analyze(image.to_str().unwrap());
    let mine = ours(&analysis.tree);
    let mut wrong = Vec::new();
    for (path, seen) in &theirs {
        match mine.get(path) {
            Some(m) if agrees(seen, m) => {}
            m => wrong.push(format!(
                "{}: umoci {seen:?}, deadweight {m:?}",
                String::from_utf8_lossy(path)
            )),
        }
    }
    for (path, m) in &mine {
        if !theirs.contains_key(path) {
            wrong.push(format!("{}: only deadweight has {m:?}", String::from_utf8_lossy(path)));
        }
    }
    let shown = wrong.iter().take(20).cloned().collect::<Vec<_>>().join("\n  ");
    assert!(
        wrong.is_empty(),
        "{} paths differ from umoci's unpacking:\n  {shown}",
        wrong.len()
    );
    Some(theirs.len())
}

#[test]
fn rich_fixture_unpacks_as_we_merge_it() {
    let dir = tmp();
    let layout = dir.path().join("rich");
    oci_index(&[rich_image()], false).write_dir(&layout);
    if let Some(n) = compare(&layout, "rich:1", &layout) {
        assert!(n > 20, "only {n} paths unpacked");
    }
}

#[test]
fn generated_image_with_whiteouts_unpacks_as_we_merge_it() {
    let shape = genimage::Shape {
        name: "unpacked".into(),
        entries: 12_000,
        layers: 6,
        bytes: 4 << 20,
        whiteouts: 1_500,
        below: 6_000,
        depth: 6,
        format: genimage::Format::OciDir,
        compression: genimage::Compression::None,
        level: 0,
        seed: 7,
    };
    let blobs = genimage::layer_blobs(&shape).expect("generate");
    // An OCI layout of the plain layer tars (their digests are their diff ids).
    let mut m = Members::default();
    let diff_ids: Vec<String> = blobs.iter().map(|(tar, _)| digest(tar)).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap();
    let layers: Vec<Value> = blobs
        .iter()
        .map(|(tar, _)| descriptor("application/vnd.oci.image.layer.v1.tar", tar))
        .collect();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": layers,
    }))
    .unwrap();
    let mut desc = descriptor("application/vnd.oci.image.manifest.v1+json", &manifest);
    desc["annotations"] = json!({"org.opencontainers.image.ref.name": "gen"});
    for (tar, _) in blobs {
        m.set_blob(tar);
    }
    m.set_blob(config);
    m.set_blob(manifest);
    m.set("index.json", index_json(&[desc]));
    m.set("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let dir = tmp();
    let layout = dir.path().join("gen");
    m.write_dir(&layout);
    if let Some(n) = compare(&layout, "gen", &layout) {
        assert!(n > 5_000, "only {n} paths unpacked");
    }
}

#[test]
fn corpus_oci_archives_unpack_as_we_merge_them() {
    let Some(corpus) = corpus_dir() else { return };
    let archives: Vec<PathBuf> = crate::corpus::images(&corpus)
        .iter()
        .flat_map(|d| crate::corpus::shipped(d))
        .filter(|(_, kind)| *kind == crate::corpus::Shipped::OciGzip)
        .map(|(p, _)| p)
        .collect();
    assert!(!archives.is_empty(), "no OCI archive in {}", corpus.display());
    for archive in archives {
        let dir = tmp();
        let layout = dir.path().join("layout");
        tar::Archive::new(std::fs::File::open(&archive).unwrap())
            .unpack(&layout)
            .unwrap();
        let index: Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let tag = index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no ref.name to unpack by", archive.display()))
            .to_string();
        match compare(&layout, &tag, &archive) {
            None => return,
            Some(n) => assert!(n >= 5, "{}: only {n} paths unpacked", archive.display()),
        }
    }
}
