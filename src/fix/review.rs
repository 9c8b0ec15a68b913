//! The fixes to review, which may change what the image does: `--no-install-recommends`, a
//! write and its deletion in different RUNs folded into one, a non-root user, DW602's ENV
//! line, and development packages dropped from the install in the installer's own terms.

use super::facts::UserTool;
use super::shell;
use super::{Kind, Planner, edit};
use crate::analysis::dockerfile::DockerInstruction;
use crate::analysis::history::InstructionKind as K;
use crate::analysis::packages::Ecosystem;
use crate::analysis::pip::Installer;
use crate::analysis::rules::{Evidence, Finding};
use crate::fix::doc::Op;

/// Plans every review fix.
pub(super) fn plan(p: &mut Planner<'_>) {
    recommends(p);
    fold_deletes(p);
    dev_packages(p);
    python_env(p);
    non_root(p);
}

fn recommends(p: &mut Planner<'_>) {
    for f in p.findings("DW702") {
        let Some(line) = f.dockerfile_line else { continue };
        if !p.done.insert(("DW702", Some(line))) {
            continue;
        }
        let Some((offset, text)) = p.src.unit(line) else {
            continue;
        };
        let hits: Vec<_> = ["apt-get", "apt"]
            .iter()
            .flat_map(|tool| shell::find(offset, text, &[tool, "install"]))
            .filter(|h| !shell::has_flag(&h.args, "--no-install-recommends"))
            .collect();
        if hits.is_empty() {
            p.skip(
                vec!["DW702"],
                vec![line],
                format!("line {line}: no apt install on one line"),
            );
            continue;
        }
        let summary = format!("line {line}: --no-install-recommends (recommended packages may be used)");
        let mut e = edit(Kind::Review, vec!["DW702"], vec![line], f.reclaimable_bytes, summary);
        e.ops = hits
            .iter()
            .map(|h| Op::Splice {
                line,
                at: h.end..h.end,
                text: " --no-install-recommends".into(),
            })
            .collect();
        p.edit(e);
    }
}

/// The paths a RUN of nothing but `rm` commands deletes, or `None`.
fn removals(inst: &DockerInstruction) -> Option<Vec<String>> {
    if inst.json_form.is_some() || !inst.heredocs.is_empty() || inst.args.contains(['|', '`', '$', '(']) {
        return None;
    }
    let mut paths = Vec::new();
    for cmd in inst.args.split("&&").flat_map(|c| c.split(';')) {
        let words = shell::split(cmd)?;
        if words.first().map(String::as_str) != Some("rm") {
            return None;
        }
        paths.extend(words.into_iter().skip(1).filter(|w| !w.starts_with('-')));
    }
    (!paths.is_empty()).then_some(paths)
}

fn fold_deletes(p: &mut Planner<'_>) {
    for f in p.findings("DW501") {
        let Some(line) = f.dockerfile_line else { continue };
        if !p.done.insert(("DW501", Some(line))) {
            continue;
        }
        let skip = |p: &mut Planner<'_>, why: String| p.skip(vec!["DW501"], vec![line], why);
        let Some((stage, writer)) = p.at(line).filter(|(_, i)| i.kind == K::Run) else {
            skip(
                p,
                format!("line {line} is not a RUN; delete the files in a build stage instead"),
            );
            continue;
        };
        let covers = |d: &String| {
            let d = d.trim_end_matches("/*").trim_end_matches('/');
            f.paths
                .iter()
                .any(|pb| pb.path == d || pb.path.starts_with(&format!("{d}/")))
        };
        let later = stage.instructions.iter().filter(|i| i.line > line && i.kind == K::Run);
        let deleter = later
            .clone()
            .find(|i| removals(i).is_some_and(|r| r.iter().any(covers)));
        let (Some(deleter), Some(end)) = (deleter, p.src.append_point(writer)) else {
            skip(
                p,
                format!("line {line}: no later RUN of only `rm` deletes these files, or the RUN cannot take more"),
            );
            continue;
        };
        let between = later.take_while(|i| i.line < deleter.line);
        let removed = removals(deleter).unwrap_or_default();
        if between
            .clone()
            .any(|i| removed.iter().any(|r| i.args.contains(r.trim_end_matches("/*"))))
        {
            skip(
                p,
                format!(
                    "a RUN between lines {line} and {} touches the deleted paths",
                    deleter.line
                ),
            );
            continue;
        }
        let summary = format!("line {}'s deletion folded into line {line}", deleter.line);
        let lines = vec![line, deleter.line];
        let mut e = edit(Kind::Review, vec!["DW501"], lines, f.reclaimable_bytes, summary);
        e.ops = vec![
            Op::Splice {
                line,
                at: end..end,
                text: format!(" && {}", deleter.args.trim()),
            },
            Op::Delete { line: deleter.line },
        ];
        p.edit(e);
    }
}

