//! Turns a [`Loaded`] image into an immutable [`Analysis`]: layers merged into one tree
//! ([`merge`]), per-layer and whole-image byte figures. The TUI, the CI verdict and the JSON
//! report all read the same `Analysis`, so they cannot disagree. Nothing here does I/O.

pub mod accounting;
pub mod attribute;
pub mod directories;
pub mod dive;
pub mod dockerfile;
pub mod history;
pub mod merge;
pub mod packages;
pub mod pip;
pub mod pipeline;
pub mod rules;

use serde::Serialize;

use crate::model::{ConfigSummary, EntryKind, Layer, Tree};
use crate::source::Loaded;
pub use merge::MergeStats;

/// Counts and bytes of the final filesystem (what a container sees).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FinalFs {
    /// Visible regular files.
    pub files: u64,
    /// Visible directories, root excluded.
    pub dirs: u64,
    /// Visible symbolic links.
    pub symlinks: u64,
    /// Visible hard links (counted apart from regular files).
    pub hardlinks: u64,
    /// Visible devices, fifos and other entries.
    pub other: u64,
    /// Content bytes of the visible regular files.
    pub bytes: u64,
}

/// Whole-image figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Content bytes of all layers together (what is shipped).
    pub bytes: u64,
    /// Content bytes of the final filesystem.
    pub final_bytes: u64,
    /// `bytes - final_bytes`: shipped but deleted or overwritten later.
    pub hidden_bytes: u64,
    /// Regular files in the final filesystem.
    pub files: u64,
    /// Sum of the layer blob sizes as stored: compressed where the source stores compressed
    /// layers, the tar size for a `docker save` archive.
    pub compressed_bytes: u64,
    /// What a registry pull downloads (the manifest's layer sizes), when every layer says.
    pub pull_bytes: Option<u64>,
    /// Sum of the uncompressed layer tar sizes.
    pub tar_bytes: u64,
    /// Content bytes of the base image's layers.
    pub base_bytes: u64,
    /// Content bytes above the base image.
    pub user_bytes: u64,
    /// What the findings together would save, each byte counted once.
    pub reclaimable_bytes: u64,
}

/// The result of analysing one image.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// What was loaded, layers included.
    pub image: Loaded,
    /// Every path of every layer, merged.
    pub tree: Tree,
    /// Per-layer merge figures, indexed like `image.layers`.
    pub merge: Vec<MergeStats>,
    /// The final filesystem.
    pub final_fs: FinalFs,
    /// The final filesystem's bytes per top-level entry, by path.
    pub directories: Vec<directories::DirBytes>,
    /// Whole-image totals.
    pub totals: Totals,
    /// dive's figures, by dive's rules.
    pub dive: dive::DiveFigures,
    /// Packages installed, with their sizes.
    pub packages: packages::Packages,
    /// Which instruction (and Dockerfile line) made each layer; the base-image boundary.
    pub attribution: attribute::Attribution,
    /// Flows of bytes between layers, largest files, duplicates.
    pub accounting: accounting::Accounting,
    /// What the waste rules found: those above the base image first, each group largest first.
    pub findings: Vec<rules::Finding>,
}

/// Inputs to the analysis besides the image.
#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    /// The Dockerfile the image was built from, parsed.
    pub dockerfile: Option<dockerfile::Dockerfile>,
    /// Number of layers that belong to the base image, when the user says.
    pub base_layers: Option<usize>,
    /// `Some(false)` when a Dockerfile was given and no `.dockerignore` sits beside it.
    pub dockerignore: Option<bool>,
    /// Which rules run, how severe they are, what they ignore.
    pub rules: crate::config::RulesConfig,
}

impl Analysis {
    /// The image's layers.
    pub fn layers(&self) -> &[Layer] {
        &self.image.layers
    }

    /// The image's config.
    pub fn config(&self) -> &ConfigSummary {
        &self.image.config
    }
}

/// Analyses a loaded image with no Dockerfile.
pub fn analyze(image: Loaded) -> Analysis {
    analyze_with(image, &AnalyzeOptions::default())
}

