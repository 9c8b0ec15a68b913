//! The one place input changes state: `update(app, event)` maps keys, mouse and resize events
//! to [`App`] methods. Pure (no I/O, no terminal), so journeys of keys can be tested without a
//! terminal. Prompt editing and `/` search live in `input.rs`, the mouse in `mouse.rs`; this file
//! owns the key map.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent};
use ratatui::layout::Rect;

use super::app::{App, Focus, PromptKind, Tab};
use super::evidence::Evidence;
use super::input;
use super::nodes::ViewMode;
use super::viewer::Request;

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
        Event::Mouse(m) => super::mouse::on_mouse(app, m),
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
    if let Some(to) = app.confirm.take() {
        if k.code == KeyCode::Char('y') {
            app.request = Some(Request::Extract { to, overwrite: true });
        } else {
            app.message = Some(format!("{to} kept; nothing extracted"));
        }
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
    if app.viewer.is_some() && viewer_key(app, &k) {
        return;
    }
    let evidence_open = app.evidence.as_ref().is_some_and(|e| e.tab == app.tab);
    if evidence_open && app.focus == Focus::Main && evidence_key(app, &k) {
        return;
    }
    if global_key(app, &k) {
        return;
    }
    match app.focus {
        Focus::Layers => layers_key(app, &k),
        Focus::Main => match app.tab {
            Tab::Files => tree_key(app, &k),
            Tab::Findings => list_key(app, &k, Tab::Findings),
            Tab::Packages => list_key(app, &k, Tab::Packages),
            Tab::Dockerfile => dockerfile_key(app, &k),
        },
    }
}

