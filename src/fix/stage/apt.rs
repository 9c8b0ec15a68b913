//! The runtime stage's apt install once the build stage took every package it named and kept
//! no library: the install goes, with the `apt-get update`, `apt-get clean` and list cleanup
//! that only served it, rather than an `apt-get install -y` naming nothing. The rest of the RUN
//! stays; a RUN left with nothing goes whole. Which packages go is `stage`'s decision, not this
//! module's.

use crate::analysis::dockerfile::Stage;
use crate::analysis::history::InstructionKind as K;
use crate::fix::doc::Op;
use crate::fix::{Edit, Planner, shell};

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

/// When the install's whole RUN goes: the `apt-get update` RUN just before it in the stage,
/// which served only the install, goes too; the apt lists' and archives' findings (DW105,
/// DW106) on both lines are named in a note, since nothing is left for their fixes to clean.
/// Returns what it adds to the summary.
pub(super) fn take_over(p: &Planner<'_>, stage: &Stage, apt_line: usize, e: &mut Edit) -> String {
    let before = stage.instructions.iter().take_while(|i| i.line < apt_line).last();
    let update = before.filter(|i| {
        let Some((offset, text)) = p.src.unit(i.line) else {
            return false;
        };
        let spans = shell::command_spans(offset, text, p.input.dockerfile.escape).unwrap_or_default();
        i.kind == K::Run
            && i.json_form.is_none()
            && i.heredocs.is_empty()
            && !spans.is_empty()
            && spans.iter().all(|r| {
                let words = p.src.text.get(r.clone()).and_then(shell::split);
                words.is_some_and(|w| serves_an_install(&w))
            })
    });
    let mut lines = vec![apt_line];
    if let Some(u) = update {
        e.ops.push(Op::Delete { line: u.line });
        e.lines.push(u.line);
        lines.push(u.line);
    }
    e.lines.sort_unstable();
    // Their bytes go with the lines, but their rules and bytes stay their own fixes' (`--only
    // DW105` must not pick the build stage, and --verify measures an edit by its rules'
    // findings); those fixes then do not apply where the lines are gone.
    for rule in ["DW105", "DW106"] {
        for f in p
            .findings(rule)
            .into_iter()
            .filter(|f| f.dockerfile_line.is_some_and(|l| lines.contains(&l)))
        {
            e.notes.push(format!(
                "{rule} ({} B on line {}) goes with the deleted lines; its own fix then does not apply",
                f.reclaimable_bytes,
                f.dockerfile_line.unwrap_or(apt_line)
            ));
        }
    }
    update.map_or_else(String::new, |u| format!(" with line {}'s `{}`", u.line, u.args.trim()))
}
