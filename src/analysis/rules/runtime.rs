//! The rules about how the container runs, read from the image config (user, environment,
//! command) and the final filesystem: root or a named user, Python's environment variables
//! and bytecode, the development server, shell-form commands, gunicorn's heartbeat directory.
//! They say nothing about layers or bytes and never read the Dockerfile.

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
        let any = |paths: &[&str]| paths.iter().any(|p| exists(ctx, p));
        let debian = ctx.packages.debian.iter().any(|p| p.name == "passwd");
        let useradd = debian || any(&["usr/sbin/useradd", "sbin/useradd"]);
        let alpine = exists(ctx, "etc/alpine-release");
        let adduser = alpine || any(&["bin/adduser", "usr/sbin/adduser", "sbin/adduser"]);
        let create = if useradd && !alpine {
            "`RUN groupadd --gid 10001 app && useradd --create-home --uid 10001 --gid 10001 app` and "
        } else if adduser {
            "`RUN addgroup -g 10001 app && adduser -D -u 10001 -G app app` and "
        } else {
            // Distroless and BusyBox-only images: no tool (often no shell) to create a user,
            // and a numeric USER needs no /etc/passwd entry.
            ""
        };
        let note = if create.is_empty() {
            "; there is no user to create: the image has neither useradd nor adduser, and a numeric USER needs no /etc/passwd entry"
        } else {
            ""
        };
        out.push(whole(
            "DW601",
            match name.is_empty() {
                true => "the container runs as root (no USER)".into(),
                false => format!("the container runs as root (USER {user})"),
            },
            format!(
                "add {create}`USER 10001:10001` (numeric, so Kubernetes' runAsNonRoot can verify it) before CMD{note}"
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

/// The name the image's PATH finds Python under, for commands the user pastes: `python` where
/// one exists (official images, venvs), else `python3` (Debian's and Alpine's packages install
/// no `python`, so `RUN python -m ...` would fail there).
fn python_name(ctx: &Ctx<'_>) -> &'static str {
    let path = ctx
        .config
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    let on_path = |name: &str| {
        path.split(':')
            .any(|dir| exists(ctx, &format!("{}/{name}", dir.trim_matches('/'))))
    };
    if !on_path("python") && on_path("python3") {
        "python3"
    } else {
        "python"
    }
}

/// How this image would precompile its bytecode, in the installer's words.
fn precompile_advice(ctx: &Ctx<'_>) -> String {
    let python = python_name(ctx);
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
            "uv does not compile by default: set `ENV UV_COMPILE_BYTECODE=1` before `uv sync`/`uv pip install`, and `RUN {python} -m compileall -q {app}` for the application"
        )
    } else {
        format!(
            "pip install compiles the packages already; compile the application too: `RUN {python} -m compileall -q {app}`"
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

/// DW606: a development server as the container's command.
fn dev_server(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let words: Vec<&str> = argv(ctx).iter().flat_map(|a| a.split_whitespace()).collect();
    let has = |w: &str| words.contains(&w);
    let after = |a: &str, b: &str| words.windows(2).any(|p| p[0].ends_with(a) && p[1] == b);
    let what = if after("flask", "run") {
        Some("`flask run`, Flask's development server")
    } else if after("manage.py", "runserver") {
        Some("`manage.py runserver`, Django's development server")
    } else if words.iter().any(|w| w.ends_with("uvicorn")) && has("--reload") {
        Some("`uvicorn --reload`, which watches files for changes")
    } else if after("fastapi", "dev") {
        Some("`fastapi dev`, FastAPI's development server")
    } else if (has("--debug") || has("--reload"))
        && words.iter().any(|w| {
            ["flask", "uvicorn", "gunicorn", "hypercorn", "daphne", "manage.py"]
                .iter()
                .any(|s| w.ends_with(s))
        })
    {
        Some("a server started with `--debug`/`--reload`")
    } else {
        None
    };
    if let Some(what) = what {
        out.push(whole(
            "DW606",
            format!("the container's command runs a development server: {what}"),
            "serve with a production server: `CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"--workers\", \"2\", \"app:app\"]` (WSGI), or gunicorn with `--worker-class uvicorn.workers.UvicornWorker` / `uvicorn --workers 2` without `--reload` (ASGI); Django: `gunicorn project.wsgi`".into(),
            None,
        ));
    }
}

/// DW607: CMD or ENTRYPOINT in shell form (`/bin/sh -c ...`): the shell is PID 1 and does not
/// pass SIGTERM on, so the application is killed after the stop timeout instead of stopping.
fn shell_form(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let cfg = ctx.config;
    for (name, argv) in [("ENTRYPOINT", &cfg.entrypoint), ("CMD", &cfg.cmd)] {
        let [sh, c, script] = &argv[..] else { continue };
        if !matches!(sh.as_str(), "/bin/sh" | "sh" | "/bin/bash" | "bash") || c != "-c" {
            continue;
        }
        // A script with shell syntax has no exec form word for word; `exec` keeps it a shell.
        let plain = !script.contains(['&', '|', ';', '$', '>', '<', '`', '"', '\'', '*']);
        let exec = if plain {
            let words: Vec<String> = script.split_whitespace().map(|w| format!("\"{w}\"")).collect();
            format!("`{name} [{}]`", words.join(", "))
        } else {
            format!(
                "start the last command with `exec` (`{name} {script}` with `exec` before the server) or move the script into a file run as `{name} [\"/app/start.sh\"]` that ends in `exec`"
            )
        };
        out.push(whole(
            "DW607",
            format!("{name} in shell form: the shell is PID 1 and SIGTERM never reaches the application"),
            format!("use the exec form: {exec}"),
            None,
        ));
    }
}

/// DW307: `PYTHONDONTWRITEBYTECODE=1` with installed packages that have no bytecode: the
/// interpreter compiles them at every start and throws the result away.
fn bytecode_missing(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    let set = ctx.config.env.iter().any(|e| {
        e.split_once('=')
            .is_some_and(|(k, v)| k == "PYTHONDONTWRITEBYTECODE" && !v.is_empty())
    });
    if !set {
        return;
    }
    let mut bare: Vec<&str> = Vec::new();
    let mut locations: Vec<&str> = ctx.packages.python.iter().map(|p| p.location.as_str()).collect();
    locations.sort_unstable();
    locations.dedup();
    for location in locations {
        let dirs: std::collections::BTreeSet<String> = ctx
            .packages
            .python
            .iter()
            .filter(|p| p.location == location)
            .flat_map(|p| p.nodes.iter())
            .map(|&n| tree.path(n))
            .filter(|path| path.ends_with(".py"))
            .filter_map(|path| path.rsplit_once('/').map(|(d, _)| d.to_string()))
            .collect();
        let compiled = dirs.iter().any(|d| {
            let cache = format!("{}/__pycache__", d.trim_start_matches('/'));
            tree.lookup(cache.as_bytes()).and_then(|n| tree.current(n)).is_some()
        });
        if !dirs.is_empty() && !compiled {
            bare.push(location);
        }
    }
    if bare.is_empty() {
        return;
    }
    let uv = (0..ctx.layers.len()).any(|l| {
        ctx.commands(l)
            .any(|c| c.contains("uv sync") || c.contains("uv pip install"))
    });
    let how = if uv {
        "uv installs without bytecode unless told: set `ENV UV_COMPILE_BYTECODE=1` before `uv sync`/`uv pip install`"
            .to_string()
    } else {
        format!(
            "compile them in the image: `RUN {} -m compileall -q {}` after the install",
            python_name(ctx),
            bare.join(" ")
        )
    };
    out.push(whole(
        "DW307",
        format!(
            "bytecode not precompiled in {} while PYTHONDONTWRITEBYTECODE=1",
            bare.join(", ")
        ),
        format!("every start compiles the packages again: {how}"),
        None,
    ));
}

/// The container-level findings.
pub fn drafts(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    user(ctx, out);
    python_env(ctx, out);
    dev_server(ctx, out);
    bytecode_missing(ctx, out);
    shell_form(ctx, out);
    let cfg = ctx.config;
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
