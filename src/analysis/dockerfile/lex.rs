//! The Dockerfile's text below the instruction: logical lines (continuations, comments),
//! words, `--flags`, heredoc markers and bodies, `$VAR` substitution and the exec (JSON) form.
//! Pure text helpers for the parser (`dockerfile`); they know no stage and no instruction kind.

use super::DockerInstruction;

/// Assembles the next logical line from `*cursor` on, returning the 1-based
/// line of its first content and the joined text.
pub(super) fn next_logical_line(lines: &[&str], cursor: &mut usize, esc: char) -> Option<(usize, String)> {
    let (mut text, mut start, mut continued) = (String::new(), None, false);
    while let Some(raw) = lines.get(*cursor) {
        *cursor += 1;
        let trimmed = raw.trim_start();
        if trimmed.starts_with('#') || (continued && trimmed.is_empty()) {
            continue;
        }
        // Continuation lines keep their indentation: it decides the junction.
        let source = if continued { raw } else { trimmed };
        let stripped = source.trim_end_matches([' ', '\t']).strip_suffix(esc);
        let segment = stripped.unwrap_or(source);
        if start.is_none() && !segment.trim().is_empty() {
            start = Some(*cursor);
        }
        if text.ends_with(char::is_whitespace) || segment.starts_with(char::is_whitespace) {
            text.truncate(text.trim_end().len()); // always a char boundary
            text.push_str(if text.is_empty() { "" } else { " " });
            text.push_str(segment.trim_start());
        } else {
            text.push_str(segment);
        }
        continued = stripped.is_some();
        if !continued && start.is_some() {
            break;
        }
    }
    start.map(|line| (line, text.trim().to_string()))
}

pub(super) fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or("")
}

/// Splits leading `--name[=value]` words off `s` like BuildKit's
/// `extractBuilderFlags`: quoting inside a flag is removed and a bare `--`
/// ends the flags.
pub(super) fn extract_flags(s: &str) -> (Vec<(String, Option<String>)>, String) {
    let mut flags = Vec::new();
    let mut rest = s.trim_start();
    while let Some((word, after)) = next_word(rest, false).filter(|_| rest.starts_with("--")) {
        rest = after.trim_start();
        let Some(body) = word.strip_prefix("--").filter(|b| !b.is_empty()) else {
            break;
        };
        flags.push(match body.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (body.to_string(), None),
        });
    }
    (flags, rest.to_string())
}

/// Reads one shell-style word and returns it with the unread rest. With `raw`
/// the quotes and backslashes stay in the word (so a quoted `"<<EOF"` stays
/// recognisable); otherwise they are removed.
pub(super) fn next_word(s: &str, raw: bool) -> Option<(String, &str)> {
    let s = s.trim_start();
    let (mut word, mut quote, mut chars) = (String::new(), None, s.char_indices());
    while let Some((i, c)) = chars.next() {
        if quote.is_none() && c.is_whitespace() {
            return Some((word, s.get(i..).unwrap_or("")));
        }
        let toggles = matches!(c, '"' | '\'') && quote.is_none_or(|q| q == c);
        let escapes = c == '\\' && quote != Some('\'');
        if toggles {
            quote = if quote.is_some() { None } else { Some(c) };
        }
        if raw || !(toggles || escapes) {
            word.push(c);
        }
        if escapes {
            word.extend(chars.next().map(|(_, n)| n));
        }
    }
    (!s.is_empty()).then_some((word, ""))
}

/// The `(delimiter, strip_tabs)` heredocs an instruction opens. Only
/// shell-form `RUN`/`COPY`/`ADD` (also behind `ONBUILD`) carry heredocs, and
/// only a whole word `[n]<<[-]WORD` opens one, so a quoted `"<<EOF"` does not.
pub(super) fn heredoc_specs(inst: &DockerInstruction) -> Vec<(String, bool)> {
    use crate::analysis::history::InstructionKind as K;
    let kind = match inst.kind {
        K::Onbuild => K::from_keyword(first_word(&inst.args)).unwrap_or(K::Unknown),
        kind => kind,
    };
    let mut specs = Vec::new();
    if !matches!(kind, K::Run | K::Copy | K::Add) || inst.json_form.is_some() {
        return specs;
    }
    let mut rest = inst.args.as_str();
    while let Some((word, after)) = next_word(rest, true) {
        rest = after;
        let opener = word.trim_start_matches(|c: char| c.is_ascii_digit());
        let Some(tail) = opener.strip_prefix("<<").filter(|t| !t.contains('<')) else {
            continue;
        };
        let (strip_tabs, tail) = tail.strip_prefix('-').map_or((false, tail), |t| (true, t));
        if let Some((name, _)) = next_word(tail, false).filter(|(n, _)| !n.is_empty()) {
            specs.push((name, strip_tabs));
        }
    }
    specs
}

