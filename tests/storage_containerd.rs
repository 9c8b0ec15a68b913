//! Images read in place from a real containerd's store (`containerd://NAME --storage ROOT`) give
//! the report of the archive they were imported from: a fixture image with every tar feature,
//! and the corpus in Docker, OCI and zstd OCI archives. Namespaces, a blob the store lost and a
//! damaged database are named in the error.

use std::path::Path;

use serde_json::Value;

use crate::storage::layered_image;
use crate::support::containerd::Containerd;
use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::servers::{deadweight, fails_with, report_with};
use crate::support::{comparable, corpus_dir, report_of, tmp};

fn read(c: &Containerd, name: &str, envs: &[(&str, &str)]) -> Value {
    let root = c.root();
    let reference = format!("containerd://{name}");
    report_with(&[&reference, "--storage", root.to_str().unwrap()], envs)
}

fn same_as_archive(c: &Containerd, name: &str, archive: &Path) {
    let stored = read(c, name, &[]);
    assert_eq!(stored["image"]["format"], "containerd");
    assert_eq!(stored["image"]["reference"], format!("containerd://{name}"));
    assert_eq!(
        comparable(stored),
        comparable(report_of(archive)),
        "{name} against {archive:?}"
    );
}

#[test]
fn the_store_gives_the_archives_report() {
    let Some(mut c) = Containerd::start() else { return };
    let dir = tmp();
    let archive = Format::DockerClassic.save(dir.path(), &[layered_image("layered:1")]);
    c.import("default", &archive, None);
    let mut corpus = Vec::new();
    if let Some(root) = corpus_dir() {
        for (file, name) in [
            ("tiny/tiny.docker-archive.tar", "localhost/tiny:latest"),
            ("py-sample/py-sample.oci-archive.tar", "py/sample:latest"),
            ("tiny-buildah/tiny-buildah.oci-zstd.tar", "zstd/tiny:latest"),
        ] {
            let path = root.join(file);
            let base = file.contains("oci").then(|| name.split(':').next().unwrap());
            c.import("default", &path, base);
            corpus.push((path, name));
        }
    }
    // Read as the user types the name (Docker's short form), and with containerd stopped: the
    // store is files, not an API.
    c.stop();
    same_as_archive(&c, "layered:1", &archive);
    same_as_archive(&c, "docker.io/library/layered:1", &archive);
    for (path, name) in corpus {
        same_as_archive(&c, name, &path);
    }
}

#[test]
fn namespaces_that_disagree_on_a_name_are_picked_with_containerd_namespace() {
    let Some(c) = Containerd::start() else { return };
    let dir = tmp();
    let a = Format::DockerClassic.save(dir.path(), &[layered_image("dup:1")]);
    let other = Image::new()
        .layer("ADD other / ", Layer::new().file("etc/other", "other\n"))
        .tag("dup:1");
    let b_dir = tmp();
    let b = Format::DockerClassic.save(b_dir.path(), &[other]);
    c.import("team-a", &a, None);
    c.import("team-b", &b, None);
    let root = c.root();
    let args = ["containerd://dup:1", "--storage", root.to_str().unwrap()];
    let e = fails_with(&args, &[]);
    assert!(
        e.contains("CONTAINERD_NAMESPACE") && e.contains("team-a") && e.contains("team-b"),
        "{e}"
    );
    for (ns, archive) in [("team-a", &a), ("team-b", &b)] {
        let stored = read(&c, "dup:1", &[("CONTAINERD_NAMESPACE", ns)]);
        assert_eq!(comparable(stored), comparable(report_of(archive)), "{ns}");
    }
    // A name only one namespace holds needs no CONTAINERD_NAMESPACE; the note says where it was.
    c.ctr(
        "team-b",
        &["images", "tag", "docker.io/library/dup:1", "docker.io/library/solo:1"],
    );
    let out = deadweight(
        &[
            "containerd://solo:1",
            "--storage",
            root.to_str().unwrap(),
            "--json",
            "-",
        ],
        &[],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("namespace team-b"), "{stderr}");
    let e = fails_with(&args, &[("CONTAINERD_NAMESPACE", "team-c")]);
    assert!(
        e.contains("no image \"dup:1\"") && e.contains("namespace team-c"),
        "{e}"
    );
}

#[test]
fn a_lost_blob_a_damaged_database_and_wrong_roots_are_named() {
    let Some(c) = Containerd::start() else { return };
    let dir = tmp();
    let archive = Format::DockerClassic.save(dir.path(), &[layered_image("layered:1")]);
    c.import("default", &archive, None);
    let root = c.root();
    let storage = root.to_str().unwrap();
    let e = fails_with(&["containerd://nothere", "--storage", storage], &[]);
    assert!(
        e.contains("docker.io/library/layered:1 (default)"),
        "lists what it holds: {e}"
    );
    let e = fails_with(
        &["containerd://layered:1", "--storage", dir.path().to_str().unwrap()],
        &[],
    );
    assert!(e.contains("meta.db") && e.contains("containerd's root"), "{e}");
    let e = fails_with(&["containerd://layered:1", "--no-storage"], &[]);
    assert!(e.contains("--no-storage") && e.contains("ctr images export"), "{e}");

    // A copy of the root whose database is cut short.
    let copy = tmp();
    let status = std::process::Command::new("cp")
        .args(["-a", storage])
        .arg(copy.path().join("root"))
        .status()
        .unwrap();
    assert!(status.success());
    let db = copy.path().join("root/io.containerd.metadata.v1.bolt/meta.db");
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    let copied = copy.path().join("root");
    let e = fails_with(&["containerd://layered:1", "--storage", copied.to_str().unwrap()], &[]);
    assert!(e.contains("meta.db") && e.contains("page"), "{e}");

    // The store lost the largest layer's blob (a node that discards unpacked layers).
    let blobs = root.join("io.containerd.content.v1.content/blobs/sha256");
    let largest = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    std::fs::remove_file(&largest).unwrap();
    let hex = largest.file_name().unwrap().to_str().unwrap();
    let out = deadweight(&["containerd://layered:1", "--storage", storage, "--json", "-"], &[])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains(hex) && e.contains("not in containerd's content store"),
        "names the blob: {e}"
    );
}
