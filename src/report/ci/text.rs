//! CI mode's plain-text output (each check with limit, actual value and verdict; the findings
//! that matter with line and fix; one summary line) and the wording the other renderers share.
//! Reads the analysis and the verdict; writes nothing.

use std::fmt::Write as _;

use super::{Amount, Bound, Unit, Verdict};
use crate::analysis::Analysis;
use crate::analysis::rules::Finding;
use crate::catalogue::Severity;
use crate::report::units::size;

/// An amount for people: sizes humanised, ratios as percentages, undefined as `undefined`.
pub fn show(unit: Unit, v: Amount) -> String {
    match (unit, v) {
        (_, Amount::Real(f)) if !f.is_finite() => "undefined".into(),
        (Unit::Bytes, Amount::Int(i)) if i < 0 => format!("-{}", size(i.unsigned_abs())),
        (Unit::Bytes, Amount::Int(i)) => size(i as u64),
        (Unit::Ratio, a) => format!("{:.2}%", a.as_f64() * 100.0),
        (_, Amount::Int(i)) => i.to_string(),
        (_, Amount::Real(f)) => format!("{f}"),
    }
}

/// `<=` or `>=`, as the check reads.
pub fn bound_sign(b: Bound) -> &'static str {
    match b {
        Bound::AtMost => "<=",
        Bound::AtLeast => ">=",
    }
}

/// The findings worth showing in CI output, largest first: those that failed a budget, and
/// any of severity warning or above. The flag says whether the finding failed a budget.
pub fn findings_that_matter<'a>(a: &'a Analysis, v: Option<&Verdict>) -> Vec<(&'a Finding, bool)> {
    a.findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f, v.is_some_and(|v| v.failing_findings.contains(&i))))
        .filter(|(f, failing)| *failing || f.severity >= Severity::Warning)
        .collect()
}

/// The one-line summary that ends every CI output.
pub fn summary_line(a: &Analysis, v: &Verdict) -> String {
    let failed: Vec<&str> = v.checks.iter().filter(|c| !c.passed).map(|c| c.name).collect();
    let head = if v.passed {
        format!("PASS: {} of {} checks passed", v.checks.len(), v.checks.len())
    } else {
        format!(
            "FAIL: {} of {} checks failed ({})",
            failed.len(),
            v.checks.len(),
            failed.join(", ")
        )
    };
    format!(
        "{head}; {} shipped, {} reclaimable in {} findings",
        size(a.totals.bytes),
        size(a.totals.reclaimable_bytes),
        a.findings.len()
    )
}

/// The width CI mode's text is wrapped to: it goes to logs, not a terminal.
const TEXT_WIDTH: usize = 120;

/// How many findings the text and Markdown outputs list before saying "and N more".
pub const SHOWN_FINDINGS: usize = 20;

/// The plain-text CI output: each check with limit, actual and verdict; the findings that
/// matter, largest first, with line and fix; one summary line.
pub fn render_text(a: &Analysis, v: &Verdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "deadweight CI: {}", a.image.reference);
    for c in &v.checks {
        let _ = writeln!(
            out,
            "  {}  {:<26} limit {} {:<11} actual {:<11} {}",
            if c.passed { "PASS" } else { "FAIL" },
            c.name,
            bound_sign(c.bound),
            show(c.unit, c.limit),
            show(c.unit, c.actual),
            c.description
        );
        for bl in c.blame.iter().take(5) {
            let line = bl.dockerfile_line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let _ = writeln!(out, "        {line}{}", bl.text);
        }
    }
    let shown = findings_that_matter(a, Some(v));
    if !shown.is_empty() {
        let _ = writeln!(out, "\nFindings that matter, largest first:");
    }
    for (f, _) in shown.iter().take(SHOWN_FINDINGS) {
        out.push_str(&crate::report::text::finding(f, TEXT_WIDTH, 0));
    }
    if shown.len() > SHOWN_FINDINGS {
        let _ = writeln!(out, "  ... and {} more (see --json)", shown.len() - SHOWN_FINDINGS);
    }
    let _ = writeln!(out, "\n{}", summary_line(a, v));
    out
}
