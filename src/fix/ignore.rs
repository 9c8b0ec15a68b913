//! `.dockerignore` lines for files of the build context that leaked into the image (`.git`,
//! virtualenvs, `__pycache__`, secrets, IDE folders, node_modules, tests, build files). Lines
//! are exact paths relative to the context root, written so that Docker's matching (Go's
//! `filepath.Match` after `filepath.Clean`, a leading `/` dropped, `#` lines are comments, `!`
//! negates) reads them as that one path. A path that a later instruction reads is left out,
//! with a note. Owns nothing of the Dockerfile text.

use std::collections::BTreeSet;

use super::shell;
use super::{Kind, Planner, edit, join};
use crate::analysis::dockerfile::DockerInstruction;
use crate::analysis::history::InstructionKind as K;

/// The rules whose findings are files of the build context.
const RULES: &[&str] = &[
    "DW401", "DW402", "DW403", "DW404", "DW405", "DW407", "DW408", "DW301", "DW302", "DW303",
];

/// The sources and resolved destination of a context COPY/ADD.
fn copy_parts(p: &Planner<'_>, inst: &DockerInstruction) -> Option<(Vec<String>, String)> {
    if !matches!(inst.kind, K::Copy | K::Add) || inst.flag("from").is_some() {
        return None;
    }
    let (stage, _) = p.at(inst.line)?;
    let mut words = match &inst.json_form {
        Some(v) => v.clone(),
        None => shell::split(&inst.args)?,
    };
    let dest = words.pop()?;
    let dest = p.expand(stage, inst.line, &dest);
    (!words.is_empty()).then(|| (words, join(&p.workdir(stage, inst.line), &dest)))
}

/// A context path without `./` and trailing slashes.
fn clean(s: &str) -> String {
    let s = s.trim_start_matches("./").trim_end_matches('/');
    if s.is_empty() { ".".into() } else { s.into() }
}

/// The context path that put `path` in the image through a COPY of `sources` to `dest`.
fn context_path(sources: &[String], dest: &str, path: &str) -> Option<String> {
    let [source] = sources else { return None };
    let source = clean(source);
    let rel = if path == dest {
        ""
    } else {
        path.strip_prefix(&format!("{}/", dest.trim_end_matches('/')))?
    };
    match (source.as_str(), rel) {
        (".", "") => None,
        (".", rel) => Some(rel.to_string()),
        (s, "") => Some(s.to_string()),
        (s, rel) => Some(format!("{s}/{rel}")),
    }
}

/// True when `text` holds `word` with no name character on either side.
fn mentions(text: &str, word: &str) -> bool {
    let edge = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')));
    text.match_indices(word).any(|(i, _)| {
        edge(text.get(..i).and_then(|h| h.chars().next_back()))
            && edge(text.get(i + word.len()..).and_then(|t| t.chars().next()))
    })
}

/// The first instruction from `line` on (in any stage) that reads the context path `ctx`
/// (image path `path`), if any.
fn reader(p: &Planner<'_>, line: usize, ctx: &str, path: &str) -> Option<usize> {
    let all = p.stages().iter().flat_map(|s| &s.instructions);
    for inst in all.filter(|i| i.line >= line) {
        // A context COPY whose words cannot be read (an open quote) may read anything.
        let context_copy = matches!(inst.kind, K::Copy | K::Add) && inst.flag("from").is_none();
        if context_copy && inst.json_form.is_none() && shell::split(&inst.args).is_none() {
            return Some(inst.line);
        }
        if let Some((sources, _)) = copy_parts(p, inst) {
            let reads = sources.iter().map(|s| clean(s)).any(|s| {
                let literal = s.split(['*', '?', '[']).next().unwrap_or("");
                s == ctx || s.starts_with(&format!("{ctx}/")) || (literal.len() < s.len() && ctx.starts_with(literal))
            });
            if reads && !(sources.len() == 1 && clean(&sources[0]) == ".") {
                return Some(inst.line);
            }
        }
        if matches!(inst.kind, K::Run | K::Cmd | K::Entrypoint) && inst.line > line {
            let text = inst.json_form.as_ref().map_or(inst.args.clone(), |v| v.join(" "));
            let git = ctx.rsplit('/').next() == Some(".git") && mentions(&text, "git");
            // `RUN pytest` finds its tests without naming them; without them it fails the build.
            let runner = ["pytest", "py.test", "nose2", "unittest", "tox"];
            let tests = is_test(ctx) && runner.iter().any(|r| mentions(&text, r));
            if text.contains(path) || mentions(&text, ctx) || git || tests {
                return Some(inst.line);
            }
        }
    }
    None
}

