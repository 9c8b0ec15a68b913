//! The whole-image summary: total, final, base and user bytes, bytes hidden by later layers,
//! duplicate content, reclaimable bytes and the largest findings, dive's efficiency for
//! comparison, platform and user. Reads the analysis only.

use deadweight::analysis::Analysis;
use deadweight::catalogue::Severity;
use deadweight::model::{Compression, Layer};
use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::App;
use super::format;
use super::theme::Theme;

/// The style of a finding's severity.
pub fn severity_style(t: &Theme, s: Severity) -> Style {
    match s {
        Severity::Error => t.waste(),
        Severity::Warning => t.warning(),
        Severity::Info => t.dim(),
    }
}

/// The short word for a severity.
pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warn",
        Severity::Info => "info",
    }
}

/// What the stored total is: "compressed" only when every layer blob is (a `docker save`
/// archive stores plain tars, whose blob bytes are no compressed size).
fn stored_as(a: &Analysis) -> &'static str {
    let compressed = |l: &Layer| matches!(l.scan.compression, Some(Compression::Gzip | Compression::Zstd));
    let n = a.layers().iter().filter(|l| compressed(l)).count();
    match n {
        0 => "stored as plain tar",
        n if n == a.layers().len() => "compressed",
        _ => "as stored, partly compressed",
    }
}

/// Draws the image summary in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let a = &app.analysis;
    let tot = &a.totals;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(false))
        .title(Span::styled(" Image ", t.title(false)));
    let label = |s: &'static str| Span::styled(format!("{s:<9}"), t.dim());
    let reclaim: u64 = a.findings.iter().map(|f| f.reclaimable_bytes).sum();
    let user = if a.config().user.is_empty() {
        "root"
    } else {
        &a.config().user
    };
    let base_n = a.attribution.base_layers;
    let mut lines = vec![
        Line::from(vec![
            label("Total"),
            Span::styled(units::size(tot.bytes), t.bold()),
            Span::raw(format!(
                " in {} ({} {})",
                format::count(app.layer_count(), "layer", "layers"),
                units::size(tot.compressed_bytes),
                stored_as(a)
            )),
        ]),
        Line::from(vec![
            label("Final"),
            Span::raw(format!(
                "{} in {}",
                units::size(tot.final_bytes),
                format::count(tot.files as usize, "file", "files")
            )),
        ]),
        Line::from(vec![
            label("User"),
            Span::raw(format!(
                "{} above {} base layer{} ({})",
                units::size(tot.user_bytes),
                base_n,
                if base_n == 1 { "" } else { "s" },
                units::size(tot.base_bytes)
            )),
        ]),
        Line::from(vec![
            label("Hidden"),
            Span::styled(
                units::size(tot.hidden_bytes),
                if tot.hidden_bytes > 0 { t.waste() } else { t.good() },
            ),
            Span::raw(" shipped, deleted or replaced later"),
        ]),
        Line::from(vec![
            label("Dupes"),
            Span::raw(format!(
                "{} in {} of identical files",
                units::size(a.accounting.duplicate_bytes),
                format::count(a.accounting.duplicates.len(), "group", "groups")
            )),
        ]),
        Line::from(vec![
            label("Reclaim"),
            if a.findings.is_empty() {
                Span::styled("no findings", t.good())
            } else {
                Span::styled(
                    format!(
                        "{} in {}",
                        units::size(reclaim),
                        format::count(a.findings.len(), "finding", "findings")
                    ),
                    t.waste(),
                )
            },
        ]),
        Line::from(vec![
            label("dive"),
            Span::raw(format!(
                "efficiency {:.1} %, wasted {} (dive's figures)",
                a.dive.efficiency * 100.0,
                units::size(a.dive.wasted_bytes)
            )),
        ]),
        Line::from(vec![
            label("Runs as"),
            Span::raw(format!("{user} on {}", a.config().platform)),
        ]),
    ];
    for f in a.findings.iter().take(5) {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:>7} ", units::short(f.reclaimable_bytes)),
                severity_style(t, f.severity),
            ),
            Span::styled(format!("{} ", f.rule), t.dim()),
            Span::raw(f.title.clone()),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    #[test]
    fn image_summary_snapshots() {
        snapshot_pane!("image_summary", app, super::render);
        snapshot_pane!(
            "image_summary_no_findings",
            |w, h| app_of(&SAMPLE_NO_FINDINGS, w, h),
            super::render
        );
    }
}
