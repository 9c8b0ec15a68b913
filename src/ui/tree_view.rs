//! The file tree's component: everything the tree pane shows for a (layer, view) pair and
//! how it gets there. It owns the view mode, sort, attribute columns, filters, the parent
//! index, the node states (with a small cache of recent layers), the path-filter matches, the
//! set of shown nodes and the visible-row cache with its cursor. Every change goes through its
//! methods, so the expensive caches are refreshed exactly when their inputs change (layer,
//! view, filter, sort) and never on a cursor move. It does not know which layer the layers
//! pane selects (the caller passes it), nor the pane layout (the caller passes the height).

use std::sync::Arc;

use deadweight::analysis::Analysis;
use deadweight::model::{NodeId, Tree};

use super::filter::{self, Filters, PatternKind};
use super::nodes::{BitSet, Index, NodeStates, ViewMode};
use super::rows::{Ctx, Rows, Sort};

/// How many (layer, view) node states are kept besides the current one.
const STATE_CACHE: usize = 3;

/// The file tree's state.
pub struct TreeView {
    /// What is shown (shared with the app).
    analysis: Arc<Analysis>,
    /// Changes of the layer, or everything up to it.
    pub view: ViewMode,
    /// Sibling order of the tree.
    pub sort: Sort,
    /// Show mode and owner columns.
    pub attrs: bool,
    /// Tree filters.
    pub filters: Filters,
    /// Parents, computed once.
    pub index: Index,
    /// Sizes and marks for (layer, view).
    pub states: NodeStates,
    /// Path filter matches, when a path filter is set.
    pub path_match: Option<BitSet>,
    /// Recent path filters and their matches, newest last (typing narrows the last one;
    /// backspace finds the previous one here).
    path_cache: Vec<(String, BitSet)>,
    /// Nodes passing all filters.
    pub shown: BitSet,
    /// The visible-row cache and tree cursor.
    pub rows: Rows,
    /// Characters the names are scrolled to the left by (long paths).
    pub hscroll: usize,
    /// Lines of the pane the rows are drawn in (the cursor is kept within them).
    height: usize,
    /// Node-state recomputations so far (layer or view changes not found in the cache).
    pub recomputes: u64,
    /// Node states of recently shown (layer, view) pairs, so flipping back costs no pass.
    state_cache: Vec<(usize, ViewMode, NodeStates)>,
    /// The (layer, view) that `states` holds.
    states_key: Option<(usize, ViewMode)>,
}

impl TreeView {
    /// The cumulative view of `layer`, sorted by size, with no filter.
    pub fn new(analysis: Arc<Analysis>, layer: usize) -> Self {
        let index = Index::new(&analysis.tree);
        let n = analysis.tree.len();
        let mut view = Self {
            view: ViewMode::Cumulative,
            sort: Sort::Size,
            attrs: false,
            filters: Filters::default(),
            index,
            states: NodeStates::default(),
            path_match: None,
            path_cache: Vec::new(),
            shown: BitSet::new(n),
            rows: Rows::new(n),
            height: 0,
            hscroll: 0,
            recomputes: 0,
            state_cache: Vec::new(),
            states_key: None,
            analysis,
        };
        view.show_layer(layer);
        view
    }

    /// The node under the cursor.
    pub fn selected(&self) -> Option<NodeId> {
        self.rows.selected()
    }

