//! Typed input and jumps: the status-bar prompts (path filter, `/` search, size filter), the
//! search over every path of every layer with `n`/`N`, and the jump from a finding to its
//! layer and largest path. Called by `update`; changes the state only through [`App`] methods.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use deadweight::config::ci;
use deadweight::model::NodeId;
use deadweight::report::units::{self, Units};

use super::app::{App, Focus, Prompt, PromptKind, Search, Tab};
use super::format;
use super::nodes::ViewMode;
use super::viewer::Request;

/// Opens a prompt, prefilled with the current value.
pub fn open(app: &mut App, kind: PromptKind) {
    let text = match kind {
        PromptKind::Filter => app.files.filters.path.clone(),
        PromptKind::Search => String::new(),
        PromptKind::MinSize if app.files.filters.min_size > 0 => {
            units::short(app.files.filters.min_size).replace(' ', "")
        }
        PromptKind::MinSize => String::new(),
        PromptKind::Packages => app.package_filter.clone(),
        PromptKind::Extract => app
            .viewer
            .as_ref()
            .and_then(|v| v.path.rsplit('/').next().map(str::to_string))
            .unwrap_or_default(),
    };
    if kind == PromptKind::Filter {
        app.tab = Tab::Files;
        app.focus = Focus::Main;
    }
    app.prompt = Some(Prompt { kind, text });
}

/// A key while a prompt is open: edit, Enter to accept, Esc to cancel.
pub fn prompt_key(app: &mut App, k: KeyEvent) {
    let Some(mut prompt) = app.prompt.take() else { return };
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            if prompt.kind == PromptKind::Filter {
                app.files.set_path_filter("");
            }
            if prompt.kind == PromptKind::Packages {
                app.package_filter.clear();
                app.fit();
            }
            return;
        }
        KeyCode::Enter => {
            accept(app, &prompt);
            return;
        }
        KeyCode::Backspace => {
            prompt.text.pop();
        }
        KeyCode::Char('u') if ctrl => prompt.text.clear(),
        KeyCode::Char(c) if !ctrl => prompt.text.push(c),
        _ => {}
    }
    if prompt.kind == PromptKind::Filter {
        app.files.set_path_filter(&prompt.text);
    }
    if prompt.kind == PromptKind::Packages {
        app.package_filter.clone_from(&prompt.text);
        app.fit();
    }
    app.prompt = Some(prompt);
}

fn accept(app: &mut App, prompt: &Prompt) {
    match prompt.kind {
        PromptKind::Filter => {
            app.files.set_path_filter(&prompt.text);
            let n = app.files.matching_entries();
            app.message = (!prompt.text.is_empty()).then(|| {
                let what = format::count(n, "entry matches", "entries match");
                format!("filter \"{}\": {what}", prompt.text)
            });
        }
        PromptKind::MinSize => match prompt_size(&prompt.text, units::current()) {
            Some(b) => {
                app.files.set_min_size(b);
                app.message = Some(if b == 0 {
                    "size filter off".into()
                } else {
                    format!("hiding entries below {}", units::size(b))
                });
            }
            None if prompt.text.trim().is_empty() => app.files.set_min_size(0),
            None => app.message = Some(format!("not a size: \"{}\" (try 100k, 1M, 1.5G)", prompt.text)),
        },
        PromptKind::Search => search(app, &prompt.text),
        PromptKind::Packages => {
            app.package_filter.clone_from(&prompt.text);
            app.fit();
        }
        PromptKind::Extract if prompt.text.trim().is_empty() => app.message = Some("nothing extracted".into()),
        PromptKind::Extract => {
            app.request = Some(Request::Extract {
                to: prompt.text.trim().to_string(),
                overwrite: false,
            })
        }
    }
}

/// A size typed into the size prompt, in the units every size on screen is in: with binary
/// units (the default) `100k` and `1M` mean KiB and MiB; with `--si` they are decimal. The
/// `KiB` and `MiB` spellings are binary either way. `None` when it is not a size.
pub fn prompt_size(text: &str, units: Units) -> Option<u64> {
    let t = text.trim();
    let start = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = t.split_at(start);
    let bare = unit.trim().trim_end_matches(['b', 'B']);
    let prefix = matches!(bare.to_ascii_lowercase().as_str(), "k" | "m" | "g" | "t" | "p" | "e");
    let text = if units == Units::Binary && prefix {
        format!("{num}{bare}i")
    } else {
        t.to_string()
    };
    ci::parse_size(&text).ok()
}

