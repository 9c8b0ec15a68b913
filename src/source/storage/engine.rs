//! Decides, for a daemon image (`docker://NAME`, a bare name), whether it is read in place from
//! the engine's store or through the daemon's export, and says why in one line when it is the
//! export. The store is the one `--storage DIR` names (no daemon asked; failures are errors),
//! else the one the daemon's info names (`DockerRootDir`, the image's `GraphDriver`): Docker's
//! overlay2 or containers/storage's overlay (Podman's service names its graph root there). Reaches
//! the daemon only through `daemon`'s functions.

use super::{StorageChoice, containers, docker};
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
            } else {
                return Err(Error::Storage {
                    root: root.clone(),
                    reason: "neither a Docker data root (image/) nor a containers/storage graph root \
                             (overlay-images/)"
                        .into(),
                });
            };
            super::load(found, reference, opts).map(|l| Route::Read(Box::new(l)))
        }
        StorageChoice::Auto => Ok(auto(engine, name, reference, opts)),
    }
}

fn auto(engine: Engine, name: &str, reference: &str, opts: &LoadOptions) -> Route {
    let why = |reason: String| {
        Route::Export(Some(format!(
            "read {name} through the daemon's export: {reason}; {HINT}"
        )))
    };
    let info = match daemon::store_info(engine, name, reference) {
        Ok(info) => info,
        // The export that follows says what is wrong with the daemon or the name.
        Err(_) => return Route::Export(None),
    };
    if let Some(driver) = containers::DRIVERS.into_iter().find(|d| *d == info.driver)
        && containers::driver_of(&info.root).is_some()
    {
        return match containers::image(&info.root, driver, name).and_then(|found| {
            let hex = |s: &str| s.strip_prefix("sha256:").unwrap_or(s).to_string();
            if hex(&found.config_digest) != hex(&info.id) {
                return Err(Error::Storage {
                    root: info.root.clone(),
                    reason: format!("{name:?} names another image in the store than in the daemon"),
                });
            }
            super::load(found, reference, opts)
        }) {
            Ok(loaded) => Route::Read(Box::new(loaded)),
            Err(e) => why(e.to_string()),
        };
    }
    if info.driver != "overlay2" {
        return why(format!(
            "the daemon's storage driver is {:?}; deadweight reads Docker's overlay2 and containers/storage's \
             overlay and vfs in place",
            info.driver
        ));
    }
    let attempt = || -> Result<Loaded> {
        let id = if info.id.starts_with("sha256:") {
            info.id.clone()
        } else {
            format!("sha256:{}", info.id)
        };
        let mut found = docker::image(&info.root, &id)?;
        // Tags as `docker save NAME` lists them; a name the store cannot map reads as the export.
        let (named, tags) = docker::find(&info.root, name)?;
        if named != id {
            return Err(Error::Storage {
                root: info.root.clone(),
                reason: format!("{name:?} names another image in the store than in the daemon"),
            });
        }
        found.tags = tags;
        super::load(found, reference, opts)
    };
    match attempt() {
        Ok(loaded) => Route::Read(Box::new(loaded)),
        Err(e) => why(e.to_string()),
    }
}
