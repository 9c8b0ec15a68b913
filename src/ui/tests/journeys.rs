//! Journeys: key sequences through `update`, checked on the state and on the screen.

use crate::ui::app::{Focus, Tab};
use crate::ui::nodes::{Mark, ViewMode};
use crate::ui::rows::Sort;
use crate::ui::testing::*;
use crate::ui::update::{Event, update};
use crossterm::event::MouseEventKind;

fn node(app: &crate::ui::app::App, path: &str) -> u32 {
    app.analysis.tree.lookup(path.as_bytes()).expect(path)
}

fn top_level_sizes(app: &crate::ui::app::App) -> Vec<u64> {
    app.files
        .rows
        .rows
        .iter()
        .filter(|r| r.depth == 0)
        .map(|r| app.files.states.size[r.node as usize])
        .collect()
}

#[test]
fn opens_on_the_final_filesystem_sorted_by_size() {
    let app = app(80, 24);
    assert_eq!(app.layer, 7);
    assert_eq!(app.files.view, ViewMode::Cumulative);
    assert_eq!(app.files.sort, Sort::Size);
    assert_eq!(app.focus, Focus::Main);
    let sizes = top_level_sizes(&app);
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    assert_eq!(app.files.states.size[0], app.analysis.totals.final_bytes);
    assert_eq!(selected_path(&app), "/usr");
}

#[test]
fn cursor_moves_never_rebuild_the_rows() {
    let mut app = app(80, 24);
    let (rebuilds, recomputes) = (app.files.rows.rebuilds, app.files.recomputes);
    press(&mut app, "j j down k pgdn pgup G g end home d u");
    press(&mut app, "j j space");
    assert!(app.files.rows.is_expanded(2), "space expands /var");
    press(&mut app, "j j j k space");
    assert_eq!((app.files.rows.rebuilds, app.files.recomputes), (rebuilds, recomputes));
}

#[test]
fn arrows_and_vim_keys_walk_the_tree() {
    let mut app = app(80, 24);
    press(&mut app, "j j");
    assert_eq!(selected_path(&app), "/var");
    press(&mut app, "l");
    assert!(app.files.rows.is_expanded(2));
    press(&mut app, "right");
    assert_eq!(
        selected_path(&app),
        "/var/cache",
        "l on an open directory steps into it"
    );
    press(&mut app, "h");
    assert_eq!(selected_path(&app), "/var", "h goes to the parent");
    press(&mut app, "left");
    assert!(!app.files.rows.is_expanded(2), "h on an open directory collapses it");
    press(&mut app, "enter enter");
    assert!(!app.files.rows.is_expanded(2), "enter toggles");
    press(&mut app, "ctrl+space");
    let all = app.files.rows.rows.len();
    assert!(all > 400, "ctrl+space expands everything: {all}");
    press(&mut app, "ctrl+space");
    assert_eq!(app.files.rows.rows.iter().filter(|r| r.depth > 0).count(), 0);
}

#[test]
fn layer_changes_and_all_layers_views() {
    let mut app = app(80, 24);
    press(&mut app, "tab");
    assert_eq!(app.focus, Focus::Layers);
    press(&mut app, "k k");
    assert_eq!(app.layer, 5);
    press(&mut app, "ctrl+l");
    assert_eq!(app.files.view, ViewMode::Changes);
    let model = node(&app, "/tmp/model.bin");
    assert_eq!(app.files.states.mark[model as usize], Mark::Added);
    assert_eq!(
        app.files.states.mark[node(&app, "/tmp") as usize],
        Mark::Unchanged,
        "curl stored /tmp again"
    );
    assert_eq!(
        app.files.states.mark[node(&app, "/usr") as usize],
        Mark::Absent,
        "not touched by layer 5"
    );
    press(&mut app, "j");
    assert_eq!(app.layer, 6);
    assert_eq!(app.files.states.mark[model as usize], Mark::Deleted);
    press(&mut app, "ctrl+a");
    assert_eq!(app.files.view, ViewMode::Cumulative);
    assert_eq!(
        app.files.states.mark[model as usize],
        Mark::Deleted,
        "deleted by this layer, still shown"
    );
    press(&mut app, "j");
    assert_eq!(app.files.states.mark[model as usize], Mark::Absent);
    press(&mut app, "v");
    assert_eq!(app.files.view, ViewMode::Changes, "v toggles from any pane");
    press(&mut app, "tab [ [");
    assert_eq!((app.focus, app.layer), (Focus::Main, 5));
    press(&mut app, "]");
    assert_eq!(app.layer, 6);
}

