//! The Python rules: bytecode for another interpreter, bytecode without its source, bytecode
//! copied from the build context, development and test packages (with the packages only they
//! need), and distributions installed twice. Bytecode an image compiles for its own interpreter
//! is never reported.

use std::collections::{BTreeMap, BTreeSet};

use super::paths::{Group, Pyc};
use super::{Ctx, Draft, Evidence};
use crate::analysis::packages::PythonPackage;
use crate::model::{Change, EntryKind, Tree};

/// `311` for `foo.cpython-311.pyc` and `foo.cpython-311.opt-1.pyc`.
fn pyc_tag(path: &str) -> Option<&str> {
    let base = path.rsplit('/').next()?;
    let rest = base.split(".cpython-").nth(1)?;
    let tag = rest.split('.').next()?;
    (!tag.is_empty() && tag.bytes().all(|b| b.is_ascii_digit())).then_some(tag)
}

/// The interpreter versions of the final image, as bytecode tags (`311`).
pub fn interpreter_tags(tree: &Tree) -> BTreeSet<String> {
    let mut tags = BTreeSet::new();
    for dir in ["usr/bin", "usr/local/bin", "opt/conda/bin"] {
        let Some(node) = tree.lookup(dir.as_bytes()) else {
            continue;
        };
        for c in tree.children(node) {
            if tree.current(c).is_none() {
                continue;
            }
            let name = String::from_utf8_lossy(tree.name(c));
            if let Some(v) = name.strip_prefix("python3.")
                && !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_digit())
            {
                tags.insert(format!("3{v}"));
            }
        }
    }
    tags
}

/// The source a `__pycache__/name.cpython-XY.pyc` was compiled from.
fn source_of(path: &str) -> Option<String> {
    let (dir, base) = path.rsplit_once('/')?;
    let parent = dir.strip_suffix("/__pycache__")?;
    let stem = base.split(".cpython-").next()?;
    Some(format!("{parent}/{stem}.py"))
}

/// The `.dockerignore` lines for bytecode at any depth of the context (Docker anchors patterns
/// at the context root: `__pycache__/` alone misses `app/__pycache__`).
const PYCACHE_IGNORE: &str = "add `**/__pycache__` and `**/*.pyc` to .dockerignore";

