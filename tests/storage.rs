//! Images read in place from a real dockerd's overlay2 store (tar-split record + unpacked
//! files) give the report of the daemon's export, byte for byte apart from the source fields;
//! a store that cannot give the image (found before any layer is decoded) falls back to the
//! export with one line saying why, or with `--storage DIR` fails naming the file; a damaged
//! record or file (which breaks dockerd's own export too) is an error naming it, never a
//! wrong report.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::dockerd::Dockerd;
use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::servers::deadweight;
use crate::support::{noise, tmp};

/// Every tar feature the export carries and the analysis reads: packages' metadata, links,
/// long and non-UTF-8 names, whiteouts, an opaque directory, a chmod-only change, a device.
pub fn layered_image(tag: &str) -> Image {
    let base = Layer::new()
        .dir("etc")
        .file("etc/os-release", "ID=debian\nVERSION_ID=12\n")
        .file(
            "var/lib/dpkg/status",
            "Package: foo\nStatus: install ok installed\nInstalled-Size: 9\nVersion: 1\n\n",
        )
        .file("var/lib/dpkg/info/foo.list", "/usr/bin/foo\n")
        .file_with("usr/bin/foo", noise(9_000), 0o755, 0, 0)
        .file(
            "usr/lib/python3/site-packages/pkg-1.0.dist-info/METADATA",
            "Name: pkg\nVersion: 1.0\n",
        )
        .file(
            "usr/lib/python3/site-packages/pkg-1.0.dist-info/RECORD",
            "pkg/__init__.py,,\npkg/big.py,,\n",
        )
        .file("usr/lib/python3/site-packages/pkg/__init__.py", "")
        .file("usr/lib/python3/site-packages/pkg/big.py", noise(20_000))
        .file("data/keep.txt", "keep me")
        .hardlink("data/keep-link.txt", "data/keep.txt")
        .symlink("latest", "data/keep.txt")
        .char_device("dev/null", 1, 3)
        .fifo("run/pipe")
        .file(format!("deep/{}/file.txt", "d".repeat(120)), "pax long name")
        .file(b"caf\xe9.txt", "latin-1 name")
        .dir("opq")
        .file("opq/old.txt", "old");
    let second = Layer::new()
        .gnu_long_names()
        .whiteout("usr/lib/python3/site-packages/pkg/big.py")
        .whiteout("deep")
        .file_with("etc/os-release", "ID=debian\nVERSION_ID=12\n", 0o600, 1000, 1000)
        .file(format!("gnu/{}/file.txt", "g".repeat(150)), "gnu long name")
        .file("copy/big.py", noise(20_000));
    let third = Layer::new()
        .file("opq/new.txt", "new")
        .opaque("opq")
        .file("data/keep.txt", "changed")
        .hardlink("data/again.txt", "data/keep.txt");
    Image::new()
        .layer("ADD rootfs.tar / # base", base)
        .layer("RUN rm -rf /deep && chmod 600 /etc/os-release", second)
        .layer("COPY . /", third)
        .tag(tag)
}

struct Store {
    daemon: Dockerd,
    _dir: tempfile::TempDir,
    archive: PathBuf,
}

impl Store {
    /// A dockerd with [`layered_image`] loaded as `layered:1`; `None` where it cannot run.
    fn start() -> Option<Self> {
        let daemon = Dockerd::start()?;
        let dir = tmp();
        let archive = Format::DockerClassic.save(dir.path(), &[layered_image("layered:1")]);
        daemon.load(&archive);
        Some(Self {
            daemon,
            _dir: dir,
            archive,
        })
    }

    fn data(&self) -> PathBuf {
        self.daemon.dir.path().join("data")
    }

    /// `deadweight ARGS --json -` against this daemon: the report and stderr.
    fn run(&self, args: &[&str]) -> (Value, String) {
        let host = self.daemon.host();
        let out = deadweight(args, &[("DOCKER_HOST", &host)])
            .args(["--json", "-"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "deadweight {args:?}: {stderr}");
        (serde_json::from_slice(&out.stdout).unwrap(), stderr)
    }

    /// The layer directories of the store, by chain id, bottom first.
    fn layerdb(&self, i: usize) -> PathBuf {
        let (report, _) = self.run(&["docker://layered:1", "--no-storage"]);
        let diff_ids: Vec<String> = report["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["diff_id"].as_str().unwrap().to_string())
            .collect();
        let mut chain = diff_ids[0].clone();
        for d in &diff_ids[1..=i] {
            chain = crate::support::fixture::digest(format!("{chain} {d}").as_bytes());
        }
        self.data()
            .join("image/overlay2/layerdb/sha256")
            .join(&chain["sha256:".len()..])
    }

    fn diff_dir(&self, i: usize) -> PathBuf {
        let cache_id = std::fs::read_to_string(self.layerdb(i).join("cache-id")).unwrap();
        self.data().join("overlay2").join(cache_id.trim()).join("diff")
    }
}

/// The report without the two fields that name the source.
fn sourceless(mut report: Value) -> Value {
    let image = report["image"].as_object_mut().unwrap();
    image.remove("reference");
    image.remove("format");
    report
}

#[test]
fn the_store_gives_the_exports_report() {
    let Some(store) = Store::start() else { return };
    let (exported, _) = store.run(&["docker://layered:1", "--no-storage"]);
    assert_eq!(exported["image"]["format"], "docker-archive");
    let (stored, stderr) = store.run(&["docker://layered:1"]);
    assert_eq!(stored["image"]["format"], "docker-overlay2", "{stderr}");
    assert!(!stderr.contains("export"), "{stderr}");
    assert_eq!(sourceless(stored.clone()), sourceless(exported.clone()));
    // The features the image was made of reached the report through the store.
    let entries = &stored["layers"][1]["entries"];
    assert_eq!(entries["whiteouts"], 2, "{entries}");
    assert_eq!(stored["layers"][2]["entries"]["opaque_dirs"], 1);
    assert_eq!(stored["layers"][0]["entries"]["hardlinks"], 1);
    assert!(stored["packages"].to_string().contains("pkg"), "{}", stored["packages"]);
    // And the archive the image was loaded from agrees too.
    let (archived, _) = store.run(&[store.archive.to_str().unwrap()]);
    assert_eq!(sourceless(archived)["layers"], sourceless(exported)["layers"]);
}

#[test]
fn a_named_store_is_read_without_a_daemon() {
    let Some(store) = Store::start() else { return };
    let (exported, _) = store.run(&["docker://layered:1", "--no-storage"]);
    let data = store.data();
    for name in ["layered:1", "docker://layered:1", "docker.io/library/layered:1"] {
        let out = deadweight(&[name, "--storage", data.to_str().unwrap(), "--json", "-"], &[])
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["image"]["format"], "docker-overlay2");
        assert_eq!(sourceless(report), sourceless(exported.clone()), "{name}");
    }
    let err = deadweight(&["docker://absent:1", "--storage", data.to_str().unwrap()], &[])
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("no image \"absent:1\" in the store"));
}

