//! CI mode in the binary: decides whether it is on (`--ci`, a budget flag, or `CI=true` with
//! stdout not a terminal), gathers its configuration in order of precedence (dive's defaults,
//! the `[ci]` table, `.dive-ci`, flags), reads the baseline, and after the analysis writes the
//! outputs: the chosen `--format` on stdout, `--json FILE` with the `ci` section, GitHub
//! annotations and step summary. The verdict itself is computed by `report::ci`, never here;
//! this module owns only environment, files and streams, and never touches the analysis.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use deadweight::analysis::Analysis;
use deadweight::config::{Config, dive_ci::parse_dive_ci};
use deadweight::report::{self, baseline::Baseline, ci};

use crate::cli::{Cli, Format};

/// What to do once the image is analysed.
pub struct Plan {
    /// Budgets and baseline, when CI mode is on (`None`: only another `--format` was asked).
    checks: Option<(ci::Budgets, Option<Baseline>)>,
}

/// `CI=true` (or `1`), as dive and most CI systems set it.
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Reads everything CI mode needs before the image is decoded, so that a bad budget or a
/// missing baseline costs no decode. `None` when neither CI mode nor a `--format` is asked for.
pub fn prepare(cli: &Cli, config: &Config) -> anyhow::Result<Option<Plan>> {
    if cli.html.as_ref().is_some_and(|p| p.as_os_str() == "-") {
        bail!("--html takes a file; `--format html` prints the page on stdout");
    }
    let on =
        cli.ci || cli.ci_config.is_some() || cli.budgets.any() || (env_flag("CI") && !std::io::stdout().is_terminal());
    if !on {
        return Ok((cli.format != Format::Text).then_some(Plan { checks: None }));
    }
    let mut cfg = config.ci.clone();
    // dive users switch with one line: their `.dive-ci` is read when we have no config of ours.
    let dive_ci = cli.ci_config.clone().or_else(|| {
        let ours = cli.config.is_some() || Path::new(".deadweight.toml").exists();
        let theirs = PathBuf::from(".dive-ci");
        (!ours && theirs.is_file()).then_some(theirs)
    });
    if let Some(path) = dive_ci {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the CI configuration {}", path.display()))?;
        let dive = parse_dive_ci(&text).map_err(|e| e.in_file(&path))?;
        // dive ignores what it does not know; so do we, aloud.
        for w in &dive.warnings {
            eprintln!("deadweight: warning: {}: {w}", path.display());
        }
        cfg = cfg.overlay(dive.config);
    }
    cfg = cfg.overlay(cli.budgets.to_config());
    let baseline = match &cli.budgets.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the baseline {}", path.display()))?;
            let b = report::baseline::parse(&text).map_err(|e| e.in_file(path))?;
            Some(b)
        }
        None => None,
    };
    let budgets = ci::Budgets::resolve(cfg, baseline.is_some())?;
    Ok(Some(Plan {
        checks: Some((budgets, baseline)),
    }))
}

/// The Dockerfile as the repository sees it: relative to `$GITHUB_WORKSPACE` (or the current
/// directory) when it lies below, so annotations and SARIF results land on the right file.
fn dockerfile_path(cli: &Cli) -> Option<String> {
    let p = cli.dockerfile.as_ref()?;
    let roots = [
        std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from),
        std::env::current_dir().ok(),
    ];
    let rel = roots
        .iter()
        .flatten()
        .find_map(|root| p.strip_prefix(root).ok())
        .unwrap_or(p);
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// Evaluates the budgets, writes every output, and returns the exit status: 0 when every
/// budget holds (or none was checked), 1 when one failed. Errors (an unwritable report) are 2.
pub fn finish(plan: Plan, cli: &Cli, a: &Analysis) -> anyhow::Result<ExitCode> {
    let verdict = plan.checks.as_ref().map(|(b, base)| ci::evaluate(a, b, base.as_ref()));
    let v = verdict.as_ref();
    let json_to_stdout = cli.json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    let stdout = std::io::stdout();
    if let Some(path) = &cli.json {
        let json = report::json::to_json_with(a, v);
        if json_to_stdout {
            stdout.lock().write_all(json.as_bytes())?;
        } else {
            report::write_atomic(path, json.as_bytes())
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
        }
    }
    write_html(cli, a, v)?;
    let dockerfile = dockerfile_path(cli);
    let rendered = match cli.format {
        Format::Text => v.map(|v| ci::render_text(a, v)).unwrap_or_default(),
        Format::Json if json_to_stdout => String::new(),
        Format::Json => report::json::to_json_with(a, v),
        Format::Markdown => report::markdown::render(a, v),
        Format::Sarif => report::sarif::render(a, v, dockerfile.as_deref()),
        Format::Junit => report::junit::render(a, v),
        Format::Html => report::html::render(a, v),
    };
    // `--json -` owns stdout; the other rendering then goes to stderr so both stay readable.
    if json_to_stdout {
        std::io::stderr().lock().write_all(rendered.as_bytes())?;
    } else {
        stdout.lock().write_all(rendered.as_bytes())?;
    }
    if let Some(v) = v
        && env_flag("GITHUB_ACTIONS")
    {
        let notes = report::github::annotations(a, v, dockerfile.as_deref());
        // The runner reads workflow commands from both streams; keep machine formats clean.
        let plain = !json_to_stdout && matches!(cli.format, Format::Text | Format::Markdown);
        if plain {
            stdout.lock().write_all(notes.as_bytes())?;
        } else {
            std::io::stderr().lock().write_all(notes.as_bytes())?;
        }
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let summary = report::markdown::render(a, Some(v));
            if let Err(e) = append(Path::new(&path), &summary) {
                // The verdict stands; a summary that cannot be written is reported, not fatal.
                eprintln!("deadweight: warning: cannot append to $GITHUB_STEP_SUMMARY {path:?}: {e}");
            }
        }
    }
    Ok(match v {
        Some(v) if !v.passed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

/// Writes `--html FILE` (atomically), with the verdict when CI mode is on.
pub fn write_html(cli: &Cli, a: &Analysis, v: Option<&ci::Verdict>) -> anyhow::Result<()> {
    if let Some(path) = &cli.html {
        report::write_atomic(path, report::html::render(a, v).as_bytes())
            .with_context(|| format!("cannot write the HTML report to {}", path.display()))?;
    }
    Ok(())
}

/// Appends to the step summary, which other steps write too (so no atomic replace here).
fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}
