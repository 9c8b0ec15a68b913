//! The one place input changes state: `update(app, event)` maps keys, mouse and resize events
//! to [`App`] methods. Pure (no I/O, no terminal), so journeys of keys can be tested without a
//! terminal. Prompt editing and `/` search live in `input.rs`; this file owns the key map.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::app::{App, Focus, PromptKind, Tab};
use super::input;
use super::layout::{contains, hit};
use super::nodes::ViewMode;

/// An input the TUI reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A key press.
    Key(KeyEvent),
    /// A mouse action.
    Mouse(MouseEvent),
    /// The terminal was resized to (columns, rows).
    Resize(u16, u16),
}

impl Event {
    /// Converts a crossterm event; `None` for the ones the TUI ignores (focus, paste).
    pub fn from_crossterm(e: crossterm::event::Event) -> Option<Self> {
        match e {
            crossterm::event::Event::Key(k) => Some(Event::Key(k)),
            crossterm::event::Event::Mouse(m) => Some(Event::Mouse(m)),
            crossterm::event::Event::Resize(w, h) => Some(Event::Resize(w, h)),
            _ => None,
        }
    }
}

/// Applies one event to the state.
pub fn update(app: &mut App, event: Event) {
    match event {
        Event::Resize(w, h) => {
            app.area = Rect::new(0, 0, w, h);
            app.fit();
        }
        Event::Key(k) if k.kind != KeyEventKind::Release => on_key(app, k),
        Event::Key(_) => {}
        Event::Mouse(m) => on_mouse(app, m),
    }
}

fn ctrl(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL)
}

