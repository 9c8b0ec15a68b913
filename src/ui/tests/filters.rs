//! Journeys through the path filter (its three readings: substring, regex and glob), search
//! and the size filter.

use crate::ui::filter::PatternKind;
use crate::ui::testing::*;

/// The paths of every entry the filter lets through (not the directories on the way).
fn matched(app: &crate::ui::app::App) -> Vec<String> {
    let tree = &app.analysis.tree;
    let m = app.files.path_match.as_ref().expect("a path filter is set");
    let mut out: Vec<String> = m.iter().filter(|&id| id > 0).map(|id| tree.path(id as u32)).collect();
    out.sort();
    out
}

#[test]
fn the_text_says_how_it_is_read() {
    assert_eq!(PatternKind::of("pyc"), PatternKind::Text);
    assert_eq!(PatternKind::of("python3.11"), PatternKind::Text);
    assert_eq!(PatternKind::of(r"libgfortran.*\.so\.5"), PatternKind::Regex);
    assert_eq!(PatternKind::of("^/usr/bin"), PatternKind::Regex);
    assert_eq!(PatternKind::of("*.pyc"), PatternKind::Glob);
    assert_eq!(PatternKind::of("lib*.so"), PatternKind::Glob);
}

/// A regex as dive users type it finds what it says, and the prompt says it is a regex.
#[test]
fn regex_filters_match_the_whole_path() {
    let mut app = app(160, 48);
    press(&mut app, "ctrl+f");
    type_text(&mut app, r"^/usr/bin/gcc.*12$");
    assert!(
        screen_text(&app).contains("Filter paths (regex): ^/usr/bin/gcc"),
        "{}",
        screen_text(&app)
    );
    press(&mut app, "enter");
    let all = matched(&app);
    assert!(!all.is_empty());
    assert!(
        all.iter().all(|p| p.starts_with("/usr/bin/gcc") && p.ends_with("12")),
        "{all:?}"
    );
    // An unfinished regex matches nothing rather than everything.
    press(&mut app, "ctrl+f");
    type_text(&mut app, "(");
    assert_eq!(app.files.path_match.as_ref().map(|m| m.count()), Some(0));
}

/// A glob matches from any directory down, `*` crossing directories; a typed character more can
/// widen a glob, so its matches are never narrowed from the previous ones.
#[test]
fn glob_filters_match_from_a_directory_down() {
    let mut app = app(160, 48);
    press(&mut app, "ctrl+f");
    type_text(&mut app, "*.pyc");
    assert!(screen_text(&app).contains("Filter paths (glob): *.pyc"));
    let pyc = matched(&app);
    assert!(!pyc.is_empty() && pyc.iter().all(|p| p.ends_with(".pyc")), "{pyc:?}");
    press(&mut app, "ctrl+u");
    type_text(&mut app, "core.py*");
    let core = matched(&app);
    assert!(core.iter().any(|p| p.ends_with("/core.py")), "{core:?}");
    assert!(
        core.iter().all(|p| p.contains("/core.py")),
        "not test_core.py: {core:?}"
    );
    // Substring filters keep narrowing the cached matches.
    press(&mut app, "ctrl+u");
    type_text(&mut app, "pyc");
    assert!(screen_text(&app).contains("Filter paths (text): pyc"));
    assert!(matched(&app).len() >= pyc.len());
}

#[test]
fn path_filter_is_live_and_esc_clears_it() {
    let mut app = app(80, 24);
    press(&mut app, "ctrl+f");
    type_text(&mut app, "six");
    assert_eq!(app.files.filters.path, "six", "applied while typing");
    press(&mut app, "enter");
    assert!(app.prompt.is_none());
    press(&mut app, "ctrl+space");
    let paths: Vec<String> = app
        .files
        .rows
        .rows
        .iter()
        .map(|r| app.analysis.tree.path(r.node))
        .collect();
    assert!(paths.iter().any(|p| p.ends_with("/six.py")), "{paths:?}");
    for p in &paths {
        let leaf = app.files.rows.rows.iter().all(|r| {
            let q = app.analysis.tree.path(r.node);
            !(q.len() > p.len() && q.starts_with(p.as_str()) && q.as_bytes()[p.len()] == b'/')
        });
        assert!(!leaf || p.contains("six"), "leaf {p} does not match");
    }
    assert!(screen_text(&app).contains("path~\"six\""));
    press(&mut app, "ctrl+f backspace backspace backspace esc");
    assert_eq!(app.files.filters.path, "");
    assert!(!app.files.filters.active());
}

#[test]
fn search_finds_paths_in_every_layer_and_cycles() {
    let mut app = app(80, 24);
    press(&mut app, "/");
    type_text(&mut app, "model.bin");
    press(&mut app, "enter");
    assert_eq!(
        selected_path(&app),
        "/tmp/model.bin",
        "a file gone from the final image is found"
    );
    assert_eq!(app.layer, 6, "shown in the layer that last touched it");
    assert!(screen_text(&app).contains("match 1/1"));
    press(&mut app, "/");
    type_text(&mut app, "core.py");
    press(&mut app, "enter");
    let s = app.search.clone().expect("search");
    assert!(s.matches.len() >= 2, "{:?}", s.matches.len());
    let first = selected_path(&app);
    press(&mut app, "n");
    assert_ne!(selected_path(&app), first);
    press(&mut app, "N");
    assert_eq!(selected_path(&app), first);
    press(&mut app, "N");
    assert_eq!(
        app.search.as_ref().map(|s| s.current),
        Some(s.matches.len() - 1),
        "wraps"
    );
    press(&mut app, "/");
    type_text(&mut app, "no-such-path");
    press(&mut app, "enter");
    assert!(app.message.as_deref().unwrap_or("").contains("no path"));
}

#[test]
fn size_filter_hides_small_entries() {
    let mut app = app(80, 24);
    press(&mut app, ">");
    type_text(&mut app, "100k");
    press(&mut app, "enter");
    assert_eq!(
        app.files.filters.min_size, 102_400,
        "100k is 100 KiB, as sizes are shown"
    );
    press(&mut app, "ctrl+space");
    assert!(
        app.files
            .rows
            .rows
            .iter()
            .all(|r| app.files.states.size[r.node as usize] >= 102_400)
    );
    assert!(app.files.rows.rows.len() < 40);
    press(&mut app, ">");
    type_text(&mut app, "lots");
    press(&mut app, "enter");
    assert!(app.message.as_deref().unwrap_or("").contains("not a size"));
    press(&mut app, "> ctrl+u enter");
    assert_eq!(app.files.filters.min_size, 0);
}

/// The message and the badge quote a regex as it was typed: `\.` stays `\.`, not `\\.`.
#[test]
fn a_regex_is_quoted_as_typed() {
    let mut app = app(160, 48);
    press(&mut app, "ctrl+f");
    type_text(&mut app, r"gcc.*\.so");
    press(&mut app, "enter");
    let s = screen_text(&app);
    let bar = s.lines().nth(app.areas().status.y as usize).expect("status bar");
    assert!(bar.contains(r#"filter "gcc.*\.so""#), "{bar:?}");
    assert!(bar.contains(r#"path~"gcc.*\.so""#), "{bar:?}");
    assert!(!bar.contains(r"\\"), "{bar:?}");
}
