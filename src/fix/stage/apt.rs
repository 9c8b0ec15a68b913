//! The runtime stage's apt install once the build stage took every package it named and kept
//! no library: the install goes, with the `apt-get update`, `apt-get clean` and list cleanup
//! that only served it, rather than an `apt-get install -y` naming nothing. The rest of the RUN
//! stays; a RUN left with nothing goes whole. Which packages go is `stage`'s decision, not this
//! module's.

use crate::fix::doc::Op;
use crate::fix::shell;

/// The apt subcommand of a command's words (`install` in `apt-get -y install x`), if it runs
/// apt-get or apt.
fn apt_subcommand(words: &[String]) -> Option<&str> {
    let program = words.first()?.rsplit('/').next()?;
    if !matches!(program, "apt-get" | "apt") {
        return None;
    }
    let mut rest = words[1..].iter();
    while let Some(w) = rest.next() {
        if matches!(w.as_str(), "-o" | "-c" | "-t") {
            rest.next(); // the option's argument
        } else if !w.starts_with('-') {
            return Some(w);
        }
    }
    None
}

/// Commands that only serve an apt install: the package lists' update and cleanup.
fn serves_an_install(words: &[String]) -> bool {
    if matches!(apt_subcommand(words), Some("update" | "clean")) {
        return true;
    }
    let (flags, paths): (Vec<&String>, Vec<&String>) = words.iter().skip(1).partition(|w| w.starts_with('-'));
    words.first().is_some_and(|w| w == "rm")
        && flags
            .iter()
            .all(|f| f.trim_start_matches('-').chars().all(|c| matches!(c, 'r' | 'f' | 'R')))
        && !paths.is_empty()
        && paths.iter().all(|p| p.starts_with("/var/lib/apt/lists"))
}

/// The edits that take every apt install out of the RUN at `line` (its unit is `text` at byte
/// `offset` of `whole`), with the commands that only served them; `None` when the RUN's
/// commands cannot be told apart (an open quote, a comment among its continuations).
pub(super) fn drop_installs(whole: &str, offset: usize, text: &str, line: usize, escape: char) -> Option<Vec<Op>> {
    let spans = shell::command_spans(offset, text, escape)?;
    let words: Vec<Vec<String>> = spans
        .iter()
        .map(|r| shell::split(whole.get(r.clone())?))
        .collect::<Option<_>>()?;
    let gone: Vec<bool> = words
        .iter()
        .map(|w| apt_subcommand(w) == Some("install") || serves_an_install(w))
        .collect();
    let Some(first_kept) = gone.iter().position(|g| !g) else {
        return Some(vec![Op::Delete { line }]);
    };
    // A command before the first kept one goes with the blanks and operator after it; a later
    // one with the operator and blanks before it, so the rest reads as written.
    let ops = (0..spans.len())
        .filter(|&i| gone[i])
        .map(|i| {
            let at = if i < first_kept {
                spans[i].start..spans[i + 1].start
            } else {
                spans[i - 1].end..spans[i].end
            };
            Op::Splice {
                line,
                at,
                text: String::new(),
            }
        })
        .collect();
    Some(ops)
}
