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

/// How many top findings the pane lists.
const TOP_FINDINGS: usize = 5;

/// The finding listed at row `y` of the pane drawn in `area` (for clicks); none on the row that
/// says how many lines did not fit.
pub fn finding_at(app: &App, area: Rect, y: u16) -> Option<usize> {
    let facts = facts(app).len();
    let top = TOP_FINDINGS.min(app.analysis.findings.len());
    let row = (y as usize).checked_sub(area.y as usize + 1)?;
    let i = row.checked_sub(facts)?;
    (i < top && row < shown_rows(facts + top, area.height.saturating_sub(2) as usize)).then_some(i)
}

/// How many of `lines` lines are drawn in `height` rows: all when they fit, else all but the
/// last row, which says how many more there are.
fn shown_rows(lines: usize, height: usize) -> usize {
    if lines <= height {
        lines
    } else {
        height.saturating_sub(1)
    }
}

/// Draws the image summary in `area`: the image's figures, then its top findings.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let a = &app.analysis;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(false))
        .title(Span::styled(" Image ", t.title(false)));
    let mut lines = facts(app);
    for f in a.findings.iter().take(TOP_FINDINGS) {
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:>7} ", units::short(f.reclaimable_bytes)),
                severity_style(t, f.severity),
            ),
            Span::styled(format!("{} ", f.rule), t.dim()),
            Span::raw(f.title.clone()),
        ]));
    }
    let inner = block.inner(area);
    let (total, width) = (lines.len(), inner.width as usize);
    let shown = shown_rows(total, inner.height as usize);
    let mut lines: Vec<Line> = lines.into_iter().take(shown).map(|l| format::clip(l, width)).collect();
    if shown < total && inner.height > 0 {
        let more = format::more_lines(total - shown);
        lines.push(format::clip(Line::from(Span::styled(more, t.dim())), width));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The image's figures, one per line.
fn facts(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let a = &app.analysis;
    let tot = &a.totals;
    let label = |s: &'static str| Span::styled(format!("{s:<9}"), t.dim());
    let reclaim: u64 = a.findings.iter().map(|f| f.reclaimable_bytes).sum();
    let user = if a.config().user.is_empty() {
        "root".to_string()
    } else {
        a.config().user.clone()
    };
    let base_n = a.attribution.base_layers;
    let lines = vec![
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
    let mut lines = lines;
    lines.extend(config_lines(app));
    lines
}

/// The image's name and run configuration: command, working directory, ports, environment and
/// labels (only those it sets).
fn config_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let a = &app.analysis;
    let c = a.config();
    let label = |s: &'static str| Span::styled(format!("{s:<9}"), t.dim());
    let mut out = vec![Line::from(vec![label("Image"), Span::raw(a.image.reference.clone())])];
    let argv = |v: &[String]| v.join(" ");
    let command = match (c.entrypoint.is_empty(), c.cmd.is_empty()) {
        (true, true) => None,
        (false, true) => Some(argv(&c.entrypoint)),
        (true, false) => Some(argv(&c.cmd)),
        (false, false) => Some(format!("{} {}", argv(&c.entrypoint), argv(&c.cmd))),
    };
    let mut kv = |k: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(Line::from(vec![label(k), Span::raw(v)]));
        }
    };
    kv("Command", command);
    kv("Workdir", Some(c.workdir.clone()));
    kv("Ports", Some(c.exposed_ports.join(" ")));
    kv(
        "Env",
        Some(
            c.env
                .iter()
                .map(|e| e.split('=').next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" "),
        ),
    );
    kv(
        "Labels",
        Some(
            c.labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    );
    out
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
