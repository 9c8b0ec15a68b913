//! Parses what the user typed as the image: a path (auto-detected), `-` for stdin, dive's
//! `docker-archive://PATH`, skopeo's `docker-archive:PATH[:TAG]`, `oci://DIR`, `oci-archive://FILE`,
//! and the daemon/registry/containerd forms, plus `FILE:TAG` and `FILE@DIGEST`. A bare name is the
//! daemon's image unless the path is an image ([`is_image`]): this module reads the first bytes
//! of a file or lists a directory's documents to tell, and opens nothing else.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where the image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file or directory; its format is recognised from its content.
    Path(PathBuf),
    /// An archive on standard input.
    Stdin,
    /// An image in a Docker daemon.
    Docker(String),
    /// An image in a Podman daemon.
    Podman(String),
    /// An image in a registry.
    Registry(String),
    /// An image in containerd's store, read in place.
    Containerd(String),
}

/// A parsed image argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// Where to read from.
    pub location: Location,
    /// A tag picked with `FILE:TAG`.
    pub tag: Option<String>,
    /// The argument as typed, for the report.
    pub reference: String,
    /// The `--source` (or prefix) the user gave, if any: the content decides, and a
    /// contradiction is noted.
    pub asked: Option<SourceKind>,
    /// For a bare name sent to the daemon: why it was not read from disk, to put beside the
    /// daemon's error when that fails too.
    pub fallback: Option<String>,
    /// One-line notes on how the argument was read (a file chosen over the daemon's image).
    pub notes: Vec<String>,
}

impl ImageSpec {
    /// The note for `--source oci-archive` given a `docker save` archive, or the reverse: the
    /// content decides, as in dive, and the user hears of it.
    pub fn contradicted_by(&self, format: &str) -> Option<String> {
        let asked = self.asked?;
        let (named, want) = match asked {
            SourceKind::DockerArchive => ("docker-archive", "docker-archive"),
            SourceKind::OciArchive => ("oci-archive", "oci-archive"),
            SourceKind::Oci => ("oci", "oci-layout"),
            _ => return None,
        };
        let base = format.split('+').next().unwrap_or(format);
        (base != want).then(|| {
            format!(
                "{}: the content is {base}, not {want}; read as {base} ({named} was asked for)",
                self.reference
            )
        })
    }
}

/// The values of `--source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceKind {
    /// A `docker save` archive (or any archive or layout: the content decides).
    DockerArchive,
    /// An OCI archive.
    OciArchive,
    /// An OCI layout directory.
    Oci,
    /// A Docker daemon.
    Docker,
    /// A Podman daemon.
    Podman,
    /// A registry.
    Registry,
    /// containerd's image store (read in place; `CONTAINERD_NAMESPACE` picks the namespace).
    Containerd,
}

/// Splits `FILE:TAG` or `FILE@DIGEST` at the first `:` or `@` whose left side exists, so the
/// tag may itself hold colons and slashes (`app.tar:registry.example.com:5000/app:1.2`).
fn path_with_tag(arg: &str) -> (PathBuf, Option<String>) {
    if !Path::new(arg).exists() {
        for (i, _) in arg.match_indices([':', '@']) {
            let (path, tag) = (&arg[..i], &arg[i + 1..]);
            if !tag.is_empty() && Path::new(path).exists() {
                return (PathBuf::from(path), Some(tag.to_string()));
            }
        }
    }
    (PathBuf::from(arg), None)
}

/// True when `path` is an image: a file that starts like a tar or a compressed tar, or a
/// directory with an image layout's documents (`index.json`, `manifest.json`). A package
/// directory `app/` is not one.
pub fn is_image(path: &Path) -> bool {
    if path.is_dir() {
        return path.join("index.json").is_file() || path.join("manifest.json").is_file();
    }
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| {
        use std::io::Read;
        f.take(super::sniff::SNIFF_LEN as u64).read_to_end(&mut head)
    });
    use super::sniff::Kind;
    read.is_ok()
        && matches!(
            super::sniff::sniff(&head),
            Kind::Tar | Kind::Gzip | Kind::Zstd | Kind::Xz | Kind::Bzip2
        )
}

