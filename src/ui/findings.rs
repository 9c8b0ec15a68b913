//! The findings tab: every finding of the rules with its reclaimable bytes, severity, rule,
//! layer and title, largest first as the analysis orders them; below the list, the selected
//! finding's Dockerfile line, fix and largest paths. Enter (in `update`) jumps to its layer and
//! reveals its largest path. Reads `analysis.findings` only, whatever it holds.

use deadweight::report::text::claimed_note;
use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use deadweight::analysis::rules::Finding;

use super::app::{App, Focus};
use super::format;
use super::image_summary::{severity_style, severity_word};
use super::layout::main_parts;

/// Draws the findings tab in `area` (inside the main pane's border).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let parts = main_parts(area);
    let shown = app.shown_findings();
    let findings: Vec<&Finding> = shown.iter().map(|&i| &app.analysis.findings[i]).collect();
    if app.findings_here && findings.is_empty() {
        let text = format!("No finding in layer {} (f: every layer's).", app.layer);
        frame.render_widget(Paragraph::new(Span::styled(text, t.dim())), area);
        return;
    }
    if findings.is_empty() {
        let text = vec![
            Line::from(Span::styled("No findings.", t.good())),
            Line::from(Span::styled(
                "The rules found no waste to report in this image (or none ran).",
                t.dim(),
            )),
        ];
        frame.render_widget(Paragraph::new(text), area);
        return;
    }
    let scope = if app.findings_here {
        format!(" (layer {} only · f: all)", app.layer)
    } else {
        String::new()
    };
    let header = format!(
        "{:>8}  {:<5} {:<6} {:<5} Finding{scope}",
        "Bytes", "Sev", "Rule", "Layer"
    );
    let header = format::clip(Line::from(Span::styled(header, t.dim())), parts.header.width as usize);
    frame.render_widget(Paragraph::new(header), parts.header);
    let height = parts.findings_rows.height as usize;
    let lines: Vec<Line> = app
        .findings
        .window(&findings, height)
        .map(|(_, f, selected)| {
            let layer = f.layer.map_or("-".to_string(), |l| l.to_string());
            let line = Line::from(vec![
                Span::styled(format!("{:>8}  ", units::short(f.reclaimable_bytes)), t.bold()),
                Span::styled(
                    format!("{:<5} ", severity_word(f.severity)),
                    severity_style(t, f.severity),
                ),
                Span::styled(format!("{:<6} ", f.rule), t.dim()),
                Span::raw(format!("{layer:<5} ")),
                Span::raw(f.title.clone()),
            ]);
            let line = format::clip(line, parts.findings_rows.width as usize);
            if selected {
                line.patch_style(t.cursor(app.focus == Focus::Main))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), parts.findings_rows);
    let Some(f) = findings.get(app.findings.cursor).copied() else {
        return;
    };
    let mut detail = vec![Line::from(Span::styled("─".repeat(area.width as usize), t.dim()))];
    let place = match (f.layer, f.dockerfile_line) {
        (Some(l), Some(n)) => format!("layer {l}, Dockerfile line {n}"),
        (Some(l), None) => format!("layer {l}"),
        (None, Some(n)) => format!("Dockerfile line {n}"),
        (None, None) => "the whole image".to_string(),
    };
    detail.push(Line::from(vec![
        Span::styled(format!("{} ", f.rule), severity_style(t, f.severity)),
        Span::styled(f.title.clone(), t.bold()),
        Span::styled(format!(" ({place})"), t.dim()),
    ]));
    detail.push(Line::from(vec![
        Span::styled("Fix  ", t.dim()),
        Span::raw(f.fix.clone()),
    ]));
    for p in f.paths.iter().take(8) {
        let note = claimed_note(f.rule, p);
        let room = (area.width as usize).saturating_sub(10 + note.chars().count()).max(16);
        detail.push(Line::from(vec![
            Span::styled(format!("{:>8}  ", units::short(p.bytes)), t.waste()),
            Span::raw(format::truncate_left(&p.path, room)),
            Span::styled(note, t.dim()),
        ]));
    }
    let more = f.paths.len().saturating_sub(8);
    // What Enter does (update::list_key): list the paths, or, with none, select the layer.
    let hint = if more > 0 {
        format!("… and {more} more: Enter lists every path, Enter on one shows it in the file tree")
    } else if f.paths.is_empty() {
        "Enter: select its layer".to_string()
    } else {
        "Enter: list its paths; Enter on one shows it in the file tree".to_string()
    };
    detail.push(Line::from(Span::styled(hint, t.dim())));
    super::draw::wrapped(frame, Block::default(), detail, parts.finding_detail, t.dim());
}

#[cfg(test)]
mod tests {
    use ratatui::style::Color;

    use crate::ui::testing::*;

    #[test]
    fn findings_snapshots() {
        snapshot_pane!(
            "findings",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "2 j");
                a
            },
            main_pane
        );
        snapshot_pane!(
            "findings_none",
            |w, h| {
                let mut a = app_of(&SAMPLE_NO_FINDINGS, w, h);
                press(&mut a, "2");
                a
            },
            main_pane
        );
    }

    #[test]
    fn severities_have_colours() {
        let mut a = app(160, 48);
        press(&mut a, "2");
        let buf = pane(&a, 160, 48, main_pane);
        assert_eq!(style_at(&buf, "error").fg, Some(Color::Red));
        assert_eq!(style_at(&buf, "warn ").fg, Some(Color::Yellow));
    }
}
