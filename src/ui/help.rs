//! The help overlay (`?`): every key the TUI understands, by section, and what the tree's
//! markers mean. [`KEYS`] is the one list of keys; journey tests check it against `update`.
//! Draws over the other panes; owns only its scroll position (kept in `App::help`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::App;

/// Sections of (keys, action).
pub const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "General",
        &[
            ("q  ctrl+c", "quit"),
            ("?", "this help (any key closes it)"),
            ("tab  shift+tab", "switch pane: layers / main pane"),
            ("1  2  3", "main pane: files / findings / packages"),
            ("[  ]", "previous / next layer, from any pane"),
            ("v", "view: the layer's changes / all layers up to it"),
            ("ctrl+l", "view the layer's changes only"),
            ("ctrl+a", "(layers pane) view all layers up to the selected one"),
            ("ctrl+f  ctrl+/", "filter paths as you type (esc clears, enter keeps)"),
            ("/", "search paths of every layer; enter jumps to the first"),
            ("n  N", "next / previous search match"),
            (">", "hide entries smaller than a size (100k, 1.5M; empty: off)"),
            ("o  ctrl+o", "sort the tree by size (default) / by name"),
            ("b  ctrl+b", "show file mode and owner"),
            ("esc", "back to the file tree; drop the search"),
            ("mouse", "wheel scrolls, click selects, click again folds"),
        ],
    ),
    (
        "Moving in any list",
        &[
            ("↑ ↓  k j", "up / down"),
            ("pgup pgdn  u d", "page up / down"),
            ("home end  g G", "first / last"),
        ],
    ),
    (
        "File tree",
        &[
            ("space  enter", "expand / collapse the directory"),
            ("→ l", "expand, or step into an expanded directory"),
            ("← h", "collapse, or go to the parent directory"),
            ("ctrl+space", "collapse all / expand all"),
            ("ctrl+a  A", "hide / show added entries"),
            ("ctrl+r  R", "hide / show removed entries"),
            ("ctrl+m  M", "hide / show modified entries"),
            ("ctrl+u  U", "hide / show unmodified entries"),
        ],
    ),
    (
        "Findings and packages",
        &[
            ("enter", "finding: go to its layer and largest path"),
            ("enter ", "package: select the layer that installed it"),
        ],
    ),
];

/// What the markers of the file tree mean.
pub const MARKERS: &str = "+ added  ~ modified  * metadata only  = stored again  - deleted  ✗ gone in a later layer";

/// The help text as lines.
pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    for (section, keys) in KEYS {
        out.push(Line::from(Span::styled(section.to_string(), t.bold())));
        for (k, action) in keys.iter() {
            out.push(Line::from(vec![
                Span::styled(format!("  {k:<16}"), t.key()),
                Span::raw(action.to_string()),
            ]));
        }
        out.push(Line::default());
    }
    out.push(Line::from(Span::styled("Markers", t.bold())));
    out.push(Line::from(format!("  {MARKERS}")));
    out.push(Line::from(Span::styled(
        "  Sizes: a directory shows the bytes below it in the view; filters hide rows, not bytes.",
        t.dim(),
    )));
    out
}

/// Draws the help over the centre of `area`.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(84);
    let h = area.height.saturating_sub(2);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let text = lines(app);
    let max_scroll = (text.len() as u16).saturating_sub(h.saturating_sub(2));
    let scroll = app.help.unwrap_or(0).min(max_scroll);
    let more = if max_scroll > 0 { " j/k scroll ·" } else { "" };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(" Keys ", t.title(true)))
        .title_bottom(Line::from(Span::styled(format!("{more} any other key closes "), t.dim())).right_aligned());
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(text).block(block).scroll((scroll, 0)), r);
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    #[test]
    fn help_snapshots() {
        for (w, h) in [(80, 24), (160, 48)] {
            let mut a = app(w, h);
            press(&mut a, "?");
            insta::assert_snapshot!(format!("help_{w}x{h}"), screen_text(&a));
        }
    }

    #[test]
    fn every_listed_key_is_described_once() {
        let mut seen = std::collections::HashSet::new();
        for (_, keys) in super::KEYS {
            for (k, what) in keys.iter() {
                assert!(!what.is_empty());
                assert!(seen.insert(*k), "{k} listed twice");
            }
        }
    }
}
