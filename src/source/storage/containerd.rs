//! containerd's image store read in place (nerdctl, k3s and Kubernetes nodes, Docker with the
//! containerd image store): image names live in the metadata database
//! (`io.containerd.metadata.v1.bolt/meta.db`, bucket `v1/<namespace>/images/<name>/target`),
//! blobs in the content store (`io.containerd.content.v1.content/blobs/sha256/<hex>`), which is
//! an OCI layout's `blobs/` directory. The image's target descriptor becomes a one-entry
//! `index.json` held in memory, and the rest is the OCI layout reader's: platforms, nested
//! indexes, digests checked, layers decoded in parallel and cached.
//!
//! Owns the root's layout and the name lookup; reads the database with [`super::bolt`] and
//! never talks to containerd (a running containerd is not needed; its lock is not taken).

use std::path::{Path, PathBuf};

use super::bolt::{Bolt, Bucket};
use super::storage_err;
use crate::error::{Error, Result};
use crate::source::resolve::Selection;
use crate::source::resolve::pick::normalise;
use crate::source::store::{BlobReader, DirStore, Store};

/// The metadata database, under the root.
pub const META_DB: &str = "io.containerd.metadata.v1.bolt/meta.db";
/// The content store, under the root; its `blobs/` is an OCI layout's.
pub const CONTENT: &str = "io.containerd.content.v1.content";

/// The roots looked at when `--storage` is not given, in order: the system's containerd, k3s's,
/// MicroK8s', and rootless containerd's (nerdctl's `$XDG_DATA_HOME/containerd`).
pub fn default_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = [
        "/var/lib/containerd",
        "/var/lib/rancher/k3s/agent/containerd",
        "/var/snap/microk8s/common/var/lib/containerd",
    ]
    .into_iter()
    .map(PathBuf::from)
    .collect();
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")));
    roots.extend(data.map(|d| d.join("containerd")));
    roots
}

/// The descriptor an image name points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The namespace holding the name.
    pub namespace: String,
    /// The name as stored (`docker.io/library/python:3.12`).
    pub name: String,
    /// `sha256:...` of the manifest or index.
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Go's `binary.Varint`, as containerd stores sizes.
fn varint(bytes: &[u8]) -> Option<i64> {
    let mut u: u64 = 0;
    for (i, b) in bytes.iter().enumerate().take(10) {
        u |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(((u >> 1) as i64) ^ -((u & 1) as i64));
        }
    }
    None
}

fn target_of(db_path: &Path, namespace: &str, name: &str, image: Bucket<'_>) -> Result<Target> {
    let bad = |what: &str| storage_err(db_path, format!("image {name:?} in namespace {namespace}: {what}"));
    let target = image.bucket(b"target")?.ok_or_else(|| bad("no target"))?;
    let text = |key: &[u8]| -> Result<String> {
        let v = target
            .bytes(key)?
            .ok_or_else(|| bad(&format!("no target {}", String::from_utf8_lossy(key))))?;
        String::from_utf8(v.to_vec()).map_err(|_| bad("a target field is not UTF-8"))
    };
    let size = target
        .bytes(b"size")?
        .and_then(varint)
        .and_then(|s| u64::try_from(s).ok());
    Ok(Target {
        namespace: namespace.to_string(),
        name: name.to_string(),
        digest: text(b"digest")?,
        media_type: text(b"mediatype")?,
        size: size.ok_or_else(|| bad("no valid target size"))?,
    })
}

/// Every image name of the database, by namespace (`CONTAINERD_NAMESPACE`'s alone when set).
pub fn images(db: &Bolt, db_path: &Path, only: Option<&str>) -> Result<Vec<Target>> {
    let Some(v1) = db.root().bucket(b"v1")? else {
        return Err(storage_err(db_path, "no v1 bucket: not containerd's metadata database"));
    };
    let mut out = Vec::new();
    for (ns, bucket) in v1.buckets()? {
        let ns = String::from_utf8_lossy(ns);
        if only.is_some_and(|o| o != ns) {
            continue;
        }
        let Some(images) = bucket.bucket(b"images")? else {
            continue;
        };
        for (name, image) in images.buckets()? {
            out.push(target_of(db_path, &ns, &String::from_utf8_lossy(name), image)?);
        }
    }
    Ok(out)
}

