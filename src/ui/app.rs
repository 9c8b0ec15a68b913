//! The TUI's whole state: selected layer, focus, the main pane's tab, the components (the file
//! tree's [`TreeView`], the findings and packages list cursors), prompt, search and help. It
//! keeps the components' scroll positions in step with the layout and hands the selected layer
//! to the tree. Owns no terminal and draws nothing; `update` drives it, the panes read it.

use std::sync::Arc;

use deadweight::analysis::Analysis;
use deadweight::model::NodeId;
use ratatui::layout::Rect;

use super::layout::{self, Areas};
use super::packages::PackageRow;
use super::theme::Theme;
use super::tree_view::TreeView;

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
    /// The file tree.
    pub files: TreeView,
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
}

impl App {
    /// A new state showing the final filesystem (the top layer, all layers up to it), sorted
    /// by size, for a terminal of `area`.
    pub fn new(analysis: Arc<Analysis>, theme: Theme, area: Rect) -> Self {
        let layer = analysis.layers().len().saturating_sub(1);
        let mut app = Self {
            package_rows: super::packages::rows(&analysis),
            theme,
            area,
            focus: Focus::Main,
            tab: Tab::Files,
            layer,
            layer_offset: 0,
            files: TreeView::new(Arc::clone(&analysis), layer),
            findings: ListCursor::default(),
            packages: ListCursor::default(),
            prompt: None,
            search: None,
            help: None,
            message: None,
            quit: false,
            analysis,
        };
        app.fit();
        app
    }

    /// Number of layers.
    pub fn layer_count(&self) -> usize {
        self.analysis.layers().len()
    }

    /// The pane rectangles for the current terminal size.
    pub fn areas(&self) -> Areas {
        layout::areas(self.area, self.layer_count())
    }

    /// Selects layer `layer` (clamped) and refreshes the view.
    pub fn set_layer(&mut self, layer: usize) {
        let layer = layer.min(self.layer_count().saturating_sub(1));
        if layer != self.layer {
            self.layer = layer;
            self.files.show_layer(layer);
        }
        self.fit();
    }

    /// Work for idle moments: readies the tree's neighbouring layers (see
    /// [`TreeView::prefetch`]). Returns false when there is nothing left to do.
    pub fn prefetch(&mut self) -> bool {
        self.files.prefetch(self.layer_count())
    }

    /// Keeps every list's scroll offset such that its cursor is on screen.
    pub fn fit(&mut self) {
        let a = self.areas();
        self.files.set_height(a.tree_rows.height as usize);
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
