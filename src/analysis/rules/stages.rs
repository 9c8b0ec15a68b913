//! What the final stage does or carries that belongs in another stage: a test suite run there
//! (DW409) and package-manager binaries copied in from another image or stage (DW306). Read
//! from the history's commands and the final filesystem; never from the Dockerfile alone.

use super::python::runs;
use super::testrun::runs_tests;
use super::{Ctx, Draft, Evidence};
use crate::model::{EntryKind, VersionId};

/// What a test run leaves behind: pytest's cache and assertion-rewritten bytecode
/// (`test_x.cpython-311-pytest-8.3.5.pyc`), coverage data and reports, tox's environments.
fn left_by_tests(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    ["/.pytest_cache/", "/.tox/", "/htmlcov/", "/.hypothesis/"]
        .iter()
        .any(|d| path.contains(d))
        || name == ".coverage"
        || name.starts_with(".coverage.")
        || (name.ends_with(".pyc") && name.contains("-pytest-"))
}

/// The file versions a layer's test run wrote, with their paths: not what an install in the
/// same RUN wrote.
fn written_by(ctx: &Ctx<'_>, layer: usize) -> (Vec<VersionId>, Vec<Evidence>) {
    let tree = ctx.tree;
    let mut versions = Vec::new();
    let mut paths = Vec::new();
    for (id, v) in tree.versions().iter().enumerate() {
        if v.kind == EntryKind::File && v.layer as usize == layer && left_by_tests(&tree.path(v.node)) {
            versions.push(id as VersionId);
            paths.push(Evidence::new(tree.path(v.node), v.size));
        }
    }
    (versions, paths)
}

/// DW409: a RUN of the final stage that runs the tests; it claims what that layer wrote
/// (caches, bytecode, reports).
fn tests_run(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    for layer in 0..ctx.layers.len() {
        if ctx.is_base(layer) || !ctx.commands(layer).any(runs_tests) {
            continue;
        }
        let (versions, paths) = written_by(ctx, layer);
        out.push(Draft {
            rule: "DW409",
            layer: Some(layer),
            versions,
            paths,
            title: format!("{} runs the test suite in the final stage", ctx.where_(layer)),
            fix: format!(
                "{}: run the tests in a stage of their own (`FROM build AS test`, `RUN pytest`, built in CI with `--target test`), so the final image carries neither the run's leftovers nor the test dependencies",
                ctx.where_(layer)
            ),
            severity: None,
        });
    }
}

/// Package managers and build tools as the binaries a `COPY --from` brings.
const TOOLS: &[&str] = &["uv", "uvx", "poetry", "pipx", "pip-compile", "pip-sync", "pdm"];

/// DW306: build tools a `COPY --from=...` put in the final stage that the container's command
/// does not run (`COPY --from=ghcr.io/astral-sh/uv /uv /uvx /bin/`: 36 MiB).
fn tools_copied(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    for layer in 0..ctx.layers.len() {
        let from_stage = ctx.instruction(layer).starts_with("COPY ")
            && (ctx.instruction(layer).contains("--from")
                || ctx.docker_instruction(layer).is_some_and(|i| i.flag("from").is_some()));
        if ctx.is_base(layer) || !from_stage {
            continue;
        }
        let mut versions = Vec::new();
        let mut paths = Vec::new();
        let mut names = Vec::new();
        for (id, v) in tree.versions().iter().enumerate() {
            if v.kind != EntryKind::File || v.layer as usize != layer || !v.survives() {
                continue;
            }
            let path = tree.path(v.node);
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
            if dir.ends_with("/bin") && TOOLS.contains(&name) && !runs(ctx, name) {
                names.push(name.to_string());
                versions.push(id as VersionId);
                paths.push(Evidence::new(path.clone(), v.size));
            }
        }
        if versions.is_empty() {
            continue;
        }
        names.sort();
        names.dedup();
        out.push(Draft {
            rule: "DW306",
            layer: Some(layer),
            versions,
            paths,
            title: format!("build tools copied into the runtime stage: {}", names.join(", ")),
            fix: format!(
                "{}: copy {} into the build stage only, and `COPY --from=build` what it built (the virtualenv) into the final stage",
                super::fixes::cited(ctx, layer),
                names.join(" and ")
            ),
            severity: None,
        });
    }
}

/// The final-stage findings.
pub fn drafts(ctx: &Ctx<'_>) -> Vec<Draft> {
    let mut out = Vec::new();
    tools_copied(ctx, &mut out);
    tests_run(ctx, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::runs_tests;

    #[test]
    fn test_runs_are_commands_of_their_own() {
        assert!(runs_tests("pip install -r req.txt && pytest -q"));
        assert!(runs_tests("python -m unittest discover"));
        assert!(runs_tests("/opt/venv/bin/python3 -m pytest tests"));
        assert!(!runs_tests("pip install pytest"));
        assert!(!runs_tests("echo pytest"));
    }
}
