//! Every pane fits what it shows to its size, and says where it cannot: a row that runs to
//! the pane's edge either ends in `…` or is whole (its last two words, or its last after a
//! `…`, end a word on a screen three times as wide, whose columns may differ); a pane too
//! short ends with `… N more lines`; the tab labels, hex rows and a package's or Dockerfile
//! line's findings fit at 80x24.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::ui::app::App;
use crate::ui::testing::*;

/// The rows of `area` (inside its border when `bordered`) whose last column holds text other
/// than `…` or a rule line: text cut at the pane's edge without a marker.
fn cut_without_marker(buf: &Buffer, area: Rect, bordered: bool) -> Vec<String> {
    let (x0, x1, y0, y1) = if bordered {
        (area.x + 1, area.right() - 2, area.y + 1, area.bottom() - 1)
    } else {
        (area.x, area.right() - 1, area.y, area.bottom())
    };
    (y0..y1)
        .filter(|&y| !matches!(buf[(x1, y)].symbol(), " " | "…" | "─"))
        .map(|y| (x0..=x1).map(|x| buf[(x, y)].symbol()).collect())
        .collect()
}

/// Checks `app`'s screen; `wide` is the same journey on a screen three times as wide.
fn check(app: &App, wide: &App, what: &str) {
    let buf = screen(app);
    let wide: String = screen_text(wide)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    let whole = |row: &String| {
        let words: Vec<&str> = row.split_whitespace().collect();
        // After a `…` inside the row (text cut before a column), the last word alone.
        let two = words.len() >= 2 && !words[words.len() - 2].ends_with('…');
        let tail = words[words.len().saturating_sub(if two { 2 } else { 1 })..].join(" ");
        wide.contains(&format!("{tail} ")) || wide.contains(&format!("{tail}\n"))
    };
    let a = app.areas();
    let mut cut = Vec::new();
    for (area, bordered) in [(a.layers, true), (a.summary, true), (a.main, true)] {
        if area.width > 2 {
            cut.extend(
                cut_without_marker(&buf, area, bordered)
                    .into_iter()
                    .filter(|row| !whole(row)),
            );
        }
    }
    assert!(
        cut.is_empty(),
        "{what}: rows cut without `…`:\n{}\n{}",
        cut.join("\n"),
        text(&buf)
    );
}

#[test]
fn no_list_row_is_cut_without_a_marker() {
    for (w, h) in [(80u16, 24u16), (100, 30)] {
        let mut app = app_with_dockerfile(w, h);
        let mut wide = app_with_dockerfile(w * 3, h);
        check(&app, &wide, "files");
        for (keys, what) in [
            ("2", "findings"),
            ("enter", "a finding's paths"),
            ("3", "packages"),
            ("enter", "a package's files"),
            ("4", "the Dockerfile"),
        ] {
            press(&mut app, keys);
            press(&mut wide, keys);
            check(&app, &wide, &format!("{what} at {w}x{h}"));
        }
    }
}

/// The main pane's top border holds every tab's label whole, at every size from the smallest
/// drawn up, with and without the left column, and the context from 80 columns up.
#[test]
fn every_tab_label_fits_on_the_main_pane_border() {
    for (w, h, keys) in [(60u16, 12u16, ""), (80, 24, ""), (80, 24, "tab z"), (160, 48, "")] {
        let mut app = app_with_dockerfile(w, h);
        press(&mut app, keys);
        let main = app.areas().main;
        let s = screen_text(&app);
        let border: String = s
            .lines()
            .nth(main.y as usize)
            .unwrap_or("")
            .chars()
            .skip(main.x as usize)
            .collect();
        for (_, label) in crate::ui::main_frame::tab_labels(&app) {
            assert!(
                border.contains(&label),
                "{w}x{h} {keys:?}: {label:?} not whole in {border:?}"
            );
        }
        let (long, short) = crate::ui::main_frame::context(&app);
        let context = border.contains(&short) || border.contains(&long);
        assert!(context || w < 80, "{w}x{h} {keys:?}: no context in {border:?}");
        let labels = crate::ui::main_frame::tab_labels(&app);
        assert_eq!(labels.len(), 4, "{w}x{h}: the Dockerfile tab");
        assert!(labels[3].1.trim_start().starts_with('4'), "{labels:?}");
    }
}