/// Whether a context path is test code a test runner would collect (`tests/`, `test_*.py`,
/// `*_test.py`, `conftest.py`, or anything under such a directory).
fn is_test(ctx: &str) -> bool {
    ctx.split('/').any(|part| {
        matches!(part, "tests" | "test" | "conftest.py")
            || (part.ends_with(".py") && (part.starts_with("test_") || part.ends_with("_test.py")))
    })
}

/// The `.dockerignore` line for exactly the context path `ctx`, or `None` when no line can
/// say it (leading or trailing blanks, which Docker trims).
fn pattern(ctx: &str) -> Option<String> {
    if ctx.trim() != ctx || ctx.contains('\n') {
        return None;
    }
    let mut out = String::new();
    if ctx.starts_with(['#', '!']) {
        out.push('/'); // `#` would start a comment and `!` an exception; Clean drops the slash
    }
    for c in ctx.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    Some(out)
}

/// Plans one `.dockerignore` edit per finding of a leaked context file.
pub(super) fn plan(p: &mut Planner<'_>) {
    let existing: BTreeSet<String> = p
        .input
        .dockerignore
        .unwrap_or("")
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    let mut written: BTreeSet<String> = BTreeSet::new();
    let mut first = None;
    for rule in RULES {
        for f in p.findings(rule) {
            let Some(line) = f.dockerfile_line else { continue };
            if !p.done.insert((f.rule, Some(line))) {
                continue;
            }
            let parts = p.at(line).and_then(|(_, i)| copy_parts(p, i));
            let Some((sources, dest)) = parts else {
                p.skip(
                    vec![f.rule],
                    vec![line],
                    format!("line {line} is not a COPY/ADD of the build context"),
                );
                continue;
            };
            let mut e = edit(Kind::Safe, vec![f.rule], vec![line], 0, String::new());
            let mut covered = 0u64;
            for pb in &f.paths {
                let Some(ctx) = context_path(&sources, &dest, &pb.path) else {
                    e.notes
                        .push(format!("{}: not traced to one context path of line {line}", pb.path));
                    continue;
                };
                if let Some(by) = reader(p, line, &ctx, &pb.path) {
                    e.notes.push(format!("{ctx} left out: line {by} reads it"));
                    continue;
                }
                let Some(pat) = pattern(&ctx) else {
                    e.notes
                        .push(format!("{ctx:?} left out: .dockerignore cannot name it exactly"));
                    continue;
                };
                // The part another finding counts is that finding's saving, not this one's.
                covered += pb.own_bytes();
                if existing.contains(&pat) {
                    e.notes.push(format!(
                        "{pat} is in .dockerignore already (was the image built before?)"
                    ));
                } else if written.insert(pat.clone()) {
                    e.dockerignore.push(pat);
                }
            }
            let listed: u64 = f.paths.iter().map(|pb| pb.own_bytes()).sum();
            if listed < f.reclaimable_bytes {
                e.notes.push(format!(
                    "the finding lists only its largest paths: {} bytes not covered",
                    f.reclaimable_bytes - listed
                ));
            }
            e.predicted_bytes = covered.min(f.reclaimable_bytes);
            if e.dockerignore.is_empty() {
                let why = e.notes.join("; ");
                p.skip(vec![f.rule], vec![line], format!("no .dockerignore line to add: {why}"));
                continue;
            }
            e.summary = format!(".dockerignore: {}", e.dockerignore.join(", "));
            first.get_or_insert(p.plan.edits.len());
            p.edit(e);
        }
    }
    if let Some(i) = first
        && p.input.findings.iter().any(|f| f.rule == "DW701")
    {
        p.plan.edits[i].rules.push("DW701");
    }
}

/// `existing` with `lines` appended (a new file when there is none); `None` when nothing is
/// added.
pub(super) fn append(existing: Option<&str>, lines: &[&str]) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let mut out = existing.unwrap_or("").to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if existing.is_none() {
        out.push_str("# Build-context files that leaked into the image (deadweight fix)\n");
    }
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    Some(out)
}
