//! A real Docker Engine for the daemon and BuildKit tests: Debian's `dockerd` (20.10) with its
//! socket, data, exec root and pid file in a temp dir, no bridge and no iptables (nothing here
//! needs a container network), stopped by PID when the guard drops, so also when a test fails.
//! Its own 20.10 CLI, `/usr/bin/docker`, talks to it: another `docker` earlier on PATH may be a
//! newer client that wants the buildx plugin. Base images are made here, never pulled: a rootfs
//! of Debian's static busybox goes through `docker import`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::fixture::Layer;
use super::servers::{Process, have, skip};

/// The CLI that belongs to Debian's dockerd.
pub const DOCKER: &str = "/usr/bin/docker";
const BUSYBOX: &str = "/bin/busybox";

/// A dockerd of the test's own.
pub struct Dockerd {
    // Field order matters: the daemon stops before its directory is removed.
    process: Process,
    /// Holds `docker.sock`, `data/`, `exec/`, `docker.pid` and `dockerd.log`.
    pub dir: tempfile::TempDir,
}

impl Dockerd {
    /// Starts dockerd and waits for its API; `None` (with a skip notice, or a failure where
    /// servers are required) when it is missing or cannot start.
    pub fn start() -> Option<Self> {
        let dockerd = if have("dockerd") {
            "dockerd"
        } else {
            "/usr/sbin/dockerd"
        };
        if !have(dockerd) || !Path::new(DOCKER).exists() {
            skip("dockerd is not installed (apt-get install docker.io)");
            return None;
        }
        // Under /tmp, not $TMPDIR: a unix socket path must stay under 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("dw-dockerd")
            .tempdir_in("/tmp")
            .unwrap();
        let d = dir.path();
        let mut cmd = Command::new(dockerd);
        cmd.args(["--iptables=false", "--ip6tables=false", "--bridge=none"])
            .arg("--host")
            .arg(format!("unix://{}", d.join("docker.sock").display()))
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            // The machine's own daemon configuration is not this test's.
            .arg("--config-file")
            .arg(d.join("daemon.json"));
        std::fs::write(d.join("daemon.json"), "{}").unwrap();
        let Some(mut process) = Process::spawn(&mut cmd, d.join("dockerd.log")) else {
            skip("dockerd could not be started");
            return None;
        };
        let host = format!("unix://{}", d.join("docker.sock").display());
        let up = process.wait_for(|| {
            Command::new(DOCKER)
                .env("DOCKER_HOST", &host)
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        if let Err(e) = up {
            skip(&format!("dockerd did not come up: {e}"));
            return None;
        }
        let daemon = Self { process, dir };
        Some(daemon)
    }

    /// The socket it listens on.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// `unix://SOCKET`, for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// `/usr/bin/docker` pointed at this daemon, with BuildKit on and no user config.
    pub fn docker(&self) -> Command {
        let mut cmd = Command::new(DOCKER);
        cmd.env("DOCKER_HOST", self.host())
            .env("DOCKER_BUILDKIT", "1")
            .env("DOCKER_CONFIG", self.dir.path().join("client"));
        cmd
    }

    /// Runs `docker ARGS...`; panics with its stderr on failure.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.docker().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        out
    }

    /// `docker load -i ARCHIVE`.
    pub fn load(&self, archive: &Path) {
        self.run(&["load", "-i", archive.to_str().unwrap()]);
    }

    /// Makes `name` from [`busybox_rootfs`] through `docker import`, labelled `label`; `None`
    /// where busybox-static is missing.
    pub fn import_busybox(&self, name: &str, label: &str) -> Option<()> {
        let tar = self
            .dir
            .path()
            .join(format!("{}.rootfs.tar", name.replace([':', '/'], "_")));
        std::fs::write(&tar, busybox_rootfs()?.tar()).unwrap();
        let change = format!("LABEL {label}");
        self.run(&["import", "--change", &change, tar.to_str().unwrap(), name]);
        Some(())
    }

    /// Stops the daemon now (its socket goes away), as a crashed or stopped daemon would.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

/// A rootfs of Debian's static busybox: `sh` and the usual applets, a root user; `None` (with a
/// skip notice) where busybox-static is missing.
pub fn busybox_rootfs() -> Option<Layer> {
    let Ok(busybox) = std::fs::read(BUSYBOX) else {
        skip("busybox-static is not installed (apt-get install busybox-static)");
        return None;
    };
    let mut rootfs = Layer::new()
        .dir("bin")
        .file_with("bin/busybox", busybox, 0o755, 0, 0)
        .dir("etc")
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
        .file("etc/group", "root:x:0:\n")
        .dir("tmp")
        .dir("root");
    for applet in ["sh", "ls", "mkdir", "echo", "cat", "rm", "touch", "cp", "dd", "test"] {
        rootfs = rootfs.symlink(format!("bin/{applet}"), "busybox");
    }
    Some(rootfs)
}
