//! Tests of the UI as a whole: journeys of keys through `update`, checked on state and screen,
//! whole-screen snapshots, and the dump behind the README's screenshot.

mod defects;
mod journeys;
mod screens;
mod screenshot;