#[test]
fn sort_attributes_and_kind_toggles() {
    let mut app = app(80, 24);
    press(&mut app, "o");
    assert_eq!(app.files.sort, Sort::Name);
    let names: Vec<Vec<u8>> = app
        .files
        .rows
        .rows
        .iter()
        .map(|r| app.analysis.tree.name(r.node).to_vec())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    press(&mut app, "ctrl+o");
    assert_eq!(app.files.sort, Sort::Size);
    press(&mut app, "b");
    assert!(screen_text(&app).contains("drwxr-xr-x"));
    press(&mut app, "ctrl+b");
    assert!(!app.files.attrs);
    press(&mut app, "U");
    assert!(app.files.filters.hidden.unmodified);
    // Only the chown layer's metadata-only copies under /app remain.
    assert_eq!(app.files.rows.rows.len(), 1);
    assert_eq!(selected_path(&app), "/app");
    press(&mut app, "M");
    assert_eq!(app.files.rows.rows.len(), 0);
    assert!(screen_text(&app).contains("No entry passes the filters"));
    press(&mut app, "ctrl+m");
    assert!(
        !app.files.filters.hidden.modified,
        "ctrl+m as reported by keyboards that can"
    );
    press(&mut app, "ctrl+u ctrl+a A ctrl+r R");
    assert!(!app.files.filters.active());
}

#[test]
fn a_finding_jumps_to_its_layer_and_path() {
    let mut app = app(80, 24);
    press(&mut app, "2");
    assert_eq!((app.tab, app.focus), (Tab::Findings, Focus::Main));
    assert!(screen_text(&app).contains("DW900"));
    press(&mut app, "j enter");
    assert!(app.evidence.is_some(), "enter lists the finding's paths");
    press(&mut app, "enter");
    assert_eq!(app.tab, Tab::Files);
    assert_eq!(app.layer, 1);
    assert!(
        selected_path(&app).starts_with("/var/lib/apt/lists/"),
        "{}",
        selected_path(&app)
    );
    press(&mut app, "2 esc k enter enter");
    assert_eq!((app.layer, selected_path(&app).as_str()), (5, "/tmp/model.bin"));
    press(&mut app, "2 esc G enter");
    assert!(app.message.as_deref().unwrap_or("").contains("DW902"));
}

#[test]
fn findings_pane_handles_no_findings() {
    let mut app = app_of(&SAMPLE, 80, 24);
    app.analysis = std::sync::Arc::new({
        let mut a = (*app.analysis).clone();
        a.findings.clear();
        a
    });
    press(&mut app, "2 j enter");
    assert!(screen_text(&app).contains("No findings."));
}

#[test]
fn packages_select_the_installing_layer() {
    let mut app = app(80, 24);
    press(&mut app, "3");
    assert_eq!(app.tab, Tab::Packages);
    let screen = screen_text(&app);
    assert!(screen.contains("pytest"), "{screen}");
    let i = app
        .package_rows
        .iter()
        .position(|p| p.name == "pytest")
        .expect("pytest");
    for _ in 0..i {
        press(&mut app, "j");
    }
    press(&mut app, "enter");
    assert_eq!(app.layer, app.package_rows[i].layer);
    press(&mut app, "esc esc");
    assert_eq!(app.tab, Tab::Files, "esc closes the file list, then the pane");
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut app = app(80, 24);
    press(&mut app, "?");
    let s = screen_text(&app);
    assert!(s.contains("Keys") && s.contains("ctrl+f"), "{s}");
    press(&mut app, "j j");
    assert_eq!(app.help, Some(2));
    press(&mut app, "x");
    assert!(app.help.is_none());
    press(&mut app, "? q");
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let mut app = app(80, 24);
    press(&mut app, "/");
    type_text(&mut app, "abc");
    press(&mut app, "ctrl+c");
    assert!(app.quit);
}

