//! Finding commands in the raw text of a `RUN`: where `pip install` or `apt-get install`
//! starts and ends, byte for byte, so that a flag can be inserted without re-printing the
//! instruction. Works on the source as written (continuations, heredoc bodies) and never
//! matches inside a comment line; a command split across a continuation is not found, which
//! the callers report instead of guessing. Pure text; knows nothing of the plan.

/// One occurrence of a command in a unit's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Offset of the command's first word in the whole text.
    pub start: usize,
    /// Offset just after its last word.
    pub end: usize,
    /// The word before the command on its line (`uv` in `uv pip install`), if any.
    pub prev: Option<String>,
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
    let mut hits = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let base = at;
        at += line.len();
        if line.trim_start().starts_with('#') {
            continue;
        }
        let ws = words(line);
        for i in 0..ws.len() {
            let Some(run) = ws.get(i..i + cmd.len()) else {
                break;
            };
            if run.iter().zip(cmd).all(|(w, c)| w.2 == *c) {
                let (start, end) = (base + run[0].0, base + run[cmd.len() - 1].1);
                hits.push(Hit {
                    start: offset + start,
                    end: offset + end,
                    prev: i.checked_sub(1).map(|p| ws[p].2.to_string()),
                    args: args_after(text, end),
                });
            }
        }
    }
    hits
}

/// True when `args` holds the word `flag` (or `flag=...`).
pub fn has_flag(args: &str, flag: &str) -> bool {
    args.split(is_sep)
        .any(|w| w == flag || w.strip_prefix(flag).is_some_and(|r| r.starts_with('=')))
}

/// Splits a shell-form command into words, dropping quotes (no expansion).
pub fn split(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut word, mut quote, mut any) = (String::new(), None, false);
    for c in args.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
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
    if any {
        out.push(word);
    }
    out
}
