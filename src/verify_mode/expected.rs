//! What a rebuild may change without failing the verification: the paths of the fixed rules'
//! findings, the paths edits declare (a new user's database), the files of the Python
//! distributions an edit keeps out, whatever a layer the build stage makes again stored (less
//! the files of the packages it keeps), and the noise every rebuild rewrites. Reads the plan and
//! the first image's analysis; builds nothing.

use std::collections::BTreeSet;

use deadweight::analysis::Analysis;
use deadweight::fix::{Applied, Plan};

/// The paths the applied fixes account for.
pub(super) struct Expected {
    /// Paths (and the trees under them) that may go.
    paths: Vec<String>,
    /// Single paths a rebuilt layer stored.
    rebuilt: BTreeSet<String>,
}

impl Expected {
    /// From the image before, the plan and what was applied; `fixed` are the applied rules.
    pub(super) fn new(before: &Analysis, plan: &Plan, applied: &Applied, fixed: &BTreeSet<&str>) -> Self {
        let edits = || applied.applied.iter().map(|&i| &plan.edits[i]);
        let mut paths: Vec<String> = before
            .findings
            .iter()
            .filter(|f| fixed.contains(f.rule))
            .flat_map(|f| {
                f.paths
                    .iter()
                    .map(|p| p.path.split(" (").next().unwrap_or("").to_string())
            })
            .filter(|p| p.starts_with('/'))
            .collect();
        paths.extend(edits().flat_map(|e| e.expected_paths.iter().cloned()));
        // A DW304 finding names distributions, not their files.
        let norm = |n: &str| n.to_ascii_lowercase().replace(['_', '.'], "-");
        let removed: BTreeSet<&str> = edits()
            .flat_map(|e| e.removed_python.iter().map(String::as_str))
            .collect();
        for pkg in before
            .packages
            .python
            .iter()
            .filter(|p| removed.contains(norm(&p.name).as_str()))
        {
            paths.extend(pkg.nodes.iter().map(|&n| before.tree.path(n)));
        }
        Self {
            paths,
            rebuilt: rebuilt_paths(before, plan, applied),
        }
    }

    /// True when `path` (a directory when `dir`) may have changed or gone: it is expected or
    /// under an expected path, or, for a directory, it held an expected path (~/.cache goes
    /// with pip's cache).
    pub(super) fn covers(&self, path: &str, dir: bool) -> bool {
        let under = |path: &str, e: &str| path == e || path.starts_with(&format!("{}/", e.trim_end_matches('/')));
        self.rebuilt.contains(path) || self.paths.iter().any(|e| under(path, e) || (dir && under(e, path)))
    }
}

/// Paths of the final image that layers an applied edit rebuilds stored (see
/// `Edit::rebuilt_layers`), less the files of the packages the edit keeps.
fn rebuilt_paths(before: &Analysis, plan: &Plan, applied: &Applied) -> BTreeSet<String> {
    let edits = || applied.applied.iter().map(|&i| &plan.edits[i]);
    let layers: BTreeSet<usize> = edits().flat_map(|e| e.rebuilt_layers.iter().copied()).collect();
    if layers.is_empty() {
        return BTreeSet::new();
    }
    let kept: BTreeSet<&str> = edits()
        .flat_map(|e| e.kept_packages.iter().map(String::as_str))
        .collect();
    let tree = &before.tree;
    let mut paths: BTreeSet<String> = tree
        .versions()
        .iter()
        .filter(|v| v.in_final() && layers.contains(&usize::from(v.layer)))
        .map(|v| tree.path(v.node))
        .collect();
    for pkg in before.packages.debian.iter().filter(|p| kept.contains(p.name.as_str())) {
        for &node in &pkg.nodes {
            paths.remove(&tree.path(node));
        }
    }
    paths
}

/// Paths a rebuild rewrites whatever the Dockerfile says: caches and logs of the package tools
/// and the loader, and bytecode.
pub(super) fn noise(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/var/log/",
        "/var/cache/",
        "/var/lib/apt/",
        "/var/lib/dpkg/",
        "/etc/ld.so.cache",
        "/tmp/",
        "/root/.cache/",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p)) || path.ends_with(".pyc") || path.contains("/__pycache__")
}
