//! Where image bytes come from. Parses the image argument ([`reference`]), recognises the
//! container by magic bytes ([`sniff`]), reads its documents ([`store`], [`resolve`]) and decodes
//! every layer once ([`layer`]): in parallel from seekable files and directories, in one pass from
//! streams ([`stream`]): a file, stdin, a daemon's export ([`daemon`], feature `daemon`) or a
//! registry ([`registry`]); a daemon's image in place from the engine's store when it can be
//! read ([`storage`]). Every blob is checked against its digest. A layer seen before comes
//! from the scan cache ([`cache`]) instead, where [`cached`] decides that a hit is sure; a daemon
//! image whose layers are all cached is read without its export. The result is a [`Loaded`]
//! image; nothing here merges layers or judges their content.

pub mod cache;
mod cached;
pub mod content;
#[cfg(feature = "daemon")]
pub mod daemon;
#[cfg(feature = "daemon")]
mod daemon_record;
pub mod digest;
pub mod identity;
pub mod layer;
pub mod platform;
pub mod reference;
pub mod registry;
pub mod resolve;
mod schedule;
pub mod sniff;
pub mod storage;
pub mod store;
pub mod stream;
pub mod targuard;

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Compression, ConfigSummary, Layer, LayerScan};
pub use cached::CacheCheck;
use cached::Reach;
pub use layer::ScanLimits;
pub use reference::{ImageSpec, Location, SourceKind};
use resolve::{Plan, PlannedLayer, Selection};
use store::{ArchiveStore, DirStore, Store};

/// How to load an image.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Tag and platform to pick.
    pub selection: Selection,
    /// Limits against hostile input.
    pub limits: ScanLimits,
    /// Pull the image through the daemon before reading it (daemon sources only).
    pub pull: bool,
    /// Speak plain http to the registry (always so for localhost and 127.0.0.1).
    pub insecure: bool,
    /// Told how far decoding has come (the TUI's progress screen).
    pub progress: Option<ProgressHook>,
    /// Handed each layer as soon as it is decoded (archives and layout directories).
    pub sink: Option<LayerSink>,
    /// The scan cache, when one is used: layers seen before are not decoded again.
    pub cache: Option<std::sync::Arc<cache::Cache>>,
    /// Take a cached scan without hashing the blob when a descriptor promises its digest.
    pub trust_digests: bool,
    /// Whether a daemon's image is read in place from its store ([`storage`]).
    pub storage: storage::StorageChoice,
}

/// How far decoding has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadEvent {
    /// The layers to decode are known: how many, and their blob bytes together.
    Layers {
        /// Number of layers.
        count: usize,
        /// Blob bytes of all layers.
        bytes: u64,
    },
    /// A layer's scan came from the scan cache (told before its `LayerDone`), checked so.
    Cached {
        /// How the blob was known to be the cached scan's.
        check: CacheCheck,
    },
    /// One layer is decoded; its blob had this many bytes.
    LayerDone {
        /// Blob bytes of the layer.
        bytes: u64,
    },
}

/// A callback for [`LoadEvent`]s, called from the decoding threads.
#[derive(Clone)]
pub struct ProgressHook(pub std::sync::Arc<dyn Fn(LoadEvent) + Send + Sync>);

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// Handed each layer's scan on the decoding thread as soon as the layer is decoded, with its
/// index; layers finish in any order. It may take the scan's `entries`, `names` and
/// `captured` (the analysis merges a layer while the next ones decode, then lets them go);
/// counts, sizes and digests must stay, the loader still checks them.
#[derive(Clone)]
pub struct LayerSink(pub std::sync::Arc<SinkFn>);

/// What a [`LayerSink`] calls: the layer's index and its scan.
pub type SinkFn = dyn Fn(usize, &mut LayerScan) + Send + Sync;

impl std::fmt::Debug for LayerSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LayerSink")
    }
}

