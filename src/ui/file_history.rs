//! The file history pane: for the path under the tree cursor, every layer that added, changed,
//! re-stored or deleted it, oldest first, with size, mode and owner and what later hid each
//! version. Reads the merged tree only.

use deadweight::model::{Change, EntryKind, HiddenHow, Version};
use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::App;
use super::format;
use super::nodes::Mark;
use super::tree::kind_letter;

fn change_mark(c: Change) -> Mark {
    match c {
        Change::Added | Change::Implicit => Mark::Added,
        Change::Modified => Mark::Modified,
        Change::Metadata => Mark::Metadata,
        Change::Unchanged => Mark::Unchanged,
        Change::Deleted | Change::Opaque => Mark::Deleted,
    }
}

fn change_word(v: &Version) -> &'static str {
    match v.change {
        Change::Added => "added",
        Change::Implicit => "created (parent of an entry)",
        Change::Modified => "modified",
        Change::Metadata => "metadata only (chown/chmod copy)",
        Change::Unchanged => "stored again unchanged",
        Change::Deleted => "deleted (whiteout)",
        Change::Opaque => "contents below hidden (opaque dir)",
    }
}

/// Draws the history of the selected path in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let tree = &app.analysis.tree;
    let node = app.files.selected();
    let path = node.map_or_else(String::new, |n| tree.path(n));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(false))
        .title(Span::styled(" History ", t.title(false)));
    let Some(node) = node else {
        frame.render_widget(
            Paragraph::new(Span::styled("Select a path in the file tree.", t.dim())).block(block),
            area,
        );
        return;
    };
    let mut versions: Vec<&Version> = tree.history(node).map(|(_, v)| v).collect();
    versions.reverse();
    // The full path first, wrapped, never cut: the one place a long path is whole.
    let mut lines = vec![Line::from(Span::styled(path.clone(), t.bold()))];
    if let Some(g) = app
        .analysis
        .accounting
        .duplicates
        .iter()
        .find(|g| g.paths.contains(&path))
    {
        // Two twins by name; the rest counted, so the versions stay on screen.
        let others: Vec<&str> = g
            .paths
            .iter()
            .filter(|p| **p != path)
            .map(String::as_str)
            .take(2)
            .collect();
        let more = g.copies.saturating_sub(1 + others.len() as u64);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        lines.push(Line::from(Span::styled(
            format!("identical to {}{tail}", others.join(", ")),
            t.warning(),
        )));
    }
    lines.extend(versions.iter().map(|v| {
        let style = t.mark(change_mark(v.change));
        let mut spans = vec![
            Span::styled(format!("L{:<2}", v.layer), t.bold()),
            Span::styled(format!("{} ", change_mark(v.change).symbol()), style),
        ];
        if v.is_entry() {
            let size = if v.kind == EntryKind::File {
                units::short(v.size)
            } else {
                String::new()
            };
            spans.push(Span::raw(format!(
                "{size:>7} {} {:<10}",
                format::mode(kind_letter(v.kind), v.mode),
                format!("{}:{}", v.uid, v.gid)
            )));
        }
        spans.push(Span::styled(change_word(v), style));
        if v.is_entry() && !v.survives() {
            let how = match v.hidden_how {
                HiddenHow::Overwrite => "replaced",
                HiddenHow::Opaque => "hidden (opaque dir)",
                _ => "deleted",
            };
            spans.push(Span::styled(format!(", {how} by L{}", v.hidden_by), t.waste()));
        }
        let line = Line::from(spans);
        if v.layer as usize == app.layer {
            line.patch_style(t.bold())
        } else if v.layer as usize > app.layer {
            line.patch_style(t.dim())
        } else {
            line
        }
    }));
    super::draw::wrapped(frame, block, lines, area, t.dim());
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    fn at(path: &'static str) -> impl Fn(u16, u16) -> crate::ui::app::App {
        move |w, h| {
            let mut a = app(w, h);
            let node = a.analysis.tree.lookup(path.as_bytes()).expect(path);
            assert!(a.reveal_anywhere(node, None), "{path}");
            a
        }
    }

    #[test]
    fn file_history_snapshots() {
        snapshot_pane!("file_history_dpkg_status", at("/var/lib/dpkg/status"), super::render);
        snapshot_pane!("file_history_chowned", at("/app/app/core.py"), super::render);
        snapshot_pane!("file_history_deleted", at("/tmp/model.bin"), super::render);
    }
}
