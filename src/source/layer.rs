//! Decodes one layer blob in a single pass: recognises its compression by magic bytes, walks the
//! tar headers, hashes each regular file's content (xxh3) without keeping it, and hashes the
//! blob itself (sha256) so the caller can check it against its descriptor. Knows nothing of
//! where the bytes come from or of other layers.

use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;
use xxhash_rust::xxh3::Xxh3;

use super::digest::{CountingReader, HashingReader, ThreadedHasher};
use super::sniff::{self, Kind, SNIFF_LEN};
use super::targuard::{Discard, TarGuard};
use crate::error::Error;
use crate::model::{EntryKind, FileCapture, LayerScan, RawEntry};

/// Limits applied while decoding a layer.
#[derive(Debug, Clone, Copy)]
pub struct ScanLimits {
    /// Most uncompressed bytes one layer may expand to.
    pub max_layer_bytes: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        Self {
            max_layer_bytes: 1 << 40,
        }
    }
}

// 64 KiB read buffers (three per decoding thread): as fast as 256 KiB here, a megabyte less resident.
const BUF: usize = 64 * 1024;

/// Reads the first bytes of a stream, however the reads come back, for sniffing.
fn read_head<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    r.by_ref().take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Decodes a whole layer blob from `raw`. The error is an [`Error::Layer`] whose reason names
/// the tar entry when one is involved; the caller adds which layer and which input
/// ([`Error::in_layer`]).
pub fn scan_layer<R: Read>(raw: R, limits: ScanLimits) -> Result<LayerScan, Error> {
    decode(raw, limits).map_err(|reason| Error::Layer {
        input: String::new(),
        layer: String::new(),
        reason,
    })
}

/// The blob's sha256, computed inline or, for an uncompressed tar, on a thread of its own.
enum Hashing<R> {
    Inline(HashingReader<R>),
    Threaded(ThreadedHasher<R>),
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Hashing::Inline(h) => h.read(buf),
            Hashing::Threaded(h) => h.read(buf),
        }
    }
}

impl<R: Read> Hashing<R> {
    fn finish(self) -> io::Result<(String, u64)> {
        match self {
            Hashing::Inline(h) => h.finish(),
            Hashing::Threaded(h) => h.finish(),
        }
    }
}

fn decode<R: Read>(mut raw: R, limits: ScanLimits) -> Result<LayerScan, String> {
    let head = read_head(&mut raw).map_err(|e| format!("cannot read the blob: {e}"))?;
    let kind = sniff::sniff(&head);
    let compression = kind.compression().ok_or_else(|| match head.len() {
        0 => "the blob is empty, not a layer".to_string(),
        _ => format!(
            "not a layer: the blob is neither gzip, zstd nor tar (starts with {})",
            super::digest::hex(&head[..head.len().min(8)])
        ),
    })?;
    let whole = io::Cursor::new(head).chain(raw);
    // An uncompressed tar costs its walk and its sha256, nothing else: on two threads it costs
    // the slower of the two. A compressed one is dominated by inflating, which is on this
    // thread anyway (and other layers keep the other cores busy).
    let mut hashing = match kind {
        Kind::Tar => Hashing::Threaded(ThreadedHasher::new(whole).map_err(|e| format!("cannot start hashing: {e}"))?),
        _ => Hashing::Inline(HashingReader::new(whole)),
    };
    let joined = &mut hashing;
    let decoded: Box<dyn Read + '_> = match kind {
        Kind::Gzip => Box::new(BufReader::with_capacity(
            BUF,
            MultiGzDecoder::new(BufReader::with_capacity(BUF, joined)),
        )),
        Kind::Zstd => {
            let mut d = zstd::stream::read::Decoder::with_buffer(BufReader::with_capacity(BUF, joined))
                .map_err(|e| format!("zstd: {e}"))?;
            // Layers written with --long need windows beyond zstd's default 128 MiB cap.
            d.window_log_max(31).map_err(|e| format!("zstd: {e}"))?;
            Box::new(BufReader::with_capacity(BUF, d))
        }
        // The threaded hasher serves its own 256 KiB chunks: no buffer needed on top.
        _ => Box::new(joined),
    };
    let mut scan = LayerScan {
        compression: Some(compression),
        ..LayerScan::default()
    };
    let counting = CountingReader::new(decoded, limits.max_layer_bytes);
    let mut archive = tar::Archive::new(TarGuard::new(Discard::new(counting)));
    walk(&mut archive, &mut scan)?;
    let mut counting = archive.into_inner().into_inner().into_inner();
    // Count (and hash) what follows the end-of-archive blocks: it is part of the blob.
    io::copy(&mut counting, &mut io::sink()).map_err(|e| format!("after the last tar entry: {e}"))?;
    scan.tar_bytes = counting.count;
    drop(counting);
    let (digest, len) = hashing
        .finish()
        .map_err(|e| format!("after the end of the tar stream: {e}"))?;
    scan.blob_digest = digest;
    scan.blob_bytes = len;
    Ok(scan)
}

