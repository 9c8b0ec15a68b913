//! The TUI's whole state: selected layer, focus, the main pane's tab, the components (the file
//! tree's [`TreeView`], the findings and packages list cursors), prompt, search and help. It
//! keeps the components' scroll positions in step with the layout and hands the selected layer
//! to the tree. Owns no terminal and draws nothing; `update` drives it, the panes read it.

use std::sync::Arc;

use deadweight::analysis::Analysis;
use deadweight::model::NodeId;
use ratatui::layout::Rect;

use super::dockerfile::DockerfileView;
use super::evidence::Evidence;
pub use super::layout::scroll;
use super::layout::{self, Areas};
use super::package_rows::PackageRow;
use super::theme::Theme;
use super::tree_view::TreeView;
use super::viewer::{Request, Viewer};

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
    /// The Dockerfile, line by line (with `--dockerfile`).
    Dockerfile,
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
    /// The packages list's name filter (applied as you type).
    Packages,
    /// Where to extract the viewed file.
    Extract,
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
    /// The layer to show the matches at, when one layer concerns them (a finding's).
    pub layer: Option<usize>,
}

/// A cursor over a list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    /// Selected item.
    pub cursor: usize,
    /// First item on screen.
    pub offset: usize,
}

impl ListCursor {
    /// The first item on screen when `height` of `len` items show: [`scroll`] from this offset.
    pub fn offset_for(&self, height: usize, len: usize) -> usize {
        scroll(self.offset, self.cursor, height, len)
    }

    /// The items on screen when `height` of `items` show, each with its index and whether the
    /// cursor is on it: what every list pane draws.
    pub fn window<'a, T>(&self, items: &'a [T], height: usize) -> impl Iterator<Item = (usize, &'a T, bool)> + 'a {
        let (offset, cursor) = (self.offset_for(height, items.len()), self.cursor);
        items
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(move |(i, item)| (i, item, i == cursor))
    }

    /// Moves the offset so the cursor is on screen.
    pub fn follow(&mut self, height: usize, len: usize) {
        self.offset = self.offset_for(height, len);
    }
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
    /// The packages list shows only names containing this (empty: all).
    pub package_filter: String,
    /// The findings list shows only the selected layer's findings.
    pub findings_here: bool,
    /// Every package, largest first.
    pub package_rows: Vec<PackageRow>,
    /// The Dockerfile the image was built from, when given.
    pub dockerfile: Option<DockerfileView>,
    /// The file open in the viewer, if any.
    pub viewer: Option<Viewer>,
    /// How the viewer reads the image again (None: from the reference, with the defaults).
    pub reopen: Option<super::viewer::Reopen>,
    /// I/O asked of the event loop (see `viewer::perform`).
    pub request: Option<Request>,
    /// A path that exists, waiting for `y` to be overwritten.
    pub confirm: Option<String>,
    /// The evidence list opened from a finding or a package, if any.
    pub evidence: Option<Evidence>,
    /// The prompt being typed, if any.
    pub prompt: Option<Prompt>,
    /// The last search.
    pub search: Option<Search>,
    /// The help overlay's scroll position when it is open.
    pub help: Option<u16>,
    /// A one-line message for the status bar.
    pub message: Option<String>,
    /// The left column is hidden: the main pane has the whole width.
    pub wide: bool,
    /// Text to copy to the terminal's clipboard (OSC 52), taken by the event loop.
    pub clipboard: Option<String>,
    /// Set when the user asked to quit.
    pub quit: bool,
}

impl App {
    /// A new state showing the final filesystem (the top layer, all layers up to it), sorted
    /// by size, for a terminal of `area`.
    pub fn new(analysis: Arc<Analysis>, theme: Theme, area: Rect) -> Self {
        let layer = analysis.layers().len().saturating_sub(1);
        let mut app = Self {
            package_rows: super::package_rows::rows(&analysis),
            theme,
            area,
            focus: Focus::Main,
            tab: Tab::Files,
            layer,
            layer_offset: 0,
            files: TreeView::new(Arc::clone(&analysis), layer),
            findings: ListCursor::default(),
            packages: ListCursor::default(),
            findings_here: false,
            package_filter: String::new(),
            dockerfile: None,
            evidence: None,
            viewer: None,
            reopen: None,
            request: None,
            confirm: None,
            prompt: None,
            search: None,
            help: None,
            message: None,
            wide: false,
            clipboard: None,
            quit: false,
            analysis,
        };
        app.fit();
        app
    }

