//! Reads an image container that cannot seek (stdin, a gzip, zstd, xz or bzip2 compressed archive)
//! in one pass: small members (JSON documents) are kept in memory, every member that looks like
//! a layer is decoded as it arrives, and the order is fixed once the manifest (often the last
//! member) has been read. No temporary file is written.

use std::collections::HashMap;
use std::io::{self, BufReader, Read};

use flate2::read::MultiGzDecoder;

use super::cache::Cache;
use super::layer::{ScanLimits, scan_layer};
use super::resolve::JSON_CAP;
use super::sniff::{self, Kind, SNIFF_LEN};
use super::store::{MemStore, member_name, resolve_link};
use super::targuard::{Discard, TarGuard};
use crate::error::{Error, Result};
use crate::model::LayerScan;

/// Members at most this big are kept whole, whatever they are.
const SMALL: u64 = 64 * 1024;
/// Total bytes of kept members, against archives stuffed with small files.
const KEPT_CAP: u64 = 256 << 20;

/// What was read from the stream: the documents and the decoded layers by member name.
pub struct Streamed {
    /// Documents, links and the names of decoded members.
    pub store: MemStore,
    /// Layers decoded while streaming (or why decoding failed, reported only if needed).
    pub scans: HashMap<String, std::result::Result<LayerScan, String>>,
    /// `gzip`, `zstd`, `xz`, `bzip2` or `None` for the outer archive.
    pub outer: Option<&'static str>,
}

fn format_err(input: &str, reason: String) -> Error {
    Error::Format {
        input: input.to_string(),
        reason,
    }
}

/// Reads the whole stream.
pub fn read_stream<R: Read>(raw: R, input: &str, limits: ScanLimits) -> Result<Streamed> {
    read_stream_cached(raw, input, limits, None)
}

/// [`read_stream`] with a scan cache (and whether to trust digests in member names): members
/// named by a digest that is cached are read, not decoded; decoded ones are stored.
pub fn read_stream_cached<R: Read>(
    mut raw: R,
    input: &str,
    limits: ScanLimits,
    cache: Option<(&Cache, bool)>,
) -> Result<Streamed> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    raw.by_ref()
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| format_err(input, format!("cannot read: {e}")))?;
    let kind = sniff::sniff(&head);
    let joined = io::Cursor::new(head).chain(raw);
    let (outer, reader): (Option<&'static str>, Box<dyn Read>) = match kind {
        Kind::Gzip => (Some("gzip"), Box::new(MultiGzDecoder::new(BufReader::new(joined)))),
        Kind::Zstd => {
            let mut d =
                zstd::stream::read::Decoder::new(joined).map_err(|e| format_err(input, format!("zstd: {e}")))?;
            d.window_log_max(31)
                .map_err(|e| format_err(input, format!("zstd: {e}")))?;
            (Some("zstd"), Box::new(d))
        }
        // Multi-stream, as `xz -T0` and `pbzip2` write: all streams make the one archive.
        Kind::Xz => (
            Some("xz"),
            Box::new(BufReader::new(liblzma::read::XzDecoder::new_multi_decoder(joined))),
        ),
        Kind::Bzip2 => (
            Some("bzip2"),
            Box::new(BufReader::new(bzip2::read::MultiBzDecoder::new(joined))),
        ),
        Kind::Tar => (None, Box::new(BufReader::with_capacity(256 * 1024, joined))),
        Kind::Json | Kind::Unknown => {
            return Err(format_err(
                input,
                "not an image archive: neither a tar nor a gzip, zstd, xz or bzip2 compressed tar".into(),
            ));
        }
    };
    let mut store = MemStore {
        input: input.to_string(),
        ..MemStore::default()
    };
    let mut scans = HashMap::new();
    let mut kept = 0u64;
    let mut archive = tar::Archive::new(TarGuard::new(Discard::new(reader)));
    let bad = |e: io::Error| format_err(input, format!("corrupt or truncated archive: {e}"));
    for entry in archive.entries_with_seek().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = member_name(&String::from_utf8_lossy(&entry.path_bytes()));
        let etype = entry.header().entry_type();
        // A name stored twice: the later member wins, as it does when the archive is read
        // from a file (found by the `archive` fuzz target).
        store.links.remove(&name);
        store.docs.remove(&name);
        store.scanned.remove(&name);
        scans.remove(&name);
        if matches!(etype, tar::EntryType::Symlink | tar::EntryType::Link) {
            let target = entry
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned())
                .unwrap_or_default();
            let resolved = match etype {
                tar::EntryType::Symlink => resolve_link(&name, &target),
                _ => member_name(&target),
            };
            store.links.insert(name, resolved);
            continue;
        }
        if !etype.is_file() {
            continue;
        }
        let size = entry.size();
        let mut first = Vec::with_capacity(SNIFF_LEN);
        (&mut entry)
            .take(SNIFF_LEN as u64)
            .read_to_end(&mut first)
            .map_err(|e| format_err(input, format!("member {name}: {e}")))?;
        let kind = sniff::sniff(&first);
        let keep = size <= SMALL || (kind == Kind::Json && size <= JSON_CAP);
        if keep {
            kept += size;
            if kept > KEPT_CAP {
                return Err(Error::Limit {
                    input: input.to_string(),
                    what: "the small members of the archive".into(),
                    limit: format!("{KEPT_CAP} bytes"),
                });
            }
            let mut all = first;
            entry
                .read_to_end(&mut all)
                .map_err(|e| format_err(input, format!("member {name}: {e}")))?;
            if (all.len() as u64) < size {
                return Err(Error::Truncated {
                    input: input.to_string(),
                    detail: format!(
                        "member {name} declares {size} bytes, the stream ends after {}",
                        all.len()
                    ),
                });
            }
            store.docs.insert(name, all);
        } else if kind.compression().is_some() {
            let mut member = io::Cursor::new(first).chain(&mut entry);
            let hit = cache.and_then(|(c, trust)| super::cached::stream_hit(c, &name, &mut member, trust, limits));
            let result = match hit {
                Some(r) => r,
                None => {
                    let decoded = scan_layer(member, limits).map_err(|e| e.reason());
                    if let (Some((c, _)), Ok(scan)) = (cache, &decoded) {
                        c.put(scan, None);
                    }
                    decoded
                }
            };
            // A member cut short by the end of the stream is the archive's fault, not the layer's.
            let result = match result {
                Ok(s) if s.blob_bytes < size => Err(format!(
                    "truncated archive: member declares {size} bytes, got {}",
                    s.blob_bytes
                )),
                other => other,
            };
            store.scanned.insert(name.clone());
            scans.insert(name, result);
        }
    }
    // Read to the end of the outer stream: a gzip or zstd trailer (checksum) that is cut or
    // corrupt after the tar's end blocks must not go unnoticed.
    io::copy(&mut archive.into_inner().into_inner().into_inner(), &mut io::sink()).map_err(bad)?;
    Ok(Streamed { store, scans, outer })
}
