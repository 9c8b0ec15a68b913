//! Real servers for the daemon and registry tests: Podman's Docker-compatible API service on a
//! unix socket and Debian's `docker-registry` on 127.0.0.1, each with its state in its own
//! temporary directory, stopped by PID when its guard drops (so also when a test fails). Where a
//! program is missing or cannot start, [`skip`] prints a notice, unless
//! `DEADWEIGHT_REQUIRE_SERVERS` is set (CI), where it fails the test instead.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::bin;

/// Reports a test that cannot run here; fails it where the servers are required.
pub fn skip(what: &str) {
    if std::env::var_os("DEADWEIGHT_REQUIRE_SERVERS").is_some() {
        panic!("{what} (DEADWEIGHT_REQUIRE_SERVERS is set, so this is a failure)");
    }
    eprintln!("skipped: {what}");
}

/// True when `program --version` runs.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A running server process; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `cmd` with stdout and stderr going to the file `log`.
    pub fn spawn(cmd: &mut Command, log: PathBuf) -> Option<Self> {
        let out = std::fs::File::create(&log).ok()?;
        let err = out.try_clone().ok()?;
        let child = cmd.stdin(Stdio::null()).stdout(out).stderr(err).spawn().ok()?;
        Some(Self { child, log })
    }

    /// Waits until `ready` holds, or the process exits, or 30 s pass.
    pub fn wait_for(&mut self, ready: impl Fn() -> bool) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if ready() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}): {}", self.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("not ready after 30 s: {}", self.log_text()))
    }

    /// What the process wrote so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Process {
    /// Stops the process: SIGTERM, then SIGKILL after 15 s (dockerd takes a few seconds to
    /// shut its containerd down). Stopping a stopped process does nothing.
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Podman with its own storage (vfs: no kernel overlay or fuse needed) in a temp dir.
pub struct Podman {
    // Field order matters: the service stops before its directory is removed.
    service: Option<Process>,
    /// Holds `root/`, `run/`, `tmp/` and `podman/podman.sock`.
    pub dir: tempfile::TempDir,
}

