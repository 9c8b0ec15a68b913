//! The file tree's filters: the path filter (a substring of the absolute path, smart case,
//! computed over the whole arena once and then narrowed as the user types) and the size and
//! change-kind filters' settings. Produces node sets; knows nothing of rows or drawing.

use deadweight::model::{NodeId, Tree};

use super::nodes::{BitSet, Hidden, Index};

/// The filters of the file tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Substring of the path (case-insensitive unless it has capitals); empty: no filter.
    pub path: String,
    /// Entries below this many bytes are hidden; 0: no filter.
    pub min_size: u64,
    /// Change kinds hidden.
    pub hidden: Hidden,
}

impl Filters {
    /// True when any filter is active.
    pub fn active(&self) -> bool {
        !self.path.is_empty() || self.min_size > 0 || !self.hidden.none()
    }
}

fn contains(hay: &[u8], needle: &[u8], fold: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    if fold {
        hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
    } else {
        hay.windows(needle.len()).any(|w| w == needle)
    }
}

/// The nodes whose absolute path contains `pattern` (smart case: case-insensitive unless the
/// pattern has a capital). A match of a directory's path is a match of everything below it.
pub fn path_matches(tree: &Tree, index: &Index, pattern: &str) -> BitSet {
    path_matches_within(tree, index, pattern, None)
}

/// [`path_matches`], looking only at the members of `within` when given: the matches of a
/// pattern that contains `pattern` are a subset of its matches, so typing one more character
/// costs the previous matches, not the whole tree.
pub fn path_matches_within(tree: &Tree, index: &Index, pattern: &str, within: Option<&BitSet>) -> BitSet {
    let n = tree.len();
    let mut out = BitSet::new(n);
    let pat = pattern.as_bytes();
    let fold = !pat.iter().any(u8::is_ascii_uppercase);
    let has_slash = pat.contains(&b'/');
    let mut tail: Vec<u8> = Vec::new();
    let mut test = |id: usize, out: &BitSet| {
        let p = index.parents.get(id).map_or(0, |&p| p as usize);
        out.get(p)
            || if has_slash {
                path_tail(
                    tree,
                    index,
                    id as NodeId,
                    pat.len() + tree.name(id as NodeId).len(),
                    &mut tail,
                );
                contains(&tail, pat, fold)
            } else {
                contains(tree.name(id as NodeId), pat, fold)
            }
    };
    match within {
        Some(w) => {
            for id in w.iter().filter(|&id| id > 0 && id < n) {
                if test(id, &out) {
                    out.set(id, true);
                }
            }
        }
        None => {
            for id in 1..n {
                if test(id, &out) {
                    out.set(id, true);
                }
            }
        }
    }
    out
}

/// The last `at_least` bytes (or the whole) of the absolute path of `id`, into `buf`.
fn path_tail(tree: &Tree, index: &Index, id: NodeId, at_least: usize, buf: &mut Vec<u8>) {
    let mut parts: Vec<NodeId> = Vec::new();
    let (mut cur, mut len) = (id, 0usize);
    while cur != Tree::ROOT && len < at_least + 1 {
        parts.push(cur);
        len += tree.name(cur).len() + 1;
        cur = index.parents.get(cur as usize).copied().unwrap_or(Tree::ROOT);
    }
    buf.clear();
    for &p in parts.iter().rev() {
        buf.push(b'/');
        buf.extend_from_slice(tree.name(p));
    }
}
