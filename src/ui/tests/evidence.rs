//! Journeys through the evidence lists: from a finding or a package to each of its paths in
//! the tree, and back.

use crate::ui::app::Tab;
use crate::ui::testing::*;

/// Enter on a finding lists its paths; Enter on one shows it in the tree at the finding's
/// layer; `n` steps to the next path; `2` comes back to the list where it was.
#[test]
fn a_finding_lists_its_evidence_and_steps_through_it_in_the_tree() {
    let mut app = app(160, 48);
    press(&mut app, "2 j enter");
    let e = app.evidence.clone().expect("evidence list");
    assert_eq!(e.items.len(), 2, "DW901's two apt lists");
    assert!(e.title.starts_with("DW901"), "{}", e.title);
    let s = screen_text(&app);
    assert!(s.contains("DW901 apt lists left behind · 2 paths"), "{s}");
    press(&mut app, "enter");
    assert_eq!((app.tab, app.layer), (Tab::Files, 1));
    assert_eq!(selected_path(&app), e.items[0].text);
    press(&mut app, "n");
    assert_eq!(selected_path(&app), e.items[1].text, "n: the next path of the finding");
    press(&mut app, "n");
    assert_eq!(selected_path(&app), e.items[0].text, "and round again");
    press(&mut app, "2 j enter");
    assert_eq!(selected_path(&app), e.items[1].text, "back in the list, the next row");
}

/// Enter on a package lists its files, largest first, each of its own size; Enter shows one in
/// the tree.
#[test]
fn a_package_lists_its_files_and_jumps_to_them() {
    let mut app = app(160, 48);
    let i = app
        .package_rows
        .iter()
        .position(|p| p.name == "pytest")
        .expect("pytest");
    press(&mut app, "3");
    for _ in 0..i {
        press(&mut app, "j");
    }
    press(&mut app, "enter");
    let e = app.evidence.clone().expect("file list");
    let row = &app.package_rows[i];
    assert_eq!(e.items.len() as u64, row.files, "every file of the package");
    assert_eq!(e.items.iter().map(|x| x.bytes).sum::<u64>(), row.bytes);
    assert!(e.items.windows(2).all(|w| w[0].bytes >= w[1].bytes));
    press(&mut app, "j enter");
    assert_eq!(app.tab, Tab::Files);
    assert_eq!(selected_path(&app), e.items[1].text);
}

/// Clicking a row of the list selects it; Esc closes the list and leaves the findings.
#[test]
fn evidence_rows_take_clicks_and_esc_closes_the_list() {
    let mut app = app(160, 48);
    press(&mut app, "2 j enter");
    let rows = app.areas().list_rows;
    update_all(&mut app, &[click(rows.x + 12, rows.y + 1)]);
    assert_eq!(app.evidence.as_ref().map(|e| e.cursor.cursor), Some(1));
    press(&mut app, "esc");
    assert!(app.evidence.is_none());
    assert_eq!(app.tab, Tab::Findings);
}

fn update_all(app: &mut crate::ui::app::App, events: &[crate::ui::update::Event]) {
    for &e in events {
        crate::ui::update::update(app, e);
    }
}

#[test]
fn evidence_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut app = app_of(&SAMPLE, w, h);
        let i = app
            .analysis
            .findings
            .iter()
            .position(|f| f.rule == "DW201")
            .expect("DW201");
        press(&mut app, "2");
        for _ in 0..i {
            press(&mut app, "j");
        }
        press(&mut app, "enter");
        insta::assert_snapshot!(format!("evidence_{w}x{h}"), screen_text(&app));
    }
}

/// A click on one of the Image pane's top findings opens it in the findings list.
#[test]
fn top_findings_in_the_image_pane_are_clickable() {
    let mut app = app(160, 48);
    let buf = screen(&app);
    let (x, y) = find(&buf, "DW901 apt lists").expect("DW901 in the Image pane");
    update_all(&mut app, &[click(x, y)]);
    assert_eq!((app.tab, app.findings.cursor), (Tab::Findings, 1));
    let below = app.areas().summary;
    update_all(&mut app, &[click(x, below.y + 1)]);
    assert_eq!(app.findings.cursor, 1, "a click on a figure is no finding");
}

