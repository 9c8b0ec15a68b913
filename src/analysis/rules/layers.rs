//! The layer-structure rules: bytes one layer writes and a later one deletes, content written
//! again by a later layer, identical files at different paths; the copies a later layer stores
//! again are sorted here and worded in `restored`. They read the
//! merged tree's version records: who wrote each version, who hid it and how.

use std::collections::{BTreeMap, HashMap};

use super::fixes::cited;
use super::groups::{Changed, Group, joined, per_layer, push};
use super::restored;
use super::{Ctx, Draft, Evidence, Severity};
use crate::config::RulesConfig;
use crate::model::{Change, EntryKind, HiddenHow, VersionId};

/// Every file version sorted by what happened to it: the classification all four rules read.
#[derive(Default)]
struct Classified {
    /// Written by one layer, deleted (whiteout or opaque directory) by another: `(writer, hider)`.
    deleted: BTreeMap<(usize, usize), Group>,
    /// Written by one layer, replaced with other content by another: `(writer, hider)`.
    overwritten: BTreeMap<(usize, usize), Group>,
    /// The same bytes stored again with another owner or mode: `(copying layer, source)`.
    copies: BTreeMap<(usize, usize), Group>,
    /// Per copying layer: whether the owner changed, and whether the mode did.
    changed: BTreeMap<usize, Changed>,
    /// The same bytes, mode and owner stored again: `(copying layer, source)`.
    unchanged: BTreeMap<(usize, usize), Group>,
    /// Surviving files above the duplicate threshold by `(hash, size)`.
    same: HashMap<(u64, u64), Vec<VersionId>>,
}

impl Classified {
    /// Records a version `copy` stored again from `from`'s, by what changed.
    fn restored(&mut self, copy: usize, from: usize, what: Changed, id: VersionId, path: String, bytes: u64) {
        if what.nothing() {
            push(&mut self.unchanged, (copy, from), id, path, bytes);
        } else {
            let seen = self.changed.entry(copy).or_default();
            seen.owner |= what.owner;
            seen.mode |= what.mode;
            push(&mut self.copies, (copy, from), id, path, bytes);
        }
    }
}

/// One pass over the tree's file versions, sorting each into the groups the rules need.
fn classify(ctx: &Ctx<'_>, cfg: &RulesConfig) -> Classified {
    let tree = ctx.tree;
    let mut c = Classified::default();
    for (id, v) in tree.versions().iter().enumerate() {
        let id = id as VersionId;
        if v.kind != EntryKind::File {
            continue;
        }
        if v.survives() {
            if v.size >= cfg.thresholds.duplicate_file_bytes {
                c.same.entry((v.hash, v.size)).or_default().push(id);
            }
            if matches!(v.change, Change::Metadata | Change::Unchanged) {
                // The copy is the waste: the layer that stored the same bytes again.
                let before = tree.history(v.node).find(|(oid, o)| *oid < id && o.is_entry());
                let from = before.map_or(v.layer as usize, |(_, o)| o.layer as usize);
                let what = before.map_or(Changed::default(), |(_, o)| Changed::between(o, v));
                c.restored(v.layer as usize, from, what, id, tree.path(v.node), v.size);
            }
            continue;
        }
        let (writer, hider) = (v.layer as usize, v.hidden_by as usize);
        match v.hidden_how {
            HiddenHow::Whiteout | HiddenHow::Opaque => {
                push(&mut c.deleted, (writer, hider), id, tree.path(v.node), v.size)
            }
            HiddenHow::Overwrite => {
                let newer = tree
                    .history(v.node)
                    .filter(|(nid, n)| *nid > id && n.is_entry() && n.layer as usize == hider)
                    .last();
                let same_content =
                    newer.is_some_and(|(_, n)| n.kind == EntryKind::File && n.hash == v.hash && n.size == v.size);
                if same_content {
                    if let Some((nid, n)) = newer
                        && !n.survives()
                    {
                        // Both copies were hidden later; the later copy is still a pure repeat.
                        c.restored(hider, writer, Changed::between(v, n), nid, tree.path(n.node), n.size);
                    }
                } else {
                    push(&mut c.overwritten, (writer, hider), id, tree.path(v.node), v.size);
                }
            }
            HiddenHow::Visible => {}
        }
    }
    c
}

