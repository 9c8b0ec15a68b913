//! Records of blobs already hashed: for a blob's [`BlobIdentity`] (the file's stat data and
//! the blob's place in it), the digest and length its bytes hashed to. Owns the records' files
//! under `verified/` and their payload; framing, atomic writes and eviction are the cache's
//! ([`super`]). Does not decide when a record may be made or believed (`cached` does: only
//! after a hash, only for a file left alone long enough, only on the exact identity).
//!
//! A record is a framed entry whose key is `blob-identity/<RECORD_FORMAT>:<dev>:<inode>:<offset>`
//! and whose payload is the 72 bytes of the identity, the blob's length (u64) and its digest.
//! A file rewritten in place keeps its key, so its new record replaces the old one.

use std::fs;
use std::path::PathBuf;

use xxhash_rust::xxh3::xxh3_128;

use super::{Cache, frame, touch, unframe};
use crate::source::identity::BlobIdentity;

/// Bumped whenever the payload changes: records of another format have other keys, so they
/// are never read, only evicted.
const RECORD_FORMAT: u32 = 1;

impl Cache {
    fn verified_path(&self, key: &str) -> PathBuf {
        self.dir
            .join("verified")
            .join(format!("{:032x}", xxh3_128(key.as_bytes())))
    }

    /// The digest and length the blob at `id` hashed to, when an intact record says so for
    /// exactly this identity (every field equal).
    pub fn verified(&self, id: &BlobIdentity) -> Option<(String, u64)> {
        let key = record_key(id);
        let path = self.verified_path(&key);
        let bytes = self.read_bounded(&path)?;
        let (stored, _, payload) = unframe(&bytes)?;
        if stored != key.as_bytes() {
            return None;
        }
        let (identity, rest) = payload.split_at_checked(72)?;
        let (len, digest) = rest.split_at_checked(8)?;
        if identity != id.to_bytes() {
            return None;
        }
        let digest = std::str::from_utf8(digest).ok()?.to_string();
        touch(&path);
        Some((digest, u64::from_le_bytes(len.try_into().ok()?)))
    }

    /// Records that the blob at `id` hashed to `digest`, `len` bytes long. Best effort, like
    /// [`Cache::put`]: a record not written costs the next run a hash.
    pub fn put_verified(&self, id: &BlobIdentity, digest: &str, len: u64) {
        let key = record_key(id);
        let mut payload = Vec::with_capacity(80 + digest.len());
        payload.extend_from_slice(&id.to_bytes());
        payload.extend_from_slice(&len.to_le_bytes());
        payload.extend_from_slice(digest.as_bytes());
        if fs::create_dir_all(self.dir.join("verified")).is_ok() {
            let _ = self.write_atomic(&self.verified_path(&key), &frame(key.as_bytes(), b"", &payload));
        }
    }
}

fn record_key(id: &BlobIdentity) -> String {
    format!("blob-identity/{RECORD_FORMAT}:{}", id.place())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ctime_ns: i128) -> BlobIdentity {
        BlobIdentity {
            dev: 7,
            ino: 42,
            file_size: 4096,
            mtime_ns: 1,
            ctime_ns,
            offset: 512,
            len: 1024,
        }
    }

    #[test]
    fn a_record_answers_only_for_the_exact_identity() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf(), 1 << 20);
        assert_eq!(cache.verified(&id(5)), None);
        cache.put_verified(&id(5), "sha256:ab", 1024);
        assert_eq!(cache.verified(&id(5)), Some(("sha256:ab".to_string(), 1024)));
        assert_eq!(cache.verified(&id(6)), None, "another ctime");
        let mut moved = id(5);
        moved.offset = 0;
        assert_eq!(cache.verified(&moved), None, "another member");
        // The file rewritten: its record replaces the old one.
        cache.put_verified(&id(6), "sha256:cd", 1024);
        assert_eq!(cache.verified(&id(5)), None);
        assert_eq!(fs::read_dir(dir.path().join("verified")).unwrap().count(), 1);
    }

    #[test]
    fn a_damaged_record_is_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf(), 1 << 20);
        cache.put_verified(&id(5), "sha256:ab", 1024);
        let path = cache.verified_path(&record_key(&id(5)));
        let mut bytes = fs::read(&path).unwrap();
        let at = bytes.len() - 10;
        bytes[at] ^= 1;
        fs::write(&path, bytes).unwrap();
        assert_eq!(cache.verified(&id(5)), None);
    }
}