/// True when `arg` is a valid Docker reference: lower-case path components (`[a-z0-9]` joined
/// by `.`, `_`, `__` or `-`), an optional registry host, `:tag` and `@sha256:` digest.
pub fn is_docker_reference(arg: &str) -> bool {
    let (rest, digest) = match arg.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (arg, None),
    };
    if digest.is_some_and(|d| {
        d.strip_prefix("sha256:")
            .is_none_or(|h| !super::digest::is_sha256_hex(h))
    }) {
        return false;
    }
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    let tag_ok = tag.is_none_or(|t| {
        (1..=128).contains(&t.len())
            && !t.starts_with(['.', '-'])
            && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    });
    let mut parts = name.split('/').collect::<Vec<_>>();
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        parts.remove(0); // a registry host, checked no further
    }
    let component = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
            && c.ends_with(|ch: char| ch.is_ascii_alphanumeric())
    };
    tag_ok && !parts.is_empty() && parts.iter().all(|c| component(c))
}

/// Parses the image argument, with `--source` when given.
pub fn parse(arg: &str, source: Option<SourceKind>) -> Result<ImageSpec> {
    let reference = arg.to_string();
    let bad = |reason: &str| Error::Reference {
        reference: arg.to_string(),
        reason: reason.to_string(),
    };
    if arg.is_empty() {
        return Err(bad("the image argument is empty"));
    }
    let prefixes: [(&str, Option<SourceKind>); 10] = [
        ("docker-archive://", Some(SourceKind::DockerArchive)),
        ("oci-archive://", Some(SourceKind::OciArchive)),
        ("oci://", Some(SourceKind::Oci)),
        ("docker-archive:", Some(SourceKind::DockerArchive)),
        ("oci-archive:", Some(SourceKind::OciArchive)),
        ("oci:", Some(SourceKind::Oci)),
        ("docker://", Some(SourceKind::Docker)),
        ("podman://", Some(SourceKind::Podman)),
        ("registry://", Some(SourceKind::Registry)),
        ("containerd://", Some(SourceKind::Containerd)),
    ];
    let (kind, rest) = prefixes
        .iter()
        .find_map(|(p, k)| arg.strip_prefix(p).map(|rest| (*k, rest)))
        .unwrap_or((source, arg));
    if rest.is_empty() {
        return Err(bad("nothing follows the source prefix"));
    }
    let spec = |location, tag| ImageSpec {
        location,
        tag,
        reference: reference.clone(),
        asked: kind,
        fallback: None,
        notes: Vec::new(),
    };
    Ok(match kind {
        Some(SourceKind::Docker) => spec(Location::Docker(rest.to_string()), None),
        Some(SourceKind::Podman) => spec(Location::Podman(rest.to_string()), None),
        Some(SourceKind::Registry) => spec(Location::Registry(rest.to_string()), None),
        Some(SourceKind::Containerd) => spec(Location::Containerd(rest.to_string()), None),
        _ if rest == "-" => spec(Location::Stdin, None),
        Some(_) => {
            let (path, tag) = path_with_tag(rest);
            spec(Location::Path(path), tag)
        }
        None => bare(rest, spec),
    })
}

/// A bare argument: the path when it is an image (or plainly a path), else the daemon's image.
fn bare(rest: &str, spec: impl Fn(Location, Option<String>) -> ImageSpec) -> ImageSpec {
    let (path, tag) = path_with_tag(rest);
    let plainly_path = rest.starts_with(['.', '/']) || !is_docker_reference(rest);
    if path.exists() && (plainly_path || is_image(&path)) {
        let mut s = spec(Location::Path(path.clone()), tag.clone());
        // `app:latest` with an image file `app`: the other reading is the daemon's image. A
        // file name with a dot or a slash (`app.tar:2`, `out/app`) is plainly a file.
        let named_like_an_image = !path.to_string_lossy().contains(['.', '/']);
        if !plainly_path && named_like_an_image {
            s.notes.push(format!(
                "{rest}: read the image at {}{}; for the Docker daemon's image say docker://{rest}",
                path.display(),
                tag.map(|t| format!(" (picking {t})")).unwrap_or_default()
            ));
        }
        return s;
    }
    if plainly_path || rest.ends_with(".tar") || rest.ends_with(".gz") {
        return spec(Location::Path(path), tag);
    }
    // Like dive, a name that is no image on disk means an image in the Docker daemon.
    let why = match path.exists() {
        true if path.is_dir() => format!(
            "{} is a directory but not an image layout (no index.json or manifest.json)",
            path.display()
        ),
        true => format!("{} is a file but not an image archive", path.display()),
        false => format!("no file or directory {rest:?}"),
    };
    let mut s = spec(Location::Docker(rest.to_string()), None);
    s.fallback = Some(why);
    s
}
