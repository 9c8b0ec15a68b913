//! Tests of the UI as a whole: journeys of keys through `update`, checked on state and screen,
//! whole-screen snapshots, and the dump behind the README's screenshot.

mod context;
mod defects;
mod dockerfile;
mod evidence;
mod explorable;
mod filters;
mod fit;
mod journeys;
mod paths;
mod screens;
mod screenshot;
mod viewer;
