//! The real images of `../shared/corpus` (or `$DEADWEIGHT_CORPUS`), in every format shipped
//! there, against their independently measured `facts.json`: per-layer content bytes, tar
//! bytes, entry counts, diff ids, blob sizes and digests where the facts know them, the final
//! filesystem, the shadowed bytes, and dive's own figures. Skips with a notice when the corpus
//! is absent.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{corpus_dir, report};

/// How a shipped file stores its layers, which decides what the facts can say about blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shipped {
    /// `docker save` layout (plain or gzip-compressed archive): plain layer tars.
    Docker,
    /// skopeo's OCI archive: the facts' `gzip` blobs.
    OciGzip,
    /// skopeo's zstd layout (directory or tar): the facts' `zstd` blobs.
    OciZstd,
    /// umoci's own layout: gzip blobs of its own, not in the facts.
    Umoci,
}

/// The image files of one corpus folder, with how they store layers.
pub fn shipped(dir: &Path) -> Vec<(PathBuf, Shipped)> {
    let mut out: Vec<(PathBuf, Shipped)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_string();
            let kind = if name.ends_with(".docker-archive.tar") || name.ends_with(".docker-archive.tar.gz") {
                Shipped::Docker
            } else if name.ends_with(".oci-archive.tar") {
                Shipped::OciGzip
            } else if name.ends_with(".oci-zstd") || name.ends_with(".oci-zstd.tar") {
                Shipped::OciZstd
            } else if name.ends_with(".umoci-layout.tar") {
                Shipped::Umoci
            } else {
                return None;
            };
            Some((path, kind))
        })
        .collect();
    out.sort();
    out
}

