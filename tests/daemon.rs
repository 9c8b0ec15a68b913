//! The daemon source against a real daemon: Podman's Docker-compatible API service on a unix
//! socket in a temp dir, with the corpus images loaded by `podman load`. The report of an image
//! read from the daemon equals the report of its archive, whether the socket is named by
//! `DOCKER_HOST` (`docker://` and a bare name) or found where Podman puts it (`podman://`);
//! `--pull` pulls through the daemon from a local registry; failures (no daemon, no image) exit
//! 2 with a message saying what to do. Skips with a notice where podman cannot run.

use crate::support::servers::{Podman, Registry, fails_with, report_with, same_blobs};
use crate::support::{comparable, corpus_dir, report_of};

#[test]
fn podman_exports_report_as_their_archives() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let Some(mut podman) = Podman::new() else {
        return;
    };
    let archives: Vec<_> = ["tiny", "tiny-buildah"]
        .iter()
        .map(|n| corpus.join(n).join(format!("{n}.docker-archive.tar")))
        .collect();
    let mut names = Vec::new();
    for archive in &archives {
        let Some(name) = podman.load(archive) else {
            return;
        };
        names.push(name);
    }
    if !podman.serve(&[]) {
        return;
    }
    let docker_host = format!("unix://{}", podman.socket().display());
    let runtime_dir = podman.runtime_dir().to_str().unwrap().to_string();
    for (archive, name) in archives.iter().zip(&names) {
        let expected = comparable(report_of(archive));
        let via_docker_host = report_with(&[&format!("docker://{name}")], &[("DOCKER_HOST", &docker_host)]);
        assert_eq!(via_docker_host["image"]["reference"], format!("docker://{name}"));
        assert_eq!(comparable(via_docker_host.clone()), expected, "docker://{name}");
        // The export is the archive podman would save: even the layer blobs agree.
        assert_eq!(same_blobs(via_docker_host), same_blobs(report_of(archive)), "{name}");
        let bare = report_with(&[name], &[("DOCKER_HOST", &docker_host)]);
        assert_eq!(comparable(bare), expected, "bare {name}");
        let found = report_with(&[&format!("podman://{name}")], &[("XDG_RUNTIME_DIR", &runtime_dir)]);
        assert_eq!(comparable(found), expected, "podman://{name}");
    }
    let err = fails_with(&["docker://localhost/absent:1"], &[("DOCKER_HOST", &docker_host)]);
    assert!(err.contains("not found") && err.contains("--pull"), "{err}");
    assert!(err.contains("docker://localhost/absent:1"), "{err}");
}

#[test]
fn pull_goes_through_the_daemon() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let Some(mut podman) = Podman::new() else {
        return;
    };
    let archive = corpus.join("tiny/tiny.oci-archive.tar");
    reg.push(&format!("oci-archive:{}", archive.display()), "tiny:pulled", &[]);
    // The daemon may pull from the test registry over plain http.
    let conf = podman.dir.path().join("registries.conf");
    let text = format!("[[registry]]\nlocation = \"{}\"\ninsecure = true\n", reg.addr);
    std::fs::write(&conf, text).unwrap();
    if !podman.serve(&[("CONTAINERS_REGISTRIES_CONF", conf.to_str().unwrap())]) {
        return;
    }
    let docker_host = format!("unix://{}", podman.socket().display());
    let env = [("DOCKER_HOST", docker_host.as_str())];
    let image = format!("docker://{}/tiny:pulled", reg.addr);
    let err = fails_with(&[&image], &env);
    assert!(err.contains("--pull"), "{err}");
    let pulled = report_with(&[&image, "--pull"], &env);
    assert_eq!(comparable(pulled), comparable(report_of(&archive)));
}

#[test]
fn unreachable_daemons_are_named() {
    let tmp = crate::support::tmp();
    let socket = tmp.path().join("nothing.sock");
    let host = format!("unix://{}", socket.display());
    let err = fails_with(&["docker://tiny:latest"], &[("DOCKER_HOST", &host)]);
    assert!(err.contains("daemon not reachable") && err.contains(&host), "{err}");
    assert!(err.contains("docker://tiny:latest"), "{err}");

    // Found automatically: neither of Podman's sockets exists under this runtime dir.
    if !std::path::Path::new("/run/podman/podman.sock").exists() {
        let runtime = tmp.path().to_str().unwrap();
        let err = fails_with(&["podman://tiny"], &[("XDG_RUNTIME_DIR", runtime)]);
        assert!(err.contains(&format!("{runtime}/podman/podman.sock")), "{err}");
    }

    // A socket file nobody listens on.
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    drop(listener);
    let err = fails_with(&["docker://tiny:latest"], &[("DOCKER_HOST", &host)]);
    assert!(err.contains("connection refused"), "{err}");

    let err = fails_with(&["docker://tiny"], &[("DOCKER_HOST", "ssh://somewhere")]);
    assert!(err.contains("unsupported address"), "{err}");
}

/// Permission denied on the socket is told apart from an absent daemon. Root passes every
/// permission check, so the binary runs as `nobody` (through setpriv) against a socket only
/// root may open; skipped where the test is not root or setpriv is missing.
#[test]
fn permission_denied_on_the_socket_is_named() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::process::Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    if !root || !std::path::Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: needs root and setpriv to run the binary as another user");
        return;
    }
    let dir = tempfile::Builder::new().prefix("dw-perm").tempdir_in("/tmp").unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let socket = dir.path().join("docker.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600)).unwrap();
    let exe = assert_cmd::cargo::cargo_bin("deadweight");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .arg("docker://tiny:latest")
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .env_remove("CI")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("Permission denied") && err.contains("setpriv") {
        eprintln!("skipped: nobody cannot run {}: {err}", exe.display());
        return;
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("permission denied on the daemon socket"), "{err}");
}
