//! The TUI's whole state: selected layer, focus, view mode, filters, sort, the node states of
//! the view, the visible-row cache, list cursors, prompt, search and help. Every change goes
//! through the methods here so that the expensive caches are refreshed exactly when their
//! inputs change (layer, view, filter, sort) and never on a cursor move. Owns no terminal and
//! draws nothing; `update` drives it, the panes read it.

use std::sync::Arc;

use deadweight::analysis::Analysis;
use deadweight::model::{NodeId, Tree};
use ratatui::layout::Rect;

use super::layout::{self, Areas};
use super::nodes::{self, BitSet, Filters, Index, NodeStates, ViewMode};
use super::packages::PackageRow;
use super::rows::{Ctx, Rows, Sort};
use super::theme::Theme;

/// Which pane receives keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The layer list.
    Layers,
    /// The main pane (file tree, findings or packages, by [`Tab`]).
    Main,
}

/// What the main pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The file tree.
    Files,
    /// The rules' findings.
    Findings,
    /// Installed packages.
    Packages,
}

/// What a prompt in the status bar edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// The path filter (applied as you type).
    Filter,
    /// A search over every path of every layer (on Enter).
    Search,
    /// The smallest size shown.
    MinSize,
}

/// A prompt being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// What it edits.
    pub kind: PromptKind,
    /// The text typed so far.
    pub text: String,
}

/// The result of a `/` search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// What was searched.
    pub query: String,
    /// Matching nodes, in path order.
    pub matches: Vec<NodeId>,
    /// The match shown last.
    pub current: usize,
}

/// A cursor over a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    /// Selected item.
    pub cursor: usize,
    /// First item on screen.
    pub offset: usize,
}

/// The state of the TUI.
pub struct App {
    /// What is shown.
    pub analysis: Arc<Analysis>,
    /// Styles.
    pub theme: Theme,
    /// The terminal's size.
    pub area: Rect,
    /// Pane receiving keys.
    pub focus: Focus,
    /// What the main pane shows.
    pub tab: Tab,
    /// Selected layer.
    pub layer: usize,
    /// Scroll offset of the layer list.
    pub layer_offset: usize,
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
    pub tree: Rows,
    /// Findings list cursor.
    pub findings: ListCursor,
    /// Packages list cursor.
    pub packages: ListCursor,
    /// Every package, largest first.
    pub package_rows: Vec<PackageRow>,
    /// The prompt being typed, if any.
    pub prompt: Option<Prompt>,
    /// The last search.
    pub search: Option<Search>,
    /// The help overlay's scroll position when it is open.
    pub help: Option<u16>,
    /// A one-line message for the status bar.
    pub message: Option<String>,
    /// Set when the user asked to quit.
    pub quit: bool,
    /// Node-state recomputations so far (layer or view changes not found in the cache).
    pub recomputes: u64,
    /// Node states of recently shown (layer, view) pairs, so flipping back costs no pass.
    state_cache: Vec<(usize, ViewMode, NodeStates)>,
    /// The (layer, view) that `states` holds.
    states_key: Option<(usize, ViewMode)>,
}

/// How many (layer, view) node states are kept besides the current one.
const STATE_CACHE: usize = 3;

impl App {
    /// A new state showing the final filesystem (the top layer, all layers up to it), sorted
    /// by size, for a terminal of `area`.
    pub fn new(analysis: Arc<Analysis>, theme: Theme, area: Rect) -> Self {
        let index = Index::new(&analysis.tree);
        let n = analysis.tree.len();
        let layer = analysis.layers().len().saturating_sub(1);
        let mut app = Self {
            package_rows: super::packages::rows(&analysis),
            theme,
            area,
            focus: Focus::Main,
            tab: Tab::Files,
            layer,
            layer_offset: 0,
            view: ViewMode::Cumulative,
            sort: Sort::Size,
            attrs: false,
            filters: Filters::default(),
            index,
            states: NodeStates::default(),
            path_match: None,
            path_cache: Vec::new(),
            shown: BitSet::new(n),
            tree: Rows::new(n),
            findings: ListCursor::default(),
            packages: ListCursor::default(),
            prompt: None,
            search: None,
            help: None,
            message: None,
            quit: false,
            recomputes: 0,
            state_cache: Vec::new(),
            states_key: None,
            analysis,
        };
        app.recompute();
        app.fit();
        app
    }

    /// Number of layers.
    pub fn layer_count(&self) -> usize {
        self.analysis.layers().len()
    }

    /// The pane rectangles for the current terminal size.
    pub fn areas(&self) -> Areas {
        layout::areas(self.area, self)
    }

