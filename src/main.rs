//! The `deadweight` binary: parses arguments, runs the library, prints the result, and maps
//! failures to exit codes (0 success, 1 a CI budget failed, 2 error). A closed stdout (`| head`)
//! is not an error. CI mode's files, environment and streams are `ci_mode`'s; the subcommands
//! (`rules`, `explain`, `completions`, `man`) are run from here, `diff` from `diff_mode`, `fix`
//! from `fix_mode`, `cache` from `cache_mode`.

mod build_mode;
mod cache_mode;
mod ci_mode;
mod cli;
mod diff_mode;
mod fix_mode;
mod ui;
mod verify_mode;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use deadweight::report::units::Units;
use deadweight::source::{self, LoadOptions, ScanLimits, resolve::Selection};
use deadweight::{analysis, report};

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let units = if cli.si { Units::Decimal } else { Units::Binary };
    report::units::set(units);
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // A terminal that went away must not turn the error into a panic.
            let _ = writeln!(std::io::stderr(), "deadweight: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs a subcommand.
fn subcommand(cmd: &cli::Command) -> anyhow::Result<ExitCode> {
    use deadweight::catalogue;
    let mut out = String::new();
    match cmd {
        cli::Command::Rules { json: true } => {
            out = serde_json::to_string_pretty(catalogue::RULES)?;
            out.push('\n');
        }
        cli::Command::Rules { json: false } => {
            for r in catalogue::RULES {
                out.push_str(&format!("{}  {:<7}  {}\n", r.id, r.severity.as_str(), r.title));
            }
        }
        cli::Command::Diff(args) => return diff_mode::run(args),
        cli::Command::Fix(args) => return fix_mode::run(args),
        cli::Command::Cache { action, cache } => return cache_mode::run(*action, cache),
        cli::Command::Build(args) => return build_mode::build_command(args),
        cli::Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cli::Cli::command(), "deadweight", &mut buf);
            std::io::stdout().lock().write_all(&buf)?;
        }
        cli::Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cli::Cli::command()).render(&mut buf)?;
            std::io::stdout().lock().write_all(&buf)?;
        }
        cli::Command::Explain { id } => {
            let r =
                catalogue::find(id).with_context(|| format!("unknown rule {id:?}; `deadweight rules` lists them"))?;
            out.push_str(&format!(
                "{} ({}): {}\n\n{}\n",
                r.id,
                r.severity.as_str(),
                r.title,
                r.rationale
            ));
        }
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Reads `--config FILE`, or `.deadweight.toml` in the current directory when present.
pub(crate) fn read_config(path: Option<&std::path::Path>) -> anyhow::Result<deadweight::config::Config> {
    let (path, must) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (std::path::PathBuf::from(".deadweight.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(deadweight::config::Config::parse(&text).map_err(|e| e.in_file(&path))?),
        Err(e) if !must && e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(anyhow::anyhow!("cannot read the configuration {}: {e}", path.display())),
    }
}

/// The process's peak resident memory so far (Linux `VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1000.0)
}