/// Keys that mean the same in every pane; true when handled.
fn global_key(app: &mut App, k: &KeyEvent) -> bool {
    let c = ctrl(k);
    match k.code {
        KeyCode::Char('q') if !c => app.quit = true,
        KeyCode::Char('?') => app.help = Some(0),
        KeyCode::Tab | KeyCode::BackTab if !app.wide => {
            app.focus = match app.focus {
                Focus::Layers => Focus::Main,
                Focus::Main => Focus::Layers,
            }
        }
        KeyCode::Char('1') if !c => show_tab(app, Tab::Files),
        KeyCode::Char('2') if !c => show_tab(app, Tab::Findings),
        KeyCode::Char('3') if !c => show_tab(app, Tab::Packages),
        KeyCode::Char('4') if !c && app.dockerfile.is_some() => show_tab(app, Tab::Dockerfile),
        // ctrl+/ arrives as ctrl+/, ctrl+7 or ctrl+_ depending on the terminal.
        KeyCode::Char('f' | '/' | '7' | '_') if c && app.tab == Tab::Packages && app.focus == Focus::Main => {
            input::open(app, PromptKind::Packages)
        }
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
        KeyCode::Char('z') if !c => {
            app.wide = !app.wide;
            if app.wide && app.focus == Focus::Layers {
                app.focus = Focus::Main;
            }
            app.fit();
        }
        KeyCode::Char('y') if !c => copy_path(app),
        KeyCode::Char('o') if app.tab == Tab::Packages && app.focus == Focus::Main => {
            app.toggle_package_sort();
            app.fit();
        }
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

/// Asks the event loop to copy the selected entry's full path to the terminal's clipboard.
fn copy_path(app: &mut App) {
    match app.files.selected() {
        Some(node) => {
            let path = app.analysis.tree.path(node);
            app.message = Some(format!("copied {path} (OSC 52, where the terminal allows it)"));
            app.clipboard = Some(path);
        }
        None => app.message = Some("no entry selected to copy".into()),
    }
}

/// Shows `tab` in the main pane and gives it the keys.
pub(super) fn show_tab(app: &mut App, tab: Tab) {
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
        KeyCode::Char('e') => app.request = Some(Request::View),
        KeyCode::Char(' ') | KeyCode::Enter => {
            if app.files.rows.is_expanded(cur) {
                app.files.collapse_row(cur);
            } else {
                app.files.expand_row(cur);
            }
        }
        // Long names: scroll them sideways, eight columns a step.
        KeyCode::Right | KeyCode::Char('}') if shift_or(k, '}') => app.files.hscroll += 8,
        KeyCode::Left | KeyCode::Char('{') if shift_or(k, '{') => {
            app.files.hscroll = app.files.hscroll.saturating_sub(8);
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
    let shown = match tab {
        Tab::Findings => app.shown_findings(),
        _ => app.shown_packages(),
    };
    let (len, page) = match tab {
        Tab::Findings => (shown.len(), a.findings_rows.height as usize),
        _ => (shown.len(), a.list_rows.height as usize),
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
    } else if tab == Tab::Findings && k.code == KeyCode::Char('f') && !ctrl(k) {
        app.findings_here = !app.findings_here;
        app.fit();
    } else if matches!(k.code, KeyCode::Enter) {
        // The row under the cursor, as an index into the whole list (findings or packages).
        let finding = shown.get(cur).copied().unwrap_or(usize::MAX);
        let evidence = match tab {
            Tab::Findings => Evidence::of_finding(&app.analysis, finding).filter(|e| !e.items.is_empty()),
            _ => app
                .package_rows
                .get(finding)
                .map(|p| Evidence::of_package(&app.analysis, p)),
        };
        match evidence {
            Some(e) => {
                if let Some(layer) = app
                    .package_rows
                    .get(finding)
                    .map(|p| p.layer)
                    .filter(|_| tab == Tab::Packages)
                {
                    app.set_layer(layer);
                    app.message = Some(format!("layer {layer} installed it"));
                }
                app.evidence = Some(e);
                app.fit();
            }
            // A finding about no path: its layer is all there is to show.
            None => input::jump_to_finding(app, finding),
        }
    }
}

/// Shift held, or `c` typed: the sideways-scroll keys (shift+arrow, or `}` `{`).
fn shift_or(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::SHIFT) || k.code == KeyCode::Char(c)
}

/// Keys of the file viewer; true when handled (all but the global quit and help keys).
fn viewer_key(app: &mut App, k: &KeyEvent) -> bool {
    let (page, width) = (
        app.areas().list_rows.height as usize,
        app.areas().list_rows.width as usize,
    );
    let Some(v) = app.viewer.as_mut() else { return false };
    let len = v.lines(width).len();
    if let Some(s) = motion(k, v.scroll, len, page) {
        v.scroll = s;
        return true;
    }
    match k.code {
        KeyCode::Esc | KeyCode::Char('e') => app.viewer = None,
        KeyCode::Right | KeyCode::Char('}') if shift_or(k, '}') => v.hscroll += 8,
        KeyCode::Left | KeyCode::Char('{') if shift_or(k, '{') => v.hscroll = v.hscroll.saturating_sub(8),
        KeyCode::Char('x') => input::open(app, PromptKind::Extract),
        KeyCode::Char('q' | '?') => return false,
        _ => {}
    }
    true
}

/// Keys of the Dockerfile view: move by line; Enter selects the layer the line made.
fn dockerfile_key(app: &mut App, k: &KeyEvent) {
    let page = app.areas().list_rows.height as usize;
    let Some(d) = app.dockerfile.as_mut() else { return };
    if let Some(c) = motion(k, d.cursor.cursor, d.lines.len(), page) {
        d.cursor.cursor = c;
        app.fit();
    } else if k.code == KeyCode::Enter {
        let line = d.cursor.cursor + 1;
        match d.selected_layer(&app.analysis) {
            Some(layer) => {
                app.set_layer(layer);
                app.message = Some(format!("line {line} made layer {layer}"));
            }
            None => app.message = Some(format!("line {line} made no layer")),
        }
    }
}

/// Keys of an open evidence list; true when handled (Esc closes it, Enter shows the row).
fn evidence_key(app: &mut App, k: &KeyEvent) -> bool {
    let page = app.areas().list_rows.height as usize;
    let Some(e) = app.evidence.as_mut() else { return false };
    if let Some(c) = motion(k, e.cursor.cursor, e.items.len(), page) {
        e.cursor.cursor = c;
        app.fit();
        return true;
    }
    match k.code {
        KeyCode::Esc => app.evidence = None,
        KeyCode::Enter => input::jump_to_evidence(app),
        _ => return false,
    }
    true
}
