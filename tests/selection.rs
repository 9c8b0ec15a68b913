//! Picking one image out of several: `FILE.tar:TAG` and `--tag` in multi-image docker archives
//! and OCI indexes, the error that lists the tags when none (or a missing one) is chosen,
//! `--platform` in multi-platform and nested indexes, and the error that lists the platforms;
//! `--platform` checked against the config of a single-platform image.

use serde_json::Value;

use crate::support::fixture::{Image, Layer};
use crate::support::layout::{Format, oci_index};
use crate::support::{bin, fails, report, tmp};

/// Three images told apart by the size of their only file.
fn images() -> Vec<Image> {
    vec![
        Image::new()
            .layer("one", Layer::new().file("f", "1"))
            .tag("app:1")
            .tag("app:latest"),
        Image::new().layer("two", Layer::new().file("f", "22")).tag("app:2"),
        Image::new()
            .layer("three", Layer::new().file("f", "333"))
            .tag("other/tool:3"),
    ]
}

fn bytes(r: &Value) -> u64 {
    r["totals"]["bytes"].as_u64().unwrap()
}

#[test]
fn docker_archive_tags_pick_the_image() {
    let dir = tmp();
    for format in [Format::DockerClassic, Format::DockerSkopeo, Format::Docker25] {
        let path = format.save(dir.path(), &images());
        let p = path.to_str().unwrap();
        assert_eq!(bytes(&report(&[p, "--tag", "app:2"])), 2, "{format:?} --tag app:2");
        assert_eq!(bytes(&report(&[p, "--tag", "2"])), 2, "{format:?} --tag 2");
        assert_eq!(bytes(&report(&[&format!("{p}:2")])), 2, "{format:?} FILE:2");
        assert_eq!(
            bytes(&report(&[&format!("{p}:3")])),
            3,
            "{format:?} FILE:3 (repo with a slash)"
        );
        assert_eq!(bytes(&report(&[p, "--tag", "other/tool:3"])), 3, "{format:?}");
        assert_eq!(
            bytes(&report(&[p, "--tag", "app:latest"])),
            1,
            "{format:?} second RepoTag"
        );
        assert_eq!(
            bytes(&report(&[p, "--tag", "app"])),
            1,
            "{format:?} a repository means its :latest"
        );
        assert_eq!(
            bytes(&report(&[p, "--tag", "tool:3"])),
            3,
            "{format:?} without the registry path"
        );
        let r = report(&[p, "--tag", "app:1"]);
        assert_eq!(r["image"]["tags"], serde_json::json!(["app:1", "app:latest"]));
    }
}

#[test]
fn file_colon_full_repo_tag_picks_the_image() {
    let dir = tmp();
    let path = Format::DockerSkopeo.save(dir.path(), &images());
    let r = report(&[&format!("{}:app:2", path.display())]);
    assert_eq!(bytes(&r), 2);
}

#[test]
fn several_images_and_no_tag_lists_the_tags() {
    let dir = tmp();
    for format in [Format::DockerClassic, Format::DockerSkopeo, Format::Docker25] {
        let path = format.save(dir.path(), &images());
        let stderr = fails(bin().arg(&path));
        assert!(stderr.contains("several images"), "{format:?}: {stderr}");
        for tag in ["app:1", "app:latest", "app:2", "other/tool:3"] {
            assert!(
                stderr.contains(tag),
                "{format:?}: the error should list {tag}: {stderr}"
            );
        }
        let stderr = fails(bin().arg(&path).args(["--tag", "nope:9"]));
        assert!(stderr.contains("no image tagged \"nope:9\""), "{format:?}: {stderr}");
        assert!(stderr.contains("app:2"), "{format:?}: {stderr}");
    }
}

#[test]
fn several_images_on_stdin_need_a_tag_too() {
    let members = Format::DockerSkopeo.members(&images());
    let out = bin()
        .args(["-", "--tag", "app:2", "--json", "-"])
        .write_stdin(members.tar(false))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bytes(&r), 2);
    let stderr = fails(bin().arg("-").write_stdin(members.tar(false)));
    assert!(
        stderr.contains("several images") && stderr.contains("app:2"),
        "{stderr}"
    );
}

#[test]
fn oci_index_ref_names_pick_the_image() {
    let dir = tmp();
    // Same platform for all three, so only the tag can decide.
    let path = dir.path().join("multi.tar");
    oci_index(&images(), false).write_tar(&path);
    let p = path.to_str().unwrap();
    assert_eq!(bytes(&report(&[p, "--tag", "app:2"])), 2);
    assert_eq!(bytes(&report(&[&format!("{p}:3")])), 3);
    let stderr = fails(bin().arg(&path));
    assert!(
        stderr.contains("several images") && stderr.contains("app:1") && stderr.contains("app:2"),
        "{stderr}"
    );
}

