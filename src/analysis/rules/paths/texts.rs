//! What a path finding says: its title and its fix, in the words of the tool that wrote the
//! files (pip, uv, Poetry, Pipenv, apt, apk) or the `.dockerignore` lines that keep a context
//! file out. Text only: which paths a finding holds is decided by the walk (`paths`).

use super::super::Ctx;
use super::super::fixes::{dockerignore_line, listed, pip_fix, pip_fix_exec, source, title_of, uv_fix};
use crate::analysis::accounting::PathBytes;

/// What a path finding says: its one-line title and the change to make.
pub struct Texts {
    /// One line saying what was found.
    pub title: String,
    /// The change to make.
    pub fix: String,
}

impl Texts {
    fn new(title: impl Into<String>, fix: impl Into<String>) -> Self {
        Texts {
            title: title.into(),
            fix: fix.into(),
        }
    }
}

/// The texts of a path finding of `rule` in `layer` about `paths`.
pub fn texts(ctx: &Ctx<'_>, rule: &str, layer: usize, paths: &[PathBytes]) -> Texts {
    let largest = paths
        .iter()
        .max_by_key(|p| p.bytes)
        .map(|p| p.path.as_str())
        .unwrap_or("");
    match rule {
        "DW101" | "DW102" | "DW103" => cache_texts(ctx, rule, layer, paths),
        "DW105" | "DW106" | "DW107" => system_cache_texts(ctx, rule, layer),
        "DW401" | "DW402" | "DW403" | "DW404" | "DW405" | "DW406" | "DW407" | "DW408" => {
            context_texts(ctx, rule, layer, paths)
        }
        "DW201" | "DW202" | "DW203" => Texts::new(
            title_of(rule),
            format!(
                "{}: install build tools in a build stage (`FROM ... AS build`) and `COPY --from=build` only what runs",
                ctx.where_(layer)
            ),
        ),
        "DW506" => Texts::new(
            format!("temporary or log files left in {largest}"),
            format!(
                "{}: remove them in the same RUN that writes them (`{} && {}`)",
                ctx.where_(layer),
                source(ctx, layer).text,
                removal(paths)
            ),
        ),
        "DW507" => Texts::new(
            "documentation, man pages and locales",
            "use a slim base, or exclude /usr/share/doc, man and locale with dpkg path-exclude",
        ),
        other => Texts::new(
            title_of(other),
            format!(
                "{}: remove {largest} in the same RUN, or use a cache mount",
                ctx.where_(layer)
            ),
        ),
    }
}

/// The command that removes DW506's files: the log files under /var/log (its directories stay:
/// services expect them), or the temporary files found, each quoted for the shell.
fn removal(paths: &[PathBytes]) -> String {
    if paths.iter().all(|p| p.path.starts_with("/var/log")) {
        return "find /var/log -type f -delete".into();
    }
    let quote = |p: &str| {
        if p.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+@%:,".contains(c)) {
            p.to_string()
        } else {
            format!("'{}'", p.replace('\'', "'\\''"))
        }
    };
    let words: Vec<String> = paths.iter().map(|p| quote(&p.path)).collect();
    format!("rm -rf {}", words.join(" "))
}

/// The Python package managers' caches: the install command with its no-cache flag, in the
/// tool's words.
fn cache_texts(ctx: &Ctx<'_>, rule: &str, layer: usize, paths: &[PathBytes]) -> Texts {
    let at = ctx.where_(layer);
    let src = source(ctx, layer);
    let (instr, caveat) = (&src.text, src.caveat());
    match rule {
        "DW101" => Texts::new(
            "pip cache left in the image",
            match pip_fix(instr).or_else(|| {
                let ins = ctx.docker_instruction(layer)?;
                Some(ins.with_args(&pip_fix_exec(ins.json_form.as_ref()?)?))
            }) {
                Some(fixed) => format!("{at}: add --no-cache-dir: `{fixed}`{caveat}"),
                None => format!(
                    "{at}: install with `pip install --no-cache-dir` or `RUN --mount=type=cache,target=/root/.cache/pip`"
                ),
            },
        ),
        "DW102" => Texts::new(
            "uv cache left in the image",
            match uv_fix(instr) {
                Some(fixed) => format!(
                    "{at}: add --no-cache: `{fixed}`{caveat}; or keep the cache out of the image with `RUN --mount=type=cache,target=/root/.cache/uv` and `ENV UV_LINK_MODE=copy`"
                ),
                None => format!(
                    "{at}: set `ENV UV_NO_CACHE=1`, or use `RUN --mount=type=cache,target=/root/.cache/uv` with `ENV UV_LINK_MODE=copy`"
                ),
            },
        ),
        _ => {
            let mut dirs: Vec<&str> = paths.iter().map(|p| p.path.as_str()).collect();
            dirs.dedup();
            Texts::new(title_of(rule), format!("{at}: {}", manager_cache_fix(&dirs)))
        }
    }
}

