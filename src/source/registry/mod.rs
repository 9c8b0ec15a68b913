//! Reads an image straight from a registry (OCI distribution API), with no daemon and no disk.
//! The registry is presented as a [`Store`] — a synthetic `index.json` naming the manifest (or
//! index) the tag or digest resolves to, and `blobs/sha256/<hex>` for manifests, configs and
//! layers — so `resolve` plans it (nested indexes, `--platform`, digest checks) and layers
//! decode in parallel and are checked against their digests exactly as for an OCI archive.
//! This module owns reference parsing and the store; HTTP and authentication are in [`client`], the
//! user's credentials in [`credentials`].

pub mod auth;
pub mod client;
pub mod credentials;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::digest::{is_sha256_hex, sha256_hex, sha256_of};
use super::resolve::{self, JSON_CAP, Selection};
use super::store::{BlobReader, Store, member_name};
use super::{LoadOptions, Loaded};
use crate::error::{Error, Result};
use client::Client;

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// A registry reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host[:port]`; `docker.io` when the reference names no host.
    pub host: String,
    /// The repository path (`library/` added for official Docker Hub images).
    pub repo: String,
    /// The tag, when the image is named by one.
    pub tag: Option<String>,
    /// `sha256:<hex>`, when the image is named by digest.
    pub digest: Option<String>,
}

impl Target {
    /// What to put after `/manifests/`.
    fn manifest_ref(&self) -> &str {
        self.digest.as_deref().or(self.tag.as_deref()).unwrap_or("latest")
    }
}

/// Parses `HOST[:PORT]/REPO[:TAG|@DIGEST]`; a first component without `.` or `:` (and not
/// `localhost`) is a Docker Hub repository, as in `docker pull`. `tag` is `--tag`, used when
/// the reference names none.
pub(crate) fn parse_target(name: &str, tag: Option<&str>) -> std::result::Result<Target, String> {
    let (host, path) = match name.split_once('/') {
        Some((h, rest)) if h.contains(['.', ':']) || h == "localhost" => (h.to_string(), rest),
        _ => ("docker.io".to_string(), name),
    };
    let (path, digest) = match path.split_once('@') {
        Some((p, d)) => {
            if sha256_hex(d).is_none() {
                return Err(format!("{d:?} is not a sha256 digest (sha256:<64 lower-case hex>)"));
            }
            (p, Some(d.to_string()))
        }
        None => (path, None),
    };
    let (repo, own_tag) = match path.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, Some(t.to_string())),
        _ => (path, None),
    };
    let valid_tag = |t: &str| {
        !t.is_empty() && t.len() <= 128 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    };
    if let Some(t) = own_tag.as_deref().filter(|t| !valid_tag(t)) {
        return Err(format!("{t:?} is not a valid tag"));
    }
    let valid_component = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    };
    if !repo.split('/').all(valid_component) {
        return Err(format!(
            "{repo:?} is not a repository name (lower-case letters, digits, `._-`, components joined by `/`)"
        ));
    }
    let repo = if host == "docker.io" && !repo.contains('/') {
        format!("library/{repo}")
    } else {
        repo.to_string()
    };
    let tag = own_tag.or_else(|| tag.map(str::to_string));
    let tag = match (&tag, &digest) {
        (None, None) => Some("latest".to_string()),
        _ => tag,
    };
    Ok(Target {
        host,
        repo,
        tag,
        digest,
    })
}

/// The media type of a fetched manifest: the registry's `Content-Type` when it names one, else
/// the document's own `mediaType`, else its shape. Schema 1 is refused here.
fn media_type(body: &[u8], declared: Option<String>) -> std::result::Result<String, String> {
    let doc: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("the manifest is not JSON: {e}"))?;
    let own = doc.get("mediaType").and_then(|m| m.as_str()).map(str::to_string);
    let schema1 = doc.get("schemaVersion").and_then(|v| v.as_u64()) == Some(1)
        || [&declared, &own]
            .iter()
            .any(|t| t.as_deref().is_some_and(|t| t.contains("distribution.manifest.v1")));
    if schema1 {
        return Err("unsupported schema: a Docker schema 1 manifest (deprecated); \
                    push the image again with a current client to get a schema 2 or OCI manifest"
            .into());
    }
    let known = |t: &String| t.contains("manifest") || t.contains("index");
    Ok(declared
        .filter(known)
        .or(own)
        .unwrap_or_else(|| match doc.get("manifests") {
            Some(_) => OCI_INDEX.to_string(),
            None => OCI_MANIFEST.to_string(),
        }))
}

/// The registry as a store. Manifests are fetched from `/manifests/`, everything else from
/// `/blobs/`; which digests are manifests is learnt from the indexes read so far.
struct RegistryStore {
    client: Client,
    index: Vec<u8>,
    /// Manifests fetched so far, by digest.
    manifests: Mutex<HashMap<String, Vec<u8>>>,
    /// Digests that indexes list as manifests.
    manifest_digests: Mutex<HashSet<String>>,
    reference: String,
}

impl RegistryStore {
    /// Records the children of an index as manifests, so they are fetched from `/manifests/`.
    fn learn(&self, doc: &[u8]) {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(doc) else {
            return;
        };
        let children = value.get("manifests").and_then(|m| m.as_array());
        if let (Some(children), Ok(mut known)) = (children, self.manifest_digests.lock()) {
            known.extend(
                children
                    .iter()
                    .filter_map(|c| c.get("digest")?.as_str().map(str::to_string)),
            );
        }
    }

