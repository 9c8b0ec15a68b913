//! What the image's Python dependency files and wheels say about how it was built: DW603 (on
//! Alpine, the distributions pip built from source because no musllinux wheel fit) and DW704
//! (requirements files with lines that name no exact version, and no lock file or hash check
//! beside them). Reads the packages' analysis and the tree; claims no bytes (these rules are
//! about how the image is built, not what it wastes).

use super::Evidence;
use super::{Ctx, Draft, Found, Severity};
use crate::analysis::packages::{PythonPackage, RequirementsFile};

/// Lock files that pin every dependency of a project.
const LOCK_FILES: &[&str] = &["poetry.lock", "uv.lock", "Pipfile.lock", "pdm.lock"];

/// How many unpinned lines a fix quotes; the rest are counted.
const QUOTED: usize = 8;

/// Whether a path is a file of the final filesystem.
fn exists(ctx: &Ctx<'_>, path: &str) -> bool {
    let path = path.trim_start_matches('/');
    ctx.tree
        .lookup(path.as_bytes())
        .and_then(|n| ctx.tree.current(n))
        .is_some()
}

fn norm(name: &str) -> String {
    name.to_ascii_lowercase().replace(['_', '.'], "-")
}

/// DW603: an Alpine image whose wheels were built here. With compilers installed (DW201) and no
/// such wheel, the compilers build nothing the image keeps.
fn musl_builds(ctx: &Ctx<'_>, findings: &Found, out: &mut Vec<Draft>) {
    if !exists(ctx, "etc/alpine-release") {
        return;
    }
    let built: Vec<&PythonPackage> = ctx.packages.python.iter().filter(|p| p.built_locally).collect();
    let compilers = findings.keys().any(|(r, _)| *r == "DW201");
    let names: Vec<String> = built.iter().map(|p| format!("{} {}", p.name, p.version)).collect();
    let check = format!(
        "pin versions that publish a musllinux wheel (check with `pip download --only-binary=:all: --platform musllinux_1_2_$(uname -m) {}`)",
        built.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(" ")
    );
    let (title, fix, severity) = match (built.is_empty(), compilers) {
        (false, true) => (
            format!(
                "Alpine (musl): built from source in the image, no musllinux wheel: {}",
                names.join(", ")
            ),
            format!(
                "{check}, or build these wheels in a build stage (`pip wheel`) and install them into a compiler-free final stage, \
                 or use a slim Debian base (python:3.x-slim), where manylinux wheels install prebuilt"
            ),
            None,
        ),
        // Built in a build stage, as advised: worth knowing, nothing wrong in this image.
        (false, false) => (
            format!(
                "Alpine (musl): wheels built from source in a build stage, no musllinux wheel: {}",
                names.join(", ")
            ),
            format!(
                "{check}, or use a slim Debian base (python:3.x-slim): then the build stage has nothing to compile"
            ),
            Some(Severity::Info),
        ),
        (true, true) => (
            "Alpine (musl) base with compilers, and no package built from source".to_string(),
            "every installed distribution came as a prebuilt wheel: the compilers are not needed at run time; \
             install them in a build stage only, or drop them"
                .to_string(),
            None,
        ),
        (true, false) => return,
    };
    out.push(Draft {
        rule: "DW603",
        layer: None,
        versions: Vec::new(),
        paths: built
            .iter()
            .map(|p| {
                let path = format!(
                    "{}/{} ({} {}, built here)",
                    p.location,
                    norm(&p.name),
                    p.name,
                    p.version
                );
                Evidence::of_package(path, p.bytes, p.identity())
            })
            .collect(),
        title,
        fix,
        severity,
    });
}

/// Whether a lock file sits beside the requirements file (or beside its `requirements/`
/// directory) or in the working directory.
fn locked(ctx: &Ctx<'_>, file: &RequirementsFile) -> bool {
    let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut dirs = vec![dir.to_string(), ctx.config.workdir.trim_end_matches('/').to_string()];
    if let Some(up) = dir.strip_suffix("/requirements") {
        dirs.push(up.to_string());
    }
    dirs.iter()
        .any(|d| LOCK_FILES.iter().any(|lock| exists(ctx, &format!("{d}/{lock}"))))
}

/// Whether a command that installs from the file checks versions on its own command line.
fn checked_by_command(ctx: &Ctx<'_>, file: &RequirementsFile) -> bool {
    let name = file.path.rsplit('/').next().unwrap_or_default();
    (0..ctx.layers.len()).any(|l| {
        ctx.commands(l).any(|c| {
            c.contains(name) && (c.contains("--require-hashes") || c.contains(" -c ") || c.contains("--constraint"))
        })
    })
}

/// DW704 for requirements files: one finding per layer that wrote such files.
fn unpinned_files(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let loose: Vec<&RequirementsFile> = ctx
        .packages
        .requirements
        .iter()
        .filter(|f| !f.unpinned.is_empty() && !f.constrained && !locked(ctx, f) && !checked_by_command(ctx, f))
        .collect();
    let mut layers: Vec<usize> = loose.iter().map(|f| f.layer).collect();
    layers.sort_unstable();
    layers.dedup();
    for layer in layers {
        let files: Vec<&RequirementsFile> = loose.iter().copied().filter(|f| f.layer == layer).collect();
        let mut quoted = Vec::new();
        let total: usize = files.iter().map(|f| f.unpinned.len()).sum();
        for f in &files {
            for (n, text) in &f.unpinned {
                if quoted.len() < QUOTED {
                    quoted.push(format!("{}:{n} `{text}`", f.path));
                }
            }
        }
        if total > quoted.len() {
            quoted.push(format!("and {} more", total - quoted.len()));
        }
        let size = |f: &RequirementsFile| {
            ctx.tree
                .lookup(f.path.trim_start_matches('/').as_bytes())
                .and_then(|n| ctx.tree.current(n))
                .map_or(0, |v| ctx.tree.version(v).size)
        };
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        out.push(Draft {
            rule: "DW704",
            layer: Some(layer),
            versions: Vec::new(),
            paths: files
                .iter()
                .map(|f| Evidence::new(f.path.clone(), size(f)))
                .collect(),
            title: format!(
                "requirements without an exact version in {} ({total} {})",
                names.join(", "),
                if total == 1 { "line" } else { "lines" }
            ),
            fix: format!(
                "pin exact versions (`name==version`; `pip freeze` or `pip-compile` writes them) on {}; \
                 or install from a lock file beside it (`uv.lock`, `poetry.lock`, `Pipfile.lock`), with `--require-hashes`, or with `-c constraints.txt`",
                quoted.join(", ")
            ),
            severity: None,
        });
    }
}

/// The dependency findings; `findings` holds what the earlier rules found.
pub fn drafts(ctx: &Ctx<'_>, findings: &Found, out: &mut Vec<Draft>) {
    musl_builds(ctx, findings, out);
    unpinned_files(ctx, out);
}
