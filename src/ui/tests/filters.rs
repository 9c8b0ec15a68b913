//! Journeys through the path filter's three readings: substring, regex and glob.

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