/// The image `wanted` names, as typed or in Docker's normal form (`app` is
/// `docker.io/library/app:latest`). The same name in several namespaces is one image when
/// they agree on the digest; else the user must pick with `CONTAINERD_NAMESPACE`.
pub fn find(all: &[Target], wanted: &str, db_path: &Path, only: Option<&str>) -> Result<Target> {
    let normal = normalise(wanted);
    // Stored names need not be normal (`ctr images import --base-name py/app` keeps `py/app:1`).
    let hits: Vec<&Target> = all
        .iter()
        .filter(|t| t.name == wanted || normalise(&t.name) == normal)
        .collect();
    let Some(first) = hits.first() else {
        let mut names: Vec<String> = all.iter().map(|t| format!("{} ({})", t.name, t.namespace)).collect();
        names.sort();
        let shown = match names.len() {
            0 => "it holds no images".to_string(),
            n if n <= 8 => format!("it holds {}", names.join(", ")),
            n => format!("it holds {n} images, among them {}", names[..8].join(", ")),
        };
        let scope = only.map(|ns| format!(" namespace {ns}")).unwrap_or_default();
        return Err(storage_err(
            db_path,
            format!("no image {wanted:?} (or {normal}) in containerd's{scope} store; {shown}"),
        ));
    };
    if let Some(other) = hits.iter().find(|t| t.digest != first.digest) {
        return Err(storage_err(
            db_path,
            format!(
                "{wanted:?} names different images in namespaces {} ({}) and {} ({}); set \
                 CONTAINERD_NAMESPACE to pick one",
                first.namespace, first.digest, other.namespace, other.digest
            ),
        ));
    }
    Ok((*first).clone())
}

/// The content store seen as an OCI layout whose `index.json` lists the one image found.
pub struct ContentStore {
    blobs: DirStore,
    index: Vec<u8>,
}

impl ContentStore {
    /// The store under `root` offering `target`.
    pub fn new(root: &Path, input: &str, target: &Target) -> Self {
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": target.media_type,
                "digest": target.digest,
                "size": target.size,
                "annotations": { "org.opencontainers.image.ref.name": target.name },
            }],
        });
        Self {
            blobs: DirStore::new(&root.join(CONTENT), input),
            index: serde_json::to_vec(&index).unwrap_or_default(),
        }
    }
}

/// The content store under `root` offering `target`, and the pick to resolve it with: the
/// `--platform` asked for, no tag (its index lists only the image the name found).
pub fn open(root: &Path, target: &Target, asked: &Selection) -> (ContentStore, Selection) {
    let store = ContentStore::new(root, &root.display().to_string(), target);
    let selection = Selection {
        tag: None,
        ..asked.clone()
    };
    (store, selection)
}

/// Only the blobs are the content store's: a stray `index.json` or `manifest.json` in it
/// must not change what the image is.
fn is_blob(name: &str) -> bool {
    name.starts_with("blobs/")
}

impl Store for ContentStore {
    fn input(&self) -> &str {
        self.blobs.input()
    }

    fn has(&self, name: &str) -> bool {
        name == "index.json" || (is_blob(name) && self.blobs.has(name))
    }

    fn read_small(&self, name: &str, cap: u64) -> Result<Option<Vec<u8>>> {
        match name {
            "index.json" => Ok(Some(self.index.clone())),
            _ if is_blob(name) => self.blobs.read_small(name, cap),
            _ => Ok(None),
        }
    }

    fn open(&self, name: &str) -> Result<Option<BlobReader<'_>>> {
        match is_blob(name) {
            true => self.blobs.open(name),
            false => Ok(None),
        }
    }

    fn size(&self, name: &str) -> Option<u64> {
        self.blobs.size(name)
    }

    fn identity(&self, name: &str) -> Option<crate::source::identity::BlobIdentity> {
        is_blob(name).then(|| self.blobs.identity(name)).flatten()
    }
}

/// The namespace `CONTAINERD_NAMESPACE` picks, as ctr and nerdctl read it.
pub fn namespace_env() -> Option<String> {
    std::env::var("CONTAINERD_NAMESPACE").ok().filter(|ns| !ns.is_empty())
}

/// The root holding the image `name` names, and that image: the root `--storage` gives (else
/// the first of the default roots that holds the name), the namespace [`namespace_env`] picks
/// (else all); when none holds it, the first root's error.
pub fn locate(name: &str, given: Option<&Path>) -> Result<(PathBuf, Target)> {
    let only = namespace_env();
    let find_in = |root: &Path| -> Result<Target> {
        let db_path = root.join(META_DB);
        let db = Bolt::open(&db_path)?;
        let all = images(&db, &db_path, only.as_deref())?;
        find(&all, name, &db_path, only.as_deref())
    };
    let mut first_err = None;
    for root in roots(given)? {
        // Several engines may be installed (containerd and k3s): the first that holds the name.
        match find_in(&root) {
            Ok(target) => return Ok((root, target)),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| storage_err(Path::new("/"), "no containerd root")))
}

