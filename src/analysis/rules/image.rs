//! The rules about the Dockerfile's text (or, without it, the history's commands): what only
//! the text shows (missing .dockerignore, apt-get without --no-install-recommends, pip without
//! --no-cache-dir, unpinned `pip install` arguments, the whole context copied before the
//! dependency install).

use super::fixes::{apt_fix, commands, dockerfile_line, dockerignore_line, pip_fix, unpinned};
use super::{Ctx, Draft, Evidence, Finding, Found, Severity};
use crate::analysis::dockerfile::DockerInstruction as Instruction;
use crate::analysis::history::InstructionKind;
use crate::analysis::pip;
use crate::model::EntryKind;

fn installs_dependencies(run: &str) -> bool {
    let pip = commands(run).iter().any(|c| {
        let words: Vec<&str> = c.iter().map(|(_, w)| *w).collect();
        !pip::find(&words).is_empty()
    });
    pip || [
        "poetry install",
        "uv sync",
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

/// One instruction the text checks read: a line of the Dockerfile, or, without one, a history
/// entry above the base image (`created_by` holds the command).
struct Checked {
    ins: Instruction,
    /// `line 9`, or `layer 3` for a history entry.
    at: String,
    layer: Option<usize>,
    from_history: bool,
}

impl Checked {
    /// The instruction with `args` in place of its own, quoted for a fix.
    fn rewritten(&self, args: &str) -> String {
        let text = format!("`{}`", dockerfile_line(&self.ins, args));
        if self.from_history {
            format!("{text} (read from the image history, no --dockerfile given: check it against your line)")
        } else {
            text
        }
    }

    fn copies_from_elsewhere(&self) -> bool {
        self.ins.flag("from").is_some() || self.ins.args.contains("--from")
    }
}

/// What the text checks read: the Dockerfile's final chain, or the history above the base.
fn checked(ctx: &Ctx<'_>) -> Vec<Checked> {
    if let Some(df) = ctx.dockerfile {
        return df
            .layer_chain()
            .into_iter()
            .map(|i| Checked {
                ins: i.clone(),
                at: format!("line {}", i.line),
                layer: layer_of_line(ctx, i.line),
                from_history: false,
            })
            .collect();
    }
    let steps = &ctx.attribution.steps;
    let Some(first) = steps.iter().position(|s| s.layer.is_some_and(|l| !ctx.is_base(l))) else {
        return Vec::new();
    };
    steps[first..]
        .iter()
        .map(|s| Checked {
            ins: Instruction {
                kind: s.instruction.kind,
                line: 0,
                end_line: 0,
                flags: Vec::new(),
                args: s.instruction.text.clone(),
                json_form: None,
                heredocs: Vec::new(),
            },
            at: s
                .layer
                .map_or_else(|| format!("history entry {}", s.history_index), |l| ctx.where_(l)),
            layer: s.layer,
            from_history: true,
        })
        .collect()
}

/// The checks the Dockerfile's text shows (or the history's, without it), instruction by
/// instruction, then the missing `.dockerignore`.
pub fn dockerfile_drafts(ctx: &Ctx<'_>, findings: &Found, out: &mut Vec<Draft>) {
    let chain = checked(ctx);
    for (i, c) in chain.iter().enumerate() {
        match c.ins.kind {
            InstructionKind::Copy => out.extend(context_before_install(ctx, c, &chain[i + 1..])),
            InstructionKind::Run => {
                out.extend(apt_recommends(c));
                out.extend(pip_cache_flag(ctx, findings, &chain[..i], c));
                out.extend(unpinned_install(c));
            }
            _ => {}
        }
    }
    if ctx.dockerfile.is_some() && ctx.dockerignore == Some(false) {
        out.push(missing_dockerignore(ctx, findings));
    }
}

/// DW505: a COPY of the whole context before a later RUN installs the dependencies, so every
/// source change reinstalls them.
fn context_before_install(ctx: &Ctx<'_>, c: &Checked, later: &[Checked]) -> Option<Draft> {
    if c.copies_from_elsewhere() {
        return None;
    }
    let hashed = c.from_history && (c.ins.args.starts_with("dir:") || c.ins.args.contains(" dir:"));
    let seen = if hashed {
        hashed_copy(ctx, c.layer?)?
    } else {
        String::new()
    };
    if !hashed && !copies_whole_context(&c.ins.args) {
        return None;
    }
    let dep = later
        .iter()
        .find(|d| d.ins.kind == InstructionKind::Run && installs_dependencies(&d.ins.args))?;
    let bytes = c
        .layer
        .and_then(|l| ctx.layers.get(l))
        .map_or(0, |l| l.scan.content_bytes);
    let history = if c.from_history {
        " (read from the image history)"
    } else {
        ""
    };
    Some(Draft {
        rule: "DW505",
        layer: c.layer,
        versions: Vec::new(),
        paths: vec![Evidence::new(
            c.ins.args.split_whitespace().last().unwrap_or("/"),
            bytes,
        )],
        title: if hashed {
            format!("{} copies {seen} before {} installs dependencies", c.at, dep.at)
        } else {
            format!(
                "{} copies the whole build context before {} installs dependencies",
                c.at, dep.at
            )
        },
        fix: format!(
            "copy only the dependency files first (`COPY requirements.txt ./` or pyproject.toml and the lock file), run {} (`RUN {}`), then {}{history}",
            dep.at,
            dep.ins.args,
            if hashed {
                "copy the rest".to_string()
            } else {
                format!("`COPY {}`", c.ins.args)
            }
        ),
        severity: None,
    })
}

/// Files that say what a project depends on.
const MANIFESTS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
];

/// What a COPY that the history names only by a hash (`COPY dir:9794b0… in /app`, buildah and
/// the classic builder) wrote, when it holds a dependency manifest among other files: then every
/// change to the others invalidates the install after it, whether or not it was the whole build
/// context (which the history cannot tell). `None` when it holds no manifest.
fn hashed_copy(ctx: &Ctx<'_>, layer: usize) -> Option<String> {
    let tree = ctx.tree;
    let mut manifest = None;
    let mut files = 0usize;
    for v in tree
        .versions()
        .iter()
        .filter(|v| v.layer as usize == layer && v.is_entry())
    {
        if !matches!(v.kind, EntryKind::File) {
            continue;
        }
        files += 1;
        let path = tree.path(v.node);
        let name = path.rsplit('/').next().unwrap_or_default();
        let is_manifest = MANIFESTS.contains(&name) || (name.starts_with("requirements") && name.ends_with(".txt"));
        if is_manifest && manifest.as_ref().is_none_or(|m: &String| path.len() < m.len()) {
            manifest = Some(path);
        }
    }
    let manifest = manifest?;
    (files > 1).then(|| {
        format!(
            "{manifest} together with {} other {} (the history names the copied directory only by its hash)",
            files - 1,
            if files == 2 { "file" } else { "files" }
        )
    })
}

/// DW702: `apt-get install` or `apt install` without `--no-install-recommends`, in any
/// option order; the fix is the whole command with the flag added.
fn apt_recommends(c: &Checked) -> Option<Draft> {
    let fixed = apt_fix(&c.ins.args)?;
    Some(Draft {
        rule: "DW702",
        layer: c.layer,
        versions: Vec::new(),
        paths: Vec::new(),
        title: format!("{}: apt-get install without --no-install-recommends", c.at),
        fix: format!("{}: {}", c.at, c.rewritten(&fixed)),
        severity: None,
    })
}

/// DW703: `pip install` without `--no-cache-dir`, a cache mount or `PIP_NO_CACHE_DIR` (inline,
/// in an earlier ENV, or in the image's config). Where DW101 already reports the line's cache
/// with its bytes, that finding says it.
fn pip_cache_flag(ctx: &Ctx<'_>, findings: &Found, earlier: &[Checked], c: &Checked) -> Option<Draft> {
    let ins = &c.ins;
    let fixed = pip_fix(&ins.args)?;
    let cache_mount = ins
        .flags
        .iter()
        .any(|(k, v)| k == "mount" && v.as_deref().is_some_and(|v| v.contains("type=cache")));
    let env_earlier = earlier
        .iter()
        .any(|i| i.ins.kind == InstructionKind::Env && i.ins.args.contains("PIP_NO_CACHE_DIR"));
    let pip_env = ctx.config.env.iter().any(|e| e.starts_with("PIP_NO_CACHE_DIR="));
    if ins.args.contains("--no-cache-dir")
        || ins.args.contains("PIP_NO_CACHE_DIR=")
        || cache_mount
        || pip_env
        || env_earlier
    {
        return None;
    }
    if findings
        .get(&("DW101", c.layer))
        .is_some_and(|f| c.layer.is_some() && f.reclaimable_bytes > 0)
    {
        return None;
    }
    Some(Draft {
        rule: "DW703",
        layer: c.layer,
        versions: Vec::new(),
        paths: Vec::new(),
        title: format!("{}: pip install without --no-cache-dir", c.at),
        fix: format!("{}: {}", c.at, c.rewritten(&fixed)),
        severity: None,
    })
}

/// DW704: a `pip install` naming requirements without an exact version: each build may get
/// other versions than the one tested.
fn unpinned_install(c: &Checked) -> Option<Draft> {
    let loose = unpinned(&c.ins.args);
    if loose.is_empty() {
        return None;
    }
    let history = if c.from_history {
        " (read from the image history)"
    } else {
        ""
    };
    Some(Draft {
        rule: "DW704",
        layer: c.layer,
        versions: Vec::new(),
        paths: Vec::new(),
        title: format!("{}: dependencies without an exact version: {}", c.at, loose.join(", ")),
        fix: format!(
            "{}: pin them (`{}`), or install from a lock file (`uv.lock`, `poetry.lock`, `Pipfile.lock`, a requirements file with `==` and `--require-hashes`, or `-c constraints.txt`){history}",
            c.at,
            loose
                .iter()
                .map(|p| format!("{}==<version>", p.split(['>', '<', '~', '!', '=']).next().unwrap_or(p)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
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
    // Tests that a later RUN runs stay in the context (DW407 says what to do instead).
    let runs_them = |f: &Finding| {
        f.rule == "DW407"
            && f.layer
                .is_some_and(|l| super::testrun::tests_run_after(ctx, l).is_some())
    };
    let mut lines: Vec<String> = leaked
        .iter()
        .filter(|f| !runs_them(f))
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
