//! The Dockerfile as byte spans, and the pure *rewrite*: the text is cut into one unit per
//! instruction (a `FROM` and its continuation lines, or an instruction with its continuations
//! and heredoc bodies) and the trivia between units (comments, blank lines, parser
//! directives), which is copied as it stands. Edits address units by the 1-based line their
//! keyword is on; an edit that collides with one applied before it is rejected whole. This
//! module knows nothing of findings or images.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::analysis::dockerfile::{DockerInstruction, Dockerfile, parse};

/// One change to the Dockerfile text, addressed by instruction line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Replace the bytes `at` (offsets in the whole text, inside the unit at `line`) by `text`;
    /// an empty range inserts.
    Splice {
        /// The unit's first line.
        line: usize,
        /// Byte range in the original text.
        at: Range<usize>,
        /// Replacement.
        text: String,
    },
    /// New lines (each ending in `\n`) before the unit at `line`, after the trivia above it.
    Before {
        /// The unit's first line.
        line: usize,
        /// Lines to insert.
        text: String,
    },
    /// New lines right after the unit at `line`.
    After {
        /// The unit's first line.
        line: usize,
        /// Lines to insert.
        text: String,
    },
    /// Remove the unit at `line` (the trivia above it stays).
    Delete {
        /// The unit's first line.
        line: usize,
    },
    /// Move the unit at `line`, with its splices, to just before the unit at `before`.
    Move {
        /// The unit's first line.
        line: usize,
        /// Where it goes.
        before: usize,
    },
}

impl Op {
    /// The line of the unit it addresses.
    pub fn line(&self) -> usize {
        match self {
            Op::Splice { line, .. } | Op::Before { line, .. } | Op::After { line, .. } => *line,
            Op::Delete { line } | Op::Move { line, .. } => *line,
        }
    }
}

/// The text cut into units, with their spans.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The original text.
    pub text: &'a str,
    /// Byte offset of the start of each line (index 0 is line 1).
    starts: Vec<usize>,
    /// Units in file order: first line and byte span (including the final line break).
    units: Vec<(usize, Range<usize>)>,
}

impl<'a> Source<'a> {
    /// Cuts `text`, which `df` is the parse of, into units.
    pub fn new(text: &'a str, df: &Dockerfile) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut firsts: Vec<(usize, Option<usize>)> =
            df.global_args.iter().map(|i| (i.line, Some(i.end_line))).collect();
        for stage in &df.stages {
            firsts.push((stage.from_line, None));
            firsts.extend(stage.instructions.iter().map(|i| (i.line, Some(i.end_line))));
        }
        firsts.sort();
        let mut src = Source {
            text,
            starts,
            units: Vec::new(),
        };
        for (k, &(line, end)) in firsts.iter().enumerate() {
            // A FROM's last line is not recorded: it is the last code line before the next unit.
            let end = end.unwrap_or_else(|| {
                let next = firsts.get(k + 1).map_or(src.starts.len(), |&(l, _)| l - 1);
                (line..=next).rev().find(|&l| !src.is_trivia(l)).unwrap_or(line)
            });
            src.units.push((line, src.line_start(line)..src.line_start(end + 1)));
        }
        src
    }

    fn line_start(&self, line: usize) -> usize {
        self.starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
            .min(self.text.len())
    }

    fn is_trivia(&self, line: usize) -> bool {
        let raw = self
            .text
            .get(self.line_start(line)..self.line_start(line + 1))
            .unwrap_or("");
        let t = raw.trim();
        t.is_empty() || t.starts_with('#')
    }

    /// The first lines of the units, in file order.
    pub fn lines(&self) -> impl Iterator<Item = usize> + '_ {
        self.units.iter().map(|(l, _)| *l)
    }

    /// The byte span of the unit whose keyword is on `line`.
    pub fn span(&self, line: usize) -> Option<Range<usize>> {
        self.units.iter().find(|(l, _)| *l == line).map(|(_, r)| r.clone())
    }

    /// The source text of the unit at `line`, and its offset in the whole text.
    pub fn unit(&self, line: usize) -> Option<(usize, &'a str)> {
        let span = self.span(line)?;
        Some((span.start, self.text.get(span)?))
    }

    /// The offset where a command appended to the unit at `line` goes: after its last
    /// non-blank byte, before the line break. `None` when the unit ends in a heredoc, a JSON
    /// array or a shell comment, where appended text would land in the wrong place.
    pub fn append_point(&self, inst: &DockerInstruction) -> Option<usize> {
        if !inst.heredocs.is_empty() || inst.json_form.is_some() {
            return None;
        }
        let (offset, text) = self.unit(inst.line)?;
        let code = text.trim_end();
        let last = code.rsplit('\n').next().unwrap_or(code);
        if last.contains(" #") || last.contains("\t#") || last.trim_end().ends_with(['\\', '`']) {
            return None;
        }
        // `x; && y` and `x & && y` do not parse: the command goes before a final `;`, and a
        // RUN that ends in a background `&` (or any other operator) takes none.
        // (`find ... -exec rm {} \;` ends in a word, not an operator.)
        let word = code.ends_with("\\;");
        let code = match code.strip_suffix(';') {
            Some(c) if !word && !c.ends_with(';') => c.trim_end(),
            _ => code,
        };
        if !word && code.ends_with(['&', '|', ';', '(', '{']) {
            return None;
        }
        Some(offset + code.len())
    }
}

