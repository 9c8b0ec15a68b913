//! The waste rules: each looks at the analysed image (merged tree, layers, attribution,
//! packages) and reports [`Finding`]s with the bytes a fix would save, the layer and Dockerfile
//! line to blame, the largest paths and the concrete fix. Every byte is counted once across
//! findings: rules run in a fixed order and each version of a file can be claimed by one finding
//! only; a file whose content a hard link outside every finding shares saves nothing. Rules
//! read the analysis; they never change it and never do I/O.

mod claims;
mod ctx;
mod dependencies;
mod fixes;
mod groups;
mod image;
mod layers;
mod matcher;
mod paths;
mod patterns;
mod python;
mod restored;
mod runtime;
mod stages;
mod testrun;
mod toolchain;
mod walk;

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

use crate::catalogue;
use crate::catalogue::Severity;
use crate::config::RulesConfig;
use crate::model::VersionId;
pub use claims::{Claim, Evidence};
pub use ctx::Ctx;

/// One thing that makes the image bigger (or riskier) than it needs to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id (`DW101`...).
    pub rule: &'static str,
    /// One line saying what was found.
    pub title: String,
    /// Severity after configuration.
    pub severity: Severity,
    /// Bytes of the shipped image the fix would save, each byte counted once across findings.
    pub reclaimable_bytes: u64,
    /// The layer to blame.
    pub layer: Option<usize>,
    /// Its Dockerfile line, when known.
    pub dockerfile_line: Option<usize>,
    /// The largest paths involved, largest first, each with the part another finding counts.
    pub paths: Vec<Evidence>,
    /// The concrete change to make.
    pub fix: String,
}

