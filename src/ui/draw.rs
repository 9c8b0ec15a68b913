//! Composes one frame: every pane in the rectangles `layout` gives, the help overlay on top,
//! or a notice when the terminal is too small; and the wrapped-text drawing that the panes of
//! wrapped lines share. Reads the app; changes nothing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::app::{App, Tab};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::{
    dockerfile, evidence, file_history, findings, help, image_summary, layer_details, layers, main_frame, packages,
    status_bar, tree, viewer,
};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let full = frame.area();
    let a = layout::areas(full, app.layer_count(), app.wide);
    if a.too_small {
        let msg = format!(
            "deadweight needs at least {MIN_WIDTH}x{MIN_HEIGHT} (now {}x{}). Enlarge the terminal, or q to quit.",
            full.width, full.height
        );
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(msg, app.theme.bold()))).wrap(Wrap { trim: true }),
            full,
        );
        return;
    }
    if !app.wide {
        layers::render(app, frame, a.layers);
        layer_details::render(app, frame, a.details);
        image_summary::render(app, frame, a.summary);
    }
    main_pane(app, frame, a.main);
    file_history::render(app, frame, a.history);
    status_bar::render(app, frame, a.status);
    if app.help.is_some() {
        help::render(app, frame, full);
    }
}

/// Draws the main pane in `area`: its frame with the tabs, and the tab's content inside.
pub fn main_pane(app: &App, frame: &mut Frame, area: Rect) {
    let inner = main_frame::frame_block(app, frame, area);
    if let Some(v) = &app.viewer {
        return viewer::render(app, v, frame, inner);
    }
    if let Some(e) = app.evidence.as_ref().filter(|e| e.tab == app.tab) {
        return evidence::render(app, e, frame, inner);
    }
    match app.tab {
        Tab::Files => tree::render(app, frame, inner),
        Tab::Findings => findings::render(app, frame, inner),
        Tab::Packages => packages::render(app, frame, inner),
        Tab::Dockerfile => {
            if let Some(d) = &app.dockerfile {
                dockerfile::render(app, d, frame, inner);
            }
        }
    }
}

/// Draws `lines` wrapped inside `block` over `area`. When they need more rows than it has, the
/// last row says how many more there are (in `dim`), so nothing is cut without a mark.
pub fn wrapped(frame: &mut Frame, block: Block<'_>, lines: Vec<Line<'_>>, area: Rect, dim: Style) {
    let inner = block.inner(area);
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = text.line_count(inner.width);
    let height = inner.height as usize;
    if rows <= height || height == 0 {
        frame.render_widget(text.block(block), area);
        return;
    }
    frame.render_widget(block, area);
    let last = inner.height - 1;
    frame.render_widget(text, Rect { height: last, ..inner });
    let more = super::format::more_lines(rows - last as usize);
    let row = Rect {
        y: inner.y + last,
        height: 1,
        ..inner
    };
    frame.render_widget(Paragraph::new(Span::styled(more, dim)), row);
}
