//! The variables in force at a line of a stage (global `ARG` defaults the stage declares again,
//! its own `ARG NAME=default` and `ENV`), so that the plan can resolve `COPY . $APP_HOME` or
//! `WORKDIR ${HOME}/app` to the paths the image holds. Used only to locate paths: nothing it
//! expands is written back into the Dockerfile. An `ARG` without a default is a build-time input
//! and stays literal, so a path that needs it is never resolved.

use super::shell;
use crate::analysis::dockerfile::{Dockerfile, Stage, substitute};
use crate::analysis::history::InstructionKind as K;

/// `NAME=value` pairs of one instruction's words (`ENV A=1 B=2`, `ARG A=1`; the legacy
/// `ENV NAME value` form too), each value expanded with the variables before it.
fn pairs(args: &str, legacy: bool, vars: &mut Vec<(String, String)>, globals: &[(String, String)]) {
    let Some(words) = shell::split(args) else { return };
    if let [name, value] = &words[..]
        && legacy
        && !name.contains('=')
    {
        let v = substitute(value, vars);
        vars.push((name.clone(), v));
        return;
    }
    for w in &words {
        match w.split_once('=') {
            Some((name, value)) => {
                let v = substitute(value, vars);
                vars.push((name.to_string(), v));
            }
            // `ARG NAME` in a stage takes the global default, if there is one.
            None => {
                if let Some((_, v)) = globals.iter().rev().find(|(n, _)| n == w) {
                    vars.push((w.clone(), v.clone()));
                }
            }
        }
    }
}

/// The variables of `stage` in force at `line` (instructions before it), later ones last.
pub(super) fn at(df: &Dockerfile, stage: &Stage, line: usize) -> Vec<(String, String)> {
    let mut globals = Vec::new();
    for a in &df.global_args {
        pairs(&a.args, false, &mut globals, &[]);
    }
    let mut vars = Vec::new();
    for i in stage.instructions.iter().filter(|i| i.line < line) {
        match i.kind {
            K::Arg => pairs(&i.args, false, &mut vars, &globals),
            K::Env => pairs(&i.args, true, &mut vars, &globals),
            _ => {}
        }
    }
    vars
}