    fn digest_of(name: &str) -> Option<String> {
        let name = member_name(name);
        let hex = name.strip_prefix("blobs/sha256/")?;
        is_sha256_hex(hex).then(|| format!("sha256:{hex}"))
    }
}

impl Store for RegistryStore {
    fn input(&self) -> &str {
        &self.reference
    }

    fn has(&self, name: &str) -> bool {
        member_name(name) == "index.json" || Self::digest_of(name).is_some()
    }

    fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        if member_name(name) == "index.json" {
            return Ok(Some(self.index.clone()));
        }
        let Some(digest) = Self::digest_of(name) else {
            return Ok(None);
        };
        let cached = self.manifests.lock().ok().and_then(|m| m.get(&digest).cloned());
        if let Some(doc) = cached {
            self.learn(&doc);
            return Ok(Some(doc));
        }
        let is_manifest = self.manifest_digests.lock().is_ok_and(|m| m.contains(&digest));
        if !is_manifest {
            return self.client.blob_small(&digest, cap);
        }
        let (doc, declared) = self.client.manifest(&digest, cap)?;
        media_type(&doc, declared).map_err(|reason| Error::Registry {
            reference: self.reference.clone(),
            reason: format!("manifest {digest}: {reason}"),
        })?;
        self.learn(&doc);
        Ok(Some(doc))
    }

    fn open(&self, name: &str) -> Result<Option<BlobReader<'_>>> {
        match Self::digest_of(name) {
            Some(digest) => self.client.blob(&digest),
            None => Ok(None),
        }
    }
}

/// Loads `name` (`HOST[:PORT]/REPO[:TAG|@DIGEST]`) from its registry.
pub fn load(name: &str, reference: &str, opts: &LoadOptions) -> Result<Loaded> {
    let target = parse_target(name, opts.selection.tag.as_deref()).map_err(|reason| Error::Reference {
        reference: reference.to_string(),
        reason,
    })?;
    let client = Client::new(&target.host, &target.repo, reference, opts.insecure);
    let (doc, declared) = client.manifest(target.manifest_ref(), JSON_CAP)?;
    let digest = sha256_of(&doc);
    if let Some(expected) = target.digest.as_ref().filter(|d| **d != digest) {
        return Err(Error::Digest {
            input: reference.to_string(),
            what: format!("manifest {expected}"),
            expected: expected.clone(),
            actual: digest,
        });
    }
    let media_type = media_type(&doc, declared).map_err(|reason| Error::Registry {
        reference: reference.to_string(),
        reason,
    })?;
    // The one-entry index that `resolve` starts from, as if the registry were an OCI layout.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{ "mediaType": media_type, "digest": digest, "size": doc.len() }],
    });
    let store = RegistryStore {
        client,
        index: index.to_string().into_bytes(),
        manifests: Mutex::new(HashMap::from([(digest.clone(), doc)])),
        manifest_digests: Mutex::new(HashSet::from([digest])),
        reference: reference.to_string(),
    };
    // The tag is spent on the manifest request; only the platform is left to choose.
    let selection = Selection {
        tag: None,
        platform: opts.selection.platform.clone(),
    };
    let plan = resolve::resolve(&store, &selection)?;
    let scans = super::schedule::scan_parallel(&store, &plan, opts, super::cached::Reach::Remote)?;
    let mut loaded = super::finish(&store, plan, scans, reference, "registry".to_string())?;
    loaded.tags = target
        .tag
        .iter()
        .map(|t| format!("{}/{}:{t}", target.host, target.repo))
        .collect();
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, repo: &str, tag: Option<&str>, digest: Option<&str>) -> Target {
        Target {
            host: host.into(),
            repo: repo.into(),
            tag: tag.map(Into::into),
            digest: digest.map(Into::into),
        }
    }

    #[test]
    fn references() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parse_target("127.0.0.1:5000/tiny:1", None).unwrap(),
            t("127.0.0.1:5000", "tiny", Some("1"), None)
        );
        assert_eq!(
            parse_target("localhost/a/b", None).unwrap(),
            t("localhost", "a/b", Some("latest"), None)
        );
        assert_eq!(
            parse_target("python", Some("3.12")).unwrap(),
            t("docker.io", "library/python", Some("3.12"), None)
        );
        assert_eq!(
            parse_target(&format!("ghcr.io/o/r@{d}"), None).unwrap(),
            t("ghcr.io", "o/r", None, Some(&d))
        );
        assert_eq!(
            parse_target(&format!("h:5000/r:v@{d}"), None).unwrap(),
            t("h:5000", "r", Some("v"), Some(&d))
        );
        for bad in [
            "h:5000/Upper",
            "h:5000/r:bad tag",
            "h:5000/r@sha256:xyz",
            "h:5000//r",
            "h:5000/",
        ] {
            assert!(parse_target(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn media_types() {
        let idx = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(media_type(idx, None).unwrap(), OCI_INDEX);
        assert_eq!(
            media_type(
                idx,
                Some("application/vnd.docker.distribution.manifest.list.v2+json".into())
            )
            .unwrap(),
            "application/vnd.docker.distribution.manifest.list.v2+json"
        );
        assert_eq!(
            media_type(br#"{"schemaVersion":2,"layers":[]}"#, Some("text/plain".into())).unwrap(),
            OCI_MANIFEST
        );
        let v1 = br#"{"schemaVersion":1,"fsLayers":[]}"#;
        assert!(media_type(v1, None).unwrap_err().contains("schema 1"));
        assert!(media_type(b"<html>", None).is_err());
    }
}