/// The findings made so far, by rule and layer: what the image- and config-level rules read
/// to avoid repeating a path rule's finding.
type Found = BTreeMap<(&'static str, Option<usize>), Finding>;

/// Collects findings, merging those of the same rule and layer, and counts each version once.
struct Engine<'a, 'c> {
    ctx: &'a Ctx<'c>,
    claimed: claims::Claims,
    /// Versions whose content a visible hard link shares (see [`claims::kept_targets`]).
    linked: &'a [VersionId],
    findings: BTreeMap<(&'static str, Option<usize>), Finding>,
    cfg: &'a RulesConfig,
    ignore: GlobSet,
    ignore_rule: BTreeMap<String, GlobSet>,
}

fn globs(patterns: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        if let Ok(g) = GlobBuilder::new(p).literal_separator(true).build() {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// A finding before claiming: the versions it is about, and the text.
struct Draft {
    rule: &'static str,
    layer: Option<usize>,
    versions: Vec<VersionId>,
    paths: Vec<Evidence>,
    title: String,
    fix: String,
    severity: Option<Severity>,
}

impl Engine<'_, '_> {
    fn enabled(&self, rule: &str) -> bool {
        self.cfg.enabled(rule)
    }

    fn ignored(&self, rule: &str, path: &str) -> bool {
        self.ignore.is_match(path) || self.ignore_rule.get(rule).is_some_and(|g| g.is_match(path))
    }

    /// Whether any ignore glob could apply to the rule's paths: without one, no path needs
    /// building per version.
    fn ignores_any(&self, rule: &str) -> bool {
        !self.ignore.is_empty() || self.ignore_rule.get(rule).is_some_and(|g| !g.is_empty())
    }

    /// Which versions some enabled draft is about (and no ignore glob takes out).
    fn covered(&self, drafts: &[Draft]) -> Vec<bool> {
        let mut out = vec![false; self.ctx.tree.versions().len()];
        for d in drafts.iter().filter(|d| self.enabled(d.rule)) {
            let check = self.ignores_any(d.rule);
            for &v in &d.versions {
                if !check || !self.ignored(d.rule, &self.ctx.tree.path(self.ctx.tree.version(v).node)) {
                    out[v as usize] = true;
                }
            }
        }
        out
    }

    fn add(&mut self, d: Draft) {
        if !self.enabled(d.rule) {
            return;
        }
        let tree = self.ctx.tree;
        let mut bytes = 0;
        let about_files = !d.versions.is_empty();
        let mut kept = 0;
        let check = self.ignores_any(d.rule);
        // Versions another finding counted first: the path lines say so.
        let mut taken = Vec::new();
        for v in d.versions {
            let ver = tree.version(v);
            if check && self.ignored(d.rule, &tree.path(ver.node)) {
                continue;
            }
            kept += 1;
            if let Some(by) = self.claimed.by(v) {
                taken.push((v, by));
                continue;
            }
            self.claimed.claim(v, d.rule);
            if self.linked.binary_search(&v).is_err() {
                bytes += ver.size;
            }
        }
        if about_files && kept == 0 {
            return; // every file it is about is ignored by the configuration
        }
        let paths: Vec<Evidence> = d
            .paths
            .into_iter()
            .filter(|p| !check || !self.ignored(d.rule, &p.path))
            .collect();
        let paths = claims::attach(tree, paths, &taken, d.rule);
        let default = catalogue::find(d.rule).map_or(Severity::Warning, |r| r.severity);
        let configured = self
            .cfg
            .severity
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(d.rule))
            .map(|(_, s)| *s);
        let severity = configured.or(d.severity).unwrap_or(default);
        let line = d.layer.and_then(|l| self.ctx.line(l));
        let entry = self.findings.entry((d.rule, d.layer)).or_insert_with(|| Finding {
            rule: d.rule,
            title: d.title,
            severity,
            reclaimable_bytes: 0,
            layer: d.layer,
            dockerfile_line: line,
            paths: Vec::new(),
            fix: d.fix,
        });
        entry.reclaimable_bytes += bytes;
        entry.paths.extend(paths);
    }
}

/// Paths listed per finding.
pub const MAX_PATHS: usize = 10;

/// Runs every rule and returns the findings, largest first.
pub fn evaluate(ctx: &Ctx<'_>, cfg: &RulesConfig) -> Vec<Finding> {
    let links = claims::hard_links(ctx.tree);
    // Path lines are sized before anything is claimed: every link counts there.
    let linked = claims::kept_targets(&links, |_| true);
    let mut e = Engine {
        ctx,
        claimed: claims::Claims::new(ctx.tree.versions().len()),
        linked: &[],
        findings: BTreeMap::new(),
        cfg,
        ignore: globs(&cfg.ignore),
        ignore_rule: cfg
            .ignore_paths
            .iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), globs(v)))
            .collect(),
    };
    // The path walk and the layer-to-layer rules read the tree only: they run side by side, and
    // their drafts are added in a fixed order, because order matters: the most specific rule
    // claims a byte first. Rule families whose every rule is disabled are not computed at all:
    // `--ci` with the rules off should cost what dive's checks cost.
    let any = |ids: &[&str]| ids.iter().any(|id| cfg.enabled(id));
    let (walk, layer_drafts) = rayon::join(
        || paths::walk(ctx, cfg, &linked),
        || {
            if any(&["DW501", "DW502", "DW503", "DW504", "DW508"]) {
                layers::drafts(ctx, cfg)
            } else {
                Vec::new()
            }
        },
    );
    let (secrets, others): (Vec<Draft>, Vec<Draft>) = walk.drafts.into_iter().partition(|d| d.rule == "DW405");
    let (general, specific): (Vec<Draft>, Vec<Draft>) =
        others.into_iter().partition(|d| matches!(d.rule, "DW506" | "DW507"));
    let mut ordered = secrets;
    // Stale bytecode is named for what it is before `tests/` or `.venv/` claim it.
    if any(&["DW301", "DW302", "DW303", "DW304", "DW305"]) {
        ordered.extend(python::drafts(ctx, &walk.pyc));
    }
    // What the final stage runs or copies in for a build: before the path rules, so a test
    // run's caches are named for the run.
    if any(&["DW306", "DW409"]) {
        ordered.extend(stages::drafts(ctx));
    }
    // A toolchain or -dev package is claimed whole, before the path patterns of its own rule
    // (so the finding names the packages) and before the documentation rule (moving the package
    // to a build stage takes its documentation and locales with it).
    toolchain::package_drafts(ctx, &mut ordered);
    ordered.extend(specific);
    // A file deleted later is better fixed where it is written than reported as a temp file.
    ordered.extend(layer_drafts);
    ordered.extend(general);
    // A hard link that a finding removes keeps nothing alive: a uv cache linked to a venv's dev
    // packages frees their bytes once both fixes are made, and the findings say so together.
    let covered = e.covered(&ordered);
    let kept = claims::kept_targets(&links, |l| !covered[l as usize]);
    e.linked = &kept;
    for mut d in ordered {
        if let Some(layer) = d.layer.filter(|&l| ctx.is_base(l)) {
            fixes::for_base(ctx, layer, &mut d);
        }
        e.add(d);
    }
    let mut whole = Vec::new();
    runtime::drafts(ctx, &mut whole);
    dependencies::drafts(ctx, &e.findings, &mut whole);
    image::dockerfile_drafts(ctx, &e.findings, &mut whole);
    for d in whole {
        e.add(d);
    }
    let min = cfg.thresholds.min_bytes;
    let mut out: Vec<Finding> = e
        .findings
        .into_values()
        .filter(|f| f.reclaimable_bytes >= min || !catalogue::saves_bytes(f.rule))
        .map(|mut f| {
            // A file listed bare by a path rule and tagged by a package rule is one row: the
            // tagged one, which says more.
            f.paths.sort_by(|a, b| {
                b.bytes
                    .cmp(&a.bytes)
                    .then_with(|| a.bare_path().cmp(b.bare_path()))
                    .then_with(|| b.path.len().cmp(&a.path.len()))
            });
            f.paths.dedup_by(|a, b| a.bare_path() == b.bare_path());
            f.paths.truncate(MAX_PATHS);
            f
        })
        .collect();
    // The base image's findings come last: the Dockerfile being checked cannot fix them, so
    // every output (text, Markdown, CI, the explorer) leads with what it can.
    let base = |f: &Finding| f.layer.is_some_and(|l| ctx.is_base(l));
    out.sort_by(|a, b| {
        base(a)
            .cmp(&base(b))
            .then_with(|| b.reclaimable_bytes.cmp(&a.reclaimable_bytes))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.layer.cmp(&b.layer))
    });
    out
}
