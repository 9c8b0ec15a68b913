//! Composes one frame: every pane in the rectangles `layout` gives, the help overlay on top,
//! or a notice when the terminal is too small. Reads the app; changes nothing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::app::{App, Tab};
use super::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use super::{file_history, findings, help, image_summary, layer_details, layers, packages, status_bar, tree};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let full = frame.area();
    let a = layout::areas(full, app.layer_count());
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
    layers::render(app, frame, a.layers);
    layer_details::render(app, frame, a.details);
    image_summary::render(app, frame, a.summary);
    main_pane(app, frame, a.main);
    file_history::render(app, frame, a.history);
    status_bar::render(app, frame, a.status);
    if app.help.is_some() {
        help::render(app, frame, full);
    }
}

/// Draws the main pane in `area`: its frame with the tabs, and the tab's content inside.
pub fn main_pane(app: &App, frame: &mut Frame, area: Rect) {
    let inner = tree::frame_block(app, frame, area);
    match app.tab {
        Tab::Files => tree::render(app, frame, inner),
        Tab::Findings => findings::render(app, frame, inner),
        Tab::Packages => packages::render(app, frame, inner),
    }
}