fn dev_packages(p: &mut Planner<'_>) {
    for f in p.findings("DW304") {
        let (Some(line), Some(layer)) = (f.dockerfile_line, f.layer) else {
            continue;
        };
        if !p.done.insert(("DW304", Some(line))) {
            continue;
        }
        let names = p.input.facts.dev_packages.get(&layer).cloned().unwrap_or_default();
        let Some((offset, text)) = p.src.unit(line) else {
            continue;
        };
        let mut e = edit(
            Kind::Review,
            vec!["DW304"],
            vec![line],
            f.reclaimable_bytes,
            String::new(),
        );
        // Installers with a switch for "without the dev group" take it; pip takes names out.
        let switches: [(&[&str], &str); 3] = [
            (&["poetry", "install"], "--only main"),
            (&["uv", "sync"], "--no-dev"),
            (&["pdm", "install"], "--prod"),
        ];
        for (cmd, flag) in switches {
            for h in shell::find(offset, text, cmd)
                .into_iter()
                .filter(|h| !h.args.contains(flag))
            {
                e.ops.push(Op::Splice {
                    line,
                    at: h.end..h.end,
                    text: format!(" {flag}"),
                });
                e.summary = format!("line {line}: `{} {flag}`", cmd.join(" "));
            }
        }
        if e.ops.is_empty() {
            for (_, h) in shell::pip_installs(offset, text) {
                for w in shell::arg_words(p.src.text, h.end, offset + text.len()) {
                    let bare = w.word.split(['=', '<', '>', '~', '[', '!']).next().unwrap_or("");
                    if names.iter().any(|n| n.eq_ignore_ascii_case(bare) && !bare.is_empty()) {
                        e.ops.push(Op::Splice {
                            line,
                            at: w.removal,
                            text: String::new(),
                        });
                    }
                }
            }
            e.summary = format!("line {line}: {} dropped from the install", names.join(", "));
        }
        if e.ops.is_empty()
            && let Some((uninstall, summary)) = uninstall_after(p, line, f)
        {
            e.ops.push(uninstall);
            e.summary = summary;
        }
        e.removed_python = f.paths.iter().filter_map(dist_name).collect();
        if e.ops.is_empty() {
            let why = format!(
                "line {line}: the packages {} come from a requirements file or another installer; move them to a \
                 dev requirements file the image does not install (fix edits only the Dockerfile and .dockerignore)",
                names.join(", ")
            );
            p.skip(vec!["DW304"], vec![line], why);
            continue;
        }
        p.edit(e);
    }
}

/// The Python distribution a path line is about, normalised (`Foo_Bar` is `foo-bar`).
fn dist_name(line: &Evidence) -> Option<String> {
    let p = line.package.as_ref().filter(|p| p.ecosystem == Ecosystem::Python)?;
    (!p.name.is_empty()).then(|| p.name.to_ascii_lowercase().replace(['_', '.'], "-"))
}

