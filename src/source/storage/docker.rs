//! Docker's overlay2 store, read in place: the image's config from
//! `image/overlay2/imagedb/content/sha256/<id>` (checked against the id), its names from
//! `repositories.json`, and per layer, by chain id, `image/overlay2/layerdb/sha256/<chain>/`
//! (`diff`, `cache-id`, `tar-split.json.gz`) with the files in `overlay2/<cache-id>/diff`.
//! Gives the image the export would give ([`Found`] → [`super::read_layers`]); owns no
//! daemon calls (the caller brings the id when a daemon named it) and no layer decoding.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Found, FoundLayer, io_err, storage_err};
use crate::error::Error;
use crate::source::digest::sha256_of;

/// Where a Docker data root keeps the overlay2 image store.
fn image_dir(root: &Path) -> PathBuf {
    root.join("image").join("overlay2")
}

/// The overlay2 image store of `root`, or why there is none.
fn overlay2(root: &Path) -> Result<PathBuf, Error> {
    let images = image_dir(root);
    if images.is_dir() {
        return Ok(images);
    }
    let drivers: Vec<String> = std::fs::read_dir(root.join("image"))
        .map(|d| d.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect())
        .unwrap_or_default();
    Err(storage_err(
        root,
        match drivers.as_slice() {
            [] => "no image store (image/overlay2) here".to_string(),
            d => format!(
                "the storage driver is {}, deadweight reads overlay2 in place",
                d.join(", ")
            ),
        },
    ))
}

/// True when `root` looks like a Docker data root (it has an `image/` directory).
pub fn is_docker_root(root: &Path) -> bool {
    root.join("image").is_dir()
}

fn read(root: &Path, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| io_err(root, path, &e))
}

fn read_text(root: &Path, path: &Path) -> Result<String, Error> {
    let bytes = read(root, path)?;
    String::from_utf8(bytes)
        .map(|s| s.trim().to_string())
        .map_err(|_| storage_err(root, format!("{} is not text", path.display())))
}

/// `name` as Docker's `repositories.json` spells it: no `docker.io/` or `library/`.
fn familiar(name: &str) -> String {
    let name = name
        .strip_prefix("docker.io/")
        .or_else(|| name.strip_prefix("index.docker.io/"))
        .unwrap_or(name);
    name.strip_prefix("library/").unwrap_or(name).to_string()
}

/// Splits `repo[:tag]` (a `:` after the last `/` is a tag, before it a registry port).
fn split_tag(name: &str) -> (&str, Option<&str>) {
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], Some(&name[slash + i + 1..])),
        None => (name, None),
    }
}

type Repositories = BTreeMap<String, BTreeMap<String, String>>;

fn repositories(root: &Path) -> Result<Repositories, Error> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(rename = "Repositories", default)]
        repositories: Repositories,
    }
    let path = image_dir(root).join("repositories.json");
    if !path.exists() {
        return Ok(Repositories::new()); // a store that never tagged anything
    }
    let bytes = read(root, &path)?;
    serde_json::from_slice::<File>(&bytes)
        .map(|f| f.repositories)
        .map_err(|e| storage_err(root, format!("{}: {e}", path.display())))
}

/// Image ids in the imagedb whose hex starts with `prefix`.
fn ids_with_prefix(root: &Path, prefix: &str) -> Result<Vec<String>, Error> {
    let dir = image_dir(root).join("imagedb/content/sha256");
    let entries = std::fs::read_dir(&dir).map_err(|e| io_err(root, &dir, &e))?;
    Ok(entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .map(|n| format!("sha256:{n}"))
        .collect())
}

/// The image `name` names in the store (a tag, a repository, an id or its prefix), and the
/// tags a `docker save NAME` would list for it.
pub fn find(root: &Path, name: &str) -> Result<(String, Vec<String>), Error> {
    overlay2(root)?;
    let hex = name.strip_prefix("sha256:").unwrap_or(name);
    if hex.len() >= 4 && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        let ids = ids_with_prefix(root, hex)?;
        if let [id] = ids.as_slice() {
            return Ok((id.clone(), Vec::new()));
        }
    }
    let repos = repositories(root)?;
    let name = familiar(name);
    let (repo, tag) = split_tag(&name);
    let not_found = || storage_err(root, format!("no image {name:?} in the store"));
    let tags = repos.get(repo).ok_or_else(not_found)?;
    let (want, id) = match tag {
        Some(_) => (name.clone(), tags.get(&name).ok_or_else(not_found)?.clone()),
        None => (
            format!("{repo}:latest"),
            tags.get(&format!("{repo}:latest")).ok_or_else(not_found)?.clone(),
        ),
    };
    let listed = tags
        .iter()
        .filter(|(t, _)| !t.contains('@'))
        .filter(|(t, i)| if tag.is_some() { **t == want } else { **i == id });
    let mut names: Vec<String> = listed.map(|(t, _)| t.clone()).collect();
    if tag.is_none() && tags.iter().any(|(t, i)| !t.contains('@') && *i != id) {
        // `docker save REPO` exports every tag of the repository, several images here.
        return Err(storage_err(
            root,
            format!("the repository {repo:?} tags several images; name one by its tag"),
        ));
    }
    names.sort();
    Ok((id, names))
}

