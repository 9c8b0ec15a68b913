//! Reads images in place from a local engine's store, without asking for an export: Docker's
//! overlay2 ([`docker`]) and containers/storage's overlay ([`containers`]) keep, per layer, a
//! tar-split record of every tar header ([`tarsplit`]) beside the unpacked files
//! ([`diffdir`]). Each layer's exact tar is rebuilt from the two and decoded by the archive
//! path's decoder, so the scan is the export's, entry for entry.
//!
//! **Content hashes.** The analysis compares files by xxh3 of their content (duplicates,
//! identical re-stores, `deadweight diff`); tar-split records only a CRC-64. Deriving a hash
//! from the CRC would make a storage scan unlike an export scan of the same layer, and every
//! consumer (one analysis mixing cached and fresh layers, the scan cache, `diff` across
//! sources) would have to keep the two kinds apart. Instead the files are read from the diff
//! directory and hashed with xxh3 as the export's bytes would be: every byte is read, but from
//! the page cache or disk at its speed, not through the daemon's single-threaded export. Each
//! file's length is checked against the record as it streams, and the rebuilt tar's sha256
//! must equal the layer's diff id; after a mismatch the layer is read again with every file's
//! CRC-64 checked against the record, so a store that drifted from its record gives an error
//! naming the entry, never a wrong report; and a scan from here may share the cache
//! with export scans, under the same key.
//!
//! Owns the store layouts and the rebuild; never talks to a daemon (the caller brings the
//! root and the image id) and never merges layers.

mod applies;
pub mod bolt;
pub mod containerd;
pub mod containers;
pub mod diffdir;
pub mod docker;
#[cfg(feature = "daemon")]
pub(super) mod engine;
pub mod tarsplit;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;

use super::resolve::{Layout, Plan, PlannedLayer};
use super::store::MemStore;
use super::{LoadEvent, LoadOptions, Loaded, layer};
use crate::error::Error;
use crate::model::LayerScan;
pub use applies::check_applies;

/// Whether daemon images are read in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StorageChoice {
    /// From the store the daemon names when it can be read, else through the export (saying why).
    #[default]
    Auto,
    /// Always through the export (`--no-storage`).
    Off,
    /// From this store's root, no daemon asked (`--storage DIR`); failures are errors.
    Dir(PathBuf),
}

/// An image found in a store: its config and where each layer's record and files are.
#[derive(Debug, Clone)]
pub struct Found {
    /// The store's root directory.
    pub root: PathBuf,
    /// The config blob.
    pub config: Vec<u8>,
    /// Its digest (`sha256:...`), checked.
    pub config_digest: String,
    /// The tags an export of the name would list.
    pub tags: Vec<String>,
    /// Layers, bottom first.
    pub layers: Vec<FoundLayer>,
    /// The report's `format`: `docker-overlay2`, `containers-storage`.
    pub format: &'static str,
}

/// Where one layer of a [`Found`] image lives.
#[derive(Debug, Clone)]
pub struct FoundLayer {
    /// The digest of its uncompressed tar.
    pub diff_id: String,
    /// The gzip'd tar-split record.
    pub tar_split: PathBuf,
    /// The unpacked files.
    pub files: PathBuf,
    /// How many bytes the engine says the layer holds, when it says so (the largest layer is
    /// started first).
    pub size: Option<u64>,
}

pub(crate) fn storage_err(root: &Path, reason: impl Into<String>) -> Error {
    Error::Storage {
        root: root.to_path_buf(),
        reason: reason.into(),
    }
}

pub(crate) fn io_err(root: &Path, path: &Path, e: &std::io::Error) -> Error {
    let why = match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::NotFound => "missing".to_string(),
        _ => e.to_string(),
    };
    storage_err(root, format!("{}: {why}", path.display()))
}

