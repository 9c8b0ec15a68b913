//! The real images of `../shared/corpus` (or `$DEADWEIGHT_CORPUS`), in every format shipped
//! there, against their independently measured `facts.json`: per-layer content bytes, tar
//! bytes, entry counts, diff ids, blob sizes and digests where the facts know them, the final
//! filesystem, the shadowed bytes, and dive's own figures; and py-sample's seeded waste found
//! by the rules on its lines with its bytes. Skips with a notice when the corpus is absent.

use std::path::{Path, PathBuf};

use serde_json::Value;

use deadweight::analysis::rules::Finding;
use deadweight::analysis::{self, AnalyzeOptions, dockerfile};
use deadweight::catalogue::Severity;
use deadweight::source::{self, LoadOptions};

use crate::rules::fired;
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

#[test]
fn py_sample_seeded_items_land_on_their_lines_with_their_bytes() {
    let Some(dir) = corpus_dir() else { return };
    let text = std::fs::read_to_string(dir.join("py-sample/Dockerfile")).unwrap();
    let spec =
        source::reference::parse(dir.join("py-sample/py-sample.oci-archive.tar").to_str().unwrap(), None).unwrap();
    let loaded = source::load(&spec, &LoadOptions::default()).unwrap();
    let opts = AnalyzeOptions {
        dockerfile: Some(dockerfile::parse(&text).unwrap()),
        dockerignore: Some(false),
        ..Default::default()
    };
    let f = analysis::analyze_with(loaded, &opts).findings;
    let paths = |x: &Finding| x.paths.iter().map(|p| p.bytes).sum::<u64>();
    // (rule, line, bytes from the corpus README, whether the bytes are the finding's paths
    // rather than what it reclaims: items that overlap another item or save nothing)
    let items: [(&str, Option<usize>, u64, bool); 12] = [
        ("DW105", Some(12), 19_856_468, false),
        ("DW505", Some(15), 152_225, true),
        ("DW401", Some(15), 142_983, false),
        ("DW301", Some(15), 4_267, false),
        ("DW405", Some(15), 236, false),
        ("DW407", Some(15), 2_380, true),
        ("DW408", Some(15), 1_334, false),
        ("DW101", Some(16), 14_033, false),
        ("DW304", Some(16), 4_061_925, false),
        ("DW501", Some(17), 8_388_608, false),
        ("DW503", Some(19), 152_225, false),
        ("DW601", None, 0, false),
    ];
    for (rule, line, want, by_paths) in items {
        let x = f
            .iter()
            .find(|x| x.rule == rule && x.dockerfile_line == line)
            .unwrap_or_else(|| panic!("{rule} on line {line:?} missing: {f:#?}"));
        let got = if by_paths { paths(x) } else { x.reclaimable_bytes };
        assert!(
            got.abs_diff(want) * 100 <= want,
            "{rule}: {got} bytes, README says {want}"
        );
    }
    assert!(fired(&f, "DW602"), "no PYTHONUNBUFFERED");
    let expected = [
        "DW105", "DW505", "DW401", "DW301", "DW405", "DW407", "DW408", "DW101", "DW304", "DW501", "DW503", "DW601",
        "DW701",
    ];
    let extra: Vec<&Finding> = f
        .iter()
        .filter(|x| x.severity >= Severity::Warning && !expected.contains(&x.rule))
        .collect();
    assert!(extra.is_empty(), "warnings beyond the seeded items: {extra:#?}");
    let json: Value = serde_json::to_value(&f).unwrap();
    assert!(
        !json.to_string().contains("fake"),
        "a secret's content leaked into the report"
    );
}
