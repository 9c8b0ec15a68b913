//! The `deadweight` binary: parses arguments, runs the library, prints the result, and maps
//! failures to exit codes (0 success, 1 a CI budget failed, 2 error). A closed stdout (`| head`)
//! is not an error. CI mode's files, environment and streams are `ci_mode`'s.

mod ci_mode;
mod cli;
mod ui;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

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
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("deadweight: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn rules_command(cmd: &cli::Command) -> anyhow::Result<ExitCode> {
    use deadweight::analysis::rules::catalogue;
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
fn read_config(path: Option<&std::path::Path>) -> anyhow::Result<deadweight::config::Config> {
    let (path, must) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (std::path::PathBuf::from(".deadweight.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => deadweight::config::Config::parse(&text)
            .map_err(|e| anyhow::anyhow!("invalid configuration {}: {e}", path.display())),
        Err(e) if !must && e.kind() == std::io::ErrorKind::NotFound => Ok(Default::default()),
        Err(e) => Err(anyhow::anyhow!("cannot read the configuration {}: {e}", path.display())),
    }
}

fn run(cli: &cli::Cli) -> anyhow::Result<ExitCode> {
    if let Some(cmd) = &cli.command {
        return rules_command(cmd);
    }
    let config = read_config(cli.config.as_deref())?;
    // CI budgets, `.dive-ci` and the baseline are checked before the image is decoded.
    let ci_plan = ci_mode::prepare(cli, &config)?;
    // Read the Dockerfile first: a typo there should not cost a full decode of the image.
    let dockerfile = match &cli.dockerfile {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the Dockerfile {}", path.display()))?;
            Some(
                analysis::dockerfile::parse(&text)
                    .with_context(|| format!("cannot parse the Dockerfile {}", path.display()))?,
            )
        }
        None => None,
    };
    let dockerignore = cli.dockerfile.as_ref().map(|p| {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        dir.join(".dockerignore").is_file()
    });
    let image = cli.image.as_deref().unwrap_or_default();
    if cli.decode_floor {
        let start = std::time::Instant::now();
        let bytes = source::floor::decode_floor(std::path::Path::new(image), &Selection::default())?;
        println!("{bytes} bytes decompressed in {:.3} s", start.elapsed().as_secs_f64());
        return Ok(ExitCode::SUCCESS);
    }
    let spec = source::reference::parse(image, cli.source)?;
    let opts = LoadOptions {
        selection: Selection {
            tag: cli.tag.clone(),
            platform: cli.platform.clone(),
        },
        limits: ScanLimits {
            max_layer_bytes: cli.max_layer_size,
        },
        pull: cli.pull,
        insecure: cli.insecure,
        progress: None,
    };
    let analyze_opts = analysis::AnalyzeOptions {
        dockerfile,
        base_layers: cli.base_layers,
        dockerignore,
        rules: config.rules.clone(),
    };
    let stdout = std::io::stdout();
    // The explorer is the default on a terminal; pipes, `--json`, `--ci` and `--text` get text.
    // It appears at once and the image is read on a worker thread behind a progress screen.
    if ci_plan.is_none() && cli.json.is_none() && !cli.text && stdout.is_terminal() {
        ui::run_loading(image, move |progress| {
            progress(ui::Progress::Stage("reading and decoding the layers".into()));
            let (tx, rx) = std::sync::mpsc::channel::<source::LoadEvent>();
            let mut opts = opts;
            let tx = std::sync::Mutex::new(tx);
            opts.progress = Some(source::ProgressHook(std::sync::Arc::new(move |e| {
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(e);
                }
            })));
            // The hook may fire from rayon threads; forward its events from here.
            let loaded = std::thread::scope(|scope| {
                let forward = scope.spawn(|| {
                    for e in rx {
                        progress(match e {
                            source::LoadEvent::Layers { count, bytes } => ui::Progress::Layers { count, bytes },
                            source::LoadEvent::LayerDone { bytes } => {
                                progress(ui::Progress::Bytes(bytes));
                                ui::Progress::LayerDone
                            }
                        });
                    }
                });
                let loaded = source::load(&spec, &opts);
                drop(opts);
                let _ = forward.join();
                loaded
            })?;
            progress(ui::Progress::Stage("merging layers and running the rules".into()));
            Ok(analysis::analyze_with(loaded, &analyze_opts))
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let loaded = source::load(&spec, &opts)?;
    let analysis = analysis::analyze_with(loaded, &analyze_opts);
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
    if cli.json.as_ref().is_none_or(|p| p.as_os_str() != "-") {
        let width = if stdout.is_terminal() { terminal_width() } else { 120 };
        stdout
            .lock()
            .write_all(report::text::summary(&analysis, width).as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
}