/// Searches every path ever seen in any layer for `query` and shows the first match.
pub fn search(app: &mut App, query: &str) {
    if query.is_empty() {
        app.search = None;
        return;
    }
    let tree = &app.analysis.tree;
    let hits = super::filter::path_matches(tree, &app.files.index, query);
    let mut found: Vec<(Vec<u8>, NodeId)> = (1..tree.len())
        .filter(|&id| hits.get(id) && !hits.get(app.files.index.parents.get(id).map_or(0, |&p| p as usize)))
        .map(|id| (tree.path_bytes(id as NodeId), id as NodeId))
        .collect();
    found.sort();
    if found.is_empty() {
        app.search = None;
        app.message = Some(format!("no path in any layer contains \"{query}\""));
        return;
    }
    app.search = Some(Search {
        query: query.to_string(),
        matches: found.into_iter().map(|(_, id)| id).collect(),
        current: 0,
        layer: None,
    });
    show_match(app);
}

/// Moves to the next (or previous) search match, wrapping around.
pub fn next_match(app: &mut App, forward: bool) {
    let Some(s) = app.search.as_mut() else {
        app.message = Some("no search: press / to search paths".into());
        return;
    };
    let n = s.matches.len();
    s.current = if forward {
        (s.current + 1) % n
    } else {
        (s.current + n - 1) % n
    };
    show_match(app);
}

fn show_match(app: &mut App) {
    let Some((node, i, n, layer)) = app.search.as_ref().and_then(|s| {
        s.matches
            .get(s.current)
            .map(|&m| (m, s.current, s.matches.len(), s.layer))
    }) else {
        return;
    };
    app.tab = Tab::Files;
    app.focus = Focus::Main;
    let shown = app.reveal_anywhere(node, layer);
    let path = app.analysis.tree.path(node);
    let note = if shown { "" } else { " (not shown in any view)" };
    let layer = app.layer;
    app.message = Some(format!("match {}/{n} in layer {layer}: {path}{note}", i + 1));
}

/// Shows the evidence row under the cursor in the tree; `n` and `N` then step through the
/// list's other paths.
pub fn jump_to_evidence(app: &mut App) {
    let Some(e) = app.evidence.as_ref() else { return };
    let Some(item) = e.items.get(e.cursor.cursor) else {
        return;
    };
    if item.node.is_none() {
        app.message = Some(format!("{} is not a path of the image", item.text));
        return;
    }
    let (matches, current) = e.nodes_from_cursor();
    app.search = Some(Search {
        query: e.title.clone(),
        matches,
        current,
        layer: e.layer,
    });
    show_match(app);
}

/// Jumps to finding `i`: its layer, and its largest path revealed in the tree.
pub fn jump_to_finding(app: &mut App, i: usize) {
    let Some(f) = app.analysis.findings.get(i).cloned() else {
        return;
    };
    app.tab = Tab::Files;
    app.focus = Focus::Main;
    let node = f
        .paths
        .first()
        .and_then(|p| app.analysis.tree.lookup(p.path.as_bytes()));
    match (node, f.layer) {
        (Some(node), layer) => {
            if !app.reveal_anywhere(node, layer) {
                app.message = Some(format!(
                    "{}: {} is not in any view",
                    f.rule,
                    app.analysis.tree.path(node)
                ));
            }
        }
        (None, Some(layer)) => app.set_layer(layer),
        (None, None) => app.message = Some(format!("{}: no layer or path to show", f.rule)),
    }
}

impl App {
    /// Shows `node`: in layer `prefer` when given, else in the current layer, else in the
    /// layer that last changed it; switching to the cumulative view and then clearing the
    /// filters when needed. Returns false when it cannot be shown at all.
    pub fn reveal_anywhere(&mut self, node: NodeId, prefer: Option<usize>) -> bool {
        let last_change = self.analysis.tree.history(node).next().map(|(_, v)| v.layer as usize);
        let first = prefer.unwrap_or(self.layer);
        let layers: Vec<usize> = [Some(first), last_change].into_iter().flatten().collect();
        for attempt in 0..2 {
            for &l in &layers {
                self.set_layer(l);
                if self.files.reveal(node) {
                    return true;
                }
                if self.files.view == ViewMode::Changes {
                    self.files.set_view(ViewMode::Cumulative);
                    if self.files.reveal(node) {
                        return true;
                    }
                }
            }
            if attempt > 0 || !self.files.filters.active() {
                break;
            }
            self.files.clear_filters();
            self.message = Some("filters cleared to show the entry".into());
        }
        false
    }
}