fn bytecode(ctx: &Ctx<'_>, pyc: &[Pyc], out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    let tags = interpreter_tags(tree);
    // (rule, layer) -> versions and paths
    let mut groups: BTreeMap<(&'static str, usize), Group> = BTreeMap::new();
    let mut foreign_tags = BTreeSet::new();
    for p in pyc {
        let Some(tag) = pyc_tag(&p.path) else { continue };
        let foreign = !tags.is_empty() && !tags.contains(tag);
        if foreign {
            foreign_tags.insert(format!("cpython-{tag}"));
        }
        let orphan = !foreign
            && tree.current(p.node).is_some()
            && source_of(&p.path).is_some_and(|s| tree.lookup(s.as_bytes()).and_then(|n| tree.current(n)).is_none());
        // chmod/chown copies are the metadata-copy rule's; here only the bytecode's writers.
        let writers = tree
            .history(p.node)
            .filter(|(_, v)| v.kind == EntryKind::File && !matches!(v.change, Change::Metadata | Change::Unchanged));
        for (id, v) in writers {
            let layer = v.layer as usize;
            let rule = if foreign {
                "DW301"
            } else if orphan && v.survives() {
                "DW302"
            } else if ctx.is_context_copy(layer) {
                "DW303"
            } else {
                continue;
            };
            let dir = p.path.rsplit_once('/').map_or(p.path.clone(), |(d, _)| d.to_string());
            let g = groups.entry((rule, layer)).or_default();
            g.0.push(id);
            *g.1.entry(dir).or_default() += v.size;
        }
    }
    for ((rule, layer), (versions, dirs)) in groups {
        let at = ctx.where_(layer);
        let (title, fix) = match rule {
            "DW301" => (
                format!(
                    "bytecode for another Python version ({} in a Python {} image)",
                    foreign_tags.iter().cloned().collect::<Vec<_>>().join(", "),
                    tags.iter()
                        .map(|t| format!("{}.{}", &t[..1], &t[1..]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                PYCACHE_IGNORE.to_string(),
            ),
            "DW302" => (
                "bytecode without its source".to_string(),
                format!("{at}: remove the stale .pyc files, or stop copying __pycache__"),
            ),
            _ => (
                "__pycache__ copied from the build context".to_string(),
                PYCACHE_IGNORE.to_string(),
            ),
        };
        out.push(Draft {
            rule,
            layer: Some(layer),
            versions,
            paths: dirs
                .into_iter()
                .map(|(path, bytes)| Evidence::new(path, bytes))
                .collect(),
            title,
            fix,
            severity: None,
        });
    }
}

fn norm(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// Whether the container's command runs `tool` (`uv run ...`, `["poetry", "run", ...]`,
/// `/usr/local/bin/uv`).
pub fn runs(ctx: &Ctx<'_>, tool: &str) -> bool {
    let cfg = ctx.config;
    cfg.entrypoint.iter().chain(&cfg.cmd).any(|arg| {
        arg.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
            .any(|word| word.rsplit('/').next() == Some(tool))
    })
}

/// Whether `p` is a development tool in this image: one of [`DEV_TOOLS`](crate::analysis::packages::DEV_TOOLS),
/// or uv when `uv_builds` (the container's command does not run it: it was installed to build
/// the environment, then left as dead weight).
fn is_dev_tool(p: &PythonPackage, uv_builds: bool) -> bool {
    p.dev_tool || (uv_builds && norm(&p.name) == "uv")
}

/// Dev tools and every package that only dev tools need, per location.
fn dev_closure<'a>(ctx: &Ctx<'a>, uv_builds: bool) -> Vec<&'a PythonPackage> {
    let pkgs = &ctx.packages.python;
    let mut dev: BTreeSet<(String, String)> = pkgs
        .iter()
        .filter(|p| is_dev_tool(p, uv_builds))
        .map(|p| (p.location.clone(), norm(&p.name)))
        .collect();
    if dev.is_empty() {
        return Vec::new();
    }
    loop {
        let mut grew = false;
        for p in pkgs {
            let key = (p.location.clone(), norm(&p.name));
            if dev.contains(&key) {
                continue;
            }
            let users: Vec<&PythonPackage> = pkgs
                .iter()
                .filter(|q| q.location == p.location && q.requires.iter().any(|r| norm(r) == key.1))
                .collect();
            if !users.is_empty() && users.iter().all(|q| dev.contains(&(q.location.clone(), norm(&q.name)))) {
                dev.insert(key);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    pkgs.iter()
        .filter(|p| dev.contains(&(p.location.clone(), norm(&p.name))))
        .collect()
}

/// Package managers among the development tools: they are not left out by a dev group but by
/// a build stage.
const MANAGERS: &[&str] = &["poetry", "pipenv", "uv"];

/// How to leave the development packages out, in the words of the tool that installed them:
/// Poetry, uv, PDM and Pipenv install a dev group unless told not to; pip installs what its
/// requirements name; a package manager itself belongs in a build stage.
fn dev_fix(ctx: &Ctx<'_>, layer: usize, pkgs: &[&PythonPackage], tools: &[&PythonPackage]) -> String {
    let ran = |what: &str| ctx.commands(layer).any(|c| c.contains(what));
    let (managers, others): (Vec<&PythonPackage>, Vec<&PythonPackage>) =
        tools.iter().partition(|t| MANAGERS.contains(&norm(&t.name).as_str()));
    let mut parts = Vec::new();
    if !others.is_empty() {
        let poetry_venv = pkgs.iter().any(|p| p.location.contains("/pypoetry/virtualenvs/"));
        parts.push(if ran("poetry install") || ran("poetry sync") || poetry_venv {
            "install without the dev group: `poetry install --only main` (`--no-dev` before Poetry 1.2)".to_string()
        } else if ran("uv sync") {
            "install without the dev group: `uv sync --no-dev`".to_string()
        } else if ran("pdm install") || ran("pdm sync") {
            "install production dependencies only: `pdm install --prod`".to_string()
        } else if ran("pipenv install") || ran("pipenv sync") {
            "drop `--dev` from `pipenv install`/`pipenv sync`, which then installs [dev-packages] too".to_string()
        } else {
            format!(
                "move {} to a requirements-dev.txt the image does not install",
                named(&others)
            )
        });
    }
    if !managers.is_empty() {
        parts.push(format!(
            "run {} in a build stage and `COPY --from` only the environment it made (or export a requirements.txt and pip install that)",
            named(&managers)
        ));
    }
    parts.join("; ")
}

/// `poetry 1.8.3, pytest 8.3.5`.
fn named(pkgs: &[&PythonPackage]) -> String {
    let names: Vec<String> = pkgs.iter().map(|p| format!("{} {}", p.name, p.version)).collect();
    names.join(", ")
}

fn packages(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    let uv_builds = !runs(ctx, "uv");
    let mut by_layer: BTreeMap<usize, Vec<&PythonPackage>> = BTreeMap::new();
    for p in dev_closure(ctx, uv_builds) {
        by_layer.entry(p.layer).or_default().push(p);
    }
    for (layer, pkgs) in by_layer {
        let all_tools: Vec<&PythonPackage> = pkgs.iter().copied().filter(|p| is_dev_tool(p, uv_builds)).collect();
        // A tool another tool requires came with it (Poetry pulls in `build`): name the one
        // that was asked for, unless they require each other.
        let required = |p: &PythonPackage| {
            all_tools.iter().any(|q| {
                q.location == p.location
                    && norm(&q.name) != norm(&p.name)
                    && q.requires.iter().any(|r| norm(r) == norm(&p.name))
            })
        };
        let mut tools: Vec<&PythonPackage> = all_tools.iter().copied().filter(|p| !required(p)).collect();
        if tools.is_empty() {
            tools = all_tools.clone();
        }
        let versions = pkgs
            .iter()
            .flat_map(|p| p.nodes.iter())
            .filter_map(|&n| tree.current(n))
            .collect();
        out.push(Draft {
            rule: "DW304",
            layer: Some(layer),
            versions,
            paths: pkgs
                .iter()
                .map(|p| {
                    let path = format!("{}/{} ({} {})", p.location, norm(&p.name), p.name, p.version);
                    Evidence::of_package(path, p.bytes, p.identity())
                })
                .collect(),
            title: format!("development or test packages installed: {}", named(&tools)),
            fix: format!("{}: {}", ctx.where_(layer), dev_fix(ctx, layer, &pkgs, &tools)),
            severity: None,
        });
    }
    duplicates(ctx, out);
}

/// The same distribution in more than one location: the largest copy is kept, and the others
/// are reported in the layer that installed them, one finding per layer naming them all.
fn duplicates(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let mut by_name: BTreeMap<String, Vec<&PythonPackage>> = BTreeMap::new();
    // Every environment has its own installer (venv and virtualenv seed them): not a repeat.
    for p in ctx
        .packages
        .python
        .iter()
        .filter(|p| !matches!(norm(&p.name).as_str(), "pip" | "setuptools" | "wheel"))
    {
        by_name.entry(norm(&p.name)).or_default().push(p);
    }
    let mut by_layer: BTreeMap<usize, Vec<(&PythonPackage, &PythonPackage)>> = BTreeMap::new();
    for (_, mut copies) in by_name.into_iter().filter(|(_, c)| c.len() > 1) {
        copies.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.location.cmp(&b.location)));
        for &extra in &copies[1..] {
            by_layer.entry(extra.layer).or_default().push((extra, copies[0]));
        }
    }
    for (layer, pairs) in by_layer {
        let names: Vec<String> = pairs.iter().map(|(e, _)| format!("{} {}", e.name, e.version)).collect();
        let mut kept: Vec<&str> = pairs.iter().map(|(_, k)| k.location.as_str()).collect();
        kept.sort_unstable();
        kept.dedup();
        let mut again: Vec<&str> = pairs.iter().map(|(e, _)| e.location.as_str()).collect();
        again.sort_unstable();
        again.dedup();
        const SHOWN: usize = 6;
        let more = names.len().saturating_sub(SHOWN);
        out.push(Draft {
            rule: "DW305",
            layer: Some(layer),
            versions: pairs
                .iter()
                .flat_map(|(e, _)| e.nodes.iter())
                .filter_map(|&n| ctx.tree.current(n))
                .collect(),
            paths: pairs
                .iter()
                .map(|(e, _)| {
                    let path = format!("{}/{} ({} {})", e.location, norm(&e.name), e.name, e.version);
                    Evidence::of_package(path, e.bytes, e.identity())
                })
                .collect(),
            title: format!(
                "installed again in another location: {}{}",
                names[..names.len().min(SHOWN)].join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            fix: format!(
                "{}: install each package in one environment: {} repeats packages of {}",
                ctx.where_(layer),
                again.join(", "),
                kept.join(", ")
            ),
            severity: None,
        });
    }
}

/// The Python findings.
pub fn drafts(ctx: &Ctx<'_>, pyc: &[Pyc]) -> Vec<Draft> {
    let mut out = Vec::new();
    bytecode(ctx, pyc, &mut out);
    packages(ctx, &mut out);
    out
}
