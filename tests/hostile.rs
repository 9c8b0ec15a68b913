//! Hostile input: bombs, oversized metadata, deep nesting, names built to hurt, references
//! out of the archive. Each case runs the real binary: a refusal is exit 2 with a message
//! naming the problem, and what is valid however odd is analysed with exit 0. Flipped bytes and
//! what a run writes are in `hostile_damage`.

use std::io::Write;
use std::path::Path;
use std::process::Command as Std;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::malformed::{oci_with_manifest, save, small};
use crate::support::fixture::{Built, Image, Layer, descriptor, gzip, zstd};
use crate::support::layout::{Format, Members, add_oci_blobs, index_json, oci_index};
use crate::support::tarball::raw_header;
use crate::support::{bin, fails, fails_on, report_of, tmp};

const MIB: u64 = 1 << 20;

/// An OCI layout of `built` with its layer blobs replaced by `layers` (blob, diff_id), the
/// config and manifest rewritten to describe them truthfully.
fn oci_with_layers(built: &Built, layers: &[(Vec<u8>, String)], media_type: &str) -> Members {
    let mut config: Value = serde_json::from_slice(&built.config).unwrap();
    config["rootfs"]["diff_ids"] = json!(layers.iter().map(|l| &l.1).collect::<Vec<_>>());
    config["history"] = json!(
        layers
            .iter()
            .map(|_| json!({"created_by": "RUN make"}))
            .collect::<Vec<_>>()
    );
    let config = serde_json::to_vec(&config).unwrap();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": layers.iter().map(|l| descriptor(media_type, &l.0)).collect::<Vec<_>>(),
    });
    let mut blobs: Vec<Vec<u8>> = layers.iter().map(|l| l.0.clone()).collect();
    blobs.push(config);
    oci_with_manifest(manifest, &blobs)
}

/// Peak resident memory of a run in MiB, from GNU time, when it is installed.
fn peak_mib(args: &[&std::ffi::OsStr]) -> Option<(bool, u64)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("skipped the memory check: no /usr/bin/time");
        return None;
    }
    let exe = assert_cmd::cargo::cargo_bin("deadweight");
    let out = Std::new(time).arg("-f").arg("%M").arg(exe).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kb: u64 = stderr.lines().last().unwrap().trim().parse().unwrap();
    Some((out.status.success(), kb / 1024))
}

/// `len` zero bytes as concatenated gzip members (or zstd frames) of one compressed 64 MiB
/// block: megabytes on disk, gigabytes decoded, cheap to build.
fn zeros(len: u64, z: fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    z(&vec![0u8; (64 * MIB) as usize]).repeat((len / (64 * MIB)) as usize)
}

