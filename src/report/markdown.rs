//! The Markdown rendering of a CI verdict (`--format markdown`, and the summary appended to
//! GitHub's `$GITHUB_STEP_SUMMARY`): a headline, a table of checks with limit, actual value and
//! result, the findings that matter with line and fix, and the one-line summary. Reads the
//! analysis and the verdict; writes nothing.

use std::fmt::Write as _;

use super::ci::{SHOWN_FINDINGS, Verdict, bound_sign, findings_that_matter, show, summary_line};
use super::units::size;
use crate::analysis::Analysis;

/// Makes text safe inside a table cell: pipes escaped, line breaks flattened, and backticks
/// kept out of code spans so a Dockerfile line cannot break the table.
pub(crate) fn cell(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

/// A code span that stays inside one table cell.
pub(crate) fn code(s: &str) -> String {
    format!("`{}`", cell(s).replace('`', "'"))
}

/// Renders the verdict (when CI mode ran) and the findings as GitHub-flavoured Markdown.
pub fn render(a: &Analysis, v: Option<&Verdict>) -> String {
    let mut out = String::new();
    let head = match v {
        Some(v) if v.passed => "PASS",
        Some(_) => "FAIL",
        None => "report",
    };
    let _ = writeln!(out, "## deadweight {head}: {}\n", code(&a.image.reference));
    let t = &a.totals;
    let _ = writeln!(
        out,
        "{} shipped in {} layers ({}), {} in the final filesystem, {} above the base image.\n",
        size(t.bytes),
        a.layers().len(),
        super::text::stored_phrase(t),
        size(t.final_bytes),
        size(t.user_bytes)
    );
    if let Some(v) = v {
        let _ = writeln!(out, "| result | check | limit | actual | measures |");
        let _ = writeln!(out, "| --- | --- | ---: | ---: | --- |");
        for c in &v.checks {
            let _ = writeln!(
                out,
                "| {} | {} | {} {} | {} | {} |",
                if c.passed { "pass" } else { "**FAIL**" },
                code(c.name),
                bound_sign(c.bound).replace('<', "&lt;").replace('>', "&gt;"),
                show(c.unit, c.limit),
                show(c.unit, c.actual),
                cell(&c.description)
            );
        }
        let blamed: Vec<_> = v.checks.iter().filter(|c| !c.blame.is_empty()).collect();
        if !blamed.is_empty() {
            out.push('\n');
        }
        for c in blamed {
            for b in c.blame.iter().take(5) {
                let line = b.dockerfile_line.map(|l| format!(" (line {l})")).unwrap_or_default();
                let _ = writeln!(out, "- {}{line}: {}", code(c.name), cell(&b.text));
            }
        }
        out.push('\n');
    }
    let shown = findings_that_matter(a, v);
    if !shown.is_empty() {
        let _ = writeln!(out, "### Findings that matter\n");
        let _ = writeln!(out, "| saves | severity | rule | line | finding | fix |");
        let _ = writeln!(out, "| ---: | --- | --- | ---: | --- | --- |");
        for (f, failing) in shown.iter().take(SHOWN_FINDINGS) {
            let line = f.dockerfile_line.map_or_else(|| "-".to_string(), |l| l.to_string());
            let sev = if *failing {
                format!("**{}**", f.severity.as_str())
            } else {
                f.severity.as_str().to_string()
            };
            let _ = writeln!(
                out,
                "| {} | {sev} | {} | {line} | {} | {} |",
                size(f.reclaimable_bytes),
                f.rule,
                cell(&f.title),
                cell(&f.fix)
            );
        }
        if shown.len() > SHOWN_FINDINGS {
            let _ = writeln!(
                out,
                "\n... and {} more (see the JSON report).",
                shown.len() - SHOWN_FINDINGS
            );
        }
        out.push('\n');
    }
    match v {
        Some(v) => {
            let _ = writeln!(out, "{}", summary_line(a, v));
        }
        None => {
            let _ = writeln!(
                out,
                "{} reclaimable in {} findings",
                size(t.reclaimable_bytes),
                a.findings.len()
            );
        }
    }
    out
}
