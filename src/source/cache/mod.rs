//! The scan cache: a directory of decoded layer scans keyed by what the blob's bytes hash to,
//! so a layer seen before is not inflated and walked again. Owns the files under the cache
//! directory: their names, their framing (magic, version, key, checksum), atomic writes, and
//! eviction of the least recently used entries past the size cap. Does not decide when a hit
//! may be trusted without hashing the blob; the loader ([`super::schedule::scan_parallel`] and the stream
//! reader) does, and nothing after it knows whether a scan came from here. Beside the scans it
//! keeps records of blob files already hashed ([`verified`]), which the loader may believe
//! instead of hashing them again.
//!
//! An entry is `MAGIC | version u32 | key len u32 | key | diff id len u32 | diff id | payload
//! len u64 | payload | xxh3-64 of everything before`. Anything that does not frame, check and
//! decode exactly is ignored (and overwritten by the next decode), never trusted.

pub mod codec;
mod verified;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use crate::error::{Error, Result};
use crate::model::LayerScan;

const MAGIC: &[u8; 8] = b"DWSCAN\r\n";
/// Bumped whenever the scan or its encoding changes: older entries then read as foreign. The
/// capture revision counts too: a scan cached before a new file was captured lacks it.
/// 2: shared objects in site-packages keep their ELF links.
const VERSION: u32 = 2 | (crate::model::CAPTURE_REVISION << 16);
/// The default cap on the cache's size.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// Temporary files older than this were left by a process that died mid-write.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// A scan cache in one directory, shared safely by concurrent processes.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    max_bytes: u64,
}

/// What `deadweight cache info` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheInfo {
    /// The cache directory.
    pub dir: PathBuf,
    /// Layer scans stored.
    pub entries: u64,
    /// Bytes on disk, with the records of daemon images and of blobs already hashed.
    pub bytes: u64,
    /// The cap beyond which the least recently used are evicted.
    pub max_bytes: u64,
}

impl Cache {
    /// A cache in `dir` (created on first write), capped at `max_bytes`.
    pub fn new(dir: PathBuf, max_bytes: u64) -> Self {
        Self { dir, max_bytes }
    }

    /// `$XDG_CACHE_HOME/deadweight`, else `~/.cache/deadweight`; `None` without either.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        var("XDG_CACHE_HOME")
            .filter(|p| p.is_absolute())
            .or_else(|| var("HOME").map(|h| h.join(".cache")))
            .map(|base| base.join("deadweight"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn layers(&self) -> PathBuf {
        self.dir.join("layers")
    }

    fn path_of(&self, blob_digest: &str) -> PathBuf {
        self.layers().join(format!("{:032x}", xxh3_128(blob_digest.as_bytes())))
    }

    fn record_path(&self, key: &str) -> PathBuf {
        self.dir
            .join("images")
            .join(format!("{:032x}", xxh3_128(key.as_bytes())))
    }

    /// The record stored under `key` (a daemon image's documents), if intact.
    pub fn get_record(&self, key: &str) -> Option<Vec<u8>> {
        let path = self.record_path(key);
        let bytes = self.read_bounded(&path)?;
        let (stored, _, payload) = unframe(&bytes)?;
        if stored != key.as_bytes() {
            return None;
        }
        touch(&path);
        Some(payload.to_vec())
    }

    /// The bytes of an entry file no larger than the whole cache may be: a larger one is not an
    /// entry of ours (a foreign or corrupt file) and is not read into memory.
    fn read_bounded(&self, path: &Path) -> Option<Vec<u8>> {
        let len = fs::metadata(path).ok()?.len();
        (len <= self.max_bytes).then(|| fs::read(path).ok()).flatten()
    }

    /// Stores a record under `key`; best effort, like [`Cache::put`].
    pub fn put_record(&self, key: &str, record: &[u8]) {
        let _ = fs::create_dir_all(self.dir.join("images"));
        let _ = self.write_atomic(&self.record_path(key), &frame(key.as_bytes(), b"", record));
    }

    /// The scan of the blob whose bytes hash to `blob_digest`, if one is stored intact. An
    /// entry stored with a different diff id than `diff_id` (when both are known) is a miss.
    pub fn get(&self, blob_digest: &str, diff_id: Option<&str>) -> Option<LayerScan> {
        let path = self.path_of(blob_digest);
        let bytes = self.read_bounded(&path)?;
        let (key, stored_diff, payload) = unframe(&bytes)?;
        if key != blob_digest.as_bytes() {
            return None;
        }
        if let Some(d) = diff_id
            && !stored_diff.is_empty()
            && stored_diff != d.as_bytes()
        {
            return None;
        }
        let scan = codec::decode(payload).filter(|s| s.blob_digest == blob_digest)?;
        touch(&path);
        Some(scan)
    }

    /// Stores a freshly decoded scan under its blob digest. Best effort: a cache that cannot be
    /// written costs the next run a decode, so the failure is reported once on stderr and the
    /// analysis goes on.
    pub fn put(&self, scan: &LayerScan, diff_id: Option<&str>) {
        if scan.blob_digest.is_empty() {
            return;
        }
        let framed = frame(
            scan.blob_digest.as_bytes(),
            diff_id.unwrap_or_default().as_bytes(),
            &codec::encode(scan),
        );
        if framed.len() as u64 > self.max_bytes {
            return;
        }
        if let Err(e) = self.write_atomic(&self.path_of(&scan.blob_digest), &framed) {
            static WARNED: AtomicBool = AtomicBool::new(false);
            if !WARNED.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "deadweight: warning: cannot write the scan cache {}: {e} (--no-cache turns it off)",
                    self.dir.display()
                );
            }
            return;
        }
        self.evict();
    }

