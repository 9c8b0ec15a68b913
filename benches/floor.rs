//! The decode floor: every layer blob of an archive or layout only decompressed, in parallel,
//! with the same decoders the real reader uses, and nothing else (no tar walk, no hashing).
//! `benches/compare.sh` compares deadweight's full run against it; it reads, never analyses.
//! A benchmark binary, not part of the shipped tool: `cargo bench --bench floor -- IMAGE`
//! prints the bytes decompressed and the seconds it took.

use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;

use deadweight::error::{Error, Result};
use deadweight::source::resolve::{self, Selection};
use deadweight::source::sniff::{self, Kind, SNIFF_LEN};
use deadweight::source::store::{ArchiveStore, DirStore, Store};

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
fn decode_floor(path: &Path, selection: &Selection) -> Result<u64> {
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

fn main() -> std::process::ExitCode {
    // `cargo bench` passes `--bench` to every bench binary; the image is the other argument.
    let Some(image) = std::env::args().skip(1).find(|a| a != "--bench") else {
        eprintln!("usage: cargo bench --bench floor -- IMAGE (a docker or OCI archive, or an OCI layout)");
        return std::process::ExitCode::from(2);
    };
    let start = std::time::Instant::now();
    match decode_floor(Path::new(&image), &Selection::default()) {
        Ok(bytes) => {
            println!("{bytes} bytes decompressed in {:.3} s", start.elapsed().as_secs_f64());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("floor: {image}: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
