//! The packages tab: Python, Debian and Alpine packages together, largest first, with version,
//! bytes and files in the final filesystem, the layer that installed them, where they are
//! installed (the Python environment, or the system), and development tools marked. Enter (in `update`) selects the installing layer. Reads the app's package
//! rows only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use deadweight::report::units;

use super::app::{App, Focus};
use super::format;
use super::layout::main_parts;
use super::package_rows::PackageRow;

/// Draws the packages tab in `area` (inside the main pane's border).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let parts = main_parts(area);
    let shown = app.shown_packages();
    let rows: Vec<&PackageRow> = shown.iter().map(|&i| &app.package_rows[i]).collect();
    if !app.package_filter.is_empty() && rows.is_empty() {
        let msg = format!(
            "No package name contains \"{}\" (ctrl+f to change it).",
            app.package_filter
        );
        frame.render_widget(Paragraph::new(Span::styled(msg, t.dim())), area);
        return;
    }
    if rows.is_empty() {
        let msg = "No Python, Debian or Alpine package metadata found in the final filesystem.";
        frame.render_widget(Paragraph::new(Span::styled(msg, t.dim())), area);
        return;
    }
    // The name first, then where it lives, then the version (about ten columns kept for it);
    // the file count goes where the pane is narrow.
    let (files, name_w, loc_w) = match area.width {
        110.. => (true, 28, 28),
        85.. => (true, 24, 16),
        75.. => (true, 18, 12),
        60.. => (false, 18, 12),
        _ => (false, 16, 10),
    };
    let files_col = |v: String| if files { format!("{v:>6} ") } else { String::new() };
    let header = format!(
        "{:<4}{:>8} {}{:>5}  {:<name_w$} {:<loc_w$} Version",
        "",
        "Size",
        files_col("Files".into()),
        "Layer",
        "Package",
        "Location"
    );
    let header = format::clip(Line::from(Span::styled(header, t.dim())), parts.header.width as usize);
    frame.render_widget(Paragraph::new(header), parts.header);
    let height = parts.rows.height as usize;
    let lines: Vec<Line> = app
        .packages
        .window(&rows, height)
        .map(|(_, p, selected)| {
            let mut spans = vec![
                Span::styled(format!("{:<4}", p.ecosystem), t.dim()),
                Span::raw(format!("{:>8} ", units::short(p.bytes))),
                Span::raw(files_col(p.files.to_string())),
                Span::raw(format!("{:>5}  ", p.layer)),
                Span::raw(format!("{:<name_w$} ", format::truncate(&p.name, name_w))),
            ];
            let dev = if p.dev {
                vec!["dev tool".to_string()]
            } else {
                Vec::new()
            };
            let flags: Vec<String> = dev
                .into_iter()
                .chain((!p.rules.is_empty()).then(|| p.rules.join(" ")))
                .collect();
            let place = [
                Span::styled(
                    format!("{:<loc_w$} ", format::truncate_left(&p.location, loc_w)),
                    t.dim(),
                ),
                Span::styled(p.version.clone(), t.dim()),
            ];
            let flags = Span::styled(flags.join("  "), t.warning());
            let width = parts.rows.width as usize;
            let whole = Line::from(spans.clone()).width() + place.iter().map(Span::width).sum::<usize>();
            // The findings matter more than where and which version: where the row is cut,
            // they come before them.
            if flags.content.is_empty() {
                spans.extend(place);
            } else if whole + 2 + flags.width() <= width {
                spans.extend(place);
                spans.extend([Span::raw("  "), flags]);
            } else {
                spans.extend([flags, Span::raw("  ")]);
                spans.extend(place);
            }
            let line = format::clip(Line::from(spans), width);
            if selected {
                line.patch_style(t.cursor(app.focus == Focus::Main))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts.rows);
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    #[test]
    fn packages_snapshots() {
        snapshot_pane!(
            "packages",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "3 j j");
                a
            },
            main_pane
        );
    }

    #[test]
    fn environments_are_named_by_their_root() {
        assert_eq!(
            crate::ui::package_rows::env_root("/app/.venv/lib/python3.11/site-packages"),
            "/app/.venv"
        );
        assert_eq!(
            crate::ui::package_rows::env_root("/usr/local/lib/python3.11/dist-packages"),
            "/usr/local"
        );
        assert_eq!(
            crate::ui::package_rows::env_root("/usr/lib/python3/dist-packages"),
            "/usr"
        );
        assert_eq!(crate::ui::package_rows::env_root("/opt/odd/place"), "/opt/odd/place");
    }

    #[test]
    fn packages_are_largest_first_and_dev_tools_marked() {
        let a = app(160, 48);
        assert!(a.package_rows.windows(2).all(|w| w[0].bytes >= w[1].bytes));
        let mut a = a;
        press(&mut a, "3");
        let s = text(&pane(&a, 160, 48, main_pane));
        let line = s.lines().find(|l| l.contains(" pytest ")).expect("pytest listed");
        assert!(line.contains("dev tool"), "{line}");
    }
}
