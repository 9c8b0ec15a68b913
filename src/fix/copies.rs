//! The safe fixes that change COPY instructions: `COPY --chown/--chmod` instead of a later
//! recursive chown/chmod over exactly what the COPY brought (the image facts say which layer a
//! layer re-stored), and dependency files copied and installed before `COPY . .` (DW505).

use super::shell::{self, Hit};
use super::{Kind, Planner, edit, join};
use crate::analysis::dockerfile::DockerInstruction;
use crate::analysis::history::InstructionKind as K;
use crate::fix::doc::Op;

/// `chown -R OWNER PATH` or `chmod -R OCTAL PATH`, alone in a RUN: the COPY flag and path.
fn recursive_owner(inst: &DockerInstruction) -> Option<(String, String)> {
    if inst.json_form.is_some() || !inst.heredocs.is_empty() {
        return None;
    }
    let words = shell::split(&inst.args)?;
    let [cmd, r, value, path] = &words[..] else { return None };
    // The value is written into the COPY line: only a word that reads the same bare. The path
    // is only compared with the COPY's destination, after the variables are substituted.
    if r != "-R" || value.starts_with('-') || !shell::plain(value) || !shell::plain(&path.replace(['$', '{', '}'], ""))
    {
        return None;
    }
    match cmd.as_str() {
        "chown" => Some((format!("--chown={value}"), path.clone())),
        "chmod" if (3..=4).contains(&value.len()) && value.chars().all(|c| ('0'..='7').contains(&c)) => {
            Some((format!("--chmod={value}"), path.clone()))
        }
        _ => None,
    }
}

fn copy_dest(p: &Planner<'_>, inst: &DockerInstruction) -> Option<String> {
    let (stage, _) = p.at(inst.line)?;
    let words = match &inst.json_form {
        Some(v) => v.clone(),
        None => shell::split(&inst.args)?,
    };
    let dest = words.last().filter(|_| words.len() >= 2)?;
    Some(join(&p.workdir(stage, inst.line), &p.expand(stage, inst.line, dest)))
}

pub(super) fn owner_copies(p: &mut Planner<'_>) {
    for f in p.findings("DW503") {
        let (Some(line), Some(layer)) = (f.dockerfile_line, f.layer) else {
            continue;
        };
        if !p.done.insert(("DW503", Some(line))) {
            continue;
        }
        let skip = |p: &mut Planner<'_>, why: String| p.skip(vec!["DW503"], vec![line], why);
        let Some((_, run)) = p.at(line).filter(|(_, i)| i.kind == K::Run) else {
            skip(p, format!("line {line} is not a RUN"));
            continue;
        };
        let Some((flag, path)) = recursive_owner(run) else {
            skip(
                p,
                format!(
                    "line {line} is not one `chown -R OWNER PATH` or `chmod -R OCTAL PATH` alone (`COPY --chmod` takes only an octal mode)"
                ),
            );
            continue;
        };
        let sources = p.input.facts.restored_from.get(&layer).cloned().unwrap_or_default();
        let copy = match (sources.len(), sources.first()) {
            (1, Some(&l)) if !p.input.facts.writes_content.contains(&layer) => {
                p.input.facts.layer_lines.get(l).copied().flatten()
            }
            _ => None,
        };
        let copy = copy.and_then(|l| p.at(l)).map(|(_, i)| i);
        let Some(copy) = copy.filter(|c| matches!(c.kind, K::Copy | K::Add)) else {
            skip(
                p,
                format!("line {line} re-stores files of more than one COPY, or writes new content too"),
            );
            continue;
        };
        let resolved = p
            .at(line)
            .map(|(s, _)| join(&p.workdir(s, line), &p.expand(s, line, &path)));
        let flag_name = flag.split('=').next().unwrap_or("");
        if copy_dest(p, copy) != resolved || copy.flags.iter().any(|(n, _)| format!("--{n}") == flag_name) {
            skip(
                p,
                format!("line {line} covers other paths than line {}'s COPY brought", copy.line),
            );
            continue;
        }
        let Some((offset, text)) = p.src.unit(copy.line) else {
            continue;
        };
        let code = text.trim_start();
        let keyword = offset + text.len() - code.len() + code.split_whitespace().next().map_or(0, str::len);
        // The RUN stays for the destination directory alone: when it existed before the COPY
        // (a WORKDIR made it), `COPY --chown` leaves its owner as it was (checked with buildah).
        let cmd = if flag.starts_with("--chown") { "chown" } else { "chmod" };
        let recursive = p
            .src
            .unit(line)
            .and_then(|(o, t)| shell::find(o, t, &[cmd, "-R"]).into_iter().next());
        let Some(recursive) = recursive else {
            skip(p, format!("line {line}: `{cmd} -R` is split over a continuation"));
            continue;
        };
        // `COPY --chown=NAME` looks the name up when the COPY runs: a user or group created
        // after it is not there yet (the build fails: "unable to find user").
        let by_name = flag
            .strip_prefix("--chown=")
            .is_some_and(|v| v.split(':').any(|id| !id.bytes().all(|b| b.is_ascii_digit())));
        let creates = p.at(line).and_then(|(stage, _)| {
            stage.instructions.iter().find(|i| {
                i.line > copy.line
                    && i.line < line
                    && i.kind == K::Run
                    && ["useradd", "adduser", "groupadd", "addgroup"]
                        .iter()
                        .any(|t| i.args.contains(t))
            })
        });
        if let Some(creates) = creates.filter(|_| by_name) {
            skip(
                p,
                format!(
                    "line {} creates users after line {}'s COPY, where `COPY {flag}` would not find them yet: move the COPY after it, or use numeric ids",
                    creates.line, copy.line
                ),
            );
            continue;
        }
        p.owner_flags.insert(copy.line, flag.clone());
        let summary = format!("line {}: COPY {flag}; line {line} no longer recursive", copy.line);
        let mut e = edit(
            Kind::Safe,
            vec!["DW503"],
            vec![copy.line, line],
            f.reclaimable_bytes,
            summary,
        );
        e.ops = vec![
            Op::Splice {
                line: copy.line,
                at: keyword..keyword,
                text: format!(" {flag}"),
            },
            Op::Splice {
                line,
                at: recursive.start + cmd.len()..recursive.end,
                text: String::new(),
            },
        ];
        p.edit(e);
    }
}