/// `f` narrows the findings to the selected layer's (and back); the list, Enter and the layer
/// keys follow the narrowed list.
#[test]
fn findings_narrow_to_the_selected_layer() {
    let mut app = app_of(&SAMPLE, 160, 48);
    let layer = app.analysis.findings[1].layer.expect("the second finding has a layer");
    press(&mut app, "tab g");
    for _ in 0..layer {
        press(&mut app, "j");
    }
    press(&mut app, "2 f");
    let here: Vec<usize> = (0..app.analysis.findings.len())
        .filter(|&i| app.analysis.findings[i].layer == Some(layer))
        .collect();
    assert_eq!(app.shown_findings(), here);
    let s = screen_text(&app);
    assert!(s.contains(&format!("(layer {layer} only · f: all)")), "{s}");
    for &i in &here {
        let f = &app.analysis.findings[i];
        assert!(
            s.contains(&format!("{:<6} {layer}", f.rule)),
            "{} missing:\n{s}",
            f.rule
        );
    }
    // The second row of the narrowed list is the layer's second finding, not the image's.
    press(&mut app, "g j enter");
    let second = app.analysis.findings[here[1]].rule;
    match app.evidence.clone() {
        Some(e) => assert!(e.title.starts_with(second), "{}", e.title),
        None => assert!(
            app.message.as_deref().unwrap_or("").contains(second),
            "{:?}",
            app.message
        ),
    }
    press(&mut app, "esc f");
    assert_eq!(app.shown_findings().len(), app.analysis.findings.len());
}

/// In the packages list `o` sorts by name (and back by size), ctrl+f filters names as you
/// type, and a package named by a finding carries the rule on its row.
#[test]
fn packages_sort_filter_and_show_their_findings() {
    let mut app = app_of(&SAMPLE, 160, 48);
    press(&mut app, "3 o");
    let names: Vec<String> = app.package_rows.iter().map(|p| p.name.to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    press(&mut app, "o");
    assert!(app.package_rows.windows(2).all(|w| w[0].bytes >= w[1].bytes));
    assert_eq!(
        app.files.sort,
        crate::ui::rows::Sort::Size,
        "the tree's sort is untouched"
    );
    press(&mut app, "ctrl+f");
    type_text(&mut app, "gcc");
    let shown = app.shown_packages();
    assert!(!shown.is_empty() && shown.iter().all(|&i| app.package_rows[i].name.contains("gcc")));
    assert_eq!(app.tab, Tab::Packages, "the package filter stays in the packages list");
    press(&mut app, "enter");
    let s = screen_text(&app);
    let gcc = app.package_rows.iter().find(|p| p.name == "gcc-12").expect("gcc-12");
    assert!(gcc.rules.contains(&"DW201"), "{:?}", gcc.rules);
    let row = s.lines().find(|l| l.contains(" gcc-12 ")).expect("gcc-12 row");
    assert!(row.contains("DW201"), "{row}");
    press(&mut app, "g enter");
    let e = app.evidence.clone().expect("file list");
    assert!(
        e.title.contains("gcc"),
        "Enter opens the filtered row's package: {}",
        e.title
    );
}

/// A path line part of which another finding counts says so in the finding's detail and in
/// its evidence list, so that the lines never seem to add up to more than the finding saves.
#[test]
fn claimed_bytes_are_named_in_the_detail_and_the_list() {
    use std::sync::Arc;

    use deadweight::analysis::rules::Claim;

    let mut a = (**SAMPLE_WITH_FINDINGS).clone();
    a.findings[1].paths[1].claimed = vec![Claim {
        rule: "DW105",
        bytes: 20_480,
    }];
    let mut app = app_of(&Arc::new(a), 160, 48);
    press(&mut app, "2 j");
    let s = screen_text(&app);
    assert!(s.contains("InRelease (20 KiB of it counted under DW105)"), "{s}");
    press(&mut app, "enter");
    let s = screen_text(&app);
    assert!(s.contains("InRelease (20 KiB of it counted under DW105)"), "{s}");
}

/// A finding names a package by its identity, environment included: the same name and version
/// installed in a second environment does not carry the rule of a finding about the first
/// (matching the lines' `(pytest 8.0.0)` notes put DW304 on both rows).
#[test]
fn a_package_row_carries_only_the_findings_about_that_package() {
    use std::sync::Arc;

    let mut a = (**SAMPLE).clone();
    let pytest = a
        .packages
        .python
        .iter()
        .find(|p| p.name == "pytest")
        .cloned()
        .expect("pytest in the sample");
    let mut elsewhere = pytest.clone();
    elsewhere.location = "/opt/tools/lib/python3.11/site-packages".into();
    a.packages.python.push(elsewhere);
    let app = app_of(&Arc::new(a), 160, 48);
    let rules_at = |loc: &str| {
        let row = app
            .package_rows
            .iter()
            .find(|r| r.name == "pytest" && r.location == loc);
        row.map(|r| r.rules.clone()).expect(loc)
    };
    assert_eq!(rules_at("/usr/local"), vec!["DW304"]);
    assert_eq!(rules_at("/opt/tools"), Vec::<&str>::new());
}
