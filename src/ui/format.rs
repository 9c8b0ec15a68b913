//! Text helpers shared by the panes: counted nouns, permission strings and rows cut to their
//! pane with a `…`. Cutting and wrapping
//! are the library's `report::wrap`, sizes `report::units`, and the size prompt parses with
//! `config::ci::parse_size`, so the UI and the reports can never disagree. Pure functions; no
//! state, no drawing.

pub use deadweight::report::wrap::{one_line, truncate, truncate_left};
use ratatui::text::{Line, Span};

/// `line` cut to `width` columns, the last one a `…` when something was cut.
pub fn clip(line: Line<'_>, width: usize) -> Line<'_> {
    if line.width() <= width {
        return line;
    }
    let style = line.style;
    let mut out: Vec<Span> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.width();
        if used + w < width {
            used += w;
            out.push(span);
            continue;
        }
        let keep: String = span.content.chars().take(width.saturating_sub(used + 1)).collect();
        out.push(Span::styled(format!("{keep}…"), span.style));
        break;
    }
    Line::from(out).style(style)
}

/// The last row of a pane too short for its lines: `… 3 more lines`, `… 1 more line`.
pub fn more_lines(n: usize) -> String {
    format!("… {n} more {}", if n == 1 { "line" } else { "lines" })
}

/// `n` and its noun, singular for one (`1 file`, `3 files`).
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `rwxr-xr-x`-style permission string with the type letter in front.
pub fn mode(kind_letter: char, mode: u32) -> String {
    let mut s = String::with_capacity(10);
    s.push(kind_letter);
    for shift in [6u32, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_counted_nouns() {
        assert_eq!(mode('d', 0o755), "drwxr-xr-x");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(3, "entry", "entries"), "3 entries");
        assert_eq!(more_lines(1), "… 1 more line");
        assert_eq!(more_lines(12), "… 12 more lines");
    }
}
