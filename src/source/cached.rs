//! Where a layer is about to be decoded: decides whether its scan can come from the scan cache
//! ([`cache`](super::cache)) instead. A hit is taken only when it is sure to be right: the
//! cached scan is stored under the digest its blob's bytes hashed to, and the blob at hand is
//! hashed again (sha256 only, no inflate and no tar walk) unless the user trusts digests and a
//! descriptor promises one, or the blob is remote (a registry's blob is addressed by digest,
//! and downloading it to hash it would cost what the cache saves). Everything after this step
//! gets a [`LayerScan`] and cannot tell which way it came.

use std::io::Read;

use super::cache::Cache;
use super::digest::HashingReader;
use super::layer;
use super::resolve::PlannedLayer;
use super::sniff::{self, SNIFF_LEN};
use super::store::Store;
use super::{LoadOptions, layer_error, missing};
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
    if let (Some(cache), Some(expected)) = (cache, l.digest.as_deref())
        && let Some(scan) = cache.get(expected, diff_id)
        && scan.tar_bytes <= opts.limits.max_layer_bytes
        && (!l.digest_if_plain || scan.compression == Some(Compression::None))
    {
        let trusted =
            reach == Reach::Remote || (opts.trust_digests && (!l.digest_if_plain || plain(open()?).unwrap_or(false)));
        if trusted {
            return Ok(scan);
        }
        let (actual, len) = HashingReader::new(open()?)
            .finish()
            .map_err(|e| layer_error(input, i, l, format!("cannot read the blob: {e}")))?;
        if actual == scan.blob_digest && len == scan.blob_bytes {
            return Ok(scan);
        }
        // Not the blob that was cached: decode it, so its errors read as they would cold.
    }
    let scan = layer::scan_layer(open()?, opts.limits).map_err(|e| layer_error(input, i, l, e.reason()))?;
    if let Some(cache) = cache {
        cache.put(&scan, diff_id);
    }
    Ok(scan)
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
