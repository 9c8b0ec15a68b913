//! The path rules: caches, build-context leaks, toolchain files, temporary files and docs,
//! recognised by glob patterns. One depth-first walk over the tree builds each path once and
//! matches it once (`matcher`: directory patterns per directory, file patterns per file); the
//! bytecode files met on the way are handed to the Python rules.

use std::collections::BTreeMap;

use super::matcher::{MAX_PATTERNS, Matcher};
use super::walk::{self, Visit};
use super::{Ctx, Draft, Severity};
use crate::analysis::accounting::PathBytes;
use crate::config::RulesConfig;
use crate::model::{EntryKind, NodeId, VersionId};

/// One pattern: the rule, the glob, the directory name the paths are summed under (so a
/// finding lists `/app/.git` once rather than its 41 files), and whether it only counts in
/// layers that copy the build context.
struct Pattern {
    rule: &'static str,
    glob: &'static str,
    anchor: Option<&'static str>,
    context_only: bool,
}

const fn p(rule: &'static str, glob: &'static str, anchor: Option<&'static str>, context_only: bool) -> Pattern {
    Pattern {
        rule,
        glob,
        anchor,
        context_only,
    }
}

const PATTERNS: &[Pattern] = &[
    // Secrets first: a secret inside .git or a venv is still reported as a secret.
    p(
        "DW405",
        "**/{.env,.env.local,.env.production,.env.prod,.env.dev,.env.development}",
        None,
        true,
    ),
    p("DW405", "**/{id_rsa,id_dsa,id_ecdsa,id_ed25519}", None, true),
    p("DW405", "**/{*.key,*.p12,*.pfx,*.pem}", None, true),
    p(
        "DW405",
        "**/{.pypirc,.npmrc,.netrc,.git-credentials,.htpasswd}",
        None,
        true,
    ),
    p(
        "DW405",
        "**/{.aws/credentials,credentials.json,service-account*.json,*.keystore}",
        None,
        true,
    ),
    p("DW401", "**/.git/**", Some(".git"), true),
    p("DW402", "**/.venv/**", Some(".venv"), true),
    p("DW402", "**/venv/**", Some("venv"), true),
    p("DW403", "**/node_modules/**", Some("node_modules"), true),
    p(
        "DW404",
        "**/{.pytest_cache,.mypy_cache,.ruff_cache,.tox,.nox,.idea,.vscode,htmlcov,.hypothesis,.ipynb_checkpoints}/**",
        None,
        true,
    ),
    p("DW404", "**/{.coverage,.coverage.*,.DS_Store}", None, true),
    p(
        "DW406",
        "**/{*.db,*.sqlite,*.sqlite3,docker-compose*.yml,docker-compose*.yaml,secrets*.yml,secrets*.yaml}",
        None,
        true,
    ),
    p("DW407", "**/tests/**", Some("tests"), true),
    p("DW407", "**/test/**", Some("test"), true),
    p(
        "DW408",
        "**/{Dockerfile,Dockerfile.*,*.Dockerfile,.dockerignore,.gitignore,.gitattributes,.gitlab-ci.yml,.pre-commit-config.yaml}",
        None,
        true,
    ),
    p("DW408", "**/.github/**", Some(".github"), true),
    p("DW101", "**/.cache/pip/**", Some(".cache/pip"), false),
    p("DW102", "**/.cache/uv/**", Some(".cache/uv"), false),
    p("DW103", "**/.cache/{pypoetry,pipenv,pdm}/**", Some(".cache"), false),
    p(
        "DW104",
        "**/{conda,miniconda3,miniforge3,mambaforge,anaconda3}/pkgs/**",
        Some("pkgs"),
        false,
    ),
    p("DW105", "/var/lib/apt/lists/**", Some("/var/lib/apt/lists"), false),
    p(
        "DW106",
        "/var/cache/apt/{archives/*.deb,*.bin}",
        Some("/var/cache/apt"),
        false,
    ),
    p("DW107", "/var/cache/apk/**", Some("/var/cache/apk"), false),
    p("DW108", "**/{.npm/_cacache,.cache/yarn,.yarn/cache}/**", None, false),
    p(
        "DW109",
        "**/{.cargo/registry,.cargo/git,go/pkg/mod,.cache/go-build}/**",
        None,
        false,
    ),
    p("DW201", "/usr/lib/gcc/**", Some("/usr/lib/gcc"), false),
    p("DW201", "/usr/libexec/gcc/**", Some("/usr/libexec/gcc"), false),
    p(
        "DW201",
        "/usr/bin/{gcc,gcc-*,g++,g++-*,cc,c++,cpp,cpp-*,*-linux-gnu-gcc*,*-linux-gnu-g++*,*-linux-gnu-cpp*,ld,ld.*,as,make}",
        None,
        false,
    ),
    p("DW202", "/usr/include/**", Some("/usr/include"), false),
    p("DW202", "/usr/local/include/**", Some("/usr/local/include"), false),
    p("DW203", "**/.rustup/toolchains/**", Some(".rustup"), false),
    p("DW203", "/usr/local/go/**", Some("/usr/local/go"), false),
    p("DW203", "/usr/lib/go-*/**", None, false),
    p("DW506", "/{tmp,var/tmp}/**", None, false),
    p("DW506", "/var/log/**", Some("/var/log"), false),
    p("DW507", "/usr/share/{doc,man,info,locale}/**", None, false),
];

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

