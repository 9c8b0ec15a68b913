//! Journeys for long paths: the full path where it is never cut, the left column hidden for a
//! wide tree, the path copied to the clipboard, twins named in the history; and the image's
//! config in the Image pane.

use crate::ui::app::Focus;
use crate::ui::testing::*;

fn reveal(app: &mut crate::ui::app::App, path: &str) {
    let node = app.analysis.tree.lookup(path.as_bytes()).expect(path);
    assert!(app.reveal_anywhere(node, None), "{path}");
}

/// The history pane starts with the selected entry's whole path, wrapped rather than cut, even
/// at 80x24 and for the sample's longest path.
#[test]
fn the_full_path_is_shown_whole() {
    let mut app = app(80, 24);
    let tree = &app.analysis.tree;
    let longest = (1..tree.len() as u32)
        .map(|n| tree.path(n))
        .max_by_key(String::len)
        .expect("paths");
    assert!(longest.len() > 45, "{longest}");
    reveal(&mut app, &longest);
    let h = app.areas().history;
    let s = screen_text(&app);
    let inside: String = s
        .lines()
        .skip(h.y as usize + 1)
        .take(h.height as usize - 2)
        .map(|l| {
            l.chars()
                .skip(h.x as usize + 1)
                .take(h.width as usize - 2)
                .collect::<String>()
        })
        .map(|l| l.trim_end().to_string())
        .collect();
    assert!(inside.contains(&longest), "{longest} not whole in:\n{s}");
}

/// `z` hides the left column: the tree gets the whole width, Tab stays in it; `z` again brings
/// the column back.
#[test]
fn z_gives_the_tree_the_whole_width() {
    let mut app = app(80, 24);
    let narrow = app.areas().main.width;
    press(&mut app, "tab z");
    assert_eq!(app.areas().main.width, 80);
    assert!(narrow < 80);
    assert_eq!(app.focus, Focus::Main);
    assert!(!screen_text(&app).contains("Layers 8"));
    press(&mut app, "tab");
    assert_eq!(app.focus, Focus::Main, "no hidden pane to tab to");
    press(&mut app, "z");
    assert_eq!(app.areas().main.width, narrow);
    insta::assert_snapshot!("tree_wide_80x24", {
        let mut a = app_of(&SAMPLE, 80, 24);
        press(&mut a, "z j j space");
        screen_text(&a)
    });
}

/// `y` asks for the selected path to be copied (the event loop sends it with OSC 52).
#[test]
fn y_copies_the_full_path() {
    let mut app = app(80, 24);
    reveal(&mut app, "/var/lib/dpkg/status");
    press(&mut app, "y");
    assert_eq!(app.clipboard.as_deref(), Some("/var/lib/dpkg/status"));
    assert!(
        app.message
            .as_deref()
            .unwrap_or("")
            .starts_with("copied /var/lib/dpkg/status")
    );
}

/// A file with identical twins says so in its history.
#[test]
fn twins_are_named_in_the_history() {
    let mut app = app(160, 48);
    let g = app
        .analysis
        .accounting
        .duplicates
        .first()
        .cloned()
        .expect("the sample has duplicates");
    reveal(&mut app, &g.paths[0]);
    let s = screen_text(&app);
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("identical to"), "{s}");
    assert!(s.contains(&g.paths[1]), "{s}");
}

/// The Image pane shows the image's name and run configuration.
#[test]
fn the_image_pane_shows_the_config() {
    let app = app(160, 48);
    let c = app.analysis.config();
    let s = screen_text(&app);
    assert!(s.contains(&format!("Image    {}", app.analysis.image.reference)), "{s}");
    let cmd = c.entrypoint.iter().chain(&c.cmd).cloned().collect::<Vec<_>>().join(" ");
    assert!(!cmd.is_empty() && s.contains(&format!("Command  {cmd}")), "{s}");
    if let Some(first) = c.env.first() {
        assert!(s.contains(first.split('=').next().unwrap_or_default()), "{s}");
    }
}

/// A name wider than the pane ends in `…` instead of running off; `}` (or shift+→) scrolls
/// the names sideways and `{` back, the sizes staying put.
#[test]
fn long_names_clip_and_scroll_sideways() {
    let mut app = app(80, 24);
    let tree = &app.analysis.tree;
    let longest = (1..tree.len() as u32)
        .max_by_key(|&n| tree.path(n).len())
        .expect("paths");
    let path = tree.path(longest);
    let name = String::from_utf8_lossy(tree.name(longest)).into_owned();
    reveal(&mut app, &path);
    let main = app.areas().main;
    let row = |app: &crate::ui::app::App| {
        let s = screen_text(app);
        let y = main.y as usize + 2 + (app.files.rows.cursor - app.files.rows.offset);
        let line: String = s
            .lines()
            .nth(y)
            .unwrap_or_default()
            .chars()
            .skip(main.x as usize)
            .take(main.width as usize)
            .collect();
        line
    };
    let before = row(&app);
    assert!(before.contains('…') || before.contains(&name), "{before}");
    press(&mut app, "}");
    let after = row(&app);
    assert_eq!(app.files.hscroll, 8);
    assert!(after.contains('…'), "the scrolled name is marked: {after}");
    let tail: String = name.chars().skip(9).collect();
    assert!(after.contains(&tail) || after.ends_with("…│"), "{after}");
    press(&mut app, "{");
    assert_eq!(app.files.hscroll, 0);
    assert_eq!(row(&app), before);
}