/// Docker's containerd namespace.
pub const DOCKER_NAMESPACE: &str = "moby";

/// The image Docker knows by id `id` (its manifest's or index's digest) when Docker keeps its
/// images in containerd's store: in namespace `moby` of the containerd Docker runs itself
/// (`<DockerRootDir>/containerd/daemon`) or of the system's (`/var/lib/containerd`).
pub fn in_docker(docker_root: &Path, id: &str) -> Result<(PathBuf, Target)> {
    let digest = match id.starts_with("sha256:") {
        true => id.to_string(),
        false => format!("sha256:{id}"),
    };
    let roots = [
        docker_root.join("containerd/daemon"),
        PathBuf::from("/var/lib/containerd"),
    ];
    let mut tried = Vec::new();
    for root in roots {
        let db_path = root.join(META_DB);
        if !db_path.is_file() {
            tried.push(format!("{} (missing or unreadable)", db_path.display()));
            continue;
        }
        let db = Bolt::open(&db_path)?;
        let all = images(&db, &db_path, Some(DOCKER_NAMESPACE))?;
        if let Some(t) = all.into_iter().find(|t| t.digest == digest) {
            return Ok((root, t));
        }
        tried.push(format!(
            "{} (no image {digest} in namespace {DOCKER_NAMESPACE})",
            db_path.display()
        ));
    }
    Err(storage_err(
        docker_root,
        format!(
            "the daemon keeps its images in containerd's store, and deadweight found no readable one naming \
             the image: {}",
            tried.join(", ")
        ),
    ))
}

/// The roots to read: `--storage DIR`, else every default root holding a database.
pub fn roots(given: Option<&Path>) -> Result<Vec<PathBuf>> {
    if let Some(dir) = given {
        if !dir.join(META_DB).is_file() {
            return Err(storage_err(
                dir,
                format!("no {META_DB}: --storage names containerd's root (the directory holding {CONTENT})"),
            ));
        }
        return Ok(vec![dir.to_path_buf()]);
    }
    let all = default_roots();
    let found: Vec<PathBuf> = all.iter().filter(|r| r.join(META_DB).is_file()).cloned().collect();
    if found.is_empty() {
        let tried: Vec<String> = all.iter().map(|r| r.join(META_DB).display().to_string()).collect();
        return Err(Error::Storage {
            root: all[0].clone(),
            reason: format!(
                "no containerd metadata database found (tried {}); name containerd's root with --storage DIR, \
                 or run as a user who can read it (the system's is root's)",
                tried.join(", ")
            ),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_gos_zigzag() {
        assert_eq!(varint(&[0x00]), Some(0));
        assert_eq!(varint(&[0x02]), Some(1));
        assert_eq!(varint(&[0x01]), Some(-1));
        assert_eq!(varint(&[0xd8, 0x04]), Some(300));
        assert_eq!(varint(&[0x80]), None, "unterminated");
    }

    fn t(ns: &str, name: &str, digest: &str) -> Target {
        Target {
            namespace: ns.into(),
            name: name.into(),
            digest: digest.into(),
            media_type: "application/vnd.oci.image.index.v1+json".into(),
            size: 1,
        }
    }

    #[test]
    fn names_match_as_typed_or_normalised_and_namespaces_must_agree() {
        let db = Path::new("meta.db");
        let all = [
            t("default", "docker.io/library/app:latest", "sha256:a"),
            t("k8s.io", "docker.io/library/app:latest", "sha256:a"),
            t("moby", "docker.io/library/web:1", "sha256:b"),
            t("default", "docker.io/library/web:1", "sha256:c"),
            t("default", "py/app:1", "sha256:d"),
        ];
        assert_eq!(find(&all, "py/app:1", db, None).unwrap().digest, "sha256:d");
        assert_eq!(find(&all, "docker.io/py/app:1", db, None).unwrap().digest, "sha256:d");
        assert_eq!(find(&all, "app", db, None).unwrap().digest, "sha256:a");
        assert_eq!(
            find(&all, "docker.io/library/app:latest", db, None).unwrap().namespace,
            "default"
        );
        let e = find(&all, "web:1", db, None).unwrap_err().to_string();
        assert!(
            e.contains("CONTAINERD_NAMESPACE") && e.contains("moby") && e.contains("default"),
            "{e}"
        );
        let e = find(&all, "nothere", db, Some("moby")).unwrap_err().to_string();
        assert!(
            e.contains("namespace moby") && e.contains("docker.io/library/app:latest (default)"),
            "{e}"
        );
    }
}
