//! The visible-row cache of the file tree: one [`Row`] (node id, depth, tree guides) per line
//! the tree pane can show, built by walking only expanded directories, plus the expanded-set
//! bitset, the cursor and the scroll offset. Expanding or collapsing splices the rows of one
//! directory in or out; a full rebuild happens only when the view, the filters or the sort
//! change. Cursor moves never touch the rows. Reads node states; draws nothing.

use deadweight::model::{NodeId, Tree};

use super::nodes::{BitSet, NodeStates};

/// How siblings are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Largest first, then by name (the default).
    Size,
    /// By name, bytewise.
    Name,
}

/// One line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The node shown.
    pub node: NodeId,
    /// Depth below the root (children of `/` are at 0).
    pub depth: u16,
    /// True when the node is its parent's last shown child.
    pub last: bool,
    /// Bit `d` set: the ancestor at depth `d` has later siblings (draw `│` in that column).
    pub guides: u64,
}

/// What the row builder reads.
pub struct Ctx<'a> {
    /// The merged tree.
    pub tree: &'a Tree,
    /// Sizes and marks of the view.
    pub states: &'a NodeStates,
    /// The nodes that pass the filters.
    pub shown: &'a BitSet,
    /// Sibling order.
    pub sort: Sort,
}

impl Ctx<'_> {
    /// The shown children of `node`, in display order, into `out`.
    pub fn children(&self, node: NodeId, out: &mut Vec<NodeId>) {
        out.clear();
        out.extend(self.tree.children(node).filter(|&c| self.shown.get(c as usize)));
        let size = |c: NodeId| self.states.size.get(c as usize).copied().unwrap_or(0);
        match self.sort {
            Sort::Size => out.sort_unstable_by(|&a, &b| {
                size(b)
                    .cmp(&size(a))
                    .then_with(|| self.tree.name(a).cmp(self.tree.name(b)))
            }),
            Sort::Name => out.sort_unstable_by(|&a, &b| self.tree.name(a).cmp(self.tree.name(b))),
        }
    }

    /// True when `node` has at least one shown child.
    pub fn has_children(&self, node: NodeId) -> bool {
        self.tree.children(node).any(|c| self.shown.get(c as usize))
    }
}

/// The row cache and the tree pane's cursor.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// The lines, top to bottom.
    pub rows: Vec<Row>,
    /// Expanded directories (the root always is).
    pub expanded: BitSet,
    /// Index of the selected row.
    pub cursor: usize,
    /// Index of the first row on screen.
    pub offset: usize,
    /// Full rebuilds done so far (tests check that cursor moves do none).
    pub rebuilds: u64,
}

impl Rows {
    /// An empty cache for a tree of `nodes` nodes, root expanded.
    pub fn new(nodes: usize) -> Self {
        let mut expanded = BitSet::new(nodes);
        expanded.set(Tree::ROOT as usize, true);
        Self {
            expanded,
            ..Self::default()
        }
    }

    /// The selected node, if any row exists.
    pub fn selected(&self) -> Option<NodeId> {
        self.rows.get(self.cursor).map(|r| r.node)
    }

    /// Rebuilds every row, keeping the cursor on `keep` or its nearest shown ancestor.
    pub fn rebuild(&mut self, ctx: &Ctx<'_>, keep: Option<NodeId>) {
        self.rebuilds += 1;
        self.rows.clear();
        let rows = subtree(ctx, &self.expanded, Tree::ROOT, None);
        self.rows = rows;
        self.cursor = keep.and_then(|k| self.find_nearest(ctx.tree, k)).unwrap_or(0);
        self.clamp();
    }