/// For dev packages that a `pip install -r FILE` brings (fix may not edit the file): the same
/// RUN uninstalls them again right after, so their bytes never reach the layer. The names are
/// the packages of the finding's path lines: the tools and the dependencies only they need. `None` when the RUN does more than one plain pip install or
/// cannot take more text.
fn uninstall_after(p: &Planner<'_>, line: usize, f: &Finding) -> Option<(Op, String)> {
    let (_, run) = p.at(line).filter(|(_, i)| i.kind == K::Run)?;
    let (offset, text) = p.src.unit(line)?;
    // `uv pip uninstall` takes no `-y`: only pip's own installs get the uninstall.
    let hits = shell::pip_installs(offset, text);
    let [(Installer::Pip, hit)] = &hits[..] else {
        return None;
    };
    let words = shell::split(&hit.args)?;
    let from_file = words.iter().any(|w| w == "-r" || w.starts_with("--requirement"));
    let after_keyword = hit.prev.as_deref().is_none_or(|w| w.eq_ignore_ascii_case("RUN"));
    if !from_file || !after_keyword || run.args.contains(['&', ';', '|']) {
        return None;
    }
    let mut names: Vec<String> = f
        .paths
        .iter()
        .filter_map(dist_name)
        .filter(|n| shell::plain(n))
        .collect();
    names.sort_unstable();
    names.dedup();
    let end = p.src.append_point(run)?;
    let pip = &hit.program;
    let flag = if shell::has_flag(&hit.args, "--break-system-packages") {
        " --break-system-packages"
    } else {
        ""
    };
    (!names.is_empty()).then(|| {
        let op = Op::Splice {
            line,
            at: end..end,
            text: format!(" && {pip} uninstall -y{flag} {}", names.join(" ")),
        };
        let summary = format!(
            "line {line}: {} uninstalled in the same RUN (a requirements file names them; better: a dev requirements file the image does not install)",
            names.join(", ")
        );
        (op, summary)
    })
}

/// The line after which the final stage's own settings go: its FROM.
fn final_from(p: &Planner<'_>) -> Option<usize> {
    p.stages().last().map(|s| s.from_line)
}

fn python_env(p: &mut Planner<'_>) {
    let Some(f) = p.take("DW602", None) else { return };
    let Some(from) = final_from(p) else { return };
    let vars: Vec<&str> = ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]
        .into_iter()
        .filter(|v| {
            !p.input
                .facts
                .env
                .iter()
                .any(|e| v.split('=').next() == Some(e.as_str()))
        })
        .collect();
    if vars.is_empty() {
        return;
    }
    let summary = format!("line {from}: ENV {} in the final stage", vars.join(" "));
    let mut e = edit(Kind::Review, vec![f.rule], vec![from], f.reclaimable_bytes, summary);
    e.ops = vec![Op::After {
        line: from,
        text: format!("ENV {}\n", vars.join(" ")),
    }];
    p.edit(e);
}

fn non_root(p: &mut Planner<'_>) {
    let Some(f) = p.take("DW601", None) else { return };
    let Some(stage) = p.stages().last() else { return };
    // Without a tool (distroless, BusyBox-only) the numeric USER alone: it needs no
    // /etc/passwd entry.
    let create = match p.input.facts.user_tool {
        Some(UserTool::Useradd) => "RUN useradd --create-home --uid 10001 app\n",
        Some(UserTool::Adduser) => "RUN adduser -D -u 10001 app\n",
        None => "",
    };
    let start = stage
        .instructions
        .iter()
        .find(|i| matches!(i.kind, K::Cmd | K::Entrypoint));
    let text = format!("{create}USER 10001\n");
    let (op, line) = match (start, stage.instructions.last()) {
        (Some(i), _) => (Op::Before { line: i.line, text }, i.line),
        (None, Some(i)) => (Op::After { line: i.line, text }, i.line),
        (None, None) => (
            Op::After {
                line: stage.from_line,
                text,
            },
            stage.from_line,
        ),
    };
    let mut summary = format!("line {line}: run as user 10001 (files the app writes must be writable by it)");
    if create.is_empty() {
        summary.push_str("; no user created: the image has neither useradd nor adduser, and a numeric USER needs none");
    }
    let mut e = edit(Kind::Review, vec!["DW601"], vec![line], f.reclaimable_bytes, summary);
    e.ops = vec![op];
    if create.is_empty() {
        p.edit(e);
        return;
    }
    let db = ["passwd", "group", "shadow", "gshadow", "subuid", "subgid"];
    e.expected_paths = db
        .iter()
        .flat_map(|f| [format!("/etc/{f}"), format!("/etc/{f}-")])
        .collect();
    e.expected_paths.push("/home/app".into());
    p.edit(e);
}
