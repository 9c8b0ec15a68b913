//! JUnit XML (`--format junit`), which every CI system can show as test results: one
//! `<testcase>` per CI check, a `<failure>` with limit, actual value and blame for each failed
//! one. Text goes through `markup::escape`. Reads the
//! analysis and the verdict; writes nothing.

use std::fmt::Write as _;

use super::ci::{Verdict, bound_sign, show};
use super::markup::escape;
use crate::analysis::Analysis;

/// Renders the checks as one JUnit test suite (empty when CI mode did not run).
pub fn render(a: &Analysis, v: Option<&Verdict>) -> String {
    let checks = v.map(|v| v.checks.as_slice()).unwrap_or_default();
    let failures = checks.iter().filter(|c| !c.passed).count();
    let suite = escape(&format!("deadweight {}", a.image.reference));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"deadweight\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">",
        checks.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        checks.len()
    );
    for c in checks {
        let name = escape(c.name);
        let _ = write!(out, "    <testcase classname=\"deadweight.ci\" name=\"{name}\"");
        let summary = format!(
            "{}: {} {} {}, actual {}",
            c.description,
            bound_sign(c.bound),
            show(c.unit, c.limit),
            if c.passed { "held" } else { "failed" },
            show(c.unit, c.actual)
        );
        if c.passed {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                escape(&summary)
            );
            continue;
        }
        let mut body = summary.clone();
        for b in &c.blame {
            let line = b.dockerfile_line.map(|l| format!("line {l}: ")).unwrap_or_default();
            let _ = write!(body, "\n{line}{}", b.text);
        }
        let _ = writeln!(
            out,
            ">\n      <failure type=\"budget\" message=\"{}\">{}</failure>\n    </testcase>",
            escape(&summary),
            escape(&body)
        );
    }
    let _ = writeln!(out, "  </testsuite>\n</testsuites>");
    out
}
