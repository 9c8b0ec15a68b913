//! Journeys through the file viewer and extraction: the selected layer's copy of a file read
//! back from the image, text or hex; extraction that asks before overwriting and never writes
//! through a symlink.

use crate::ui::testing::*;

fn reveal(app: &mut crate::ui::app::App, path: &str) {
    let node = app.analysis.tree.lookup(path.as_bytes()).expect(path);
    assert!(app.reveal_anywhere(node, None), "{path}");
}

#[test]
fn a_text_file_opens_with_line_numbers() {
    let mut app = app(160, 48);
    reveal(&mut app, "/app/app/core.py");
    press(&mut app, "e");
    let v = app
        .viewer
        .clone()
        .unwrap_or_else(|| panic!("viewer: {:?}", app.message));
    let size = app
        .analysis
        .tree
        .visible_at(node_of(&app, "/app/app/core.py"), v.layer as u16)
        .map(|x| x.size);
    assert_eq!(Some(v.content.len() as u64), size, "the whole file, as stored");
    assert!(!v.binary());
    let s = screen_text(&app);
    let first = String::from_utf8_lossy(&v.content)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(s.contains(&format!("    1  {first}")), "{s}");
    assert!(s.contains("/app/app/core.py @ layer"), "{s}");
    press(&mut app, "esc");
    assert!(app.viewer.is_none());
    insta::assert_snapshot!("viewer_text_80x24", {
        let mut a = app_of(&SAMPLE, 80, 24);
        reveal(&mut a, "/app/app/core.py");
        press(&mut a, "e");
        screen_text(&a)
    });
}

fn node_of(app: &crate::ui::app::App, path: &str) -> u32 {
    app.analysis.tree.lookup(path.as_bytes()).expect(path)
}

#[test]
fn a_binary_file_opens_as_hex() {
    let mut app = app(160, 48);
    reveal(&mut app, "/usr/lib/python3.11/__pycache__/os.cpython-311.pyc");
    press(&mut app, "e");
    if app.viewer.is_none() {
        reveal(&mut app, "/usr/bin/gcc-12");
        press(&mut app, "e");
    }
    let v = app
        .viewer
        .clone()
        .unwrap_or_else(|| panic!("viewer: {:?}", app.message));
    if v.binary() {
        let s = screen_text(&app);
        assert!(s.contains("00000000  "), "{s}");
        assert!(s.contains("(hex"), "{s}");
    }
    insta::assert_snapshot!("viewer_160x48", screen_text(&app));
}

#[test]
fn a_directory_is_not_viewed() {
    let mut app = app(80, 24);
    reveal(&mut app, "/app");
    press(&mut app, "e");
    assert!(app.viewer.is_none());
    assert!(
        app.message.as_deref().unwrap_or("").contains("not a regular file"),
        "{:?}",
        app.message
    );
}

/// `x` writes the viewed file to the typed path; a second time it asks, `n` keeps the file,
/// `y` replaces it; a symlink at the path is replaced, never followed.
#[test]
fn extraction_asks_before_overwriting_and_never_follows_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("core.py");
    let out_s = out.to_str().expect("utf-8 temp path").to_string();
    let mut app = app(160, 48);
    reveal(&mut app, "/app/app/core.py");
    press(&mut app, "e x ctrl+u");
    type_text(&mut app, &out_s);
    press(&mut app, "enter");
    let content = app.viewer.as_ref().map(|v| v.content.clone()).expect("viewer");
    assert_eq!(std::fs::read(&out).expect("written"), content, "{:?}", app.message);
    std::fs::write(&out, b"mine").expect("write");
    press(&mut app, "x ctrl+u");
    type_text(&mut app, &out_s);
    press(&mut app, "enter");
    assert!(
        app.message.as_deref().unwrap_or("").contains("exists"),
        "{:?}",
        app.message
    );
    press(&mut app, "n");
    assert_eq!(std::fs::read(&out).expect("kept"), b"mine");
    press(&mut app, "x ctrl+u");
    type_text(&mut app, &out_s);
    press(&mut app, "enter y");
    assert_eq!(std::fs::read(&out).expect("replaced"), content);
    // A symlink at the target: replaced by the file, the link's target untouched.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, b"untouched").expect("write");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    press(&mut app, "x ctrl+u");
    type_text(&mut app, link.to_str().expect("utf-8"));
    press(&mut app, "enter y");
    assert_eq!(std::fs::read(&victim).expect("victim"), b"untouched");
    assert!(!std::fs::symlink_metadata(&link).expect("link").file_type().is_symlink());
    assert_eq!(std::fs::read(&link).expect("file"), content);
}

