//! Turns the documents of an image container into a [`Plan`]: which config, which layer blobs
//! in which order, and the digest each must hash to. Reads `manifest.json` (`docker save`, both
//! the classic and the Docker 25+ form) or `index.json` (OCI layout, nested indexes,
//! multi-platform). Opens no layer; that is the caller's job.

use std::collections::HashSet;

use oci_spec::image::{Descriptor, ImageIndex, ImageManifest};
use serde::Deserialize;

use super::digest::{is_sha256_hex, sha256_hex, sha256_of};
pub use super::platform::host_platform;
use super::platform::{check_platform, platform_matches};
use super::store::Store;
use crate::error::{Error, Result};

/// Largest JSON document read (manifest, index, config).
pub const JSON_CAP: u64 = 32 << 20;

const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
const CONFIG_TYPES: &[&str] = &[
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// Which image of a container holding several, and for which platform.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Tag (or OCI `ref.name`) to pick.
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

/// What to read, in order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `docker-archive` or `oci`.
    pub layout: &'static str,
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
}

/// Reads the documents of `store` and plans the image to load.
pub fn resolve(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    if store.has("manifest.json") {
        docker(store, sel)
    } else if store.has("index.json") {
        oci(store, sel)
    } else {
        Err(Error::Format {
            input: store.input().to_string(),
            reason: "neither manifest.json nor index.json found: not a docker save archive or an OCI image layout"
                .into(),
        })
    }
}

fn json<T: serde::de::DeserializeOwned>(store: &dyn Store, what: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Json {
        input: store.input().to_string(),
        what: what.to_string(),
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

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

fn tag_matches(candidate: &str, wanted: &str) -> bool {
    candidate == wanted
        || candidate
            .strip_suffix(wanted)
            .is_some_and(|rest| rest.ends_with(':') || rest.ends_with('/'))
        || candidate
            .strip_suffix(":latest")
            .is_some_and(|repo| repo == wanted || repo.ends_with(&format!("/{wanted}")))
}

fn pick<T>(store: &dyn Store, items: Vec<(Vec<String>, T)>, tag: Option<&str>) -> Result<(Vec<String>, T)> {
    let all_tags: Vec<String> = items.iter().flat_map(|(t, _)| t.clone()).collect();
    let mut matching: Vec<_> = match tag {
        Some(w) => items
            .into_iter()
            .filter(|(tags, _)| tags.iter().any(|t| tag_matches(t, w)))
            .collect(),
        None => items,
    };
    match (matching.len(), tag) {
        (1, _) => Ok(matching.remove(0)),
        (0, Some(w)) => Err(Error::Choice {
            input: store.input().to_string(),
            reason: format!("no image tagged {w:?}"),
            available: all_tags,
        }),
        (0, None) => Err(Error::NotAnImage {
            input: store.input().to_string(),
            reason: "the archive lists no images".into(),
        }),
        (_, w) => Err(Error::Choice {
            input: store.input().to_string(),
            reason: match w {
                Some(w) => {
                    format!("several images match {w:?}; name one exactly with FILE:TAG or --tag")
                }
                None => "the archive holds several images; pick one with FILE:TAG or --tag".into(),
            },
            available: all_tags,
        }),
    }
}

/// `sha256:<hex>` when a member name embeds the blob's digest (`<hex>.tar`, `<hex>.json`,
/// `blobs/sha256/<hex>`).
fn digest_from_name(name: &str) -> Option<String> {
    let base = name.rsplit('/').next()?;
    let hex = base
        .strip_suffix(".tar")
        .or_else(|| base.strip_suffix(".json"))
        .unwrap_or(base);
    is_sha256_hex(hex).then(|| format!("sha256:{hex}"))
}

fn check_config(store: &dyn Store, name: &str, bytes: &[u8], expected: Option<&str>) -> Result<String> {
    let actual = sha256_of(bytes);
    if let Some(exp) = expected
        && exp != actual
    {
        return Err(Error::Digest {
            input: store.input().to_string(),
            what: format!("config {name}"),
            expected: exp.to_string(),
            actual,
        });
    }
    Ok(actual)
}

fn docker(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    let bytes = read(store, "manifest.json", "manifest.json")?;
    let entries: Vec<DockerEntry> = json(store, "manifest.json", &bytes)?;
    let items = entries
        .into_iter()
        .map(|e| (e.repo_tags.clone().unwrap_or_default(), e))
        .collect();
    let (tags, entry) = pick(store, items, sel.tag.as_deref())?;
    let config = read(store, &entry.config, "config")?;
    let config_digest = check_config(
        store,
        &entry.config,
        &config,
        digest_from_name(&entry.config).as_deref(),
    )?;
    let summary = crate::model::ConfigSummary::parse(&config).map_err(|e| Error::Json {
        input: store.input().to_string(),
        what: format!("config {}", entry.config),
        reason: e.to_string(),
    })?;
    // A docker archive holds one platform per image: all `--platform` can do is refuse a
    // different one rather than analyse it silently.
    check_platform(store.input(), sel.platform.as_deref(), &summary.platform)?;
    let diff_ids = summary.diff_ids;
    let layers = entry
        .layers
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let named = super::store::member_name(name);
            let from_name = digest_from_name(&store.canonical(&named));
            PlannedLayer {
                digest_if_plain: from_name.is_none(),
                digest: from_name.or_else(|| diff_ids.get(i).cloned()),
                name: named,
                size: None,
                media_type: None,
            }
        })
        .collect();
    Ok(Plan {
        layout: "docker-archive",
        manifest_digest: None,
        config,
        config_digest,
        layers,
        tags,
    })
}

