//! Which bytes on disk a blob is, as the file system tells it without reading them: the file's
//! device, inode, size, modification and change times (to the nanosecond), and where in the file
//! the blob lies. Git's index trusts the same stat data to know a file unchanged; the loader uses
//! it to take a blob hashed on an earlier run as hashed again ([`super::cached`]), and the scan
//! cache stores it ([`super::cache`]). Owns only the stat and its comparison; reads no content,
//! and does not decide what is trusted.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a file must have been left alone before its identity is recorded. A write in the
/// same timestamp tick as the file's last change leaves its times as they were; ticks are a
/// few milliseconds on Linux's local file systems and up to 2 s on FAT, so a file changed
/// later than this before it was hashed is not recorded ("racily clean", in git's words): the
/// next run hashes it again and records it then.
pub const SETTLE: Duration = Duration::from_secs(2);

/// The stat data of a blob: a file of its own (`offset` 0, `len` its size), or a member of an
/// archive file at `offset`, `len` bytes long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobIdentity {
    /// The file system's device number.
    pub dev: u64,
    /// The file's inode number.
    pub ino: u64,
    /// The whole file's size.
    pub file_size: u64,
    /// Last modification, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Last change of content or metadata, nanoseconds since the epoch. No user tool can set
    /// it: a file rewritten and given back its old mtime still shows a new ctime.
    pub ctime_ns: i128,
    /// Where the blob starts in the file.
    pub offset: u64,
    /// The blob's length.
    pub len: u64,
}

impl BlobIdentity {
    /// The identity of `len` bytes at `offset` of the file at `path` (links followed), or
    /// `None` when it cannot be had (no such file, not a regular file, the blob past its end).
    pub fn of(path: &Path, offset: u64, len: u64) -> Option<Self> {
        let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
        let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        (offset.checked_add(len)? <= meta.len()).then(|| Self {
            dev: meta.dev(),
            ino: meta.ino(),
            file_size: meta.len(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            offset,
            len,
        })
    }

    /// The identity of a whole file.
    pub fn of_file(path: &Path) -> Option<Self> {
        let len = std::fs::metadata(path).ok()?.len();
        Self::of(path, 0, len)
    }

    /// True when the file last changed at least [`SETTLE`] before `now`: any later change
    /// shows in its times.
    pub fn settled(&self, now: SystemTime) -> bool {
        let now_ns = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
        self.ctime_ns.saturating_add(SETTLE.as_nanos() as i128) <= now_ns
    }

    /// What stays the same while the file is rewritten: the key a record of this blob is
    /// stored under, so a newer record replaces the older one.
    pub fn place(&self) -> String {
        format!("{}:{}:{}", self.dev, self.ino, self.offset)
    }

    /// Fixed-width bytes of every field, for the cache's record.
    pub fn to_bytes(&self) -> [u8; 72] {
        let mut b = [0u8; 72];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16..24].copy_from_slice(&self.file_size.to_le_bytes());
        b[24..40].copy_from_slice(&self.mtime_ns.to_le_bytes());
        b[40..56].copy_from_slice(&self.ctime_ns.to_le_bytes());
        b[56..64].copy_from_slice(&self.offset.to_le_bytes());
        b[64..72].copy_from_slice(&self.len.to_le_bytes());
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewrite_with_the_old_mtime_still_shows_in_the_ctime() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, b"0123456789").unwrap();
        let before = BlobIdentity::of(&path, 2, 8).unwrap();
        assert_eq!(BlobIdentity::of(&path, 2, 8), Some(before));
        assert_eq!(BlobIdentity::of(&path, 3, 8), None, "past the end");
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"0123456780").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let after = BlobIdentity::of(&path, 2, 8).unwrap();
        assert_eq!((after.mtime_ns, after.place()), (before.mtime_ns, before.place()));
        assert_ne!(after, before);
    }

    #[test]
    fn only_a_file_left_alone_long_enough_is_settled() {
        let id = BlobIdentity {
            dev: 1,
            ino: 2,
            file_size: 3,
            mtime_ns: 0,
            ctime_ns: 10_000_000_000,
            offset: 0,
            len: 3,
        };
        let at = |ns: u64| UNIX_EPOCH + Duration::from_nanos(ns);
        assert!(!id.settled(at(10_000_000_000)));
        assert!(!id.settled(at(11_999_999_999)));
        assert!(id.settled(at(12_000_000_000)));
        assert!(!id.settled(at(1)), "a ctime in the future is not settled");
    }
}
