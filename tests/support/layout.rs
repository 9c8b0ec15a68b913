//! Container layouts: lays built images out as the members of a `docker save` archive (classic,
//! skopeo-style, Docker 25+), an OCI layout (single image, multi-image/multi-platform index,
//! nested index) or containers/image's directory (OCI or Docker v2s2 manifest), as a list of
//! [`Members`] that tests can tamper with before writing it as a tar
//! (with or without `./` member prefixes) or a directory.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::fixture::{Built, Image, descriptor, sha256_hex};

/// Container layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `docker save` of Docker <= 24: real files at `<id>/layer.tar`.
    DockerClassic,
    /// skopeo/podman: `<diff_id>.tar` plus `<id>/layer.tar` symlinks to it.
    DockerSkopeo,
    /// Docker >= 25: `manifest.json` plus an OCI layout (`index.json`, `blobs/sha256/`).
    Docker25,
    /// An OCI layout in a tar.
    OciArchive,
    /// An OCI layout in a tar whose members are named `./...`.
    OciArchiveDotSlash,
    /// An OCI layout directory.
    OciDir,
    /// containers/image's directory (`skopeo copy … dir:`) with an OCI manifest.
    ContainersDir,
    /// containers/image's directory with a Docker v2s2 manifest (`podman save --format docker-dir`).
    ContainersDirDocker,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Self::DockerClassic,
        Self::DockerSkopeo,
        Self::Docker25,
        Self::OciArchive,
        Self::OciArchiveDotSlash,
        Self::OciDir,
        Self::ContainersDir,
        Self::ContainersDirDocker,
    ];

    /// True for the formats written as a directory.
    pub fn is_dir(self) -> bool {
        matches!(self, Self::OciDir | Self::ContainersDir | Self::ContainersDirDocker)
    }

    /// The members of `images` laid out in this format (Docker formats store plain tars).
    pub fn members(self, images: &[Image]) -> Members {
        match self {
            Self::OciArchive | Self::OciArchiveDotSlash | Self::OciDir => oci_index(images, false),
            Self::ContainersDir | Self::ContainersDirDocker => {
                containers_dir(&images[0].build(), self == Self::ContainersDirDocker)
            }
            _ => docker(self, images),
        }
    }

    /// Writes `images` under `dir` (a tar file, or a directory for [`Format::OciDir`]).
    pub fn save(self, dir: &Path, images: &[Image]) -> PathBuf {
        let m = self.members(images);
        let path = dir.join(format!("{self:?}{}", if self.is_dir() { "" } else { ".tar" }));
        match self {
            _ if self.is_dir() => m.write_dir(&path),
            _ => std::fs::write(&path, m.tar(self == Self::OciArchiveDotSlash)).unwrap(),
        }
        path
    }
}

fn docker(format: Format, images: &[Image]) -> Members {
    let mut m = Members::default();
    let mut manifest = Vec::new();
    for img in images.iter().map(Image::build) {
        let cfg_hex = sha256_hex(&img.config);
        let config_name = match format {
            Format::Docker25 => format!("blobs/sha256/{cfg_hex}"),
            _ => format!("{cfg_hex}.json"),
        };
        m.set(&config_name, img.config.clone());
        let mut names = Vec::new();
        let mut parent = String::new();
        for l in &img.layers {
            let id = sha256_hex(format!("{parent}{}", l.diff_id).as_bytes());
            let diff_hex = &l.diff_id["sha256:".len()..];
            let name = match format {
                Format::DockerClassic => format!("{id}/layer.tar"),
                Format::DockerSkopeo => {
                    m.symlink(&format!("{id}/layer.tar"), &format!("../{diff_hex}.tar"));
                    format!("{diff_hex}.tar")
                }
                _ => format!("blobs/sha256/{diff_hex}"),
            };
            if format != Format::Docker25 {
                m.set(&format!("{id}/VERSION"), b"1.0".to_vec());
                m.set(
                    &format!("{id}/json"),
                    serde_json::to_vec(&json!({"id": id, "parent": parent})).unwrap(),
                );
            }
            m.set(&name, l.tar.clone());
            names.push(name);
            parent = id;
        }
        if format == Format::Docker25 {
            let man = img.manifest(true);
            m.set(&format!("blobs/sha256/{}", sha256_hex(&man)), man.clone());
            m.set(
                "index.json",
                index_json(&[descriptor("application/vnd.oci.image.manifest.v1+json", &man)]),
            );
            m.set("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
        }
        let tags = (!img.tags.is_empty()).then_some(&img.tags);
        manifest.push(json!({"Config": config_name, "RepoTags": tags, "Layers": names}));
    }
    m.set("manifest.json", serde_json::to_vec(&manifest).unwrap());
    m
}

/// containers/image's directory: `version`, `manifest.json` holding the one image manifest
/// (OCI, or Docker v2s2 with `docker`), each blob in a file named by its hex digest.
pub fn containers_dir(img: &Built, docker: bool) -> Members {
    let mut m = Members::default();
    m.set("version", b"Directory Transport Version: 1.1\n".to_vec());
    let hex = |d: &str| d["sha256:".len()..].to_string();
    m.set(&hex(&img.config_digest), img.config.clone());
    for l in &img.layers {
        m.set(&hex(&l.digest), l.blob.clone());
    }
    let manifest = match docker {
        false => img.manifest(false),
        true => {
            let layers: Vec<Value> = img
                .layers
                .iter()
                .map(|l| {
                    let mt = match l.blob == l.tar {
                        true => "application/vnd.docker.image.rootfs.diff.tar",
                        false => "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    };
                    descriptor(mt, &l.blob)
                })
                .collect();
            serde_json::to_vec_pretty(&json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": descriptor("application/vnd.docker.container.image.v1+json", &img.config),
                "layers": layers,
            }))
            .unwrap()
        }
    };
    m.set("manifest.json", manifest);
    m
}

