//! Command-line arguments (clap derive). Parsing only; `main` decides what to run.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use deadweight::catalogue::Severity;
use deadweight::config::ci::{ByteSize, CiConfig, DiveRule, Growth, Ratio};
use deadweight::source::SourceKind;

mod commands;
use commands::FIX_EXAMPLES;
pub use commands::{BuildArgs, BuilderKind, DiffArgs, DiffFormat, FixArgs};

/// Examples under `deadweight --help`, one per mode.
const EXAMPLES: &str = "\
Examples:
  # Explore an image in the terminal UI (the default on a terminal; `q` quits, `?` lists keys)
  deadweight app.tar
  # The text summary instead (also what a pipe gets)
  deadweight app.tar --text --dockerfile Dockerfile
  # CI: check budgets, exit 1 when one fails (also on with CI=true or any budget flag)
  deadweight app.tar --ci --max-user-bytes 150MB --baseline main.json --max-growth 5%
  # Write the versioned JSON report (`-` for stdout)
  deadweight app.tar --json report.json
  # What grew between two images or reports: text, or a Markdown table for a pull request
  deadweight diff main.json app.tar --markdown -
  # The rules, and why one matters
  deadweight rules
  deadweight explain DW101
  # Shell completions and the man page
  deadweight completions bash > ~/.local/share/bash-completion/completions/deadweight
  deadweight man > deadweight.1";

/// Examples under `deadweight diff --help`.
const DIFF_EXAMPLES: &str = "\
Examples:
  # Two images, any source the tool reads
  deadweight diff app-1.0.tar docker://app:1.1
  # The report of the main branch against the image just built, as a PR comment
  deadweight diff main.json oci-archive://app.oci.tar --markdown comment.md
  # Two reports, as JSON
  deadweight diff main.json branch.json --json -";

/// Shows where the bytes of a container image go and which of them are dead weight.
#[derive(Debug, Parser)]
#[command(
    name = "deadweight",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = EXAMPLES
)]
pub struct Cli {
    /// A subcommand instead of analysing an image.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The image: a `docker save` archive, an OCI archive or layout directory (optionally
    /// gzip/zstd compressed; `FILE:TAG` picks a tag), `-` for stdin, or `docker-archive://PATH`,
    /// `oci-archive://FILE`, `oci://DIR`; `docker://NAME`, `podman://NAME` or a bare name for a
    /// daemon's image; `containerd://NAME` for one in containerd's store (`CONTAINERD_NAMESPACE`
    /// picks the namespace); `registry://HOST[:PORT]/REPO[:TAG|@DIGEST]` for a registry's.
    #[arg(required = true)]
    pub image: Option<String>,

    /// Configuration file (default: `.deadweight.toml` in the current directory, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// How images are read: source, tag, platform, limits.
    #[command(flatten)]
    pub load: LoadArgs,

    /// Write the JSON report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write the self-contained HTML report (treemap, layers, findings, packages; opens offline)
    /// to FILE, beside any other output; in CI mode it carries the verdict.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// The Dockerfile the image was built from: layers are matched to its lines.
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,

    /// The first N layers belong to the base image (default: what the image says, else 1).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub base_layers: Option<usize>,

    /// Print the text summary instead of opening the explorer on a terminal.
    #[arg(long)]
    pub text: bool,

    /// What to print on stdout: the text summary (CI mode: checks, findings, verdict), the JSON
    /// report, Markdown, SARIF 2.1.0, JUnit XML, or the self-contained HTML report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// CI mode: check the budgets, print each check and the findings that matter, and exit 1 when
    /// a budget fails (2 when the image or the configuration cannot be read). Also on with
    /// `CI=true` when stdout is not a terminal, and with any budget flag.
    #[arg(long, help_heading = "CI")]
    pub ci: bool,

    /// dive's `.dive-ci` rules file (default: `.dive-ci` in the current directory, when there is
    /// no `.deadweight.toml`).
    #[arg(long, value_name = "FILE", help_heading = "CI")]
    pub ci_config: Option<PathBuf>,

    /// Budgets; each wins over the same key in the `[ci]` table of `.deadweight.toml`.
    #[command(flatten)]
    pub budgets: CiBudgets,

    /// Print sizes in decimal units (kB, MB: powers of 1000, as dive and docker do) instead of
    /// binary ones (KiB, MiB). Sizes given to flags keep their own unit either way.
    #[arg(long, global = true)]
    pub si: bool,
}