struct Candidate {
    desc: Descriptor,
    tags: Vec<String>,
    platform: Option<String>,
}

fn platform_of(d: &Descriptor) -> Option<String> {
    d.platform().as_ref().map(|p| {
        let mut s = format!("{}/{}", p.os(), p.architecture());
        if let Some(v) = p.variant().as_ref().filter(|v| !v.is_empty()) {
            s.push('/');
            s.push_str(v);
        }
        s
    })
}

fn blob_name(store: &dyn Store, d: &Descriptor, what: &str) -> Result<String> {
    let digest = d.digest().to_string();
    match sha256_hex(&digest) {
        Some(hex) => Ok(format!("blobs/sha256/{hex}")),
        None => Err(Error::Format {
            input: store.input().to_string(),
            reason: format!("{what} has digest {digest}; only sha256 blobs are supported"),
        }),
    }
}

fn read_blob(store: &dyn Store, d: &Descriptor, what: &str) -> Result<Vec<u8>> {
    let name = blob_name(store, d, what)?;
    let bytes = read(store, &name, what)?;
    let actual = sha256_of(&bytes);
    if actual != d.digest().to_string() {
        return Err(Error::Digest {
            input: store.input().to_string(),
            what: format!("{what} {name}"),
            expected: d.digest().to_string(),
            actual,
        });
    }
    Ok(bytes)
}

fn collect(
    store: &dyn Store,
    index: &ImageIndex,
    depth: usize,
    seen: &mut HashSet<String>,
    out: &mut Vec<Candidate>,
) -> Result<()> {
    for d in index.manifests() {
        let mt = d.media_type().to_string();
        let annotations = d.annotations().clone().unwrap_or_default();
        if mt.contains("image.index") || mt.contains("manifest.list") {
            let digest = d.digest().to_string();
            if depth >= 8 || !seen.insert(digest.clone()) {
                return Err(Error::Format {
                    input: store.input().to_string(),
                    reason: format!("index {digest} refers to itself or nests too deep"),
                });
            }
            let bytes = read_blob(store, d, "nested index")?;
            let nested: ImageIndex = json(store, &format!("index {digest}"), &bytes)?;
            collect(store, &nested, depth + 1, seen, out)?;
        } else if annotations
            .get("vnd.docker.reference.type")
            .is_some_and(|t| t == "attestation-manifest")
            || platform_of(d).is_some_and(|p| p.starts_with("unknown/"))
        {
            continue; // build attestations, not images
        } else {
            let tags = ["org.opencontainers.image.ref.name", "io.containerd.image.name"]
                .iter()
                .filter_map(|k| annotations.get(*k).cloned())
                .collect();
            out.push(Candidate {
                desc: d.clone(),
                tags,
                platform: platform_of(d),
            });
        }
    }
    Ok(())
}

