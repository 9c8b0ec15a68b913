//! Picking an image the way Docker names them: references compared in normal form on both
//! sides (`app` = `app:latest` = `docker.io/library/app:latest` = `index.docker.io/...`),
//! digests (`--tag sha256:…`, `FILE@sha256:…`, a prefix of 12+ hex digits), and an ambiguity
//! error that lists every candidate as `tag → digest (platform)`.

use serde_json::Value;

use crate::support::fixture::{Image, Layer, digest};
use crate::support::layout::{Format, oci_index};
use crate::support::{bin, fails, report, tmp};

fn bytes(r: &Value) -> u64 {
    r["totals"]["bytes"].as_u64().unwrap()
}

fn sized(n: usize) -> Image {
    Image::new().layer("one", Layer::new().file("f", "x".repeat(n)))
}

/// Tags written in every spelling a tool may store.
fn spelt() -> Vec<Image> {
    vec![
        sized(1).tag("docker.io/library/app:latest"),
        sized(2).tag("index.docker.io/library/app:2"),
        sized(3).tag("app:3"),
        sized(4).tag("localhost:5000/team/app:4"),
    ]
}

#[test]
fn references_match_in_docker_normal_form_on_both_sides() {
    let dir = tmp();
    for format in [Format::DockerSkopeo, Format::OciArchive] {
        let path = format.save(dir.path(), &spelt());
        let p = path.to_str().unwrap();
        for (wanted, size) in [
            ("app", 1),
            ("app:latest", 1),
            ("docker.io/library/app", 1),
            ("index.docker.io/library/app:latest", 1),
            ("app:2", 2),
            ("docker.io/library/app:2", 2),
            ("docker.io/library/app:3", 3),
            ("index.docker.io/library/app:3", 3),
            ("localhost:5000/team/app:4", 4),
        ] {
            assert_eq!(bytes(&report(&[p, "--tag", wanted])), size, "{format:?} --tag {wanted}");
        }
        assert_eq!(
            bytes(&report(&[&format!("{p}:docker.io/library/app:2")])),
            2,
            "{format:?} FILE:TAG"
        );
    }
}

/// Manifest digests of an OCI layout's images, in `index.json` order.
fn manifest_digests(index: &[u8]) -> Vec<String> {
    let index: Value = serde_json::from_slice(index).unwrap();
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["digest"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_digest_or_a_long_enough_prefix_picks_the_image() {
    let dir = tmp();
    let m = oci_index(&[sized(1).tag("a:1"), sized(2).tag("b:2"), sized(3)], false);
    let digests = manifest_digests(m.get("index.json").unwrap());
    let path = m.write_tar(&dir.path().join("three.tar"));
    let p = path.to_str().unwrap();
    for (i, d) in digests.iter().enumerate() {
        let size = i as u64 + 1;
        let hex = &d["sha256:".len()..];
        assert_eq!(bytes(&report(&[p, "--tag", d])), size, "--tag {d}");
        assert_eq!(bytes(&report(&[&format!("{p}@{d}")])), size, "FILE@{d}");
        assert_eq!(bytes(&report(&[p, "--tag", &hex[..12]])), size, "12-digit prefix");
        let r = report(&[p, "--tag", &format!("sha256:{}", &hex[..16])]);
        assert_eq!(r["image"]["digest"], d.as_str());
    }
    let stderr = fails(bin().args([p, "--tag", &digests[0]["sha256:".len().."sha256:".len() + 11]]));
    assert!(stderr.contains("no image tagged"), "11 digits are no digest: {stderr}");
}

#[test]
fn a_docker_archive_image_is_picked_by_its_image_id() {
    let dir = tmp();
    let images = [sized(1).tag("a:1"), sized(2).tag("b:2")];
    let path = Format::DockerClassic.save(dir.path(), &images);
    let id = digest(&images[1].build().config);
    let r = report(&[path.to_str().unwrap(), "--tag", &id]);
    assert_eq!(bytes(&r), 2);
    assert_eq!(r["image"]["config_digest"], id.as_str());
}

#[test]
fn an_ambiguous_choice_lists_tag_digest_and_platform() {
    let dir = tmp();
    let images = [
        sized(1).tag("app:1").platform("linux/amd64"),
        sized(2).tag("app:1").platform("linux/amd64"),
        sized(3).tag("app:1").platform("linux/amd64"),
    ];
    let m = oci_index(&images, false);
    let digests = manifest_digests(m.get("index.json").unwrap());
    let path = m.write_tar(&dir.path().join("ambiguous.tar"));
    let stderr = fails(bin().arg(&path).args(["--tag", "app:1"]));
    for d in &digests {
        assert!(
            stderr.contains(&format!("app:1 → {d} (linux/amd64)")),
            "lists {d}: {stderr}"
        );
    }
    let stderr = fails(bin().arg(&path));
    assert_eq!(stderr.matches(" → sha256:").count(), 3, "{stderr}");
}
