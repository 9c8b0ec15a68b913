//! Every finding and every package of the sample (with its Dockerfile) can be explored: Enter
//! opens its list of paths (or, for a finding about no path, selects its layer if it has one),
//! and Enter on each listed path selects that path in the file tree. A finding's list names
//! each path once.

use crate::ui::app::{App, Tab};
use crate::ui::testing::*;

/// Walks the open evidence list row by row: Enter on each row in the tree shows that path.
fn every_row_jumps(app: &mut App, key: &str, what: &str) {
    let e = app.evidence.clone().unwrap_or_else(|| panic!("{what}: no list"));
    assert!(!e.items.is_empty(), "{what}: an empty list");
    for (row, item) in e.items.iter().enumerate() {
        let node = item
            .node
            .unwrap_or_else(|| panic!("{what}: {:?} is not in the tree", item.text));
        press(app, key);
        let list = app.evidence.as_mut().expect("the list stays");
        list.cursor.cursor = row;
        press(app, "enter");
        assert_eq!(app.tab, Tab::Files, "{what}: row {row}");
        assert_eq!(app.files.selected(), Some(node), "{what}: row {row} {:?}", item.text);
    }
}

#[test]
fn every_finding_opens_and_every_path_of_it_is_shown_in_the_tree() {
    let mut app = app_with_dockerfile(120, 40);
    let n = app.analysis.findings.len();
    assert!(n > 10, "{n}");
    for i in 0..n {
        press(&mut app, "2");
        app.evidence = None;
        app.findings.cursor = app.shown_findings().iter().position(|&f| f == i).expect("shown");
        press(&mut app, "enter");
        let what = format!("finding {}", app.analysis.findings[i].rule);
        if app.evidence.is_some() {
            every_row_jumps(&mut app, "2", &what);
        } else {
            assert!(app.analysis.findings[i].paths.is_empty(), "{what}: paths but no list");
            if let Some(layer) = app.analysis.findings[i].layer {
                assert_eq!(app.layer, layer, "{what}: its layer");
            }
        }
    }
}

#[test]
fn every_package_opens_and_every_file_of_it_is_shown_in_the_tree() {
    let mut app = app_with_dockerfile(120, 40);
    let n = app.package_rows.len();
    assert!(n > 10, "{n}");
    for i in 0..n {
        press(&mut app, "3");
        app.evidence = None;
        app.packages.cursor = app.shown_packages().iter().position(|&p| p == i).expect("shown");
        press(&mut app, "enter");
        let what = format!("package {}", app.package_rows[i].name);
        assert_eq!(
            app.layer, app.package_rows[i].layer,
            "{what}: the layer that installed it"
        );
        every_row_jumps(&mut app, "3", &what);
    }
}

/// A finding's list names each path once, even where its paths hold two twins of one
/// duplicate group (DW504 listed the group once per twin: on py-sample the changelogs of
/// libtinfo6, ncurses-base and ncurses-bin came twice).
#[test]
fn a_findings_list_names_each_path_once() {
    let mut a = (**SAMPLE).clone();
    // The sample's duplicates are below DW504's threshold: the finding is made here.
    let mut dupes = a.findings[0].clone();
    dupes.rule = "DW504";
    a.findings.push(dupes);
    let f = a.findings.len() - 1;
    let group = a
        .accounting
        .duplicates
        .iter()
        .find(|g| g.paths.len() >= 2)
        .expect("a group")
        .clone();
    let mut twin = a.findings[f].paths[0].clone();
    let mut other = twin.clone();
    twin.path = group.paths[0].clone();
    other.path = group.paths[1].clone();
    a.findings[f].paths = vec![twin, other];
    let e = crate::ui::evidence::Evidence::of_finding(&a, f).expect("a list");
    let mut seen = std::collections::HashSet::new();
    for item in &e.items {
        assert!(seen.insert(&item.text), "{}: {} twice", e.title, item.text);
    }
    assert_eq!(e.items.len(), group.paths.len(), "the group, once");
}
