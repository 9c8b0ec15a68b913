//! Details of the selected layer: instruction and Dockerfile line, sizes (content, tar,
//! compressed blob), bytes added, modified, metadata-only and deleted, bytes later layers hide,
//! digests and media type, and the full command wrapped. Reads the analysis only.

use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::App;
use super::format;
use super::layers::instruction;

fn kv<'a>(app: &App, key: &'a str, value: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{key:<9}"), app.theme.dim()),
        Span::raw(value),
    ])
}

/// A digest cut to the pane's width (after the 9-column label).
fn cut(s: &str, inner_w: usize) -> String {
    format::truncate(s, inner_w.saturating_sub(9).max(8))
}

/// Draws the layer details in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let i = app.layer;
    let a = &app.analysis;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(false))
        .title(Span::styled(format!(" Layer {i} "), t.title(false)));
    let Some(l) = a.layers().get(i) else {
        frame.render_widget(Paragraph::new("The image has no layers.").block(block), area);
        return;
    };
    let m = a.merge.get(i).copied().unwrap_or_default();
    let origin = a.attribution.layers.get(i);
    let mut made = match origin.and_then(|o| o.dockerfile_line) {
        Some(n) => format!("Dockerfile line {n}"),
        None => "no Dockerfile line".to_string(),
    };
    if origin.is_some_and(|o| o.base) {
        made = "base image layer".to_string();
    }
    if origin.is_some_and(|o| o.squashed) {
        made.push_str(", squashed");
    }
    let counts = &l.scan.counts;
    let inner_w = area.width.saturating_sub(2) as usize;
    let sz = if inner_w >= 56 { units::size } else { units::short };
    let mut lines = vec![
        kv(app, "Made by", made),
        kv(
            app,
            "Size",
            format!(
                "{} in {}",
                sz(l.scan.content_bytes),
                format::count(counts.files as usize, "file", "files")
            ),
        ),
        Line::from(vec![
            Span::styled(format!("{:<9}", "Changes"), t.dim()),
            Span::styled(format!("+{}", sz(m.added_bytes)), t.mark(super::nodes::Mark::Added)),
            Span::raw("  "),
            Span::styled(
                format!("~{}", sz(m.modified_bytes)),
                t.mark(super::nodes::Mark::Modified),
            ),
            Span::raw(if m.metadata_only_bytes > 0 {
                format!(" ({} chown) ", sz(m.metadata_only_bytes))
            } else {
                "  ".to_string()
            }),
            Span::styled(format!("-{}", sz(m.deleted_bytes)), t.mark(super::nodes::Mark::Deleted)),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<9}", "Wasted"), t.dim()),
            Span::styled(
                format!("{} hidden by later layers", sz(m.hidden_later_bytes)),
                if m.hidden_later_bytes > 0 { t.waste() } else { t.text() },
            ),
        ]),
        kv(
            app,
            "Stored",
            format!("tar {}, blob {}", sz(l.scan.tar_bytes), sz(l.scan.blob_bytes)),
        ),
        kv(app, "Command", format::one_line(&instruction(app, i), usize::MAX)),
        kv(app, "Digest", cut(l.digest.as_deref().unwrap_or("-"), inner_w)),
    ];
    if let Some(d) = &l.diff_id {
        lines.push(kv(app, "Diff id", cut(d, inner_w)));
    }
    lines.push(kv(
        app,
        "Media",
        l.media_type
            .clone()
            .unwrap_or_else(|| "(not given: docker save layout)".into()),
    ));
    super::draw::wrapped(frame, block, lines, area, t.dim());
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    #[test]
    fn layer_details_snapshots() {
        snapshot_pane!(
            "layer_details",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "[ [");
                a
            },
            super::render
        );
        snapshot_pane!(
            "layer_details_base",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "tab g");
                a
            },
            super::render
        );
    }
}