    /// Index of the row of `node`, or of its nearest ancestor that has a row.
    pub fn find_nearest(&self, tree: &Tree, node: NodeId) -> Option<usize> {
        let mut chain = vec![node];
        let mut cur = node;
        while let Some(p) = tree.parent(cur) {
            chain.push(p);
            cur = p;
        }
        let mut best: Option<(usize, usize)> = None;
        for (i, r) in self.rows.iter().enumerate() {
            if let Some(rank) = chain.iter().position(|&c| c == r.node)
                && best.is_none_or(|(b, _)| rank < b)
            {
                best = Some((rank, i));
                if rank == 0 {
                    break;
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// True when the row at `i` is an expanded directory.
    pub fn is_expanded(&self, i: usize) -> bool {
        self.rows.get(i).is_some_and(|r| self.expanded.get(r.node as usize))
    }

    /// Expands the directory at row `i`: its rows are spliced in below it.
    pub fn expand(&mut self, ctx: &Ctx<'_>, i: usize) {
        let Some(&row) = self.rows.get(i) else { return };
        if self.expanded.get(row.node as usize) || !ctx.has_children(row.node) {
            return;
        }
        self.expanded.set(row.node as usize, true);
        let below = subtree(ctx, &self.expanded, row.node, Some(row));
        self.rows.splice(i + 1..i + 1, below);
    }

    /// Collapses the directory at row `i`: the rows below it are removed.
    pub fn collapse(&mut self, i: usize) {
        let Some(&row) = self.rows.get(i) else { return };
        if !self.expanded.get(row.node as usize) {
            return;
        }
        self.expanded.set(row.node as usize, false);
        let end = self.rows[i + 1..]
            .iter()
            .position(|r| r.depth <= row.depth)
            .map_or(self.rows.len(), |p| i + 1 + p);
        self.rows.drain(i + 1..end);
        if self.cursor > i && self.cursor < end {
            self.cursor = i;
        } else if self.cursor >= end {
            self.cursor -= end - i - 1;
        }
        self.clamp();
    }

    /// Index of the parent row of row `i`.
    pub fn parent_row(&self, i: usize) -> Option<usize> {
        let depth = self.rows.get(i)?.depth;
        (0..i).rev().find(|&j| self.rows[j].depth < depth)
    }

    /// Keeps the cursor inside the rows.
    pub fn clamp(&mut self) {
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }
}

/// The rows of everything shown below `node` through expanded directories. `parent` is the
/// row of `node` itself (`None` for the root).
fn subtree(ctx: &Ctx<'_>, expanded: &BitSet, node: NodeId, parent: Option<Row>) -> Vec<Row> {
    let mut out = Vec::new();
    let (depth, guides) = match parent {
        Some(r) => (r.depth + 1, child_guides(r)),
        None => (0, 0),
    };
    let mut kids = Vec::new();
    ctx.children(node, &mut kids);
    // Stack of (children in display order, next index, depth, guides for them).
    let mut stack: Vec<(Vec<NodeId>, usize, u16, u64)> = vec![(kids, 0, depth, guides)];
    while let Some((list, i, d, g)) = stack.last_mut() {
        let Some(&c) = list.get(*i) else {
            stack.pop();
            continue;
        };
        *i += 1;
        let row = Row {
            node: c,
            depth: *d,
            last: *i == list.len(),
            guides: *g,
        };
        out.push(row);
        if expanded.get(c as usize) {
            let mut kids = Vec::new();
            ctx.children(c, &mut kids);
            if !kids.is_empty() {
                stack.push((kids, 0, row.depth + 1, child_guides(row)));
            }
        }
    }
    out
}

/// The guides of the children of `row`.
fn child_guides(row: Row) -> u64 {
    if row.depth < 64 && !row.last {
        row.guides | (1 << row.depth)
    } else {
        row.guides
    }
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    /// Splicing rows in and out must give exactly what a full rebuild gives.
    #[test]
    fn incremental_expand_and_collapse_equal_a_rebuild() {
        let mut a = app(160, 48);
        let mut seed = 7u64;
        for step in 0..300 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = a.files.rows.rows.len().max(1);
            let i = (seed as usize) % n;
            if a.files.rows.is_expanded(i) {
                a.files.collapse_row(i);
            } else {
                a.files.expand_row(i);
            }
            if step % 50 == 0 {
                press(&mut a, "o");
            }
            let incremental = a.files.rows.rows.clone();
            a.files.rebuild_rows();
            assert_eq!(incremental, a.files.rows.rows, "step {step}");
        }
    }
}