/// Runs the image through the store after `damage`, expecting the export's report with a
/// note containing `says`, and with `--storage` an error containing it.
fn falls_back(store: &Store, says: &str) {
    let (exported, _) = store.run(&["docker://layered:1", "--no-storage"]);
    let (report, stderr) = store.run(&["docker://layered:1"]);
    assert_eq!(report["image"]["format"], "docker-archive", "{stderr}");
    assert_eq!(report, exported);
    let note: Vec<&str> = stderr.lines().filter(|l| l.contains("export")).collect();
    assert_eq!(note.len(), 1, "{stderr}");
    assert!(note[0].contains(says) && note[0].contains("--storage DIR"), "{stderr}");
    let data = store.data();
    let out = deadweight(&["layered:1", "--storage", data.to_str().unwrap(), "--json", "-"], &[])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(says) && !err.contains("panicked"), "{err}");
}

#[test]
fn a_layer_the_store_cannot_find_falls_back_to_the_export() {
    let Some(store) = Store::start() else { return };
    // dockerd keeps the layer's cache id in memory: its export still works.
    std::fs::remove_file(store.layerdb(1).join("cache-id")).unwrap();
    falls_back(&store, "cache-id: missing");
}

/// Runs the damaged store both ways (the daemon's, `--storage DIR`): exit 2 with an error
/// naming `says`, never a report; returns the daemon run's stderr.
fn fails_naming(store: &Store, says: &str) -> String {
    let host = store.daemon.host();
    let out = deadweight(&["docker://layered:1", "--json", "-"], &[("DOCKER_HOST", &host)])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains(says) && !err.contains("panicked"), "{err}");
    let daemon_err = err.into_owned();
    let data = store.data();
    let out = deadweight(&["layered:1", "--storage", data.to_str().unwrap(), "--json", "-"], &[])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(says) && !err.contains("panicked"), "{err}");
    daemon_err
}

#[test]
fn a_missing_record_is_named() {
    let Some(store) = Store::start() else { return };
    std::fs::remove_file(store.layerdb(1).join("tar-split.json.gz")).unwrap();
    // Found missing before decoding, so the export is tried, and fails on it as well.
    let err = fails_naming(&store, "tar-split.json.gz: missing");
    assert!(err.contains("the daemon's export failed"), "{err}");
}

#[test]
fn a_file_that_drifted_from_its_record_is_never_reported() {
    let Some(store) = Store::start() else { return };
    // Same length, other bytes: only the record's CRC can tell.
    let file = store.diff_dir(1).join("copy/big.py");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    fails_naming(&store, "\"copy/big.py\": its content does not match the record");
}

#[test]
fn a_corrupt_record_is_named() {
    let Some(store) = Store::start() else { return };
    let record = store.layerdb(2).join("tar-split.json.gz");
    let mut bytes = std::fs::read(&record).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    std::fs::write(&record, bytes).unwrap();
    fails_naming(&store, "layer 2");
}

#[test]
fn a_storage_scan_and_an_export_scan_share_the_cache() {
    let Some(store) = Store::start() else { return };
    let cache = tmp();
    let host = store.daemon.host();
    let with_cache = |extra: &[&str]| -> Value {
        let mut args = vec!["docker://layered:1", "--cache", cache.path().to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = deadweight(&args, &[("DOCKER_HOST", &host), ("DEADWEIGHT_NO_CACHE", "false")])
            .args(["--json", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Cold through the store, then the export over that cache, then the store again: the
    // scans are keyed and made alike, so all three agree.
    let cold = with_cache(&[]);
    let exported = with_cache(&["--no-storage"]);
    let warm = with_cache(&[]);
    assert!(std::fs::read_dir(cache.path()).unwrap().next().is_some());
    assert_eq!(sourceless(cold.clone()), sourceless(exported));
    // The warm read is the daemon record's (the export wrote it), so it says docker-archive.
    assert_eq!(sourceless(cold), sourceless(warm));
}

#[test]
fn another_storage_driver_is_named() {
    let Some(store) = Store::start() else { return };
    // A data root whose image store is vfs's, as `dockerd --storage-driver vfs` keeps it.
    let data = store.data();
    let moved = data.join("image/vfs");
    std::fs::rename(data.join("image/overlay2"), &moved).unwrap();
    let out = deadweight(&["layered:1", "--storage", data.to_str().unwrap()], &[])
        .output()
        .unwrap();
    std::fs::rename(&moved, data.join("image/overlay2")).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the storage driver is vfs"), "{err}");
}
