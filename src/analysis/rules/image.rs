//! The rules about the image as a whole: toolchains and headers known from the package
//! databases, and, given the Dockerfile, what only its text shows (missing .dockerignore,
//! apt-get without --no-install-recommends, pip without --no-cache-dir, the whole context copied
//! before the dependency install).

use std::collections::BTreeMap;

use super::fixes::{apt_fix, dockerfile_line, dockerignore_line, pip_fix};
use super::{Ctx, Draft, Finding, Found, Severity};
use crate::analysis::accounting::PathBytes;
use crate::analysis::dockerfile::DockerInstruction as Instruction;
use crate::analysis::history::InstructionKind;
use crate::analysis::packages::SystemPackage;
use crate::model::NodeId;

const TOOLCHAIN: &[&str] = &[
    "gcc",
    "g++",
    "cpp",
    "make",
    "binutils",
    "build-essential",
    "build-base",
    "clang",
    "llvm",
];

fn is_toolchain(name: &str) -> bool {
    let versioned = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    TOOLCHAIN.contains(&name)
        || ["gcc", "g++", "cpp", "clang", "llvm"].iter().any(|p| versioned(p))
        || (name.starts_with("binutils-") && !name.ends_with("-dev"))
}

/// A package in a finding's path list (paths are absolute): its largest file, named with the
/// package, and that file's size: a row's size is the size of what it names.
fn package_path(ctx: &Ctx<'_>, p: &SystemPackage) -> PathBytes {
    let tree = ctx.tree;
    let size = |n: NodeId| tree.current(n).map_or(0, |v| tree.version(v).size);
    let largest = p.nodes.iter().copied().max_by_key(|&n| size(n));
    PathBytes {
        path: format!(
            "{} (package {} {})",
            largest.map_or_else(|| "/".to_string(), |n| tree.path(n)),
            p.name,
            p.version
        ),
        bytes: largest.map_or(0, size),
    }
}

fn is_dev(name: &str) -> bool {
    name.ends_with("-dev") || name == "musl-dev"
}

