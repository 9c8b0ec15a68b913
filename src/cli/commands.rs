//! The arguments of the subcommands that act on a Dockerfile or on two images: `fix`,
//! `build` and `diff`. Parsing only: what each does is its `*_mode` module's.

use std::path::PathBuf;

use super::*;

pub(super) const FIX_EXAMPLES: &str = "Examples:
  deadweight fix app.tar --dockerfile Dockerfile            # the safe changes, as a diff
  deadweight fix app.tar --dockerfile Dockerfile --all      # also those to review
  deadweight fix app.tar --dockerfile Dockerfile --write    # apply the safe changes
  deadweight fix app.tar --dockerfile Dockerfile --only 'DW1*' --json fix.json";

/// Arguments of `deadweight fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// The image built from the Dockerfile, in any form `deadweight IMAGE` takes.
    pub image: String,

    /// The Dockerfile the image was built from; the file rewritten.
    #[arg(long, value_name = "FILE")]
    pub dockerfile: PathBuf,

    /// The build context, whose `.dockerignore` is read and rewritten (default: the
    /// Dockerfile's folder).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Apply the changes to the files (atomically) instead of only printing the diff.
    #[arg(long)]
    pub write: bool,

    /// Include the changes to review (they may change behaviour); without it only safe ones.
    #[arg(long)]
    pub all: bool,

    /// Only fix findings of these rules: ids or globs, comma-separated (`DW1*,DW503`).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Never fix findings of these rules: ids or globs, comma-separated.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Write the plan as JSON (`"kind": "deadweight-fix"`) to FILE (`-` for stdout, which
    /// then carries no diff).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Build the rewritten Dockerfile (tagged `<image>-deadweight-fix`), analyse both images
    /// and compare: predicted vs measured saving, totals, final filesystems; exit 1 on an
    /// unexpected change.
    #[arg(long)]
    pub verify: bool,

    /// The builder for `--verify` (default: a Docker engine that answers, else buildah, else
    /// Podman).
    #[arg(long, value_enum, requires = "verify")]
    pub builder: Option<BuilderKind>,

    /// With `--verify`: run this shell command in both images (no network); their exit
    /// statuses must agree.
    #[arg(long, value_name = "CMD", requires = "verify")]
    pub run: Option<String>,

    /// How the image is read.
    #[command(flatten)]
    pub load: LoadArgs,

    /// Configuration file for the rules (default: `.deadweight.toml` in the current
    /// directory, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Arguments after `--` go to the builder (`-- -v DIR:/etc/xdg/pip:ro`, `--secret ...`).
    #[arg(last = true, value_name = "BUILDER ARGS")]
    pub builder_args: Vec<String>,
}

/// The build tools deadweight drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BuilderKind {
    /// `docker build` / `docker run` (a running engine; `$DOCKER_HOST` is honoured).
    Docker,
    /// `podman build` / `podman run`.
    Podman,
    /// `buildah bud --isolation chroot`; commands run with `buildah run` in an empty network
    /// namespace.
    Buildah,
}

/// Arguments of `deadweight build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The builder (default: a Docker engine that answers, else buildah, else Podman).
    #[arg(long, value_enum)]
    pub builder: Option<BuilderKind>,

    /// Check the CI budgets (`.deadweight.toml`, `.dive-ci`) instead of opening the explorer;
    /// also on when `CI=true`.
    #[arg(long)]
    pub ci: bool,

    /// The builder's arguments, the build context last (`-t app:dev -f Dockerfile.prod .`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

/// Arguments of `deadweight diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The older side: any image argument `deadweight IMAGE` takes, or a JSON report written by
    /// `deadweight IMAGE --json FILE` (a JSON file with `schema_version`).
    pub old: String,

    /// The newer side, in the same forms.
    pub new: String,

    /// How images are read (each side may also pick its tag with `FILE:TAG`).
    #[command(flatten)]
    pub load: LoadArgs,

    /// Configuration file for the rules, and so the reclaimable bytes, of images (default:
    /// `.deadweight.toml` in the current directory, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Write the diff as JSON (`"kind": "deadweight-diff"`) to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write the diff as Markdown tables (for a pull-request comment) to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write the diff as a self-contained HTML page (a treemap coloured by growth) to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// What to print on stdout: the text summary, or the HTML page (`--format html`).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// Output formats of `deadweight diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Plain text for people.
    Text,
    /// The self-contained HTML page.
    Html,
}
