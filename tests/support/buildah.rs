//! buildah's image store as the tests share it: builds run side by side, but an image is
//! removed only while no build runs (`buildah rmi` while another build looks for cached layers
//! fails that build with "layer not known"). Every test that builds with buildah takes
//! [`building`], and removes its images through [`Images`].

use std::process::Command;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

/// buildah's image store: builds share it, a removal has it alone. `buildah rmi` while another
/// build looks for cached layers fails that build ("layer not known").
static STORE: RwLock<()> = RwLock::new(());

/// Held while building (and while `fix --verify` builds): no [`Images`] is removed meanwhile.
/// Take it after making the [`Images`] guard, so that a failing test drops it first.
pub fn building() -> RwLockReadGuard<'static, ()> {
    STORE.read().unwrap_or_else(PoisonError::into_inner)
}

/// Removes the buildah images it names when dropped (also when the test fails), once no build
/// runs.
pub struct Images(pub Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        let _alone = STORE.write().unwrap_or_else(PoisonError::into_inner);
        for tag in &self.0 {
            let _ = Command::new("buildah").args(["rmi", "-f", tag]).output();
        }
    }
}
