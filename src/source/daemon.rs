//! Reads an image straight from a Docker or Podman daemon through its Engine API (bollard):
//! finds the socket (`DOCKER_HOST`, Docker's default socket, Podman's sockets), negotiates the API
//! version, pulls when asked, and turns the daemon's `docker save` export into a blocking
//! [`Read`] that the one-pass stream reader consumes as the bytes arrive.
//!
//! This is the only module that may use bollard or tokio (feature `daemon`). It owns the tokio
//! runtime it needs and never parses the archive: that is `stream` and `resolve`'s job.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use bollard::query_parameters::CreateImageOptions;
use bollard::{API_DEFAULT_VERSION, Docker};
use futures_util::StreamExt;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use crate::error::{Error, Result};

/// Which daemon the user named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `docker://NAME` or a bare name: `DOCKER_HOST`, Docker's socket, else Podman's.
    Docker,
    /// `podman://NAME`: `CONTAINER_HOST`, else Podman's rootless then rootful socket.
    Podman,
}

/// Seconds the daemon has to answer a request (the export body itself may take longer).
const TIMEOUT_S: u64 = 120;
/// Chunks buffered between the network task and the reader: a few MiB at most, so memory does
/// not grow with the image when decoding is slower than the socket.
const CHUNKS: usize = 32;
const DOCKER_SOCKET: &str = "unix:///var/run/docker.sock";

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

fn podman_sockets() -> Vec<String> {
    let mut v = Vec::new();
    if let Some(dir) = env("XDG_RUNTIME_DIR") {
        v.push(format!("unix://{dir}/podman/podman.sock"));
    }
    v.push("unix:///run/podman/podman.sock".to_string());
    v
}

/// The daemon addresses to try, in order. An address named by the environment is the only one
/// tried: falling back behind the user's back would read another daemon's image.
fn candidates(engine: Engine) -> Vec<String> {
    match engine {
        Engine::Docker => match env("DOCKER_HOST") {
            Some(host) => vec![host],
            None => std::iter::once(DOCKER_SOCKET.to_string())
                .chain(podman_sockets())
                .collect(),
        },
        Engine::Podman => match env("CONTAINER_HOST") {
            Some(host) => vec![host],
            None => podman_sockets(),
        },
    }
}

/// Why connecting failed, in words, with whether it was a permission problem.
fn describe(err: &bollard::errors::Error) -> (String, bool) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            let denied = io.kind() == io::ErrorKind::PermissionDenied;
            let text = match io.kind() {
                io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                io::ErrorKind::NotFound => "no such socket".to_string(),
                _ => io.to_string(),
            };
            return (text, denied);
        }
        source = e.source();
    }
    let text = err.to_string();
    let denied = text.to_ascii_lowercase().contains("permission denied");
    (text, denied)
}

fn connect(rt: &Runtime, host: &str) -> std::result::Result<Docker, (String, bool)> {
    let docker = if let Some(path) = host.strip_prefix("unix://") {
        if !Path::new(path).exists() {
            return Err(("no socket there".to_string(), false));
        }
        Docker::connect_with_unix(host, TIMEOUT_S, API_DEFAULT_VERSION)
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, TIMEOUT_S, API_DEFAULT_VERSION)
    } else {
        return Err((
            "unsupported address (deadweight speaks unix:// and tcp:// to daemons)".to_string(),
            false,
        ));
    };
    let docker = docker.map_err(|e| describe(&e))?;
    // Podman answers API 1.41; asking it for bollard's newer default would fail some calls.
    rt.block_on(docker.negotiate_version()).map_err(|e| describe(&e))
}

fn daemon_err(reference: &str, reason: String) -> Error {
    Error::Daemon {
        reference: reference.to_string(),
        reason,
    }
}

