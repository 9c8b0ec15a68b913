//! The path rules: caches, build-context leaks, toolchain files, temporary files and docs,
//! recognised by glob patterns. One depth-first walk over the tree builds each path once and
//! matches it once (`matcher`: directory patterns per directory, file patterns per file); the
//! bytecode files met on the way are handed to the Python rules.

use std::collections::BTreeMap;

use super::matcher::{MAX_PATTERNS, Matcher};
use super::patterns::{PATTERNS, Pattern};
use super::walk::{self, Visit};
use super::{Ctx, Draft, Evidence, Severity};
use crate::analysis::accounting::PathBytes;
use crate::config::RulesConfig;
use crate::model::{EntryKind, NodeId, VersionId};
use texts::{Texts, texts};

/// Versions a finding is about, and bytes per shown path.
pub type Group = (Vec<VersionId>, BTreeMap<String, u64>);

/// Bytecode met during the walk: the node, its path, and its file versions.
pub struct Pyc {
    /// The `.pyc` node.
    pub node: NodeId,
    /// Its absolute path.
    pub path: String,
}

/// What the walk produced.
pub struct Walk {
    /// Path-rule findings, one per rule and layer.
    pub drafts: Vec<Draft>,
    /// Every `.pyc` under a `__pycache__` directory.
    pub pyc: Vec<Pyc>,
}

const _: () = assert!(PATTERNS.len() <= MAX_PATTERNS);

/// How long the path shown for a match is: cut after the anchor directory, or the directory
/// under the matched top (`/tmp/x/y` shows as `/tmp/x`), or the file itself. `needle` is the
/// pattern's relative anchor as `/a/` (built once, not per file). Always a prefix of `path`:
/// a pattern with an absolute anchor only matches below it.
fn shown_len(path: &str, pat: &Pattern, needle: Option<&str>) -> usize {
    match (pat.anchor, needle) {
        (Some(a), _) if a.starts_with('/') => a.len(),
        (Some(a), Some(n)) => path.find(n).map_or(path.len(), |i| i + a.len() + 1),
        _ => path.len(),
    }
}

/// Rules about what the image runs with (toolchains, headers, documentation): they see the
/// final filesystem only. A compiler installed and purged later is the deleting rule's (DW501),
/// not "in the runtime image".
fn in_final_only(rule: &str) -> bool {
    matches!(rule, "DW201" | "DW202" | "DW203" | "DW507")
}

/// `*.pem` files that are certificates, not keys, are not secrets.
fn is_public_pem(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or_default().to_ascii_lowercase();
    base.ends_with(".pem")
        && ["ca", "cert", "chain", "bundle", "fullchain", "public", "pub"]
            .iter()
            .any(|w| {
                base.trim_end_matches(".pem")
                    .split(['-', '_', '.'])
                    .any(|part| part == *w || part == "cacert")
            })
}

/// The versions of one pattern in one layer, and bytes per shown path: in walk order, a path
/// met again straight after itself (the files under one anchor) summed in place, sorted and
/// summed once at the end instead of a map lookup per file.
type Shown = (Vec<VersionId>, Vec<(String, u64)>);

/// What one share of the walk found.
#[derive(Default)]
struct Found {
    groups: BTreeMap<(usize, usize), Shown>,
    pyc: Vec<Pyc>,
    // Scratch, reused from node to node.
    files: Vec<(VersionId, usize, u64, bool)>,
    matches: Vec<usize>,
}

/// Matches each path against the enabled patterns and groups the file versions they hit.
struct PathRules<'a, 'c> {
    ctx: &'a Ctx<'c>,
    cfg: &'a RulesConfig,
    active: Vec<&'static Pattern>,
    /// Per active pattern: its relative anchor as `/a/`, and the first active pattern of its
    /// rule (so a file counts once per rule, by a bit of a `u64`).
    needles: Vec<Option<String>>,
    rule_of: Vec<usize>,
    matcher: Matcher,
    want_pyc: bool,
    /// Versions whose content a visible hard link shares: shown with no bytes.
    linked: &'a [VersionId],
}

impl Visit for PathRules<'_, '_> {
    /// The directory patterns the ancestors match, and the file patterns the parent brings.
    type State = (u64, u64);
    type Out = Found;

