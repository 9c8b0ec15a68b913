//! `deadweight fix`: from the findings to a rewritten Dockerfile and `.dockerignore`. Two pure
//! steps: a *plan* ([`plan`]: findings, image facts and the parsed Dockerfile go to [`Edit`]s,
//! each safe or for review, with its rules, lines and predicted bytes, plus the fixes that
//! cannot be made mechanically and why) and a *rewrite* ([`apply`]: the chosen edits and the
//! original text go to the new text, every byte outside the edited instructions kept, the
//! result parsed again). Sits at the report floor: reads `analysis`, `model`, `catalogue`; does
//! no I/O, never builds or runs anything (the binary's builder does) and never reads the
//! findings' prose, only their rule, layer, line, paths and bytes.

mod copies;
pub mod doc;
mod facts;
mod ignore;
mod review;
mod safe;
pub mod shell;
mod stage;
mod vars;

use std::collections::{BTreeMap, BTreeSet};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::analysis::dockerfile::{DockerInstruction, Dockerfile, Stage};
use crate::analysis::history::InstructionKind;
use crate::analysis::rules::Finding;
use crate::error::Error;
use doc::{Change, Op, Source};
pub use facts::{Facts, UserTool};

/// The version of the JSON document `deadweight fix --json` writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Whether an edit may be applied without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The image keeps the same files apart from the waste removed, and the same behaviour.
    Safe,
    /// It may change behaviour and must be read.
    Review,
}

/// One change the plan proposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// Safe or review.
    pub kind: Kind,
    /// The rules whose findings it addresses.
    pub rules: Vec<&'static str>,
    /// The Dockerfile lines it touches (1-based, original numbering).
    pub lines: Vec<usize>,
    /// Bytes of the shipped image it should save (from the findings' reclaimable bytes).
    pub predicted_bytes: u64,
    /// What it does, in one line.
    pub summary: String,
    /// Lines it adds to `.dockerignore`.
    pub dockerignore: Vec<String>,
    /// Caveats the reader should know (paths left out of `.dockerignore` and why...).
    pub notes: Vec<String>,
    /// Image paths the edit changes besides its findings' paths (the user database that a
    /// new user rewrites): what a rebuild may show changed without surprise.
    #[serde(skip)]
    pub expected_paths: Vec<String>,
    /// Layers the edit makes again differently (the build stage's apt install): whatever they
    /// stored may change or go, except the files of [`Edit::kept_packages`].
    #[serde(skip)]
    pub rebuilt_layers: Vec<usize>,
    /// Debian packages a rebuilt layer still installs by name: their files must stay.
    #[serde(skip)]
    pub kept_packages: Vec<String>,
    /// Python distributions the edit keeps out of the image (normalised names): their files
    /// may go.
    #[serde(skip)]
    pub removed_python: Vec<String>,
    /// The text operations on the Dockerfile.
    #[serde(skip)]
    pub ops: Vec<Op>,
}

/// A fix that cannot be made mechanically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotApplied {
    /// The rules of the findings concerned.
    pub rules: Vec<&'static str>,
    /// The Dockerfile lines concerned.
    pub lines: Vec<usize>,
    /// Why, and what to do by hand.
    pub reason: String,
}

/// The plan: every edit, and what could not be planned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The edits, in the order they are applied.
    pub edits: Vec<Edit>,
    /// Fixes left to the reader.
    pub not_applied: Vec<NotApplied>,
}

/// What the plan reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The Dockerfile as written.
    pub text: &'a str,
    /// Its parse.
    pub dockerfile: &'a Dockerfile,
    /// The findings of the image built from it.
    pub findings: &'a [Finding],
    /// What the plan needs to know of the image besides the findings.
    pub facts: &'a Facts,
    /// The `.dockerignore` beside it, when there is one.
    pub dockerignore: Option<&'a str>,
}

/// The rewritten files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The new Dockerfile.
    pub dockerfile: String,
    /// The new `.dockerignore`, when it changes.
    pub dockerignore: Option<String>,
    /// Indexes (into the plan's edits) of the edits applied.
    pub applied: Vec<usize>,
    /// Edits chosen but not applied, with the reason (a collision with an earlier edit).
    pub rejected: Vec<(usize, String)>,
}