/// An image read from its source, layers decoded but not merged.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The argument as the user typed it.
    pub reference: String,
    /// `docker-archive`, `oci-archive`, `oci-layout`, `dir` (containers/image), with
    /// `+gzip`/`+zstd`/`+xz`/`+bzip2` for a compressed archive.
    pub format: String,
    /// Digest of the image manifest, when the source has one.
    pub manifest_digest: Option<String>,
    /// Digest of the config blob.
    pub config_digest: String,
    /// The config.
    pub config: ConfigSummary,
    /// Tags naming the image in its source.
    pub tags: Vec<String>,
    /// Layers, bottom first.
    pub layers: Vec<Layer>,
    /// What the user should know about how the input was read: one line each, for stderr
    /// (a config not named after its content, a `--source` the content contradicts).
    pub notes: Vec<String>,
}

/// Loads the image named by `spec`.
pub fn load(spec: &ImageSpec, opts: &LoadOptions) -> Result<Loaded> {
    let mut opts = opts.clone();
    if opts.selection.tag.is_none() {
        opts.selection.tag = spec.tag.clone();
    }
    let storage_note = storage::check_applies(spec, &opts.storage)?;
    let mut loaded = match &spec.location {
        Location::Stdin => {
            let stdin = std::io::stdin();
            load_stream(stdin.lock(), "-", &spec.reference, &opts)
        }
        Location::Path(path) => load_path(path, &spec.reference, &opts),
        Location::Docker(name) => load_daemon(false, name, &spec.reference, &opts),
        Location::Podman(name) => load_daemon(true, name, &spec.reference, &opts),
        Location::Registry(name) => registry::load(name, &spec.reference, &opts),
        Location::Containerd(name) => load_containerd(name, &spec.reference, &opts),
    }
    .map_err(|e| match &spec.fallback {
        // A bare name that was no image on disk: say so beside the daemon's answer.
        Some(why) => Error::Daemon {
            reference: spec.reference.clone(),
            reason: format!(
                "{why}, so asked the Docker daemon: {}",
                match e {
                    Error::Daemon { reason, .. } => reason,
                    other => other.to_string(),
                }
            ),
        },
        None => e,
    })?;
    let mut notes = spec.notes.clone();
    notes.extend(storage_note);
    notes.extend(spec.contradicted_by(&loaded.format));
    notes.append(&mut loaded.notes);
    loaded.notes = notes;
    Ok(loaded)
}

#[cfg(feature = "daemon")]
use daemon_record::load_daemon;

#[cfg(not(feature = "daemon"))]
fn load_daemon(_podman: bool, name: &str, reference: &str, _opts: &LoadOptions) -> Result<Loaded> {
    Err(Error::Reference {
        reference: reference.to_string(),
        reason: format!(
            "{name:?} is not a file, and this deadweight was built without daemon support (the `daemon` \
             feature); export the image first (docker save {name} -o image.tar) or read it from a registry"
        ),
    })
}

/// An image of containerd's store: its content store read as an OCI layout whose index lists
/// the one image the name points at.
fn load_containerd(name: &str, reference: &str, opts: &LoadOptions) -> Result<Loaded> {
    use storage::{StorageChoice, containerd};
    let given = match &opts.storage {
        StorageChoice::Dir(dir) => Some(dir.as_path()),
        StorageChoice::Auto => None,
        StorageChoice::Off => {
            return Err(Error::Reference {
                reference: reference.to_string(),
                reason: "containerd's images are read from its store, and --no-storage rules that out; export \
                         the image instead (ctr images export image.tar NAME) and read the archive"
                    .into(),
            });
        }
    };
    let (root, target) = containerd::locate(name, given)?;
    let mut loaded = read_containerd(&root, &target, reference, opts)?;
    if containerd::namespace_env().is_none() && target.namespace != "default" {
        loaded.notes.push(format!(
            "{reference}: read from containerd's namespace {} (CONTAINERD_NAMESPACE picks another)",
            target.namespace
        ));
    }
    Ok(loaded)
}