/// Reads a heredoc body up to its terminator line; `None` if the file ends
/// first. Like BuildKit it compares whole lines, so `EOF ` does not end `EOF`.
pub(super) fn heredoc_body(lines: &[&str], at: &mut usize, end: &str, tabs: bool) -> Option<String> {
    let mut body = String::new();
    loop {
        let raw = lines.get(*at)?;
        *at += 1;
        let content = raw.trim_start_matches(|c| tabs && c == '\t');
        if content == end {
            return Some(body);
        }
        body.push_str(content);
        body.push('\n');
    }
}

/// The longest expansion [`substitute`] produces. `ARG A=$A$A` repeated doubles
/// the value per line (the fuzzer found 2 GiB from 30 lines); no image
/// reference comes near this, so past it the text stays unexpanded.
pub(super) const MAX_EXPANSION: usize = 4096;

/// Expands `$NAME`, `${NAME}` and `${NAME:-word}` (`-word` is treated alike)
/// from `vars`. Other references stay verbatim: args without a default are
/// build-time inputs we cannot know, and the literal says more in a report
/// than the empty string Docker would substitute. An expansion longer than
/// [`MAX_EXPANSION`] yields `s` unexpanded.
pub fn substitute(s: &str, vars: &[(String, String)]) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        let (head, tail) = rest.split_at(pos); // `find` gives a char boundary
        out.push_str(head);
        let var = tail.get(1..).unwrap_or("");
        let (expr, after) = match var.strip_prefix('{') {
            Some(braced) => braced.split_once('}').unwrap_or(("", var)),
            // The length of a trimmed prefix is always a char boundary.
            None => var.split_at(var.len() - var.trim_start_matches(is_name).len()),
        };
        let (name, default) = match expr.split_once('-') {
            Some((name, word)) => (name.trim_end_matches(':'), Some(word)),
            None => (expr, None),
        };
        let found = vars.iter().rev().find(|(n, _)| n == name);
        let usable = |v: &&String| !v.is_empty() || default.is_none();
        match (found.map(|(_, v)| v).filter(usable), default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(word)) => out.push_str(&substitute(word, vars)),
            (None, None) => out.push_str(tail.get(..tail.len() - after.len()).unwrap_or("$")),
        }
        if out.len() > MAX_EXPANSION {
            return s.to_string();
        }
        rest = after;
    }
    out + rest
}

/// Parses a JSON array of strings. Anything else (other element types,
/// trailing text, bad escapes) is `None`, meaning shell form, as in BuildKit.
/// Surrogate-pair escapes are rejected; they do not occur in practice.
pub(super) fn parse_json_array(s: &str) -> Option<Vec<String>> {
    let mut chars = s.trim().strip_prefix('[')?.strip_suffix(']')?.chars();
    // States: 0 before the first item, 1 after an item, 2 after a comma,
    // 3 inside a string.
    let (mut items, mut item, mut state) = (Vec::new(), String::new(), 0);
    while let Some(c) = chars.next() {
        match (state, c) {
            (3, '"') => {
                items.push(std::mem::take(&mut item));
                state = 1;
            }
            (3, '\\') => item.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'u' => {
                    let hex = |n: u32, _| Some(n * 16 + chars.next()?.to_digit(16)?);
                    char::from_u32((0..4).try_fold(0, hex)?)?
                }
                c @ ('"' | '\\' | '/') => c,
                _ => return None,
            }),
            (3, c) => item.push(c),
            (_, c) if c.is_whitespace() => {}
            (1, ',') => state = 2,
            (0 | 2, '"') => state = 3,
            _ => return None,
        }
    }
    matches!(state, 0 | 1).then_some(items)
}
