//! The state of every node of the merged tree for one (layer, view) pair, and which nodes pass
//! the filters. Computed in a few linear passes over the arena (node ids grow from parent to
//! child, so one reverse pass sums directory sizes) and only when the layer, the view or a
//! filter changes: never on a cursor move. Reads the tree; owns no rows and draws nothing.

use deadweight::model::tree::live_at;
use deadweight::model::{Change, EntryKind, HiddenHow, NodeId, Tree};

/// How an entry stands in the selected layer's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mark {
    /// Not part of the view.
    #[default]
    Absent,
    /// Present, unchanged since a lower layer.
    Kept,
    /// Added by the selected layer (or a directory it created implicitly).
    Added,
    /// Content (or entry type) changed by the selected layer.
    Modified,
    /// Same content stored again with other mode or owner: a chmod/chown copy.
    Metadata,
    /// Same content and metadata stored again.
    Unchanged,
    /// Deleted by the selected layer (whiteout or opaque directory).
    Deleted,
    /// A directory shown only because something below it is.
    Context,
}

impl Mark {
    /// The one-character marker drawn before an entry (meaningful without colour).
    pub fn symbol(self) -> char {
        match self {
            Mark::Added => '+',
            Mark::Modified => '~',
            Mark::Metadata => '*',
            Mark::Unchanged => '=',
            Mark::Deleted => '-',
            Mark::Absent | Mark::Kept | Mark::Context => ' ',
        }
    }

    fn of(change: Change) -> Mark {
        match change {
            Change::Added | Change::Implicit => Mark::Added,
            Change::Modified => Mark::Modified,
            Change::Metadata => Mark::Metadata,
            Change::Unchanged => Mark::Unchanged,
            Change::Deleted | Change::Opaque => Mark::Deleted,
        }
    }
}

/// What the file tree shows for the selected layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewMode {
    /// Only what the selected layer added, changed or deleted (dive's ctrl+l).
    Changes,
    /// The filesystem as of the selected layer, all layers up to it (dive's ctrl+a).
    Cumulative,
}

/// A fixed-size set of node ids.
#[derive(Debug, Clone, Default)]
pub struct BitSet(Vec<u64>);

impl BitSet {
    /// An empty set for ids below `n`.
    pub fn new(n: usize) -> Self {
        Self(vec![0; n.div_ceil(64)])
    }

    /// Empties the set and sizes it for ids below `n`, reusing the allocation.
    pub fn reset(&mut self, n: usize) {
        self.0.clear();
        self.0.resize(n.div_ceil(64), 0);
    }

    /// True when `i` is in the set (false beyond its size).
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Puts `i` in the set or takes it out.
    pub fn set(&mut self, i: usize, on: bool) {
        if let Some(w) = self.0.get_mut(i / 64) {
            if on {
                *w |= 1 << (i % 64);
            } else {
                *w &= !(1 << (i % 64));
            }
        }
    }

    /// Number of members.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The members in increasing order (skips empty words, so sparse sets are cheap).
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let b = w.trailing_zeros() as usize;
                    w &= w - 1;
                    i * 64 + b
                })
            })
        })
    }
}

/// The fields of a version the views need, 16 bytes instead of the tree's ~56, so the linear
/// pass on a layer or view change reads a third of the memory.
#[derive(Debug, Clone, Copy)]
pub struct Compact {
    /// Content bytes (regular files), else 0.
    pub size: u64,
    /// The node.
    pub node: NodeId,
    /// Layer that stored it.
    pub layer: u16,
    /// Layer that hid it, or `deadweight::model::tree::NOT_HIDDEN`.
    pub hidden_by: u16,
}

const ENTRY: u8 = 1;
const OVERWRITTEN: u8 = 2;

/// Facts about the tree computed once: each node's parent, and the versions in compact form.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Parent of each node; the root's is itself.
    pub parents: Vec<NodeId>,
    /// Entry versions (whiteout and opaque records left out), in merge order.
    pub versions: Vec<Compact>,
    /// Per compact version: its mark when its own layer is selected.
    pub marks: Vec<Mark>,
    /// Per compact version: `ENTRY | OVERWRITTEN` bits.
    flags: Vec<u8>,
}

