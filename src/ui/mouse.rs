//! The mouse: wheel scrolls the list under the pointer, a click selects (a second click on the
//! selected directory folds it), a click on a tab label shows that tab, a click on one of the
//! Image pane's top findings opens it. Called by `update`; changes state through [`App`].

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::app::{App, Focus, Tab};
use super::layout::{contains, hit};
use super::update::show_tab;

/// Applies one mouse event.
pub fn on_mouse(app: &mut App, m: MouseEvent) {
    let a = app.areas();
    if a.too_small {
        return;
    }
    let (x, y) = (m.column, m.row);
    let delta: isize = match m.kind {
        MouseEventKind::ScrollDown => 3,
        MouseEventKind::ScrollUp => -3,
        MouseEventKind::Down(MouseButton::Left) => 0,
        _ => return,
    };
    let moved = |cur: usize, len: usize| cur.saturating_add_signed(delta).min(len.saturating_sub(1));
    if contains(a.layers, x, y) {
        if delta != 0 {
            app.set_layer(moved(app.layer, app.layer_count()));
        } else {
            app.focus = Focus::Layers;
            if let Some(i) = hit(a.layer_rows, app.layer_offset, x, y).filter(|&i| i < app.layer_count()) {
                app.set_layer(i);
            }
        }
    } else if contains(a.summary, x, y) && delta == 0 {
        // The Image pane's top findings open in the findings list.
        if let Some(i) = super::image_summary::finding_at(app, a.summary, y) {
            show_tab(app, Tab::Findings);
            app.findings_here = false;
            app.findings.cursor = i;
            app.fit();
        }
    } else if contains(a.main, x, y) {
        if delta == 0 && y == a.main.y {
            if let Some(tab) = super::main_frame::tab_at(app, x - a.main.x) {
                show_tab(app, tab);
            }
            return;
        }
        let tab = app.tab;
        if let Some(e) = app.evidence.as_mut().filter(|e| e.tab == tab) {
            let len = e.items.len();
            if delta != 0 {
                e.cursor.cursor = moved(e.cursor.cursor, len);
            } else if let Some(i) = hit(a.list_rows, e.cursor.offset, x, y).filter(|&i| i < len) {
                app.focus = Focus::Main;
                e.cursor.cursor = i;
            }
            app.fit();
            return;
        }
        match app.tab {
            Tab::Files => {
                if delta != 0 {
                    app.files.rows.cursor = moved(app.files.rows.cursor, app.files.rows.rows.len());
                } else if let Some(i) =
                    hit(a.tree_rows, app.files.rows.offset, x, y).filter(|&i| i < app.files.rows.rows.len())
                {
                    app.focus = Focus::Main;
                    if i == app.files.rows.cursor {
                        if app.files.rows.is_expanded(i) {
                            app.files.collapse_row(i);
                        } else {
                            app.files.expand_row(i);
                        }
                    }
                    app.files.rows.cursor = i;
                }
            }
            Tab::Findings => {
                let len = app.shown_findings().len();
                if delta != 0 {
                    app.findings.cursor = moved(app.findings.cursor, len);
                } else if let Some(i) = hit(a.findings_rows, app.findings.offset, x, y).filter(|&i| i < len) {
                    app.focus = Focus::Main;
                    app.findings.cursor = i;
                }
            }
            Tab::Dockerfile => {
                if let Some(d) = app.dockerfile.as_mut() {
                    let len = d.lines.len();
                    if delta != 0 {
                        d.cursor.cursor = moved(d.cursor.cursor, len);
                    } else if let Some(i) = hit(a.list_rows, d.cursor.offset, x, y).filter(|&i| i < len) {
                        app.focus = Focus::Main;
                        d.cursor.cursor = i;
                    }
                }
            }
            Tab::Packages => {
                let len = app.shown_packages().len();
                if delta != 0 {
                    app.packages.cursor = moved(app.packages.cursor, len);
                } else if let Some(i) = hit(a.list_rows, app.packages.offset, x, y).filter(|&i| i < len) {
                    app.focus = Focus::Main;
                    app.packages.cursor = i;
                }
            }
        }
        app.fit();
    }
}