    /// What the row builder reads.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            tree: &self.analysis.tree,
            states: &self.states,
            shown: &self.shown,
            sort: self.sort,
        }
    }

    /// The layer the node states are for.
    fn layer(&self) -> usize {
        self.states_key.map_or(0, |(l, _)| l)
    }

    /// Brings the node states to `layer` in the current view, from the cache or by one pass
    /// over the tree, then reapplies the filters and rebuilds the rows. Nothing happens when
    /// they are already there.
    pub fn show_layer(&mut self, layer: usize) {
        let key = (layer, self.view);
        if self.states_key == Some(key) {
            return;
        }
        let cached = self.state_cache.iter().position(|(l, v, _)| (*l, *v) == key);
        let mut states = match cached {
            Some(i) => self.state_cache.remove(i).2,
            None => {
                self.recomputes += 1;
                self.compute_states(key)
            }
        };
        std::mem::swap(&mut states, &mut self.states);
        if let Some((l, v)) = self.states_key.replace(key) {
            self.state_cache.push((l, v, states));
        }
        self.refilter();
    }

    /// The node states of `(layer, view)`, computed in the oldest cached allocation when the
    /// cache is full (which drops that entry), else in a new one.
    fn compute_states(&mut self, (layer, view): (usize, ViewMode)) -> NodeStates {
        let mut s = if self.state_cache.len() >= STATE_CACHE {
            self.state_cache.remove(0).2
        } else {
            NodeStates::default()
        };
        let layer = u16::try_from(layer).unwrap_or(u16::MAX - 1);
        s.compute(&self.analysis.tree, &self.index, layer, view);
        s
    }

    /// Work for idle moments: computes the node states of one layer next to the shown one
    /// (below first, then above) into the cache, so that `]` and `[` find them ready instead of
    /// paying a pass over every version (13 ms at a million entries). Returns false when both
    /// neighbours are already cached, so an idle loop stops calling it.
    pub fn prefetch(&mut self, layer_count: usize) -> bool {
        let layer = self.layer();
        for l in [layer + 1, layer.wrapping_sub(1)] {
            let key = (l, self.view);
            let cached = |c: &[(usize, ViewMode, NodeStates)]| c.iter().any(|(l, v, _)| (*l, *v) == key);
            if l >= layer_count || cached(&self.state_cache) {
                continue;
            }
            let s = self.compute_states(key);
            self.state_cache.push((l, self.view, s));
            return true;
        }
        false
    }

    /// Switches between the layer's changes and everything up to it.
    pub fn set_view(&mut self, view: ViewMode) {
        if view != self.view {
            self.view = view;
            self.show_layer(self.layer());
        }
    }

    /// Reapplies the filters to the current node states, then rebuilds the rows.
    pub fn refilter(&mut self) {
        filter::shown(
            &self.states,
            &self.index,
            &self.filters,
            self.path_match.as_ref(),
            &mut self.shown,
        );
        self.rebuild_rows();
    }

    /// Rebuilds the rows (after a sort change), keeping the cursor on the same node.
    pub fn rebuild_rows(&mut self) {
        let keep = self.rows.selected();
        let mut rows = std::mem::take(&mut self.rows);
        rows.rebuild(&self.ctx(), keep);
        self.rows = rows;
        self.fit();
    }

    /// Sets the path filter (empty clears it).
    pub fn set_path_filter(&mut self, text: &str) {
        if text == self.filters.path {
            return;
        }
        self.filters.path = text.to_string();
        self.path_match = (!text.is_empty()).then(|| self.path_matches(text));
        self.refilter();
    }

    /// The matches of a path filter, from the cache, or narrowed from a cached filter that the
    /// new one contains, or computed over the whole tree.
    fn path_matches(&mut self, text: &str) -> BitSet {
        if let Some((_, m)) = self.path_cache.iter().find(|(p, _)| p == text) {
            return m.clone();
        }
        // Narrowing holds for substrings only: a regex or glob one character longer may match more.
        let text_kind = |t: &str| PatternKind::of(t) == PatternKind::Text;
        let base = self
            .path_cache
            .iter()
            .rev()
            .find(|(p, _)| text_kind(text) && text_kind(p) && text.contains(p.as_str()));
        let m = filter::path_matches_within(&self.analysis.tree, &self.index, text, base.map(|(_, m)| m));
        if self.path_cache.len() >= 16 {
            self.path_cache.remove(0);
        }
        self.path_cache.push((text.to_string(), m.clone()));
        m
    }

    /// How many entries pass every filter, not counting the directories shown only as the way
    /// to them (what a filter found, however folded the tree is).
    pub fn matching_entries(&self) -> usize {
        let context = |id: usize| self.states.mark.get(id) == Some(&super::nodes::Mark::Context);
        match &self.path_match {
            Some(m) => m
                .iter()
                .filter(|&id| id != 0 && self.shown.get(id) && !context(id))
                .count(),
            None => self.shown.iter().filter(|&id| id != 0 && !context(id)).count(),
        }
    }

    /// Sets the smallest size shown (0 clears it).
    pub fn set_min_size(&mut self, bytes: u64) {
        if bytes != self.filters.min_size {
            self.filters.min_size = bytes;
            self.refilter();
        }
    }

    /// Clears every filter.
    pub fn clear_filters(&mut self) {
        self.filters = Filters::default();
        self.path_match = None;
        self.refilter();
    }

    /// Switches the sort between size and name.
    pub fn toggle_sort(&mut self) {
        self.sort = match self.sort {
            Sort::Size => Sort::Name,
            Sort::Name => Sort::Size,
        };
        self.rebuild_rows();
    }

    /// Expands the directory at row `i`.
    pub fn expand_row(&mut self, i: usize) {
        let mut rows = std::mem::take(&mut self.rows);
        rows.expand(&self.ctx(), i);
        self.rows = rows;
    }

    /// Collapses the directory at row `i`.
    pub fn collapse_row(&mut self, i: usize) {
        self.rows.collapse(i);
        self.fit();
    }

    /// True when the node at row `i` can be expanded or collapsed.
    pub fn row_has_children(&self, i: usize) -> bool {
        self.rows.rows.get(i).is_some_and(|r| self.ctx().has_children(r.node))
    }

    /// Collapses every directory, or expands every one when all are collapsed already.
    pub fn toggle_all(&mut self) {
        let n = self.analysis.tree.len();
        let collapsed = self.rows.expanded.count() <= 1;
        self.rows.expanded.reset(n);
        if collapsed {
            for id in 0..n {
                self.rows.expanded.set(id, true);
            }
        }
        self.rows.expanded.set(Tree::ROOT as usize, true);
        self.rebuild_rows();
    }

    /// Shows `node`: expands its ancestors and puts the cursor on it. Returns false when the
    /// node is not part of the current view and filters.
    pub fn reveal(&mut self, node: NodeId) -> bool {
        if !self.shown.get(node as usize) {
            return false;
        }
        let mut cur = node;
        while let Some(p) = self.analysis.tree.parent(cur) {
            self.rows.expanded.set(p as usize, true);
            cur = p;
        }
        let mut rows = std::mem::take(&mut self.rows);
        rows.rebuild(&self.ctx(), Some(node));
        self.rows = rows;
        self.fit();
        self.selected() == Some(node)
    }

    /// Sets the number of lines the rows are drawn in and keeps the cursor on screen.
    pub fn set_height(&mut self, height: usize) {
        self.height = height;
        self.fit();
    }

    /// Keeps the cursor inside the rows and its row on screen.
    pub fn fit(&mut self) {
        self.rows.clamp();
        self.rows.offset = super::layout::scroll(self.rows.offset, self.rows.cursor, self.height, self.rows.rows.len());
    }
}