fn platforms() -> Vec<Image> {
    vec![
        Image::new()
            .platform("linux/amd64")
            .layer("amd64", Layer::new().file("f", "1")),
        Image::new()
            .platform("linux/arm64/v8")
            .layer("arm64", Layer::new().file("f", "22")),
        Image::new()
            .platform("linux/arm/v7")
            .layer("arm", Layer::new().file("f", "333")),
    ]
}

#[test]
fn platform_picks_from_a_multi_platform_index() {
    let dir = tmp();
    for nested in [false, true] {
        let path = dir.path().join(format!("platforms-{nested}"));
        oci_index(&platforms(), nested).write_dir(&path);
        let p = path.to_str().unwrap();
        for (platform, size, config) in [
            ("linux/amd64", 1, "linux/amd64"),
            ("linux/arm64", 2, "linux/arm64/v8"),
            ("linux/arm64/v8", 2, "linux/arm64/v8"),
            ("linux/arm/v7", 3, "linux/arm/v7"),
        ] {
            let r = report(&[p, "--platform", platform]);
            assert_eq!(bytes(&r), size, "nested={nested} --platform {platform}");
            assert_eq!(r["image"]["platform"], config);
        }
    }
}

#[test]
fn default_platform_is_the_hosts() {
    let dir = tmp();
    let path = dir.path().join("platforms");
    oci_index(&platforms(), true).write_dir(&path);
    let host = deadweight::source::resolve::host_platform();
    let out = bin().arg(&path).args(["--json", "-"]).output().unwrap();
    if ["linux/amd64", "linux/arm64"].contains(&host.as_str()) {
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            r["image"]["platform"].as_str().unwrap().starts_with(&host),
            "host {host}: {r}"
        );
    } else {
        assert_eq!(out.status.code(), Some(2), "host {host} has no image in the index");
    }
}

#[test]
fn missing_platform_lists_the_platforms() {
    let dir = tmp();
    let path = dir.path().join("platforms.tar");
    oci_index(&platforms(), false).write_tar(&path);
    let stderr = fails(bin().arg(&path).args(["--platform", "linux/s390x"]));
    assert!(stderr.contains("no image for platform linux/s390x"), "{stderr}");
    for p in ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"] {
        assert!(stderr.contains(p), "the error should list {p}: {stderr}");
    }
}

#[test]
fn attestation_manifests_are_not_platforms() {
    let dir = tmp();
    let mut m = oci_index(&platforms(), false);
    let mut index: Value = serde_json::from_slice(m.get("index.json").unwrap()).unwrap();
    let amd64 = index["manifests"][0].clone();
    let mut attestation = amd64.clone();
    attestation["platform"] = serde_json::json!({"os": "unknown", "architecture": "unknown"});
    attestation["annotations"] = serde_json::json!({"vnd.docker.reference.type": "attestation-manifest"});
    index["manifests"].as_array_mut().unwrap().push(attestation);
    m.set("index.json", serde_json::to_vec(&index).unwrap());
    let path = dir.path().join("buildx.tar");
    m.write_tar(&path);
    let r = report(&[path.to_str().unwrap(), "--platform", "linux/amd64"]);
    assert_eq!(bytes(&r), 1);
    let stderr = fails(bin().arg(&path).args(["--platform", "windows/amd64"]));
    assert!(
        !stderr.contains("unknown/unknown"),
        "attestations are not offered as platforms: {stderr}"
    );
}

#[test]
fn platform_is_checked_for_single_platform_images() {
    let dir = tmp();
    let image = Image::new()
        .layer("one", Layer::new().file("f", "1"))
        .platform("linux/arm64")
        .tag("app:1");
    for format in [
        Format::DockerClassic,
        Format::DockerSkopeo,
        Format::Docker25,
        Format::OciArchive,
    ] {
        let path = format.save(dir.path(), std::slice::from_ref(&image));
        let p = path.to_str().unwrap();
        let stderr = fails(bin().args([p, "--platform", "linux/amd64"]));
        assert!(
            stderr.contains("no image for platform linux/amd64") && stderr.contains("linux/arm64"),
            "{format:?}: {stderr}"
        );
        // A variant asked for but absent from the config is no mismatch.
        for ok in ["linux/arm64", "linux/arm64/v8"] {
            let r = report(&[p, "--platform", ok]);
            assert_eq!(r["image"]["platform"], "linux/arm64", "{format:?} --platform {ok}");
        }
        // Without --platform the image is read whatever its platform.
        assert_eq!(report(&[p])["image"]["platform"], "linux/arm64", "{format:?}");
    }
}
