//! Text helpers shared by the panes: one-line truncation with an ellipsis, counted nouns and
//! permission strings. Sizes are `deadweight::report::units`' and the size prompt parses with the
//! library's `config::ci::parse_size`, so the UI and the reports can never disagree. Pure
//! functions; no state, no drawing.

/// `s` on one line (runs of whitespace collapsed), cut to `max` characters with `…`.
pub fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&flat, max)
}

/// `s` cut to `max` characters, the last one replaced by `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// `s` cut from the left to `max` characters, with a leading `…` when cut (for paths, whose
/// end matters most).
pub fn truncate_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut out = String::from("…");
    out.extend(s.chars().skip(n + 1 - max.max(1)));
    out
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
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate_left("/usr/lib/x", 6), "…lib/x");
        assert_eq!(one_line("RUN  a \n b", 20), "RUN a b");
        assert_eq!(mode('d', 0o755), "drwxr-xr-x");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(3, "entry", "entries"), "3 entries");
    }
}
