//! Parses what the user typed as the image: a path (auto-detected), `-` for stdin, dive's
//! `docker-archive://PATH`, skopeo's `docker-archive:PATH[:TAG]`, `oci://DIR`, `oci-archive://FILE`,
//! and the daemon/registry forms, plus `FILE.tar:TAG`. Touches the filesystem only to ask
//! whether a path exists.

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
}

/// Splits `FILE:TAG` at the first `:` whose left side exists, so the tag may itself hold
/// colons and slashes (`app.tar:registry.example.com:5000/app:1.2`).
fn path_with_tag(arg: &str) -> (PathBuf, Option<String>) {
    if !Path::new(arg).exists() {
        for (i, _) in arg.match_indices(':') {
            let (path, tag) = (&arg[..i], &arg[i + 1..]);
            if !tag.is_empty() && Path::new(path).exists() {
                return (PathBuf::from(path), Some(tag.to_string()));
            }
        }
    }
    (PathBuf::from(arg), None)
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
    let prefixes: [(&str, Option<SourceKind>); 9] = [
        ("docker-archive://", Some(SourceKind::DockerArchive)),
        ("oci-archive://", Some(SourceKind::OciArchive)),
        ("oci://", Some(SourceKind::Oci)),
        ("docker-archive:", Some(SourceKind::DockerArchive)),
        ("oci-archive:", Some(SourceKind::OciArchive)),
        ("oci:", Some(SourceKind::Oci)),
        ("docker://", Some(SourceKind::Docker)),
        ("podman://", Some(SourceKind::Podman)),
        ("registry://", Some(SourceKind::Registry)),
    ];
    let (kind, rest) = prefixes
        .iter()
        .find_map(|(p, k)| arg.strip_prefix(p).map(|rest| (*k, rest)))
        .unwrap_or((source, arg));
    if rest.is_empty() {
        return Err(bad("nothing follows the source prefix"));
    }
    let location = match kind {
        Some(SourceKind::Docker) => Location::Docker(rest.to_string()),
        Some(SourceKind::Podman) => Location::Podman(rest.to_string()),
        Some(SourceKind::Registry) => Location::Registry(rest.to_string()),
        _ if rest == "-" => Location::Stdin,
        Some(_) => {
            let (path, tag) = path_with_tag(rest);
            return Ok(ImageSpec {
                location: Location::Path(path),
                tag,
                reference,
            });
        }
        None => {
            let (path, tag) = path_with_tag(rest);
            if !path.exists() && !rest.starts_with(['.', '/']) && !rest.ends_with(".tar") && !rest.ends_with(".gz") {
                // Like dive, a bare name that is not a file means an image in the Docker daemon.
                Location::Docker(rest.to_string())
            } else {
                return Ok(ImageSpec {
                    location: Location::Path(path),
                    tag,
                    reference,
                });
            }
        }
    };
    Ok(ImageSpec {
        location,
        tag: None,
        reference,
    })
}