/// The status bar's message, squeezed by the search badge after a jump from a finding's paths,
/// ends in `…` where it is cut, before the badge, which stays whole.
#[test]
fn a_status_message_cut_by_the_badges_ends_in_a_marker() {
    let mut app = app(80, 24);
    press(&mut app, "2 enter enter");
    let message = app.message.clone().expect("the jump's message");
    let badge = crate::ui::status_bar::badges(&app).join(" · ");
    let s = screen_text(&app);
    let bar = s
        .lines()
        .nth(app.areas().status.y as usize)
        .expect("status bar")
        .to_string();
    assert!(bar.ends_with(&badge), "{bar:?} vs badge {badge:?}");
    let left = bar[..bar.len() - badge.len()].trim_end();
    assert!(
        left == message || (left.ends_with('…') && message.starts_with(left.trim_end_matches('…'))),
        "{left:?} is neither {message:?} nor its start with a marker"
    );
}

/// The Image pane too short for its figures and top findings says so on its last row, which a
/// click does not take for a finding (at every height, so also where that row would have been
/// a finding); tall enough, it lists them all with no such row.
#[test]
fn the_image_pane_marks_the_lines_it_cannot_show() {
    for h in 24u16..=48 {
        let mut app = app(80, h);
        let a = app.areas().summary;
        let s = screen_text(&app);
        let last = s.lines().nth((a.bottom() - 2) as usize).expect("row");
        let last: String = last.chars().skip(a.x as usize + 1).take(a.width as usize - 2).collect();
        let marked = last.starts_with("… ") && last.contains("more line");
        let pane: String = s
            .lines()
            .skip(a.y as usize)
            .take(a.height as usize)
            .map(|l| l.chars().skip(a.x as usize).take(a.width as usize).collect::<String>() + "\n")
            .collect();
        assert!(
            marked || !pane.contains("more line"),
            "80x{h}: a marker not on the last row:\n{s}"
        );
        assert!(marked || h > 24, "80x24 is too short for the Image pane:\n{s}");
        if marked {
            let n: usize = last
                .split_whitespace()
                .nth(1)
                .and_then(|w| w.parse().ok())
                .expect("a count");
            let noun = if n == 1 { "line" } else { "lines" };
            assert_eq!(last.trim_end(), format!("… {n} more {noun}"), "80x{h}");
            assert_eq!(crate::ui::image_summary::finding_at(&app, a, a.bottom() - 2), None);
            let before = app.tab;
            crate::ui::update::update(&mut app, click(a.x + 3, a.bottom() - 2));
            assert_eq!(app.tab, before, "80x{h}: a click on the marker opens nothing");
        }
    }
    let tall = app(160, 48);
    assert!(!last_row(&tall, tall.areas().summary).contains("more line"));
}

/// The last inner row of the bordered `area` on `app`'s screen.
fn last_row(app: &App, area: Rect) -> String {
    let s = screen_text(app);
    let row = s.lines().nth((area.bottom() - 2) as usize).unwrap_or("").to_string();
    row.chars()
        .skip(area.x as usize + 1)
        .take(area.width as usize - 2)
        .collect()
}

/// The wrapped panes (layer details, history) too short for their text end with a row that
/// says how much more there is; tall enough, they show it all.
#[test]
fn wrapped_panes_mark_the_lines_they_cannot_show() {
    let app = app(80, 24);
    let a = app.areas();
    for (area, what) in [(a.details, "layer details"), (a.history, "history of /usr")] {
        let last = last_row(&app, area);
        assert!(
            last.starts_with("… ") && last.contains("more line"),
            "{what}: {last:?}\n{}",
            screen_text(&app)
        );
    }
    let tall = crate::ui::testing::app(160, 60);
    assert!(!screen_text(&tall).contains("more line"), "{}", screen_text(&tall));
}

