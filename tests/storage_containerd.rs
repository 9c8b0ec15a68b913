//! Images read in place from a real containerd's store (`containerd://NAME --storage ROOT`) give
//! the report of the archive they were imported from: a fixture image with every tar feature,
//! and the corpus in Docker, OCI and zstd OCI archives. Namespaces, a blob the store lost and a
//! damaged database are named in the error. Docker with the containerd image store (Docker 29;
//! Debian ships 20.10) is a stand-in for the three API calls deadweight makes, over the real
//! containerd's store.

use std::path::Path;

use deadweight::source::resolve::Selection;
use deadweight::source::{content, reference};
use serde_json::Value;

use crate::storage::layered_image;
use crate::support::containerd::Containerd;
use crate::support::fixture::{Image, Layer};
use crate::support::layout::{Format, oci_index};
use crate::support::servers::{deadweight, fails_with, report_with};
use crate::support::{comparable, corpus_dir, report_of, tmp};

fn read(c: &Containerd, name: &str, envs: &[(&str, &str)]) -> Value {
    let root = c.root();
    let reference = format!("containerd://{name}");
    report_with(&[&reference, "--storage", root.to_str().unwrap()], envs)
}

fn same_as_archive(c: &Containerd, name: &str, archive: &Path) {
    let stored = read(c, name, &[]);
    assert_eq!(stored["image"]["format"], "containerd");
    assert_eq!(stored["image"]["reference"], format!("containerd://{name}"));
    assert_eq!(
        comparable(stored),
        comparable(report_of(archive)),
        "{name} against {archive:?}"
    );
}

/// A containerd holding [`layered_image`] as `layered:1` in `namespace`, and the archive it came
/// from (in the returned directory).
fn layered_in(namespace: &str) -> Option<(Containerd, tempfile::TempDir, std::path::PathBuf)> {
    let c = Containerd::start()?;
    let dir = tmp();
    let archive = Format::DockerClassic.save(dir.path(), &[layered_image("layered:1")]);
    c.import(namespace, &archive, None);
    Some((c, dir, archive))
}

#[test]
fn the_store_gives_the_archives_report() {
    let Some((mut c, _dir, archive)) = layered_in("default") else {
        return;
    };
    let mut corpus = Vec::new();
    if let Some(root) = corpus_dir() {
        for (file, name) in [
            ("tiny/tiny.docker-archive.tar", "localhost/tiny:latest"),
            ("py-sample/py-sample.oci-archive.tar", "py/sample:latest"),
            ("tiny-buildah/tiny-buildah.oci-zstd.tar", "zstd/tiny:latest"),
        ] {
            let path = root.join(file);
            let base = file.contains("oci").then(|| name.split(':').next().unwrap());
            c.import("default", &path, base);
            corpus.push((path, name));
        }
    }
    // containerd's own export of the image: the drift check against the engine itself.
    let exported = tmp();
    let export = exported.path().join("export.tar");
    c.ctr(
        "default",
        &[
            "images",
            "export",
            export.to_str().unwrap(),
            "docker.io/library/layered:1",
        ],
    );
    // Read as the user types the name (Docker's short form), and with containerd stopped: the
    // store is files, not an API.
    c.stop();
    same_as_archive(&c, "layered:1", &export);
    same_as_archive(&c, "layered:1", &archive);
    same_as_archive(&c, "docker.io/library/layered:1", &archive);
    // `--storage` naming containerd's root serves a daemon's name too, no daemon asked.
    let root = c.root();
    let named = report_with(&["docker://layered:1", "--storage", root.to_str().unwrap()], &[]);
    assert_eq!(named["image"]["format"], "containerd");
    assert_eq!(comparable(named), comparable(report_of(&archive)));
    // The explorer's viewer reads a file back from the store.
    let spec = reference::parse("containerd://layered:1", None).unwrap();
    let image = content::Reopen {
        spec: &spec,
        selection: &Selection::default(),
        storage: Some(&root),
    };
    assert_eq!(
        content::read_entry(image, 2, b"/opq/new.txt", 100).unwrap(),
        (b"new".to_vec(), false)
    );
    for (path, name) in corpus {
        same_as_archive(&c, name, &path);
    }
}