/// The `# syntax=` frontends whose Dockerfile language this parser knows.
fn known_syntax(s: &str) -> bool {
    let image = s.trim().split('@').next().unwrap_or("");
    let image = image.strip_prefix("docker.io/").unwrap_or(image);
    let name = image.split(':').next().unwrap_or("");
    matches!(name, "docker/dockerfile" | "docker/dockerfile-upstream")
}

fn refuse(reason: String) -> Error {
    Error::Fix { reason }
}

/// Refuses a `# syntax=` frontend other than Docker's own: its language may not be the one
/// parsed here. Cheap, so callers check it before reading the image.
pub fn check_syntax(df: &Dockerfile) -> Result<(), Error> {
    match df.syntax.as_deref().filter(|s| !known_syntax(s)) {
        Some(s) => Err(refuse(format!(
            "the Dockerfile asks for the frontend {s:?}, whose syntax deadweight does not know"
        ))),
        None => Ok(()),
    }
}

/// Plans the fixes. Errors: an unknown frontend ([`check_syntax`]), or a Dockerfile that does
/// not match the image's history.
pub fn plan(input: &Input<'_>) -> Result<Plan, Error> {
    check_syntax(input.dockerfile)?;
    if let Some(first) = input.facts.unmatched.first() {
        return Err(refuse(format!(
            "the Dockerfile does not match the image: {first} (was the image built from it?)"
        )));
    }
    let mut p = Planner {
        input,
        src: Source::new(input.text, input.dockerfile),
        plan: Plan::default(),
        done: BTreeSet::new(),
        owner_flags: BTreeMap::new(),
    };
    safe::plan(&mut p);
    copies::owner_copies(&mut p);
    copies::reorder(&mut p);
    ignore::plan(&mut p);
    review::plan(&mut p);
    stage::plan(&mut p);
    Ok(p.plan)
}

/// Applies the chosen edits of `plan` (those `choose` accepts) to the input's text and
/// `.dockerignore`. Edits that collide with an earlier chosen one, or after which the
/// Dockerfile would no longer parse, are left out whole and listed with the reason; the others
/// apply. The result parses whenever the input did.
pub fn apply(input: &Input<'_>, plan: &Plan, choose: impl Fn(&Edit) -> bool) -> Applied {
    let src = Source::new(input.text, input.dockerfile);
    let chosen: Vec<usize> = (0..plan.edits.len()).filter(|&i| choose(&plan.edits[i])).collect();
    let changes: Vec<Change<'_>> = chosen
        .iter()
        .map(|&i| Change {
            label: &plan.edits[i].summary,
            ops: &plan.edits[i].ops,
        })
        .collect();
    let out = doc::rewrite_checked(&src, &changes);
    let (mut applied, mut rejected) = (Vec::new(), Vec::new());
    for (&i, r) in chosen.iter().zip(out.rejected) {
        match r {
            None => applied.push(i),
            Some(why) => rejected.push((i, why)),
        }
    }
    let lines: Vec<&str> = applied
        .iter()
        .flat_map(|&i| plan.edits[i].dockerignore.iter().map(String::as_str))
        .collect();
    Applied {
        dockerfile: out.text,
        dockerignore: ignore::append(input.dockerignore, &lines),
        applied,
        rejected,
    }
}

/// Checks the rewriter's promise on an [`apply`] result: every instruction that no applied
/// edit addresses is in the new text byte for byte, in its original order. For the property
/// tests and the fuzzer.
pub fn check_untouched(input: &Input<'_>, plan: &Plan, applied: &Applied) -> Result<(), String> {
    let src = Source::new(input.text, input.dockerfile);
    let ops: Vec<&[Op]> = applied.applied.iter().map(|&i| plan.edits[i].ops.as_slice()).collect();
    doc::check_untouched(&src, &ops, &applied.dockerfile)
}

/// Rule ids or globs (`DW1*`), as `--only` and `--skip` take them.
#[derive(Debug, Clone)]
pub struct RuleFilter(GlobSet);

