//! Decides, for a daemon image (`docker://NAME`, a bare name), whether it is read in place from
//! the engine's store or through the daemon's export, and says why in one line when it is the
//! export. The store is the one `--storage DIR` names (no daemon asked; failures are errors),
//! else the one the daemon's info names (`DockerRootDir`, the image's `GraphDriver`): Docker's
//! overlay2 or containers/storage's overlay (Podman's service names its graph root there), or
//! containerd's content store when Docker keeps its images there. Reaches
//! the daemon only through `daemon`'s functions.

use super::{Found, StorageChoice, containerd, containers, docker};
use crate::error::{Error, Result};
use crate::source::daemon::{self, Engine};
use crate::source::{LoadOptions, Loaded};

/// How a daemon image is to be read.
pub enum Route {
    /// Read in place.
    Read(Box<Loaded>),
    /// Through the export; with the line to print when the user should know why.
    Export(Option<String>),
}

/// What the user can do to get the fast path.
const HINT: &str = "run as a user who can read the daemon's data root, or name it with --storage DIR \
                    (--no-storage skips this attempt)";

/// Reads image `name` in place when the options and the store allow it.
pub fn route(engine: Engine, name: &str, reference: &str, opts: &LoadOptions) -> Result<Route> {
    match &opts.storage {
        StorageChoice::Off => Ok(Route::Export(None)),
        StorageChoice::Dir(root) => {
            let found = if let Some(driver) = containers::driver_of(root) {
                containers::image(root, driver, name)?
            } else if docker::is_docker_root(root) {
                let (id, tags) = docker::find(root, name)?;
                let mut found = docker::image(root, &id)?;
                found.tags = tags;
                found
            } else if root.join(containerd::META_DB).is_file() {
                return crate::source::load_containerd(name, reference, opts).map(|l| Route::Read(Box::new(l)));
            } else {
                return Err(Error::Storage {
                    root: root.clone(),
                    reason: format!(
                        "neither a Docker data root (image/), a containers/storage graph root (overlay-images/) \
                         nor containerd's root ({})",
                        containerd::META_DB
                    ),
                });
            };
            super::load(found, reference, opts).map(|l| Route::Read(Box::new(l)))
        }
        StorageChoice::Auto => match usable(engine, name, reference) {
            // Past this point the store can give every layer: a layer that does not match its
            // record is damage (the daemon's export is rebuilt from the same files and fails
            // too), and decoded layers may already be merged, so it is an error, not a fallback.
            Ok(Place::Layers(found)) => super::load(found, reference, opts).map(|l| Route::Read(Box::new(l))),
            Ok(Place::Containerd(root, target)) => {
                crate::source::read_containerd(&root, &target, reference, opts).map(|l| Route::Read(Box::new(l)))
            }
            Err(why) => Ok(Route::Export(why.map(|reason| {
                format!("read {name} through the daemon's export: {reason}; {HINT}")
            }))),
        },
    }
}

/// Where a daemon's image is read in place.
enum Place {
    /// Layers rebuilt from tar-split records and files (overlay2, containers/storage).
    Layers(Found),
    /// Blobs of containerd's content store (Docker's containerd image store).
    Containerd(std::path::PathBuf, containerd::Target),
}

/// The image in the store the daemon names, every layer openable; else why not (`None` when
/// the daemon itself cannot answer: the export that follows says what is wrong).
fn usable(engine: Engine, name: &str, reference: &str) -> std::result::Result<Place, Option<String>> {
    let info = daemon::store_info(engine, name, reference).map_err(|_| None)?;
    if info.containerd {
        return containerd::in_docker(&info.root, &info.id)
            .map(|(root, target)| Place::Containerd(root, target))
            .map_err(|e| Some(e.to_string()));
    }
    let hex = |s: &str| s.strip_prefix("sha256:").unwrap_or(s).to_string();
    let other = || Error::Storage {
        root: info.root.clone(),
        reason: format!("{name:?} names another image in the store than in the daemon"),
    };
    let found = if let Some(driver) = containers::DRIVERS.into_iter().find(|d| *d == info.driver)
        && containers::driver_of(&info.root).is_some()
    {
        containers::image(&info.root, driver, name).and_then(|found| {
            if hex(&found.config_digest) == hex(&info.id) {
                Ok(found)
            } else {
                Err(other())
            }
        })
    } else if info.driver == "overlay2" {
        let id = format!("sha256:{}", hex(&info.id));
        // Tags as `docker save NAME` lists them; a name the store cannot map reads as the export.
        docker::find(&info.root, name).and_then(|(named, tags)| {
            if named != id {
                return Err(other());
            }
            let mut found = docker::image(&info.root, &id)?;
            found.tags = tags;
            Ok(found)
        })
    } else {
        return Err(Some(format!(
            "the daemon's storage driver is {:?}; deadweight reads Docker's overlay2 and containers/storage's \
             overlay and vfs in place",
            info.driver
        )));
    };
    found
        .and_then(|found| super::check(&found).map(|()| Place::Layers(found)))
        .map_err(|e| Some(e.to_string()))
}
