//! The registry source against a real registry (Debian's `docker-registry` on 127.0.0.1, images
//! pushed by skopeo): the report of an image read from the registry equals the report of the
//! archive it was pushed from, for gzip and zstd layers, by tag and by digest, from a
//! multi-platform index, with basic credentials from a Docker config file and with bearer
//! tokens (anonymous and with credentials, as Docker Hub hands them out); and each failure
//! (manifest unknown, unauthorized, connection refused, blob digest mismatch) exits 2 naming
//! the reference. Skips with a notice where the programs are missing.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::fixture::{Image, Layer};
use crate::support::servers::{Registry, fails_with, free_port, report_with, same_blobs};
use crate::support::token::{SERVICE, TokenService};
use crate::support::{comparable, corpus_dir, layout, report_of, rich_image};

fn report(args: &[&str]) -> Value {
    report_with(args, &[])
}

/// The corpus image `name/file`, or `None` with a notice when the corpus is absent.
fn corpus_file(name: &str, file: &str) -> Option<String> {
    let path = corpus_dir()?.join(name).join(file);
    Some(path.to_str().unwrap().to_string())
}

#[test]
fn gzip_and_zstd_pushes_report_as_their_archives() {
    let (Some(_), Some(reg)) = (corpus_dir(), Registry::start(None)) else {
        return;
    };
    for name in ["tiny", "tiny-buildah"] {
        let gzip = corpus_file(name, &format!("{name}.oci-archive.tar")).unwrap();
        let zstd = corpus_file(name, &format!("{name}.oci-zstd")).unwrap();
        reg.push(&format!("oci-archive:{gzip}"), &format!("{name}:gzip"), &[]);
        reg.push(&format!("oci:{zstd}"), &format!("{name}:zstd"), &[]);
        // skopeo copies the blobs as they are: digests and pull sizes must match the archive's.
        let from_gzip = report(&[&reg.reference(&format!("{name}:gzip"))]);
        assert_eq!(
            same_blobs(from_gzip.clone()),
            same_blobs(report(&[&gzip])),
            "{name}: gzip"
        );
        assert_eq!(from_gzip["image"]["format"], "registry");
        let from_zstd = report(&[&reg.reference(&format!("{name}:zstd"))]);
        assert_eq!(
            same_blobs(from_zstd.clone()),
            same_blobs(report(&[&zstd])),
            "{name}: zstd"
        );
        assert!(
            from_zstd["layers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["compression"] == "zstd")
        );
        // And the content is the same whatever the compression.
        assert_eq!(
            comparable(from_gzip.clone()),
            comparable(from_zstd),
            "{name}: gzip vs zstd"
        );
        // By digest, as `docker pull NAME@sha256:...`.
        let digest = from_gzip["image"]["digest"].as_str().unwrap();
        let by_digest = report(&[&reg.reference(&format!("{name}@{digest}"))]);
        assert_eq!(same_blobs(by_digest), same_blobs(from_gzip));
    }
    // The docker-archive, gzipped on push under a Docker v2 schema 2 manifest: new blobs,
    // the same config and content.
    let archive = corpus_file("tiny", "tiny.docker-archive.tar").unwrap();
    reg.push(&format!("docker-archive:{archive}"), "tiny:docker", &[]);
    let pushed = report(&[&reg.reference("tiny:docker")]);
    let layers = pushed["layers"].as_array().unwrap();
    assert!(
        layers
            .iter()
            .all(|l| l["media_type"] == "application/vnd.docker.image.rootfs.diff.tar.gzip"),
        "{layers:?}"
    );
    assert_eq!(comparable(pushed), comparable(report(&[&archive])));
}

#[test]
fn py_sample_from_the_registry_matches_its_archive() {
    let (Some(_), Some(reg)) = (corpus_dir(), Registry::start(None)) else {
        return;
    };
    let archive = corpus_file("py-sample", "py-sample.oci-archive.tar").unwrap();
    reg.push(&format!("oci-archive:{archive}"), "py-sample:1", &[]);
    let from_registry = report(&[&reg.reference("py-sample:1")]);
    assert_eq!(same_blobs(from_registry), same_blobs(report(&[&archive])));
}

/// A two-platform index (amd64 and arm64, different content) as an OCI layout directory.
fn two_platforms(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let amd64 = rich_image().platform("linux/amd64");
    let arm64 = Image::new()
        .layer("ADD arm.tar /", Layer::new().file("arm64-only.bin", vec![3u8; 4096]))
        .platform("linux/arm64/v8")
        .tag("rich:1");
    // Nested: skopeo's `oci:DIR` wants one top descriptor, and `--all` copies the index under it.
    let members = layout::oci_index(&[amd64, arm64], true);
    let layout_dir = dir.join("multi");
    members.write_dir(&layout_dir);
    let archive = members.write_tar(&dir.join("multi.tar"));
    (layout_dir, archive)
}

#[test]
fn multi_platform_index_picks_the_platform() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let tmp = crate::support::tmp();
    let (layout_dir, archive) = two_platforms(tmp.path());
    reg.push(&format!("oci:{}", layout_dir.display()), "multi:1", &["--all"]);
    let reference = reg.reference("multi:1");
    let archive = archive.to_str().unwrap();
    for platform in ["linux/amd64", "linux/arm64"] {
        let from_registry = report(&[&reference, "--platform", platform]);
        let from_archive = report(&[archive, "--platform", platform]);
        assert_eq!(same_blobs(from_registry), same_blobs(from_archive), "{platform}");
    }
    if cfg!(target_arch = "x86_64") {
        // No --platform: the host's.
        let default = report(&[&reference]);
        assert_eq!(default["image"]["platform"], "linux/amd64");
    }
    let err = fails_with(&[&reference, "--platform", "linux/s390x"], &[]);
    assert!(err.contains("no image for platform linux/s390x"), "{err}");
    assert!(err.contains("linux/arm64/v8") && err.contains(&reference), "{err}");
}

