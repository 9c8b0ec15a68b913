//! The status bar, the last line of the screen: the prompt being typed, else the last message,
//! else key hints for the focused pane; on the right, the filters in force. Reads the app only.

use deadweight::report::units;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Focus, PromptKind, Tab};
use super::filter::PatternKind;

fn hints(app: &App) -> &'static [(&'static str, &'static str)] {
    // The viewer takes the keys of the pane it covers (update::viewer_key).
    if app.viewer.is_some() && app.focus == Focus::Main {
        return &[
            ("↑↓", "scroll"),
            ("} {", "sideways"),
            ("x", "extract"),
            ("esc", "close"),
            ("?", "help"),
            ("q", "quit"),
        ];
    }
    match (app.focus, app.tab) {
        (Focus::Layers, _) => &[
            ("↑↓", "layer"),
            ("tab", "files"),
            ("^L/^A", "changes/all"),
            ("/", "search"),
            ("?", "help"),
            ("q", "quit"),
        ],
        (Focus::Main, Tab::Files) => &[
            ("↑↓", "move"),
            ("space", "fold"),
            ("[ ]", "layer"),
            ("v", "view"),
            ("^F", "filter"),
            ("/", "search"),
            (">", "size"),
            ("?", "help"),
            ("q", "quit"),
        ],
        (Focus::Main, _) => &[
            ("↑↓", "move"),
            ("enter", "go to"),
            ("1", "files"),
            ("tab", "layers"),
            ("?", "help"),
            ("q", "quit"),
        ],
    }
}

/// The filters in force, as short badges.
pub fn badges(app: &App) -> Vec<String> {
    let f = &app.files.filters;
    let mut out = Vec::new();
    if !f.path.is_empty() {
        out.push(format!("path~\"{}\"", f.path));
    }
    if f.min_size > 0 {
        out.push(format!("≥{}", units::short(f.min_size)));
    }
    let h = &f.hidden;
    for (on, what) in [
        (h.added, "added"),
        (h.removed, "removed"),
        (h.modified, "modified"),
        (h.unmodified, "unmodified"),
    ] {
        if on {
            out.push(format!("no {what}"));
        }
    }
    if let Some(s) = &app.search {
        out.push(format!("/{} {}/{}", s.query, s.current + 1, s.matches.len()));
    }
    out
}

/// Draws the status bar in `area` (one line).
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let right = badges(app).join(" · ");
    let right_w = right.chars().count() as u16;
    let show_right = right_w > 0 && right_w + 20 < area.width;
    let left_w = if show_right {
        area.width - right_w - 2
    } else {
        area.width
    };
    let mut left: Vec<Span> = Vec::new();
    if let Some(p) = &app.prompt {
        let filter = format!("Filter paths ({}): ", PatternKind::of(&p.text).word());
        let (label, help) = match p.kind {
            PromptKind::Filter => (filter.as_str(), "enter keep · esc clear · regex .* · glob *.pyc"),
            PromptKind::Search => ("Search all layers: ", "enter search · esc cancel"),
            PromptKind::MinSize => ("Hide smaller than: ", "e.g. 100k, 1M · enter apply"),
            PromptKind::Packages => ("Filter packages: ", "enter keep · esc clear"),
            PromptKind::Extract => ("Extract to: ", "enter write (asks before overwriting) · esc cancel"),
        };
        left.push(Span::styled(label.to_string(), t.bold()));
        left.push(Span::styled(format!("{}█", p.text), t.input()));
        left.push(Span::styled(format!("  {help}"), t.dim()));
    } else if let Some(m) = &app.message {
        left.push(Span::raw(m.clone()));
    } else {
        // Fit what the width allows; `? help` and `q quit` (the last two) always stay.
        let all = hints(app);
        let (body, tail) = all.split_at(all.len().saturating_sub(2));
        let width = |h: &[(&str, &str)]| {
            h.iter()
                .map(|(k, w)| k.chars().count() + w.chars().count() + 3)
                .sum::<usize>()
        };
        let room = (left_w as usize).saturating_sub(width(tail));
        let mut used = 0;
        let mut keep: Vec<(&str, &str)> = Vec::new();
        for h in body {
            used += width(std::slice::from_ref(h));
            if used > room {
                break;
            }
            keep.push(*h);
        }
        keep.extend_from_slice(tail);
        for (k, what) in keep {
            left.push(Span::styled(k, t.key()));
            left.push(Span::styled(format!(" {what}  "), t.dim()));
        }
    }
    let left = super::format::clip(Line::from(left), left_w as usize);
    frame.render_widget(Paragraph::new(left), Rect { width: left_w, ..area });
    if show_right {
        let r = Rect {
            x: area.x + area.width - right_w - 1,
            width: right_w + 1,
            ..area
        };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {right}"), t.warning())), r);
    }
}

#[cfg(test)]
mod tests {
    use crate::ui::testing::*;

    fn line(a: &crate::ui::app::App, w: u16) -> String {
        text(&pane(a, w, 1, super::render)).trim_end().to_string()
    }

    #[test]
    fn status_bar_snapshots() {
        let mut out = String::new();
        for w in [80u16, 160] {
            let mut a = app(w, 24);
            out += &format!("{w} hints files:    {}\n", line(&a, w));
            press(&mut a, "tab");
            out += &format!("{w} hints layers:   {}\n", line(&a, w));
            press(&mut a, "tab 2");
            out += &format!("{w} hints findings: {}\n", line(&a, w));
            press(&mut a, "1 ctrl+f");
            type_text(&mut a, "lib");
            out += &format!("{w} filter prompt:  {}\n", line(&a, w));
            press(&mut a, "enter > ");
            type_text(&mut a, "1k");
            out += &format!("{w} size prompt:    {}\n", line(&a, w));
            press(&mut a, "enter U");
            out += &format!("{w} badges:         {}\n", line(&a, w));
            press(&mut a, "/");
            out += &format!("{w} search prompt:  {}\n", line(&a, w));
        }
        insta::assert_snapshot!("status_bar", out);
    }
}
