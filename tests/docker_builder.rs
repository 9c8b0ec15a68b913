//! The Docker builder path of `deadweight build` and `fix --verify`: the test's own dockerd
//! (tests/support/dockerd.rs), BuildKit (`DOCKER_BUILDKIT=1`, `--network host` passed through)
//! and `docker run --network none` for the smoke command, on a busybox base made with `docker
//! import` (nothing is pulled).

use std::path::Path;

use crate::support::dockerd::{DOCKER, Dockerd};
use crate::support::{bin, noise, tmp, verified};

const BASE: &str = "dw-busybox:1";

/// The context and Dockerfile both tests build: a leaked `.git` (DW401) and a file deleted in a
/// later RUN (DW501, line 4).
fn context(dir: &Path) {
    let dockerfile = "\
FROM dw-busybox:1
COPY . /app
RUN mkdir -p /data && dd if=/dev/zero of=/data/big bs=1k count=512
RUN rm -rf /data
CMD [\"/bin/sh\", \"-c\", \"test -f /app/marker\"]
";
    std::fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    std::fs::write(dir.join("marker"), "app\n").unwrap();
    std::fs::create_dir_all(dir.join(".git/objects")).unwrap();
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(dir.join(".git/objects/pack"), noise(300_000)).unwrap();
}

/// A dockerd with the busybox base, and `deadweight` pointed at it.
fn daemon() -> Option<Dockerd> {
    let daemon = Dockerd::start()?;
    daemon.import_busybox(BASE, "org.example.base=busybox")?;
    Some(daemon)
}

/// The binary with the environment that points `/usr/bin/docker` at the test's daemon.
fn deadweight(daemon: &Dockerd) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.env("DOCKER_HOST", daemon.host())
        .env("DOCKER_BUILDKIT", "1")
        .env("DOCKER_CONFIG", daemon.dir.path().join("client"));
    cmd
}

#[test]
fn build_with_docker_then_check_with_dockerfile_lines() {
    let Some(daemon) = daemon() else { return };
    let ctx = tmp();
    context(ctx.path());
    let out = deadweight(&daemon)
        .args([
            "build",
            "--builder",
            "docker",
            "--ci",
            "-t",
            "dw-build:1",
            "--network",
            "host",
        ])
        .arg(ctx.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    assert!(
        stdout.contains("DW501  line 3"),
        "the layer has its Dockerfile line:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("DW401"), "{stdout}");
    // The image is the daemon's now, under the tag given.
    daemon.run(&["image", "inspect", "dw-build:1"]);
}

#[test]
fn fix_verify_rebuilds_with_docker_and_runs_without_network() {
    let Some(daemon) = daemon() else { return };
    assert!(Path::new(DOCKER).exists());
    let ctx = tmp();
    context(ctx.path());
    daemon.run(&[
        "build",
        "--network",
        "host",
        "-t",
        "dw-fixme:before",
        ctx.path().to_str().unwrap(),
    ]);
    let out_dir = tmp();
    let archive = out_dir.path().join("dw-fixme.tar");
    daemon.run(&["save", "-o", archive.to_str().unwrap(), "dw-fixme:before"]);
    // Without DOCKER_BUILDKIT: the engine's default (20.10: the classic builder) would ignore
    // the rewritten `.dockerignore`, which sits beside the temporary Dockerfile.
    let out = deadweight(&daemon)
        .env_remove("DOCKER_BUILDKIT")
        .arg("fix")
        .arg(&archive)
        .arg("--dockerfile")
        .arg(ctx.path().join("Dockerfile"))
        .args([
            "--all",
            "--verify",
            "--builder",
            "docker",
            "--run",
            "test -f /app/marker",
        ])
        .args(["--json", "-", "--", "--network", "host"])
        .output()
        .unwrap();
    let (json, stderr) = verified::passed(&out, "docker rebuild");
    let v = &json["verify"];
    assert_eq!(v["builder"].as_str(), Some("docker"), "{stderr}");
    let applied = verified::applied(&json);
    let rules: Vec<&str> = applied.iter().filter_map(|e| e["rules"][0].as_str()).collect();
    assert!(
        rules.contains(&"DW401") && rules.contains(&"DW501"),
        "{rules:?}\n{stderr}"
    );
    verified::measured_within(&applied, 0.10, "docker rebuild");
    assert_eq!(v["left"].as_array().map(Vec::len), Some(0), "{stderr}");
    // The rebuilt image is in the daemon under the fix's tag.
    daemon.run(&["image", "inspect", "localhost/dw-fixme-deadweight-fix"]);
}
