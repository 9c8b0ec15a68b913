//! Decodes one layer blob in a single pass: recognises its compression by magic bytes, walks the
//! tar headers, hashes each regular file's content (xxh3) without keeping it, and hashes the
//! blob itself (sha256) so the caller can check it against its descriptor. Knows nothing of
//! where the bytes come from or of other layers.

use std::borrow::Cow;
use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;
use xxhash_rust::xxh3::Xxh3;

use super::digest::{CountingReader, HashingReader};
use super::sniff::{self, Kind, SNIFF_LEN};
use super::targuard::{Discard, TarGuard};
use crate::model::{CAPTURE_CAP, EntryKind, LayerScan, RawEntry, wants_content};

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

const BUF: usize = 256 * 1024;

/// Reads the first bytes of a stream, however the reads come back, for sniffing.
fn read_head<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    r.by_ref().take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Decodes a whole layer blob from `raw`. The error is a sentence naming the tar entry when
/// one is involved; the caller adds which layer and which input.
pub fn scan_layer<R: Read>(raw: R, limits: ScanLimits) -> Result<LayerScan, String> {
    let mut hashing = HashingReader::new(raw);
    let head = read_head(&mut hashing).map_err(|e| format!("cannot read the blob: {e}"))?;
    let kind = sniff::sniff(&head);
    let compression = kind.compression().ok_or_else(|| match head.len() {
        0 => "the blob is empty, not a layer".to_string(),
        _ => format!(
            "not a layer: the blob is neither gzip, zstd nor tar (starts with {})",
            super::digest::hex(&head[..head.len().min(8)])
        ),
    })?;
    let joined = io::Cursor::new(head).chain(&mut hashing);
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
        _ => Box::new(BufReader::with_capacity(BUF, joined)),
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

fn walk<R: Read + io::Seek>(archive: &mut tar::Archive<R>, scan: &mut LayerScan) -> Result<(), String> {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut last = String::from("the first entry");
    let entries = archive.entries_with_seek().map_err(|e| format!("not a tar: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("corrupt tar after {last}: {e}"))?;
        let raw_path: Cow<[u8]> = entry.path_bytes();
        let raw_path = raw_path.into_owned();
        last = format!("entry {:?}", String::from_utf8_lossy(&raw_path));
        let header = entry.header();
        let mode = header.mode().map_err(|e| format!("{last}: bad mode: {e}"))?;
        let uid = header.uid().map_err(|e| format!("{last}: bad uid: {e}"))? as u32;
        let gid = header.gid().map_err(|e| format!("{last}: bad gid: {e}"))? as u32;
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
        let link = match kind {
            EntryKind::Symlink | EntryKind::Hardlink => entry.link_name_bytes().map(|l| l.into_owned()),
            _ => None,
        };
        let mut path = normalize(&raw_path);
        if path.is_empty() {
            continue; // the root entry `./`
        }
        let (dir, base) = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => (&path[..i], &path[i + 1..]),
            None => (&path[..0], &path[..]),
        };
        if let Some(target) = base.strip_prefix(b".wh.") {
            if target == b".wh..opq" {
                kind = EntryKind::Opaque;
                path = dir.to_vec();
            } else if target.starts_with(b".wh.") {
                kind = EntryKind::Other; // aufs bookkeeping (.wh..wh.plnk and friends)
            } else if !target.is_empty() {
                kind = EntryKind::Whiteout;
                let mut p = dir.to_vec();
                if !p.is_empty() {
                    p.push(b'/');
                }
                p.extend_from_slice(target);
                path = p;
            }
        }
        let (size, hash) = if kind == EntryKind::File {
            let declared = entry.size();
            let mut h = Xxh3::new();
            let mut got = 0u64;
            let mut keep = (declared <= CAPTURE_CAP && wants_content(&path)).then(Vec::new);
            loop {
                let n = entry.read(&mut chunk).map_err(|e| format!("{last}: {e}"))?;
                if n == 0 {
                    break;
                }
                got += n as u64;
                h.update(&chunk[..n]);
                if let Some(k) = keep.as_mut() {
                    k.extend_from_slice(&chunk[..n]);
                }
            }
            if let Some(k) = keep {
                scan.captured.push((scan.entries.len() as u32, k));
            }
            if got != declared {
                return Err(format!(
                    "truncated: {last} declares {declared} bytes, the stream ends after {got}"
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
        if scan.names.len() + path.len() + link.as_ref().map_or(0, Vec::len) >= u32::MAX as usize {
            return Err("the layer's names exceed 4 GiB".into());
        }
        let path = scan.push_name(&path);
        let link = link.map(|l| scan.push_name(&l));
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
    for part in path.split(|&b| b == b'/').filter(|p| !p.is_empty() && *p != b".") {
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    out
}
