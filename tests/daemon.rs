//! The daemon source against real daemons: Podman's Docker-compatible API service and a real
//! Docker Engine (Debian's dockerd 20.10), each on a unix socket in a temp dir, with the corpus
//! images loaded by `podman load` / `docker load`. The report of an image read from the daemon
//! equals the report of its archive, under every name the daemon lists it by, whether the socket
//! is named by `DOCKER_HOST` (`docker://` and a bare name) or found where Podman puts it
//! (`podman://`); a large export streams through in bounded memory; `--pull` pulls through the
//! daemon from a local registry; failures (no daemon, a stopped one, no image) exit 2 with a
//! message saying what to do. Skips with a notice where podman or dockerd cannot run.

use crate::support::dockerd::Dockerd;
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

/// The corpus's docker-archives of `tiny` and `tiny-buildah`, loaded into `daemon`.
fn load_corpus(daemon: &Dockerd) -> Option<Vec<std::path::PathBuf>> {
    let corpus = corpus_dir()?;
    let archives: Vec<_> = ["tiny", "tiny-buildah"]
        .iter()
        .map(|n| corpus.join(n).join(format!("{n}.docker-archive.tar")))
        .collect();
    for archive in &archives {
        daemon.load(archive);
    }
    Some(archives)
}

#[test]
fn dockerd_exports_report_as_their_archives_under_every_listed_name() {
    let Some(daemon) = Dockerd::start() else {
        return;
    };
    let Some(archives) = load_corpus(&daemon) else {
        return;
    };
    let env = [("DOCKER_HOST", daemon.host())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // What `docker images` lists: each name and each image ID reads the image it lists.
    let listed = daemon.run(&["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    for archive in &archives {
        let expected = comparable(report_of(archive));
        let stem = archive
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .split('.')
            .next()
            .unwrap();
        let line = listed
            .lines()
            .find(|l| l.starts_with(&format!("localhost/{stem}:")))
            .unwrap_or_else(|| panic!("{stem} not listed: {listed}"));
        let (name, id) = line.split_once(' ').unwrap();
        let short = &id["sha256:".len()..][..12];
        for reference in [
            format!("docker://{name}"),
            format!("docker://{id}"),
            format!("docker://{short}"),
            name.to_string(),
        ] {
            // In place from the store (the default), and through the export.
            for args in [&[reference.as_str()][..], &[reference.as_str(), "--no-storage"]] {
                let report = report_with(args, &env);
                assert_eq!(report["image"]["config_digest"], id, "{args:?}");
                assert_eq!(comparable(report), expected, "{args:?}");
            }
        }
    }
    let err = fails_with(&["docker://localhost/absent:1"], &env);
    assert!(err.contains("not found") && err.contains("--pull"), "{err}");
    assert!(err.contains("docker://localhost/absent:1"), "{err}");
}

/// Peak resident memory in MiB of `deadweight ARGS --json /dev/null` with `envs`, from GNU time.
fn peak_mib(args: &[&str], envs: &[(&str, &str)]) -> Option<u64> {
    if !std::path::Path::new("/usr/bin/time").exists() {
        eprintln!("skipped the memory check: no /usr/bin/time");
        return None;
    }
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(assert_cmd::cargo::cargo_bin("deadweight"))
        .args(args)
        .args(["--json", "/dev/null"])
        .env_remove("CI")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "deadweight {args:?}: {stderr}");
    Some(stderr.lines().last().unwrap().trim().parse::<u64>().unwrap() / 1024)
}

#[test]
fn dockerd_export_streams_in_bounded_memory() {
    let Some(daemon) = Dockerd::start() else {
        return;
    };
    if daemon.import_busybox("dw-base:1", "purpose=stream").is_none() {
        return;
    }
    // 192 MiB in one layer, made by the daemon itself: the export is bigger than the memory the
    // reader may use, so it can only pass by decoding as the bytes arrive.
    let dockerfile = "FROM dw-base:1\nRUN dd if=/dev/zero of=/big bs=1048576 count=192\n";
    let mut build = daemon.docker();
    build.args(["build", "--network", "host", "-t", "dw-big:1", "-"]);
    let mut child = build
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), dockerfile.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let host = daemon.host();
    let env = [("DOCKER_HOST", host.as_str())];
    // Through the export, and in place from the store (rebuilt from tar-split as it streams).
    for args in [&["docker://dw-big:1", "--no-storage"][..], &["docker://dw-big:1"]] {
        let report = report_with(args, &env);
        assert_eq!(report["layers"][1]["bytes"], 192u64 << 20);
        if let Some(mib) = peak_mib(args, &env) {
            assert!(mib < 96, "{args:?}: a 192 MiB layer took a peak of {mib} MiB");
        }
    }
}

#[test]
fn a_stopped_dockerd_is_named() {
    let Some(mut daemon) = Dockerd::start() else {
        return;
    };
    let host = daemon.host();
    daemon.stop();
    let err = fails_with(&["docker://tiny:latest"], &[("DOCKER_HOST", &host)]);
    assert!(err.contains("daemon not reachable") && err.contains(&host), "{err}");
    assert!(err.contains("set DOCKER_HOST"), "{err}");
}

#[test]
fn dockerd_pulls_from_a_local_registry() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let Some(daemon) = Dockerd::start() else {
        return;
    };
    let archive = corpus.join("tiny/tiny.oci-archive.tar");
    reg.push(&format!("oci-archive:{}", archive.display()), "tiny:pulled", &[]);
    let host = daemon.host();
    // dockerd pulls from 127.0.0.0/8 over plain http without being told.
    let env = [("DOCKER_HOST", host.as_str())];
    let image = format!("docker://{}/tiny:pulled", reg.addr);
    let err = fails_with(&[&image], &env);
    assert!(err.contains("--pull"), "{err}");
    let pulled = report_with(&[&image, "--pull"], &env);
    assert_eq!(comparable(pulled), comparable(report_of(&archive)));
}