/// Connects to the first daemon that answers among [`candidates`].
fn reach(rt: &Runtime, engine: Engine, reference: &str) -> Result<Docker> {
    let mut tried = Vec::new();
    for host in candidates(engine) {
        match connect(rt, &host) {
            Ok(docker) => return Ok(docker),
            Err((why, true)) => {
                return Err(daemon_err(
                    reference,
                    format!(
                        "permission denied on the daemon socket {host} ({why}); run as a user allowed to \
                         use it (the docker group) or point DOCKER_HOST at a socket you may use"
                    ),
                ));
            }
            Err((why, false)) => tried.push(format!("{host} ({why})")),
        }
    }
    let hint = match engine {
        Engine::Docker => "start Docker or Podman's API service, or set DOCKER_HOST",
        Engine::Podman => "start it with `podman system service`, or set CONTAINER_HOST",
    };
    Err(daemon_err(
        reference,
        format!("daemon not reachable: tried {}; {hint}", tried.join(", ")),
    ))
}

fn pull(rt: &Runtime, docker: &Docker, name: &str, platform: Option<&str>, reference: &str) -> Result<()> {
    let options = CreateImageOptions {
        from_image: Some(name.to_string()),
        platform: platform.unwrap_or_default().to_string(),
        ..Default::default()
    };
    if io::stderr().is_terminal() {
        eprintln!("deadweight: pulling {name} through the daemon");
    }
    rt.block_on(async {
        let mut progress = docker.create_image(Some(options), None, None);
        while let Some(item) = progress.next().await {
            item.map_err(|e| daemon_err(reference, format!("pulling {name} failed: {}", server_message(&e))))?;
        }
        Ok(())
    })
}

fn server_message(err: &bollard::errors::Error) -> String {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, message } => {
            format!("the daemon answered {status_code}: {message}")
        }
        other => describe(other).0,
    }
}

/// Opens the export of image `name` from the daemon `engine` names, pulling it first when
/// `pull` is set. The returned reader yields the `docker save` archive as the daemon sends it.
pub fn export(
    engine: Engine,
    name: &str,
    reference: &str,
    pull_first: bool,
    platform: Option<&str>,
) -> Result<impl Read + Send + use<>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| daemon_err(reference, format!("cannot start the I/O runtime: {e}")))?;
    let docker = reach(&rt, engine, reference)?;
    if pull_first {
        pull(&rt, &docker, name, platform, reference)?;
    }
    // Ask first: an export of a missing image fails only once the stream starts, less clearly.
    if let Err(e) = rt.block_on(docker.inspect_image(name)) {
        let reason = match &e {
            bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => {
                let hint = if pull_first {
                    ""
                } else {
                    "; pull it with --pull, or check the name with `docker images`"
                };
                format!("image {name:?} not found in the daemon{hint}")
            }
            other => format!("cannot inspect image {name:?}: {}", server_message(other)),
        };
        return Err(daemon_err(reference, reason));
    }
    let (tx, rx) = mpsc::channel(CHUNKS);
    let owned = name.to_string();
    std::thread::Builder::new()
        .name("deadweight-export".into())
        .spawn(move || {
            rt.block_on(async move {
                let mut body = docker.export_image(&owned);
                while let Some(item) = body.next().await {
                    let item = item.map_err(|e| io::Error::other(format!("the daemon's export failed: {e}")));
                    let failed = item.is_err();
                    // A send error means the reader is gone (done or failed): stop downloading.
                    if tx.send(item).await.is_err() || failed {
                        break;
                    }
                }
            });
        })
        .map_err(|e| daemon_err(reference, format!("cannot start the export thread: {e}")))?;
    Ok(ExportReader {
        rx,
        chunk: None,
        at: 0,
        progress: Progress::new(name),
    })
}

/// The export as a blocking reader: each `read` takes from the chunk in hand, waiting on the
/// channel for the next one when it is used up.
struct ExportReader<B> {
    rx: mpsc::Receiver<io::Result<B>>,
    chunk: Option<B>,
    at: usize,
    progress: Progress,
}

impl<B: AsRef<[u8]>> Read for ExportReader<B> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(chunk) = &self.chunk {
                let rest = chunk.as_ref().get(self.at..).unwrap_or_default();
                if !rest.is_empty() {
                    let n = rest.len().min(buf.len());
                    buf[..n].copy_from_slice(&rest[..n]);
                    self.at += n;
                    return Ok(n);
                }
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.progress.add(chunk.as_ref().len() as u64);
                    self.chunk = Some(chunk);
                    self.at = 0;
                }
                Some(Err(e)) => return Err(e),
                None => {
                    self.progress.finish();
                    return Ok(0);
                }
            }
        }
    }
}