fn run(cli: &cli::Cli) -> anyhow::Result<ExitCode> {
    if let Some(cmd) = &cli.command {
        return subcommand(cmd);
    }
    let config = read_config(cli.config.as_deref())?;
    // CI budgets, `.dive-ci` and the baseline are checked before the image is decoded.
    let ci_plan = ci_mode::prepare(cli, &config)?;
    // Read the Dockerfile first: a typo there should not cost a full decode of the image.
    let dockerfile_text = match &cli.dockerfile {
        Some(path) => Some(
            std::fs::read_to_string(path).with_context(|| format!("cannot read the Dockerfile {}", path.display()))?,
        ),
        None => None,
    };
    let dockerfile = match (&cli.dockerfile, &dockerfile_text) {
        (Some(path), Some(text)) => Some(
            analysis::dockerfile::parse(text)
                .with_context(|| format!("cannot parse the Dockerfile {}", path.display()))?,
        ),
        _ => None,
    };
    let dockerignore = cli.dockerfile.as_ref().map(|p| {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        dir.join(".dockerignore").is_file() || fix_mode::own_dockerignore(p).is_file()
    });
    let image = cli.image.as_deref().unwrap_or_default();
    let spec = source::reference::parse(image, cli.load.source)?;
    let opts = load_options(&cli.load);
    let analyze_opts = analysis::AnalyzeOptions {
        dockerfile,
        base_layers: cli.base_layers,
        dockerignore,
        rules: config.rules.clone(),
    };
    let stdout = std::io::stdout();
    // The explorer is the default on a terminal; pipes, `--json`, `--ci` and `--text` get text.
    // It appears at once and the image is read on a worker thread behind a progress screen.
    if ci_plan.is_none() && cli.json.is_none() && cli.html.is_none() && !cli.text && stdout.is_terminal() {
        // The explorer takes the screen: how the input was read is said once it is left.
        let loaded_notes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = std::sync::Arc::clone(&loaded_notes);
        let reopen = ui::viewer::Reopen {
            spec: spec.clone(),
            selection: opts.selection.clone(),
            storage: cli.load.storage.clone(),
        };
        ui::run_loading(image, dockerfile_text.as_deref(), reopen, move |progress| {
            let mut opts = opts;
            opts.progress = Some(progress);
            // Layers are merged as they are decoded; the rules follow the last one.
            let analysis = analysis::load_and_analyze(&spec, &opts, &analyze_opts)?;
            if let Ok(mut notes) = keep.lock() {
                notes.clone_from(&analysis.image.notes);
            }
            Ok(analysis)
        })?;
        if let Ok(notes) = loaded_notes.lock() {
            print_lines(&notes);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // `DEADWEIGHT_TIMINGS=1`: where the time and memory go, for benchmarks (stderr).
    let timings = std::env::var_os("DEADWEIGHT_TIMINGS").is_some();
    let start = std::time::Instant::now();
    let analysis = analysis::load_and_analyze(&spec, &opts, &analyze_opts)?;
    print_notes(&analysis.image);
    if timings {
        let mb = peak_rss_mb().map_or("?".to_string(), |m| format!("{m:.1}"));
        eprintln!(
            "timings: load and analysis {:.3} s, peak {mb} MB",
            start.elapsed().as_secs_f64()
        );
    }
    if let Some(plan) = ci_plan {
        return ci_mode::finish(plan, cli, &analysis);
    }
    match &cli.json {
        Some(path) if path.as_os_str() == "-" => {
            stdout.lock().write_all(report::json::to_json(&analysis).as_bytes())?;
        }
        Some(path) => {
            report::write_atomic(path, report::json::to_json(&analysis).as_bytes())
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
        }
        None => {}
    }
    ci_mode::write_html(cli, &analysis, None)?;
    if cli.json.as_ref().is_none_or(|p| p.as_os_str() != "-") {
        let width = if stdout.is_terminal() { terminal_width() } else { 120 };
        stdout
            .lock()
            .write_all(report::text::summary(&analysis, width).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// How the input was read, when the user should know (one line each on stderr): a warning
/// stays a warning, anything else is a note.
pub(crate) fn print_notes(image: &source::Loaded) {
    print_lines(&image.notes);
}

fn print_lines(notes: &[String]) {
    for n in notes {
        match n.strip_prefix("warning: ") {
            Some(w) => eprintln!("deadweight: warning: {w}"),
            None => eprintln!("deadweight: note: {n}"),
        }
    }
}

/// The library's load options from the flags.
pub(crate) fn load_options(l: &cli::LoadArgs) -> LoadOptions {
    LoadOptions {
        selection: Selection {
            tag: l.tag.clone(),
            platform: l.platform.clone(),
        },
        limits: ScanLimits {
            max_layer_bytes: l.max_layer_size,
        },
        pull: l.pull,
        insecure: l.insecure,
        progress: None,
        sink: None,
        cache: (!l.no_cache)
            .then(|| cache_mode::open(&l.cache))
            .flatten()
            .map(std::sync::Arc::new),
        trust_digests: l.trust_digests,
        storage: match (&l.storage, l.no_storage) {
            (Some(dir), _) => source::storage::StorageChoice::Dir(dir.clone()),
            (None, true) => source::storage::StorageChoice::Off,
            (None, false) => source::storage::StorageChoice::Auto,
        },
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
}
