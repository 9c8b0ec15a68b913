//! Turns the documents of an image container into a [`Plan`]: which config, which layer blobs
//! in which order, and the digest each must hash to. Recognises the layout from its documents
//! ([`Layout`]) and hands it to [`docker`] (`docker save`, classic and Docker 25+), [`oci`] (OCI
//! layout, nested indexes, multi-platform) or [`dir`] (containers/image's directory); [`pick`]
//! chooses among several images, [`manifest`] plans an image manifest. Opens no layer; that is the caller's job.

mod dir;
mod docker;
mod manifest;
mod oci;
pub mod pick;

pub use super::platform::host_platform;
use super::store::Store;
use crate::error::{Error, Result};

/// Largest JSON document read (manifest, index, config).
pub const JSON_CAP: u64 = 32 << 20;

/// Which image of a container holding several, and for which platform.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Tag, OCI `ref.name`, digest or digest prefix to pick.
    pub tag: Option<String>,
    /// `os/arch[/variant]`; `None` means the host's.
    pub platform: Option<String>,
}

/// One layer to decode.
#[derive(Debug, Clone)]
pub struct PlannedLayer {
    /// Member name in the store.
    pub name: String,
    /// Digest the blob must hash to, when known.
    pub digest: Option<String>,
    /// Only check `digest` when the blob is an uncompressed tar (a `docker save` layer named
    /// by path, checked against the config's diff id).
    pub digest_if_plain: bool,
    /// Size the descriptor declares.
    pub size: Option<u64>,
    /// Media type from the manifest.
    pub media_type: Option<String>,
}

/// The layouts a container can have, each read by its own module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `docker save`: `manifest.json` is a list of images.
    DockerArchive,
    /// An OCI image layout: `index.json`, `blobs/sha256/`.
    Oci,
    /// containers/image's `dir:` layout: `version`, `manifest.json` holding one image
    /// manifest, blobs named by their hex digest.
    Dir,
}

impl Layout {
    /// Short name: `docker-archive`, `oci`, `dir`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DockerArchive => "docker-archive",
            Self::Oci => "oci",
            Self::Dir => "dir",
        }
    }

    /// What the input was read as, for error messages.
    pub fn read_as(self) -> &'static str {
        match self {
            Self::DockerArchive => "read as a docker save archive, whose manifest.json lists images",
            Self::Oci => "read as an OCI image layout (index.json)",
            Self::Dir => {
                "read as a containers/image directory (skopeo dir:), whose manifest.json is one image manifest"
            }
        }
    }
}

/// What to read, in order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The layout the documents were read as.
    pub layout: Layout,
    /// Digest of the image manifest, when there is one.
    pub manifest_digest: Option<String>,
    /// The config blob.
    pub config: Vec<u8>,
    /// `sha256:` of the config blob.
    pub config_digest: String,
    /// Layers, bottom first.
    pub layers: Vec<PlannedLayer>,
    /// Tags naming the chosen image.
    pub tags: Vec<String>,
    /// What the user should know about how the input was read (one line each, for stderr).
    pub notes: Vec<String>,
}

/// Reads the documents of `store` and plans the image to load.
pub fn resolve(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    match detect(store)? {
        Layout::DockerArchive => docker::plan(store, sel),
        Layout::Oci => oci::plan(store, sel),
        Layout::Dir => dir::plan(store, sel),
    }
}

/// Which layout the documents make: `manifest.json` holding a JSON object is an image
/// manifest (containers/image's directory), a list is `docker save`'s; else `index.json`.
pub fn detect(store: &dyn Store) -> Result<Layout> {
    if store.has("manifest.json") {
        let bytes = read(store, "manifest.json", "manifest.json")?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            return Ok(Layout::Dir);
        }
        Ok(Layout::DockerArchive)
    } else if store.has("index.json") {
        Ok(Layout::Oci)
    } else {
        Err(Error::Format {
            input: store.input().to_string(),
            reason: "neither manifest.json nor index.json found: not a docker save archive, an OCI image \
                     layout or a containers/image directory"
                .into(),
        })
    }
}

/// Parses a document, the error naming the layout it was read as.
fn json<T: serde::de::DeserializeOwned>(store: &dyn Store, layout: Layout, what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Json {
        input: store.input().to_string(),
        what: format!("{what} ({})", layout.read_as()),
        reason: e.to_string(),
    })
}

fn read(store: &dyn Store, name: &str, what: &str) -> Result<Vec<u8>> {
    store.read_small(name, JSON_CAP)?.ok_or_else(|| Error::MissingBlob {
        input: store.input().to_string(),
        what: what.to_string(),
        name: name.to_string(),
    })
}