impl<B> Drop for ExportReader<B> {
    fn drop(&mut self) {
        self.progress.finish();
    }
}

/// Bytes received, redrawn on one stderr line at most five times a second, only on a terminal.
struct Progress {
    label: String,
    bytes: u64,
    last: Option<Instant>,
    enabled: bool,
}

impl Progress {
    fn new(name: &str) -> Self {
        Self {
            label: format!("deadweight: reading {name} from the daemon"),
            bytes: 0,
            last: None,
            enabled: io::stderr().is_terminal(),
        }
    }

    fn add(&mut self, n: u64) {
        self.bytes += n;
        if !self.enabled || self.last.is_some_and(|t| t.elapsed() < Duration::from_millis(200)) {
            return;
        }
        self.last = Some(Instant::now());
        let size = humansize::format_size(self.bytes, humansize::BINARY);
        let _ = write!(io::stderr(), "\r{}: {size} received\x1b[K", self.label);
    }

    fn finish(&mut self) {
        if self.enabled && self.last.take().is_some() {
            let _ = write!(io::stderr(), "\r\x1b[K");
        }
    }
}

/// What the daemon's inspect says about an image: enough to know whether every layer is in the
/// scan cache before asking for the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// The image id (Docker: `sha256:` of the config; Podman: its hex).
    pub id: String,
    /// The diff ids of its layers, bottom first (`RootFS.Layers`).
    pub diff_ids: Vec<String>,
}

/// Inspects image `name` without exporting it; `None` when the daemon cannot be reached or
/// does not know the image (the export that follows then says why).
pub fn inspect(engine: Engine, name: &str, reference: &str) -> Option<Inspected> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let docker = reach(&rt, engine, reference).ok()?;
    let image = rt.block_on(docker.inspect_image(name)).ok()?;
    Some(Inspected {
        id: image.id?,
        diff_ids: image.root_fs?.layers.unwrap_or_default(),
    })
}

/// Where a daemon keeps an image on disk, as it says itself: what a local store reader needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreInfo {
    /// The image id (`sha256:` of the config for Docker; Podman's is its hex).
    pub id: String,
    /// The daemon's data root (`DockerRootDir`; Podman's graph root through its compat API).
    pub root: std::path::PathBuf,
    /// The image's storage driver (`GraphDriver.Name`), else the daemon's.
    pub driver: String,
    /// Docker keeps its images in containerd's store (`DriverStatus` says `driver-type
    /// io.containerd.snapshotter.v1`), not in its own: the id is then the manifest's digest.
    pub containerd: bool,
}

/// Asks the daemon `engine` names where image `name` lives, without exporting it. The error
/// is a sentence for the note that says why the export is read instead.
pub fn store_info(engine: Engine, name: &str, reference: &str) -> std::result::Result<StoreInfo, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
    let docker = reach(&rt, engine, reference).map_err(|e| e.to_string())?;
    let image = rt
        .block_on(docker.inspect_image(name))
        .map_err(|e| format!("cannot inspect {name:?}: {}", server_message(&e)))?;
    let info = rt
        .block_on(docker.info())
        .map_err(|e| format!("cannot ask the daemon for its info: {}", server_message(&e)))?;
    let containerd = info.driver_status.iter().flatten().any(|pair| {
        pair.first().is_some_and(|k| k == "driver-type")
            && pair.get(1).is_some_and(|v| v.starts_with("io.containerd.snapshotter"))
    });
    let driver = image
        .graph_driver
        .map(|d| d.name)
        .filter(|d| !d.is_empty())
        .or(info.driver)
        .unwrap_or_default();
    Ok(StoreInfo {
        id: image.id.ok_or("the daemon's inspect names no image id")?,
        root: info
            .docker_root_dir
            .ok_or("the daemon does not say where it keeps its data (DockerRootDir)")?
            .into(),
        driver,
        containerd,
    })
}
