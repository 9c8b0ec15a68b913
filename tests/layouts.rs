//! Layouts and archives as other tools write them: an OCI index naming the same nested index or
//! manifest under several tags, containers/image's `dir:` layout (fixture and real skopeo),
//! format errors that say what the input was read as, `docker save` configs not named after
//! their content, `--source` contradicted by the content, and outer archives compressed with
//! xz or bzip2.

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::fixture::{Image, Layer, descriptor};
use crate::support::layout::{Format, add_oci_blobs, containers_dir, index_json, oci_index};
use crate::support::{bin, corpus_dir, fails, report, tmp};

/// Runs `deadweight ARGS --json -`, asserting success; the report and stderr.
pub fn report_and_stderr(args: &[&str]) -> (Value, String) {
    let out = bin().args(args).args(["--json", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "deadweight {args:?} failed: {stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn bytes(r: &Value) -> u64 {
    r["totals"]["bytes"].as_u64().unwrap()
}

fn sized(n: usize, tag: &str) -> Image {
    Image::new()
        .layer("one", Layer::new().file("f", "x".repeat(n)))
        .tag(tag)
}

fn ref_name(d: &mut Value, name: &str) {
    d["annotations"] = json!({"org.opencontainers.image.ref.name": name});
}

#[test]
fn a_nested_index_under_several_tags_is_no_cycle() {
    let dir = tmp();
    let (amd, arm) = (
        sized(1, "x").platform("linux/amd64").build(),
        sized(2, "x").platform("linux/arm64").build(),
    );
    let mut m = oci_index(&[], false);
    let mut inner = Vec::new();
    for img in [&amd, &arm] {
        let man = add_oci_blobs(&mut m, img);
        let mut d = descriptor("application/vnd.oci.image.manifest.v1+json", &man);
        d["platform"] = img.platform.clone();
        inner.push(d);
    }
    let nested = index_json(&inner);
    m.set_blob(nested.clone());
    let other = sized(3, "other").build();
    let other_man = add_oci_blobs(&mut m, &other);
    let mut outer = Vec::new();
    for tag in ["app:1", "app:2"] {
        let mut d = descriptor("application/vnd.oci.image.index.v1+json", &nested);
        ref_name(&mut d, tag);
        outer.push(d);
    }
    let mut d = descriptor("application/vnd.oci.image.manifest.v1+json", &other_man);
    ref_name(&mut d, "other:3");
    outer.push(d);
    m.set("index.json", index_json(&outer));
    let path = dir.path().join("shared-index");
    m.write_dir(&path);
    let p = path.to_str().unwrap();
    assert_eq!(bytes(&report(&[p, "--tag", "other:3"])), 3, "a tag not using the index");
    for tag in ["app:1", "app:2"] {
        let r = report(&[p, "--tag", tag, "--platform", "linux/arm64"]);
        assert_eq!(bytes(&r), 2, "{tag}: the nested index's own name picks it");
        assert_eq!(r["image"]["platform"], "linux/arm64");
    }
}

#[test]
fn the_same_manifest_under_several_tags_is_one_image() {
    let dir = tmp();
    let mut m = oci_index(&[], false);
    let man = add_oci_blobs(&mut m, &sized(4, "x").build());
    let descs: Vec<Value> = ["app:1", "app:latest"]
        .iter()
        .map(|t| {
            let mut d = descriptor("application/vnd.oci.image.manifest.v1+json", &man);
            ref_name(&mut d, t);
            d
        })
        .collect();
    m.set("index.json", index_json(&descs));
    let path = m.write_tar(&dir.path().join("twice.tar"));
    let r = report(&[path.to_str().unwrap()]);
    assert_eq!(bytes(&r), 4);
    assert_eq!(r["image"]["tags"], json!(["app:1", "app:latest"]));
}

#[test]
fn format_errors_say_what_the_input_was_read_as() {
    let dir = tmp();
    let cases = [
        (
            "manifest.json",
            br#"{"schemaVersion": 2, "config": 5}"#.to_vec(),
            "containers/image directory",
        ),
        ("manifest.json", br#"[{"Config": 5}]"#.to_vec(), "docker save archive"),
        ("index.json", br#"{"manifests": 5}"#.to_vec(), "OCI image layout"),
    ];
    for (i, (name, doc, read_as)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("case{i}"));
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join(name), doc).unwrap();
        let stderr = fails(bin().arg(&path));
        assert!(stderr.contains(read_as), "{name}: {stderr}");
    }
}

#[test]
fn a_containers_dir_with_a_docker_manifest_reports_its_digest() {
    let dir = tmp();
    let built = sized(5, "x").build();
    let m = containers_dir(&built, true);
    let path = dir.path().join("docker-dir");
    m.write_dir(&path);
    let r = report(&[path.to_str().unwrap()]);
    assert_eq!(r["image"]["format"], "dir");
    let digest = crate::support::fixture::digest(m.get("manifest.json").unwrap());
    assert_eq!(r["image"]["digest"], digest.as_str());
    assert_eq!(bytes(&r), 5);
}

/// `skopeo copy oci-archive:… dir:…`, the real tool's layout, read like the archive it came from.
#[test]
fn skopeo_dir_layout_loads() {
    let Some(corpus) = corpus_dir() else { return };
    if !crate::support::servers::have("skopeo") {
        crate::support::servers::skip("skopeo is not installed: the real dir: layout is not tested");
        return;
    }
    let dir = tmp();
    let archive = corpus.join("tiny/tiny.oci-archive.tar");
    let from_archive = crate::support::comparable(report(&[archive.to_str().unwrap()]));
    // As copied (an OCI manifest), and converted to Docker v2s2 as `podman save --format
    // docker-dir` writes it.
    for format in ["oci", "v2s2"] {
        let target = dir.path().join(format!("tiny-{format}"));
        let out = std::process::Command::new("skopeo")
            .args(["copy", "--quiet", "--insecure-policy", "--format", format])
            .arg(format!("oci-archive:{}", archive.display()))
            .arg(format!("dir:{}", target.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "skopeo: {}", String::from_utf8_lossy(&out.stderr));
        assert!(target.join("version").is_file());
        let manifest = std::fs::read_to_string(target.join("manifest.json")).unwrap();
        let docker = manifest.contains("application/vnd.docker.distribution.manifest.v2+json");
        assert_eq!(docker, format == "v2s2", "{manifest}");
        let from_dir = report(&[target.to_str().unwrap()]);
        assert_eq!(from_dir["image"]["format"], "dir");
        assert_eq!(crate::support::comparable(from_dir), from_archive, "{format}");
    }
}

#[test]
fn a_docker_save_config_not_named_after_its_content_loads_with_a_warning() {
    let dir = tmp();
    let image = sized(6, "app:1");
    let mut m = Format::DockerSkopeo.members(std::slice::from_ref(&image));
    let manifest: Value = serde_json::from_slice(m.get("manifest.json").unwrap()).unwrap();
    let config_name = manifest[0]["Config"].as_str().unwrap().to_string();
    let mut edited = m.get(&config_name).unwrap().to_vec();
    edited.push(b'\n'); // hand-edited: same meaning, other bytes
    m.set(&config_name, edited);
    let path = m.write_tar(&dir.path().join("edited.tar"));
    let (r, stderr) = report_and_stderr(&[path.to_str().unwrap()]);
    assert_eq!(bytes(&r), 6);
    assert!(stderr.contains("warning") && stderr.contains(&config_name), "{stderr}");
    // Docker 25+ names it blobs/sha256/<hex>: there the name is a promise.
    let mut m = Format::Docker25.members(&[image]);
    let manifest: Value = serde_json::from_slice(m.get("manifest.json").unwrap()).unwrap();
    let config_name = manifest[0]["Config"].as_str().unwrap().to_string();
    let mut edited = m.get(&config_name).unwrap().to_vec();
    edited.push(b'\n');
    m.set(&config_name, edited);
    let path = m.write_tar(&dir.path().join("edited25.tar"));
    let stderr = fails(bin().arg(&path));
    assert!(
        stderr.contains("digest mismatch") && stderr.contains(&config_name),
        "{stderr}"
    );
}

#[test]
fn a_source_the_content_contradicts_is_read_anyway_with_a_note() {
    let dir = tmp();
    let image = sized(7, "app:1");
    let docker = Format::DockerSkopeo.save(dir.path(), std::slice::from_ref(&image));
    let oci = Format::OciArchive.save(dir.path(), std::slice::from_ref(&image));
    for (path, source, is) in [
        (&docker, "oci-archive", "docker-archive"),
        (&oci, "docker-archive", "oci-archive"),
    ] {
        let p = path.to_str().unwrap();
        let (r, stderr) = report_and_stderr(&[p, "--source", source]);
        assert_eq!(bytes(&r), 7);
        let notes: Vec<&str> = stderr.lines().filter(|l| l.contains("note:")).collect();
        assert_eq!(notes.len(), 1, "{stderr}");
        assert!(notes[0].contains(is) && notes[0].contains(source), "{stderr}");
        let (_, stderr) = report_and_stderr(&[&format!("{source}:{p}")]);
        assert!(stderr.contains("note:"), "the prefix form notes it too: {stderr}");
        let (_, stderr) = report_and_stderr(&[p, "--source", is]);
        assert!(!stderr.contains("note:"), "{stderr}");
    }
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = liblzma::write::XzEncoder::new(Vec::new(), 1);
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn archives_compressed_with_xz_or_bzip2_load() {
    let dir = tmp();
    let image = crate::support::rich_image();
    let tar = Format::DockerSkopeo.members(std::slice::from_ref(&image)).tar(false);
    let plain = crate::support::comparable(report(&[Format::DockerSkopeo
        .save(dir.path(), &[image])
        .to_str()
        .unwrap()]));
    for (name, packed) in [("xz", xz(&tar)), ("bzip2", bzip2(&tar))] {
        let path = dir.path().join(format!("image.tar.{name}"));
        std::fs::write(&path, &packed).unwrap();
        let r = report(&[path.to_str().unwrap()]);
        assert_eq!(r["image"]["format"], format!("docker-archive+{name}"));
        assert_eq!(crate::support::comparable(r), plain, "{name}");
        let cut = dir.path().join(format!("cut.tar.{name}"));
        std::fs::write(&cut, &packed[..packed.len() - 20]).unwrap();
        let stderr = fails(bin().arg(&cut));
        assert!(stderr.contains(&*cut.to_string_lossy()), "{name}: {stderr}");
    }
}

/// eStargz and zstd:chunked layers: the diff id is the sha256 of the whole decompressed stream
/// (for eStargz that includes the TOC entry and the landmark; its footer is an empty gzip
/// member, and zstd:chunked's manifest and footer are skippable frames, so neither adds a
/// byte). deadweight reads the same tar the diff id names, TOC included, as a plain
/// extraction would.
#[test]
fn estargz_and_zstd_chunked_layers_decode_to_their_diff_ids() {
    use crate::support::fixture::{Compression, digest};
    use std::io::Read;
    let dir = tmp();
    for c in [Compression::Estargz, Compression::ZstdChunked] {
        let layer = Layer::new()
            .file("app/a.py", "print(1)\n")
            .file("app/b.bin", vec![9u8; 3000]);
        let layer = match c {
            Compression::Estargz => layer.estargz_toc(),
            _ => layer,
        };
        let image = Image::new().layer("COPY app /app", layer).compression(c);
        let built = image.build();
        let blob = &built.layers[0].blob;
        let mut plain = Vec::new();
        match c {
            Compression::Estargz => flate2::read::MultiGzDecoder::new(blob.as_slice()).read_to_end(&mut plain),
            _ => zstd::stream::read::Decoder::new(blob.as_slice())
                .unwrap()
                .read_to_end(&mut plain),
        }
        .unwrap();
        assert_eq!(
            digest(&plain),
            built.layers[0].diff_id,
            "{c:?}: the fixture is what real tools write"
        );
        let path = Format::OciArchive.save(dir.path(), &[image]);
        let r = report(&[path.to_str().unwrap()]);
        let l = &r["layers"][0];
        assert_eq!(l["diff_id"], built.layers[0].diff_id.as_str(), "{c:?}");
        assert_eq!(
            l["tar_bytes"],
            plain.len() as u64,
            "{c:?}: every byte of the stream read"
        );
        assert_eq!(
            l["compressed_bytes"],
            blob.len() as u64,
            "{c:?}: the footer is part of the blob"
        );
        let files = 2 + if c == Compression::Estargz { 2 } else { 0 };
        assert_eq!(r["totals"]["files"], files, "{c:?}: {}", r["totals"]);
    }
}

/// "Compressed" and "PULL" said the tar size for a `docker save` layer. The pull size is shown
/// only where the image says it (a manifest's descriptor sizes); elsewhere the figure is
/// labelled as what it is, the blob as stored.
#[test]
fn the_pull_size_is_shown_only_where_the_image_says_it() {
    let dir = tmp();
    let image = crate::support::rich_image();
    let docker = Format::DockerSkopeo.save(dir.path(), std::slice::from_ref(&image));
    let oci = Format::OciArchive.save(dir.path(), std::slice::from_ref(&image));
    let built = image.build();
    let r = report(&[docker.to_str().unwrap()]);
    assert_eq!(r["totals"]["pull_bytes"], Value::Null);
    assert!(
        r["layers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["pull_bytes"].is_null())
    );
    let r = report(&[oci.to_str().unwrap()]);
    let blobs: Vec<u64> = built.layers.iter().map(|l| l.blob.len() as u64).collect();
    assert_eq!(r["totals"]["pull_bytes"], blobs.iter().sum::<u64>());
    for (l, size) in r["layers"].as_array().unwrap().iter().zip(&blobs) {
        assert_eq!(l["pull_bytes"], *size);
    }
    let text = |p: &Path| {
        let out = bin().arg(p).arg("--text").output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let docker_text = text(&docker);
    assert!(
        docker_text.contains("as stored; the pull size is not in the image") && docker_text.contains("STORED"),
        "{docker_text}"
    );
    assert!(
        !docker_text.contains("compressed") && !docker_text.contains("PULL"),
        "{docker_text}"
    );
    let oci_text = text(&oci);
    assert!(oci_text.contains("to pull") && oci_text.contains("PULL"), "{oci_text}");
    let html = |p: &Path| {
        let page = dir.path().join("page.html");
        assert!(bin().arg(p).arg("--html").arg(&page).output().unwrap().status.success());
        std::fs::read_to_string(&page).unwrap()
    };
    let docker_html = html(&docker);
    assert!(
        docker_html.contains("<dt>Stored</dt>") && !docker_html.contains("what a pull downloads"),
        "the HTML page does not call the stored tars a pull"
    );
    assert!(html(&oci).contains("<dt>Pull</dt>"));
}

/// Shared nested indexes are expanded once, but the images they name together stay bounded:
/// 120 references to an index of 120 entries is 14,400 candidates, over the limit of 10,000,
/// and ends in a clear error rather than in an explosion of work.
#[test]
fn shared_nested_indexes_cannot_multiply_without_bound() {
    let dir = tmp();
    let mut m = oci_index(&[], false);
    let man = add_oci_blobs(&mut m, &sized(1, "x").build());
    let entry = descriptor("application/vnd.oci.image.manifest.v1+json", &man);
    let inner = index_json(&vec![entry; 120]);
    m.set_blob(inner.clone());
    let nested = descriptor("application/vnd.oci.image.index.v1+json", &inner);
    m.set("index.json", index_json(&vec![nested; 120]));
    let path = m.write_tar(&dir.path().join("wide.tar"));
    let stderr = fails(bin().arg(&path));
    assert!(stderr.contains("exceeds the limit of 10000 entries"), "{stderr}");
}