    /// Writes to a temporary file in the cache and renames it into place, so a reader sees the
    /// old entry or the new one, never half of one.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let tmp_dir = self.dir.join("tmp");
        fs::create_dir_all(&tmp_dir)?;
        fs::create_dir_all(self.layers())?;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let tmp = tmp_dir.join(format!(
            "{}-{}-{nanos}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let result = fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(bytes))
            .and_then(|()| fs::rename(&tmp, path));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// The stored entries (layer scans, image records, records of hashed blobs) with their
    /// size and last use.
    fn entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        ["layers", "images", "verified"]
            .iter()
            .filter_map(|sub| fs::read_dir(self.dir.join(sub)).ok())
            .flat_map(|dir| dir.flatten())
            .filter_map(|e| {
                let meta = e.metadata().ok().filter(|m| m.is_file())?;
                Some((e.path(), meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
            })
            .collect()
    }

    /// Removes the least recently used entries until the cache fits its cap, and temporary
    /// files abandoned by processes that died. Another process evicting at the same time only
    /// makes some removals fail, which is fine.
    fn evict(&self) {
        if let Ok(tmp) = fs::read_dir(self.dir.join("tmp")) {
            for e in tmp.flatten() {
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_TMP));
                if old {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        if total <= self.max_bytes {
            return;
        }
        entries.sort_by_key(|e| e.2);
        for (path, len, _) in entries {
            if total <= self.max_bytes {
                break;
            }
            let _ = fs::remove_file(&path);
            total = total.saturating_sub(len);
        }
    }

    /// How many entries the cache holds and how big they are.
    pub fn info(&self) -> CacheInfo {
        let entries = self.entries();
        let layers = self.layers();
        CacheInfo {
            dir: self.dir.clone(),
            entries: entries.iter().filter(|e| e.0.starts_with(&layers)).count() as u64,
            bytes: entries.iter().map(|e| e.1).sum(),
            max_bytes: self.max_bytes,
        }
    }

    /// Removes every entry; returns what was there.
    pub fn clear(&self) -> Result<CacheInfo> {
        let before = self.info();
        for sub in ["layers", "images", "verified", "tmp"] {
            match fs::remove_dir_all(self.dir.join(sub)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: self.dir.join(sub),
                        source,
                    });
                }
            }
        }
        Ok(before)
    }
}

/// Last use is the file's mtime: what eviction sorts by. Failing to touch it only makes the
/// entry look older.
fn touch(path: &Path) {
    if let Ok(f) = fs::File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

fn frame(key: &[u8], diff_id: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut w = Vec::with_capacity(payload.len() + key.len() + diff_id.len() + 40);
    w.extend_from_slice(MAGIC);
    w.extend_from_slice(&VERSION.to_le_bytes());
    for part in [key, diff_id] {
        w.extend_from_slice(&(part.len() as u32).to_le_bytes());
        w.extend_from_slice(part);
    }
    w.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    w.extend_from_slice(payload);
    let sum = xxh3_64(&w);
    w.extend_from_slice(&sum.to_le_bytes());
    w
}

/// `(key, diff id, payload)` of a framed entry whose magic, version, lengths and checksum all
/// hold.
fn unframe(bytes: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let body_len = bytes.len().checked_sub(8)?;
    let (body, sum) = bytes.split_at(body_len);
    if xxh3_64(body).to_le_bytes() != sum {
        return None;
    }
    let rest = body.strip_prefix(MAGIC)?;
    let (version, rest) = rest.split_at_checked(4)?;
    if u32::from_le_bytes(version.try_into().ok()?) != VERSION {
        return None;
    }
    let (key, rest) = part(rest)?;
    let (diff_id, rest) = part(rest)?;
    let (len, payload) = rest.split_at_checked(8)?;
    (u64::from_le_bytes(len.try_into().ok()?) == payload.len() as u64).then_some((key, diff_id, payload))
}

fn part(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_at_checked(4)?;
    rest.split_at_checked(u32::from_le_bytes(len.try_into().ok()?) as usize)
}
