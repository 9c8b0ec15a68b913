mod support;

mod attribution;
mod corpus;
mod formats;
mod invocation;
mod malformed;
mod malformed_layers;
mod merge_model;
mod rules;
mod schema;
mod selection;
mod semantics;
