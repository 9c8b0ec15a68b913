//! The file tree drawn in the main pane: one line per cached row, only the rows on screen, with
//! change marker, size, optional mode and owner, tree guides and a note on entries a later layer
//! deletes or replaces. Reads the row cache; never rebuilds it. The pane's frame and tabs are
//! `main_frame`'s.

use deadweight::model::tree::escape_bytes;
use deadweight::model::{EntryKind, HiddenHow, NodeId, Version};
use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Focus, scroll};
use super::format;
use super::nodes::{Mark, ViewMode};

/// The version a tree row stands for in the current view.
pub fn row_version(app: &App, node: NodeId) -> Option<&Version> {
    let tree = &app.analysis.tree;
    let layer = app.layer as u16;
    let mark = app.files.states.mark.get(node as usize).copied().unwrap_or_default();
    match (mark, app.files.view) {
        (Mark::Deleted, _) => tree
            .history(node)
            .map(|(_, v)| v)
            .find(|v| v.is_entry() && v.hidden_by == layer),
        (Mark::Context, ViewMode::Changes) | (Mark::Absent, _) => tree.visible_at(node, layer),
        (_, ViewMode::Changes) => tree
            .history(node)
            .map(|(_, v)| v)
            .find(|v| v.is_entry() && v.layer == layer),
        (_, ViewMode::Cumulative) => tree.visible_at(node, layer),
    }
}

/// The letter `ls -l` shows for an entry kind.
pub fn kind_letter(kind: EntryKind) -> char {
    match kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::Hardlink => 'h',
        EntryKind::Device => 'c',
        EntryKind::Fifo => 'p',
        _ => '-',
    }
}

/// Draws the file tree in `area` (inside the main pane's border).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    if area.height == 0 {
        return;
    }
    let attrs = if app.files.attrs { "Permission UID:GID  " } else { "" };
    let header = Line::from(Span::styled(format!("  {:>7}  {attrs}Name", "Size"), t.dim()));
    frame.render_widget(Paragraph::new(header), Rect { height: 1, ..area });
    let rows_area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let rows = &app.files.rows.rows;
    if rows.is_empty() {
        let why = if app.files.filters.active() {
            "No entry passes the filters (ctrl+f path, > size, A/R/M/U kinds)."
        } else if app.files.view == ViewMode::Changes {
            "This layer changes no file."
        } else {
            "The filesystem is empty at this layer."
        };
        frame.render_widget(Paragraph::new(Span::styled(why, t.dim())), rows_area);
        return;
    }
    let height = rows_area.height as usize;
    let offset = scroll(app.files.rows.offset, app.files.rows.cursor, height, rows.len());
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, r)| {
            let line = format::clip(row_line(app, r), rows_area.width as usize);
            if i == app.files.rows.cursor {
                line.patch_style(t.cursor(app.focus == Focus::Main))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rows_area);
}