/// DW103 in the words of the manager whose cache it is. Poetry's `--no-cache` still writes
/// ~/.cache/pypoetry/artifacts, and its virtualenvs live under its cache directory; Pipenv has
/// no `PIPENV_NO_CACHE`: its pip obeys `PIP_NO_CACHE_DIR`.
fn manager_cache_fix(dirs: &[&str]) -> String {
    let mut parts = vec![format!("remove {} in the same RUN", listed(dirs))];
    if dirs.iter().any(|d| d.contains("/pypoetry/")) {
        parts.push(
            "or install with `POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_CACHE_DIR=/tmp/poetry-cache poetry install ... && rm -rf /tmp/poetry-cache` \
             (Poetry keeps its virtualenvs under the cache directory unless they are in-project or `POETRY_VIRTUALENVS_CREATE=false`), \
             or use `RUN --mount=type=cache,target=/root/.cache/pypoetry` with the same in-project setting; \
             not all of ~/.cache/pypoetry by hand: its virtualenvs/ is the application's environment"
                .to_string(),
        );
    }
    if dirs.iter().any(|d| d.contains("/pipenv")) {
        parts.push(
            "or run pipenv with `PIP_NO_CACHE_DIR=1` (its pip then keeps no cache), or with `PIPENV_CACHE_DIR` pointed at a directory removed in the same RUN"
                .to_string(),
        );
    }
    if parts.len() == 1 {
        parts.push("or use a cache mount".to_string());
    }
    parts.join(", ")
}

/// The system package managers' caches and lists: cleaned in the RUN that fills them.
fn system_cache_texts(ctx: &Ctx<'_>, rule: &str, layer: usize) -> Texts {
    let at = ctx.where_(layer);
    match rule {
        "DW105" => {
            let src = source(ctx, layer);
            // A RUN that updates and installs already needs only the removal at its end: the
            // whole line, ready to paste (not after a heredoc, where it would land in the body).
            let line = src.text.trim_end().trim_end_matches(';').trim_end();
            let installs =
                line.contains("update") && (line.contains("apt-get install") || line.contains("apt install"));
            // A later RUN that installs from these lists (no update of its own) needs them.
            let later = (layer + 1..ctx.layers.len()).find(|&l| {
                ctx.commands(l)
                    .any(|c| (c.contains("apt-get install") || c.contains("apt install")) && !c.contains("update"))
            });
            let fix = if let Some(later) = later {
                format!(
                    "{}: installs from these lists too, with no `apt-get update` of its own: remove them (`&& rm -rf /var/lib/apt/lists/*`) at the end of the last RUN that installs, or give each RUN its own update and removal",
                    ctx.where_(later)
                )
            } else if installs && !line.contains('\n') {
                format!(
                    "{at}: remove the lists in the same RUN: `{line} && rm -rf /var/lib/apt/lists/*`{}",
                    src.caveat()
                )
            } else {
                format!(
                    "{at}: run `apt-get update`, the install and `rm -rf /var/lib/apt/lists/*` in one RUN (`{}`)",
                    src.text
                )
            };
            Texts::new("apt lists left in /var/lib/apt/lists", fix)
        }
        "DW106" => Texts::new(
            "apt package archives left in /var/cache/apt",
            format!("{at}: end the same RUN with `&& apt-get clean`"),
        ),
        _ => Texts::new(
            "apk cache left in /var/cache/apk",
            if ctx.commands(layer).any(|c| c.contains("apk update")) {
                format!(
                    "{at}: use `apk add --no-cache` and drop `apk update` (`--no-cache` reads a fresh index without storing it; the index `apk update` writes stays in the layer)"
                )
            } else {
                format!("{at}: use `apk add --no-cache`")
            },
        ),
    }
}

/// Files copied from the build context: the `.dockerignore` lines that keep them out. The title
/// names the shallowest path (the application's `/app/tests`, not a `tests` vendored deep in a
/// copied venv), the largest among equals: the one a user acts on.
fn context_texts(ctx: &Ctx<'_>, rule: &str, layer: usize, paths: &[PathBytes]) -> Texts {
    let shown = paths
        .iter()
        .min_by_key(|p| (p.path.matches('/').count(), std::cmp::Reverse(p.bytes), p.path.as_str()))
        .map_or("", |p| p.path.as_str());
    let mut lines: Vec<String> = paths
        .iter()
        .map(|p| dockerignore_line(ctx, Some(layer), &p.path))
        .collect();
    lines.sort();
    lines.dedup();
    lines.truncate(6);
    let ignore = lines.join(", ");
    // Ignored tests would fail the RUN that runs them (and a test stage reads the same context).
    if let Some(run) = (rule == "DW407")
        .then(|| super::super::testrun::tests_run_after(ctx, layer))
        .flatten()
    {
        return Texts::new(
            format!("{}: {shown}", title_of(rule)),
            format!(
                "{} runs the test suite in the image, so a .dockerignore line would fail it: copy only the application into the final stage (not the whole context), and run the tests in a stage of their own (DW409)",
                ctx.where_(run)
            ),
        );
    }
    if rule == "DW405" {
        return Texts::new(
            format!("secret-looking file copied into the image: {shown}"),
            format!("add to .dockerignore: {ignore}; rotate the secret; pass secrets with `RUN --mount=type=secret`"),
        );
    }
    Texts::new(
        format!("{}: {shown}", title_of(rule)),
        format!("add to .dockerignore: {ignore}"),
    )
}