#[test]
fn namespaces_that_disagree_on_a_name_are_picked_with_containerd_namespace() {
    let Some(c) = Containerd::start() else { return };
    let dir = tmp();
    let a = Format::DockerClassic.save(dir.path(), &[layered_image("dup:1")]);
    let other = Image::new()
        .layer("ADD other / ", Layer::new().file("etc/other", "other\n"))
        .tag("dup:1");
    let b_dir = tmp();
    let b = Format::DockerClassic.save(b_dir.path(), &[other]);
    c.import("team-a", &a, None);
    c.import("team-b", &b, None);
    let root = c.root();
    let args = ["containerd://dup:1", "--storage", root.to_str().unwrap()];
    let e = fails_with(&args, &[]);
    assert!(
        e.contains("CONTAINERD_NAMESPACE") && e.contains("team-a") && e.contains("team-b"),
        "{e}"
    );
    for (ns, archive) in [("team-a", &a), ("team-b", &b)] {
        let stored = read(&c, "dup:1", &[("CONTAINERD_NAMESPACE", ns)]);
        assert_eq!(comparable(stored), comparable(report_of(archive)), "{ns}");
    }
    // A name only one namespace holds needs no CONTAINERD_NAMESPACE; the note says where it was.
    c.ctr(
        "team-b",
        &["images", "tag", "docker.io/library/dup:1", "docker.io/library/solo:1"],
    );
    let out = deadweight(
        &[
            "containerd://solo:1",
            "--storage",
            root.to_str().unwrap(),
            "--json",
            "-",
        ],
        &[],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("namespace team-b"), "{stderr}");
    let e = fails_with(&args, &[("CONTAINERD_NAMESPACE", "team-c")]);
    assert!(
        e.contains("no image \"dup:1\"") && e.contains("namespace team-c"),
        "{e}"
    );
}

#[test]
fn a_lost_blob_a_damaged_database_and_wrong_roots_are_named() {
    let Some((c, dir, _archive)) = layered_in("default") else {
        return;
    };
    let root = c.root();
    let storage = root.to_str().unwrap();
    let e = fails_with(&["containerd://nothere", "--storage", storage], &[]);
    assert!(
        e.contains("docker.io/library/layered:1 (default)"),
        "lists what it holds: {e}"
    );
    let e = fails_with(
        &["containerd://layered:1", "--storage", dir.path().to_str().unwrap()],
        &[],
    );
    assert!(e.contains("meta.db") && e.contains("containerd's root"), "{e}");
    let e = fails_with(&["containerd://layered:1", "--no-storage"], &[]);
    assert!(e.contains("--no-storage") && e.contains("ctr images export"), "{e}");

    // A copy of the root whose database is cut short.
    let copy = tmp();
    let status = std::process::Command::new("cp")
        .args(["-a", storage])
        .arg(copy.path().join("root"))
        .status()
        .unwrap();
    assert!(status.success());
    let db = copy.path().join("root/io.containerd.metadata.v1.bolt/meta.db");
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
    let copied = copy.path().join("root");
    let e = fails_with(&["containerd://layered:1", "--storage", copied.to_str().unwrap()], &[]);
    assert!(e.contains("meta.db") && e.contains("page"), "{e}");

    // The store lost the largest layer's blob (a node that discards unpacked layers).
    let blobs = root.join("io.containerd.content.v1.content/blobs/sha256");
    let largest = std::fs::read_dir(&blobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap();
    std::fs::remove_file(&largest).unwrap();
    let hex = largest.file_name().unwrap().to_str().unwrap();
    let out = deadweight(&["containerd://layered:1", "--storage", storage, "--json", "-"], &[])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains(hex) && e.contains("not in containerd's content store"),
        "names the blob: {e}"
    );
}

/// Docker Engine with the containerd image store, as far as deadweight asks it anything: its
/// version, the image's inspect (the id is the manifest's digest) and its info (`DriverStatus`
/// names containerd's snapshotter, `DockerRootDir` the data root). Anything else, the export
/// included, is a 404. Serves on a socket in a temp dir until dropped.
struct FakeDocker {
    socket: std::path::PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    _dir: tempfile::TempDir,
}

