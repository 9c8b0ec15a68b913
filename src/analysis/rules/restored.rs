//! The findings about files a later layer stores again with the same bytes: DW503 when their
//! owner or mode changed (a `chown -R`/`chmod -R` after a COPY, which a COPY flag replaces),
//! DW508 when nothing did (an overlayfs copy-up, a file two COPYs both copy). Wording only:
//! `layers` decides which version is which.

use std::collections::BTreeMap;

use super::fixes::cited;
use super::groups::{Changed, Group, joined, per_layer};
use super::{Ctx, Draft, Severity};
use crate::model::{EntryKind, VersionId};

/// The COPY flag a RUN's `chown`/`chmod` would become (`chown -R 1000:1000` ->
/// `--chown=1000:1000`); `None` when the instruction changes no owner or mode. A symbolic
/// `chmod +x` becomes the octal mode the files got (`modes`, when they all got the same one):
/// the Dockerfile frontends most builds use take octal `--chmod` only.
fn owner_change(run: &str, modes: Option<u32>) -> Option<String> {
    let words: Vec<&str> = run.split_whitespace().collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let w = w.rsplit('/').next().unwrap_or(w);
        (w == "chown" || w == "chmod").then(|| {
            let arg = words[i + 1..]
                .iter()
                .find(|a| !a.starts_with('-'))
                .copied()
                .unwrap_or("");
            let octal = !arg.is_empty() && arg.bytes().all(|b| (b'0'..=b'7').contains(&b));
            match (w, modes) {
                ("chmod", _) if octal => format!("--chmod={arg}"),
                ("chmod", Some(m)) => format!("--chmod={m:o}"),
                ("chmod", None) => "--chmod=<octal mode>".to_string(),
                _ => format!("--{w}={arg}"),
            }
        })
    })
}

/// The one mode every version of `versions` has, if they agree.
fn common_mode(ctx: &Ctx<'_>, versions: &[VersionId]) -> Option<u32> {
    let mut modes = versions.iter().map(|&v| ctx.tree.version(v).mode & 0o7777);
    let first = modes.next()?;
    modes.all(|m| m == first).then_some(first)
}

