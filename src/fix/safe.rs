//! The safe fixes of RUN lines: cache flags of pip, uv, Poetry and apk (or their environment
//! variable), and `apt-get update` merged into the installing RUN with the lists removed. Each
//! leaves the same files in the image apart from the waste. COPY fixes are in `copies.rs`, the
//! `.dockerignore` lines in `ignore.rs`.

use super::shell::{self, Hit};
use super::{Kind, Planner, edit};
use crate::analysis::dockerfile::DockerInstruction;
use crate::analysis::history::InstructionKind as K;
use crate::analysis::pip::Installer;
use crate::fix::doc::Op;

/// Plans every safe fix of the Dockerfile itself.
pub(super) fn plan(p: &mut Planner<'_>) {
    cache_flags(p);
    apt_lists(p);
}

/// A cache flag for one tool: the commands it goes after, the flag, the environment variable
/// that does the same where no command can take it.
struct CacheFix {
    rules: &'static [&'static str],
    /// The tool's commands in a unit's text (offset, text), the flag going after each.
    commands: fn(usize, &str) -> Vec<Hit>,
    /// The command as the summary names it.
    command: &'static str,
    flag: &'static str,
    env: Option<&'static str>,
    /// A tool in the RUN that no flag or variable fixes, and why: the finding is listed with
    /// the reason instead.
    refused: Option<(&'static str, &'static str)>,
}

const CACHE_FIXES: &[CacheFix] = &[
    CacheFix {
        rules: &["DW101", "DW703"],
        commands: |offset, text| installs_by(offset, text, Installer::Pip),
        command: "pip install",
        flag: "--no-cache-dir",
        env: Some("PIP_NO_CACHE_DIR=1"),
        refused: None,
    },
    CacheFix {
        rules: &["DW102"],
        commands: |offset, text| {
            let mut hits = installs_by(offset, text, Installer::Uv);
            hits.extend(shell::find(offset, text, &["uv", "sync"]));
            hits
        },
        command: "uv pip install",
        flag: "--no-cache",
        env: Some("UV_NO_CACHE=1"),
        refused: None,
    },
    // Pipenv has no cache flag and no PIPENV_NO_CACHE: its pip obeys PIP_NO_CACHE_DIR. Poetry's
    // `--no-cache` still writes ~/.cache/pypoetry/artifacts, so Poetry is refused.
    CacheFix {
        rules: &["DW103"],
        commands: |_, _| Vec::new(),
        command: "",
        flag: "",
        env: Some("PIP_NO_CACHE_DIR=1"),
        refused: Some((
            "poetry",
            "Poetry writes its artifacts cache even with --no-cache; point POETRY_CACHE_DIR at a \
             directory removed in the same RUN, or use a cache mount (`deadweight explain DW103`)",
        )),
    },
    CacheFix {
        rules: &["DW107"],
        commands: |offset, text| shell::find(offset, text, &["apk", "add"]),
        command: "apk add",
        flag: "--no-cache",
        env: None,
        refused: None,
    },
];

/// The pip installs of one installer in a unit's text.
fn installs_by(offset: usize, text: &str, installer: Installer) -> Vec<Hit> {
    shell::pip_installs(offset, text)
        .into_iter()
        .filter(|(i, _)| *i == installer)
        .map(|(_, h)| h)
        .collect()
}

/// The occurrences of any of `commands` in the instruction that lack `flag`.
fn missing_flag(p: &Planner<'_>, inst: &DockerInstruction, fix: &CacheFix) -> (Vec<Hit>, usize) {
    let Some((offset, text)) = p.src.unit(inst.line) else {
        return (Vec::new(), 0);
    };
    let hits: Vec<Hit> = (fix.commands)(offset, text);
    let all = hits.len();
    (
        hits.into_iter()
            .filter(|h| !shell::has_flag(&h.args, fix.flag))
            .collect(),
        all,
    )
}

