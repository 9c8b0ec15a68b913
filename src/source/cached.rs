//! Where a layer is about to be decoded: decides whether its scan can come from the scan cache
//! ([`cache`](super::cache)) instead. A hit is taken only when it is sure to be right: the
//! cached scan is stored under the digest its blob's bytes hashed to, and the blob at hand is
//! hashed again (sha256 only, no inflate and no tar walk) unless the user trusts digests and a
//! descriptor promises one, the blob is remote (a registry's blob is addressed by digest, and
//! downloading it to hash it would cost what the cache saves), or the blob's file is exactly as
//! it was when an earlier run hashed it ([`super::identity`]; never for streams). Everything
//! after this step gets a [`LayerScan`] and cannot tell which way it came.

use std::io::Read;
use std::time::SystemTime;

use super::cache::Cache;
use super::digest::HashingReader;
use super::identity::BlobIdentity;
use super::layer;
use super::resolve::PlannedLayer;
use super::sniff::{self, SNIFF_LEN};
use super::store::Store;
use super::{LoadEvent, LoadOptions, layer_error, missing};
use crate::error::Result;
use crate::model::{Compression, LayerScan};

/// Whether reading a blob costs a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// A file or directory: hashing a blob is cheap next to decoding it.
    Local,
    /// A registry: only uncached blobs are downloaded.
    Remote,
}

/// How a cached scan was known to be the blob's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheCheck {
    /// The blob was read and hashed.
    Hashed,
    /// The blob's file is exactly as it was when an earlier run hashed it (same device,
    /// inode, size, modification and change times): not read.
    Unchanged,
    /// Not read: `--trust-digests` with a digest the manifest promises, or a registry's blob.
    Trusted,
}

/// The scan of planned layer `i`: from the cache when a hit is sure, else decoded (and then
/// stored).
pub(super) fn scan_planned(
    store: &dyn Store,
    i: usize,
    l: &PlannedLayer,
    diff_id: Option<&str>,
    opts: &LoadOptions,
    reach: Reach,
) -> Result<LayerScan> {
    let input = store.input();
    let open = || store.open(&l.name)?.ok_or_else(|| missing(input, i, l));
    let cache = opts.cache.as_deref();
    let hit = |check| {
        if let Some(hook) = &opts.progress {
            (hook.0)(LoadEvent::Cached { check });
        }
    };
    if let (Some(cache), Some(expected)) = (cache, l.digest.as_deref())
        && let Some(scan) = cache.get(expected, diff_id)
        && scan.tar_bytes <= opts.limits.max_layer_bytes
        && (!l.digest_if_plain || scan.compression == Some(Compression::None))
    {
        let trusted =
            reach == Reach::Remote || (opts.trust_digests && (!l.digest_if_plain || plain(open()?).unwrap_or(false)));
        if trusted {
            hit(CacheCheck::Trusted);
            return Ok(scan);
        }
        // Hashed by an earlier run and not touched since: that hash stands (git's index trusts
        // a file's stat data the same way). Any difference in the stat data means a hash.
        let before = store.identity(&l.name);
        if before
            .and_then(|id| cache.verified(&id))
            .is_some_and(|(digest, len)| digest == scan.blob_digest && len == scan.blob_bytes)
        {
            hit(CacheCheck::Unchanged);
            return Ok(scan);
        }
        let (actual, len) = HashingReader::new(open()?)
            .finish()
            .map_err(|e| layer_error(input, i, l, format!("cannot read the blob: {e}")))?;
        if actual == scan.blob_digest && len == scan.blob_bytes {
            remember(cache, store, &l.name, before, &actual, len);
            hit(CacheCheck::Hashed);
            return Ok(scan);
        }
        // Not the blob that was cached: decode it, so its errors read as they would cold.
    }
    let before = cache.and_then(|_| store.identity(&l.name));
    let scan = layer::scan_layer(open()?, opts.limits).map_err(|e| layer_error(input, i, l, e.reason()))?;
    if let Some(cache) = cache {
        cache.put(&scan, diff_id);
        remember(cache, store, &l.name, before, &scan.blob_digest, scan.blob_bytes);
    }
    Ok(scan)
}

/// Records that the blob whose identity was `before` its read hashed to `digest`, if it was a
/// file's and stayed the same through the read, and its file had been left alone long enough
/// that any later change shows in its stat data ([`super::identity::SETTLE`]).
fn remember(cache: &Cache, store: &dyn Store, name: &str, before: Option<BlobIdentity>, digest: &str, len: u64) {
    let Some(before) = before.filter(|b| b.len == len) else {
        return;
    };
    if store.identity(name) == Some(before) && before.settled(SystemTime::now()) {
        cache.put_verified(&before, digest, len);
    }
}

/// True when the blob is an uncompressed tar, so a diff id (the digest of the uncompressed
/// tar) is a promise about its bytes.
fn plain(mut blob: impl Read) -> std::io::Result<bool> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    blob.by_ref().take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(sniff::sniff(&head) == sniff::Kind::Tar)
}

/// The scan of a stream member named by its digest (`blobs/sha256/<hex>`, `<hex>.tar`) from the
/// cache, reading (and unless trusted, hashing) the member's bytes instead of decoding them.
/// `None` when nothing usable is cached: the caller decodes. `Some(Err)` when the member's
/// bytes are not what its name promises.
pub(super) fn stream_hit(
    cache: &Cache,
    name: &str,
    member: impl Read,
    trust: bool,
    limits: layer::ScanLimits,
) -> Option<std::result::Result<LayerScan, String>> {
    let digest = digest_in_name(name)?;
    let scan = cache
        .get(&digest, None)
        .filter(|s| s.tar_bytes <= limits.max_layer_bytes)?;
    Some(if trust {
        std::io::copy(&mut { member }, &mut std::io::sink())
            .map(|_| scan)
            .map_err(|e| format!("cannot read the blob: {e}"))
    } else {
        match HashingReader::new(member).finish() {
            Ok((actual, len)) if actual == digest && len == scan.blob_bytes => Ok(scan),
            Ok((actual, _)) => Err(format!("the blob hashes to {actual}, its name promises {digest}")),
            Err(e) => Err(format!("cannot read the blob: {e}")),
        }
    })
}

/// `sha256:<hex>` when a member's name is its digest.
fn digest_in_name(name: &str) -> Option<String> {
    let base = name.rsplit('/').next()?;
    let hex = base.strip_suffix(".tar").unwrap_or(base);
    super::digest::is_sha256_hex(hex).then(|| format!("sha256:{hex}"))
}

/// The scan of a small layer kept whole in memory (a stream's member under 64 KiB): hashing it
/// is nothing, so the cache is asked by its actual digest.
pub(super) fn scan_bytes(
    cache: Option<&Cache>,
    bytes: &[u8],
    limits: layer::ScanLimits,
) -> std::result::Result<LayerScan, crate::error::Error> {
    let cache = cache.map(|c| (c, super::digest::sha256_of(bytes)));
    if let Some((c, digest)) = &cache
        && let Some(scan) = c.get(digest, None).filter(|s| s.tar_bytes <= limits.max_layer_bytes)
    {
        return Ok(scan);
    }
    let scan = layer::scan_layer(bytes, limits)?;
    if let Some((c, _)) = cache {
        c.put(&scan, None);
    }
    Ok(scan)
}
