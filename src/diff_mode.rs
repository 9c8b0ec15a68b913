//! `deadweight diff OLD NEW`: reads each side (a JSON report read back, or an image loaded and
//! analysed), compares them with the library's `report::diff`, and writes text, JSON,
//! Markdown or the HTML page. Owns the sides' errors (which name OLD or NEW); owns no comparison logic.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cli;
use deadweight::report::diff::{self, Snapshot};
use deadweight::report::html::tree;
use deadweight::{analysis, report, source};

/// The text of `path` when it is a regular file whose first non-blank byte is `{` (so possibly a
/// JSON report); `None` for anything else, which the image loader then judges.
fn json_text(path: &Path) -> anyhow::Result<Option<String>> {
    if !path.is_file() {
        return Ok(None);
    }
    let Ok(mut f) = std::fs::File::open(path) else {
        return Ok(None); // the loader names the file and the reason
    };
    let mut head = Vec::new();
    (&mut f).take(64).read_to_end(&mut head)?;
    let start = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    if start.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Ok(None);
    }
    let mut rest = Vec::new();
    f.read_to_end(&mut rest)?;
    head.extend(rest);
    Ok(String::from_utf8(head).ok())
}

/// One side of `deadweight diff`: a JSON report read back, or an image loaded and analysed as
/// `deadweight IMAGE` would. Errors name the side (`OLD`/`NEW`) and its argument.
/// An image side also gives its file tree when the HTML page is wanted (for its treemap).
fn diff_side(
    side: &str,
    arg: &str,
    args: &cli::DiffArgs,
    opts: &analysis::AnalyzeOptions,
) -> anyhow::Result<(Snapshot, Option<tree::Node>)> {
    let read = || -> anyhow::Result<(Snapshot, Option<tree::Node>)> {
        if let Some(text) = json_text(Path::new(arg))?
            && let Some(report) = diff::read_report(&text).map_err(|e| e.in_file(Path::new(arg)))?
        {
            return Ok((report, None));
        }
        let spec = source::reference::parse(arg, args.load.source)?;
        let loaded = source::load(&spec, &crate::load_options(&args.load))?;
        crate::print_notes(&loaded);
        let a = analysis::analyze_with(loaded, opts);
        let html = args.html.is_some() || args.format == cli::DiffFormat::Html;
        Ok((Snapshot::of(&a), html.then(|| tree::build(&a))))
    };
    read().with_context(|| format!("{side} ({arg})"))
}

/// `deadweight diff OLD NEW`: text on stdout unless `--json -` or `--markdown -` takes it.
pub fn run(args: &cli::DiffArgs) -> anyhow::Result<ExitCode> {
    let is_stdout = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if is_stdout(&args.json) && is_stdout(&args.markdown) {
        bail!("--json - and --markdown - cannot both write to stdout; send one to a file");
    }
    if args.old == "-" && args.new == "-" {
        bail!("OLD and NEW cannot both be read from standard input");
    }
    let config = crate::read_config(args.config.as_deref())?;
    let opts = analysis::AnalyzeOptions {
        rules: config.rules,
        ..Default::default()
    };
    let (old, old_tree) = diff_side("OLD", &args.old, args, &opts)?;
    let (new, new_tree) = diff_side("NEW", &args.new, args, &opts)?;
    let trees = old_tree.as_ref().zip(new_tree.as_ref());
    let d = diff::compare(&args.old, &old, &args.new, &new);
    let stdout = std::io::stdout();
    let outputs = [
        (&args.json, diff::render::json as fn(&diff::Diff) -> String),
        (&args.markdown, diff::render::markdown),
    ];
    for (path, render) in outputs {
        match path {
            Some(p) if p.as_os_str() == "-" => stdout.lock().write_all(render(&d).as_bytes())?,
            Some(p) => report::write_atomic(p, render(&d).as_bytes())
                .with_context(|| format!("cannot write the diff to {}", p.display()))?,
            None => {}
        }
    }
    if let Some(p) = &args.html {
        report::write_atomic(p, report::html::diff::render(&d, &old, &new, trees).as_bytes())
            .with_context(|| format!("cannot write the diff to {}", p.display()))?;
    }
    if !is_stdout(&args.json) && !is_stdout(&args.markdown) {
        let page = match args.format {
            cli::DiffFormat::Text => diff::render::text(&d),
            cli::DiffFormat::Html => report::html::diff::render(&d, &old, &new, trees),
        };
        stdout.lock().write_all(page.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}
