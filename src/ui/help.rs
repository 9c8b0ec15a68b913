//! The help overlay (`?`): every key the TUI understands, by section, and what the tree's
//! markers mean. [`KEYS`] is the one list of keys; journey tests check it against `update`.
//! Draws over the other panes; owns only its scroll position (kept in `App::help`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::App;
use deadweight::report::wrap::wrap;

/// Sections of (keys, action).
pub const KEYS: &[(&str, &[(&str, &str)])] = &[
    (
        "General",
        &[
            ("q  ctrl+c", "quit"),
            ("?", "this help (↑↓ j k pgup pgdn scroll it, any other key closes it)"),
            ("tab  shift+tab", "switch pane: layers / main pane"),
            (
                "1  2  3  4",
                "main pane: files / findings / packages / Dockerfile (with --dockerfile)",
            ),
            ("[  ]", "previous / next layer, from any pane"),
            ("v", "view: the layer's changes / all layers up to it"),
            ("ctrl+l", "view the layer's changes only"),
            ("ctrl+a", "(layers pane) view all layers up to the selected one"),
            (
                "ctrl+f  ctrl+/",
                "filter paths as you type: text, a regex (lib.*\\.so) or a glob (*.pyc), as the prompt says; esc clears, enter keeps (in the packages list: filter package names)",
            ),
            ("/", "search paths of every layer; enter jumps to the first"),
            (
                "n  N",
                "next / previous search match, or path of the last list of paths",
            ),
            (">", "hide entries smaller than a size (100k, 1.5M; empty: off)"),
            (
                "o  ctrl+o",
                "sort the tree (in the packages list: the packages) by size (default) / by name",
            ),
            ("b  ctrl+b", "show file mode and owner"),
            ("z", "hide / show the left column: the main pane gets the whole width"),
            (
                "y",
                "copy the selected entry's full path (OSC 52, where the terminal allows it)",
            ),
            ("esc", "close a list of paths; back to the file tree; drop the search"),
            (
                "mouse",
                "wheel scrolls, click selects, click again folds; a top finding in the Image pane opens it",
            ),
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
            (
                "e",
                "view the selected file as this layer stores it: text or hex, first MiB (e or esc closes)",
            ),
            (
                "x",
                "in the viewer: extract the file to a path you type (y needed to overwrite)",
            ),
            (
                "shift+→  }",
                "scroll long names (in the viewer: lines) to the left (eight columns)",
            ),
            ("shift+←  {", "scroll them back"),
            ("ctrl+a  A", "hide / show added entries"),
            ("ctrl+r  R", "hide / show removed entries"),
            // ctrl+m is not offered: terminals send it as Enter.
            ("M", "hide / show modified entries"),
            ("ctrl+u  U", "hide / show unmodified entries"),
        ],
    ),
    (
        "Findings, packages and the Dockerfile",
        &[
            ("enter", "finding: list its paths (a duplicate group: every twin)"),
            (
                "enter ",
                "package: list its files and select the layer that installed it",
            ),
            ("f", "findings: only the selected layer's / every layer's"),
            ("enter  ", "on a listed path: show it in the file tree at its layer"),
            ("enter   ", "Dockerfile line: select the layer it made"),
        ],
    ),
];

/// What the markers of the file tree mean.
pub const MARKERS: &str = "+ added  ~ modified  * metadata only  = stored again  - deleted  ✗ gone in a later layer";

/// Width of the key column.
const KEY_W: usize = 18;

