//! The one integration test binary: every `tests/*.rs` module is declared here so that cargo
//! builds and links a single test executable.

mod support;

mod advice;
mod architecture;
mod attribution;
mod cache;
mod cache_sources;
mod ci;
mod ci_outputs;
mod corpus;
#[cfg(feature = "daemon")]
mod daemon;
mod diff;
mod formats;
mod hostile;
mod invocation;
mod malformed;
mod malformed_layers;
mod merge_model;
mod properties;
mod registry;
mod rules;
mod schema;
mod selection;
mod semantics;
mod tui;
mod unpacked;
