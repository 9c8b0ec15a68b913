//! The final filesystem's bytes per top-level directory (`/usr`, `/app`): a result of the analysis
//! like the other totals, carried in [`super::Analysis`] so the JSON report, the diff and the
//! UI read one computation. Reads the merged tree only.

use serde::{Deserialize, Serialize};

use crate::model::EntryKind;
use crate::model::tree::Tree;

/// Content bytes and regular files below one top-level directory of the final filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirBytes {
    /// `/usr`, `/app`, ..., or `/` for the files directly at the root.
    pub path: String,
    /// Content bytes of the visible regular files below it.
    pub bytes: u64,
    /// Visible regular files below it.
    pub files: u64,
}

/// Content bytes and regular files of the final filesystem per top-level directory, by path
/// (the report's `directories`, and a diff's image side). Files directly at the root count under
/// `/` alone (not its subdirectories' bytes), so the list adds up to the final filesystem and no
/// file is listed as if it were a directory.
pub fn top_level(tree: &Tree) -> Vec<DirBytes> {
    let mut by_top: std::collections::BTreeMap<u32, (u64, u64)> = std::collections::BTreeMap::new();
    for v in tree
        .versions()
        .iter()
        .filter(|v| v.in_final() && v.kind == EntryKind::File)
    {
        let mut top = v.node;
        while let Some(parent) = tree.parent(top).filter(|&p| p != Tree::ROOT) {
            top = parent;
        }
        if top == v.node {
            top = Tree::ROOT; // a file at the root: counted under `/` itself
        }
        let e = by_top.entry(top).or_default();
        e.0 += v.size;
        e.1 += 1;
    }
    let mut out: Vec<DirBytes> = by_top
        .into_iter()
        .map(|(node, (bytes, files))| DirBytes {
            path: if node == Tree::ROOT {
                "/".to_string()
            } else {
                tree.path(node)
            },
            bytes,
            files,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
