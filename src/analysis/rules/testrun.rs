//! Whether the image's own build runs its test suite (`RUN pytest`): DW409 reports such a run,
//! and the context rules must not advise ignoring the tests it reads. Reads the layers'
//! commands only.

use super::Ctx;
use super::fixes::commands;

/// Whether a shell line runs a test suite: `pytest`, `py.test`, `nose2`, `tox`, or
/// `python -m pytest|unittest|nose2`, as a command of its own (not `pip install pytest`).
pub fn runs_tests(line: &str) -> bool {
    commands(line).iter().any(|cmd| {
        let words: Vec<&str> = cmd.iter().map(|(_, w)| *w).collect();
        let first = words.first().map_or("", |w| w.rsplit('/').next().unwrap_or(w));
        matches!(first, "pytest" | "py.test" | "nose2" | "tox")
            || (first.starts_with("python")
                && words
                    .windows(2)
                    .any(|p| p[0] == "-m" && matches!(p[1], "pytest" | "unittest" | "nose2")))
    })
}

/// The first layer after `layer` whose command runs a test suite: the tests that `layer`
/// copied are read there, so a `.dockerignore` line for them would fail that RUN.
pub fn tests_run_after(ctx: &Ctx<'_>, layer: usize) -> Option<usize> {
    (layer + 1..ctx.layers.len()).find(|&l| ctx.commands(l).any(runs_tests))
}
