//! containers/image's directory layout, what `skopeo copy … dir:PATH` and `podman save --format
//! docker-dir` write: a `version` file, `manifest.json` holding ONE image manifest (Docker v2s2
//! or OCI), and every blob in a file named by its hex digest. Checks the document's shape and
//! names the blobs; the manifest itself is planned like an OCI one ([`super::manifest`]).

use oci_spec::image::Descriptor;
use serde_json::Value;

use super::pick::{self, Candidate};
use super::{Layout, Plan, Selection, json, read};
use crate::error::{Error, Result};
use crate::source::digest::{sha256_hex, sha256_of};
use crate::source::store::Store;

/// The file a blob is in: `<hex>` (version 1.1), or `<hex>.tar` as version 1.0 named layers.
fn blob_name(store: &dyn Store, d: &Descriptor, what: &str) -> Result<String> {
    let digest = d.digest().to_string();
    let Some(hex) = sha256_hex(&digest) else {
        return Err(Error::Format {
            input: store.input().to_string(),
            reason: format!(
                "{what} has digest {digest}; only sha256 blobs are supported ({})",
                Layout::Dir.read_as()
            ),
        });
    };
    let legacy = format!("{hex}.tar");
    Ok(match !store.has(hex) && store.has(&legacy) {
        true => legacy,
        false => hex.to_string(),
    })
}

/// Plans the one image of a containers/image directory.
pub(super) fn plan(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    let bytes = read(store, "manifest.json", "manifest.json")?;
    let shape: Value = json(store, Layout::Dir, "manifest.json", &bytes)?;
    let refuse = |reason: String| Error::Format {
        input: store.input().to_string(),
        reason: format!("manifest.json {reason} ({})", Layout::Dir.read_as()),
    };
    if shape.get("manifests").is_some() {
        return Err(refuse(
            "is a manifest list (skopeo copy --all); copy one platform (skopeo copy --override-arch ARCH) \
             or as an OCI layout (oci:PATH)"
                .into(),
        ));
    }
    match shape.get("schemaVersion").and_then(Value::as_u64) {
        Some(2) => {}
        Some(v) => {
            return Err(refuse(format!(
                "has schemaVersion {v}; only version 2 manifests are read"
            )));
        }
        None => return Err(refuse("has no schemaVersion: not an image manifest".into())),
    }
    let digest = sha256_of(&bytes);
    // One image and no tags: only its digest can be asked for.
    let only = Candidate {
        tags: Vec::new(),
        digest: digest.clone(),
        platform: None,
        item: (),
    };
    pick::pick(store.input(), vec![only], sel.tag.as_deref())?;
    let name_of = |d: &Descriptor, what: &str| blob_name(store, d, what);
    let mut plan = super::manifest::image_plan(store, Layout::Dir, &bytes, &digest, sel, false, &name_of)?;
    if !store.has("version") {
        plan.notes.push(format!(
            "{}: no `version` file; read as a containers/image directory because manifest.json is one image manifest",
            store.input()
        ));
    }
    Ok(plan)
}