/// The path shown for a match: cut after the anchor directory, or the directory under the
/// matched top (`/tmp/x/y` shows as `/tmp/x`), or the file itself.
fn shown(path: &str, pat: &Pattern) -> String {
    if let Some(a) = pat.anchor {
        if a.starts_with('/') {
            return a.to_string();
        }
        if let Some(i) = path.find(&format!("/{a}/")) {
            return path[..i + a.len() + 1].to_string();
        }
    }
    path.to_string()
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

/// What one share of the walk found.
#[derive(Default)]
struct Found {
    groups: BTreeMap<(usize, usize), Group>,
    pyc: Vec<Pyc>,
    // Scratch, reused from node to node.
    files: Vec<(VersionId, usize, u64)>,
    matches: Vec<usize>,
}

/// Matches each path against the enabled patterns and groups the file versions they hit.
struct PathRules<'a, 'c> {
    ctx: &'a Ctx<'c>,
    cfg: &'a RulesConfig,
    active: Vec<&'static Pattern>,
    matcher: Matcher,
    want_pyc: bool,
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
        (inherited, here): (u64, u64),
        children: bool,
    ) -> (u64, u64) {
        let tree = self.ctx.tree;
        let below = if children {
            let d = self.matcher.dir(path);
            (inherited | d.below, d.here)
        } else {
            (0, 0)
        };
        out.files.clear();
        let file_versions = tree.history(node).filter(|(_, v)| v.kind == EntryKind::File);
        out.files
            .extend(file_versions.map(|(id, v)| (id, v.layer as usize, v.size)));
        if out.files.is_empty() {
            return below;
        }
        if self.want_pyc && path.ends_with(".pyc") && path.contains("/__pycache__/") {
            out.pyc.push(Pyc {
                node,
                path: path.to_string(),
            });
        }
        self.matcher.file_matches(path, inherited, here, &mut out.matches);
        let mut seen_rules: Vec<&str> = Vec::new();
        for &i in &out.matches {
            let pat = self.active[i];
            if seen_rules.contains(&pat.rule) || (pat.rule == "DW405" && is_public_pem(path)) {
                continue;
            }
            if pat.rule == "DW405" && path.ends_with(".pem") && path.contains("/site-packages/") {
                continue;
            }
            seen_rules.push(pat.rule);
            for &(id, layer, size) in &out.files {
                if pat.context_only && !self.ctx.is_context_copy(layer) {
                    continue;
                }
                if pat.rule == "DW506" && size < self.cfg.thresholds.temp_file_bytes {
                    continue;
                }
                let g = out.groups.entry((i, layer)).or_default();
                g.0.push(id);
                *g.1.entry(shown(path, pat)).or_default() += size;
            }
        }
        below
    }

    fn join(&self, into: &mut Found, from: Found) {
        for (key, (versions, shown)) in from.groups {
            let g = into.groups.entry(key).or_default();
            g.0.extend(versions);
            for (path, bytes) in shown {
                *g.1.entry(path).or_default() += bytes;
            }
        }
        into.pyc.extend(from.pyc);
    }
}

/// Walks the tree once and matches every path that ever held a file.
pub fn walk(ctx: &Ctx<'_>, cfg: &RulesConfig) -> Walk {
    // Only the enabled rules' patterns; with none of them and no bytecode rule, no walk at all.
    let active: Vec<&Pattern> = PATTERNS.iter().filter(|p| cfg.enabled(p.rule)).collect();
    let want_pyc = ["DW301", "DW302", "DW303"].iter().any(|id| cfg.enabled(id));
    if active.is_empty() && !want_pyc {
        return Walk {
            drafts: Vec::new(),
            pyc: Vec::new(),
        };
    }
    let rules = PathRules {
        ctx,
        cfg,
        matcher: Matcher::new(active.iter().map(|p| p.glob)),
        active,
        want_pyc,
    };
    let Found { groups, pyc, .. } = walk::walk(ctx.tree, &rules, (0, 0));
    let active = rules.active;
    let mut drafts = Vec::new();
    for ((i, layer), (versions, shown)) in groups {
        let pat = active[i];
        let paths: Vec<PathBytes> = shown
            .into_iter()
            .map(|(path, bytes)| PathBytes { path, bytes })
            .collect();
        let (title, fix) = texts(ctx, pat.rule, layer, &paths);
        let severity = (pat.rule == "DW506" && pat.glob.starts_with("/var/log")).then_some(Severity::Info);
        drafts.push(Draft {
            rule: pat.rule,
            layer: Some(layer),
            versions,
            paths,
            title,
            fix,
            severity,
        });
    }
    // Secrets are claimed before anything else whatever the pattern order in the map.
    drafts.sort_by_key(|d| d.rule != "DW405");
    Walk { drafts, pyc }
}