    /// The node under the tree cursor.
    pub fn selected_node(&self) -> Option<NodeId> {
        self.tree.selected()
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

    /// Brings the node states to (layer, view), from the cache or by one pass over the tree,
    /// then reapplies the filters and rebuilds the rows.
    pub fn recompute(&mut self) {
        let key = (self.layer, self.view);
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

    /// Reapplies the filters to the current node states, then rebuilds the rows.
    pub fn refilter(&mut self) {
        nodes::shown(
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
        let keep = self.tree.selected();
        let mut rows = std::mem::take(&mut self.tree);
        rows.rebuild(&self.ctx(), keep);
        self.tree = rows;
        self.fit();
    }

    /// Selects layer `layer` (clamped) and refreshes the view.
    pub fn set_layer(&mut self, layer: usize) {
        let layer = layer.min(self.layer_count().saturating_sub(1));
        if layer != self.layer {
            self.layer = layer;
            self.recompute();
        }
        self.fit();
    }

    /// Work for idle moments: computes the node states of one layer next to the selected one
    /// (below first, then above) into the cache, so that `]` and `[` find them ready instead of
    /// paying a pass over every version (13 ms at a million entries). Returns false when both
    /// neighbours are already cached, so an idle loop stops calling it.
    pub fn prefetch(&mut self) -> bool {
        for layer in [self.layer + 1, self.layer.wrapping_sub(1)] {
            let key = (layer, self.view);
            let cached = |c: &[(usize, ViewMode, NodeStates)]| c.iter().any(|(l, v, _)| (*l, *v) == key);
            if layer >= self.layer_count() || cached(&self.state_cache) {
                continue;
            }
            let s = self.compute_states(key);
            self.state_cache.push((layer, self.view, s));
            return true;
        }
        false
    }

    /// Switches between the layer's changes and everything up to it.
    pub fn set_view(&mut self, view: ViewMode) {
        if view != self.view {
            self.view = view;
            self.recompute();
        }
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
        let base = self.path_cache.iter().rev().find(|(p, _)| text.contains(p.as_str()));
        let m = nodes::path_matches_within(&self.analysis.tree, &self.index, text, base.map(|(_, m)| m));
        if self.path_cache.len() >= 16 {
            self.path_cache.remove(0);
        }
        self.path_cache.push((text.to_string(), m.clone()));
        m
    }

    /// Sets the smallest size shown (0 clears it).
    pub fn set_min_size(&mut self, bytes: u64) {
        if bytes != self.filters.min_size {
            self.filters.min_size = bytes;
            self.refilter();
        }
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
        let mut rows = std::mem::take(&mut self.tree);
        rows.expand(&self.ctx(), i);
        self.tree = rows;
    }

    /// Collapses the directory at row `i`.
    pub fn collapse_row(&mut self, i: usize) {
        self.tree.collapse(i);
        self.fit();
    }

    /// True when the node at row `i` can be expanded or collapsed.
    pub fn row_has_children(&self, i: usize) -> bool {
        self.tree.rows.get(i).is_some_and(|r| self.ctx().has_children(r.node))
    }

    /// Collapses every directory, or expands every one when all are collapsed already.
    pub fn toggle_all(&mut self) {
        let n = self.analysis.tree.len();
        let collapsed = self.tree.expanded.count() <= 1;
        self.tree.expanded.reset(n);
        if collapsed {
            for id in 0..n {
                self.tree.expanded.set(id, true);
            }
        }
        self.tree.expanded.set(Tree::ROOT as usize, true);
        self.rebuild_rows();
    }

    /// Keeps every list's scroll offset such that its cursor is on screen.
    pub fn fit(&mut self) {
        let a = self.areas();
        self.tree.clamp();
        self.tree.offset = scroll(
            self.tree.offset,
            self.tree.cursor,
            a.tree_rows.height as usize,
            self.tree.rows.len(),
        );
        self.layer_offset = scroll(
            self.layer_offset,
            self.layer,
            a.layer_rows.height as usize,
            self.layer_count(),
        );
        self.findings.offset = scroll(
            self.findings.offset,
            self.findings.cursor,
            a.findings_rows.height as usize,
            self.analysis.findings.len(),
        );
        self.packages.offset = scroll(
            self.packages.offset,
            self.packages.cursor,
            a.list_rows.height as usize,
            self.package_rows.len(),
        );
    }
}

/// The scroll offset that keeps `cursor` within `height` of `len` rows, moving as little as
/// possible and never leaving empty lines at the bottom while rows are above the screen.
pub fn scroll(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    let offset = if height == 0 || cursor < offset {
        cursor
    } else if cursor >= offset + height {
        cursor + 1 - height
    } else {
        offset
    };
    offset.min(len.saturating_sub(height))
}