impl FakeDocker {
    fn start(id: &str, docker_root: &Path) -> Self {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let dir = tempfile::Builder::new().prefix("dw-fake").tempdir_in("/tmp").unwrap();
        let socket = dir.path().join("docker.sock");
        let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (flag, id, root) = (stop.clone(), id.to_string(), docker_root.display().to_string());
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                conn.set_nonblocking(false).unwrap();
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                let path = line.split(' ').nth(1).unwrap_or("").split('?').next().unwrap_or("");
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let (status, body) = if path.ends_with("/version") {
                    (
                        "200 OK",
                        serde_json::json!({"ApiVersion": "1.43", "MinAPIVersion": "1.24", "Version": "29.0.0"}),
                    )
                } else if path.contains("/images/") && path.ends_with("/json") {
                    let inspect = serde_json::json!({"Id": id, "GraphDriver": {"Name": "overlayfs", "Data": {}}});
                    ("200 OK", inspect)
                } else if path.ends_with("/info") {
                    let info = serde_json::json!({"Driver": "overlayfs", "DockerRootDir": root,
                        "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]});
                    ("200 OK", info)
                } else {
                    (
                        "404 Not Found",
                        serde_json::json!({"message": format!("no {path} here")}),
                    )
                };
                let body = body.to_string();
                let mut conn = conn;
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self {
            socket,
            stop,
            _dir: dir,
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }
}

impl Drop for FakeDocker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn docker_with_the_containerd_image_store_is_read_in_place() {
    let Some((c, _dir, archive)) = layered_in("moby") else {
        return;
    };
    let listing = String::from_utf8(c.ctr("moby", &["images", "ls"]).stdout).unwrap();
    let id = listing
        .lines()
        .find(|l| l.starts_with("docker.io/library/layered:1 "))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or_else(|| panic!("{listing}"))
        .to_string();
    // Docker runs its own containerd under its data root.
    let docker_root = tmp();
    std::fs::create_dir(docker_root.path().join("containerd")).unwrap();
    std::os::unix::fs::symlink(c.root(), docker_root.path().join("containerd/daemon")).unwrap();

    let fake = FakeDocker::start(&id, docker_root.path());
    let host = fake.host();
    let out = deadweight(&["docker://layered:1", "--json", "-"], &[("DOCKER_HOST", &host)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stored: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stored["image"]["format"], "containerd", "{stderr}");
    assert_eq!(comparable(stored), comparable(report_of(&archive)));

    // An id the store does not hold: the export is tried (this daemon has none), and the error
    // says why the store was passed over.
    let other = FakeDocker::start(&format!("sha256:{}", "0".repeat(64)), docker_root.path());
    let e = fails_with(&["docker://layered:1"], &[("DOCKER_HOST", &other.host())]);
    assert!(e.contains("containerd's store") && e.contains("namespace moby"), "{e}");
}

#[test]
fn a_multi_platform_index_gives_the_platform_asked_for() {
    let Some(c) = Containerd::start() else { return };
    let dir = tmp();
    let images: Vec<Image> = [("linux/amd64", "1"), ("linux/arm64/v8", "22")]
        .into_iter()
        .map(|(p, content)| Image::new().platform(p).layer(p, Layer::new().file("f", content)))
        .collect();
    let archive = dir.path().join("multi.tar");
    std::fs::write(&archive, oci_index(&images, true).tar(false)).unwrap();
    // The whole index is kept as the image `multi:1`, every platform's blobs with it.
    c.ctr(
        "default",
        &[
            "images",
            "import",
            "--no-unpack",
            "--all-platforms",
            "--index-name",
            "multi:1",
            archive.to_str().unwrap(),
        ],
    );
    let root = c.root();
    for (platform, bytes) in [("linux/amd64", 1), ("linux/arm64/v8", 2)] {
        let r = report_with(
            &[
                "containerd://multi:1",
                "--storage",
                root.to_str().unwrap(),
                "--platform",
                platform,
            ],
            &[],
        );
        assert_eq!(r["image"]["platform"], platform, "{platform}");
        assert_eq!(r["totals"]["final_bytes"], bytes, "{platform}: {}", r["totals"]);
    }
}