/// The viewer reads the image the way the binary opened it: the `--tag`/`--platform` pick goes
/// with it, so a container of several images is never read at another image's layer.
#[test]
fn the_viewer_reads_the_image_it_was_opened_with() {
    use crate::ui::viewer::Reopen;
    use deadweight::source::{reference, resolve::Selection};
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/sample.tar");
    let spec = reference::parse(sample, None).expect("the sample's path parses");
    let mut app = app(160, 48);
    app.reopen = Some(Reopen {
        spec: spec.clone(),
        selection: Selection {
            tag: Some("deadweight/other:1".into()),
            platform: None,
        },
        storage: None,
    });
    reveal(&mut app, "/app/app/core.py");
    press(&mut app, "e");
    assert!(
        app.viewer.is_none(),
        "a pick the archive lacks is not read as its default image"
    );
    let said = app.message.clone().unwrap_or_default();
    assert!(said.contains("deadweight/other:1"), "{said}");
    app.reopen = Some(Reopen {
        spec,
        selection: Selection {
            tag: Some("deadweight/sample:latest".into()),
            platform: None,
        },
        storage: None,
    });
    press(&mut app, "e");
    assert!(app.viewer.is_some(), "{:?}", app.message);
}

/// A hex dump fits its pane: 16 bytes a row where they fit, 8 at 80x24, never a cut row.
#[test]
fn hex_rows_fit_the_pane() {
    for (w, h, per_row) in [(160u16, 48u16, 16usize), (80, 24, 8)] {
        let mut app = app(w, h);
        app.viewer = Some(crate::ui::viewer::Viewer {
            path: "/bin/blob".into(),
            layer: 0,
            content: (0..=255u8).collect(),
            truncated: false,
            scroll: 0,
            hscroll: 0,
        });
        let s = screen_text(&app);
        let second = format!("{per_row:08x}  {per_row:02x} {:02x}", per_row + 1);
        assert!(s.contains(&second), "{w}x{h}: {second:?} not on screen\n{s}");
        let main = app.areas().main;
        for row in s.lines().skip(main.y as usize + 2).take(main.height as usize - 3) {
            let inside: String = row
                .chars()
                .skip(main.x as usize + 1)
                .take(main.width as usize - 2)
                .collect();
            assert!(!inside.contains('…'), "{w}x{h}: a cut hex row {inside:?}\n{s}");
        }
    }
}

/// A text line wider than the viewer scrolls sideways with `}` (and back with `{`), its line
/// number kept and a `…` where its start is off to the left.
#[test]
fn long_text_lines_scroll_sideways() {
    let mut app = app(80, 24);
    let line = format!("start {} THE-END", "x".repeat(60));
    app.viewer = Some(crate::ui::viewer::Viewer {
        path: "/etc/long.conf".into(),
        layer: 0,
        content: line.clone().into_bytes(),
        truncated: false,
        scroll: 0,
        hscroll: 0,
    });
    let s = screen_text(&app);
    assert!(s.contains("    1  start xxx") && !s.contains("THE-END"), "{s}");
    press(&mut app, "} } } } } } } }");
    let s = screen_text(&app);
    assert!(s.contains("    1  …") && s.contains("THE-END"), "{s}");
    assert!(app.viewer.is_some(), "`}}` does not close the viewer");
    press(&mut app, "{ { { { { { { {");
    assert!(screen_text(&app).contains("    1  start xxx"));
}

/// With the viewer open, the status bar offers the viewer's keys, not the tree's.
#[test]
fn the_status_bar_offers_the_viewers_keys() {
    let mut app = app(80, 24);
    assert_eq!(app.focus, crate::ui::app::Focus::Main);
    app.viewer = Some(crate::ui::viewer::Viewer {
        path: "/etc/hostname".into(),
        layer: 0,
        content: b"box\n".to_vec(),
        truncated: false,
        scroll: 0,
        hscroll: 0,
    });
    let s = screen_text(&app);
    let bar = s.lines().nth(app.areas().status.y as usize).expect("status bar");
    assert!(bar.contains("x extract") && bar.contains("esc close"), "{bar:?}");
    assert!(!bar.contains("fold"), "{bar:?}");
}