/// The requirement files a `pip install` reads (`-r FILE`, `-c FILE`), or `None` when it
/// installs anything else from the context (a path, `.`, `-e`) or its words cannot be read.
fn requirement_files(args: &str) -> Option<Vec<String>> {
    let words = shell::split(args)?;
    let mut files = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        match w.as_str() {
            "-r" | "--requirement" | "-c" | "--constraint" => files.push(it.next()?.clone()),
            w if w.starts_with("--requirement=") || w.starts_with("--constraint=") => {
                files.push(w.split_once('=')?.1.to_string());
            }
            "-e" | "--editable" | "." => return None,
            w if w.starts_with('.') || w.starts_with('/') || w.contains("${") => return None,
            _ => {}
        }
    }
    Some(files)
}

/// Whether every command of a RUN installs packages (pip, uv, apt, apk) or is harmless shell
/// set-up (`set -e`, `mkdir`, `rm`, `echo`): only such a RUN can move before the COPY of the
/// context, since any other command may read the files that COPY brings.
fn only_installs(args: &str) -> bool {
    let Some(words) = shell::split(args) else { return false };
    let mut start = true;
    let mut python = false;
    for w in &words {
        if matches!(w.as_str(), "&&" | "||" | ";" | "|") {
            start = true;
            continue;
        }
        if !start {
            if python {
                python = false;
                if w != "-m" {
                    return false;
                }
                start = true; // the module name is checked next
            }
            continue;
        }
        if w.contains('=') && !w.starts_with('-') {
            continue; // `PIP_NO_CACHE_DIR=1 pip install ...`
        }
        let name = w.rsplit('/').next().unwrap_or(w).trim_end_matches(';');
        python = name.starts_with("python");
        let tool = name.starts_with("pip") || matches!(name, "uv" | "apt-get" | "apt" | "apk");
        let setup = matches!(name, "set" | "mkdir" | "rm" | "echo" | "true");
        if !(tool || setup || python) {
            return false;
        }
        start = false;
    }
    !python
}