fn cache_flags(p: &mut Planner<'_>) {
    for fix in CACHE_FIXES {
        let mut lines: Vec<usize> = fix
            .rules
            .iter()
            .flat_map(|r| p.findings(r))
            .filter_map(|f| f.dockerfile_line)
            .collect();
        lines.sort();
        lines.dedup();
        for line in lines {
            let found: Vec<_> = fix.rules.iter().filter_map(|r| p.take(r, Some(line))).collect();
            let rules: Vec<&'static str> = found.iter().map(|f| f.rule).collect();
            let bytes = found.iter().map(|f| f.reclaimable_bytes).sum();
            let Some((_, inst)) = p.at(line).filter(|(_, i)| i.kind == K::Run) else {
                p.skip(rules, vec![line], format!("line {line} is not a RUN instruction"));
                continue;
            };
            if inst.json_form.is_some() {
                let why = format!("line {line} is an exec-form (JSON) RUN; add {} by hand", fix.flag);
                p.skip(rules, vec![line], why);
                continue;
            }
            if let Some((tool, why)) = fix.refused
                && p.src.unit(line).is_some_and(|(_, text)| text.contains(tool))
            {
                p.skip(rules, vec![line], format!("line {line}: {why}"));
                continue;
            }
            let (hits, all) = missing_flag(p, inst, fix);
            let mut e = edit(Kind::Safe, rules.clone(), vec![line], bytes, String::new());
            if !hits.is_empty() {
                e.summary = format!("line {line}: {} on `{}`", fix.flag, fix.command);
                e.ops = hits
                    .iter()
                    .map(|h| Op::Splice {
                        line,
                        at: h.end..h.end,
                        text: format!(" {}", fix.flag),
                    })
                    .collect();
                // `apk update` writes the index that `apk add --no-cache` would not: it goes in
                // the same RUN, or the saving is not there.
                let text = p.src.unit(line).map_or("", |(_, t)| t);
                let update = fix.rules == ["DW107"] && text.contains("apk update") && !text.contains("/var/cache/apk");
                if let Some(end) = p.src.append_point(inst).filter(|_| update) {
                    e.ops.push(Op::Splice {
                        line,
                        at: end..end,
                        text: " && rm -rf /var/cache/apk/*".into(),
                    });
                    e.summary.push_str(", and the index `apk update` wrote removed");
                }
            } else if let Some(env) = fix.env.filter(|_| all == 0) {
                // The tool runs behind another command (a script, a Makefile): the variable
                // reaches it where a flag cannot.
                e.summary = format!("line {line}: ENV {env} before the RUN");
                e.ops = vec![Op::Before {
                    line,
                    text: format!("ENV {env}\n"),
                }];
            } else {
                let why = format!("line {line}: the command that fills the cache was not found on one line");
                p.skip(rules, vec![line], why);
                continue;
            }
            p.edit(e);
        }
    }
}

/// The next RUN after `line` in its stage that installs with apt.
fn apt_install_after<'a>(p: &Planner<'a>, line: usize) -> Option<&'a DockerInstruction> {
    let (stage, _) = p.at(line)?;
    let installs = |i: &&DockerInstruction| {
        let offset_text = p.src.unit(i.line);
        offset_text.is_some_and(|(o, t)| !apt_installs(o, t).is_empty())
    };
    stage
        .instructions
        .iter()
        .filter(|i| i.line > line && i.kind == K::Run)
        .find(installs)
}

fn apt_installs(offset: usize, text: &str) -> Vec<Hit> {
    let mut hits = shell::find(offset, text, &["apt-get", "install"]);
    hits.extend(shell::find(offset, text, &["apt", "install"]));
    hits
}

/// True when the RUN does nothing but `apt-get update` (with flags).
fn only_update(inst: &DockerInstruction) -> bool {
    let words = shell::split(&inst.args).unwrap_or_default();
    matches!(words.first().map(String::as_str), Some("apt-get" | "apt"))
        && words.get(1).map(String::as_str) == Some("update")
        && words.iter().skip(2).all(|w| w.starts_with('-'))
}