/// How an image is read; shared by the analysis of one image and by `diff`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Where the image comes from, as in dive (`--source docker-archive`).
    #[arg(long, value_enum)]
    pub source: Option<SourceKind>,

    /// Pick the image with this tag when the archive holds several.
    #[arg(long)]
    pub tag: Option<String>,

    /// Platform to pick from a multi-platform index, `os/arch[/variant]` (default: the host's);
    /// for a single-platform image, the platform it must be.
    #[arg(long)]
    pub platform: Option<String>,

    /// Stop decoding a layer that expands beyond this size (a decompression bomb guard): bytes,
    /// or with a unit (`20GB`, `1.5TiB`).
    #[arg(long, value_name = "SIZE", default_value_t = 1u64 << 40, value_parser = size, allow_negative_numbers = true)]
    pub max_layer_size: u64,

    /// Pull the image through the Docker or Podman daemon before reading it.
    #[arg(long)]
    pub pull: bool,

    /// Talk plain http to the registry (always so for localhost and 127.0.0.1).
    #[arg(long)]
    pub insecure: bool,

    /// Read daemon images in place from this store (a Docker data root such as
    /// `/var/lib/docker`, or a containers/storage graph root such as
    /// `~/.local/share/containers/storage`) instead of the one the daemon names; no daemon is
    /// asked. For `containerd://NAME`, containerd's root (default `/var/lib/containerd`). Only
    /// for `docker://`, `podman://`, `containerd://` and bare names read from a daemon: with a
    /// file, a directory, stdin or a registry image it is an error.
    #[arg(long, value_name = "DIR", conflicts_with = "no_storage")]
    pub storage: Option<PathBuf>,

    /// Read daemon images through the daemon's export (`docker save`), never in place from the
    /// engine's store.
    #[arg(long)]
    pub no_storage: bool,

    /// Cache the scans of decoded layers here (default: `$XDG_CACHE_HOME/deadweight`, else
    /// `~/.cache/deadweight`).
    #[command(flatten)]
    pub cache: CacheArgs,

    /// Take a cached layer scan without hashing its blob when a manifest promises the blob's
    /// digest (the blob is still hashed when it is decoded). Without it, a cached blob is
    /// hashed unless its file (a layout's blob, or an archive read from a path) is exactly as
    /// it was when an earlier run hashed it: same device, inode, size, mtime and ctime.
    #[arg(long)]
    pub trust_digests: bool,

    /// Decode every layer; neither read nor write the scan cache. Also the way to have every
    /// blob hashed again, whatever earlier runs recorded.
    #[arg(long, env = "DEADWEIGHT_NO_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_cache: bool,
}

/// Where the scan cache is and how big it may grow; shared by the analysis and `cache`.
#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    /// The scan cache directory (default: `$XDG_CACHE_HOME/deadweight`, else
    /// `~/.cache/deadweight`).
    #[arg(long = "cache", value_name = "DIR", env = "DEADWEIGHT_CACHE")]
    pub dir: Option<PathBuf>,

    /// Largest size of the scan cache; the least recently used scans go first.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = size, env = "DEADWEIGHT_CACHE_SIZE")]
    pub cache_size: u64,
}

/// Output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text for people.
    Text,
    /// The JSON report (with the `ci` section in CI mode).
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// SARIF 2.1.0, results on Dockerfile lines.
    Sarif,
    /// JUnit XML, one test case per check.
    Junit,
    /// One self-contained HTML page: treemap, layers, findings, packages.
    Html,
}

