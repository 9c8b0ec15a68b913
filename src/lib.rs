//! deadweight: where the bytes of a container image go, and which of them are dead weight.
//!
//! The pipeline, in the order data flows:
//!
//! 1. [`source::reference::parse`] turns the image argument into an [`source::ImageSpec`].
//! 2. [`source::load`] opens the container (`docker save` archive, OCI archive or layout, gzip
//!    or zstd compressed, stdin, a Docker/Podman daemon's export, or a registry), reads
//!    manifest, index and config, and decodes every layer
//!    once ([`model::LayerScan`]), checking each blob's digest.
//! 3. [`analysis::analyze`] merges the layers into one arena [`model::Tree`] (whiteouts, opaque
//!    directories, overwrites) and totals the bytes.
//! 4. [`report`] renders the immutable [`analysis::Analysis`] as JSON or text.
//!
//! The library has no terminal UI (the binary adds it) and no async runtime, except the private
//! one `source::daemon` runs bollard on (feature `daemon`, on by default).

pub mod analysis;
pub mod catalogue;
pub mod config;
pub mod error;
pub mod fix;
pub mod model;
pub mod report;
pub mod source;

pub use error::{Error, Result};