/// Toolchain and development packages (DW201, DW202).
pub fn package_drafts(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    let mut groups: BTreeMap<(&'static str, usize), Vec<&SystemPackage>> = BTreeMap::new();
    for p in ctx.packages.debian.iter().chain(&ctx.packages.alpine) {
        let rule = if is_toolchain(&p.name) {
            "DW201"
        } else if is_dev(&p.name) {
            "DW202"
        } else {
            continue;
        };
        // A base layer's become one DW204 (`fixes::for_base`).
        groups.entry((rule, p.layer)).or_default().push(p);
    }
    for ((rule, layer), pkgs) in groups {
        let names: Vec<&str> = pkgs.iter().map(|p| p.name.as_str()).collect();
        out.push(Draft {
            rule,
            layer: Some(layer),
            versions: pkgs.iter().flat_map(|p| p.nodes.iter()).filter_map(|&n| tree.current(n)).collect(),
            paths: pkgs.iter().map(|p| package_path(ctx, p)).collect(),
            title: format!("{}: {}", if rule == "DW201" { "build toolchain in the runtime image" } else { "development packages in the runtime image" }, names.join(", ")),
            fix: format!(
                "{}: install {} in a build stage (`FROM ... AS build`) and `COPY --from=build` only the built packages (a virtualenv or wheels) into the final stage",
                ctx.where_(layer),
                names.join(" ")
            ),
            severity: None,
        });
    }
}

fn installs_dependencies(run: &str) -> bool {
    [
        "pip install",
        "pip3 install",
        "poetry install",
        "uv sync",
        "uv pip install",
        "pipenv install",
        "pdm install",
        "npm install",
        "npm ci",
        "yarn install",
    ]
    .iter()
    .any(|k| run.contains(k))
}

fn copies_whole_context(args: &str) -> bool {
    let words: Vec<&str> = args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
    words.len() >= 2 && words[..words.len() - 1].iter().any(|w| *w == "." || *w == "./")
}

/// The layer a Dockerfile line made, when the history maps one to it.
fn layer_of_line(ctx: &Ctx<'_>, line: usize) -> Option<usize> {
    ctx.attribution
        .layers
        .iter()
        .position(|o| o.dockerfile_line == Some(line))
}

/// The checks only the Dockerfile's text shows, line by line, then the missing `.dockerignore`.
fn dockerfile_drafts(ctx: &Ctx<'_>, findings: &Found, out: &mut Vec<Draft>) {
    let Some(df) = ctx.dockerfile else { return };
    let chain = df.layer_chain();
    for (i, ins) in chain.iter().enumerate() {
        match ins.kind {
            InstructionKind::Copy => out.extend(context_before_install(ctx, ins, &chain[i + 1..])),
            InstructionKind::Run => {
                out.extend(apt_recommends(ctx, ins));
                out.extend(pip_cache_flag(ctx, findings, &chain, ins));
            }
            _ => {}
        }
    }
    if ctx.dockerignore == Some(false) {
        out.push(missing_dockerignore(ctx, findings));
    }
}

/// DW505: a COPY of the whole context before a later RUN installs the dependencies, so every
/// source change reinstalls them.
fn context_before_install(ctx: &Ctx<'_>, ins: &Instruction, later: &[&Instruction]) -> Option<Draft> {
    if ins.flag("from").is_some() || !copies_whole_context(&ins.args) {
        return None;
    }
    let dep = later
        .iter()
        .find(|d| d.kind == InstructionKind::Run && installs_dependencies(&d.args))?;
    let layer = layer_of_line(ctx, ins.line);
    let bytes = layer
        .and_then(|l| ctx.layers.get(l))
        .map_or(0, |l| l.scan.content_bytes);
    Some(Draft {
        rule: "DW505",
        layer,
        versions: Vec::new(),
        paths: vec![PathBytes {
            path: ins.args.split_whitespace().last().unwrap_or("/").to_string(),
            bytes,
        }],
        title: format!(
            "line {} copies the whole build context before line {} installs dependencies",
            ins.line, dep.line
        ),
        fix: format!(
            "copy only the dependency files first (`COPY requirements.txt ./` or pyproject.toml and the lock file), run line {} (`RUN {}`), then `COPY {}`",
            dep.line, dep.args, ins.args
        ),
        severity: None,
    })
}

/// DW702: `apt-get install` or `apt install` without `--no-install-recommends`, in any
/// option order; the fix is the whole command with the flag added.
fn apt_recommends(ctx: &Ctx<'_>, ins: &Instruction) -> Option<Draft> {
    let fixed = apt_fix(&ins.args)?;
    Some(Draft {
        rule: "DW702",
        layer: layer_of_line(ctx, ins.line),
        versions: Vec::new(),
        paths: Vec::new(),
        title: format!("line {}: apt-get install without --no-install-recommends", ins.line),
        fix: format!("line {}: `{}`", ins.line, dockerfile_line(ins, &fixed)),
        severity: None,
    })
}

/// DW703: `pip install` without `--no-cache-dir`, a cache mount or `PIP_NO_CACHE_DIR` (inline,
/// in an earlier ENV of the chain, or in the image's config). Where DW101 already reports the
/// line's cache with its bytes, that finding says it.
fn pip_cache_flag(ctx: &Ctx<'_>, findings: &Found, chain: &[&Instruction], ins: &Instruction) -> Option<Draft> {
    let fixed = pip_fix(&ins.args)?;
    let cache_mount = ins
        .flags
        .iter()
        .any(|(k, v)| k == "mount" && v.as_deref().is_some_and(|v| v.contains("type=cache")));
    let env_earlier = chain
        .iter()
        .take_while(|i| i.line < ins.line)
        .any(|i| i.kind == InstructionKind::Env && i.args.contains("PIP_NO_CACHE_DIR"));
    let pip_env = ctx.config.env.iter().any(|e| e.starts_with("PIP_NO_CACHE_DIR="));
    if ins.args.contains("--no-cache-dir")
        || ins.args.contains("PIP_NO_CACHE_DIR=")
        || cache_mount
        || pip_env
        || env_earlier
    {
        return None;
    }
    let layer = layer_of_line(ctx, ins.line);
    if findings
        .get(&("DW101", layer))
        .is_some_and(|f| layer.is_some() && f.reclaimable_bytes > 0)
    {
        return None;
    }
    Some(Draft {
        rule: "DW703",
        layer,
        versions: Vec::new(),
        paths: Vec::new(),
        title: format!("line {}: pip install without --no-cache-dir", ins.line),
        fix: format!("line {}: `{}`", ins.line, dockerfile_line(ins, &fixed)),
        severity: None,
    })
}

/// DW701: no `.dockerignore` beside the Dockerfile, with the lines the context findings call for.
fn missing_dockerignore(ctx: &Ctx<'_>, findings: &Found) -> Draft {
    let leaked: Vec<&Finding> = findings
        .values()
        .filter(|f| {
            matches!(
                f.rule,
                "DW301" | "DW303" | "DW401" | "DW402" | "DW403" | "DW404" | "DW405" | "DW406" | "DW407" | "DW408"
            )
        })
        .collect();
    let mut lines: Vec<String> = leaked
        .iter()
        .flat_map(|f| f.paths.iter().map(|p| dockerignore_line(ctx, f.layer, &p.path)))
        .collect();
    if leaked.iter().any(|f| matches!(f.rule, "DW301" | "DW303")) {
        lines.retain(|l| !l.contains("__pycache__"));
        lines.extend(["**/__pycache__".to_string(), "**/*.pyc".to_string()]);
    }
    lines.sort();
    lines.dedup();
    Draft {
        rule: "DW701",
        layer: None,
        versions: Vec::new(),
        paths: Vec::new(),
        title: "no .dockerignore beside the Dockerfile".into(),
        fix: if lines.is_empty() {
            "add a .dockerignore (at least `.git`)".into()
        } else {
            format!("add a .dockerignore with: {}", lines.join(", "))
        },
        severity: leaked.is_empty().then_some(Severity::Info),
    }
}

/// The image-wide findings; `findings` holds what the earlier rules found.
pub fn drafts(ctx: &Ctx<'_>, findings: &Found) -> Vec<Draft> {
    let mut out = Vec::new();
    super::runtime::drafts(ctx, findings, &mut out);
    dockerfile_drafts(ctx, findings, &mut out);
    out
}