/// The help text as lines, wrapped at word boundaries to `width` columns (continuation lines
/// are indented under their text), so no line is ever cut.
pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    let text_w = width.saturating_sub(KEY_W).max(12);
    for (section, keys) in KEYS {
        out.push(Line::from(Span::styled(section.to_string(), t.bold())));
        for (k, action) in keys.iter() {
            for (i, part) in wrap(action, text_w).into_iter().enumerate() {
                let key = if i == 0 {
                    format!("  {k:<16}")
                } else {
                    " ".repeat(KEY_W)
                };
                out.push(Line::from(vec![Span::styled(key, t.key()), Span::raw(part)]));
            }
        }
        out.push(Line::default());
    }
    out.push(Line::from(Span::styled("Markers", t.bold())));
    for part in wrap(MARKERS, width.saturating_sub(2).max(12)) {
        out.push(Line::from(format!("  {part}")));
    }
    let sizes = "Sizes: a directory shows the bytes below it in the view; filters hide rows, not bytes.";
    for part in wrap(sizes, width.saturating_sub(2).max(12)) {
        out.push(Line::from(Span::styled(format!("  {part}"), t.dim())));
    }
    out
}

/// The widest the help needs to be, borders included.
fn natural_width(app: &App) -> u16 {
    let widest = lines(app, usize::MAX / 2).iter().map(Line::width).max().unwrap_or(0);
    u16::try_from(widest + 2).unwrap_or(u16::MAX)
}

/// Draws the help over the centre of `area`: as wide as its longest line where the screen
/// allows, wrapped where it does not.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let w = area.width.saturating_sub(4).min(natural_width(app));
    let h = area.height.saturating_sub(2);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    let text = lines(app, w.saturating_sub(2) as usize);
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

    /// The text inside the help box of a screen, line by line.
    fn inside_box(screen: &str) -> Vec<String> {
        let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
        let Some((top, left)) = rows.iter().enumerate().find_map(|(y, r)| {
            let s: String = r.iter().collect();
            s.find("┌ Keys").map(|b| (y, s[..b].chars().count()))
        }) else {
            return Vec::new();
        };
        let right = (left + 1..rows[top].len())
            .find(|&x| rows[top][x] == '┐')
            .unwrap_or(rows[top].len());
        rows[top + 1..]
            .iter()
            .take_while(|r| r.get(left) == Some(&'│'))
            .map(|r| r[left + 1..right.min(r.len())].iter().collect())
            .collect()
    }

    /// Every line of the help reaches the screen whole, at both sizes, scrolled to its end: no
    /// line is cut at the border (it once ended `✗ gone in a lat`).
    #[test]
    fn no_help_line_is_cut() {
        for (w, h) in [(80, 24), (160, 48)] {
            let mut a = app(w, h);
            press(&mut a, "?");
            let mut seen: Vec<String> = Vec::new();
            for _ in 0..10 {
                for line in inside_box(&screen_text(&a)) {
                    if seen.last() != Some(&line) && !seen.contains(&line) {
                        seen.push(line);
                    }
                }
                press(&mut a, "d");
            }
            let words = seen.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
            let markers = super::MARKERS.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words.contains(&markers), "{w}x{h}:\n{}", seen.join("\n"));
            for (_, keys) in super::KEYS {
                for (_, what) in keys.iter() {
                    assert!(words.contains(what), "{w}x{h}: {what:?} cut:\n{}", seen.join("\n"));
                }
            }
        }
    }

    /// Keys a terminal cannot send are not offered: ctrl+m arrives as Enter.
    #[test]
    fn only_keys_that_can_arrive_are_listed() {
        for (_, keys) in super::KEYS {
            for (k, _) in keys.iter() {
                assert!(!k.contains("ctrl+m") && !k.contains("ctrl+i"), "{k}");
            }
        }
    }

    /// The README's explorer section lists every key the help does, with the same words.
    #[test]
    fn the_readme_lists_every_key() {
        let readme = include_str!("../../README.md");
        for (_, keys) in super::KEYS {
            for (k, what) in keys.iter() {
                let cell: Vec<String> = k
                    .split("  ")
                    .filter(|x| !x.trim().is_empty())
                    .map(|x| format!("`{x}`"))
                    .collect();
                let row = format!("| {} | {what} |", cell.join(" "));
                assert!(readme.contains(&row), "README lacks {row}");
            }
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