/// Reads image `id` (`sha256:...`, its config's digest) from the Docker data root `root`.
pub fn image(root: &Path, id: &str) -> Result<Found, Error> {
    let images = overlay2(root)?;
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    let config_path = images.join("imagedb/content/sha256").join(hex);
    let config = read(root, &config_path)?;
    if sha256_of(&config) != format!("sha256:{hex}") {
        return Err(storage_err(
            root,
            format!("{} does not hash to its name", config_path.display()),
        ));
    }
    let diff_ids = crate::model::ConfigSummary::parse(&config)
        .map_err(|e| storage_err(root, format!("{}: {e}", config_path.display())))?
        .diff_ids;
    let mut layers = Vec::with_capacity(diff_ids.len());
    let mut chain = String::new();
    for diff_id in &diff_ids {
        chain = if chain.is_empty() {
            diff_id.clone()
        } else {
            sha256_of(format!("{chain} {diff_id}").as_bytes())
        };
        let dir = images
            .join("layerdb/sha256")
            .join(chain.strip_prefix("sha256:").unwrap_or(&chain));
        let recorded = read_text(root, &dir.join("diff"))?;
        if recorded != *diff_id {
            return Err(storage_err(
                root,
                format!("{} says {recorded}, the config {diff_id}", dir.join("diff").display()),
            ));
        }
        let cache_id = read_text(root, &dir.join("cache-id"))?;
        if cache_id.is_empty() || cache_id.contains(['/', '.']) {
            return Err(storage_err(
                root,
                format!("{} is not a layer id", dir.join("cache-id").display()),
            ));
        }
        layers.push(FoundLayer {
            // The bytes of its files, as the engine recorded them: only a scheduling hint.
            size: std::fs::read_to_string(dir.join("size"))
                .ok()
                .and_then(|s| s.trim().parse().ok()),
            diff_id: diff_id.clone(),
            tar_split: dir.join("tar-split.json.gz"),
            files: root.join("overlay2").join(&cache_id).join("diff"),
        });
    }
    Ok(Found {
        root: root.to_path_buf(),
        config,
        config_digest: format!("sha256:{hex}"),
        tags: Vec::new(),
        layers,
        format: "docker-overlay2",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_and_made_familiar() {
        assert_eq!(split_tag("localhost:5000/a/b:1"), ("localhost:5000/a/b", Some("1")));
        assert_eq!(split_tag("localhost:5000/a"), ("localhost:5000/a", None));
        assert_eq!(familiar("docker.io/library/busybox:1"), "busybox:1");
        assert_eq!(familiar("docker.io/me/x"), "me/x");
    }

    #[test]
    fn a_repository_without_a_tag_lists_its_tags_of_the_image() {
        let dir = tempfile::tempdir().unwrap();
        let images = image_dir(dir.path());
        std::fs::create_dir_all(images.join("imagedb/content/sha256")).unwrap();
        std::fs::write(
            images.join("repositories.json"),
            r#"{"Repositories":{"m":{"m:1":"sha256:aa","m:latest":"sha256:aa","m@sha256:cc":"sha256:aa"},
                "n":{"n:latest":"sha256:aa","n:2":"sha256:bb"}}}"#,
        )
        .unwrap();
        let root = dir.path();
        assert_eq!(
            find(root, "m").unwrap(),
            ("sha256:aa".into(), vec!["m:1".into(), "m:latest".into()])
        );
        assert_eq!(
            find(root, "docker.io/library/m:1").unwrap(),
            ("sha256:aa".into(), vec!["m:1".into()])
        );
        assert!(find(root, "n").unwrap_err().to_string().contains("several images"));
        assert!(find(root, "x:1").unwrap_err().to_string().contains("no image \"x:1\""));
    }
}
