//! CI mode's verdict: budgets ([`Budgets`], resolved from the merged [`CiConfig`]) become checks
//! ([`Check`]: limit, actual value, passed) and one [`Verdict`]. [`evaluate`] is a pure function
//! of the [`Analysis`], the budgets and an optional baseline, so the TUI, the JSON report and the
//! CI output can never disagree. A check passes only when its comparison holds: NaN and
//! undefined figures fail. Also renders the verdict as plain text; other formats live in
//! `markdown`, `sarif`, `junit` and `github`. No I/O, no environment.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::{Serialize, Serializer};

mod growth;
#[cfg(test)]
mod tests;
mod text;

pub use text::{SHOWN_FINDINGS, bound_sign, findings_that_matter, render_text, show, summary_line};

use super::baseline::{Baseline, signed};
use super::units::size;
use crate::analysis::Analysis;
use crate::analysis::rules::Finding;
use crate::catalogue;
use crate::config::ci::{CiConfig, DiveRule, Ratio};
use crate::error::Error;

/// dive's default `lowestEfficiency`.
pub const DEFAULT_LOWEST_EFFICIENCY: f64 = 0.9;
/// dive's default `highestUserWastedPercent` (a ratio).
pub const DEFAULT_HIGHEST_USER_WASTED: f64 = 0.1;

/// The budgets in force, defaults applied and rule patterns compiled.
#[derive(Debug, Clone)]
pub struct Budgets {
    /// The merged configuration they come from.
    pub config: CiConfig,
    fail_on: Option<GlobSet>,
}

impl Budgets {
    /// Checks the merged configuration: every `fail_on` pattern must be a glob that names at
    /// least one rule, and growth budgets and a baseline go together. `has_baseline` says
    /// whether `--baseline` was given. The error ([`Error::Config`]) names the budget at fault.
    pub fn resolve(config: CiConfig, has_baseline: bool) -> Result<Self, Error> {
        let fail_on = match &config.fail_on {
            Some(patterns) => Some(rule_patterns(patterns)?),
            None => None,
        };
        let growth = config.max_growth.is_some() || config.max_instruction_growth.is_some();
        if growth && !has_baseline {
            return Err(budget(
                "max_growth and max_instruction_growth need --baseline OLD.json".into(),
            ));
        }
        if has_baseline && !growth {
            return Err(budget(
                "--baseline needs a growth budget (--max-growth or --max-instruction-growth)".into(),
            ));
        }
        Ok(Self { config, fail_on })
    }
}

fn budget(reason: String) -> Error {
    Error::Config {
        what: "CI budget",
        file: None,
        key: None,
        reason,
    }
}

fn rule_patterns(patterns: &[String]) -> Result<GlobSet, Error> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let glob = GlobBuilder::new(p.trim())
            .case_insensitive(true)
            .build()
            .map_err(|e| budget(format!("fail_on: bad pattern {p:?}: {e}")))?;
        let one = glob.compile_matcher();
        if !catalogue::RULES.iter().any(|r| one.is_match(r.id)) {
            return Err(budget(format!(
                "fail_on: {p:?} matches no rule (`deadweight rules` lists them)"
            )));
        }
        set.add(glob);
    }
    set.build().map_err(|e| budget(format!("fail_on: {e}")))
}

/// What a check measures in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Bytes (growth may be negative).
    Bytes,
    /// A ratio; 0.1 is 10%.
    Ratio,
    /// A number of findings.
    Count,
}

/// Which side of the limit passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// `actual <= limit`.
    AtMost,
    /// `actual >= limit`.
    AtLeast,
}

/// A limit or a measured value: exact integers for bytes and counts, floats for ratios.
/// A value that is not a finite number (an undefined ratio) is written as `null`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// Bytes or a count.
    Int(i64),
    /// A ratio.
    Real(f64),
}

impl Amount {
    /// The value as a float (NaN and infinities kept).
    pub fn as_f64(self) -> f64 {
        match self {
            Amount::Int(i) => i as f64,
            Amount::Real(f) => f,
        }
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Amount::Int(i) => s.serialize_i64(i),
            Amount::Real(f) if f.is_finite() => s.serialize_f64(f),
            Amount::Real(_) => s.serialize_none(),
        }
    }
}

/// A layer, line or finding a failed check points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blame {
    /// The layer, when there is one.
    pub layer: Option<usize>,
    /// Its Dockerfile line, when known.
    pub dockerfile_line: Option<usize>,
    /// What is to blame, in words.
    pub text: String,
}

/// One budget checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The budget's name, as in `.deadweight.toml` (dive's rules keep dive's names).
    pub name: &'static str,
    /// What is measured, in words.
    pub description: String,
    /// The unit of `limit` and `actual`.
    pub unit: Unit,
    /// Which side of the limit passes.
    pub bound: Bound,
    /// The budget.
    pub limit: Amount,
    /// The image's figure (`null` when undefined, which fails).
    pub actual: Amount,
    /// True when the comparison holds.
    pub passed: bool,
    /// The layers, lines or findings responsible, for failed checks.
    pub blame: Vec<Blame>,
}