/// An edit as the rewrite sees it: a label to cite in conflicts, and its operations.
#[derive(Debug, Clone, Copy)]
pub struct Change<'e> {
    /// Short name of the edit, for the message when it collides with another.
    pub label: &'e str,
    /// Its operations.
    pub ops: &'e [Op],
}

/// What [`rewrite`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// The new text.
    pub text: String,
    /// Per input change: `None` when applied, or why it was not.
    pub rejected: Vec<Option<String>>,
}

#[derive(Default, Clone)]
struct UnitPlan {
    splices: Vec<(Range<usize>, String)>,
    before: Vec<String>,
    after: Vec<String>,
    moved_in: Vec<usize>,
    deleted: bool,
    moved_to: Option<usize>,
}

/// Applies `changes` in order to `src`. A change that collides with an earlier applied one (an
/// overlapping splice, a splice or move of a deleted unit, a second move) or that addresses a
/// line no unit starts on is rejected whole and listed. Everything outside the units that the
/// applied changes address is copied byte for byte.
pub fn rewrite(src: &Source<'_>, changes: &[Change<'_>]) -> Rewritten {
    fold(src, changes, |_| Ok(()))
}

/// Adds the changes one by one, each kept only when all its operations fit and `check`
/// accepts the text so far: never half-applied.
fn fold(src: &Source<'_>, changes: &[Change<'_>], check: impl Fn(&str) -> Result<(), String>) -> Rewritten {
    let mut plans: BTreeMap<usize, UnitPlan> = BTreeMap::new();
    let mut rejected = Vec::new();
    for change in changes {
        let mut trial = plans.clone();
        let fits = change
            .ops
            .iter()
            .try_for_each(|op| add(src, &mut trial, op))
            .and_then(|()| check(&assemble(src, &trial)));
        match fits {
            Ok(()) => {
                plans = trial;
                rejected.push(None);
            }
            Err(why) => rejected.push(Some(format!("{} not applied: {why}", change.label))),
        }
    }
    Rewritten {
        text: assemble(src, &plans),
        rejected,
    }
}

fn add(src: &Source<'_>, plans: &mut BTreeMap<usize, UnitPlan>, op: &Op) -> Result<(), String> {
    let line = op.line();
    let span = src
        .span(line)
        .ok_or_else(|| format!("no instruction starts on line {line}"))?;
    let gone = |p: &BTreeMap<usize, UnitPlan>, l: usize| p.get(&l).is_some_and(|u| u.deleted);
    if gone(plans, line) {
        return Err(format!("line {line} is removed by another change"));
    }
    match op {
        Op::Splice { at, text, .. } => {
            if at.start < span.start || at.end > span.end || at.start > at.end {
                return Err(format!("a splice outside line {line}'s instruction"));
            }
            let unit = plans.entry(line).or_default();
            let overlaps = unit.splices.iter().any(|(r, _)| {
                (r.start < at.end && at.start < r.end) || (r.is_empty() && at.start < r.start && r.start < at.end)
            });
            if overlaps {
                return Err(format!("another change rewrites the same text of line {line}"));
            }
            unit.splices.push((at.clone(), text.clone()));
        }
        Op::Before { text, .. } => plans.entry(line).or_default().before.push(text.clone()),
        Op::After { text, .. } => plans.entry(line).or_default().after.push(text.clone()),
        Op::Delete { .. } => {
            let unit = plans.entry(line).or_default();
            if !unit.splices.is_empty() || unit.moved_to.is_some() || !unit.moved_in.is_empty() {
                return Err(format!("another change edits line {line}"));
            }
            unit.deleted = true;
        }
        Op::Move { before, .. } => {
            if src.span(*before).is_none() || gone(plans, *before) || *before == line {
                return Err(format!("line {before} cannot take line {line}"));
            }
            let unit = plans.entry(line).or_default();
            if unit.moved_to.is_some() {
                return Err(format!("another change moves line {line}"));
            }
            unit.moved_to = Some(*before);
            plans.entry(*before).or_default().moved_in.push(line);
        }
    }
    Ok(())
}

