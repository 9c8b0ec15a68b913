//! The groups the layer rules gather versions into, keyed by the layer to blame and the other
//! layer involved, and what a version stored again changed. Data shapes only: no rule decides
//! anything here.

use std::collections::BTreeMap;

use super::Evidence;
use crate::model::{Version, VersionId};

/// The versions a finding is about, and each one's path and bytes.
pub type Group = (Vec<VersionId>, Vec<Evidence>);

/// Adds a version and its path to the group of `key`.
pub fn push(
    groups: &mut BTreeMap<(usize, usize), Group>,
    key: (usize, usize),
    id: VersionId,
    path: String,
    bytes: u64,
) {
    let g = groups.entry(key).or_default();
    g.0.push(id);
    g.1.push(Evidence::new(path, bytes));
}

/// Groups keyed `(layer, other layer)` gathered per layer: a finding is per rule and layer, and
/// names every other layer involved.
pub fn per_layer(groups: BTreeMap<(usize, usize), Group>) -> BTreeMap<usize, Vec<(usize, Group)>> {
    let mut out: BTreeMap<usize, Vec<(usize, Group)>> = BTreeMap::new();
    for ((layer, other), group) in groups {
        out.entry(layer).or_default().push((other, group));
    }
    out
}

/// The versions and paths of several groups as one.
pub fn joined(groups: Vec<(usize, Group)>) -> Group {
    let (mut versions, mut paths) = (Vec::new(), Vec::new());
    for (_, (v, p)) in groups {
        versions.extend(v);
        paths.extend(p);
    }
    (versions, paths)
}

/// What a version stored again changed against the one before it (the bytes never did).
#[derive(Debug, Default, Clone, Copy)]
pub struct Changed {
    /// Owner or group.
    pub owner: bool,
    /// Permission bits.
    pub mode: bool,
}

impl Changed {
    /// What `new` changed against `old`.
    pub fn between(old: &Version, new: &Version) -> Self {
        Changed {
            owner: (old.uid, old.gid) != (new.uid, new.gid),
            mode: old.mode & 0o7777 != new.mode & 0o7777,
        }
    }

    /// Nothing a listing shows: bytes, owner and mode are the same.
    pub fn nothing(self) -> bool {
        !self.owner && !self.mode
    }

    /// What changed, in words.
    pub fn words(self) -> &'static str {
        match (self.owner, self.mode) {
            (true, true) => "new owner and mode",
            (true, false) => "new owner",
            _ => "new mode",
        }
    }
}
