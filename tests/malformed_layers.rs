//! Broken layers never panic: truncated and corrupt gzip, zstd and tar streams, blobs that are
//! no layer, sizes that disagree with the manifest or the config, and layers past
//! `--max-layer-size`. Each runs the real binary, expects exit 2 and a message naming the layer.

use serde_json::{Value, json};

use crate::malformed::{oci_with_manifest, save, small};
use crate::support::fixture::{Built, Compression, Image, Layer, descriptor, gzip};
use crate::support::layout::Format;
use crate::support::{bin, fails, fails_on, tmp};

/// An OCI layout of `built` whose layer blobs are replaced by `blobs`, the manifest describing
/// them truthfully, so that only their content is wrong.
fn with_blobs(built: &Built, blobs: &[Vec<u8>]) -> crate::support::layout::Members {
    let layers: Vec<Value> = blobs
        .iter()
        .map(|b| descriptor("application/vnd.oci.image.layer.v1.tar+gzip", b))
        .collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptor("application/vnd.oci.image.config.v1+json", &built.config),
        "layers": layers,
    });
    let mut all = blobs.to_vec();
    all.push(built.config.clone());
    oci_with_manifest(manifest, &all)
}

/// Runs the broken layout as an OCI archive, an OCI directory and on stdin; every run must
/// fail cleanly and mention each of `needles`.
fn assert_fails_everywhere(what: &str, m: &crate::support::layout::Members, needles: &[&str]) {
    let dir = tmp();
    for as_dir in [false, true] {
        let stderr = fails_on(&save(dir.path(), &format!("image-{as_dir}"), m, as_dir));
        for n in needles {
            assert!(stderr.contains(n), "{what} (dir: {as_dir}): expected {n:?} in {stderr}");
        }
    }
    let stderr = fails(bin().arg("-").write_stdin(m.tar(false)));
    for n in needles {
        assert!(stderr.contains(n), "{what} on stdin: expected {n:?} in {stderr}");
    }
}

#[test]
fn truncated_gzip_layer() {
    let built = small().build();
    let b0 = &built.layers[0].blob;
    for cut in [10, b0.len() / 2, b0.len() - 4] {
        let m = with_blobs(&built, &[b0[..cut].to_vec(), built.layers[1].blob.clone()]);
        assert_fails_everywhere(&format!("cut at {cut}"), &m, &["layer 0"]);
    }
}

#[test]
fn corrupt_gzip_bytes() {
    let built = small().build();
    let mut bad = built.layers[0].blob.clone();
    let mid = bad.len() / 2;
    for b in &mut bad[mid..mid + 8] {
        *b ^= 0x5a;
    }
    let m = with_blobs(&built, &[bad, built.layers[1].blob.clone()]);
    assert_fails_everywhere("corrupt deflate data", &m, &["layer 0"]);
    let mut crc = built.layers[1].blob.clone();
    let n = crc.len();
    crc[n - 8] ^= 0xff; // the gzip trailer's CRC32
    let m = with_blobs(&built, &[built.layers[0].blob.clone(), crc]);
    assert_fails_everywhere("bad gzip CRC", &m, &["layer 1"]);
}

#[test]
fn truncated_and_corrupt_zstd_layer() {
    let built = small().compression(Compression::Zstd).build();
    let b0 = &built.layers[0].blob;
    let m = with_blobs(&built, &[b0[..b0.len() / 2].to_vec(), built.layers[1].blob.clone()]);
    assert_fails_everywhere("truncated zstd", &m, &["layer 0"]);
    let mut bad = b0.clone();
    bad[6..14].fill(0xff);
    let m = with_blobs(&built, &[bad, built.layers[1].blob.clone()]);
    assert_fails_everywhere("corrupt zstd", &m, &["layer 0"]);
}

#[test]
fn truncated_and_corrupt_plain_tar_layer() {
    let built = small().build();
    let tar = &built.layers[0].tar;
    // Cut inside the 3000-byte file's data: the entry declares more than the stream holds.
    let m = with_blobs(&built, &[tar[..1500].to_vec(), built.layers[1].blob.clone()]);
    assert_fails_everywhere("truncated tar entry", &m, &["layer 0", "a.txt"]);
    // A header whose checksum no longer matches.
    let mut bad = tar.clone();
    bad[3584..3590].copy_from_slice(b"zzzzzz"); // inside the second header (`b`)
    let m = with_blobs(&built, &[bad, built.layers[1].blob.clone()]);
    assert_fails_everywhere("bad header checksum", &m, &["layer 0", "a.txt"]);
}

#[test]
fn blob_that_is_not_a_layer() {
    let built = small().build();
    let m = with_blobs(
        &built,
        &[b"{\"hello\": \"json\"}".to_vec(), built.layers[1].blob.clone()],
    );
    assert_fails_everywhere("json blob", &m, &["layer 0", "not a layer"]);
    let m = with_blobs(&built, &[Vec::new(), built.layers[1].blob.clone()]);
    let dir = tmp();
    let stderr = fails_on(&save(dir.path(), "empty-blob", &m, true));
    assert!(stderr.contains("layer 0") && stderr.contains("empty"), "{stderr}");
}

#[test]
fn manifest_size_disagrees_with_the_blob() {
    let built = small().build();
    let mut layers: Vec<Value> = built
        .layers
        .iter()
        .map(|l| descriptor(&l.media_type, &l.blob))
        .collect();
    layers[1]["size"] = json!(built.layers[1].blob.len() + 5);
    let manifest = json!({
        "schemaVersion": 2,
        "config": descriptor("application/vnd.oci.image.config.v1+json", &built.config),
        "layers": layers,
    });
    let blobs = [
        built.config.clone(),
        built.layers[0].blob.clone(),
        built.layers[1].blob.clone(),
    ];
    let m = oci_with_manifest(manifest, &blobs);
    assert_fails_everywhere("size", &m, &["layer 1", "declares"]);
}

#[test]
fn config_lists_more_layers_than_the_manifest() {
    let built = small().build();
    let manifest = json!({
        "schemaVersion": 2,
        "config": descriptor("application/vnd.oci.image.config.v1+json", &built.config),
        "layers": [descriptor(&built.layers[0].media_type, &built.layers[0].blob)],
    });
    let m = oci_with_manifest(manifest, &[built.config.clone(), built.layers[0].blob.clone()]);
    assert_fails_everywhere("diff_ids", &m, &["the config lists 2 layers"]);
}

#[test]
fn layer_past_max_layer_size() {
    let dir = tmp();
    let image = Image::new().layer("big", Layer::new().file("big", vec![0u8; 5000]));
    for format in [Format::OciArchive, Format::DockerSkopeo, Format::OciDir] {
        let path = format.save(dir.path(), std::slice::from_ref(&image));
        let stderr = fails(bin().arg(&path).args(["--max-layer-size", "1000"]));
        assert!(
            stderr.contains("layer 0") && stderr.contains("max-layer-size"),
            "{format:?}: {stderr}"
        );
        let ok = bin()
            .arg(&path)
            .args(["--max-layer-size", "1000000", "--json", "-"])
            .output()
            .unwrap();
        assert!(ok.status.success(), "{format:?}: a larger limit passes");
    }
    let tar = Format::OciArchive.members(std::slice::from_ref(&image)).tar(false);
    let stderr = fails(bin().args(["-", "--max-layer-size", "1000"]).write_stdin(gzip(&tar)));
    assert!(stderr.contains("max-layer-size"), "stdin: {stderr}");
}