/// Reads `target` from the content store under containerd's `root`.
fn read_containerd(
    root: &Path,
    target: &storage::containerd::Target,
    reference: &str,
    opts: &LoadOptions,
) -> Result<Loaded> {
    let (store, selection) = storage::containerd::open(root, target, &opts.selection);
    // A blob the store lacks was removed by containerd, not lost by the user: say so.
    let lost = |e: Error| match e {
        Error::MissingBlob { what, name, .. } => storage::storage_err(
            root,
            format!(
                "{what} ({name}) is not in containerd's content store: containerd fetches only the \
                 platforms asked for, and removes blobs in garbage collection or on a node that discards \
                 unpacked layers; pull the image again (for that platform), or read it from its registry"
            ),
        ),
        e => e,
    };
    let plan = resolve::resolve(&store, &selection).map_err(lost)?;
    let scans = schedule::scan_parallel(&store, &plan, opts, Reach::Local).map_err(lost)?;
    finish(&store, plan, scans, reference, "containerd".to_string())
}

fn load_path(path: &Path, reference: &str, opts: &LoadOptions) -> Result<Loaded> {
    let input = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        let store = DirStore::new(path, &input);
        let plan = resolve::resolve(&store, &opts.selection)?;
        let scans = schedule::scan_parallel(&store, &plan, opts, Reach::Local)?;
        let format = match plan.layout {
            resolve::Layout::Oci => "oci-layout",
            resolve::Layout::Dir => "dir",
            resolve::Layout::DockerArchive => "docker-archive",
        };
        return finish(&store, plan, scans, reference, format.to_string());
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(sniff::SNIFF_LEN as u64).read_to_end(&mut head))
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
    match sniff::sniff(&head) {
        sniff::Kind::Tar => {
            let store = ArchiveStore::open(path, &input)?;
            let plan = resolve::resolve(&store, &opts.selection)?;
            let scans = schedule::scan_parallel(&store, &plan, opts, Reach::Local)?;
            let format = archive_format(plan.layout, None);
            finish(&store, plan, scans, reference, format)
        }
        sniff::Kind::Gzip | sniff::Kind::Zstd | sniff::Kind::Xz | sniff::Kind::Bzip2 => {
            let file = std::fs::File::open(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
            load_stream(file, &input, reference, opts)
        }
        _ if head.is_empty() => Err(Error::Format {
            input,
            reason: "the file is empty".into(),
        }),
        _ => Err(Error::Format {
            input,
            reason: "not an image: neither a tar archive, a gzip, zstd, xz or bzip2 compressed tar, an OCI layout \
                     directory nor a containers/image directory"
                .into(),
        }),
    }
}

fn load_stream<R: Read>(reader: R, input: &str, reference: &str, opts: &LoadOptions) -> Result<Loaded> {
    load_stream_keeping_config(reader, input, reference, opts).map(|(loaded, _)| loaded)
}

/// [`load_stream`], also returning the config blob's bytes (what a daemon record keeps).
fn load_stream_keeping_config<R: Read>(
    reader: R,
    input: &str,
    reference: &str,
    opts: &LoadOptions,
) -> Result<(Loaded, Vec<u8>)> {
    let cache = opts.cache.as_deref().map(|c| (c, opts.trust_digests));
    let streamed = stream::read_stream_cached(reader, input, opts.limits, cache)?;
    let plan = resolve::resolve(&streamed.store, &opts.selection)?;
    let mut scans = Vec::with_capacity(plan.layers.len());
    for (i, l) in plan.layers.iter().enumerate() {
        let target = streamed.store.target(&l.name);
        let scan = match streamed.scans.get(&target) {
            Some(Ok(s)) => s.clone(),
            Some(Err(reason)) => return Err(layer_error(input, i, l, reason.clone())),
            None => match streamed.store.docs.get(&target) {
                Some(bytes) => cached::scan_bytes(opts.cache.as_deref(), bytes, opts.limits)
                    .map_err(|e| layer_error(input, i, l, e.reason()))?,
                None => return Err(missing(input, i, l)),
            },
        };
        scans.push(scan);
    }
    let format = archive_format(plan.layout, streamed.outer);
    let config = plan.config.clone();
    Ok((finish(&streamed.store, plan, scans, reference, format)?, config))
}

