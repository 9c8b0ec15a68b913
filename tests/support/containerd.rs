//! A real containerd for the containerd-store tests: Debian's `containerd` (a dependency of
//! docker.io) with its root, state, socket and config in a temp dir, the CRI plugin off, stopped
//! by PID when the guard drops. Images go in with `ctr images import --no-unpack`: the content
//! store and the metadata database are what deadweight reads; no snapshot is needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::servers::{Process, have, skip};

/// A containerd of the test's own.
pub struct Containerd {
    // Field order matters: the daemon stops before its directory is removed.
    process: Process,
    /// Holds `root/`, `state/`, `containerd.sock`, `config.toml` and `containerd.log`.
    pub dir: tempfile::TempDir,
}

impl Containerd {
    /// Starts containerd and waits for it to answer; `None` (with a skip notice, or a failure
    /// where servers are required) when it is missing or cannot start.
    pub fn start() -> Option<Self> {
        if !have("containerd") || !have("ctr") {
            skip("containerd is not installed (apt-get install containerd)");
            return None;
        }
        // Under /tmp, not $TMPDIR: a unix socket path must stay under 108 bytes.
        let dir = tempfile::Builder::new().prefix("dw-ctrd").tempdir_in("/tmp").unwrap();
        let d = dir.path();
        let config = format!(
            "version = 2\nroot = {:?}\nstate = {:?}\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
             [grpc]\n  address = {:?}\n",
            d.join("root"),
            d.join("state"),
            d.join("containerd.sock")
        );
        std::fs::write(d.join("config.toml"), config).unwrap();
        let mut cmd = Command::new("containerd");
        cmd.arg("--config").arg(d.join("config.toml"));
        let Some(mut process) = Process::spawn(&mut cmd, d.join("containerd.log")) else {
            skip("containerd could not be started");
            return None;
        };
        let sock = d.join("containerd.sock");
        let up = process.wait_for(|| {
            Command::new("ctr")
                .arg("--address")
                .arg(&sock)
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        if let Err(e) = up {
            skip(&format!("containerd did not come up: {e}"));
            return None;
        }
        Some(Self { process, dir })
    }

    /// The root deadweight reads with `--storage`.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// `ctr -n NAMESPACE ARGS...`; panics with its stderr on failure.
    pub fn ctr(&self, namespace: &str, args: &[&str]) -> Output {
        let out = Command::new("ctr")
            .arg("--address")
            .arg(self.dir.path().join("containerd.sock"))
            .args(["--namespace", namespace])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ctr {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Imports `archive` into `namespace` without unpacking; `base` names an OCI archive's
    /// images (`ctr images import --base-name`).
    pub fn import(&self, namespace: &str, archive: &Path, base: Option<&str>) {
        let mut args = vec!["images", "import", "--no-unpack", "--all-platforms"];
        if let Some(b) = base {
            args.extend(["--base-name", b]);
        }
        args.push(archive.to_str().unwrap());
        self.ctr(namespace, &args);
    }

    /// Stops containerd now: the store is read without it.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}
