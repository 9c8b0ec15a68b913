//! Command-line arguments (clap derive). Parsing only; `main` decides what to run.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use deadweight::source::SourceKind;

/// Shows where the bytes of a container image go and which of them are dead weight.
#[derive(Debug, Parser)]
#[command(name = "deadweight", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand instead of analysing an image.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The image: a `docker save` archive, an OCI archive or layout directory (optionally
    /// gzip/zstd compressed; `FILE:TAG` picks a tag), `-` for stdin, or `docker-archive://PATH`,
    /// `oci-archive://FILE`, `oci://DIR`; `docker://NAME`, `podman://NAME` or a bare name for a
    /// daemon's image; `registry://HOST[:PORT]/REPO[:TAG|@DIGEST]` for a registry's.
    #[arg(required = true)]
    pub image: Option<String>,

    /// Configuration file (default: `.deadweight.toml` in the current directory, when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the image comes from, as in dive (`--source docker-archive`).
    #[arg(long, value_enum)]
    pub source: Option<SourceKind>,

    /// Pick the image with this tag when the archive holds several.
    #[arg(long)]
    pub tag: Option<String>,

    /// Platform to pick from a multi-platform index, `os/arch[/variant]` (default: the host's).
    #[arg(long)]
    pub platform: Option<String>,

    /// Write the JSON report to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// The Dockerfile the image was built from: layers are matched to its lines.
    #[arg(long, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,

    /// The first N layers belong to the base image (default: what the image says, else 1).
    #[arg(long, value_name = "N")]
    pub base_layers: Option<usize>,

    /// Stop decoding a layer that expands beyond this many bytes (a decompression bomb guard).
    #[arg(long, value_name = "BYTES", default_value_t = 1u64 << 40)]
    pub max_layer_size: u64,

    /// Pull the image through the Docker or Podman daemon before reading it.
    #[arg(long)]
    pub pull: bool,

    /// Talk plain http to the registry (always so for localhost and 127.0.0.1).
    #[arg(long)]
    pub insecure: bool,
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
}
