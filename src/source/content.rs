//! Reads one file's content back from one layer of an image on disk (an archive, a directory
//! or containerd's content store), for the explorer's file viewer: the layer's blob is opened
//! again and walked to the entry; nothing is unpacked to disk and at most `max` bytes are kept.
//! Other sources (daemons, registries, compressed archives, standard input) were read once as a
//! stream and cannot be reopened. Knows nothing of the analysis.

use std::io::{BufReader, Read};

use flate2::read::MultiGzDecoder;

use super::layer::normalize;
use super::reference::{ImageSpec, Location};
use super::resolve::{self, Selection};
use super::sniff::{self, Kind};
use super::storage::containerd;
use super::store::{ArchiveStore, DirStore, Store};
use crate::error::{Error, Result};

/// Where an image is reopened: its argument, the `--tag`/`--platform` pick, and the root
/// `--storage` named (containerd's, for `containerd://NAME`).
#[derive(Debug, Clone, Copy)]
pub struct Reopen<'a> {
    /// The parsed image argument.
    pub spec: &'a ImageSpec,
    /// The pick among several images.
    pub selection: &'a Selection,
    /// `--storage DIR`, when given.
    pub storage: Option<&'a std::path::Path>,
}

/// The first `max` bytes of the regular file at `path` as layer `layer` (0 = bottom) of the
/// image stores it, and whether it was longer.
pub fn read_entry(image: Reopen<'_>, layer: usize, path: &[u8], max: u64) -> Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let size = copy_entry(image, layer, path, max, &mut out)?;
    Ok((out, size > max))
}

/// The store the image is read from again, and the pick within it.
fn reopen(image: Reopen<'_>) -> Result<(Box<dyn Store>, Selection)> {
    let spec = image.spec;
    let file = match &spec.location {
        Location::Path(file) => file,
        Location::Containerd(name) => {
            let (root, target) = containerd::locate(name, image.storage)?;
            let (store, selection) = containerd::open(&root, &target, image.selection);
            return Ok((Box::new(store), selection));
        }
        _ => return Err(unsupported(spec)),
    };
    let input = file.display().to_string();
    let store: Box<dyn Store> = if file.is_dir() {
        Box::new(DirStore::new(file, &input))
    } else {
        let mut head = Vec::new();
        std::fs::File::open(file)
            .and_then(|f| f.take(sniff::SNIFF_LEN as u64).read_to_end(&mut head))
            .map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
        if sniff::sniff(&head) != Kind::Tar {
            return Err(unsupported(spec));
        }
        Box::new(ArchiveStore::open(file, &input)?)
    };
    Ok((store, image.selection.clone()))
}

/// Streams the first `max` bytes of that file into `out` (the file is never held whole);
/// returns its full size.
pub fn copy_entry(image: Reopen<'_>, layer: usize, path: &[u8], max: u64, out: &mut dyn std::io::Write) -> Result<u64> {
    let (store, selection) = reopen(image)?;
    let input = store.input().to_string();
    let layer_error = |reason: String| Error::Layer {
        input: input.clone(),
        layer: format!("layer {layer}"),
        reason,
    };
    let plan = resolve::resolve(store.as_ref(), &selection)?;
    let blob = plan
        .layers
        .get(layer)
        .ok_or_else(|| layer_error(format!("the image has {} layers", plan.layers.len())))?;
    let raw = store
        .open(&blob.name)?
        .ok_or_else(|| layer_error(format!("its blob {} is missing", blob.name)))?;
    let mut raw = BufReader::new(raw);
    let head = {
        use std::io::BufRead;
        raw.fill_buf()
            .map_err(|e| layer_error(format!("cannot read the blob: {e}")))?
            .to_vec()
    };
    let decoded: Box<dyn Read + '_> = match sniff::sniff(&head) {
        Kind::Gzip => Box::new(MultiGzDecoder::new(raw)),
        Kind::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| layer_error(format!("zstd: {e}")))?)
        }
        _ => Box::new(raw),
    };
    let want = normalize(path);
    let mut archive = tar::Archive::new(decoded);
    let entries = archive.entries().map_err(|e| layer_error(format!("tar: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| layer_error(format!("tar: {e}")))?;
        if normalize(&entry.path_bytes()) != want {
            continue;
        }
        if !entry.header().entry_type().is_file() {
            return Err(layer_error(format!(
                "{} is not a regular file there",
                String::from_utf8_lossy(path)
            )));
        }
        let size = entry.size();
        std::io::copy(&mut entry.take(max), out)
            .map_err(|e| layer_error(format!("copying {}: {e}", String::from_utf8_lossy(path))))?;
        return Ok(size);
    }
    Err(layer_error(format!("no entry {} in it", String::from_utf8_lossy(path))))
}

fn unsupported(spec: &ImageSpec) -> Error {
    Error::Format {
        input: spec.reference.clone(),
        reason: "file contents can be read back only from an image file (a tar archive) or directory; \
                 save the image first (docker save NAME -o image.tar)"
            .into(),
    }
}