/// Rebuilds and decodes one layer; its sha256 must be its diff id.
fn scan_one(found: &Found, i: usize, l: &FoundLayer, opts: &LoadOptions) -> Result<LayerScan, Error> {
    let name = |reason: String| Error::Layer {
        input: found.root.display().to_string(),
        layer: format!("layer {i} ({})", l.diff_id),
        reason,
    };
    if let Some(cache) = opts.cache.as_deref()
        && let Some(scan) = cache.get(&l.diff_id, Some(&l.diff_id))
        && scan.tar_bytes <= opts.limits.max_layer_bytes
    {
        // Keyed by the diff id the engine verified when it unpacked the layer, as a daemon
        // record's layers are: the same tar, whichever way it was read.
        return Ok(scan);
    }
    let file = std::fs::File::open(&l.tar_split).map_err(|e| io_err(&found.root, &l.tar_split, &e))?;
    if !l.files.is_dir() {
        return Err(storage_err(
            &found.root,
            format!("{}: missing (the layer's files)", l.files.display()),
        ));
    }
    let lines = BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(BufReader::new(file)));
    // The rebuilt tar's sha256 against the diff id proves every byte, so the record's per-file
    // CRC-64s (a fifth of the CPU) are checked only to name the file at fault after a mismatch.
    let tar = tarsplit::TarSplit::new(lines, diffdir::DiffDir::new(&l.files)).trusting_crcs();
    let scan = layer::scan_layer(tar, opts.limits).map_err(|e| name(e.reason()))?;
    if scan.blob_digest != l.diff_id {
        let file = std::fs::File::open(&l.tar_split).map_err(|e| io_err(&found.root, &l.tar_split, &e))?;
        let lines = BufReader::with_capacity(64 * 1024, MultiGzDecoder::new(BufReader::new(file)));
        let tar = tarsplit::TarSplit::new(lines, diffdir::DiffDir::new(&l.files));
        layer::scan_layer(tar, opts.limits).map_err(|e| name(e.reason()))?;
        return Err(name(format!(
            "the tar rebuilt from {} hashes to {}, not the layer's diff id",
            l.tar_split.display(),
            scan.blob_digest
        )));
    }
    if let Some(cache) = opts.cache.as_deref() {
        cache.put(&scan, Some(&l.diff_id));
    }
    Ok(scan)
}

/// Checks that every layer's record and files can be opened, before any is decoded: a store
/// that cannot give the image says so here, while the caller may still read the export
/// instead (a decoded layer may already be in the caller's sink by the time a later one fails).
pub fn check(found: &Found) -> Result<(), Error> {
    for l in &found.layers {
        std::fs::File::open(&l.tar_split).map_err(|e| io_err(&found.root, &l.tar_split, &e))?;
        std::fs::read_dir(&l.files).map_err(|e| io_err(&found.root, &l.files, &e))?;
    }
    Ok(())
}

/// Decodes every layer of `found` (in parallel, the largest first) into the image its export
/// would give, `format` aside. A record or file that does not match is an error naming the
/// layer and the entry; call [`check`] first to tell a store that cannot be read.
pub fn load(found: Found, reference: &str, opts: &LoadOptions) -> Result<Loaded, Error> {
    let report = |e: LoadEvent| {
        if let Some(hook) = &opts.progress {
            (hook.0)(e);
        }
    };
    report(LoadEvent::Layers {
        count: found.layers.len(),
        bytes: 0,
    });
    let sizes: Vec<Option<u64>> = found.layers.iter().map(|l| l.size).collect();
    let mut scans: Vec<(usize, LayerScan)> = super::schedule::largest_first(&sizes)
        .into_iter()
        .map(|i| (i, &found.layers[i]))
        .par_bridge()
        .map(|(i, l)| {
            let mut scan = scan_one(&found, i, l, opts)?;
            report(LoadEvent::LayerDone { bytes: scan.blob_bytes });
            if let Some(sink) = &opts.sink {
                (sink.0)(i, &mut scan);
            }
            Ok((i, scan))
        })
        .collect::<Result<_, Error>>()?;
    scans.sort_unstable_by_key(|(i, _)| *i);
    let plan = Plan {
        layout: Layout::DockerArchive,
        manifest_digest: None,
        config: found.config,
        config_digest: found.config_digest,
        layers: found
            .layers
            .iter()
            .map(|l| PlannedLayer {
                name: l.diff_id.clone(),
                digest: Some(l.diff_id.clone()),
                digest_if_plain: false,
                size: None,
                media_type: None,
            })
            .collect(),
        tags: found.tags,
        notes: Vec::new(),
    };
    let store = MemStore {
        input: found.root.display().to_string(),
        ..MemStore::default()
    };
    let scans = scans.into_iter().map(|(_, s)| s).collect();
    super::finish(&store, plan, scans, reference, found.format.to_string())
}
