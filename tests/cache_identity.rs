//! A blob file hashed once is not hashed again while the file system shows it unchanged (same
//! device, inode, size, mtime and ctime): a `docker save` archive, an archive of OCI blobs and
//! layout directories with plain or gzip layers. The loader tells how each cached scan was
//! checked ([`LoadEvent::Cached`]), which is what these tests count: no timing. A touched file
//! is hashed again; a file rewritten with the same size and its old mtime is hashed again and
//! its wrong digest reported; the report stays byte-identical cold and warm.
//!
//! containerd's content store holds blob files too, and is read the same way.
//!
//! Files are only recorded once they have been left alone for `identity::SETTLE` (a change in
//! the same timestamp tick would not show), so each test waits that long after making its
//! fixtures, once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use deadweight::source::cache::Cache;
use deadweight::source::identity::SETTLE;
use deadweight::source::storage::StorageChoice;
use deadweight::source::{self, CacheCheck, LoadEvent, LoadOptions, ProgressHook};

use crate::support::containerd::Containerd;
use crate::support::fixture::{Compression, Image, Layer};
use crate::support::layout::Format;
use crate::support::{bin, rich_image, tmp};

/// The text the top layer holds, and a same-length rewrite of it.
const HELLO: &str = "print('hello, cache')\n";
const OTHER: &str = "print('HELLO, CACHE')\n";

/// The images under test, each in its own subdirectory of `dir`, after waiting until their
/// files count as settled.
fn settled(dir: &Path, image: impl Fn() -> Image) -> Vec<(&'static str, PathBuf)> {
    let made: Vec<(&'static str, PathBuf)> = [
        ("docker save, plain", Format::DockerClassic, Compression::Plain),
        ("docker 25 archive, plain", Format::Docker25, Compression::Plain),
        ("OCI layout, plain", Format::OciDir, Compression::Plain),
        ("OCI layout, gzip", Format::OciDir, Compression::Gzip),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (what, format, c))| {
        let sub = dir.join(i.to_string());
        std::fs::create_dir(&sub).unwrap();
        (what, format.save(&sub, &[image().compression(c)]))
    })
    .collect();
    std::thread::sleep(SETTLE + std::time::Duration::from_millis(200));
    made
}

fn small() -> Image {
    Image::new()
        .layer("ADD base", Layer::new().dir("etc").file("etc/os-release", "ID=test\n"))
        .layer("RUN app", Layer::new().file("app/main.py", HELLO))
}

/// Loads `path` with the cache in `cache`; the load (or its error text) and how each cached
/// scan was checked.
fn load(path: &Path, cache: &Path) -> (Result<source::Loaded, String>, Vec<CacheCheck>) {
    load_from(path.to_str().unwrap(), StorageChoice::Auto, cache)
}

/// [`load`] of any image argument, with `--storage`'s choice.
fn load_from(arg: &str, storage: StorageChoice, cache: &Path) -> (Result<source::Loaded, String>, Vec<CacheCheck>) {
    let checks = Arc::new(Mutex::new(Vec::new()));
    let seen = checks.clone();
    let spec = source::reference::parse(arg, None).unwrap();
    let opts = LoadOptions {
        storage,
        cache: Some(Arc::new(Cache::new(cache.to_path_buf(), 1 << 30))),
        progress: Some(ProgressHook(Arc::new(move |e| {
            if let LoadEvent::Cached { check } = e {
                seen.lock().unwrap().push(check);
            }
        }))),
        ..LoadOptions::default()
    };
    let loaded = source::load(&spec, &opts).map_err(|e| e.to_string());
    let checks = checks.lock().unwrap().clone();
    (loaded, checks)
}

