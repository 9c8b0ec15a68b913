//! GitHub Actions workflow commands for a CI verdict: `::error file=...,line=...::` annotations
//! on the Dockerfile lines to blame (findings by severity, escalated to `error` when they failed
//! a budget; failed checks on the layers they blame). Renders lines only; deciding whether this
//! is GitHub Actions, and where the step summary goes, is the caller's job.

use std::fmt::Write as _;

use super::ci::{Verdict, bound_sign, findings_that_matter, show};
use super::units::size;
use crate::analysis::Analysis;
use crate::catalogue::Severity;

/// Most annotations written: GitHub shows only the first few per step anyway.
const MAX_ANNOTATIONS: usize = 50;

/// Escapes a command's message: `%`, CR and LF, as the runner expects.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: the message escapes plus `:` and `,`, which end a property.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(out: &mut String, level: &str, file: Option<&str>, line: Option<usize>, title: &str, msg: &str) {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", property(f)));
        if let Some(l) = line {
            props.push(format!("line={l}"));
        }
    }
    props.push(format!("title={}", property(title)));
    let _ = writeln!(out, "::{level} {}::{}", props.join(","), data(msg));
}

/// The annotation lines. `dockerfile` is the Dockerfile's path relative to the repository
/// root; without it annotations carry no file and only failed budgets are annotated.
pub fn annotations(a: &Analysis, v: &Verdict, dockerfile: Option<&str>) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in v.checks.iter().filter(|c| !c.passed) {
        let msg = format!(
            "{} is {}, the budget is {} {}",
            c.description,
            show(c.unit, c.actual),
            bound_sign(c.bound),
            show(c.unit, c.limit)
        );
        let title = format!("deadweight: {} failed", c.name);
        let lined: Vec<_> = c.blame.iter().filter(|b| b.dockerfile_line.is_some()).collect();
        if dockerfile.is_none() || lined.is_empty() {
            command(&mut out, "error", None, None, &title, &msg);
            n += 1;
            continue;
        }
        for b in lined {
            command(
                &mut out,
                "error",
                dockerfile,
                b.dockerfile_line,
                &title,
                &format!("{msg}: {}", b.text),
            );
            n += 1;
        }
    }
    for (f, failing) in findings_that_matter(a, Some(v)) {
        if n >= MAX_ANNOTATIONS {
            break;
        }
        let on_line = dockerfile.is_some() && f.dockerfile_line.is_some();
        if !on_line && !failing {
            continue;
        }
        let level = match (failing, f.severity) {
            (true, _) | (_, Severity::Error) => "error",
            (_, Severity::Warning) => "warning",
            (_, Severity::Info) => "notice",
        };
        let title = format!("deadweight {}: {}", f.rule, f.title);
        let msg = format!("Saves {}. Fix: {}", size(f.reclaimable_bytes), f.fix);
        let file = if on_line { dockerfile } else { None };
        command(&mut out, level, file, f.dockerfile_line, &title, &msg);
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(super::data("50%\nnext"), "50%25%0Anext");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