/// All checks and the overall result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// True when every check passed.
    pub passed: bool,
    /// The checks, in a fixed order.
    pub checks: Vec<Check>,
    /// Indices into `Analysis::findings` of the findings that failed a `fail_on*` budget.
    #[serde(skip)]
    pub failing_findings: Vec<usize>,
}

/// True when `actual` is on the passing side of `limit`. Written so that any comparison with NaN,
/// which is false, fails the check.
fn holds(actual: Amount, limit: Amount, bound: Bound) -> bool {
    match (actual, limit, bound) {
        (Amount::Int(a), Amount::Int(l), Bound::AtMost) => a <= l,
        (Amount::Int(a), Amount::Int(l), Bound::AtLeast) => a >= l,
        (a, l, Bound::AtMost) => a.as_f64() <= l.as_f64(),
        (a, l, Bound::AtLeast) => a.as_f64() >= l.as_f64(),
    }
}

/// `part / whole`, where 0/0 is 0 (nothing of nothing) and x/0 is infinite (so it fails).
fn share(part: u64, whole: u64) -> f64 {
    match (part, whole) {
        (0, 0) => 0.0,
        (_, 0) => f64::INFINITY,
        _ => part as f64 / whole as f64,
    }
}

struct Builder(Vec<Check>);

impl Builder {
    fn push(&mut self, name: &'static str, description: impl Into<String>, unit: Unit, limits: (Amount, Amount)) {
        self.push_blamed(name, description, unit, Bound::AtMost, limits, Vec::new());
    }

    fn push_blamed(
        &mut self,
        name: &'static str,
        description: impl Into<String>,
        unit: Unit,
        bound: Bound,
        (limit, actual): (Amount, Amount),
        blame: Vec<Blame>,
    ) {
        let passed = holds(actual, limit, bound);
        self.0.push(Check {
            name,
            description: description.into(),
            unit,
            bound,
            limit,
            actual,
            passed,
            blame: if passed { Vec::new() } else { blame },
        });
    }
}

fn bytes(limit: u64, actual: u64) -> (Amount, Amount) {
    (Amount::Int(signed(limit)), Amount::Int(signed(actual)))
}

fn layer_text(a: &Analysis, layer: usize) -> String {
    match a.attribution.layers.get(layer) {
        Some(o) => {
            let shown = o.shown();
            let words: Vec<&str> = shown.split_whitespace().collect();
            format!("layer {layer} {}", words.join(" "))
        }
        None => format!("layer {layer}"),
    }
}

fn finding_blame(f: &Finding) -> Blame {
    Blame {
        layer: f.layer,
        dockerfile_line: f.dockerfile_line,
        text: format!("{} {} ({})", f.rule, f.title, size(f.reclaimable_bytes)),
    }
}

