//! Bad input never panics: every case here runs the real binary and expects exit status 2 and
//! a message that names the problem (the member, the blob, "digest mismatch", ...). Covers
//! broken containers and documents; broken layers are in `malformed_layers`, inputs that are no
//! image at all and bad arguments in `invocation`.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::fixture::{Image, Layer, descriptor, digest};
use crate::support::layout::{Format, Member, Members, add_oci_blobs, index_json, oci_index};
use crate::support::{bin, fails, fails_on, tmp};

pub fn small() -> Image {
    Image::new()
        .layer("first", Layer::new().file("a.txt", vec![b'a'; 3000]).file("b", "b"))
        .layer("second", Layer::new().file("c", "c"))
}

/// `blobs/sha256/<hex>` of a `sha256:<hex>` digest.
pub fn blob(d: &str) -> String {
    format!("blobs/sha256/{}", &d["sha256:".len()..])
}

/// Writes members as a directory (`dir`) or a tar under `root`.
pub fn save(root: &Path, name: &str, m: &Members, as_dir: bool) -> PathBuf {
    let path = root.join(name);
    match as_dir {
        true => m.write_dir(&path),
        false => std::fs::write(&path, m.tar(false)).unwrap(),
    }
    path
}

/// Name and byte offset of every file member's data in a tar.
fn member_offsets(tar: &[u8]) -> Vec<(String, u64, u64)> {
    let mut a = tar::Archive::new(std::io::Cursor::new(tar));
    a.entries_with_seek()
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.header().entry_type().is_file())
        .map(|e| {
            (
                String::from_utf8_lossy(&e.path_bytes()).into_owned(),
                e.raw_file_position(),
                e.size(),
            )
        })
        .collect()
}

#[test]
fn truncated_outer_archive() {
    let dir = tmp();
    for format in [Format::DockerSkopeo, Format::DockerClassic, Format::OciArchive] {
        let tar = format.members(&[small()]).tar(false);
        let offsets = member_offsets(&tar);
        let layer_blobs: Vec<String> = small().build().layers.iter().map(|l| blob(&l.digest)).collect();
        let mut cuts: Vec<(usize, Option<String>)> = vec![(300, None), (700, None)];
        for (name, off, size) in &offsets {
            let is_layer = name.ends_with(".tar") || layer_blobs.contains(name);
            if is_layer || name == "manifest.json" || name == "index.json" {
                cuts.push(((off + size / 2) as usize, Some(name.clone())));
            }
        }
        assert!(cuts.len() >= 4, "{format:?}: {offsets:?}");
        for (cut, member) in cuts {
            let path = dir.path().join(format!("{format:?}-{cut}.tar"));
            std::fs::write(&path, &tar[..cut]).unwrap();
            let stderr = fails_on(&path);
            if let Some(m) = member {
                assert!(
                    stderr.contains("truncated") && stderr.contains(&m),
                    "{format:?} cut at {cut} in {m}: {stderr}"
                );
            }
        }
    }
}

#[test]
fn truncated_compressed_archive_on_stdin_and_from_a_file() {
    let dir = tmp();
    let gz = crate::support::fixture::gzip(&Format::DockerSkopeo.members(&[small()]).tar(false));
    for cut in [gz.len() / 4, gz.len() / 2, gz.len() * 3 / 4] {
        let stderr = fails(bin().arg("-").write_stdin(gz[..cut].to_vec()));
        assert!(stderr.contains("-:"), "the input is named: {stderr}");
        let path = dir.path().join(format!("cut-{cut}.tar.gz"));
        std::fs::write(&path, &gz[..cut]).unwrap();
        let stderr = fails_on(&path);
        assert!(stderr.contains(path.to_str().unwrap()), "the input is named: {stderr}");
    }
}

#[test]
fn truncated_or_corrupt_trailer_of_a_compressed_archive() {
    let dir = tmp();
    let gz = crate::support::fixture::gzip(&Format::DockerSkopeo.members(&[small()]).tar(false));
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 0xff;
    for (what, bytes) in [("cut 4 bytes short", gz[..gz.len() - 4].to_vec()), ("bad CRC", bad_crc)] {
        let path = dir.path().join("image.tar.gz");
        std::fs::write(&path, &bytes).unwrap();
        let stderr = fails_on(&path);
        assert!(
            stderr.contains("truncated") || stderr.contains("corrupt"),
            "{what}: {stderr}"
        );
        fails(bin().arg("-").write_stdin(bytes));
    }
}

