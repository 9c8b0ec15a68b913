//! Version groups keyed `(layer, other layer)`, shared by the layer-structure rules
//! (`layers`) and the wording of re-stored copies (`restored`), so that neither imports the
//! other's internals.

use std::collections::BTreeMap;

use crate::analysis::accounting::PathBytes;
use crate::model::VersionId;

/// The versions one finding covers, and their paths with bytes.
pub(super) type Group = (Vec<VersionId>, Vec<PathBytes>);

/// Groups keyed `(layer, other layer)` gathered per layer: a finding is per rule and layer, and
/// names every other layer involved.
pub(super) fn per_layer(groups: BTreeMap<(usize, usize), Group>) -> BTreeMap<usize, Vec<(usize, Group)>> {
    let mut out: BTreeMap<usize, Vec<(usize, Group)>> = BTreeMap::new();
    for ((layer, other), group) in groups {
        out.entry(layer).or_default().push((other, group));
    }
    out
}

/// The versions and paths of several groups as one.
pub(super) fn joined(groups: Vec<(usize, Group)>) -> Group {
    let (mut versions, mut paths) = (Vec::new(), Vec::new());
    for (_, (v, p)) in groups {
        versions.extend(v);
        paths.extend(p);
    }
    (versions, paths)
}