/// The start of the simple command whose program word starts at `at` in `text`: before the
/// `NAME=value` words that set its environment, which must stay with it.
fn command_start(text: &str, at: usize) -> usize {
    let mut start = at;
    let mut head = text.get(..at).unwrap_or("");
    loop {
        let trimmed = head.trim_end_matches([' ', '\t']);
        let from = trimmed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &trimmed[from..];
        let assignment = word.split_once('=').is_some_and(|(name, _)| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if !assignment {
            return start;
        }
        start = from;
        head = &trimmed[..from];
    }
}

fn apt_lists(p: &mut Planner<'_>) {
    for f in p.findings("DW105") {
        let Some(line) = f.dockerfile_line else { continue };
        if !p.done.insert(("DW105", Some(line))) {
            continue;
        }
        let Some((_, inst)) = p.at(line).filter(|(_, i)| i.kind == K::Run && i.json_form.is_none()) else {
            p.skip(
                vec!["DW105"],
                vec![line],
                format!("line {line} is not a shell-form RUN"),
            );
            continue;
        };
        let (target, delete) = if only_update(inst) {
            match apt_install_after(p, line) {
                Some(t) => (t, true),
                None => {
                    let why = format!("line {line}: no later RUN of the stage installs with apt to merge it into");
                    p.skip(vec!["DW105"], vec![line], why);
                    continue;
                }
            }
        } else {
            (inst, false)
        };
        // A later install that reads these lists (no update of its own) fails without them.
        let updates = |i: &DockerInstruction| i.args.contains("apt-get update") || i.args.contains("apt update");
        if let Some(later) = apt_install_after(p, target.line).filter(|i| !updates(i)) {
            let why = format!(
                "line {} installs with apt from these lists without an `apt-get update` of its own: removing them at line {} would fail it",
                later.line, target.line
            );
            p.skip(vec!["DW105"], vec![line], why);
            continue;
        }
        let installs = p
            .src
            .unit(target.line)
            .map(|(o, t)| apt_installs(o, t))
            .unwrap_or_default();
        let (Some(first), Some(end)) = (installs.first(), p.src.append_point(target)) else {
            let why = format!(
                "line {}: the RUN ends in a heredoc or comment, or its apt install spans a continuation",
                target.line
            );
            p.skip(vec!["DW105"], vec![line], why);
            continue;
        };
        let mut rules = vec!["DW105"];
        let mut bytes = f.reclaimable_bytes;
        let mut tail = String::new();
        let archives: Vec<_> = [line, target.line]
            .iter()
            .filter_map(|&l| p.take("DW106", Some(l)))
            .collect();
        if !archives.is_empty() && !target.args.contains("apt-get clean") {
            rules.push("DW106");
            bytes += archives.iter().map(|f| f.reclaimable_bytes).sum::<u64>();
            tail.push_str(" && apt-get clean");
        }
        if !target.args.contains("/var/lib/apt/lists") {
            tail.push_str(" && rm -rf /var/lib/apt/lists/*");
        }
        let mut lines = vec![target.line];
        let mut ops = vec![Op::Splice {
            line: target.line,
            at: end..end,
            text: tail,
        }];
        if delete {
            lines.insert(0, line);
            ops.push(Op::Delete { line });
            ops.push(Op::Splice {
                line: target.line,
                at: command_start(p.src.text, first.start)..command_start(p.src.text, first.start),
                text: format!("{} && ", inst.args.trim()),
            });
        }
        let summary = if delete {
            format!(
                "line {line}'s apt-get update merged into line {}, lists removed there",
                target.line
            )
        } else {
            format!("line {line}: apt lists removed in the same RUN")
        };
        let mut e = edit(Kind::Safe, rules, lines, bytes, summary);
        e.ops = ops;
        p.edit(e);
    }
}