fn oci(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    let bytes = read(store, "index.json", "index.json")?;
    let index: ImageIndex = json(store, "index.json", &bytes)?;
    let mut cands = Vec::new();
    collect(store, &index, 0, &mut HashSet::new(), &mut cands)?;
    if let Some(w) = &sel.tag {
        let all: Vec<String> = cands.iter().flat_map(|c| c.tags.clone()).collect();
        cands.retain(|c| c.tags.iter().any(|t| tag_matches(t, w)));
        if cands.is_empty() {
            return Err(Error::Choice {
                input: store.input().to_string(),
                reason: format!("no image tagged {w:?}"),
                available: all,
            });
        }
    }
    let platforms: Vec<String> = cands.iter().filter_map(|c| c.platform.clone()).collect();
    let distinct: HashSet<&String> = platforms.iter().collect();
    if sel.platform.is_some() || distinct.len() > 1 {
        let want = sel.platform.clone().unwrap_or_else(host_platform);
        let before: Vec<String> = platforms.clone();
        cands.retain(|c| match c.platform.as_deref() {
            Some(p) => platform_matches(p, &want),
            None => distinct.is_empty(),
        });
        if cands.is_empty() {
            let mut available = before;
            available.sort();
            available.dedup();
            return Err(Error::Choice {
                input: store.input().to_string(),
                reason: format!("no image for platform {want}"),
                available,
            });
        }
    }
    let items = cands.into_iter().map(|c| (c.tags.clone(), c)).collect();
    let (tags, cand) = pick(store, items, None)?;
    let bytes = read_blob(store, &cand.desc, "manifest")?;
    let manifest: ImageManifest = json(store, &format!("manifest {}", cand.desc.digest()), &bytes)?;
    let cfg_type = manifest.config().media_type().to_string();
    if cfg_type == OCI_EMPTY || !CONFIG_TYPES.contains(&cfg_type.as_str()) || manifest.artifact_type().is_some() {
        return Err(Error::NotAnImage {
            input: store.input().to_string(),
            reason: format!(
                "manifest {} is an artifact (config media type {cfg_type})",
                cand.desc.digest()
            ),
        });
    }
    let config = read_blob(store, manifest.config(), "config")?;
    if cand.platform.is_none() && sel.platform.is_some() {
        // No platform on the descriptor (a single-image layout): the config says which it is.
        if let Ok(summary) = crate::model::ConfigSummary::parse(&config) {
            check_platform(store.input(), sel.platform.as_deref(), &summary.platform)?;
        }
    }
    let config_digest = manifest.config().digest().to_string();
    let mut layers = Vec::new();
    for (i, d) in manifest.layers().iter().enumerate() {
        let mt = d.media_type().to_string();
        let name = blob_name(store, d, &format!("layer {i}"))?;
        if (mt.contains("foreign") || mt.contains("nondistributable")) && !store.has(&name) {
            return Err(Error::NotAnImage {
                input: store.input().to_string(),
                reason: format!("layer {i} is a foreign layer ({mt}) whose blob is not in the archive"),
            });
        }
        layers.push(PlannedLayer {
            name,
            digest: Some(d.digest().to_string()),
            digest_if_plain: false,
            size: Some(d.size()),
            media_type: Some(mt),
        });
    }
    Ok(Plan {
        layout: "oci",
        manifest_digest: Some(cand.desc.digest().to_string()),
        config,
        config_digest,
        layers,
        tags,
    })
}
