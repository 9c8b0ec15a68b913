//! The evidence list: what a finding or a package is made of, one path per row, opened with
//! Enter on the finding or the package and drawn in the main pane in its place. Enter on a row
//! shows that path in the file tree at the layer it concerns, and `n`/`N` then step through
//! the list's paths in the tree (the list becomes the search's matches). Duplicate groups list
//! every twin. Owns the list and its cursor; changes the tree only through the search.

use deadweight::analysis::Analysis;
use deadweight::model::{NodeId, Tree};
use deadweight::report::text::claimed_note;
use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Focus, ListCursor, Tab};
use super::format;
use super::layout::main_parts;
use super::package_rows::PackageRow;

/// One row: a path and the bytes it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The text shown (a path, perhaps with a note such as its package).
    pub text: String,
    /// Bytes of what the row names.
    pub bytes: u64,
    /// The part of `bytes` another finding counts, as a note (` (1 KiB of it counted under
    /// DW301)`), or empty.
    pub note: String,
    /// The tree node it names, when the path is in the tree.
    pub node: Option<NodeId>,
}

/// A list of evidence opened from a finding or a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The tab it was opened from (and is drawn in).
    pub tab: Tab,
    /// What it is the evidence of (`DW201 build toolchain…`, `package six 1.16.0`).
    pub title: String,
    /// The layer the paths are shown at, when one layer concerns them all.
    pub layer: Option<usize>,
    /// The rows, largest first.
    pub items: Vec<Item>,
    /// Cursor and scroll position.
    pub cursor: ListCursor,
}

/// The node a finding's path names: the path itself, or the path before a trailing
/// `(package …)`-style note.
fn node_of(tree: &Tree, text: &str) -> Option<NodeId> {
    tree.lookup(text.as_bytes()).or_else(|| {
        let (path, note) = text.rsplit_once(" (")?;
        note.ends_with(')').then(|| tree.lookup(path.as_bytes())).flatten()
    })
}

impl Evidence {
    /// The paths of finding `i`, with every twin of a duplicate group (DW504) listed.
    pub fn of_finding(a: &Analysis, i: usize) -> Option<Self> {
        let f = a.findings.get(i)?;
        let tree = &a.tree;
        let mut items: Vec<Item> = Vec::new();
        for p in &f.paths {
            let twins = (f.rule == "DW504")
                .then(|| a.accounting.duplicates.iter().find(|g| g.paths.contains(&p.path)))
                .flatten();
            match twins {
                Some(g) => items.extend(g.paths.iter().map(|t| Item {
                    text: t.clone(),
                    bytes: g.bytes_each,
                    note: String::new(),
                    node: node_of(tree, t),
                })),
                None => items.push(Item {
                    text: p.path.clone(),
                    bytes: p.bytes,
                    note: claimed_note(f.rule, p),
                    node: node_of(tree, &p.path),
                }),
            }
        }
        // Two twins of one group among the paths would list the group twice: first one wins.
        let mut seen = std::collections::HashSet::new();
        items.retain(|item| seen.insert(item.text.clone()));
        Some(Self {
            tab: Tab::Findings,
            title: format!("{} {}", f.rule, f.title),
            layer: f.layer,
            items,
            cursor: ListCursor::default(),
        })
    }

    /// The files of a package in the final filesystem, largest first.
    pub fn of_package(a: &Analysis, row: &PackageRow) -> Self {
        let tree = &a.tree;
        let size = |n: NodeId| tree.current(n).map_or(0, |v| tree.version(v).size);
        let mut items: Vec<Item> = row
            .nodes(a)
            .iter()
            .map(|&n| Item {
                text: tree.path(n),
                bytes: size(n),
                note: String::new(),
                node: Some(n),
            })
            .collect();
        items.sort_by(|x, y| y.bytes.cmp(&x.bytes).then_with(|| x.text.cmp(&y.text)));
        Self {
            tab: Tab::Packages,
            title: format!("package {} {} ({})", row.name, row.version, row.location),
            layer: None,
            items,
            cursor: ListCursor::default(),
        }
    }

    /// The nodes of the rows from the cursor's on, then those before it: the order `n` walks.
    pub fn nodes_from_cursor(&self) -> (Vec<NodeId>, usize) {
        let nodes: Vec<NodeId> = self.items.iter().filter_map(|i| i.node).collect();
        let before = self.items[..self.cursor.cursor.min(self.items.len())]
            .iter()
            .filter(|i| i.node.is_some())
            .count();
        (nodes, before)
    }
}

/// Draws the evidence list in `area` (inside the main pane's border).
pub fn render(app: &App, e: &Evidence, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let parts = main_parts(area);
    let head = format!(
        "{} · {} · enter: show in tree · esc: back",
        e.title,
        rows_word(e.items.len())
    );
    frame.render_widget(
        Paragraph::new(Span::styled(format::truncate(&head, area.width as usize), t.dim())),
        parts.header,
    );
    let height = parts.rows.height as usize;
    let path_w = (area.width as usize).saturating_sub(10);
    let lines: Vec<Line> = e
        .cursor
        .window(&e.items, height)
        .map(|(_, item, selected)| {
            let style = if item.node.is_some() { t.text() } else { t.dim() };
            let room = path_w.saturating_sub(item.note.chars().count()).max(16);
            let line = Line::from(vec![
                Span::styled(format!("{:>8}  ", units::short(item.bytes)), t.waste()),
                Span::styled(format::truncate_left(&item.text, room), style),
                Span::styled(item.note.clone(), t.dim()),
            ]);
            let line = format::clip(line, parts.rows.width as usize);
            if selected {
                line.patch_style(t.cursor(app.focus == Focus::Main))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts.rows);
}

fn rows_word(n: usize) -> String {
    format::count(n, "path", "paths")
}
