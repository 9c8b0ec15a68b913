//! The one integration test binary: every `tests/*.rs` module is declared here so that cargo
//! builds and links a single test executable.

mod support;

mod advice;
mod advice_dockerfile;
mod advice_runtime;
mod architecture;
mod attribution;
mod bare_names;
mod browser;
mod build;
mod buildkit;
mod cache;
mod cache_identity;
mod cache_sources;
mod catalogue;
mod ci;
mod ci_dive;
mod ci_outputs;
mod corpus;
mod credentials;
#[cfg(feature = "daemon")]
mod daemon;
mod dependencies;
mod diff;
mod docker_builder;
mod dockerignore;
mod evidence;
mod fix;
mod fix_rewrite;
mod formats;
mod hostile;
mod hostile_damage;
mod html;
mod invocation;
mod layouts;
mod malformed;
mod malformed_layers;
mod merge_model;
mod picking;
mod properties;
mod rebuild_stage;
mod rebuilds;
mod registry;
mod rules;
mod rules_config;
mod schema;
mod selection;
mod semantics;
#[cfg(feature = "daemon")]
mod storage;
#[cfg(feature = "daemon")]
mod storage_containerd;
mod storage_containers;
mod tui;
mod unpacked;