    /// The same state with the Dockerfile the image was built from (`--dockerfile`), shown in
    /// its own tab and in the layers pane; ignored when it does not parse.
    pub fn with_dockerfile(mut self, text: &str) -> Self {
        self.dockerfile = DockerfileView::new(text);
        self
    }

    /// Number of layers.
    pub fn layer_count(&self) -> usize {
        self.analysis.layers().len()
    }

    /// The pane rectangles for the current terminal size.
    pub fn areas(&self) -> Areas {
        layout::areas(self.area, self.layer_count(), self.wide)
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

    /// The indices of the findings the list shows: all, or the selected layer's.
    pub fn shown_findings(&self) -> Vec<usize> {
        let here = |l: Option<usize>| !self.findings_here || l == Some(self.layer);
        (0..self.analysis.findings.len())
            .filter(|&i| here(self.analysis.findings[i].layer))
            .collect()
    }

    /// The indices of the package rows the list shows (those whose name has the filter's text,
    /// ignoring case).
    pub fn shown_packages(&self) -> Vec<usize> {
        let want = self.package_filter.to_lowercase();
        (0..self.package_rows.len())
            .filter(|&i| want.is_empty() || self.package_rows[i].name.to_lowercase().contains(&want))
            .collect()
    }

    /// True while the packages are in size order (largest first), the order they start in.
    pub fn packages_by_size(&self) -> bool {
        self.package_rows.windows(2).all(|w| w[0].bytes >= w[1].bytes)
    }

    /// Sorts the packages by size (largest first) or by name, the other of the two.
    pub fn toggle_package_sort(&mut self) {
        if self.packages_by_size() {
            self.package_rows.sort_by_key(|p| p.name.to_lowercase());
        } else {
            self.package_rows
                .sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
        }
    }

    /// Keeps every list's scroll offset such that its cursor is on screen.
    pub fn fit(&mut self) {
        let a = self.areas();
        let findings = self.shown_findings().len();
        let packages = self.shown_packages().len();
        self.packages.cursor = self.packages.cursor.min(packages.saturating_sub(1));
        self.findings.cursor = self.findings.cursor.min(findings.saturating_sub(1));
        self.files.set_height(a.tree_rows.height as usize);
        self.layer_offset = scroll(
            self.layer_offset,
            self.layer,
            a.layer_rows.height as usize,
            self.layer_count(),
        );
        self.findings.follow(a.findings_rows.height as usize, findings);
        self.packages.follow(a.list_rows.height as usize, packages);
        if let Some(d) = self.dockerfile.as_mut() {
            d.cursor.follow(a.list_rows.height as usize, d.lines.len());
        }
        if let Some(e) = self.evidence.as_mut() {
            e.cursor.follow(a.list_rows.height as usize, e.items.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ListCursor;

    /// The window follows the cursor as `scroll` does and marks the cursor's row only.
    #[test]
    fn a_list_window_holds_the_cursor() {
        let items: Vec<u32> = (0..10).collect();
        let c = ListCursor { cursor: 5, offset: 0 };
        let shown: Vec<(usize, bool)> = c.window(&items, 3).map(|(i, _, on)| (i, on)).collect();
        assert_eq!(shown, [(3, false), (4, false), (5, true)]);
        let c = ListCursor { cursor: 9, offset: 8 };
        let shown: Vec<usize> = c.window(&items, 4).map(|(i, ..)| i).collect();
        assert_eq!(shown, [6, 7, 8, 9], "no empty rows below while rows are above");
        assert_eq!(c.window(&items, 0).count(), 0);
    }
}
