//! The same image gives the same report whatever container holds it: every docker-archive
//! layout, OCI archive (with and without `./` prefixes), OCI layout directory, plain, gzip,
//! multi-member gzip and zstd layers, whole archives compressed with gzip or zstd, read from a
//! file or from stdin. Only the fields that describe the container may differ (see
//! `support::comparable`); everything else must be identical.

use serde_json::Value;

use crate::support::fixture::{Compression, Image, gzip, zstd};
use crate::support::layout::Format;
use crate::support::{bin, comparable, report, report_of, rich_image, tmp};

fn assert_same(what: &str, expected: &Value, got: &Value) {
    if expected != got {
        let e = serde_json::to_string_pretty(expected).unwrap();
        let g = serde_json::to_string_pretty(got).unwrap();
        let line = e.lines().zip(g.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{what}: report differs from the reference at line {line}:\n  expected: {}\n  got:      {}",
            e.lines().nth(line).unwrap_or(""),
            g.lines().nth(line).unwrap_or("")
        );
    }
}

fn stdin_report(bytes: Vec<u8>) -> Value {
    let out = bin().args(["-", "--json", "-"]).write_stdin(bytes).output().unwrap();
    assert!(out.status.success(), "stdin: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_format_gives_the_same_report() {
    let dir = tmp();
    let image = rich_image();
    let reference = comparable(report_of(
        &Format::OciArchive.save(dir.path(), std::slice::from_ref(&image)),
    ));
    for format in Format::ALL {
        let path = format.save(dir.path(), std::slice::from_ref(&image));
        let r = report_of(&path);
        let expected_format = match format {
            Format::DockerClassic | Format::DockerSkopeo | Format::Docker25 => "docker-archive",
            Format::OciArchive | Format::OciArchiveDotSlash => "oci-archive",
            Format::OciDir => "oci-layout",
            Format::ContainersDir | Format::ContainersDirDocker => "dir",
        };
        assert_eq!(r["image"]["format"], expected_format, "{format:?}");
        assert_same(&format!("{format:?}"), &reference, &comparable(r));
    }
}

#[test]
fn rich_image_has_a_layer_too_big_to_keep_in_memory_when_streaming() {
    let built = rich_image().build();
    assert!(
        built.layers[2].blob.len() > 64 * 1024,
        "gzip blob of {} bytes",
        built.layers[2].blob.len()
    );
}

#[test]
fn docker_archives_store_plain_layers_and_no_media_type() {
    let dir = tmp();
    let r = report_of(&Format::DockerSkopeo.save(dir.path(), &[rich_image()]));
    for layer in r["layers"].as_array().unwrap() {
        assert_eq!(layer["compression"], "none");
        assert_eq!(layer["compressed_bytes"], layer["tar_bytes"]);
        assert_eq!(
            layer["digest"], layer["diff_id"],
            "a plain layer's blob digest is its diff id"
        );
        assert_eq!(layer["media_type"], Value::Null);
    }
    assert_eq!(r["image"]["tags"], serde_json::json!(["rich:1"]));
}

#[test]
fn every_layer_compression_gives_the_same_report() {
    let dir = tmp();
    let mut reports = Vec::new();
    for c in Compression::ALL {
        let path = Format::OciArchive.save(dir.path(), &[rich_image().compression(c)]);
        let r = report_of(&path);
        let want = match c {
            Compression::Plain => "none",
            Compression::Gzip | Compression::GzipMulti | Compression::Estargz => "gzip",
            Compression::Zstd | Compression::ZstdChunked => "zstd",
        };
        for layer in r["layers"].as_array().unwrap() {
            assert_eq!(layer["compression"], want, "{c:?}");
        }
        reports.push((c, comparable(r)));
    }
    for (c, r) in &reports[1..] {
        assert_same(&format!("{c:?} layers"), &reports[0].1, r);
    }
}

#[test]
fn layers_of_mixed_compression_in_one_image() {
    use crate::support::fixture::Layer;
    let dir = tmp();
    let image = Image::new()
        .layer("a", Layer::new().file("a", "aaaa").compression(Compression::Plain))
        .layer("b", Layer::new().file("b", "bbbbbb").compression(Compression::Zstd))
        .layer("c", Layer::new().file("c", "cc").compression(Compression::GzipMulti));
    let r = report_of(&Format::OciDir.save(dir.path(), &[image]));
    let got: Vec<&Value> = r["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["compression"])
        .collect();
    assert_eq!(got, ["none", "zstd", "gzip"]);
    assert_eq!(r["totals"]["bytes"], 12);
}

#[test]
fn compressed_archives_and_stdin_give_the_same_report() {
    let dir = tmp();
    let image = rich_image();
    let reference = comparable(report_of(
        &Format::OciArchive.save(dir.path(), std::slice::from_ref(&image)),
    ));
    for format in [
        Format::DockerClassic,
        Format::DockerSkopeo,
        Format::Docker25,
        Format::OciArchive,
        Format::OciArchiveDotSlash,
    ] {
        let tar = format
            .members(std::slice::from_ref(&image))
            .tar(format == Format::OciArchiveDotSlash);
        for (ext, bytes, outer) in [
            ("tar", tar.clone(), None),
            ("tar.gz", gzip(&tar), Some("gzip")),
            ("tar.zst", zstd(&tar), Some("zstd")),
        ] {
            let path = dir.path().join(format!("{format:?}.{ext}"));
            std::fs::write(&path, &bytes).unwrap();
            let what = format!("{format:?} .{ext}");
            let from_file = report_of(&path);
            if let Some(outer) = outer {
                let f = from_file["image"]["format"].as_str().unwrap();
                assert!(f.ends_with(&format!("+{outer}")), "{what}: format {f}");
            }
            assert_same(&what, &reference, &comparable(from_file));
            assert_same(
                &format!("{what} on stdin"),
                &reference,
                &comparable(stdin_report(bytes)),
            );
        }
    }
}

#[test]
fn docker_archive_with_manifest_last_streams_from_stdin() {
    let image = rich_image();
    let dir = tmp();
    let reference = comparable(report_of(
        &Format::DockerSkopeo.save(dir.path(), std::slice::from_ref(&image)),
    ));
    let mut members = Format::DockerSkopeo.members(std::slice::from_ref(&image));
    members.move_last("manifest.json");
    let r = stdin_report(gzip(&members.tar(false)));
    assert_eq!(r["image"]["format"], "docker-archive+gzip");
    assert_same("manifest.json last, gzip on stdin", &reference, &comparable(r));
}

#[test]
fn oci_layout_with_docker_media_types_reads_the_same() {
    use crate::support::fixture::descriptor;
    use crate::support::layout::{Members, index_json};
    let dir = tmp();
    let image = rich_image();
    let reference = comparable(report_of(
        &Format::OciArchive.save(dir.path(), std::slice::from_ref(&image)),
    ));
    let built = image.build();
    let mut m = Members::default();
    m.set_blob(built.config.clone());
    let mut layers = Vec::new();
    for l in &built.layers {
        m.set_blob(l.blob.clone());
        layers.push(descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", &l.blob));
    }
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": descriptor("application/vnd.docker.container.image.v1+json", &built.config),
        "layers": layers,
    }))
    .unwrap();
    m.set_blob(manifest.clone());
    let mut d = descriptor("application/vnd.docker.distribution.manifest.v2+json", &manifest);
    d["platform"] = serde_json::json!({"os": "linux", "architecture": "amd64"});
    let list = index_json(&[d]);
    m.set_blob(list.clone());
    m.set(
        "index.json",
        index_json(&[descriptor(
            "application/vnd.docker.distribution.manifest.list.v2+json",
            &list,
        )]),
    );
    let path = dir.path().join("docker-types");
    m.write_dir(&path);
    let r = report(&[path.to_str().unwrap(), "--platform", "linux/amd64"]);
    assert_eq!(
        r["layers"][0]["media_type"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
    assert_same("docker media types", &reference, &comparable(r));
}

#[test]
fn unpacked_docker_archive_directory_reads_the_same() {
    let dir = tmp();
    let image = rich_image();
    let reference = comparable(report_of(
        &Format::OciArchive.save(dir.path(), std::slice::from_ref(&image)),
    ));
    for format in [Format::DockerClassic, Format::DockerSkopeo, Format::Docker25] {
        let path = dir.path().join(format!("{format:?}-unpacked"));
        format.members(std::slice::from_ref(&image)).write_dir(&path);
        let r = report_of(&path);
        assert_eq!(r["image"]["format"], "docker-archive", "{format:?}");
        assert_same(&format!("{format:?} unpacked"), &reference, &comparable(r));
    }
}

#[test]
fn docker_manifest_naming_the_layer_symlinks_reads_the_same() {
    let image = rich_image();
    let dir = tmp();
    let reference = comparable(report_of(
        &Format::DockerSkopeo.save(dir.path(), std::slice::from_ref(&image)),
    ));
    let mut members = Format::DockerSkopeo.members(std::slice::from_ref(&image));
    let links: Vec<String> = members
        .0
        .iter()
        .filter_map(|m| match m {
            crate::support::layout::Member::Symlink(name, _) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut manifest: Value = serde_json::from_slice(members.get("manifest.json").unwrap()).unwrap();
    manifest[0]["Layers"] = serde_json::json!(links);
    members.set("manifest.json", serde_json::to_vec(&manifest).unwrap());
    let path = dir.path().join("links.tar");
    members.write_tar(&path);
    assert_same(
        "manifest names <id>/layer.tar symlinks",
        &reference,
        &comparable(report_of(&path)),
    );
    assert_same(
        "the same on stdin",
        &reference,
        &comparable(stdin_report(members.tar(false))),
    );
}

#[test]
fn source_prefixes_read_the_same_image() {
    let dir = tmp();
    let image = rich_image();
    let docker = Format::DockerSkopeo.save(dir.path(), std::slice::from_ref(&image));
    let oci_archive = Format::OciArchive.save(dir.path(), std::slice::from_ref(&image));
    let oci_dir = Format::OciDir.save(dir.path(), std::slice::from_ref(&image));
    let reference = comparable(report_of(&docker));
    let (d, a, o) = (docker.display(), oci_archive.display(), oci_dir.display());
    let forms: Vec<Vec<String>> = vec![
        vec![format!("docker-archive://{d}")],
        vec![format!("docker-archive:{d}")],
        vec!["--source".into(), "docker-archive".into(), d.to_string()],
        vec!["--source".into(), "docker-archive".into(), a.to_string()],
        vec![format!("oci-archive://{a}")],
        vec![format!("oci-archive:{a}")],
        vec![format!("oci://{o}")],
        vec![format!("oci:{o}")],
        vec!["--source".into(), "oci".into(), o.to_string()],
    ];
    for args in forms {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = report(&args);
        assert_eq!(
            r["image"]["reference"],
            *args.last().unwrap(),
            "the reference is the argument as typed"
        );
        assert_same(&format!("{args:?}"), &reference, &comparable(r));
    }
}

#[test]
fn json_file_matches_json_stdout_and_text_summary_is_printed() {
    let dir = tmp();
    let path = Format::OciArchive.save(dir.path(), &[rich_image()]);
    let out_file = dir.path().join("report.json");
    let out = bin().arg(&path).arg("--json").arg(&out_file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(path.to_str().unwrap()) && !stdout.starts_with('{'),
        "the text summary goes to stdout: {stdout}"
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(written, report_of(&path));
}

#[test]
fn reports_are_deterministic() {
    let dir = tmp();
    let path = Format::OciArchive.save(dir.path(), &[rich_image()]);
    let a = bin().arg(&path).args(["--json", "-"]).output().unwrap().stdout;
    let b = bin().arg(&path).args(["--json", "-"]).output().unwrap().stdout;
    assert!(!a.is_empty());
    assert_eq!(a, b, "two runs on the same file must print identical bytes");
}