/// The report's `format` of an image read from a tar archive: `oci-archive`, `docker-archive`
/// or `dir` by the plan's layout, with `+gzip`, `+zstd`, `+xz` or `+bzip2` when the whole
/// archive was compressed (`outer`).
pub fn archive_format(layout: resolve::Layout, outer: Option<&str>) -> String {
    let base = match layout {
        resolve::Layout::Oci => "oci-archive",
        resolve::Layout::Dir => "dir",
        resolve::Layout::DockerArchive => "docker-archive",
    };
    match outer {
        Some(c) => format!("{base}+{c}"),
        None => base.to_string(),
    }
}

fn layer_error(input: &str, i: usize, l: &PlannedLayer, reason: String) -> Error {
    Error::Layer {
        input: input.to_string(),
        layer: format!("layer {i} ({})", l.name),
        reason,
    }
}

fn missing(input: &str, i: usize, l: &PlannedLayer) -> Error {
    Error::MissingBlob {
        input: input.to_string(),
        what: format!("layer {i}"),
        name: l.name.clone(),
    }
}

fn finish(store: &dyn Store, plan: Plan, scans: Vec<LayerScan>, reference: &str, format: String) -> Result<Loaded> {
    let input = store.input();
    let config = ConfigSummary::parse(&plan.config).map_err(|e| Error::Json {
        input: input.to_string(),
        what: format!("config {}", plan.config_digest),
        reason: e.to_string(),
    })?;
    if !config.diff_ids.is_empty() && config.diff_ids.len() != plan.layers.len() {
        return Err(Error::Format {
            input: input.to_string(),
            reason: format!(
                "the config lists {} layers (rootfs.diff_ids) but the manifest {}",
                config.diff_ids.len(),
                plan.layers.len()
            ),
        });
    }
    if plan.layers.len() >= usize::from(u16::MAX) {
        return Err(Error::Limit {
            input: input.to_string(),
            what: format!("{} layers", plan.layers.len()),
            limit: format!("{} layers", u16::MAX - 1),
        });
    }
    let mut layers = Vec::with_capacity(scans.len());
    for (i, (l, scan)) in plan.layers.iter().zip(scans).enumerate() {
        let check = l
            .digest
            .as_ref()
            .filter(|_| !l.digest_if_plain || scan.compression == Some(Compression::None));
        if let Some(expected) = check
            && *expected != scan.blob_digest
        {
            return Err(Error::Digest {
                input: input.to_string(),
                what: format!("layer {i} ({})", l.name),
                expected: expected.clone(),
                actual: scan.blob_digest,
            });
        }
        if let Some(size) = l.size
            && size != scan.blob_bytes
        {
            return Err(Error::Layer {
                input: input.to_string(),
                layer: format!("layer {i} ({})", l.name),
                reason: format!("the manifest declares {size} bytes, the blob has {}", scan.blob_bytes),
            });
        }
        layers.push(Layer {
            index: i,
            digest: Some(scan.blob_digest.clone()),
            diff_id: config.diff_ids.get(i).cloned(),
            media_type: l.media_type.clone(),
            pull_bytes: l.size,
            scan,
        });
    }
    Ok(Loaded {
        reference: reference.to_string(),
        format,
        manifest_digest: plan.manifest_digest,
        config_digest: plan.config_digest,
        config,
        tags: plan.tags,
        layers,
        notes: plan.notes,
    })
}
