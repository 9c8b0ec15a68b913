//! `deadweight cache info|clear`, and which scan cache the flags name (`--cache DIR`,
//! `DEADWEIGHT_CACHE`, else the user's cache directory). Owns no cache logic: the library's
//! `source::cache` does.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli;
use deadweight::source::cache::Cache;

/// The cache the flags name; `None` when there is no cache directory to be had (no `--cache`,
/// no `DEADWEIGHT_CACHE`, no `XDG_CACHE_HOME` and no `HOME`).
pub(crate) fn open(args: &cli::CacheArgs) -> Option<Cache> {
    let dir = args.dir.clone().or_else(Cache::default_dir)?;
    Some(Cache::new(dir, args.cache_size))
}

/// `deadweight cache info` or `deadweight cache clear`.
pub fn run(action: cli::CacheAction, args: &cli::CacheArgs) -> anyhow::Result<ExitCode> {
    let cache = open(args).context("no cache directory: set --cache DIR, DEADWEIGHT_CACHE or HOME")?;
    let size = |b: u64| humansize::format_size(b, humansize::BINARY);
    let text = match action {
        cli::CacheAction::Info => {
            let info = cache.info();
            format!(
                "cache: {}\nlayers: {}\nsize: {} of {}\n",
                info.dir.display(),
                info.entries,
                size(info.bytes),
                size(info.max_bytes)
            )
        }
        cli::CacheAction::Clear => {
            let was = cache.clear()?;
            format!(
                "cache: {}\nremoved: {} layers, {}\n",
                was.dir.display(),
                was.entries,
                size(was.bytes)
            )
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