#[test]
fn decompression_bombs_stream_in_bounded_memory_and_stop_at_the_limit() {
    let dir = tmp();
    let size = 2048 * MIB;
    let mut head = Vec::new();
    raw_header(&mut head, false, b"zeros", tar::EntryType::Regular, size, None);
    let tail = vec![0u8; 1024];
    let mut d = Sha256::new();
    d.update(&head);
    let block = vec![0u8; (64 * MIB) as usize];
    for _ in 0..size / (64 * MIB) {
        d.update(&block);
    }
    d.update(&tail);
    let diff_id = format!("sha256:{}", hex(&d.finalize()));
    for (name, z) in [("gzip", gzip as fn(&[u8]) -> Vec<u8>), ("zstd", zstd)] {
        let blob = [z(&head), zeros(size, z), z(&tail)].concat();
        assert!(
            blob.len() < 16 * MIB as usize,
            "{name}: the bomb is {} bytes",
            blob.len()
        );
        let media = format!("application/vnd.oci.image.layer.v1.tar+{name}");
        let m = oci_with_layers(&small().build(), &[(blob, diff_id.clone())], &media);
        let path = save(dir.path(), &format!("{name}.tar"), &m, false);
        let report = report_of(&path);
        assert_eq!(
            report["layers"][0]["bytes"],
            json!(size),
            "{name}: {}",
            report["layers"][0]
        );
        if let Some((ok, mib)) = peak_mib(&[path.as_os_str(), "--json".as_ref(), "/dev/null".as_ref()]) {
            assert!(ok && mib < 256, "{name}: 2 GiB decoded with a peak of {mib} MiB");
        }
        let stderr = fails(bin().arg(&path).args(["--max-layer-size", "1G"]));
        assert!(
            stderr.contains("layer 0") && stderr.contains("max-layer-size"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn a_million_tiny_entries() {
    let n = 1_000_000u32;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut diff = Sha256::new();
    let mut put = |bytes: &[u8]| {
        diff.update(bytes);
        enc.write_all(bytes).unwrap();
    };
    for i in 0..n {
        let mut h = tar::Header::new_ustar();
        h.set_path(format!("t/{:03}/{i}", i % 1000)).unwrap();
        h.set_size(0);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_cksum();
        put(h.as_bytes());
    }
    put(&[0u8; 1024]);
    let diff_id = format!("sha256:{}", hex(&diff.finalize()));
    let blob = enc.finish().unwrap();
    let m = oci_with_layers(
        &small().build(),
        &[(blob, diff_id)],
        "application/vnd.oci.image.layer.v1.tar+gzip",
    );
    let dir = tmp();
    let path = save(dir.path(), "million.tar", &m, false);
    let report = report_of(&path);
    assert_eq!(
        report["layers"][0]["entries"]["files"],
        json!(n),
        "{}",
        report["layers"][0]
    );
    if let Some((ok, mib)) = peak_mib(&[path.as_os_str(), "--json".as_ref(), "/dev/null".as_ref()]) {
        assert!(ok && mib < 300, "a million entries took a peak of {mib} MiB");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A tar whose first member is a GNU long name (or PAX header) record of `len` bytes.
fn oversized_record(kind: u8, len: u64) -> Vec<u8> {
    let mut t = Vec::new();
    raw_header(&mut t, true, b"././@LongLink", tar::EntryType::new(kind), len, None);
    t.resize(t.len() + len.div_ceil(512) as usize * 512, b'a');
    raw_header(&mut t, true, b"x", tar::EntryType::Regular, 0, None);
    t.extend_from_slice(&[0u8; 1024]);
    t
}

#[test]
fn oversized_long_names_and_pax_records_are_refused() {
    let dir = tmp();
    let built = small().build();
    for kind in [b'L', b'K', b'x'] {
        let tar = oversized_record(kind, 64 * MIB);
        let diff_id = crate::support::fixture::digest(&tar);
        let m = oci_with_layers(
            &built,
            &[(gzip(&tar), diff_id)],
            "application/vnd.oci.image.layer.v1.tar+gzip",
        );
        let path = save(dir.path(), &format!("layer-{kind}.tar"), &m, false);
        let stderr = fails_on(&path);
        assert!(
            stderr.contains("layer 0") && stderr.contains("over the cap"),
            "{stderr}"
        );
    }
    // The same record as a member of the outer archive, read from a file and from stdin.
    let mut outer = oversized_record(b'L', 64 * MIB);
    outer.truncate(outer.len() - 1024 - 512);
    let mut image = oci_index(&[small()], false).tar(false);
    outer.append(&mut image);
    let path = dir.path().join("outer.tar");
    std::fs::write(&path, &outer).unwrap();
    for stderr in [fails_on(&path), fails(bin().arg("-").write_stdin(gzip(&outer)))] {
        assert!(stderr.contains("over the cap"), "{stderr}");
    }
}

#[test]
fn deep_paths_long_names_cycles_and_dangling_links_are_analysed() {
    let deep = vec!["d"; 4096].join("/") + "/leaf.txt";
    let wide = "n".repeat(64 * 1024);
    let image = |gnu: bool| {
        let mut layer = Layer::new()
            .file(&deep, "deep")
            .file(format!("w/{wide}"), "wide")
            .symlink("loop/a", "b")
            .symlink("loop/b", "a")
            .symlink("loop/self", "self")
            .symlink("far", &wide)
            .hardlink("hard", "missing/target");
        if gnu {
            layer = layer.gnu_long_names();
        }
        Image::new()
            .layer("RUN odd", layer)
            .layer("RUN more", Layer::new().whiteout("never/was"))
    };
    let dir = tmp();
    for gnu in [false, true] {
        let path = Format::OciArchive.save(dir.path(), &[image(gnu)]);
        let report = report_of(&path);
        let counts = &report["layers"][0]["entries"];
        assert_eq!(report["layers"].as_array().unwrap().len(), 2, "gnu: {gnu}");
        assert!(
            report.to_string().contains("leaf.txt") || counts.is_object(),
            "{counts}"
        );
        let a = crate::support::analyze(path.to_str().unwrap());
        assert!(
            a.tree.lookup(deep.as_bytes()).is_some(),
            "the 4096-deep path is in the tree"
        );
        assert!(
            a.tree.lookup(format!("w/{wide}").as_bytes()).is_some(),
            "the 64 KiB name is kept"
        );
        assert!(a.tree.lookup(b"loop/a").is_some() && a.tree.lookup(b"hard").is_some());
    }
}

#[test]
fn json_nested_ten_thousand_deep_is_refused() {
    let dir = tmp();
    let nested = |n: usize| [vec![b'['; n], vec![b']'; n]].concat();
    let mut cases: Vec<(&str, Members, &str)> = Vec::new();
    let mut m = Format::DockerSkopeo.members(&[small()]);
    m.set("manifest.json", nested(10_000));
    cases.push(("manifest.json", m, "malformed manifest.json"));
    let mut m = oci_index(&[small()], false);
    m.set("index.json", nested(10_000));
    cases.push(("index.json", m, "malformed index.json"));
    let mut built = small().build();
    built.config = [b"{\"rootfs\":".as_slice(), &nested(10_000), b"}"].concat();
    let mut m = Members::default();
    let man = add_oci_blobs(&mut m, &built);
    m.set(
        "index.json",
        index_json(&[descriptor("application/vnd.oci.image.manifest.v1+json", &man)]),
    );
    cases.push(("config", m, "malformed config"));
    // Deep nesting where any JSON is allowed (an unknown field, a label) is read without
    // recursion and does no harm.
    let mut m = oci_index(&[small()], false);
    let mut index = m.get("index.json").unwrap().to_vec();
    index.pop();
    index.extend_from_slice(b",\"x-extra\":");
    index.extend(nested(100_000));
    index.push(b'}');
    m.set("index.json", index);
    let path = save(dir.path(), "extra.tar", &m, false);
    assert_eq!(report_of(&path)["layers"].as_array().unwrap().len(), 2);
    for (what, m, needle) in cases {
        let stderr = fails_on(&save(dir.path(), &format!("{what}.tar"), &m, false));
        assert!(stderr.contains(needle), "{what}: {stderr}");
        let stderr = fails(bin().arg("-").write_stdin(m.tar(false)));
        assert!(stderr.contains(needle), "{what} on stdin: {stderr}");
    }
}

#[test]
fn json_documents_past_the_size_cap_are_refused() {
    let dir = tmp();
    let huge = |doc: &[u8]| {
        let mut v = vec![b' '; 40 * MIB as usize];
        v.extend_from_slice(doc);
        v
    };
    let mut m = oci_index(&[small()], false);
    let index = m.get("index.json").unwrap().to_vec();
    m.set("index.json", huge(&index));
    for as_dir in [false, true] {
        let stderr = fails_on(&save(dir.path(), &format!("index-{as_dir}"), &m, as_dir));
        assert!(stderr.contains("index.json") && stderr.contains("bytes"), "{stderr}");
    }
    let stderr = fails(bin().arg("-").write_stdin(m.tar(false)));
    assert!(stderr.contains("index.json"), "stdin: {stderr}");
    let mut built = small().build();
    built.config = huge(&built.config);
    let mut m = Members::default();
    let man = add_oci_blobs(&mut m, &built);
    m.set(
        "index.json",
        index_json(&[descriptor("application/vnd.oci.image.manifest.v1+json", &man)]),
    );
    let stderr = fails_on(&save(dir.path(), "config.tar", &m, false));
    assert!(stderr.contains("config") && stderr.contains("bytes"), "{stderr}");
}

#[test]
fn references_out_of_the_archive_are_never_followed() {
    let dir = tmp();
    let outside = dir.path().join("outside.tar");
    let good = small().build();
    std::fs::write(&outside, &good.layers[0].tar).unwrap();
    for name in ["../outside.tar", "/etc/passwd", "layer/../../outside.tar"] {
        let mut m = Format::DockerClassic.members(&[small()]);
        let mut manifest: Value = serde_json::from_slice(m.get("manifest.json").unwrap()).unwrap();
        manifest[0]["Layers"][0] = json!(name);
        m.set("manifest.json", serde_json::to_vec(&manifest).unwrap());
        for as_dir in [false, true] {
            let root = dir.path().join(format!("in-{as_dir}"));
            std::fs::create_dir_all(&root).unwrap();
            let stderr = fails_on(&save(&root, "image", &m, as_dir));
            assert!(stderr.contains("missing blob"), "{name} (dir: {as_dir}): {stderr}");
        }
    }
    let mut m = oci_index(&[small()], false);
    let mut index: Value = serde_json::from_slice(m.get("index.json").unwrap()).unwrap();
    index["manifests"][0]["digest"] = json!("sha256:../../../outside.tar");
    m.set("index.json", serde_json::to_vec(&index).unwrap());
    let stderr = fails_on(&save(dir.path(), "oci-dir", &m, true));
    assert!(
        stderr.contains("index.json") && stderr.contains("../../../outside.tar"),
        "{stderr}"
    );
}