/// Every image folder of the corpus (those with a `facts.json`).
pub fn images(corpus: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("facts.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn facts(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("facts.json")).unwrap()).unwrap()
}

fn check_layer(what: &str, kind: Shipped, f: &Value, r: &Value) {
    let eq = |field: &str, got: &Value, want: &Value| assert_eq!(got, want, "{what}: {field}");
    eq("bytes == regular_bytes", &r["bytes"], &f["regular_bytes"]);
    eq(
        "tar_bytes == uncompressed_size",
        &r["tar_bytes"],
        &f["uncompressed_size"],
    );
    eq("diff_id", &r["diff_id"], &f["diff_id"]);
    eq("created_by", &r["created_by"], &f["created_by"]);
    eq(
        "hidden_later_bytes == shadowed_regular_bytes",
        &r["hidden_later_bytes"],
        &f["shadowed_regular_bytes"],
    );
    let (fe, re) = (&f["entries"], &r["entries"]);
    for (fact, field) in [
        ("file", "files"),
        ("dir", "dirs"),
        ("symlink", "symlinks"),
        ("hardlink", "hardlinks"),
        ("whiteout", "whiteouts"),
        ("opaque_whiteout", "opaque_dirs"),
        ("device", "devices"),
        ("fifo", "fifos"),
    ] {
        eq(&format!("entries.{field} == {fact}"), &re[field], &fe[fact]);
    }
    let other = re["other"].as_u64().unwrap() - re["devices"].as_u64().unwrap() - re["fifos"].as_u64().unwrap();
    eq("entries.other - devices - fifos", &Value::from(other), &fe["other"]);
    let blob = match kind {
        Shipped::OciGzip => Some(&f["gzip"]),
        Shipped::OciZstd => Some(&f["zstd"]),
        Shipped::Docker | Shipped::Umoci => None,
    };
    match blob.filter(|b| b.is_object()) {
        Some(b) => {
            eq("compressed_bytes", &r["compressed_bytes"], &b["size"]);
            eq("digest", &r["digest"], &b["digest"]);
            eq("media_type", &r["media_type"], &b["mediaType"]);
        }
        None if kind == Shipped::Docker => {
            eq(
                "compressed_bytes of a plain layer",
                &r["compressed_bytes"],
                &f["uncompressed_size"],
            );
            eq("digest of a plain layer", &r["digest"], &f["diff_id"]);
            eq("compression", &r["compression"], &Value::from("none"));
        }
        None => {}
    }
}

fn check_report(what: &str, kind: Shipped, facts: &Value, r: &Value) {
    let img = &facts["image"];
    assert_eq!(r["image"]["config_digest"], img["config_digest"], "{what}");
    assert_eq!(
        r["image"]["platform"],
        format!(
            "{}/{}",
            img["os"].as_str().unwrap(),
            img["architecture"].as_str().unwrap()
        )
    );
    assert_eq!(r["image"]["created"], img["created"], "{what}");
    assert_eq!(r["image"]["cmd"], img["config"]["Cmd"], "{what}");
    let digest = match kind {
        Shipped::OciGzip => Some(&img["manifest_digest_oci_gzip"]),
        Shipped::OciZstd => Some(&img["manifest_digest_oci_zstd"]),
        Shipped::Docker => Some(&Value::Null),
        Shipped::Umoci => None,
    };
    if let Some(d) = digest {
        assert_eq!(&r["image"]["digest"], d, "{what}: manifest digest");
    }
    let (ft, rt) = (&facts["totals"], &r["totals"]);
    assert_eq!(rt["bytes"], ft["regular_bytes_all_layers"], "{what}");
    assert_eq!(rt["tar_bytes"], ft["uncompressed_bytes"], "{what}");
    assert_eq!(
        rt["hidden_bytes"], facts["waste"]["shadowed_bytes"],
        "{what}: hidden_bytes == shadowed_bytes"
    );
    assert_eq!(rt["final_bytes"], ft["final_fs"]["regular_bytes"], "{what}");
    assert_eq!(rt["files"], ft["final_fs"]["regular_files"], "{what}");
    match kind {
        Shipped::OciGzip => assert_eq!(rt["compressed_bytes"], ft["gzip_bytes"], "{what}"),
        Shipped::OciZstd => assert_eq!(rt["compressed_bytes"], ft["zstd_bytes"], "{what}"),
        Shipped::Docker => assert_eq!(rt["compressed_bytes"], ft["uncompressed_bytes"], "{what}"),
        Shipped::Umoci => {}
    }
    let (fd, rd) = (&facts["dive_like"], &rt["dive"]);
    assert_eq!(rd["wasted_bytes"], fd["wasted_bytes"], "{what}: dive wasted_bytes");
    assert_eq!(
        rd["inefficient_paths"], fd["inefficient_paths"],
        "{what}: dive inefficient_paths"
    );
    let eff = rd["efficiency"].as_f64().unwrap();
    assert!(
        (eff - fd["efficiency_score"].as_f64().unwrap()).abs() < 1e-6,
        "{what}: dive efficiency {eff}"
    );
    let (ff, rf) = (&ft["final_fs"], &rt["final_fs"]);
    for (fact, field) in [
        ("regular_files", "files"),
        ("dirs", "dirs"),
        ("symlinks", "symlinks"),
        ("hardlinks", "hardlinks"),
        ("other", "other"),
        ("regular_bytes", "bytes"),
    ] {
        assert_eq!(rf[field], ff[fact], "{what}: final_fs.{field} == {fact}");
    }
    let (fl, rl) = (facts["layers"].as_array().unwrap(), r["layers"].as_array().unwrap());
    assert_eq!(rl.len(), fl.len(), "{what}: layer count");
    for (i, (f, l)) in fl.iter().zip(rl).enumerate() {
        assert_eq!(l["index"], i, "{what}");
        check_layer(&format!("{what} layer {i}"), kind, f, l);
    }
}

fn check_image(name: &str) {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join(name);
    if !dir.is_dir() {
        eprintln!("skipped: {} is not in the corpus", dir.display());
        return;
    }
    let facts = facts(&dir);
    let files = shipped(&dir);
    assert!(!files.is_empty(), "{name}: no image files found");
    for (path, kind) in files {
        let r = report(&[path.to_str().unwrap()]);
        check_report(&path.display().to_string(), kind, &facts, &r);
    }
}

#[test]
fn tiny_matches_its_facts_in_every_format() {
    check_image("tiny");
}

#[test]
fn tiny_buildah_matches_its_facts_in_every_format() {
    check_image("tiny-buildah");
}

#[test]
fn py_sample_matches_its_facts() {
    check_image("py-sample");
}

#[test]
fn every_corpus_image_is_covered() {
    let Some(corpus) = corpus_dir() else { return };
    let names: Vec<String> = images(&corpus)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for name in &names {
        assert!(
            ["tiny", "tiny-buildah", "py-sample"].contains(&name.as_str()),
            "corpus image {name} has no test here: add one like tiny_matches_its_facts_in_every_format"
        );
    }
    assert!(!names.is_empty(), "the corpus at {} holds no image", corpus.display());
}