/// CI budget flags. Sizes are `20MB` (decimal), `1.5GiB` (binary) or bytes; ratios `0.1` or
/// `10%`; dive's rules also take `off`. Negative numbers are taken as values (and refused by
/// the value's own parser with its range), not as unknown flags.
#[derive(Debug, Default, clap::Args)]
#[command(next_help_heading = "CI budgets")]
pub struct CiBudgets {
    /// Bytes shipped in all layers.
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_total_bytes: Option<ByteSize>,
    /// Bytes of the final filesystem.
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_final_bytes: Option<ByteSize>,
    /// Bytes above the base image.
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_user_bytes: Option<ByteSize>,
    /// Compressed bytes (what a pull downloads).
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_compressed_bytes: Option<ByteSize>,
    /// Bytes the findings would save.
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_reclaimable_bytes: Option<ByteSize>,
    /// Reclaimable bytes as a share of the bytes above the base image.
    #[arg(long, value_name = "RATIO", allow_negative_numbers = true)]
    pub max_reclaimable_share: Option<Ratio>,
    /// No single layer above this many bytes (a budget; `--max-layer-size` is the decode guard).
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_layer_bytes: Option<ByteSize>,
    /// Fail on any finding of these rules: ids or globs, comma-separated (`DW1*,DW205`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub fail_on: Vec<String>,
    /// Fail on any finding at or above this severity (info, warning, error).
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on_severity: Option<Severity>,
    /// Let findings in the base image's layers fail the build too (`--fail-on*` skips them).
    #[arg(long)]
    pub fail_on_base: bool,
    /// An earlier JSON report to measure growth against (needs a growth budget).
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// Growth of the shipped bytes over the baseline: a size or a percentage (`5%`).
    #[arg(long, value_name = "SIZE|N%", allow_negative_numbers = true)]
    pub max_growth: Option<Growth>,
    /// Growth of any one instruction's layers over the baseline (matched by instruction text).
    #[arg(long, value_name = "SIZE|N%", allow_negative_numbers = true)]
    pub max_instruction_growth: Option<Growth>,
    /// dive's lowestEfficiency (default 0.9).
    #[arg(long, value_name = "RATIO|off", allow_negative_numbers = true)]
    pub lowest_efficiency: Option<DiveRule<Ratio>>,
    /// dive's highestWastedBytes (default off).
    #[arg(long, value_name = "SIZE|off", allow_negative_numbers = true)]
    pub highest_wasted_bytes: Option<DiveRule<ByteSize>>,
    /// dive's highestUserWastedPercent, a ratio (default 0.1).
    #[arg(long, value_name = "RATIO|off", allow_negative_numbers = true)]
    pub highest_user_wasted_percent: Option<DiveRule<Ratio>>,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    match s.to_ascii_lowercase().as_str() {
        "info" => Ok(Severity::Info),
        "warning" => Ok(Severity::Warning),
        "error" => Ok(Severity::Error),
        _ => Err(format!("{s:?} is not a severity (info, warning, error)")),
    }
}

impl CiBudgets {
    /// True when any budget flag (or `--baseline`) was given: that alone turns CI mode on.
    pub fn any(&self) -> bool {
        self.baseline.is_some() || self.to_config() != CiConfig::default()
    }

    /// The flags as a configuration layer, to go over the file's.
    pub fn to_config(&self) -> CiConfig {
        CiConfig {
            max_total_bytes: self.max_total_bytes,
            max_final_bytes: self.max_final_bytes,
            max_user_bytes: self.max_user_bytes,
            max_compressed_bytes: self.max_compressed_bytes,
            max_reclaimable_bytes: self.max_reclaimable_bytes,
            max_reclaimable_share: self.max_reclaimable_share,
            max_layer_bytes: self.max_layer_bytes,
            fail_on: (!self.fail_on.is_empty()).then(|| self.fail_on.clone()),
            fail_on_severity: self.fail_on_severity,
            fail_on_base: self.fail_on_base.then_some(true),
            max_growth: self.max_growth,
            max_instruction_growth: self.max_instruction_growth,
            lowest_efficiency: self.lowest_efficiency,
            highest_wasted_bytes: self.highest_wasted_bytes,
            highest_user_wasted_percent: self.highest_user_wasted_percent,
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every rule with its id, default severity and title.
    Rules {
        /// Print the catalogue as JSON (what `assets/rules.json` holds).
        #[arg(long)]
        json: bool,
    },
    /// Explain one rule: why it matters and how to fix it.
    Explain {
        /// The rule id, e.g. DW101.
        id: String,
    },
    /// Compare two images or JSON reports: totals, instructions, packages and top-level
    /// directories that grew, shrank, appeared or disappeared.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Rewrite the Dockerfile and .dockerignore from the image's findings: a unified diff on
    /// stdout, each change with its findings and predicted saving on stderr.
    #[command(after_help = FIX_EXAMPLES)]
    Fix(FixArgs),
    /// Build an image (as `dive build` does) with Docker, Podman or buildah, then open the
    /// explorer on it with the Dockerfile known (`--ci`: check the budgets instead).
    Build(BuildArgs),
    /// Print a shell completion script on stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout: `deadweight man > deadweight.1`.
    Man,
    /// Show or empty the scan cache of decoded layers.
    Cache {
        /// `info`: where it is, how many scans, how big; `clear`: remove every scan.
        #[arg(value_enum)]
        action: CacheAction,
        /// Which cache.
        #[command(flatten)]
        cache: CacheArgs,
    },
}

/// What `deadweight cache` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CacheAction {
    /// Where the cache is, how many layer scans it holds and how big it is.
    Info,
    /// Remove every scan.
    Clear,
}

/// `--max-layer-size`: a size as the configuration reads it; clap's message already says
/// "invalid value for the flag", so only the reason follows.
fn size(text: &str) -> Result<u64, String> {
    deadweight::config::ci::parse_size(text).map_err(|e| e.reason())
}