/// The unit's text with its splices applied, ending in a line break.
fn render(src: &Source<'_>, line: usize, plan: Option<&UnitPlan>) -> String {
    let Some(span) = src.span(line) else {
        return String::new();
    };
    let mut splices: Vec<&(Range<usize>, String)> = plan.map(|p| p.splices.iter().collect()).unwrap_or_default();
    splices.sort_by_key(|(r, _)| (r.start, r.end));
    let (mut out, mut at) = (String::new(), span.start);
    for (r, text) in splices {
        out.push_str(src.text.get(at..r.start).unwrap_or(""));
        out.push_str(text);
        at = r.end;
    }
    out.push_str(src.text.get(at..span.end).unwrap_or(""));
    out
}

fn push_line(out: &mut String, text: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(text);
}

fn assemble(src: &Source<'_>, plans: &BTreeMap<usize, UnitPlan>) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (line, span) in &src.units {
        out.push_str(src.text.get(at..span.start).unwrap_or(""));
        at = span.end;
        let plan = plans.get(line);
        let Some(plan) = plan else {
            out.push_str(src.text.get(span.clone()).unwrap_or(""));
            continue;
        };
        for text in &plan.before {
            push_line(&mut out, text);
        }
        for moved in &plan.moved_in {
            push_line(&mut out, &render(src, *moved, plans.get(moved)));
        }
        if !plan.deleted && plan.moved_to.is_none() {
            push_line(&mut out, &render(src, *line, Some(plan)));
        }
        for text in &plan.after {
            push_line(&mut out, text);
        }
    }
    out.push_str(src.text.get(at..).unwrap_or(""));
    out
}

/// Rewrites so that the result parses whenever the original does: when the whole rewrite
/// would not parse, the changes are added again one at a time and each one after which the
/// text stops parsing is rejected with the parser's complaint, while the others apply.
pub fn rewrite_checked(src: &Source<'_>, changes: &[Change<'_>]) -> Rewritten {
    let out = rewrite(src, changes);
    if parse(&out.text).is_ok() {
        return out;
    }
    fold(src, changes, |text| {
        parse(text)
            .map(drop)
            .map_err(|e| format!("the Dockerfile would not parse with it ({e})"))
    })
}

/// The rewriter's promise about what it leaves alone, checked on a result: every unit that no
/// operation of `applied` addresses appears in `new`, byte for byte and in its original order
/// (the property tests and the fuzzer call this). The first unit missing, otherwise.
pub fn check_untouched(src: &Source<'_>, applied: &[&[Op]], new: &str) -> Result<(), String> {
    let touched: std::collections::BTreeSet<usize> = applied.iter().flat_map(|ops| ops.iter().map(Op::line)).collect();
    let mut at = 0;
    for line in src.lines().filter(|l| !touched.contains(l)) {
        let (_, text) = src.unit(line).unwrap_or((0, ""));
        match new.get(at..).and_then(|rest| rest.find(text)) {
            Some(i) => at += i + text.len(),
            None => return Err(format!("line {line}'s instruction {text:?} is not kept as it was")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change after which the text would not parse is rejected with the parser's reason;
    /// the other changes still apply, and untouched instructions stay as they were.
    #[test]
    fn a_change_that_breaks_the_parse_is_dropped_and_the_others_apply() {
        let text = "FROM debian\nRUN a\nRUN b\n";
        let df = parse(text).unwrap();
        let src = Source::new(text, &df);
        let broken = [Op::Before {
            line: 2,
            text: "NOTANINSTRUCTION x\n".into(),
        }];
        let fine = [Op::Splice {
            line: 3,
            at: 23..23,
            text: " c".into(),
        }];
        let changes = [
            Change {
                label: "broken",
                ops: &broken,
            },
            Change {
                label: "fine",
                ops: &fine,
            },
        ];
        let out = rewrite_checked(&src, &changes);
        assert_eq!(out.text, "FROM debian\nRUN a\nRUN b c\n");
        let why = out.rejected[0].as_deref().unwrap_or("");
        assert!(
            why.starts_with("broken not applied: the Dockerfile would not parse"),
            "{why}"
        );
        assert_eq!(out.rejected[1], None);
        assert_eq!(check_untouched(&src, &[&fine], &out.text), Ok(()));
        assert!(check_untouched(&src, &[], &out.text).is_err(), "line 3 changed");
    }
}