/// The files holding the image's layers: the archive itself, or the layout's blobs.
fn files_of(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    std::fs::read_dir(path.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn set_mtime(path: &Path, t: std::time::SystemTime) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(t).unwrap();
}

#[test]
fn an_unchanged_blob_file_is_not_hashed_again_and_a_touched_one_is() {
    let dir = tmp();
    for (what, path) in settled(dir.path(), small) {
        let cache = dir.path().join(format!("cache-{what}"));
        let (cold, checks) = load(&path, &cache);
        let cold = cold.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(checks.is_empty(), "{what}: a cold load found cached scans: {checks:?}");
        let (warm, checks) = load(&path, &cache);
        let warm = warm.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(checks, [CacheCheck::Unchanged; 2], "{what}: the warm load hashed");
        let digests = |l: &source::Loaded| l.layers.iter().map(|l| l.digest.clone()).collect::<Vec<_>>();
        assert_eq!(digests(&warm), digests(&cold), "{what}");
        // A later mtime (and with it a new ctime): hashed again, and still the same image.
        for f in files_of(&path) {
            set_mtime(&f, std::time::SystemTime::now() + std::time::Duration::from_secs(60));
        }
        let (touched, checks) = load(&path, &cache);
        assert!(touched.is_ok(), "{what}: {touched:?}");
        assert_eq!(checks, [CacheCheck::Hashed; 2], "{what}: a touched file was not hashed");
    }
}

/// Rewrites the file holding `HELLO` in place to hold `OTHER` (same size) and gives it back
/// its mtime: only the ctime tells.
fn rewrite_keeping_mtime(path: &Path) -> bool {
    for f in files_of(path) {
        let bytes = std::fs::read(&f).unwrap();
        let Some(at) = bytes.windows(HELLO.len()).position(|w| w == HELLO.as_bytes()) else {
            continue;
        };
        let mtime = std::fs::metadata(&f).unwrap().modified().unwrap();
        let mut changed = bytes.clone();
        changed[at..at + OTHER.len()].copy_from_slice(OTHER.as_bytes());
        std::fs::write(&f, &changed).unwrap();
        set_mtime(&f, mtime);
        return true;
    }
    false
}

#[test]
fn a_blob_rewritten_with_its_old_size_and_mtime_is_hashed_and_refused() {
    let dir = tmp();
    for (what, path) in settled(dir.path(), small) {
        let cache = dir.path().join(format!("cache-{what}"));
        load(&path, &cache).0.unwrap_or_else(|e| panic!("{what}: {e}"));
        if !rewrite_keeping_mtime(&path) {
            // A gzip layer does not hold the text as such.
            assert!(what.contains("gzip"), "{what}: the text was not found");
            continue;
        }
        let (loaded, checks) = load(&path, &cache);
        let err = loaded.expect_err(what);
        assert!(err.contains("digest mismatch"), "{what}: {err}");
        // Only a layout's other blob, a file of its own, may still count as unchanged.
        let unchanged = checks.iter().filter(|c| **c == CacheCheck::Unchanged).count();
        let expected = usize::from(path.is_dir());
        assert_eq!(unchanged, expected, "{what}: the rewritten blob was taken as unchanged");
    }
}

/// `deadweight PATH --json -` with the cache in `cache` (none when `None`) and `extra` flags.
fn report(path: &Path, cache: Option<&Path>, extra: &[&str]) -> Vec<u8> {
    let mut cmd = bin();
    if let Some(dir) = cache {
        cmd.env_remove("DEADWEIGHT_NO_CACHE").arg("--cache").arg(dir);
    }
    let out = cmd.arg(path).args(extra).args(["--json", "-"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn reports_are_byte_identical_cold_and_warm_from_unchanged_files() {
    let dir = tmp();
    for (what, path) in settled(dir.path(), rich_image) {
        let cache = dir.path().join(format!("cache-{what}"));
        let reference = report(&path, None, &[]);
        let cold = report(&path, Some(&cache), &[]);
        let records = std::fs::read_dir(cache.join("verified")).map_or(0, |d| d.count());
        let mut blobs: Vec<String> = rich_image().build().layers.into_iter().map(|l| l.digest).collect();
        blobs.sort();
        blobs.dedup();
        assert_eq!(records, blobs.len(), "{what}: one record per layer blob");
        let warm = report(&path, Some(&cache), &[]);
        let trusted = report(&path, Some(&cache), &["--trust-digests"]);
        for (run, got) in [("cold", &cold), ("warm", &warm), ("trusted", &trusted)] {
            assert!(
                *got == reference,
                "{what}: the {run} report differs from the uncached one"
            );
        }
    }
}

#[test]
fn containerds_blob_files_are_not_hashed_again_either() {
    let Some(c) = Containerd::start() else {
        return;
    };
    let dir = tmp();
    let archive = Format::DockerClassic.save(dir.path(), &[small().tag("small:1")]);
    c.import("default", &archive, None);
    std::thread::sleep(SETTLE + std::time::Duration::from_millis(200));
    let cache = dir.path().join("cache");
    let read = || load_from("containerd://small:1", StorageChoice::Dir(c.root()), &cache);
    let (cold, checks) = read();
    assert!(cold.is_ok() && checks.is_empty(), "{cold:?} {checks:?}");
    let (warm, checks) = read();
    assert!(warm.is_ok(), "{warm:?}");
    assert_eq!(
        checks,
        [CacheCheck::Unchanged; 2],
        "the content store's blobs were hashed"
    );
}
