//! `deadweight fix` in the binary: reads the Dockerfile and the context's `.dockerignore`,
//! analyses the image, asks the library for the plan and the rewrite, and owns the streams and
//! files: the unified diff on stdout, the annotated summary on stderr, `--json`, and with
//! `--write` the atomic replacement of exactly the Dockerfile and `.dockerignore`. The plan and
//! the rewrite are `deadweight::fix`'s; nothing here decides what a fix is.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use deadweight::analysis::{self, Analysis, dockerfile};
use deadweight::fix::{self, Applied, Edit, Facts, Input, Kind, NotApplied, Plan, RuleFilter};
use deadweight::report::{self, units};
use deadweight::source;

use crate::cli::FixArgs;
use crate::verify_mode;

/// The JSON document of `--json`.
#[derive(Serialize)]
struct FixReport<'a> {
    schema_version: u32,
    kind: &'static str,
    image: &'a str,
    dockerfile: String,
    dockerignore: String,
    written: bool,
    edits: Vec<EditReport<'a>>,
    not_applied: &'a [NotApplied],
    totals: Totals,
    /// With `--verify`: what the rebuild measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<&'a verify_mode::Verification>,
}

#[derive(Serialize)]
struct EditReport<'a> {
    #[serde(flatten)]
    edit: &'a Edit,
    /// Chosen (kind and rule filters) and applied to the new text.
    applied: bool,
    /// Why a chosen edit was not applied, or why it was not chosen.
    reason: Option<String>,
    /// With `--verify`: the saving the rebuild measured for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    measured_bytes: Option<i64>,
}

#[derive(Serialize)]
struct Totals {
    /// Bytes of the image (all layers).
    image_bytes: u64,
    /// What the findings together call reclaimable.
    reclaimable_bytes: u64,
    /// The predicted saving of the applied edits.
    predicted_bytes: u64,
    /// The predicted saving of every planned edit.
    planned_bytes: u64,
}

/// The ignore file BuildKit reads for this Dockerfile alone (`Dockerfile.prod.dockerignore`
/// beside `Dockerfile.prod`), which takes the place of the context's `.dockerignore`.
pub fn own_dockerignore(dockerfile: &Path) -> PathBuf {
    let mut name = dockerfile.file_name().unwrap_or_default().to_os_string();
    name.push(".dockerignore");
    dockerfile.with_file_name(name)
}

/// The name a diff header gives `path`: relative to the current directory when it is under
/// it, without `.` parts, so that `git apply` (which refuses `./x` and `/x`) and `patch -p1`
/// take the diff in the directory it was made in.
fn diff_name(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let parts: PathBuf = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    parts.to_string_lossy().into_owned()
}

