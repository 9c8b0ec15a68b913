//! Whether `--storage DIR` means anything for the image argument: it names the store of a
//! daemon's or engine's images, so it applies to images read from one (`docker://`,
//! `podman://`, `containerd://`, a bare name the Docker daemon is asked for) and nothing else.
//! Owns only that judgement on the parsed argument; opens nothing and does not read the store.

use std::path::Path;

use super::StorageChoice;
use crate::error::{Error, Result};
use crate::source::reference::{self, ImageSpec, Location};

/// What applies the store to: said in the error and the note.
const APPLIES_TO: &str = "--storage applies to images read from a daemon's or engine's store: docker://NAME, \
                          podman://NAME, containerd://NAME, and a bare name read from the Docker daemon";

/// `Ok(None)` when `--storage` was not given or applies to `spec`; an error naming the input
/// when it cannot (a file, a directory, stdin, a registry); a note for stderr when a bare
/// name that could have named a daemon's image is read as the file of that name (the file
/// wins, as without `--storage`).
pub fn check_applies(spec: &ImageSpec, choice: &StorageChoice) -> Result<Option<String>> {
    let StorageChoice::Dir(dir) = choice else {
        return Ok(None);
    };
    let what = match &spec.location {
        Location::Path(path) if could_be_a_daemon_name(spec, path) => {
            return Ok(Some(format!(
                "{r}: --storage {dir} is not used: {r} is read as the {kind} {path}; for the image of that \
                 name in the store say docker://{r}, podman://{r} or containerd://{r}",
                r = spec.reference,
                dir = dir.display(),
                kind = kind_of(path),
                path = path.display(),
            )));
        }
        Location::Path(path) => format!("the {} {}", kind_of(path), path.display()),
        Location::Stdin => "standard input".to_string(),
        Location::Registry(name) => format!("the registry's image {name}"),
        _ => return Ok(None),
    };
    Err(Error::Inapplicable {
        reference: spec.reference.clone(),
        reason: format!(
            "--storage {} cannot be used to read {what}: {APPLIES_TO}",
            dir.display()
        ),
    })
}

/// A bare name the daemon could have been asked for, read as the file of that name instead:
/// the reading `reference` notes too (`app:latest` with a file `app`, not `app.tar` or `out/app`,
/// which are plainly files).
fn could_be_a_daemon_name(spec: &ImageSpec, path: &Path) -> bool {
    spec.asked.is_none()
        && reference::is_docker_reference(&spec.reference)
        && !path.to_string_lossy().contains(['.', '/'])
}

fn kind_of(path: &Path) -> &'static str {
    if path.is_dir() { "directory" } else { "file" }
}