/// The `.dockerignore` line that stops a context path from being copied.
pub fn dockerignore_line(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    match base {
        "" => path.to_string(),
        b if b.starts_with('.') || b == "node_modules" || b == "tests" || b == "test" || b == "venv" => {
            format!("**/{b}")
        }
        b => b.to_string(),
    }
}

fn texts(ctx: &Ctx<'_>, rule: &str, layer: usize, paths: &[PathBytes]) -> (String, String) {
    let at = ctx.where_(layer);
    let instr = ctx.instruction(layer);
    let first = paths
        .iter()
        .max_by_key(|p| p.bytes)
        .map(|p| p.path.as_str())
        .unwrap_or("");
    let ignore = || {
        let mut lines: Vec<String> = paths.iter().map(|p| dockerignore_line(&p.path)).collect();
        lines.sort();
        lines.dedup();
        lines.truncate(6);
        lines.join(", ")
    };
    match rule {
        "DW101" => (
            "pip cache left in the image".into(),
            match pip_fix(&instr) {
                Some(fixed) => format!("{at}: add --no-cache-dir: `{fixed}`"),
                None => format!(
                    "{at}: install with `pip install --no-cache-dir` or `RUN --mount=type=cache,target=/root/.cache/pip`"
                ),
            },
        ),
        "DW105" => (
            "apt lists left in /var/lib/apt/lists".into(),
            format!("{at}: run `apt-get update`, the install and `rm -rf /var/lib/apt/lists/*` in one RUN (`{instr}`)"),
        ),
        "DW106" => (
            "apt package archives left in /var/cache/apt".into(),
            format!("{at}: end the same RUN with `&& apt-get clean`"),
        ),
        "DW107" => (
            "apk cache left in /var/cache/apk".into(),
            format!("{at}: use `apk add --no-cache`"),
        ),
        "DW401" | "DW402" | "DW403" | "DW404" | "DW406" | "DW407" | "DW408" => {
            let what = crate::analysis::rules::catalogue::find(rule).map_or("", |r| r.title);
            (
                format!("{what}: {first}"),
                format!("add to .dockerignore: {}", ignore()),
            )
        }
        "DW405" => (
            format!("secret-looking file copied into the image: {first}"),
            format!(
                "add to .dockerignore: {}; rotate the secret; pass secrets with `RUN --mount=type=secret`",
                ignore()
            ),
        ),
        "DW201" | "DW202" | "DW203" => {
            let what = crate::analysis::rules::catalogue::find(rule).map_or("", |r| r.title);
            (
                what.to_string(),
                format!(
                    "{at}: install build tools in a build stage (`FROM ... AS build`) and `COPY --from=build` only what runs"
                ),
            )
        }
        "DW506" => (
            format!("temporary or log files left in {first}"),
            format!("{at}: remove them in the same RUN that writes them (`{instr} && rm -rf ...`)"),
        ),
        "DW507" => (
            "documentation, man pages and locales".into(),
            "use a slim base, or exclude /usr/share/doc, man and locale with dpkg path-exclude".into(),
        ),
        other => {
            let what = crate::analysis::rules::catalogue::find(other).map_or("", |r| r.title);
            (
                what.to_string(),
                format!("{at}: remove {first} in the same RUN, or use a cache mount"),
            )
        }
    }
}

/// The RUN line with `--no-cache-dir` added after `pip install`, when it has a pip install.
pub fn pip_fix(instr: &str) -> Option<String> {
    for key in [
        "pip3 install",
        "pip install",
        "python3 -m pip install",
        "python -m pip install",
    ] {
        if let Some(i) = instr.find(key) {
            let at = i + key.len();
            return Some(format!("{} --no-cache-dir{}", &instr[..at], &instr[at..]));
        }
    }
    None
}

#[cfg(test)]
#[path = "paths_tests.rs"]
mod tests;
