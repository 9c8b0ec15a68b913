//! The layer list: index, content size, bytes later layers hide (when there is room), the
//! Dockerfile line or `base`, and the instruction. The selected layer drives every other pane;
//! in the cumulative view the layers above it are dimmed, as they are not part of what the tree
//! shows. Reads the analysis; selection changes go through `update`.

use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Focus, scroll};
use super::format;
use super::nodes::ViewMode;

/// The instruction of layer `i` as one string (`RUN apt-get update`): the Dockerfile's own
/// text when one was given (`COPY . /app`, where the history says `COPY dir:9794b0…`).
pub fn instruction(app: &App, i: usize) -> String {
    let origin = app.analysis.attribution.layers.get(i);
    let from_file = origin
        .and_then(|o| o.dockerfile_line)
        .zip(app.dockerfile.as_ref())
        .and_then(|(n, d)| d.text_of(n));
    from_file
        .or_else(|| origin.map(|o| o.instruction.to_string()))
        .unwrap_or_default()
}

/// Draws the layer list in `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let focused = app.focus == Focus::Layers;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(
            format!(" Layers {} ", app.layer_count()),
            t.title(focused),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let wide = inner.width >= 50;
    let hidden_col = if wide { "  Hidden" } else { "" };
    let header = format!("{:>3} {:>7}{hidden_col} {:<4} Instruction", "#", "Size", "Line");
    frame.render_widget(
        Paragraph::new(Span::styled(header, t.dim())),
        Rect { height: 1, ..inner },
    );
    let rows = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let height = rows.height as usize;
    let offset = scroll(app.layer_offset, app.layer, height, app.layer_count());
    let a = &app.analysis;
    let lines: Vec<Line> = (offset..app.layer_count().min(offset + height))
        .map(|i| {
            let l = &a.layers()[i];
            let origin = a.attribution.layers.get(i);
            let base = origin.is_some_and(|o| o.base);
            let line = match origin.and_then(|o| o.dockerfile_line) {
                Some(n) => format!("L{n}"),
                None if base => "base".to_string(),
                None => "-".to_string(),
            };
            let hidden = a.merge.get(i).map_or(0, |m| m.hidden_later_bytes);
            let mut spans = vec![
                Span::raw(format!("{i:>3} ")),
                Span::raw(format!("{:>7}", units::short(l.scan.content_bytes))),
            ];
            if wide {
                let s = if hidden > 0 { t.waste() } else { t.dim() };
                let text = if hidden > 0 { units::short(hidden) } else { "-".into() };
                spans.push(Span::styled(format!(" {text:>7}"), s));
            }
            spans.push(Span::styled(format!(" {line:<4} "), t.dim()));
            spans.push(Span::raw(format::one_line(&instruction(app, i), 400)));
            let mut out = format::clip(Line::from(spans), rows.width as usize);
            let outside = app.files.view == ViewMode::Cumulative && i > app.layer;
            if outside || (base && i != app.layer) {
                out = out.style(t.dim());
            }
            if i == app.layer {
                out = out.patch_style(t.cursor(focused));
            }
            out
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rows);
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};

    use crate::ui::testing::*;

    #[test]
    fn layer_list_snapshots() {
        snapshot_pane!("layers", app, super::render);
        snapshot_pane!(
            "layers_changes_view_focused",
            |w, h| {
                let mut a = app(w, h);
                press(&mut a, "tab k k ctrl+l");
                a
            },
            super::render
        );
    }

    #[test]
    fn selection_hidden_bytes_and_outside_layers_are_styled() {
        let mut a = app(160, 48);
        press(&mut a, "tab k k k");
        let buf = pane(&a, 160, 48, super::render);
        assert!(style_at(&buf, "4 695 KiB").add_modifier.contains(Modifier::REVERSED));
        assert_eq!(
            style_at(&buf, "404 KiB L3").fg,
            Some(Color::Red),
            "bytes hidden later are red"
        );
        assert_eq!(
            style_at(&buf, "7 129 KiB").fg,
            Some(Color::DarkGray),
            "above the view: dim"
        );
    }
}