/// How an error names the entry it is about: built only when an error is reported, so the
/// walk formats nothing per entry.
fn entry_name(raw: &[u8]) -> String {
    if raw.is_empty() {
        "the first entry".into()
    } else {
        format!("entry {:?}", String::from_utf8_lossy(raw))
    }
}

fn walk<R: Read + io::Seek>(archive: &mut tar::Archive<R>, scan: &mut LayerScan) -> Result<(), String> {
    let mut chunk = vec![0u8; 64 * 1024];
    // The raw path of the entry being read (of the last one read, after an error between
    // entries) and its normalized form: buffers reused for every entry.
    let mut raw_path: Vec<u8> = Vec::new();
    let mut path: Vec<u8> = Vec::new();
    let mut link: Vec<u8> = Vec::new();
    let entries = archive.entries_with_seek().map_err(|e| format!("not a tar: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| match raw_path.is_empty() {
            true => format!("corrupt tar at the first entry: {e}"),
            false => format!("corrupt tar after {}: {e}", entry_name(&raw_path)),
        })?;
        raw_path.clear();
        raw_path.extend_from_slice(&entry.path_bytes());
        let last = || entry_name(&raw_path);
        let header = entry.header();
        let mode = header.mode().map_err(|e| format!("{}: bad mode: {e}", last()))?;
        let uid = header.uid().map_err(|e| format!("{}: bad uid: {e}", last()))? as u32;
        let gid = header.gid().map_err(|e| format!("{}: bad gid: {e}", last()))? as u32;
        let etype = header.entry_type();
        if matches!(etype, tar::EntryType::XGlobalHeader | tar::EntryType::XHeader) {
            continue; // PAX metadata (`git archive` writes a global header), not a path
        }
        let mut kind = match etype {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => EntryKind::File,
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::Symlink => EntryKind::Symlink,
            tar::EntryType::Link => EntryKind::Hardlink,
            tar::EntryType::Char | tar::EntryType::Block => EntryKind::Device,
            tar::EntryType::Fifo => EntryKind::Fifo,
            _ => EntryKind::Other,
        };
        let has_link = matches!(kind, EntryKind::Symlink | EntryKind::Hardlink);
        if has_link {
            link.clear();
            if let Some(l) = entry.link_name_bytes() {
                link.extend_from_slice(&l);
            }
        }
        normalize_into(&raw_path, &mut path);
        if path.is_empty() {
            continue; // the root entry `./`
        }
        let base_at = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
        if let Some(target) = path[base_at..].strip_prefix(b".wh.") {
            if target == b".wh..opq" {
                kind = EntryKind::Opaque;
                path.truncate(base_at.saturating_sub(1));
            } else if target.starts_with(b".wh.") {
                kind = EntryKind::Other; // aufs bookkeeping (.wh..wh.plnk and friends)
            } else if !target.is_empty() {
                kind = EntryKind::Whiteout;
                path.drain(base_at..base_at + 4);
            }
        }
        let (size, hash) = if kind == EntryKind::File {
            let declared = entry.size();
            let mut h = Xxh3::new();
            let mut got = 0u64;
            let mut keep = FileCapture::for_file(&path, declared);
            loop {
                let n = entry.read(&mut chunk).map_err(|e| format!("{}: {e}", last()))?;
                if n == 0 {
                    break;
                }
                got += n as u64;
                h.update(&chunk[..n]);
                if let Some(k) = keep.as_mut() {
                    k.feed(&chunk[..n]);
                }
            }
            if let Some(kept) = keep.and_then(FileCapture::finish) {
                scan.captured.push((scan.entries.len() as u32, kept));
            }
            if got != declared {
                return Err(format!(
                    "truncated: {} declares {declared} bytes, the stream ends after {got}",
                    last()
                ));
            }
            (declared, h.digest())
        } else {
            (0, 0)
        };
        scan.counts.add(kind);
        if kind == EntryKind::File {
            scan.content_bytes += size;
        }
        let link_len = if has_link { link.len() } else { 0 };
        if scan.names.len() + path.len() + link_len >= u32::MAX as usize {
            return Err("the layer's names exceed 4 GiB".into());
        }
        let path = scan.push_name(&path);
        let link = has_link.then(|| scan.push_name(&link));
        scan.entries.push(RawEntry {
            path,
            link,
            kind,
            size,
            mode,
            uid,
            gid,
            hash,
        });
    }
    Ok(())
}

/// Strips `./` and `/` prefixes, empty and `.` components and a trailing `/`. `..` stays a
/// name: paths are never resolved against anything.
pub fn normalize(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    normalize_into(path, &mut out);
    out
}

/// [`normalize`] into a reused buffer.
fn normalize_into(path: &[u8], out: &mut Vec<u8>) {
    out.clear();
    for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty() && *p != b".") {
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
}