impl RuleFilter {
    /// Compiles the patterns; each must name at least one rule.
    pub fn new(patterns: &[String]) -> Result<Self, Error> {
        let mut set = GlobSetBuilder::new();
        for p in patterns {
            let bad = |why: String| refuse(format!("bad rule pattern {p:?}: {why}"));
            let glob = GlobBuilder::new(p.trim()).case_insensitive(true).build();
            let glob = glob.map_err(|e| bad(e.to_string()))?;
            if !crate::catalogue::RULES
                .iter()
                .any(|r| glob.compile_matcher().is_match(r.id))
            {
                return Err(bad("it matches no rule (`deadweight rules` lists them)".into()));
            }
            set.add(glob);
        }
        set.build().map(Self).map_err(|e| refuse(e.to_string()))
    }

    /// True when any of the edit's rules matches.
    pub fn matches(&self, edit: &Edit) -> bool {
        edit.rules.iter().any(|r| self.0.is_match(r))
    }
}

/// The planning state shared by the fix families.
struct Planner<'a> {
    input: &'a Input<'a>,
    src: Source<'a>,
    plan: Plan,
    /// `(rule, line)` pairs already handled.
    done: BTreeSet<(&'static str, Option<usize>)>,
    /// The `--chown`/`--chmod` flag a DW503 edit gives the COPY on a line: the DW505 reorder
    /// gives its requirement files the same, or the COPY would store them again.
    owner_flags: BTreeMap<usize, String>,
}

impl<'a> Planner<'a> {
    fn findings(&self, rule: &str) -> Vec<&'a Finding> {
        self.input.findings.iter().filter(|f| f.rule == rule).collect()
    }

    /// The finding of `rule` on `line`, marked handled.
    fn take(&mut self, rule: &'static str, line: Option<usize>) -> Option<&'a Finding> {
        let f = self
            .input
            .findings
            .iter()
            .find(|f| f.rule == rule && f.dockerfile_line == line)?;
        self.done.insert((rule, line)).then_some(f)
    }

    fn stages(&self) -> &'a [Stage] {
        &self.input.dockerfile.stages
    }

    /// The stage and instruction whose keyword is on `line`.
    fn at(&self, line: usize) -> Option<(&'a Stage, &'a DockerInstruction)> {
        self.stages()
            .iter()
            .find_map(|s| s.instructions.iter().find(|i| i.line == line).map(|i| (s, i)))
    }

    /// The working directory in force at `line` (WORKDIR of its stage so far; `/` before).
    fn workdir(&self, stage: &Stage, line: usize) -> String {
        let mut dir = String::from("/");
        for i in stage
            .instructions
            .iter()
            .filter(|i| i.line < line && i.kind == InstructionKind::Workdir)
        {
            dir = join(&dir, &self.expand(stage, i.line, i.args.trim()));
        }
        dir
    }

    /// `word` with the stage's `ARG`/`ENV` variables in force at `line` substituted; unknown
    /// ones stay literal (`$NAME`), so the path never matches one the image holds.
    fn expand(&self, stage: &Stage, line: usize, word: &str) -> String {
        if !word.contains('$') {
            return word.to_string();
        }
        crate::analysis::dockerfile::substitute(word, &vars::at(self.input.dockerfile, stage, line))
    }

    fn edit(&mut self, edit: Edit) {
        self.plan.edits.push(edit);
    }

    fn skip(&mut self, rules: Vec<&'static str>, lines: Vec<usize>, reason: String) {
        self.plan.not_applied.push(NotApplied { rules, lines, reason });
    }
}

/// `path` resolved against `dir`, without a trailing slash (except `/`).
fn join(dir: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", dir.trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// A new edit with no operations yet.
fn edit(kind: Kind, rules: Vec<&'static str>, lines: Vec<usize>, bytes: u64, summary: String) -> Edit {
    Edit {
        kind,
        rules,
        lines,
        predicted_bytes: bytes,
        summary,
        dockerignore: Vec::new(),
        notes: Vec::new(),
        expected_paths: Vec::new(),
        rebuilt_layers: Vec::new(),
        kept_packages: Vec::new(),
        removed_python: Vec::new(),
        ops: Vec::new(),
    }
}

/// A unified diff of one file, `old` being `None` when the file does not exist yet; empty when
/// nothing changes.
pub fn unified_diff(path: &str, old: Option<&str>, new: &str) -> String {
    let before = old.unwrap_or("");
    if before == new {
        return String::new();
    }
    let from = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".into()
    };
    let diff = similar::TextDiff::from_lines(before, new);
    diff.unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod build_tests;
#[cfg(test)]
mod pip_tests;
#[cfg(test)]
mod tests;