/// Analyses a loaded image.
pub fn analyze_with(mut image: Loaded, opts: &AnalyzeOptions) -> Analysis {
    let merged = pipeline::Merged::all(&mut image);
    analyze_merged(image, merged, opts)
}

/// Loads the image and analyses it, merging each layer into the tree while the layers above it
/// are still being decoded (see [`pipeline`]): the merge then costs little more than its share
/// of the cores, and the decoded entries of a layer are let go as soon as it is merged.
pub fn load_and_analyze(
    spec: &crate::source::reference::ImageSpec,
    load: &crate::source::LoadOptions,
    opts: &AnalyzeOptions,
) -> crate::error::Result<Analysis> {
    let pipeline = std::sync::Arc::new(pipeline::Pipeline::default());
    let mut load = load.clone();
    load.sink = Some(pipeline.sink());
    let mut image = crate::source::load(spec, &load)?;
    drop(load);
    let merged = pipeline.finish(&mut image);
    Ok(analyze_merged(image, merged, opts))
}

/// The analysis of an image whose layers are merged (and released) already.
fn analyze_merged(image: Loaded, merged: pipeline::Merged, opts: &AnalyzeOptions) -> Analysis {
    let (tree, merge, dive_layers, captures) = merged.into_parts();
    let mut fs = FinalFs::default();
    for v in tree.versions().iter().filter(|v| v.in_final()) {
        match v.kind {
            EntryKind::File => {
                fs.files += 1;
                fs.bytes += v.size;
            }
            EntryKind::Dir => fs.dirs += 1,
            EntryKind::Symlink => fs.symlinks += 1,
            EntryKind::Hardlink => fs.hardlinks += 1,
            _ => fs.other += 1,
        }
    }
    let bytes: u64 = image.layers.iter().map(|l| l.scan.content_bytes).sum();
    let attribution = attribute::attribute(
        &image.config.history,
        image.layers.len(),
        &attribute::AttributeOptions {
            dockerfile: opts.dockerfile.as_ref(),
            base_layers: opts.base_layers,
        },
    );
    let base_bytes: u64 = image
        .layers
        .iter()
        .take(attribution.base_layers)
        .map(|l| l.scan.content_bytes)
        .sum();
    let totals = Totals {
        base_bytes,
        user_bytes: bytes - base_bytes,
        reclaimable_bytes: 0,
        bytes,
        final_bytes: fs.bytes,
        hidden_bytes: bytes.saturating_sub(fs.bytes),
        files: fs.files,
        compressed_bytes: image.layers.iter().map(|l| l.scan.blob_bytes).sum(),
        pull_bytes: image.layers.iter().map(|l| l.pull_bytes).sum(),
        tar_bytes: image.layers.iter().map(|l| l.scan.tar_bytes).sum(),
    };
    // dive's figures beside the accounting, the packages and the rules: all read the tree
    // only. (With every layer's names still held this cost 30 MB at a million entries; now the
    // scans are gone, dive's per-node tables fit in what they left.)
    let ((dive, accounting), (packages, findings)) = rayon::join(
        || {
            rayon::join(
                || dive::figures(&dive_layers, &tree),
                || accounting::account(&tree, image.layers.len()),
            )
        },
        || {
            let packages = packages::packages(&captures, &tree);
            let ctx = rules::Ctx {
                tree: &tree,
                layers: &image.layers,
                attribution: &attribution,
                packages: &packages,
                config: &image.config,
                dockerfile: opts.dockerfile.as_ref(),
                dockerignore: opts.dockerignore,
            };
            let findings = rules::evaluate(&ctx, &opts.rules);
            (packages, findings)
        },
    );
    drop(dive_layers);
    let top_dirs = directories::top_level(&tree);
    let mut totals = totals;
    totals.reclaimable_bytes = findings.iter().map(|f| f.reclaimable_bytes).sum();
    Analysis {
        findings,
        accounting,
        attribution,
        packages,
        dive,
        image,
        tree,
        merge,
        directories: top_dirs,
        final_fs: fs,
        totals,
    }
}
