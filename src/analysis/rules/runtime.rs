//! The rules about how the container runs, read from the image config (user, environment,
//! command) and the final filesystem: root or a named user, Python's environment variables
//! and bytecode, Alpine with compilers, gunicorn's heartbeat directory. They say nothing about
//! layers or bytes and never read the Dockerfile.

use super::Found;
use super::{Ctx, Draft, Severity};

/// A finding about the image as a whole: no layer, no bytes.
fn whole(rule: &'static str, title: String, fix: String, severity: Option<Severity>) -> Draft {
    Draft {
        rule,
        layer: None,
        versions: Vec::new(),
        paths: Vec::new(),
        title,
        fix,
        severity,
    }
}

/// Whether a path is a file of the final filesystem.
fn exists(ctx: &Ctx<'_>, path: &str) -> bool {
    ctx.tree
        .lookup(path.as_bytes())
        .and_then(|n| ctx.tree.current(n))
        .is_some()
}

/// The container's command line: ENTRYPOINT then CMD.
pub fn argv<'a>(ctx: &Ctx<'a>) -> Vec<&'a str> {
    let cfg = ctx.config;
    cfg.entrypoint.iter().chain(&cfg.cmd).map(String::as_str).collect()
}

/// DW601 (root) and DW605 (a user given by name).
fn user(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let user = ctx.config.user.as_str();
    let name = user.split(':').next().unwrap_or_default();
    // Kubernetes' runAsNonRoot checks a numeric uid; a name it cannot verify.
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if name.is_empty() || name == "root" || name == "0" {
        let create = if exists(ctx, "etc/alpine-release") {
            "`RUN addgroup -g 10001 app && adduser -D -u 10001 -G app app`"
        } else {
            "`RUN groupadd --gid 10001 app && useradd --create-home --uid 10001 --gid 10001 app`"
        };
        out.push(whole(
            "DW601",
            match name.is_empty() {
                true => "the container runs as root (no USER)".into(),
                false => format!("the container runs as root (USER {user})"),
            },
            format!(
                "add {create} and `USER 10001:10001` (numeric, so Kubernetes' runAsNonRoot can verify it) before CMD"
            ),
            None,
        ));
    } else if !user.split(':').all(numeric) {
        out.push(whole(
            "DW605",
            format!("USER {user} is a name, not a numeric uid"),
            format!(
                "write the numeric ids instead (`USER 10001:10001`, the uid and gid {name} has in /etc/passwd): Kubernetes' runAsNonRoot cannot verify a user name"
            ),
            None,
        ));
    }
}

/// Whether the command runs Python unbuffered already (`python -u`).
fn runs_unbuffered(argv: &[&str]) -> bool {
    argv.iter()
        .flat_map(|a| a.split_whitespace())
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| {
            w[0].rsplit('/').next().is_some_and(|p| p.starts_with("python"))
                && (w[1] == "-u" || (w[1].starts_with('-') && !w[1].starts_with("--") && w[1].contains('u')))
        })
}

/// How this image would precompile its bytecode, in the installer's words.
fn precompile_advice(ctx: &Ctx<'_>) -> String {
    let app = if ctx.config.workdir.is_empty() || ctx.config.workdir == "/" {
        "/app"
    } else {
        ctx.config.workdir.as_str()
    };
    let uv = (0..ctx.layers.len()).any(|l| {
        ctx.commands(l)
            .any(|c| c.contains("uv sync") || c.contains("uv pip install"))
    });
    if uv {
        format!(
            "uv does not compile by default: set `ENV UV_COMPILE_BYTECODE=1` before `uv sync`/`uv pip install`, and `RUN python -m compileall -q {app}` for the application"
        )
    } else {
        format!(
            "pip install compiles the packages already; compile the application too: `RUN python -m compileall -q {app}`"
        )
    }
}

/// DW602: Python's environment variables for containers.
fn python_env(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let cfg = ctx.config;
    let python = !ctx.packages.python.is_empty() || !super::python::interpreter_tags(ctx.tree).is_empty();
    if !python {
        return;
    }
    let has_env = |k: &str| {
        cfg.env
            .iter()
            .any(|e| e.split_once('=').is_some_and(|(n, v)| n == k && !v.is_empty()))
    };
    let unbuffered = has_env("PYTHONUNBUFFERED") || runs_unbuffered(&argv(ctx));
    let bytecode = has_env("PYTHONDONTWRITEBYTECODE");
    let mut missing = Vec::new();
    let mut fixes = Vec::new();
    if !unbuffered {
        missing.push("PYTHONUNBUFFERED");
        fixes.push("add `ENV PYTHONUNBUFFERED=1` so that logs appear at once".to_string());
    }
    if !bytecode {
        missing.push("PYTHONDONTWRITEBYTECODE");
        fixes.push(format!(
            "add `ENV PYTHONDONTWRITEBYTECODE=1` only with the bytecode precompiled in the image, or every start compiles it: {}",
            precompile_advice(ctx)
        ));
    }
    if !missing.is_empty() {
        out.push(whole(
            "DW602",
            format!("{} not set in a Python image", missing.join(" and ")),
            fixes.join("; "),
            None,
        ));
    }
}

/// The container-level findings; `findings` holds what the earlier rules found.
pub fn drafts(ctx: &Ctx<'_>, findings: &Found, out: &mut Vec<Draft>) {
    user(ctx, out);
    python_env(ctx, out);
    let cfg = ctx.config;
    if exists(ctx, "etc/alpine-release") && findings.keys().any(|(r, _)| *r == "DW201") {
        out.push(whole(
            "DW603",
            "Alpine (musl) base with compilers installed".into(),
            "the compilers are there for packages without a musllinux wheel: build those wheels in a build stage (`pip wheel`) and install them in a compiler-free final stage, or use a slim glibc base (python:3.x-slim), where they install prebuilt".into(),
            None,
        ));
    }
    let cmd = argv(ctx).join(" ");
    let gunicorn_args = cfg
        .env
        .iter()
        .any(|e| e.starts_with("GUNICORN_CMD_ARGS=") && e.contains("--worker-tmp-dir"));
    if cmd.contains("gunicorn") && !cmd.contains("--worker-tmp-dir") && !gunicorn_args {
        out.push(whole(
            "DW604",
            "gunicorn runs without --worker-tmp-dir".into(),
            "add `--worker-tmp-dir /dev/shm` to the gunicorn command".into(),
            None,
        ));
    }
}
