//! Journeys for the explorer's defects of issue #20: each failed before its fix.

use deadweight::report::units;

use crate::ui::testing::*;
use crate::ui::update::{Event, update};

/// A finding's evidence row names one file with its package: the size beside it is that
/// file's, not the package's total (which once put 234 KiB next to a 192 KiB /usr/bin/gcc-12).
#[test]
fn evidence_rows_show_the_size_of_what_they_name() {
    let mut app = app_of(&SAMPLE, 160, 48);
    let i = app
        .analysis
        .findings
        .iter()
        .position(|f| f.rule == "DW201")
        .expect("DW201 on the sample");
    press(&mut app, "2");
    for _ in 0..i {
        press(&mut app, "j");
    }
    let screen = screen_text(&app);
    let tree = &app.analysis.tree;
    let mut tagged = 0;
    for p in &app.analysis.findings[i].paths {
        if p.package.is_none() {
            continue;
        }
        let file = p.bare_path();
        tagged += 1;
        let node = tree.lookup(file.as_bytes()).expect(file);
        let size = tree.current(node).map_or(0, |v| tree.version(v).size);
        let row = format!("{:>8}  {}", units::short(size), p.path);
        assert!(screen.contains(&row), "no row {row:?} in:\n{screen}");
    }
    assert!(tagged >= 2, "the sample's toolchain finding names its packages");
    let paths = &app.analysis.findings[i].paths;
    let bare: Vec<&str> = paths
        .iter()
        .map(|p| p.path.split(" (").next().unwrap_or_default())
        .collect();
    let mut unique = bare.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), bare.len(), "a file is listed once: {bare:?}");
}

/// While the "needs at least 60x12" notice shows, keys do nothing but `q`: `Tab`, `2` at 40x12
/// once left the findings pane open after enlarging.
#[test]
fn keys_are_ignored_while_the_screen_is_too_small() {
    let mut app = app(80, 24);
    let before = (app.tab, app.focus, app.layer);
    update(&mut app, Event::Resize(40, 12));
    press(&mut app, "tab 2 [ j ?");
    update(&mut app, Event::Resize(80, 24));
    assert_eq!((app.tab, app.focus, app.layer), before);
    assert!(app.help.is_none() && !app.quit);
    update(&mut app, Event::Resize(40, 12));
    press(&mut app, "q");
    assert!(app.quit, "q still quits from the notice");
}

/// Esc and then a key within milliseconds arrive as Alt+key; with a prompt open that is Esc
/// (the prompt closes) and then the key, never a character typed (`Filter paths: ?q>q`).
#[test]
fn esc_then_a_key_is_not_typed_into_the_prompt() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut app = app(80, 24);
    press(&mut app, "ctrl+f");
    type_text(&mut app, "pyc");
    update(
        &mut app,
        Event::Key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::ALT)),
    );
    assert!(app.prompt.is_none(), "Esc closed the prompt");
    assert_eq!(app.files.filters.path, "", "Esc cleared the live filter");
    assert_eq!(app.tab, crate::ui::app::Tab::Findings, "then 2 acted");
}

/// Counts agree with their nouns: one finding is `1 finding`, never `1 findings`.
#[test]
fn one_of_a_kind_is_singular() {
    let mut one = (**SAMPLE_WITH_FINDINGS).clone();
    one.findings.truncate(1);
    let app = app_of(&std::sync::Arc::new(one), 160, 48);
    let s = screen_text(&app);
    assert!(s.contains(" in 1 finding") && !s.contains("1 findings"), "{s}");
}

/// The path filter's message counts the entries that matched, not the rows a folded tree
/// happens to show (`filter "pyc": 1 rows` while several files matched).
#[test]
fn filter_message_counts_matching_entries() {
    use crate::ui::nodes::Mark;
    let mut app = app(160, 48);
    let tree = &app.analysis.tree;
    let marks = &app.files.states.mark;
    let expected = (1..tree.len())
        .filter(|&id| tree.path(id as u32).contains("pyc"))
        .filter(|&id| !matches!(marks[id], Mark::Absent | Mark::Context))
        .count();
    assert!(expected > 1, "the sample has several .pyc entries");
    press(&mut app, "ctrl+f");
    type_text(&mut app, "pyc");
    press(&mut app, "enter");
    assert_eq!(
        app.message.as_deref(),
        Some(format!("filter \"pyc\": {expected} entries match").as_str())
    );
}

/// The size prompt reads sizes in the units the screen uses, and what it shows when reopened
/// reads back to the same size: binary by default, decimal with `--si`.
#[test]
fn size_prompt_follows_the_units_both_ways() {
    use crate::ui::input::prompt_size;
    use deadweight::report::units::Units;
    assert_eq!(prompt_size("1M", Units::Binary), Some(1 << 20));
    assert_eq!(prompt_size("100k", Units::Binary), Some(100 << 10));
    assert_eq!(prompt_size("1.5 GB", Units::Binary), Some(3 << 29));
    assert_eq!(prompt_size("1M", Units::Decimal), Some(1_000_000));
    assert_eq!(prompt_size("100kB", Units::Decimal), Some(100_000));
    assert_eq!(prompt_size("1MiB", Units::Decimal), Some(1 << 20));
    assert_eq!(prompt_size("512", Units::Binary), Some(512));
    assert_eq!(prompt_size("ten", Units::Binary), None);
    for units in [Units::Binary, Units::Decimal] {
        for typed in ["100k", "1M", "2G", "300"] {
            let b = prompt_size(typed, units).expect(typed);
            let shown = units.short(b).replace(' ', "");
            assert_eq!(
                prompt_size(&shown, units),
                Some(b),
                "{typed} shown as {shown} ({units:?})"
            );
        }
    }
    let mut app = app(80, 24);
    press(&mut app, ">");
    type_text(&mut app, "1M");
    press(&mut app, "enter");
    assert_eq!(
        app.files.filters.min_size,
        1 << 20,
        "1M is 1 MiB like every size on screen"
    );
}

/// A `docker save` archive stores plain tars: their bytes are not called compressed.
#[test]
fn plain_tar_layers_are_not_called_compressed() {
    let app = app(160, 48);
    let s = screen_text(&app);
    assert!(s.contains("stored as plain tar") && !s.contains("compressed)"), "{s}");
}