/// Reads a text file, or `None` when it does not exist.
fn read_optional(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Why an edit was left out by the flags, or `None` when it is chosen.
fn left_out(args: &FixArgs, only: &Option<RuleFilter>, skip: &Option<RuleFilter>, e: &Edit) -> Option<String> {
    if e.kind == Kind::Review && !args.all {
        return Some("to review: add --all".into());
    }
    if only.as_ref().is_some_and(|f| !f.matches(e)) {
        return Some("not in --only".into());
    }
    if skip.as_ref().is_some_and(|f| f.matches(e)) {
        return Some("in --skip".into());
    }
    None
}

/// Runs `deadweight fix`.
pub fn run(args: &FixArgs) -> anyhow::Result<ExitCode> {
    let filter = |p: &[String]| (!p.is_empty()).then(|| RuleFilter::new(p)).transpose();
    let (only, skip) = (filter(&args.only)?, filter(&args.skip)?);
    let path = &args.dockerfile;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the Dockerfile {}", path.display()))?;
    let df = dockerfile::parse(&text).with_context(|| format!("cannot parse the Dockerfile {}", path.display()))?;
    fix::check_syntax(&df).with_context(|| path.display().to_string())?;
    // A missing builder is a usage error: found before the image is read.
    let builder = args
        .verify
        .then(|| crate::build_mode::detect(args.builder))
        .transpose()?;
    let context = args.context.clone().unwrap_or_else(|| match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    });
    // A mistyped --context would otherwise plan a new .dockerignore in a folder that is not
    // there (and fail only at --write, or build the wrong context under --verify).
    if !context.is_dir() {
        anyhow::bail!("the build context {} is not a directory", context.display());
    }
    // BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile instead of the
    // context's `.dockerignore` when it exists: the lines go where the build reads them.
    let ignore_path = Some(own_dockerignore(path))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| context.join(".dockerignore"));
    let ignore = read_optional(&ignore_path)?;
    let config = crate::read_config(args.config.as_deref())?;
    let spec = source::reference::parse(&args.image, args.load.source)?;
    let opts = analysis::AnalyzeOptions {
        dockerfile: Some(df.clone()),
        base_layers: None,
        dockerignore: Some(ignore.is_some()),
        rules: config.rules,
    };
    let a = analysis::load_and_analyze(&spec, &crate::load_options(&args.load), &opts)?;
    let facts = Facts::of(&a);
    let input = Input {
        text: &text,
        dockerfile: &df,
        findings: &a.findings,
        facts: &facts,
        dockerignore: ignore.as_deref(),
    };
    let name = path.display().to_string();
    let plan = fix::plan(&input).with_context(|| name.clone())?;
    let applied = fix::apply(&input, &plan, |e| left_out(args, &only, &skip, e).is_none());
    let mut diff = fix::unified_diff(&diff_name(path), Some(&text), &applied.dockerfile);
    if let Some(new) = &applied.dockerignore {
        diff.push_str(&fix::unified_diff(&diff_name(&ignore_path), ignore.as_deref(), new));
    }
    let json_stdout = args.json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if !json_stdout {
        std::io::stdout().lock().write_all(diff.as_bytes())?;
    }
    let written = args.write && (applied.dockerfile != text || applied.dockerignore.is_some());
    if written {
        // The Dockerfile first: a failure there leaves both files as they were.
        if applied.dockerfile != text {
            report::write_atomic(path, applied.dockerfile.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if let Some(new) = &applied.dockerignore {
            report::write_atomic(&ignore_path, new.as_bytes())
                .with_context(|| format!("cannot write {}", ignore_path.display()))?;
        }
    }
    let verification = match &builder {
        Some(b) => {
            let new_ignore = applied.dockerignore.as_deref().or(ignore.as_deref());
            match verify_mode::verify(b, args, &a, &plan, &applied, &context, new_ignore) {
                Ok(v) => Some(v),
                Err(e) => {
                    // The rewritten Dockerfile does not build or its image cannot be read: the
                    // verification failed, which is not a usage error.
                    eprintln!("deadweight: verify FAILED: {e:#}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
        None => None,
    };
    let mut report = fix_report(args, &a, &plan, &applied, &only, &skip, (path, &ignore_path), written);
    if let Some(v) = &verification {
        for (i, e) in report.edits.iter_mut().enumerate() {
            e.measured_bytes = v.measured.get(&i).copied();
        }
        report.verify = Some(v);
    }
    std::io::stderr().lock().write_all(summary(&report).as_bytes())?;
    if let Some(v) = &verification {
        std::io::stderr()
            .lock()
            .write_all(verify_mode::summary(v, &plan).as_bytes())?;
    }
    if let Some(out) = &args.json {
        let json = serde_json::to_string_pretty(&report)? + "\n";
        if json_stdout {
            std::io::stdout().lock().write_all(json.as_bytes())?;
        } else {
            report::write_atomic(out, json.as_bytes()).with_context(|| format!("cannot write {}", out.display()))?;
        }
    }
    Ok(match verification {
        Some(v) if !v.passed => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

#[allow(clippy::too_many_arguments)]
fn fix_report<'a>(
    args: &'a FixArgs,
    a: &Analysis,
    plan: &'a Plan,
    applied: &Applied,
    only: &Option<RuleFilter>,
    skip: &Option<RuleFilter>,
    (dockerfile, ignore): (&Path, &Path),
    written: bool,
) -> FixReport<'a> {
    let edits: Vec<EditReport<'a>> = plan
        .edits
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let rejected = applied
                .rejected
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, why)| why.clone());
            EditReport {
                edit: e,
                applied: applied.applied.contains(&i),
                reason: left_out(args, only, skip, e).or(rejected),
                measured_bytes: None,
            }
        })
        .collect();
    let predicted_bytes = edits.iter().filter(|e| e.applied).map(|e| e.edit.predicted_bytes).sum();
    FixReport {
        schema_version: fix::SCHEMA_VERSION,
        kind: "deadweight-fix",
        image: &args.image,
        dockerfile: dockerfile.display().to_string(),
        dockerignore: ignore.display().to_string(),
        written,
        totals: Totals {
            image_bytes: a.totals.bytes,
            reclaimable_bytes: a.totals.reclaimable_bytes,
            predicted_bytes,
            planned_bytes: plan.edits.iter().map(|e| e.predicted_bytes).sum(),
        },
        edits,
        not_applied: &plan.not_applied,
        verify: None,
    }
}

/// The summary on stderr: one line per change with its rules, lines and predicted saving,
/// its notes, the fixes left to the reader, and the total.
fn summary(r: &FixReport<'_>) -> String {
    let mut out = String::new();
    for e in &r.edits {
        let kind = if e.edit.kind == Kind::Safe { "safe" } else { "review" };
        let lines: Vec<String> = e.edit.lines.iter().map(usize::to_string).collect();
        let state = match (&e.reason, e.applied) {
            (_, true) => String::new(),
            (Some(why), false) => format!("  [left out: {why}]"),
            (None, false) => "  [left out]".into(),
        };
        out.push_str(&format!(
            "# {kind:<6} {:<11} line {:<7} -{:>9}  {}{state}\n",
            e.edit.rules.join("+"),
            lines.join(","),
            units::short(e.edit.predicted_bytes),
            e.edit.summary
        ));
        for n in &e.edit.notes {
            out.push_str(&format!("#        note: {n}\n"));
        }
    }
    for n in r.not_applied {
        let lines: Vec<String> = n.lines.iter().map(usize::to_string).collect();
        let at = if lines.is_empty() {
            String::new()
        } else {
            format!(" line {}", lines.join(","))
        };
        out.push_str(&format!("# by hand {}{at}: {}\n", n.rules.join("+"), n.reason));
    }
    let t = &r.totals;
    out.push_str(&format!(
        "# predicted saving: {} of the {} the findings call reclaimable ({} image){}\n",
        units::size(t.predicted_bytes),
        units::size(t.reclaimable_bytes),
        units::size(t.image_bytes),
        if r.written { "; files written" } else { "" }
    ));
    out
}
