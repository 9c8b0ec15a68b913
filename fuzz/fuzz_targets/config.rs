//! The configuration readers: `.deadweight.toml` (`config::Config::parse`), dive's `.dive-ci`
//! (`config::ci::parse_dive_ci`, YAML) and a `--baseline` JSON report
//! (`report::baseline::parse`). The whole input goes to each. What parses is used the way the
//! binary uses it: the `.dive-ci` laid over the TOML's `[ci]`, the budgets resolved, the rules
//! configuration (disabled rules, severities, ignore globs, thresholds) applied to the analysis
//! of a small fixed image, and the verdict rendered.

#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use deadweight::analysis::{self, AnalyzeOptions};
use deadweight::config::Config;
use deadweight::config::ci::{CiConfig, parse_size};
use deadweight::config::dive_ci::parse_dive_ci;
use deadweight::model::{ConfigSummary, LayerScan};
use deadweight::report::{baseline, ci};
use deadweight::source::layer::scan_layer;
use libfuzzer_sys::fuzz_target;

/// A small layer with files the rules look at (pip cache, .pyc, apt lists, a temp file...).
const LAYER: &[u8] = include_bytes!("../seeds/layer/rules-bait.tar.gz");

fn scan() -> &'static LayerScan {
    static SCAN: OnceLock<LayerScan> = OnceLock::new();
    SCAN.get_or_init(|| scan_layer(LAYER, common::limits()).expect("the embedded layer scans"))
}

fn image() -> deadweight::source::Loaded {
    let config = ConfigSummary {
        platform: "linux/amd64".into(),
        ..ConfigSummary::default()
    };
    common::loaded(vec![scan().clone(), scan().clone()], config, "docker-archive")
}

/// The fixed image's own report read back, for growth budgets when the input is no report.
fn own_baseline() -> &'static baseline::Baseline {
    static BASE: OnceLock<baseline::Baseline> = OnceLock::new();
    BASE.get_or_init(|| {
        let json = deadweight::report::json::to_json(&analysis::analyze(image()));
        baseline::parse(&json).expect("our own report is a baseline")
    })
}

fn budgets(cfg: CiConfig, baseline: Option<&baseline::Baseline>) {
    let Ok(budgets) = ci::Budgets::resolve(cfg, baseline.is_some()) else {
        return;
    };
    let a = analysis::analyze(image());
    let v = ci::evaluate(&a, &budgets, baseline);
    let _ = ci::render_text(&a, &v);
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_size(text);
    let toml = Config::parse(text).ok();
    let dive = parse_dive_ci(text).ok().map(|d| d.config);
    let base = baseline::parse(text).ok();
    if let Some(b) = &base {
        let a = analysis::analyze(image());
        for d in baseline::instruction_deltas(b, &a) {
            let _ = d.growth();
        }
    }
    if toml.is_none() && dive.is_none() {
        return;
    }
    if let Some(cfg) = &toml {
        let opts = AnalyzeOptions {
            rules: cfg.rules.clone(),
            ..AnalyzeOptions::default()
        };
        let _ = common::analyze_and_render(image(), &opts);
    }
    let mut ci_cfg = toml.map(|c| c.ci).unwrap_or_default();
    if let Some(d) = dive {
        ci_cfg = ci_cfg.overlay(d);
    }
    budgets(ci_cfg.clone(), None);
    budgets(ci_cfg, Some(base.as_ref().unwrap_or_else(|| own_baseline())));
});