/// `index.json` (or a nested index blob) listing `manifests`.
pub fn index_json(manifests: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap()
}

/// Adds an image's config, layer and manifest blobs to an OCI layout; returns the manifest.
pub fn add_oci_blobs(m: &mut Members, img: &Built) -> Vec<u8> {
    m.set_blob(img.config.clone());
    for l in &img.layers {
        m.set_blob(l.blob.clone());
    }
    let man = img.manifest(false);
    m.set_blob(man.clone());
    man
}

/// An OCI layout holding `images`. With several images each descriptor names its platform
/// (a multi-platform index); `nested` puts the manifests in a nested index blob.
pub fn oci_index(images: &[Image], nested: bool) -> Members {
    let mut m = Members::default();
    let mut descs = Vec::new();
    for img in images.iter().map(Image::build) {
        let man = add_oci_blobs(&mut m, &img);
        let mut d = descriptor("application/vnd.oci.image.manifest.v1+json", &man);
        if let Some(t) = img.tags.first() {
            d["annotations"] = json!({"org.opencontainers.image.ref.name": t});
        }
        if images.len() > 1 {
            d["platform"] = img.platform.clone();
        }
        descs.push(d);
    }
    if nested {
        let inner = index_json(&descs);
        m.set_blob(inner.clone());
        descs = vec![descriptor("application/vnd.oci.image.index.v1+json", &inner)];
    }
    m.set("index.json", index_json(&descs));
    m.set("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    m
}

/// One member of a container: a file or a symlink, by its name in the archive.
#[derive(Debug, Clone)]
pub enum Member {
    File(String, Vec<u8>),
    Symlink(String, String),
}

impl Member {
    fn name(&self) -> &str {
        match self {
            Member::File(n, _) | Member::Symlink(n, _) => n,
        }
    }
}

/// The members of a container, in the order they are written.
#[derive(Debug, Clone, Default)]
pub struct Members(pub Vec<Member>);

impl Members {
    /// Adds or replaces a file.
    pub fn set(&mut self, name: &str, data: Vec<u8>) {
        self.remove(name);
        self.0.push(Member::File(name.into(), data));
    }

    /// Adds `blobs/sha256/<hex>` holding `data`.
    pub fn set_blob(&mut self, data: Vec<u8>) {
        self.set(&format!("blobs/sha256/{}", sha256_hex(&data)), data);
    }

    /// Adds or replaces a symlink.
    pub fn symlink(&mut self, name: &str, target: &str) {
        self.remove(name);
        self.0.push(Member::Symlink(name.into(), target.into()));
    }

    /// Removes a member; true when it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|m| m.name() != name);
        before != self.0.len()
    }

    /// The content of a file member.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0.iter().find_map(|m| match m {
            Member::File(n, d) if n == name => Some(d.as_slice()),
            _ => None,
        })
    }

    /// Moves a member to the end (Docker and Podman write `manifest.json` last).
    pub fn move_last(&mut self, name: &str) {
        if let Some(i) = self.0.iter().position(|m| m.name() == name) {
            let m = self.0.remove(i);
            self.0.push(m);
        }
    }

    /// The members as a tar, names prefixed with `./` (and a `./` root entry) when asked.
    pub fn tar(&self, dot_slash: bool) -> Vec<u8> {
        let prefix = if dot_slash { "./" } else { "" };
        let mut b = tar::Builder::new(Vec::new());
        let header = |t: tar::EntryType, name: &str, size: usize, mode: u32| {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(t);
            h.set_size(size as u64);
            h.set_mode(mode);
            h.set_mtime(0);
            let name = format!("{prefix}{name}");
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h
        };
        if dot_slash {
            let mut h = header(tar::EntryType::Directory, "", 0, 0o755);
            h.set_cksum();
            b.append(&h, std::io::empty()).unwrap();
        }
        for m in &self.0 {
            match m {
                Member::File(name, data) => {
                    let mut h = header(tar::EntryType::Regular, name, data.len(), 0o644);
                    h.set_cksum();
                    b.append(&h, data.as_slice()).unwrap();
                }
                Member::Symlink(name, target) => {
                    let mut h = header(tar::EntryType::Symlink, name, 0, 0o777);
                    h.set_link_name(target).unwrap();
                    h.set_cksum();
                    b.append(&h, std::io::empty()).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    /// Writes the members under `dir` (created).
    pub fn write_dir(&self, dir: &Path) {
        for m in &self.0 {
            let path = dir.join(m.name());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            match m {
                Member::File(_, data) => std::fs::write(&path, data).unwrap(),
                Member::Symlink(_, target) => std::os::unix::fs::symlink(target, &path).unwrap(),
            }
        }
    }

    /// Writes the members as a tar file at `path`.
    pub fn write_tar(&self, path: &Path) -> PathBuf {
        std::fs::write(path, self.tar(false)).unwrap();
        path.to_path_buf()
    }
}