#[test]
fn basic_credentials_come_from_the_docker_config() {
    let Some(reg) = Registry::start(Some(("alice", "s3cret"))) else {
        return;
    };
    let tmp = crate::support::tmp();
    let image = tmp.path().join("rich.tar");
    layout::oci_index(&[rich_image()], false).write_tar(&image);
    reg.push(&format!("oci-archive:{}", image.display()), "private/rich:1", &[]);
    let reference = reg.reference("private/rich:1");

    let err = fails_with(&[&reference], &[]);
    assert!(err.contains("unauthorized") && err.contains("deadweight-test"), "{err}");
    assert!(err.contains(&reference), "{err}");

    let config = tmp.path().join("docker");
    std::fs::create_dir(&config).unwrap();
    let write_auth = |user: &str, password: &str| {
        use base64::Engine as _;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let doc = json!({"auths": {reg.addr.clone(): {"auth": auth}}});
        std::fs::write(config.join("config.json"), doc.to_string()).unwrap();
    };
    let env = [("DOCKER_CONFIG", config.to_str().unwrap())];
    write_auth("alice", "wrong");
    let err = fails_with(&[&reference], &env);
    assert!(err.contains("credentials of alice") && err.contains("refused"), "{err}");

    write_auth("alice", "s3cret");
    let from_registry = report_with(&[&reference], &env);
    assert_eq!(same_blobs(from_registry), same_blobs(report_of(&image)));
}

#[test]
fn failures_name_the_reference_and_exit_2() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let tmp = crate::support::tmp();
    let image = tmp.path().join("rich.tar");
    layout::oci_index(&[rich_image()], false).write_tar(&image);
    reg.push(&format!("oci-archive:{}", image.display()), "rich:1", &[]);

    let missing = reg.reference("rich:nope");
    let err = fails_with(&[&missing], &[]);
    assert!(err.contains("manifest unknown") && err.contains(&missing), "{err}");

    let nowhere = format!("registry://127.0.0.1:{}/rich:1", free_port());
    let err = fails_with(&[&nowhere], &[]);
    assert!(err.contains("connection refused") && err.contains(&nowhere), "{err}");

    let err = fails_with(&["registry://127.0.0.1:5000/Bad_Name"], &[]);
    assert!(err.contains("not a repository name"), "{err}");

    // Corrupt one layer blob in the registry's storage, keeping its size: the registry serves
    // it as it is, and deadweight must notice.
    let report = report(&[&reg.reference("rich:1")]);
    let digest = report["layers"][0]["digest"].as_str().unwrap().to_string();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let blob = reg
        .dir
        .path()
        .join(format!("data/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]));
    let mut bytes = std::fs::read(&blob).unwrap();
    // The gzip header's MTIME: decoding still succeeds, only the digest can tell.
    assert_eq!(bytes[..2], [0x1f, 0x8b]);
    bytes[4] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    let reference = reg.reference("rich:1");
    let err = fails_with(&[&reference], &[]);
    assert!(err.contains(&reference) && err.contains("digest mismatch"), "{err}");
    assert!(err.contains(&digest), "{err}");
}

#[test]
fn bearer_tokens_anonymous_and_with_credentials() {
    let tmp = crate::support::tmp();
    let repos = ["public/rich", "private/rich"];
    let Some(tokens) = TokenService::start(tmp.path(), &repos, ("bob", "pw")) else {
        return;
    };
    let Some(reg) = Registry::start_with_tokens(&tokens, ("bob", "pw")) else {
        return;
    };
    let image = tmp.path().join("rich.tar");
    layout::oci_index(&[rich_image()], false).write_tar(&image);
    for repo in repos {
        reg.push(&format!("oci-archive:{}", image.display()), &format!("{repo}:1"), &[]);
    }
    let expected = same_blobs(report_of(&image));

    let before = tokens.seen().len();
    let public = reg.reference("public/rich:1");
    assert_eq!(same_blobs(report(&[&public])), expected);
    let asked: Vec<_> = tokens.seen().into_iter().skip(before).collect();
    assert!(!asked.is_empty(), "no token was asked for");
    for seen in &asked {
        assert!(seen.authorization.is_none(), "anonymous, yet sent {seen:?}");
        assert!(
            seen.target.contains("scope=repository%3Apublic%2Frich%3Apull"),
            "{seen:?}"
        );
        assert!(seen.target.contains(&format!("service={SERVICE}")), "{seen:?}");
    }

    let private = reg.reference("private/rich:1");
    let err = fails_with(&[&private], &[]);
    assert!(err.contains("unauthorized") && err.contains(&tokens.realm), "{err}");
    assert!(
        err.contains("repository:private/rich:pull") && err.contains(&private),
        "{err}"
    );

    let config = tmp.path().join("docker");
    std::fs::create_dir(&config).unwrap();
    let doc = json!({"auths": {format!("http://{}", reg.addr): {"username": "bob", "password": "pw"}}});
    std::fs::write(config.join("config.json"), doc.to_string()).unwrap();
    let with_login = report_with(&[&private], &[("DOCKER_CONFIG", config.to_str().unwrap())]);
    assert_eq!(same_blobs(with_login), expected);
    assert!(
        tokens
            .seen()
            .iter()
            .any(|s| s.authorization.as_deref().is_some_and(|a| a.starts_with("Basic ")))
    );
}