impl Index {
    /// Indexes `tree`.
    pub fn new(tree: &Tree) -> Self {
        let parents = (0..tree.len() as NodeId)
            .map(|id| tree.parent(id).unwrap_or(Tree::ROOT))
            .collect();
        let entries = tree.versions().iter().filter(|v| v.is_entry());
        let n = entries.clone().count();
        let (mut versions, mut marks, mut flags) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for v in entries {
            versions.push(Compact {
                size: if v.kind == EntryKind::File { v.size } else { 0 },
                node: v.node,
                layer: v.layer,
                hidden_by: v.hidden_by,
            });
            marks.push(Mark::of(v.change));
            flags.push(
                ENTRY
                    | if v.hidden_how == HiddenHow::Overwrite {
                        OVERWRITTEN
                    } else {
                        0
                    },
            );
        }
        Self {
            parents,
            versions,
            marks,
            flags,
        }
    }
}

/// Which change kinds the tree hides (dive's ctrl+a/r/m/u toggles).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hidden {
    /// Hide added entries.
    pub added: bool,
    /// Hide deleted entries.
    pub removed: bool,
    /// Hide modified entries (content or metadata).
    pub modified: bool,
    /// Hide unmodified entries.
    pub unmodified: bool,
}

impl Hidden {
    /// True when `mark` is hidden by these toggles.
    pub fn hides(&self, mark: Mark) -> bool {
        match mark {
            Mark::Added => self.added,
            Mark::Deleted => self.removed,
            Mark::Modified | Mark::Metadata => self.modified,
            Mark::Kept | Mark::Unchanged => self.unmodified,
            Mark::Absent | Mark::Context => true,
        }
    }

    /// True when nothing is hidden.
    pub fn none(&self) -> bool {
        *self == Self::default()
    }
}

/// Per-node size and mark for one (layer, view).
#[derive(Debug, Clone, Default)]
pub struct NodeStates {
    /// Content bytes at or below each node, in this view.
    pub size: Vec<u64>,
    /// How each node stands in this view.
    pub mark: Vec<Mark>,
}

impl NodeStates {
    /// Recomputes every node for `layer` in `mode`, reusing the allocations. In the changes
    /// view a directory's size counts everything the layer wrote or deleted below it; in the
    /// cumulative view it counts the visible bytes only (deleted rows show their own bytes).
    pub fn compute(&mut self, tree: &Tree, index: &Index, layer: u16, mode: ViewMode) {
        let n = tree.len();
        self.size.clear();
        self.size.resize(n, 0);
        self.mark.clear();
        self.mark.resize(n, Mark::Absent);
        let (size, mark) = (&mut self.size, &mut self.mark);
        for ((v, &own), &flags) in index.versions.iter().zip(&index.marks).zip(&index.flags) {
            let node = v.node as usize;
            if node >= n || flags & ENTRY == 0 {
                continue;
            }
            let present = match mode {
                ViewMode::Cumulative => live_at(v.layer, v.hidden_by, layer),
                ViewMode::Changes => v.layer == layer,
            };
            if present {
                mark[node] = if v.layer == layer { own } else { Mark::Kept };
                size[node] = v.size;
            } else if v.hidden_by == layer && flags & OVERWRITTEN == 0 && mark[node] == Mark::Absent {
                mark[node] = Mark::Deleted;
                size[node] = v.size;
            }
        }
        for id in (1..n).rev() {
            let m = mark[id];
            if m == Mark::Absent {
                continue;
            }
            let p = index.parents.get(id).map_or(0, |&p| p as usize);
            if mark[p] == Mark::Absent {
                mark[p] = Mark::Context;
            }
            if mode == ViewMode::Changes || m != Mark::Deleted || mark[p] == Mark::Deleted {
                size[p] += size[id];
            }
        }
        if let Some(root) = mark.first_mut()
            && *root == Mark::Absent
        {
            *root = Mark::Context;
        }
    }
}

#[cfg(test)]
mod tests;
