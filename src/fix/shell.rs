//! Finding commands in the raw text of a `RUN`: where `pip install` or `apt-get install`
//! starts and ends, byte for byte, so that a flag can be inserted without re-printing the
//! instruction. Works on the source as written (continuations, heredoc bodies) and never
//! matches inside a comment line; a command split across a continuation is not found, which
//! the callers report instead of guessing. Pure text; knows nothing of the plan.

use crate::analysis::pip::{self, Installer};

/// One occurrence of a command in a unit's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Offset of the command's first word in the whole text.
    pub start: usize,
    /// Offset just after its last word.
    pub end: usize,
    /// The word before the command on its line (`sudo` in `sudo pip install`), if any.
    pub prev: Option<String>,
    /// The command's words before its last one, as written: the program that runs it
    /// (`apt-get`, `pip`, `/opt/venv/bin/python -m pip`, `uv pip`).
    pub program: String,
    /// The command's own arguments: up to the next `&&`, `||`, `;` or `|`.
    pub args: String,
}

fn is_sep(c: char) -> bool {
    c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')')
}

/// Words of one line with their byte ranges in it.
fn words(line: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain(std::iter::once((line.len(), ' '))) {
        match (start, is_sep(c)) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((s, i, line.get(s..i).unwrap_or("")));
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The arguments of a command whose name ends at `from`: the text up to the next control
/// operator, continuations removed.
fn args_after(text: &str, from: usize) -> String {
    let rest = text.get(from..).unwrap_or("");
    let end = ["&&", "||", ";", "|"]
        .iter()
        .filter_map(|op| rest.find(op))
        .min()
        .unwrap_or(rest.len());
    let args = rest.get(..end).unwrap_or("");
    args.replace("\\\n", " ").replace("`\n", " ")
}

/// Every occurrence of the words `cmd` (one after the other on one line, separated by blanks)
/// in `text`, the source of a unit that starts at byte `offset` of the whole file.
pub fn find(offset: usize, text: &str, cmd: &[&str]) -> Vec<Hit> {
    find_by(offset, text, |ws| {
        let at = |i: usize| !cmd.is_empty() && ws.get(i..i + cmd.len()) == Some(cmd);
        (0..ws.len()).filter(|&i| at(i)).map(|i| (i, cmd.len())).collect()
    })
}

/// Every pip install in `text` (any form [`pip`] knows: `/opt/venv/bin/pip install`,
/// `python -m pip install`, `uv pip install`...), with the program that installs.
pub fn pip_installs(offset: usize, text: &str) -> Vec<(Installer, Hit)> {
    let mut installers = Vec::new();
    let hits = find_by(offset, text, |ws| {
        let found = pip::find(ws);
        installers.extend(found.iter().map(|(_, f)| f.installer));
        found.into_iter().map(|(i, f)| (i, f.words)).collect()
    });
    installers.into_iter().zip(hits).collect()
}

/// The commands `matches` finds among the words of each line of `text` (its first word's
/// index and how many words it has), as hits.
fn find_by(offset: usize, text: &str, mut matches: impl FnMut(&[&str]) -> Vec<(usize, usize)>) -> Vec<Hit> {
    let mut hits = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let base = at;
        at += line.len();
        if line.trim_start().starts_with('#') {
            continue;
        }
        let ws = words(line);
        let names: Vec<&str> = ws.iter().map(|w| w.2).collect();
        for (i, n) in matches(&names).into_iter().filter(|&(i, n)| n > 0 && i + n <= ws.len()) {
            let (start, end) = (base + ws[i].0, base + ws[i + n - 1].1);
            hits.push(Hit {
                start: offset + start,
                end: offset + end,
                prev: i.checked_sub(1).map(|p| ws[p].2.to_string()),
                program: names[i..i + n - 1].join(" "),
                args: args_after(text, end),
            });
        }
    }
    hits
}

/// One argument word after a command, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgWord {
    /// The bytes that remove it (offsets in the whole text): the word and the blanks before it
    /// on its line, never a line break, so removing the last word of a line leaves the line's
    /// end (and what another edit appends there) alone.
    pub removal: std::ops::Range<usize>,
    /// The word as written.
    pub word: String,
}

