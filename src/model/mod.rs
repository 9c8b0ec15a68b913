//! The in-memory model of an image: what each layer's tar holds ([`scan`]), the merged arena
//! file tree with every version of every path ([`tree`]), and the config summary ([`config`]).
//! The model is plain data: it reads nothing from disk and knows nothing of formats, rules or UI.

pub mod config;
pub mod elf;
pub mod scan;
pub mod tree;

pub use config::{ConfigSummary, HistoryEntry};
pub use scan::{
    CAPTURE_CAP, CAPTURE_REVISION, Compression, EntryCounts, EntryKind, FileCapture, LayerScan, RawEntry,
    is_requirements_file, wants_content, wants_links,
};
pub use tree::{Change, HiddenHow, NodeId, Tree, Version, VersionId};

/// One layer of the image as the source described it, plus what its tar held.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Position in the image, 0 = bottom.
    pub index: usize,
    /// Digest of the blob as stored (`sha256:...`), when the source names one.
    pub digest: Option<String>,
    /// The uncompressed tar's digest from the config's `rootfs.diff_ids`.
    pub diff_id: Option<String>,
    /// Media type from the manifest, when the source has one.
    pub media_type: Option<String>,
    /// What a registry pull downloads for this layer: its manifest descriptor's size, where the
    /// image has a manifest (OCI layouts, containers/image directories, registries). `None` for
    /// a `docker save` layer, stored as an uncompressed tar with no word on its pushed size.
    pub pull_bytes: Option<u64>,
    /// What the tar held.
    pub scan: LayerScan,
}