#[test]
fn mouse_selects_scrolls_and_switches_tabs() {
    let mut app = app(80, 24);
    let buf = screen(&app);
    let (x, y) = find(&buf, "RUN pip").expect("layer 4 row");
    update(&mut app, click(x, y));
    assert_eq!((app.layer, app.focus), (4, Focus::Layers));
    update(&mut app, mouse(MouseEventKind::ScrollDown, x, y));
    assert_eq!(app.layer, 7);
    let (x, y) = find(&screen(&app), "var/").expect("var row");
    update(&mut app, click(x, y));
    assert_eq!((selected_path(&app).as_str(), app.focus), ("/var", Focus::Main));
    update(&mut app, click(x, y));
    assert!(
        app.files.rows.is_expanded(app.files.rows.cursor),
        "a second click folds open"
    );
    update(&mut app, mouse(MouseEventKind::ScrollDown, x, y));
    assert_eq!(app.files.rows.cursor, 5);
    let (x, y) = find(&screen(&app), "Packages").expect("tab");
    update(&mut app, click(x, y));
    assert_eq!(app.tab, Tab::Packages);
}

#[test]
fn resizing_adapts_and_small_terminals_get_a_notice() {
    let mut app = app(80, 24);
    press(&mut app, "G");
    update(&mut app, Event::Resize(60, 12));
    let s = screen_text(&app);
    assert!(s.contains("Layers") && s.contains("Files"), "{s}");
    let rows = app.areas().tree_rows.height as usize;
    assert!(app.files.rows.cursor >= app.files.rows.offset && app.files.rows.cursor < app.files.rows.offset + rows);
    update(&mut app, Event::Resize(40, 10));
    assert!(screen_text(&app).contains("needs at least 60x12"));
    update(&mut app, click(1, 1));
    update(&mut app, Event::Resize(160, 48));
    assert!(screen_text(&app).contains("all layers up to it"));
}

#[test]
fn idle_prefetch_readies_the_neighbouring_layers() {
    let mut app = app(80, 24);
    press(&mut app, "[ [");
    let (layer, before) = (app.layer, app.files.recomputes);
    assert!(app.prefetch(), "the layer below is computed");
    assert!(!app.prefetch(), "the layer above was just shown: nothing left to do");
    press(&mut app, "[");
    assert!(app.prefetch(), "the next one below");
    press(&mut app, "[ ] ] ]");
    assert_eq!(app.layer, layer + 1);
    assert_eq!(app.files.recomputes, before, "no layer change paid a pass");
    press(&mut app, "[ [ [");
    let marks = app.files.states.mark.clone();
    let mut fresh = crate::ui::testing::app(80, 24);
    fresh.set_layer(layer - 2);
    assert_eq!(
        fresh.files.states.mark, marks,
        "prefetched states are the layer's states"
    );
}

#[test]
fn flipping_back_to_a_recent_layer_or_view_needs_no_pass() {
    let mut app = app(80, 24);
    let before = app.files.recomputes;
    press(&mut app, "v v");
    assert_eq!(
        app.files.recomputes,
        before + 1,
        "the first flip computes, flipping back is cached"
    );
    press(&mut app, "[ ] [ ]");
    assert_eq!(app.files.recomputes, before + 2);
    let marks = app.files.states.mark.clone();
    press(&mut app, "[ [ [ [ ] ] ] ]");
    assert_eq!(
        app.files.states.mark, marks,
        "the cached states are the states of the layer"
    );
}
