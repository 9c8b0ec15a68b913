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
        let Some((file, _)) = p.path.split_once(" (package ") else {
            continue;
        };
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
