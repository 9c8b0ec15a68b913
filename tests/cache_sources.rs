//! The scan cache across sources: from a registry only the manifests, the config and the blobs
//! not cached are downloaded (counted by a proxy between deadweight and a real registry); a
//! daemon's image whose every layer is cached is read without its export (counted by a proxy
//! on the daemon's socket); `deadweight diff` of two images sharing layers decodes each shared
//! layer once.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::support::fixture::{Image, Layer};
use crate::support::layout::{Format, oci_index};
use crate::support::servers::{Podman, Registry, deadweight};
use crate::support::{corpus_dir, tmp};

/// One side of a proxied connection: TCP or a unix socket.
trait Duplex: Read + Write + Send {
    fn dup(&self) -> Box<dyn Duplex>;
    fn close_write(&self);
}

impl Duplex for TcpStream {
    fn dup(&self) -> Box<dyn Duplex> {
        Box::new(self.try_clone().unwrap())
    }
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

impl Duplex for UnixStream {
    fn dup(&self) -> Box<dyn Duplex> {
        Box::new(self.try_clone().unwrap())
    }
    fn close_write(&self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

/// Takes the next connection, if one is waiting.
type Accept = Box<dyn Fn() -> Option<Box<dyn Duplex>> + Send>;

/// Where the proxy listens or connects: `127.0.0.1:PORT` or a unix socket path.
#[derive(Clone)]
enum Addr {
    Tcp(String),
    Unix(PathBuf),
}

/// A proxy (on 127.0.0.1, or a socket in a temp dir) in front of `upstream` that records the
/// path of every GET; its threads end when it is dropped.
struct CountingProxy {
    addr: String,
    gets: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl CountingProxy {
    fn start(listen: Addr, upstream: Addr) -> Self {
        let gets = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (g, s) = (gets.clone(), stop.clone());
        let connect = move || -> Box<dyn Duplex> {
            match &upstream {
                Addr::Tcp(a) => Box::new(TcpStream::connect(a).unwrap()),
                Addr::Unix(p) => Box::new(UnixStream::connect(p).unwrap()),
            }
        };
        let (accept, addr): (Accept, String) = match listen {
            Addr::Tcp(a) => {
                let l = TcpListener::bind(a).unwrap();
                l.set_nonblocking(true).unwrap();
                let addr = l.local_addr().unwrap().to_string();
                let accept = move || {
                    let (c, _) = l.accept().ok()?;
                    c.set_nonblocking(false).unwrap();
                    Some(Box::new(c) as Box<dyn Duplex>)
                };
                (Box::new(accept), addr)
            }
            Addr::Unix(p) => {
                let l = UnixListener::bind(&p).unwrap();
                l.set_nonblocking(true).unwrap();
                let accept = move || {
                    let (c, _) = l.accept().ok()?;
                    c.set_nonblocking(false).unwrap();
                    Some(Box::new(c) as Box<dyn Duplex>)
                };
                (Box::new(accept), p.display().to_string())
            }
        };
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match accept() {
                    Some(client) => Self::pipe(client, connect(), g.clone()),
                    None => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Self { addr, gets, stop }
    }

    /// Copies both ways; the client's side is read line by line for request lines.
    fn pipe(client: Box<dyn Duplex>, server: Box<dyn Duplex>, gets: Arc<Mutex<Vec<String>>>) {
        let (mut c_in, mut s_out) = (client.dup(), server.dup());
        let (mut s_in, mut c_out) = (server, client);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            let mut pending = Vec::new();
            while let Ok(n) = c_in.read(&mut buf) {
                if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                    break;
                }
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = pending.windows(2).position(|w| w == b"\r\n") {
                    let line = String::from_utf8_lossy(&pending[..end]).into_owned();
                    if let Some(path) = line.strip_prefix("GET ") {
                        gets.lock()
                            .unwrap()
                            .push(path.split(' ').next().unwrap_or("").to_string());
                    }
                    pending.drain(..end + 2);
                }
            }
            s_out.close_write();
        });
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut s_in, &mut c_out);
            c_out.close_write();
        });
    }

    /// The paths requested with GET since the last call.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.gets.lock().unwrap())
    }

    /// The digests of the blobs fetched since the last call, sorted.
    fn blobs_fetched(&self) -> Vec<String> {
        self.fetched().0
    }

    /// The digests of the blobs fetched since the last call, sorted, and every other path
    /// requested.
    fn fetched(&self) -> (Vec<String>, Vec<String>) {
        let (blobs, other): (Vec<String>, Vec<String>) = self.take().into_iter().partition(|p| p.contains("/blobs/"));
        let mut blobs: Vec<String> = blobs
            .iter()
            .filter_map(|p| p.split("/blobs/").nth(1).map(str::to_string))
            .collect();
        blobs.sort();
        (blobs, other)
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Two builds of an app: the same base layer, a different top layer.
fn two_builds() -> (Image, Image) {
    let base = Layer::new()
        .dir("usr")
        .file("usr/lib/libbase.so", "base library ".repeat(500));
    let build = |v: &str| {
        Image::new().layer("ADD base", base.clone()).layer(
            "COPY app",
            Layer::new().file("app/main.py", format!("VERSION = {v:?}\n")),
        )
    };
    (build("1"), build("2"))
}

fn report(cache: &Path, args: &[&str]) -> Vec<u8> {
    let mut cmd = deadweight(args, &[]);
    let out = cmd
        .env_remove("DEADWEIGHT_NO_CACHE")
        .arg("--cache")
        .arg(cache)
        .args(["--json", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn a_registry_serves_only_the_blobs_not_cached() {
    let Some(reg) = Registry::start(None) else {
        return;
    };
    let dir = tmp();
    let (v1, v2) = two_builds();
    for (tag, image) in [("1", &v1), ("2", &v2)] {
        let path = dir.path().join(format!("app-{tag}.tar"));
        oci_index(std::slice::from_ref(image), false).write_tar(&path);
        reg.push(&format!("oci-archive:{}", path.display()), &format!("app:{tag}"), &[]);
    }
    let proxy = CountingProxy::start(Addr::Tcp("127.0.0.1:0".into()), Addr::Tcp(reg.addr.clone()));
    let cache = dir.path().join("cache");
    let via_proxy = |tag: &str| format!("registry://{}/app:{tag}", proxy.addr);
    let uncached = deadweight(&[&via_proxy("1"), "--json", "-"], &[]).output().unwrap();
    assert!(uncached.status.success());
    proxy.blobs_fetched();
    let (b1, b2) = (v1.build(), v2.build());
    let cold = report(&cache, &[&via_proxy("1")]);
    let mut all = vec![
        b1.config_digest.clone(),
        b1.layers[0].digest.clone(),
        b1.layers[1].digest.clone(),
    ];
    all.sort();
    assert_eq!(proxy.blobs_fetched(), all, "cold: the config and every layer");
    assert!(cold == uncached.stdout, "the cold report differs from the uncached one");
    let warm = report(&cache, &[&via_proxy("1")]);
    assert_eq!(
        proxy.blobs_fetched(),
        vec![b1.config_digest.clone()],
        "warm: the config only"
    );
    assert!(warm == cold);
    report(&cache, &[&via_proxy("2")]);
    let mut new = vec![b2.config_digest.clone(), b2.layers[1].digest.clone()];
    new.sort();
    let (blobs, other) = proxy.fetched();
    assert_eq!(blobs, new, "the next build: its config and its new top layer");
    // Besides those two blobs: the API's version check and the manifests, nothing else.
    assert!(
        other.iter().any(|p| p.starts_with("/v2/app/manifests/")),
        "no manifest request seen: {other:?}"
    );
    assert!(
        other.iter().all(|p| p == "/v2/" || p.starts_with("/v2/app/manifests/")),
        "the next build downloaded more than its manifests, config and new layer: {other:?}"
    );
}

/// Inode of each cache entry: a rewrite renames a new file into place, so a changed inode
/// means the layer was decoded again.
fn inodes(cache: &Path) -> Vec<(std::path::PathBuf, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut v: Vec<_> = std::fs::read_dir(cache.join("layers"))
        .unwrap()
        .flatten()
        .map(|e| (e.path(), e.metadata().unwrap().ino()))
        .collect();
    v.sort();
    v
}

#[test]
fn diff_decodes_a_shared_layer_once() {
    let dir = tmp();
    let (v1, v2) = two_builds();
    let old = Format::OciDir.save(&dir.path().join("old"), &[v1]);
    let new = Format::OciDir.save(&dir.path().join("new"), &[v2]);
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let cache = dir.path().join("cache");
    let diff = |cache: Option<&Path>| {
        let mut cmd = deadweight(&["diff", old, new], &[]);
        if let Some(c) = cache {
            cmd.env_remove("DEADWEIGHT_NO_CACHE").arg("--cache").arg(c);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let uncached = diff(None);
    assert!(diff(Some(&cache)) == uncached);
    // Three distinct layers: the shared base was stored once, by the old side.
    let stored = inodes(&cache);
    assert_eq!(stored.len(), 3);
    // Again: every layer of both sides comes from the cache, none is written again.
    assert!(diff(Some(&cache)) == uncached);
    assert_eq!(inodes(&cache), stored);
}

#[cfg(feature = "daemon")]
#[test]
fn a_daemon_image_fully_cached_is_not_exported() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let Some(mut podman) = Podman::new() else {
        return;
    };
    let archive = corpus.join("tiny-buildah/tiny-buildah.docker-archive.tar");
    let Some(name) = podman.load(&archive) else {
        return;
    };
    if !podman.serve(&[]) {
        return;
    }
    let dir = tmp();
    let proxy = CountingProxy::start(Addr::Unix(dir.path().join("proxy.sock")), Addr::Unix(podman.socket()));
    let host = format!("unix://{}", proxy.addr);
    let env = [("DOCKER_HOST", host.as_str())];
    let image = format!("docker://{name}");
    let exports = |proxy: &CountingProxy| {
        let gets = proxy.take();
        gets.iter()
            .filter(|p| p.split('?').next().unwrap_or("").ends_with("/get"))
            .count()
    };
    // The export path: the storage source, which reads Podman's store in place, never exports.
    let uncached = deadweight(&[&image, "--no-storage", "--json", "-"], &env)
        .output()
        .unwrap();
    assert!(
        uncached.status.success(),
        "{}",
        String::from_utf8_lossy(&uncached.stderr)
    );
    assert_eq!(exports(&proxy), 1);
    let cache = dir.path().join("cache");
    let run = || {
        let out = deadweight(&[&image, "--no-storage", "--json", "-"], &env)
            .env_remove("DEADWEIGHT_NO_CACHE")
            .arg("--cache")
            .arg(&cache)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    assert!(run() == uncached.stdout, "cold");
    assert_eq!(exports(&proxy), 1, "cold: exported");
    assert!(run() == uncached.stdout, "warm");
    assert_eq!(exports(&proxy), 0, "warm: every layer cached, no export");
}
