//! SARIF 2.1.0 (`--format sarif`), for code-scanning dashboards: one result per finding, on
//! its Dockerfile line when known, and one per failed CI check, on the lines it blames. Levels
//! follow severity (`info` is SARIF's `note`); a finding that failed a budget is an `error`.
//! Reads the analysis and the verdict; writes nothing.

use serde_json::{Value, json};

use super::ci::{Verdict, bound_sign, show};
use super::units::size;
use crate::analysis::Analysis;
use crate::catalogue::{self, Severity};

/// The schema URI SARIF files name.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative URI reference for a file path: forward slashes, and the characters a URI cannot
/// hold percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn location(dockerfile: &str, line: Option<usize>) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri(dockerfile)}});
    if let Some(l) = line.filter(|&l| l > 0) {
        physical["region"] = json!({"startLine": l});
    }
    json!({"physicalLocation": physical})
}

/// Collects rule descriptors and hands out their indices.
#[derive(Default)]
struct Rules(Vec<Value>);

impl Rules {
    fn index(&mut self, id: &str, make: impl FnOnce() -> Value) -> usize {
        match self.0.iter().position(|r| r["id"] == id) {
            Some(i) => i,
            None => {
                self.0.push(make());
                self.0.len() - 1
            }
        }
    }
}

/// Renders the findings and failed checks as a SARIF 2.1.0 log. `dockerfile` is the path
/// results are located in (as the repository sees it); without it results carry no location.
pub fn render(a: &Analysis, v: Option<&Verdict>, dockerfile: Option<&str>) -> String {
    let mut rules = Rules::default();
    let mut results = Vec::new();
    for (i, f) in a.findings.iter().enumerate() {
        let idx = rules.index(f.rule, || {
            let info = catalogue::find(f.rule);
            json!({
                "id": f.rule,
                "shortDescription": {"text": info.map_or(f.title.as_str(), |r| r.title)},
                "fullDescription": {"text": info.map_or("", |r| r.rationale)},
                "defaultConfiguration": {"level": level(info.map_or(f.severity, |r| r.severity))},
                "help": {"text": format!("`deadweight explain {}` says why and how to fix it.", f.rule)},
            })
        });
        let failing = v.is_some_and(|v| v.failing_findings.contains(&i));
        let mut r = json!({
            "ruleId": f.rule,
            "ruleIndex": idx,
            "level": if failing { "error" } else { level(f.severity) },
            "message": {"text": format!("{} (saves {}). Fix: {}", f.title, size(f.reclaimable_bytes), f.fix)},
            "properties": {"reclaimable_bytes": f.reclaimable_bytes, "layer": f.layer, "failed_budget": failing},
        });
        if let Some(d) = dockerfile {
            r["locations"] = json!([location(d, f.dockerfile_line)]);
        }
        results.push(r);
    }
    for c in v.iter().flat_map(|v| &v.checks).filter(|c| !c.passed) {
        let id = format!("budget/{}", c.name);
        let idx = rules.index(&id, || {
            json!({
                "id": id,
                "shortDescription": {"text": format!("CI budget {}: {}", c.name, c.description)},
                "defaultConfiguration": {"level": "error"},
            })
        });
        let text = format!(
            "{} failed: {} is {}, the budget is {} {}",
            c.name,
            c.description,
            show(c.unit, c.actual),
            bound_sign(c.bound),
            show(c.unit, c.limit)
        );
        let mut r = json!({"ruleId": id, "ruleIndex": idx, "level": "error", "message": {"text": text}});
        if let Some(d) = dockerfile {
            let mut locs: Vec<Value> = c
                .blame
                .iter()
                .filter(|b| b.dockerfile_line.is_some())
                .map(|b| location(d, b.dockerfile_line))
                .collect();
            if locs.is_empty() {
                locs.push(location(d, None));
            }
            r["locations"] = json!(locs);
        }
        results.push(r);
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "deadweight",
            "version": env!("CARGO_PKG_VERSION"),
            "rules": rules.0,
        }},
        "invocations": [{"executionSuccessful": true}],
        "results": results,
        "properties": {"image": a.image.reference, "reclaimable_bytes": a.totals.reclaimable_bytes},
    });
    if let Some(v) = v {
        run["properties"]["ci_passed"] = json!(v.passed);
    }
    let log = json!({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]});
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}
