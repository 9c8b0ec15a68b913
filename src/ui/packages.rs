//! The packages tab: Python, Debian and Alpine packages together, largest first, with version,
//! bytes and files in the final filesystem, the layer that installed them, and development
//! tools marked. Enter (in `update`) selects the installing layer. Reads the app's package
//! rows only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use deadweight::analysis::Analysis;
use deadweight::report::units;

use super::app::{App, Focus, scroll};
use super::format;
use super::layout::main_parts;

/// One package of any ecosystem, for the packages pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRow {
    /// `py`, `deb` or `apk`.
    pub ecosystem: &'static str,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Bytes in the final filesystem.
    pub bytes: u64,
    /// Files in the final filesystem.
    pub files: u64,
    /// Layer that installed it.
    pub layer: usize,
    /// A development tool.
    pub dev: bool,
}

/// Every package of the image, Python, Debian and Alpine together, largest first.
pub fn rows(a: &Analysis) -> Vec<PackageRow> {
    let p = &a.packages;
    let mut rows: Vec<PackageRow> = p
        .python
        .iter()
        .map(|x| PackageRow {
            ecosystem: "py",
            name: x.name.clone(),
            version: x.version.clone(),
            bytes: x.bytes,
            files: x.files,
            layer: x.layer,
            dev: x.dev_tool,
        })
        .collect();
    for (eco, list) in [("deb", &p.debian), ("apk", &p.alpine)] {
        rows.extend(list.iter().map(|x| PackageRow {
            ecosystem: eco,
            name: x.name.clone(),
            version: x.version.clone(),
            bytes: x.bytes,
            files: x.files,
            layer: x.layer,
            dev: false,
        }));
    }
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    rows
}

/// Draws the packages tab in `area` (inside the main pane's border).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let parts = main_parts(area);
    let rows = &app.package_rows;
    if rows.is_empty() {
        let msg = "No Python, Debian or Alpine package metadata found in the final filesystem.";
        frame.render_widget(Paragraph::new(Span::styled(msg, t.dim())), area);
        return;
    }
    let header = format!(
        "{:<4}{:>8} {:>6} {:>5}  {:<28} Version",
        "", "Size", "Files", "Layer", "Package"
    );
    frame.render_widget(Paragraph::new(Span::styled(header, t.dim())), parts.header);
    let height = parts.rows.height as usize;
    let offset = scroll(app.packages.offset, app.packages.cursor, height, rows.len());
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, p)| {
            let mut spans = vec![
                Span::styled(format!("{:<4}", p.ecosystem), t.dim()),
                Span::raw(format!("{:>8} ", units::short(p.bytes))),
                Span::raw(format!("{:>6} ", p.files)),
                Span::raw(format!("{:>5}  ", p.layer)),
                Span::raw(format!("{:<28} ", format::truncate(&p.name, 28))),
                Span::styled(p.version.clone(), t.dim()),
            ];
            if p.dev {
                spans.push(Span::styled("  dev tool", t.warning()));
            }
            let line = Line::from(spans);
            if i == app.packages.cursor {
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