fn row_line<'a>(app: &'a App, r: &super::rows::Row) -> Line<'a> {
    let t = &app.theme;
    let tree = &app.analysis.tree;
    let node = r.node;
    let mark = app.files.states.mark.get(node as usize).copied().unwrap_or_default();
    let size = app.files.states.size.get(node as usize).copied().unwrap_or(0);
    let v = row_version(app, node);
    let is_dir = v.is_some_and(|v| v.kind == EntryKind::Dir) || mark == Mark::Context;
    let style = t.mark(mark);
    let mut spans = vec![
        Span::styled(format!("{} ", mark.symbol()), style),
        Span::styled(format!("{:>7}  ", units::short(size)), style),
    ];
    if app.files.attrs {
        let a = match v {
            Some(v) => format!(
                "{} {:<8} ",
                format::mode(kind_letter(v.kind), v.mode),
                format!("{}:{}", v.uid, v.gid)
            ),
            None => format!("{:<20}", ""),
        };
        spans.push(Span::styled(a, t.dim()));
    }
    let mut guide = String::new();
    for d in 0..r.depth.min(64) {
        guide.push_str(if r.guides & (1 << d) != 0 { "│ " } else { "  " });
    }
    guide.push_str(if r.last { "└─" } else { "├─" });
    spans.push(Span::styled(guide, t.dim()));
    let icon = if is_dir {
        if app.files.rows.expanded.get(node as usize) {
            "▾ "
        } else {
            "▸ "
        }
    } else {
        " "
    };
    spans.push(Span::styled(icon, style));
    let mut name = escape_bytes(tree.name(node));
    if is_dir {
        name.push('/');
    }
    // Horizontal scroll moves the names (the sizes and marks stay), `…` marking what is off.
    let shift = app.files.hscroll.min(name.chars().count().saturating_sub(1));
    if shift > 0 {
        name = format!("…{}", name.chars().skip(shift + 1).collect::<String>());
    }
    spans.push(Span::styled(name, style));
    if let Some(v) = v {
        if let Some(link) = tree.link(v) {
            let arrow = if v.kind == EntryKind::Hardlink {
                " ⇒ "
            } else {
                " → "
            };
            spans.push(Span::styled(format!("{arrow}{}", escape_bytes(link)), t.dim()));
        }
        // Files (not directories, which later layers often store again) that do not survive.
        if mark != Mark::Deleted && v.kind != EntryKind::Dir && !v.survives() {
            let how = match v.hidden_how {
                HiddenHow::Overwrite => "replaced",
                _ => "deleted",
            };
            spans.push(Span::styled(format!("  ✗ {how} by layer {}", v.hidden_by), t.waste()));
        }
    }
    Line::from(spans).style(Style::default())
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};

    use crate::ui::testing::*;

    #[test]
    fn file_tree_snapshots() {
        snapshot_pane!("tree_final", app, main_pane);
        snapshot_pane!(
            "tree_layer6_changes_all_open",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "[ v ctrl+space");
                a
            },
            main_pane
        );
        snapshot_pane!(
            "tree_layer1_all_open_attrs_by_name",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "tab g j tab ctrl+space b o");
                a
            },
            main_pane
        );
    }

    #[test]
    fn change_kinds_carry_colour_and_marker() {
        let mut a = app(160, 48);
        press(&mut a, "[ [ v ctrl+space");
        let buf = pane(&a, 160, 48, main_pane);
        assert_eq!(style_at(&buf, "+ 1.0 MiB").fg, Some(Color::Green), "added in layer 5");
        press(&mut a, "]");
        let buf = pane(&a, 160, 48, main_pane);
        assert_eq!(style_at(&buf, "- 1.0 MiB").fg, Some(Color::Red), "deleted by layer 6");
        press(&mut a, "v");
        let buf = pane(&a, 160, 48, main_pane);
        assert_eq!(
            style_at(&buf, "- 1.0 MiB").fg,
            Some(Color::Red),
            "still shown as deleted"
        );
        let y = 2
            + (a.files.rows.cursor
                - super::scroll(a.files.rows.offset, a.files.rows.cursor, 45, a.files.rows.rows.len()))
                as u16;
        let cursor = buf[(1, y)].style();
        assert!(cursor.add_modifier.contains(Modifier::REVERSED), "cursor row reversed");
        press(&mut a, "] ] ctrl+space");
        let buf = pane(&a, 160, 48, main_pane);
        assert_eq!(
            style_at(&buf, "* ").fg,
            Some(Color::Magenta),
            "chown copies: metadata only"
        );
    }

    #[test]
    fn entries_gone_later_are_flagged() {
        let mut a = app(160, 48);
        let node = a.analysis.tree.lookup(b"/tmp/model.bin").expect("model");
        assert!(a.reveal_anywhere(node, Some(5)));
        let s = text(&pane(&a, 160, 48, main_pane));
        assert!(s.contains("model.bin  ✗ deleted by layer 6"), "{s}");
    }
}