    fn visit(
        &self,
        out: &mut Found,
        node: NodeId,
        path: &str,
        name_at: usize,
        (inherited, here): (u64, u64),
        children: bool,
    ) -> (u64, u64) {
        let tree = self.ctx.tree;
        let below = if children {
            let d = self.matcher.dir_named(path, name_at);
            (inherited | d.below, d.here)
        } else {
            (0, 0)
        };
        out.files.clear();
        // Hard links too: they add no bytes, but a finding that removes one frees what it
        // kept alive (see `rules::evaluate`).
        let file_versions = tree
            .history(node)
            .filter(|(_, v)| matches!(v.kind, EntryKind::File | EntryKind::Hardlink));
        let linked = self.linked;
        out.files.extend(file_versions.map(|(id, v)| {
            let size = if !linked.is_empty() && linked.binary_search(&id).is_ok() {
                0
            } else {
                v.size
            };
            (id, v.layer as usize, size, v.survives())
        }));
        if out.files.is_empty() {
            return below;
        }
        if self.want_pyc && path.ends_with(".pyc") && path.contains("/__pycache__/") {
            out.pyc.push(Pyc {
                node,
                path: path.to_string(),
            });
        }
        self.matcher
            .file_matches_named(path, name_at, inherited, here, &mut out.matches);
        let mut seen_rules = 0u64;
        for &i in &out.matches {
            let pat = self.active[i];
            if seen_rules & (1 << self.rule_of[i]) != 0 || (pat.rule == "DW405" && is_public_pem(path)) {
                continue;
            }
            if pat.rule == "DW405" && path.ends_with(".pem") && path.contains("/site-packages/") {
                continue;
            }
            seen_rules |= 1 << self.rule_of[i];
            let shown = &path[..shown_len(path, pat, self.needles[i].as_deref())];
            let runtime = in_final_only(pat.rule);
            for &(id, layer, size, survives) in &out.files {
                if (pat.context_only && !self.ctx.is_context_copy(layer)) || (runtime && !survives) {
                    continue;
                }
                if pat.rule == "DW506" && size < self.cfg.thresholds.temp_file_bytes {
                    continue;
                }
                let g = out.groups.entry((i, layer)).or_default();
                g.0.push(id);
                match g.1.last_mut() {
                    Some((p, bytes)) if p == shown => *bytes += size,
                    _ => g.1.push((shown.to_string(), size)),
                }
            }
        }
        below
    }

    fn join(&self, into: &mut Found, from: Found) {
        for (key, (versions, shown)) in from.groups {
            let g = into.groups.entry(key).or_default();
            g.0.extend(versions);
            g.1.extend(shown);
        }
        into.pyc.extend(from.pyc);
    }
}

/// Walks the tree once and matches every path that ever held a file.
pub fn walk(ctx: &Ctx<'_>, cfg: &RulesConfig, linked: &[VersionId]) -> Walk {
    // Only the enabled rules' patterns; with none of them and no bytecode rule, no walk at all.
    let active: Vec<&Pattern> = PATTERNS.iter().filter(|p| cfg.enabled(p.rule)).collect();
    let want_pyc = ["DW301", "DW302", "DW303"].iter().any(|id| cfg.enabled(id));
    if active.is_empty() && !want_pyc {
        return Walk {
            drafts: Vec::new(),
            pyc: Vec::new(),
        };
    }
    let needles = active
        .iter()
        .map(|p| p.anchor.filter(|a| !a.starts_with('/')).map(|a| format!("/{a}/")))
        .collect();
    let rule_of = active
        .iter()
        .map(|p| active.iter().position(|q| q.rule == p.rule).unwrap_or(0))
        .collect();
    let rules = PathRules {
        ctx,
        cfg,
        matcher: Matcher::new(active.iter().map(|p| p.glob)),
        needles,
        rule_of,
        active,
        want_pyc,
        linked,
    };
    let Found { groups, pyc, .. } = walk::walk(ctx.tree, &rules, (0, 0));
    let active = rules.active;
    // One draft per rule and layer, so that its text sees every path it is about (a rule's
    // patterns differ only in which paths they match); DW506's /var/log differs in severity.
    let mut by_rule: BTreeMap<(usize, usize), Shown> = BTreeMap::new();
    for ((i, layer), (versions, shown)) in groups {
        let key = if active[i].rule == "DW506" { i } else { rules.rule_of[i] };
        let g = by_rule.entry((key, layer)).or_default();
        g.0.extend(versions);
        g.1.extend(shown);
    }
    let mut drafts = Vec::new();
    for ((i, layer), (versions, mut shown)) in by_rule {
        let pat = active[i];
        shown.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut paths: Vec<PathBytes> = Vec::with_capacity(shown.len());
        for (path, bytes) in shown {
            match paths.last_mut() {
                Some(last) if last.path == path => last.bytes += bytes,
                _ => paths.push(PathBytes { path, bytes }),
            }
        }
        let Texts { title, fix } = texts(ctx, pat.rule, layer, &paths);
        let severity = (pat.rule == "DW506" && pat.glob.starts_with("/var/log")).then_some(Severity::Info);
        drafts.push(Draft {
            rule: pat.rule,
            layer: Some(layer),
            versions,
            paths: paths.into_iter().map(Evidence::from).collect(),
            title,
            fix,
            severity,
        });
    }
    // Secrets are claimed before anything else whatever the pattern order in the map.
    drafts.sort_by_key(|d| d.rule != "DW405");
    Walk { drafts, pyc }
}

mod texts;

#[cfg(test)]
mod tests;