/// The argument words of the command that ends at byte `from` of `text`, up to `to`: across
/// continuation lines, stopping at the first word holding a control operator, a comment or an
/// expansion (`&`, `;`, `|`, `#`, `$`), whose meaning is not one word's. Continuation
/// backslashes are not words.
pub fn arg_words(text: &str, from: usize, to: usize) -> Vec<ArgWord> {
    let rest = text.get(from..to).unwrap_or("");
    let mut out = Vec::new();
    let (mut blanks, mut at) = (0, 0);
    for (i, c) in rest.char_indices().chain(std::iter::once((rest.len(), '\n'))) {
        if !c.is_whitespace() {
            continue;
        }
        let w = rest.get(at..i).unwrap_or("");
        if !w.is_empty() {
            if w.contains(['&', ';', '|', '#', '$']) {
                break;
            }
            if w != "\\" {
                out.push(ArgWord {
                    removal: from + blanks..from + i,
                    word: w.to_string(),
                });
            }
            blanks = i;
        }
        if c == '\n' {
            blanks = i + 1;
        }
        at = i + c.len_utf8();
    }
    out
}

/// True when `args` holds the word `flag` (or `flag=...`).
pub fn has_flag(args: &str, flag: &str) -> bool {
    args.split(is_sep)
        .any(|w| w == flag || w.strip_prefix(flag).is_some_and(|r| r.starts_with('=')))
}

/// Splits a shell-form command into words, removing quotes and backslash escapes as the shell
/// does (no expansion). `None` when a quote is left open or the text ends in a lone backslash:
/// the words are then unknown, and a fix that would copy one into new text must not guess
/// (an open quote swallows the rest of the line, line break included).
pub fn split(args: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let (mut word, mut quote, mut any) = (String::new(), None, false);
    let mut chars = args.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            // A backslash escapes the next character outside quotes, and inside double
            // quotes the characters the shell lets it escape there.
            (None | Some('"'), '\\') => {
                let next = chars.next()?;
                if next == '\n' {
                    continue; // a line continuation
                }
                if quote.is_some() && !matches!(next, '"' | '\\' | '$' | '`') {
                    word.push('\\');
                }
                word.push(next);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if any {
        out.push(word);
    }
    Some(out)
}

/// The simple commands of a shell-form RUN unit (`text`, which starts at byte `offset` of the
/// whole file), as byte ranges of the whole text: split at `&&`, `||`, `;` and `|` outside
/// quotes, each without the blanks and line continuations (`escape` then a line break) around
/// it; the keyword and its `--flags` are not part of the first. `None` when a quote stays open
/// or a comment line sits among the continuations: the commands are then not known.
pub fn command_spans(offset: usize, text: &str, escape: char) -> Option<Vec<std::ops::Range<usize>>> {
    let b = text.as_bytes();
    let continuation = |i: usize| b.get(i) == Some(&(escape as u8)) && b.get(i + 1) == Some(&b'\n');
    if text.lines().skip(1).any(|l| l.trim_start().starts_with('#')) {
        return None;
    }
    let (mut i, mut keyword) = (0, true);
    // The keyword, then each `--flag`.
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || continuation(i)) {
            i += if continuation(i) { 2 } else { 1 };
        }
        if !keyword && !text[i..].starts_with("--") {
            break;
        }
        keyword = false;
        i = text[i..].find(char::is_whitespace).map_or(text.len(), |n| i + n);
    }
    let trim = |mut s: usize, mut e: usize| {
        while s < e && (b[s].is_ascii_whitespace() || continuation(s)) {
            s += if continuation(s) { 2 } else { 1 };
        }
        while e > s && (b[e - 1].is_ascii_whitespace() || (b[e - 1] == escape as u8 && b.get(e) == Some(&b'\n'))) {
            e -= 1;
        }
        offset + s..offset + e
    };
    let (mut out, mut start, mut quote) = (Vec::new(), i, None);
    while i < b.len() {
        let c = b[i];
        match (quote, c) {
            (None, b'\'' | b'"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None | Some(b'"'), b'\\') => i += 1,
            (None, b'&' | b'|' | b';') => {
                out.push(trim(start, i));
                let doubled = matches!(c, b'&' | b'|') && b.get(i + 1) == Some(&c);
                i += if doubled { 1 } else { 0 };
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if quote.is_some() {
        return None;
    }
    out.push(trim(start, b.len()));
    out.retain(|r| !r.is_empty());
    Some(out)
}

/// True when `word` reads the same written bare in a Dockerfile's shell form, in a COPY's
/// sources or a RUN: no blank, quote, escape, expansion, glob or control character. New text
/// is built only from such words.
pub fn plain(word: &str) -> bool {
    !word.is_empty()
        && !word.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '"' | '\''
                        | '\\'
                        | '`'
                        | '$'
                        | '*'
                        | '?'
                        | '['
                        | ']'
                        | '{'
                        | '}'
                        | ';'
                        | '&'
                        | '|'
                        | '<'
                        | '>'
                        | '('
                        | ')'
                        | '#'
                        | '~'
                )
        })
}