/// DW501: one finding per writing layer, naming every layer that deleted some of its files.
fn deleted_later(ctx: &Ctx<'_>, deleted: BTreeMap<(usize, usize), Group>, out: &mut Vec<Draft>) {
    for (writer, hiders) in per_layer(deleted) {
        let w = ctx.where_(writer);
        let title = match &hiders[..] {
            [(h, _)] if *h == writer => format!("files stored and deleted by {w}"),
            _ => format!(
                "files written by {w} and deleted by {}",
                hiders
                    .iter()
                    .map(|(h, _)| ctx.where_(*h))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        };
        let merged: Vec<String> = hiders
            .iter()
            .filter(|(h, _)| *h != writer)
            .map(|(h, _)| cited(ctx, *h))
            .collect();
        let instr = ctx.instruction(writer);
        let copies = instr.starts_with("COPY ") || instr.starts_with("ADD ");
        let fix = if copies && !merged.is_empty() && !instr.contains("--from") {
            // A COPY cannot be merged into a RUN: the files should not be copied at all; a
            // download by ADD is made in the RUN that uses and deletes it instead.
            if let Some(url) = instr
                .split_whitespace()
                .find(|w| w.contains("://"))
                .filter(|_| instr.starts_with("ADD "))
            {
                format!(
                    "{} downloads what {} deletes: download it in that RUN instead (`curl -fsSLO {url} && ...` before its commands), so it never reaches a layer",
                    cited(ctx, writer),
                    merged.join(" and ")
                )
            } else {
                format!(
                    "{} copies files that {} deletes: leave them out of the copy instead (remove them from the build context, exclude them in .dockerignore, or copy only what stays), and drop the deletion",
                    cited(ctx, writer),
                    merged.join(" and ")
                )
            }
        } else if merged.is_empty() {
            format!(
                "{} stores files it also deletes: delete them in the command that makes them",
                cited(ctx, writer)
            )
        } else {
            format!(
                "delete them in the RUN that creates them: merge {} and {} into one RUN, or use a build stage",
                cited(ctx, writer),
                merged.join(" and ")
            )
        };
        let (versions, paths) = joined(hiders);
        out.push(Draft {
            rule: "DW501",
            layer: Some(writer),
            versions,
            paths,
            title,
            fix,
            severity: ctx.is_base(writer).then_some(Severity::Info),
        });
    }
}

/// DW502: files one layer wrote and a later one replaced, per pair of layers; the base image's
/// copies are the user's layer's to report, as information.
fn written_again(ctx: &Ctx<'_>, overwritten: BTreeMap<(usize, usize), Group>, out: &mut Vec<Draft>) {
    for ((writer, hider), (versions, paths)) in overwritten {
        let base = ctx.is_base(writer);
        out.push(Draft {
            rule: "DW502",
            layer: Some(if base { hider } else { writer }),
            versions,
            paths,
            title: format!("files of {} written again by {}", ctx.where_(writer), ctx.where_(hider)),
            fix: if base {
                format!(
                    "informational: {} replaced files of the base image, \
                     whose old copies stay in the base's layer: nothing to change unless a smaller base is an option",
                    cited(ctx, hider)
                )
            } else {
                format!(
                    "write them once, in their final form: {} then {}",
                    ctx.where_(writer),
                    ctx.where_(hider)
                )
            },
            severity: base.then_some(Severity::Info),
        });
    }
}

/// DW504: surviving files identical to another at a different path; the first path (in path
/// order) of each set is kept, the others are the waste.
fn identical(ctx: &Ctx<'_>, same: HashMap<(u64, u64), Vec<VersionId>>, out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    let mut dup_versions = Vec::new();
    let mut dup_paths = Vec::new();
    for (_, mut ids) in same.into_iter().filter(|(_, ids)| ids.len() > 1) {
        ids.sort_by_key(|&id| tree.path(tree.version(id).node));
        for &id in &ids[1..] {
            let v = tree.version(id);
            dup_paths.push(Evidence::new(tree.path(v.node), v.size));
            dup_versions.push(id);
        }
    }
    if !dup_versions.is_empty() {
        out.push(Draft {
            rule: "DW504",
            layer: None,
            versions: dup_versions,
            paths: dup_paths,
            title: "identical files at different paths".into(),
            fix: "install the content once, or link the copies (ln or ln -s)".into(),
            severity: None,
        });
    }
}

/// The layer-structure findings, in the order they claim bytes: deleted, stored again (with a
/// new owner or mode, then unchanged), written again, identical.
pub fn drafts(ctx: &Ctx<'_>, cfg: &RulesConfig) -> Vec<Draft> {
    let c = classify(ctx, cfg);
    let mut out = Vec::new();
    deleted_later(ctx, c.deleted, &mut out);
    restored::new_owner_or_mode(ctx, c.copies, &c.changed, &mut out);
    restored::unchanged(ctx, c.unchanged, &mut out);
    written_again(ctx, c.overwritten, &mut out);
    identical(ctx, c.same, &mut out);
    out
}