fn on_key(app: &mut App, k: KeyEvent) {
    if ctrl(&k) && matches!(k.code, KeyCode::Char('c')) {
        app.quit = true;
        return;
    }
    if app.areas().too_small {
        // Only the notice is on screen: a key must not change panes the user cannot see.
        app.quit |= k.code == KeyCode::Char('q');
        return;
    }
    if app.prompt.is_some() {
        if let (KeyCode::Char(_), true) = (k.code, k.modifiers.contains(KeyModifiers::ALT)) {
            // Esc and a key typed within milliseconds arrive as Alt+key: that is Esc, then the
            // key, not a character for the prompt.
            input::prompt_key(app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            on_key(app, KeyEvent::new(k.code, k.modifiers - KeyModifiers::ALT));
            return;
        }
        input::prompt_key(app, k);
        return;
    }
    if let Some(scroll) = app.help {
        app.help = match k.code {
            KeyCode::Char('j') | KeyCode::Down => Some(scroll.saturating_add(1)),
            KeyCode::Char('k') | KeyCode::Up => Some(scroll.saturating_sub(1)),
            KeyCode::PageDown | KeyCode::Char('d') => Some(scroll.saturating_add(10)),
            KeyCode::PageUp | KeyCode::Char('u') => Some(scroll.saturating_sub(10)),
            KeyCode::Char('q') if !ctrl(&k) => {
                app.quit = true;
                None
            }
            _ => None,
        };
        return;
    }
    app.message = None;
    if global_key(app, &k) {
        return;
    }
    match app.focus {
        Focus::Layers => layers_key(app, &k),
        Focus::Main => match app.tab {
            Tab::Files => tree_key(app, &k),
            Tab::Findings => list_key(app, &k, Tab::Findings),
            Tab::Packages => list_key(app, &k, Tab::Packages),
        },
    }
}

/// Keys that mean the same in every pane; true when handled.
fn global_key(app: &mut App, k: &KeyEvent) -> bool {
    let c = ctrl(k);
    match k.code {
        KeyCode::Char('q') if !c => app.quit = true,
        KeyCode::Char('?') => app.help = Some(0),
        KeyCode::Tab | KeyCode::BackTab => {
            app.focus = match app.focus {
                Focus::Layers => Focus::Main,
                Focus::Main => Focus::Layers,
            }
        }
        KeyCode::Char('1') if !c => show_tab(app, Tab::Files),
        KeyCode::Char('2') if !c => show_tab(app, Tab::Findings),
        KeyCode::Char('3') if !c => show_tab(app, Tab::Packages),
        // ctrl+/ arrives as ctrl+/, ctrl+7 or ctrl+_ depending on the terminal.
        KeyCode::Char('f' | '/' | '7' | '_') if c => input::open(app, PromptKind::Filter),
        KeyCode::Char('/') => input::open(app, PromptKind::Search),
        KeyCode::Char('>') => input::open(app, PromptKind::MinSize),
        KeyCode::Char('n') if !c => input::next_match(app, true),
        KeyCode::Char('N') => input::next_match(app, false),
        KeyCode::Char('v') if !c => {
            let v = match app.files.view {
                ViewMode::Changes => ViewMode::Cumulative,
                ViewMode::Cumulative => ViewMode::Changes,
            };
            app.files.set_view(v);
        }
        KeyCode::Char('l') if c => app.files.set_view(ViewMode::Changes),
        KeyCode::Char('a') if c && app.focus == Focus::Layers => app.files.set_view(ViewMode::Cumulative),
        KeyCode::Char('[') => app.set_layer(app.layer.saturating_sub(1)),
        KeyCode::Char(']') => app.set_layer(app.layer + 1),
        KeyCode::Char('b') => app.files.attrs = !app.files.attrs,
        KeyCode::Char('o') => app.files.toggle_sort(),
        KeyCode::Esc => {
            if app.tab != Tab::Files {
                show_tab(app, Tab::Files);
            } else {
                app.search = None;
            }
        }
        _ => return false,
    }
    true
}

fn show_tab(app: &mut App, tab: Tab) {
    app.tab = tab;
    app.focus = Focus::Main;
    app.fit();
}

/// Moves `cur` in a list of `len` items by the key's motion; `None` when it is no motion.
fn motion(k: &KeyEvent, cur: usize, len: usize, page: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    let page = page.max(1);
    let next = match k.code {
        KeyCode::Up | KeyCode::Char('k') => cur.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (cur + 1).min(last),
        KeyCode::PageUp | KeyCode::Char('u') => cur.saturating_sub(page),
        KeyCode::PageDown | KeyCode::Char('d') => (cur + page).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return None,
    };
    (!ctrl(k)).then_some(next)
}

fn layers_key(app: &mut App, k: &KeyEvent) {
    let page = app.areas().layer_rows.height as usize;
    if let Some(l) = motion(k, app.layer, app.layer_count(), page) {
        app.set_layer(l);
    } else if matches!(k.code, KeyCode::Enter | KeyCode::Right | KeyCode::Char('l')) && !ctrl(k) {
        app.focus = Focus::Main;
    }
}

fn tree_key(app: &mut App, k: &KeyEvent) {
    let page = app.areas().tree_rows.height as usize;
    let cur = app.files.rows.cursor;
    if let Some(c) = motion(k, cur, app.files.rows.rows.len(), page) {
        app.files.rows.cursor = c;
        app.fit();
        return;
    }
    let c = ctrl(k);
    match k.code {
        KeyCode::Char(' ') if c => app.files.toggle_all(),
        KeyCode::Char(' ') | KeyCode::Enter => {
            if app.files.rows.is_expanded(cur) {
                app.files.collapse_row(cur);
            } else {
                app.files.expand_row(cur);
            }
        }
        KeyCode::Right | KeyCode::Char('l') if !c => {
            if app.files.rows.is_expanded(cur) {
                if app.files.row_has_children(cur) {
                    app.files.rows.cursor = (cur + 1).min(app.files.rows.rows.len().saturating_sub(1));
                }
            } else {
                app.files.expand_row(cur);
            }
            app.fit();
        }
        KeyCode::Left | KeyCode::Char('h') if !c => {
            if app.files.rows.is_expanded(cur) {
                app.files.collapse_row(cur);
            } else if let Some(p) = app.files.rows.parent_row(cur) {
                app.files.rows.cursor = p;
                app.fit();
            }
        }
        // dive's change-kind toggles; ctrl+m is Enter on most terminals, so M works too.
        KeyCode::Char('a') if c => toggle(app, |h| h.added = !h.added),
        KeyCode::Char('r') if c => toggle(app, |h| h.removed = !h.removed),
        KeyCode::Char('m') if c => toggle(app, |h| h.modified = !h.modified),
        KeyCode::Char('u') if c => toggle(app, |h| h.unmodified = !h.unmodified),
        KeyCode::Char('A') => toggle(app, |h| h.added = !h.added),
        KeyCode::Char('R') => toggle(app, |h| h.removed = !h.removed),
        KeyCode::Char('M') => toggle(app, |h| h.modified = !h.modified),
        KeyCode::Char('U') => toggle(app, |h| h.unmodified = !h.unmodified),
        _ => {}
    }
}

fn toggle(app: &mut App, f: impl FnOnce(&mut super::nodes::Hidden)) {
    f(&mut app.files.filters.hidden);
    app.files.refilter();
}

fn list_key(app: &mut App, k: &KeyEvent, tab: Tab) {
    let a = app.areas();
    let (len, page) = match tab {
        Tab::Findings => (app.analysis.findings.len(), a.findings_rows.height as usize),
        _ => (app.package_rows.len(), a.list_rows.height as usize),
    };
    let cur = match tab {
        Tab::Findings => app.findings.cursor,
        _ => app.packages.cursor,
    };
    if let Some(c) = motion(k, cur, len, page) {
        match tab {
            Tab::Findings => app.findings.cursor = c,
            _ => app.packages.cursor = c,
        }
        app.fit();
    } else if matches!(k.code, KeyCode::Enter) {
        match tab {
            Tab::Findings => input::jump_to_finding(app, cur),
            _ => {
                if let Some(layer) = app.package_rows.get(cur).map(|p| p.layer) {
                    app.set_layer(layer);
                    app.message = Some(format!("layer {layer} installed it"));
                }
            }
        }
    }
}

fn on_mouse(app: &mut App, m: MouseEvent) {
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
    } else if contains(a.main, x, y) {
        if delta == 0 && y == a.main.y {
            if let Some(tab) = super::tree::tab_at(app, x - a.main.x) {
                show_tab(app, tab);
            }
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
                let len = app.analysis.findings.len();
                if delta != 0 {
                    app.findings.cursor = moved(app.findings.cursor, len);
                } else if let Some(i) = hit(a.findings_rows, app.findings.offset, x, y).filter(|&i| i < len) {
                    app.focus = Focus::Main;
                    app.findings.cursor = i;
                }
            }
            Tab::Packages => {
                let len = app.package_rows.len();
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
