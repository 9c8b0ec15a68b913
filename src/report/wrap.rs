//! Fitting text to a width, for every human output: the text summary, CI mode's text and the
//! explorer. A table cell is cut with `…` (its full text is in `--json` or one key away); prose
//! a reader may copy (a finding's fix) is wrapped, never cut. Pure functions over `&str`.

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

/// `s` split into lines of at most `width` characters at spaces. A `backticked command` is
/// never split, and a word or command longer than the width gets a line of its own and is not
/// cut: what a reader copies must stay whole.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in unbreakable(s) {
        let word = word.as_str();
        let fits = cur.chars().count() + 1 + word.chars().count() <= width;
        if cur.is_empty() || fits {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        } else {
            out.push(std::mem::take(&mut cur));
            cur.push_str(word);
        }
    }
    out.push(cur);
    out
}

/// The words of `s`, with each backticked span glued into one.
fn unbreakable(s: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut open = false;
    for w in s.split(' ') {
        match words.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(w);
            }
            _ => words.push(w.to_string()),
        }
        if w.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_and_prose_is_wrapped_whole() {
        assert_eq!(one_line("RUN  a \n b", 20), "RUN a b");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate_left("/usr/lib/x", 6), "…lib/x");
        let fix = "use `RUN pip install --no-cache-dir -r requirements.txt` at line 7";
        let lines = wrap(fix, 20);
        let whole = |l: &str| !l.contains(' ') || (l.starts_with('`') && l.ends_with('`'));
        assert!(lines.iter().all(|l| l.chars().count() <= 20 || whole(l)), "{lines:?}");
        assert_eq!(lines.join(" "), fix, "nothing is lost");
        assert!(
            lines
                .iter()
                .any(|l| l == "`RUN pip install --no-cache-dir -r requirements.txt`"),
            "{lines:?}"
        );
    }
}