impl Podman {
    /// Storage in a fresh temp dir; `None` (with a skip notice) when podman is missing.
    pub fn new() -> Option<Self> {
        if !have("podman") {
            skip("podman is not installed (apt-get install podman)");
            return None;
        }
        Some(Self {
            service: None,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    fn command(&self) -> Command {
        let d = self.dir.path();
        let mut cmd = Command::new("podman");
        cmd.arg("--root")
            .arg(d.join("root"))
            .arg("--runroot")
            .arg(d.join("run"))
            .arg("--tmpdir")
            .arg(d.join("tmp"))
            .args([
                "--storage-driver",
                "vfs",
                "--cgroup-manager",
                "cgroupfs",
                "--events-backend",
                "file",
            ]);
        cmd
    }

    /// `podman load -i archive`; returns the name it loaded the image as.
    pub fn load(&self, archive: &Path) -> Option<String> {
        let out = self.command().arg("load").arg("-i").arg(archive).output().ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            skip(&format!(
                "podman load {} failed: {}",
                archive.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
            return None;
        }
        text.lines()
            .find_map(|l| l.split_once("Loaded image")?.1.split_once(':').map(|(_, n)| n.trim()))
            .map(|n| n.split(',').next().unwrap_or(n).trim().to_string())
    }

    /// The socket the service listens on (where Podman's rootless socket would be, relative to
    /// `XDG_RUNTIME_DIR` = [`Podman::runtime_dir`]).
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("podman/podman.sock")
    }

    /// A stand-in for `XDG_RUNTIME_DIR` under which the socket is found automatically.
    pub fn runtime_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts `podman system service` on [`Podman::socket`], with extra environment for it.
    pub fn serve(&mut self, env: &[(&str, &str)]) -> bool {
        let socket = self.socket();
        std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
        let mut cmd = self.command();
        cmd.args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", socket.display()))
            .envs(env.iter().copied());
        let Some(mut p) = Process::spawn(&mut cmd, self.dir.path().join("service.log")) else {
            skip("podman system service could not be started");
            return false;
        };
        if let Err(e) = p.wait_for(|| std::os::unix::net::UnixStream::connect(&socket).is_ok()) {
            skip(&format!("podman system service did not come up: {e}"));
            return false;
        }
        self.service = Some(p);
        true
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Debian's `docker-registry` on 127.0.0.1 with filesystem storage in a temp dir.
pub struct Registry {
    _process: Process,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Holds `config.yml`, `data/` and `htpasswd`.
    pub dir: tempfile::TempDir,
    /// The user and password of its htpasswd file, when it has one.
    pub login: Option<(String, String)>,
}

impl Registry {
    /// Starts a registry; with `login`, every request needs those basic credentials.
    pub fn start(login: Option<(&str, &str)>) -> Option<Self> {
        Self::launch(None, login)
    }

    /// Starts a registry that takes bearer tokens from `tokens` (as Docker Hub does); `login`
    /// is what skopeo sends the token service when pushing.
    pub fn start_with_tokens(tokens: &super::token::TokenService, login: (&str, &str)) -> Option<Self> {
        Self::launch(Some(tokens.registry_auth()), Some(login))
    }

    fn launch(auth: Option<String>, login: Option<(&str, &str)>) -> Option<Self> {
        for p in ["docker-registry", "skopeo"] {
            if !have(p) {
                skip(&format!(
                    "{p} is not installed (apt-get install docker-registry skopeo)"
                ));
                return None;
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  \
             delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
            dir.path().join("data").display()
        );
        if let Some(auth) = &auth {
            config.push_str(auth);
        } else if let Some((user, password)) = login {
            let out = Command::new("htpasswd").args(["-Bbn", user, password]).output();
            let Some(out) = out.ok().filter(|o| o.status.success()) else {
                skip("htpasswd is missing (apt-get install apache2-utils)");
                return None;
            };
            std::fs::write(dir.path().join("htpasswd"), out.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: deadweight-test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut cmd = Command::new("docker-registry");
        cmd.arg("serve").arg(dir.path().join("config.yml"));
        let Some(mut process) = Process::spawn(&mut cmd, dir.path().join("registry.log")) else {
            skip("docker-registry could not be started");
            return None;
        };
        if let Err(e) = process.wait_for(|| TcpStream::connect(&addr).is_ok()) {
            skip(&format!("docker-registry did not come up: {e}"));
            return None;
        }
        Some(Self {
            _process: process,
            addr,
            dir,
            login: login.map(|(u, p)| (u.to_string(), p.to_string())),
        })
    }

    /// `skopeo copy [extra...] SOURCE docker://ADDR/DEST`; panics with skopeo's message on failure.
    pub fn push(&self, source: &str, dest: &str, extra: &[&str]) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["--insecure-policy", "copy", "--dest-tls-verify=false"]);
        if let Some((u, p)) = &self.login {
            cmd.arg(format!("--dest-creds={u}:{p}"));
        }
        let out = cmd
            .args(extra)
            .arg(source)
            .arg(format!("docker://{}/{dest}", self.addr))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo copy {source} -> {dest}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `registry://ADDR/NAME`.
    pub fn reference(&self, name: &str) -> String {
        format!("registry://{}/{name}", self.addr)
    }
}

/// The deadweight command with `envs` set and the user's Docker settings kept out.
pub fn deadweight(args: &[&str], envs: &[(&str, &str)]) -> assert_cmd::Command {
    let mut cmd = bin();
    for var in ["DOCKER_HOST", "CONTAINER_HOST", "XDG_RUNTIME_DIR", "REGISTRY_AUTH_FILE"] {
        cmd.env_remove(var);
    }
    // No credentials from the machine's ~/.docker unless a test names a config of its own.
    cmd.env("DOCKER_CONFIG", "/nonexistent/deadweight-test-docker-config");
    cmd.args(args).envs(envs.iter().copied());
    cmd
}

/// Runs deadweight with `--json -` and `envs`, asserts success, and parses the report.
pub fn report_with(args: &[&str], envs: &[(&str, &str)]) -> Value {
    let out = deadweight(args, envs).args(["--json", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "deadweight {args:?} failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("deadweight {args:?}: bad JSON: {e}"))
}

/// Runs deadweight with `envs` expecting exit 2 and no panic; returns stderr.
pub fn fails_with(args: &[&str], envs: &[(&str, &str)]) -> String {
    super::fails(deadweight(args, envs).args(["--json", "-"]))
}

/// The report without the fields the source decides (as [`super::comparable`] removes), except
/// that blob digests and compressed sizes stay: for the same blobs they must agree too.
pub fn same_blobs(mut report: Value) -> Value {
    let image = report["image"].as_object_mut().unwrap();
    for key in ["reference", "format", "tags"] {
        image.remove(key);
    }
    report
}