/// `word` as the shell reads it back: bare when [`plain`], else in single quotes; `None` when
/// it holds a single quote or a control character (a line break would end the instruction).
pub fn quote(word: &str) -> Option<String> {
    if plain(word) {
        Some(word.to_string())
    } else if word.contains('\'') || word.chars().any(char::is_control) {
        None
    } else {
        Some(format!("'{word}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn split_removes_quotes_and_escapes_as_the_shell_does() {
        assert_eq!(
            split("pip install -r 'my reqs.txt' x"),
            words(&["pip", "install", "-r", "my reqs.txt", "x"])
        );
        assert_eq!(split(r#"a\ b "c\"d" "e\f" ''"#), words(&["a b", "c\"d", "e\\f", ""]));
        assert_eq!(split("a \\\n  b"), words(&["a", "b"]));
    }

    #[test]
    fn command_spans_split_at_operators_outside_quotes() {
        let text = "RUN --mount=type=cache,target=/x apt-get update \\\n && apt-get install -y gcc \\\n    && echo 'a && b'; rm -rf /var/lib/apt/lists/*\n";
        let spans = command_spans(10, text, '\\').unwrap();
        let got: Vec<&str> = spans.iter().map(|r| &text[r.start - 10..r.end - 10]).collect();
        assert_eq!(
            got,
            [
                "apt-get update",
                "apt-get install -y gcc",
                "echo 'a && b'",
                "rm -rf /var/lib/apt/lists/*"
            ]
        );
        assert_eq!(command_spans(0, "RUN echo 'open\n", '\\'), None);
        assert_eq!(command_spans(0, "RUN a \\\n# note\n && b\n", '\\'), None);
    }

    /// The fuzzer's find: an open quote swallowed the rest of the line, line break included,
    /// into one word, which the DW505 reorder wrote into a COPY line broken in two.
    #[test]
    fn an_open_quote_or_a_trailing_escape_has_no_words() {
        assert_eq!(split("pip install -r re/\"\"\"usr/bin LANG=C\n"), None);
        assert_eq!(split("echo 'a"), None);
        assert_eq!(split("echo a\\"), None);
    }

    /// Removing a word never removes a line break: the last word of a line, at the end of the
    /// RUN, once took the line break with it and joined the next instruction to the RUN.
    #[test]
    fn arg_words_remove_their_blanks_not_the_line_break() {
        let text = "RUN pip install flask pytest\nCMD [\"x\"]\n";
        let from = text.find(" flask").unwrap();
        let words = arg_words(text, from, text.len());
        let last = &words[1];
        assert_eq!(last.word, "pytest");
        let mut cut = text.to_string();
        cut.replace_range(last.removal.clone(), "");
        assert_eq!(cut, "RUN pip install flask\nCMD [\"x\"]\n");
        let text = "RUN apt-get install -y \\\n  gcc libpq5 \\\n  && rm x\n";
        let words: Vec<String> = arg_words(text, 19, text.len()).into_iter().map(|w| w.word).collect();
        assert_eq!(words, ["-y", "gcc", "libpq5"]);
    }

    #[test]
    fn only_plain_words_are_written_bare() {
        assert!(plain("requirements/base.txt") && plain("1000:1000") && plain("--chown=app"));
        for w in ["", "a b", "a\nb", "$HOME", "*.txt", "a'b", "x;y", "#c"] {
            assert!(!plain(w), "{w:?}");
        }
        assert_eq!(quote("flask>=2").as_deref(), Some("'flask>=2'"));
        assert_eq!(quote("a'b"), None);
        assert_eq!(quote("a\nb"), None);
    }
}