pub(super) fn reorder(p: &mut Planner<'_>) {
    for f in p.findings("DW505") {
        let Some(line) = f.dockerfile_line else { continue };
        if !p.done.insert(("DW505", Some(line))) {
            continue;
        }
        let skip = |p: &mut Planner<'_>, why: String| p.skip(vec!["DW505"], vec![line], why);
        let Some((stage, copy)) = p.at(line).filter(|(_, i)| i.kind == K::Copy && i.json_form.is_none()) else {
            skip(p, format!("line {line} is not a shell-form COPY"));
            continue;
        };
        let words = shell::split(&copy.args).unwrap_or_default();
        if words.len() != 2 || !matches!(words[0].as_str(), "." | "./") || copy.flag("from").is_some() {
            skip(p, format!("line {line} does not copy the whole context alone"));
            continue;
        }
        let Some(dest) = copy_dest(p, copy) else { continue };
        let mut later = stage.instructions.iter().filter(|i| i.line > line);
        let install = later.find(|i| !matches!(i.kind, K::Env | K::Arg | K::Label));
        let Some(run) = install.filter(|i| i.kind == K::Run && i.json_form.is_none() && i.heredocs.is_empty()) else {
            skip(
                p,
                format!("the instruction after line {line} is not the RUN that installs"),
            );
            continue;
        };
        let (offset, text) = p.src.unit(run.line).unwrap_or((0, ""));
        let pips: Vec<Hit> = shell::pip_installs(offset, text).into_iter().map(|(_, h)| h).collect();
        let files = pips
            .iter()
            .map(|h| requirement_files(&h.args))
            .collect::<Option<Vec<_>>>();
        // A hit's words run to the end of its line, so a later install's files come twice.
        let files = files.map(|f| {
            let mut all = f.concat();
            all.sort();
            all.dedup();
            all
        });
        let files = files.filter(|f| !f.is_empty());
        let Some(files) = files else {
            skip(
                p,
                format!(
                    "line {}: only `pip install -r FILE` installs are reordered mechanically",
                    run.line
                ),
            );
            continue;
        };
        if !only_installs(&run.args) {
            skip(
                p,
                format!(
                    "line {}: the RUN does more than install (a command that may read the copied files would not find them before line {line})",
                    run.line
                ),
            );
            continue;
        }
        // The new COPY lines are written from these words and the COPY's flags: each must
        // read the same written bare.
        let flags_plain = copy.flags.iter().all(|(_, v)| v.as_deref().is_none_or(shell::plain));
        if !files.iter().all(|f| shell::plain(f)) || !flags_plain {
            skip(
                p,
                format!(
                    "line {}: a requirement file or line {line}'s flags need quoting; move the install by hand",
                    run.line
                ),
            );
            continue;
        }
        let workdir = p.workdir(stage, run.line);
        let reads = files
            .iter()
            .map(|f| join(&workdir, f))
            .find(|f| p.input.facts.requirements_reading_files.contains(f));
        if let Some(file) = reads {
            skip(
                p,
                format!(
                    "line {}: {file} reads other files of the context (`-r`, `-c`, `-e ./pkg` or a path), which would have to be copied before the install too; move it by hand",
                    run.line
                ),
            );
            continue;
        }
        let mut copies = String::new();
        for file in &files {
            let image_path = join(&workdir, file);
            let Some(rel) = image_path.strip_prefix(&format!("{}/", dest.trim_end_matches('/'))) else {
                copies.clear();
                break;
            };
            let chown = copy.flags.iter().filter(|(n, _)| n == "chown" || n == "chmod");
            let mut flags: String = chown
                .map(|(n, v)| format!("--{n}={} ", v.as_deref().unwrap_or("")))
                .collect();
            if let Some(flag) = p.owner_flags.get(&line) {
                flags.push_str(&format!("{flag} "));
            }
            copies.push_str(&format!("COPY {flags}{rel} {image_path}\n"));
        }
        if copies.is_empty() {
            skip(
                p,
                format!(
                    "line {}: a requirement file lies outside line {line}'s destination",
                    run.line
                ),
            );
            continue;
        }
        let summary = format!(
            "line {}'s install moved before line {line}'s COPY, after its requirement files",
            run.line
        );
        let mut e = edit(
            Kind::Safe,
            vec!["DW505"],
            vec![line, run.line],
            f.reclaimable_bytes,
            summary,
        );
        e.ops = vec![
            Op::Before { line, text: copies },
            Op::Move {
                line: run.line,
                before: line,
            },
        ];
        p.edit(e);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::dockerfile::parse;
    use crate::analysis::rules::Finding;
    use crate::fix::{Facts, Input, plan};

    /// DW505 on `COPY . /app`, with a pip install whose requirement file is `file`.
    fn reorder_of(file: &str) -> crate::fix::Plan {
        let text = format!("FROM debian\nWORKDIR /app\nCOPY . /app\nRUN pip install -r {file}\n");
        let df = parse(&text).unwrap();
        let findings = [Finding {
            rule: "DW505",
            title: String::new(),
            severity: crate::catalogue::Severity::Warning,
            reclaimable_bytes: 10,
            layer: Some(1),
            dockerfile_line: Some(3),
            paths: Vec::new(),
            fix: String::new(),
        }];
        let facts = Facts::default();
        let input = Input {
            text: &text,
            dockerfile: &df,
            findings: &findings,
            facts: &facts,
            dockerignore: None,
        };
        plan(&input).unwrap()
    }

    /// The fuzzer's find: an open quote in the requirement file's name gave a word holding the
    /// rest of the line and its line break, written into the new COPY line.
    #[test]
    fn a_requirement_file_whose_name_cannot_be_written_bare_is_listed_not_moved() {
        let ok = reorder_of("req.txt");
        assert_eq!(ok.edits.len(), 1);
        for file in ["re\"\"\"q.txt LANG=C", "'my reqs.txt'", "$REQ"] {
            let p = reorder_of(file);
            assert!(p.edits.is_empty(), "{file}: {:?}", p.edits);
            let [n] = &p.not_applied[..] else {
                panic!("{file}: {:?}", p.not_applied)
            };
            assert_eq!(
                (n.rules.as_slice(), n.lines.as_slice()),
                (&["DW505"][..], &[3][..]),
                "{file}"
            );
        }
    }
}