#[test]
fn wrong_blob_digest_in_an_oci_manifest() {
    let dir = tmp();
    let built = small().build();
    let mut m = oci_index(&[small()], false);
    let other = Image::new()
        .layer("x", Layer::new().file("a.txt", vec![b'z'; 3000]).file("b", "b"))
        .build();
    m.set(&blob(&built.layers[0].digest), other.layers[0].blob.clone());
    for as_dir in [false, true] {
        let stderr = fails_on(&save(dir.path(), &format!("oci-{as_dir}"), &m, as_dir));
        assert!(
            stderr.contains("digest mismatch") && stderr.contains("layer 0"),
            "{stderr}"
        );
        assert!(
            stderr.contains(&built.layers[0].digest),
            "names the expected digest: {stderr}"
        );
    }
}

#[test]
fn wrong_diff_id_named_layer_in_a_docker_archive() {
    let dir = tmp();
    let built = small().build();
    let wrong = Layer::new().file("other", "content").tar();
    let diff_hex = &built.layers[1].diff_id["sha256:".len()..];
    let mut m = Format::DockerSkopeo.members(&[small()]);
    m.set(&format!("{diff_hex}.tar"), wrong.clone());
    let stderr = fails_on(&save(dir.path(), "skopeo.tar", &m, false));
    assert!(
        stderr.contains("digest mismatch") && stderr.contains(diff_hex),
        "{stderr}"
    );
    let stderr = fails(bin().arg("-").write_stdin(m.tar(false)));
    assert!(
        stderr.contains("digest mismatch") && stderr.contains(diff_hex),
        "stdin: {stderr}"
    );
    // Classic layout: `<id>/layer.tar` is checked against the config's diff id.
    let mut m = Format::DockerClassic.members(&[small()]);
    let last =
        m.0.iter()
            .rev()
            .find_map(|x| match x {
                Member::File(n, _) if n.ends_with("/layer.tar") => Some(n.clone()),
                _ => None,
            })
            .unwrap();
    m.set(&last, wrong);
    let stderr = fails_on(&save(dir.path(), "classic.tar", &m, false));
    assert!(
        stderr.contains("digest mismatch") && stderr.contains("layer.tar"),
        "{stderr}"
    );
}

#[test]
fn missing_layer_blob() {
    let dir = tmp();
    let built = small().build();
    let mut m = oci_index(&[small()], false);
    assert!(m.remove(&blob(&built.layers[1].digest)));
    for as_dir in [false, true] {
        let stderr = fails_on(&save(dir.path(), &format!("oci-{as_dir}"), &m, as_dir));
        assert!(
            stderr.contains("missing blob") && stderr.contains("layer 1"),
            "{stderr}"
        );
    }
    let mut m = Format::DockerSkopeo.members(&[small()]);
    assert!(m.remove(&format!("{}.tar", &built.layers[0].diff_id["sha256:".len()..])));
    let stderr = fails_on(&save(dir.path(), "docker.tar", &m, false));
    assert!(
        stderr.contains("missing blob") && stderr.contains("layer 0"),
        "{stderr}"
    );
    let stderr = fails(bin().arg("-").write_stdin(m.tar(false)));
    assert!(stderr.contains("layer 0"), "stdin: {stderr}");
}