/// DW503: one finding per re-storing layer, naming every layer whose files it stored again (a
/// `chown -R /app` after two COPYs into /app re-stores both) and what changed.
pub fn new_owner_or_mode(
    ctx: &Ctx<'_>,
    copies: BTreeMap<(usize, usize), Group>,
    changed: &BTreeMap<usize, Changed>,
    out: &mut Vec<Draft>,
) {
    for (copy, froms) in per_layer(copies) {
        let c = ctx.where_(copy);
        let what = changed.get(&copy).copied().unwrap_or_default();
        let modes = common_mode(
            ctx,
            &froms
                .iter()
                .flat_map(|(_, (v, _))| v.iter().copied())
                .collect::<Vec<_>>(),
        );
        // Only a chown/chmod is the user's to move; other re-stores (a package manager
        // rewriting its state files) are reported for the bytes, as information.
        let change = owner_change(&ctx.instruction(copy), modes);
        let is_copy = |f: usize| {
            let i = ctx.instruction(f);
            i.starts_with("COPY ") || i.starts_with("ADD ")
        };
        let (copied, made): (Vec<usize>, Vec<usize>) = froms.iter().map(|(f, _)| *f).partition(|&f| is_copy(f));
        // A COPY flag applies to everything the COPY brings: right when the RUN re-stored all
        // of it (`chown -R` over the destination, `chmod +x` of the one file copied), wrong for
        // some files among others; and the RUN goes only if that is all it does.
        let files = |v: &[VersionId]| {
            v.iter()
                .filter(|&&id| ctx.tree.version(id).kind != EntryKind::Dir)
                .count()
        };
        let brought = |f: usize| {
            ctx.tree
                .versions()
                .iter()
                .filter(|v| usize::from(v.layer) == f && v.is_entry() && v.kind != EntryKind::Dir)
                .count()
        };
        let recursive = froms
            .iter()
            .filter(|(f, _)| copied.contains(f))
            .all(|(f, (v, _))| files(v) >= brought(*f));
        let run = ctx.instruction(copy);
        let alone = !run.contains("&&") && !run.contains(';') && !run.contains('|');
        let tool = if change.as_deref().is_some_and(|f| f.starts_with("--chmod")) {
            "chmod"
        } else {
            "chown"
        };
        let fix = match &change {
            Some(flag) => {
                let mut parts = Vec::new();
                if !copied.is_empty() && !recursive {
                    parts.push(format!(
                        "give these files their owner or mode in the build context, or copy them with a COPY of their own with `{flag}`"
                    ));
                } else if !copied.is_empty() {
                    let at: Vec<String> = copied.iter().map(|&f| cited(ctx, f)).collect();
                    parts.push(format!("use `COPY {flag}` at {}", at.join(" and ")));
                    // `COPY --chown=NAME` looks the name up when it runs.
                    let by_name = flag
                        .strip_prefix("--chown=")
                        .is_some_and(|v| v.split(':').any(|id| !id.bytes().all(|b| b.is_ascii_digit())));
                    let tools = ["useradd", "adduser", "groupadd", "addgroup"];
                    let creates = copied.iter().find_map(|&f| {
                        (f + 1..copy).find(|&l| ctx.commands(l).any(|c| tools.iter().any(|t| c.contains(t))))
                    });
                    if let Some(l) = creates.filter(|_| by_name) {
                        parts.push(format!(
                            "move that COPY after {}, which creates the user (or use numeric ids): `COPY {flag}` needs the user to exist",
                            ctx.where_(l)
                        ));
                    }
                }
                if !made.is_empty() {
                    let at: Vec<String> = made.iter().map(|&f| cited(ctx, f)).collect();
                    parts.push(format!(
                        "set owner and mode where the files are made, in {}",
                        at.join(" and ")
                    ));
                }
                if alone {
                    format!("{}, and remove {}", parts.join("; "), cited(ctx, copy))
                } else {
                    format!("{}, and drop the `{tool}` from {}", parts.join("; "), cited(ctx, copy))
                }
            }
            None => format!(
                "{} stored them again with {}; informational",
                cited(ctx, copy),
                what.words()
            ),
        };
        let named: Vec<String> = froms.iter().map(|(f, _)| ctx.where_(*f)).collect();
        let (versions, paths) = joined(froms);
        out.push(Draft {
            rule: "DW503",
            layer: Some(copy),
            versions,
            paths,
            title: format!(
                "{c} stores files of {} again with {} only",
                named.join(" and "),
                what.words()
            ),
            fix,
            severity: (ctx.is_base(copy) || change.is_none()).then_some(Severity::Info),
        });
    }
}

/// DW508: files a later layer stored again with nothing changed, one finding per layer.
pub fn unchanged(ctx: &Ctx<'_>, copies: BTreeMap<(usize, usize), Group>, out: &mut Vec<Draft>) {
    for (copy, froms) in per_layer(copies) {
        let c = ctx.where_(copy);
        let named: Vec<String> = froms.iter().map(|(f, _)| ctx.where_(*f)).collect();
        let instr = ctx.instruction(copy);
        let fix = if instr.starts_with("COPY ") || instr.starts_with("ADD ") {
            format!(
                "copy them once: {} copies what {} already holds",
                cited(ctx, copy),
                named.join(" and ")
            )
        } else {
            format!(
                "informational: {} rewrote them without changing them (a command that opens files for writing, such as a package manager updating its databases, copies them up whole)",
                cited(ctx, copy)
            )
        };
        let (versions, paths) = joined(froms);
        out.push(Draft {
            rule: "DW508",
            layer: Some(copy),
            versions,
            paths,
            title: format!(
                "{c} stores files of {} again unchanged (same bytes, owner and mode)",
                named.join(" and ")
            ),
            fix,
            severity: None,
        });
    }
}