/// A finding with more paths than its detail lists says how many more and that Enter lists
/// them all; the hint says what Enter does (it lists the paths, not the largest one).
#[test]
fn a_findings_detail_counts_the_paths_it_leaves_out() {
    let mut app = app_with_dockerfile(160, 48);
    press(&mut app, "2");
    let shown = app.shown_findings();
    let (row, i) = shown
        .iter()
        .enumerate()
        .find(|&(_, &i)| app.analysis.findings[i].paths.len() > 8)
        .map(|(row, &i)| (row, i))
        .expect("a finding of more than eight paths");
    for _ in 0..row {
        press(&mut app, "j");
    }
    let more = app.analysis.findings[i].paths.len() - 8;
    let s = screen_text(&app);
    assert!(s.contains(&format!("… and {more} more: Enter lists every path")), "{s}");
    press(&mut app, "enter");
    let e = app.evidence.as_ref().expect("Enter lists the paths");
    assert!(e.items.len() > 8, "{}", e.items.len());
}

/// A package's findings (dev tool, rule ids) stay on its row where the row is cut, at 80x24
/// and in a pane of its own: they come before the location and version there (the first of
/// them at least; the rest may be cut, with a `…`).
#[test]
fn a_packages_findings_stay_on_its_cut_row() {
    for keys in ["3", "3 tab z"] {
        let mut app = app_with_dockerfile(80, 24);
        press(&mut app, keys);
        let s = screen_text(&app);
        let row = s
            .lines()
            .find(|l| l.contains(" pytest "))
            .unwrap_or_else(|| panic!("{s}"));
        assert!(row.contains("dev tool"), "{keys:?}: {row:?}");
        for p in app.package_rows.iter().filter(|p| !p.rules.is_empty() && !p.dev) {
            if let Some(row) = s.lines().find(|l| l.contains(&format!(" {} ", p.name))) {
                assert!(
                    row.contains(p.rules[0]),
                    "{keys:?}: {} without {}: {row:?}",
                    p.name,
                    p.rules[0]
                );
            }
        }
    }
}

/// A Dockerfile line's findings stay on its row at 80x24: its text is cut before them.
#[test]
fn a_dockerfile_lines_findings_stay_on_its_row() {
    let mut app = app_with_dockerfile(80, 24);
    press(&mut app, "4");
    let s = screen_text(&app);
    let main = app.areas().main;
    let mut seen = 0;
    for row in s.lines().skip(main.y as usize + 2).take(main.height as usize - 3) {
        let inside: String = row.chars().skip(main.x as usize + 1).collect();
        let Some(n) = inside.split_whitespace().next().and_then(|w| w.parse::<usize>().ok()) else {
            continue;
        };
        let figures = crate::ui::dockerfile::DockerfileView::figures(&app.analysis, n);
        if let Some(first) = figures.rules.first() {
            seen += 1;
            assert!(inside.contains(*first), "line {n} without {first}: {inside:?}\n{s}");
        }
    }
    assert!(seen > 0, "no line with a finding on screen:\n{s}");
}

/// The packages list keeps its Version column on screen from 60 columns up (at 120x40 the
/// pane is 70 wide, and the version was cut away).
#[test]
fn the_package_version_shows_from_sixty_columns() {
    for w in [60u16, 70, 78, 86, 120] {
        let app = app_with_dockerfile(w, 30);
        let buf = pane(&app, w, 30, crate::ui::packages::render);
        let s = text(&buf);
        assert!(s.lines().next().unwrap_or("").contains("Version"), "{w}: {s}");
        // The largest package without findings (findings take the room before the version).
        let first = app
            .shown_packages()
            .into_iter()
            .map(|i| &app.package_rows[i])
            .find(|p| p.rules.is_empty() && !p.dev)
            .expect("a plain package");
        assert!(s.contains(&first.version), "{w}: {} not shown\n{s}", first.version);
    }
}
