//! The decode floor: every layer blob of an archive or layout only decompressed, in parallel,
//! with the same decoders the real reader uses, and nothing else (no tar walk, no hashing).
//! Benchmarks compare deadweight's full run against it; it reads, never analyses.

use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;

use super::resolve::{self, Selection};
use super::sniff::{self, Kind, SNIFF_LEN};
use super::store::{ArchiveStore, DirStore, Store};
use crate::error::{Error, Result};

fn decompress(mut raw: impl Read) -> io::Result<u64> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut raw).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    let kind = sniff::sniff(&head);
    let joined = io::Cursor::new(head).chain(raw);
    let buffered = BufReader::with_capacity(256 * 1024, joined);
    match kind {
        Kind::Gzip => io::copy(&mut MultiGzDecoder::new(buffered), &mut io::sink()),
        Kind::Zstd => {
            let mut d = zstd::stream::read::Decoder::with_buffer(buffered)?;
            d.window_log_max(31)?;
            io::copy(&mut d, &mut io::sink())
        }
        _ => io::copy(&mut { buffered }, &mut io::sink()),
    }
}

/// Decompresses every layer of the archive or layout at `path`; returns the uncompressed bytes.
pub fn decode_floor(path: &Path, selection: &Selection) -> Result<u64> {
    let input = path.display().to_string();
    let store: Box<dyn Store> = if path.is_dir() {
        Box::new(DirStore::new(path, &input))
    } else {
        Box::new(ArchiveStore::open(path, &input)?)
    };
    let plan = resolve::resolve(store.as_ref(), selection)?;
    plan.layers
        .par_iter()
        .map(|l| {
            let blob = store.open(&l.name)?.ok_or_else(|| Error::MissingBlob {
                input: input.clone(),
                what: "layer".into(),
                name: l.name.clone(),
            })?;
            decompress(blob).map_err(|e| Error::Layer {
                input: input.clone(),
                layer: l.name.clone(),
                reason: e.to_string(),
            })
        })
        .sum()
}
