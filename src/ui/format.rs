//! Text helpers shared by the panes: compact and exact byte sizes (in the units of
//! `deadweight::report::units`), one-line truncation with an
//! ellipsis, and the size parser of the size-filter prompt. Pure functions; no state, no drawing.

use deadweight::report::units;

/// A size in at most 7 characters in the chosen units (`999 B`, `1.5 MiB`, `590 KiB`; with
/// `--si` `1.05 MB`, `12.3 kB`): for table columns.
pub fn short(bytes: u64) -> String {
    units::short(bytes)
}

/// A size as the text report prints it (`589.73 KiB`): for detail panes.
pub fn long(bytes: u64) -> String {
    units::size(bytes)
}

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

/// Parses a size typed by the user: `0`, `512`, `10k`, `1.5M`, `2G`, `300kB`, `1MiB`
/// (decimal units, `i` forms binary). Case-insensitive; `None` when it is not a size.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t).trim_end();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim() {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" => 1e9,
        "t" => 1e12,
        "ki" => 1024.0,
        "mi" => 1024.0 * 1024.0,
        "gi" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = value * mult;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
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
    fn sizes_parse_in_every_spelling() {
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("10k"), Some(10_000));
        assert_eq!(parse_size("1.5M"), Some(1_500_000));
        assert_eq!(parse_size(" 300 kB "), Some(300_000));
        assert_eq!(parse_size("1MiB"), Some(1_048_576));
        assert_eq!(parse_size("2g"), Some(2_000_000_000));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("1e400"), None);
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(truncate_left("/usr/lib/x", 6), "…lib/x");
        assert_eq!(one_line("RUN  a \n b", 20), "RUN a b");
        assert_eq!(mode('d', 0o755), "drwxr-xr-x");
    }
}