#[test]
fn malformed_documents() {
    let dir = tmp();
    let mut cases: Vec<(&str, Members, &str)> = Vec::new();
    let mut m = Format::DockerSkopeo.members(&[small()]);
    m.set("manifest.json", b"[{\"Config\": ".to_vec());
    cases.push(("manifest.json", m, "malformed manifest.json"));
    let mut m = Format::DockerSkopeo.members(&[small()]);
    m.set("manifest.json", br#"{"not": "a list"}"#.to_vec());
    // An object is one image manifest (containers/image's `dir:`): the error says it was read so.
    cases.push(("manifest.json object", m, "read as a containers/image directory"));
    let mut m = oci_index(&[small()], false);
    m.set("index.json", b"{\"schemaVersion\": 2, \"manifests\": [".to_vec());
    cases.push(("index.json", m, "malformed index.json"));
    let mut built = small().build();
    built.config = b"{\"rootfs\": [not json".to_vec();
    let mut m = Members::default();
    let man = add_oci_blobs(&mut m, &built);
    m.set(
        "index.json",
        index_json(&[descriptor("application/vnd.oci.image.manifest.v1+json", &man)]),
    );
    cases.push(("OCI config", m, "malformed config"));
    let mut m = Members::default();
    m.set_blob(b"{\"schemaVersion\": 2, \"layers\": 7}".to_vec());
    let d = descriptor(
        "application/vnd.oci.image.manifest.v1+json",
        b"{\"schemaVersion\": 2, \"layers\": 7}",
    );
    m.set("index.json", index_json(&[d]));
    cases.push(("OCI manifest", m, "malformed manifest"));
    // A docker config renamed after its (broken) content, so only the JSON is wrong.
    let mut m = Format::DockerSkopeo.members(&[small()]);
    let bad = b"{\"architecture\": ".to_vec();
    let name = format!("{}.json", &digest(&bad)["sha256:".len()..]);
    m.set(&name, bad);
    let mut manifest: serde_json::Value = serde_json::from_slice(m.get("manifest.json").unwrap()).unwrap();
    manifest[0]["Config"] = json!(name);
    m.set("manifest.json", serde_json::to_vec(&manifest).unwrap());
    cases.push(("docker config", m, "malformed config"));
    for (what, m, expected) in cases {
        for as_dir in [false, true] {
            let stderr = fails_on(&save(dir.path(), &format!("{what}-{as_dir}"), &m, as_dir));
            assert!(
                stderr.contains(expected),
                "{what} (dir: {as_dir}): expected {expected:?} in {stderr}"
            );
        }
        let stderr = fails(bin().arg("-").write_stdin(m.tar(false)));
        assert!(
            stderr.contains(expected),
            "{what} on stdin: expected {expected:?} in {stderr}"
        );
    }
}

#[test]
fn manifest_pointing_to_a_missing_config() {
    let dir = tmp();
    let built = small().build();
    let mut m = oci_index(&[small()], false);
    assert!(m.remove(&blob(&built.config_digest)));
    let stderr = fails_on(&save(dir.path(), "oci.tar", &m, false));
    assert!(
        stderr.contains("missing blob: config") && stderr.contains(&blob(&built.config_digest)),
        "{stderr}"
    );
    let mut m = Format::DockerClassic.members(&[small()]);
    let config = format!("{}.json", &built.config_digest["sha256:".len()..]);
    assert!(m.remove(&config));
    let stderr = fails_on(&save(dir.path(), "docker.tar", &m, false));
    assert!(
        stderr.contains("missing blob: config") && stderr.contains(&config),
        "{stderr}"
    );
}

/// An OCI layout whose only image has `manifest` and the given blobs.
pub fn oci_with_manifest(manifest: serde_json::Value, blobs: &[Vec<u8>]) -> Members {
    let mut m = Members::default();
    for b in blobs {
        m.set_blob(b.clone());
    }
    let man = serde_json::to_vec(&manifest).unwrap();
    m.set_blob(man.clone());
    m.set(
        "index.json",
        index_json(&[descriptor("application/vnd.oci.image.manifest.v1+json", &man)]),
    );
    m
}

#[test]
fn oci_artifact_is_not_an_image() {
    let dir = tmp();
    let empty = b"{}".to_vec();
    let payload = b"not a layer at all".to_vec();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example.sbom+json",
        "config": descriptor("application/vnd.oci.empty.v1+json", &empty),
        "layers": [descriptor("application/vnd.example.sbom+json", &payload)],
    });
    let m = oci_with_manifest(manifest, &[empty, payload]);
    let stderr = fails_on(&save(dir.path(), "artifact.tar", &m, false));
    assert!(
        stderr.contains("not a container image") && stderr.contains("application/vnd.oci.empty.v1+json"),
        "{stderr}"
    );
}

#[test]
fn foreign_layer_whose_blob_is_absent() {
    let dir = tmp();
    let built = small().build();
    for mt in [
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ] {
        let foreign =
            json!({"mediaType": mt, "digest": digest(b"elsewhere"), "size": 9, "urls": ["https://example.com/layer"]});
        let manifest = json!({
            "schemaVersion": 2,
            "config": descriptor("application/vnd.oci.image.config.v1+json", &built.config),
            "layers": [foreign, descriptor(&built.layers[1].media_type, &built.layers[1].blob)],
        });
        let m = oci_with_manifest(manifest, &[built.config.clone(), built.layers[1].blob.clone()]);
        let stderr = fails_on(&save(dir.path(), &format!("foreign-{}.tar", mt.len()), &m, false));
        assert!(stderr.contains("foreign layer") && stderr.contains(mt), "{stderr}");
    }
}

#[test]
fn index_that_points_to_itself_or_nests_too_deep() {
    let dir = tmp();
    // A blob cannot contain its own digest, so a self-reference always fails a digest check.
    let mut m = oci_index(&[small()], false);
    let fake = format!("sha256:{}", "ab".repeat(32));
    let selfish =
        index_json(&[json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": fake, "size": 10})]);
    m.set(&blob(&fake), selfish.clone());
    m.set("index.json", selfish);
    let stderr = fails_on(&save(dir.path(), "self.tar", &m, false));
    assert!(stderr.contains(&fake), "names the index blob: {stderr}");
    // Ten nested indexes, each valid.
    let mut m = oci_index(&[small()], false);
    let mut inner = m.get("index.json").unwrap().to_vec();
    for _ in 0..10 {
        m.set_blob(inner.clone());
        inner = index_json(&[descriptor("application/vnd.oci.image.index.v1+json", &inner)]);
    }
    m.set("index.json", inner);
    let stderr = fails_on(&save(dir.path(), "deep.tar", &m, false));
    assert!(stderr.contains("nests too deep"), "{stderr}");
}