/// Checks every budget against the analysis (and the baseline, for growth budgets).
pub fn evaluate(a: &Analysis, budgets: &Budgets, baseline: Option<&Baseline>) -> Verdict {
    let c = &budgets.config;
    let t = &a.totals;
    let mut b = Builder(Vec::new());
    let plain: [(&'static str, &str, Option<u64>, u64); 5] = [
        (
            "max_total_bytes",
            "bytes shipped in all layers",
            c.max_total_bytes.map(|s| s.0),
            t.bytes,
        ),
        (
            "max_final_bytes",
            "bytes of the final filesystem",
            c.max_final_bytes.map(|s| s.0),
            t.final_bytes,
        ),
        (
            "max_user_bytes",
            "bytes above the base image",
            c.max_user_bytes.map(|s| s.0),
            t.user_bytes,
        ),
        (
            "max_compressed_bytes",
            "layer blobs as stored (the pull size only where the image has a manifest)",
            c.max_compressed_bytes.map(|s| s.0),
            t.compressed_bytes,
        ),
        (
            "max_reclaimable_bytes",
            "bytes the findings would save",
            c.max_reclaimable_bytes.map(|s| s.0),
            t.reclaimable_bytes,
        ),
    ];
    for (name, what, limit, actual) in plain {
        if let Some(limit) = limit {
            b.push(name, what, Unit::Bytes, bytes(limit, actual));
        }
    }
    if let Some(r) = c.max_reclaimable_share {
        let actual = share(t.reclaimable_bytes, t.user_bytes);
        b.push(
            "max_reclaimable_share",
            "reclaimable bytes / bytes above the base image",
            Unit::Ratio,
            (Amount::Real(r.0), Amount::Real(actual)),
        );
    }
    if let Some(limit) = c.max_layer_bytes {
        let sizes: Vec<u64> = a.layers().iter().map(|l| l.scan.content_bytes).collect();
        let blame = over_limit_layers(a, &sizes, limit.0);
        let largest = sizes.iter().copied().max().unwrap_or(0);
        b.push_blamed(
            "max_layer_bytes",
            "bytes of the largest layer",
            Unit::Bytes,
            Bound::AtMost,
            bytes(limit.0, largest),
            blame,
        );
    }
    let mut failing = Vec::new();
    if let Some(set) = &budgets.fail_on {
        let (hits, in_base) = finding_hits(a, c, |f| set.is_match(f.rule));
        let what = format!(
            "findings of {}{}",
            c.fail_on.as_deref().unwrap_or_default().join(", "),
            base_note(in_base)
        );
        push_findings(&mut b, a, "fail_on", what, &hits);
        failing.extend(hits);
    }
    if let Some(sev) = c.fail_on_severity {
        let (hits, in_base) = finding_hits(a, c, |f| f.severity >= sev);
        let what = format!("findings of severity {} or above{}", sev.as_str(), base_note(in_base));
        push_findings(&mut b, a, "fail_on_severity", what, &hits);
        failing.extend(hits);
    }
    failing.sort_unstable();
    failing.dedup();
    dive_checks(&mut b, a, c);
    if let Some(old) = baseline {
        growth::growth_checks(&mut b, a, c, old);
    }
    let checks = b.0;
    Verdict {
        passed: checks.iter().all(|c| c.passed),
        checks,
        failing_findings: failing,
    }
}

fn over_limit_layers(a: &Analysis, sizes: &[u64], limit: u64) -> Vec<Blame> {
    let mut over: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] > limit).collect();
    over.sort_by_key(|&i| std::cmp::Reverse(sizes[i]));
    over.into_iter()
        .map(|i| Blame {
            layer: Some(i),
            dockerfile_line: a.attribution.layers.get(i).and_then(|o| o.dockerfile_line),
            text: format!("{}: {}", layer_text(a, i), size(sizes[i])),
        })
        .collect()
}

/// Indices of the findings `pick` selects that count against a `fail_on*` budget, and how many
/// more it selects in the base image's layers, which count only with `fail_on_base`.
fn finding_hits(a: &Analysis, c: &CiConfig, pick: impl Fn(&Finding) -> bool) -> (Vec<usize>, usize) {
    let with_base = c.fail_on_base.unwrap_or(false);
    let in_base = |f: &Finding| f.layer.is_some_and(|l| a.attribution.is_base(l));
    let picked: Vec<usize> = (0..a.findings.len()).filter(|&i| pick(&a.findings[i])).collect();
    let (hits, base): (Vec<usize>, Vec<usize>) =
        picked.into_iter().partition(|&i| with_base || !in_base(&a.findings[i]));
    (hits, base.len())
}

fn base_note(in_base: usize) -> String {
    match in_base {
        0 => String::new(),
        n => format!(" ({n} more in base-image layers not counted; --fail-on-base counts them)"),
    }
}

fn push_findings(b: &mut Builder, a: &Analysis, name: &'static str, what: String, hits: &[usize]) {
    let blame = hits.iter().map(|&i| finding_blame(&a.findings[i])).collect();
    let count = (Amount::Int(0), Amount::Int(signed(hits.len() as u64)));
    b.push_blamed(name, what, Unit::Count, Bound::AtMost, count, blame);
}

fn dive_checks(b: &mut Builder, a: &Analysis, c: &CiConfig) {
    let d = &a.dive;
    let eff = c
        .lowest_efficiency
        .unwrap_or(DiveRule::Limit(Ratio(DEFAULT_LOWEST_EFFICIENCY)));
    if let DiveRule::Limit(r) = eff {
        let limits = (Amount::Real(r.0), Amount::Real(d.efficiency));
        b.push_blamed(
            "lowestEfficiency",
            "dive's efficiency score",
            Unit::Ratio,
            Bound::AtLeast,
            limits,
            Vec::new(),
        );
    }
    if let Some(DiveRule::Limit(s)) = c.highest_wasted_bytes {
        b.push(
            "highestWastedBytes",
            "dive's wasted bytes",
            Unit::Bytes,
            bytes(s.0, d.wasted_bytes),
        );
    }
    let user = c
        .highest_user_wasted_percent
        .unwrap_or(DiveRule::Limit(Ratio(DEFAULT_HIGHEST_USER_WASTED)));
    if let DiveRule::Limit(r) = user {
        // dive divides by the bytes above layer 0; where those are 0 the ratio is undefined:
        // nothing wasted counts as 0, waste over nothing as infinite (dive fails that too).
        let actual = d.user_wasted_percent.unwrap_or(share(d.wasted_bytes, 0));
        let what = "dive's wasted bytes / bytes above layer 0";
        b.push(
            "highestUserWastedPercent",
            what,
            Unit::Ratio,
            (Amount::Real(r.0), Amount::Real(actual)),
        );
    }
}
