//! OCI image layouts: walks `index.json` and nested indexes to the image manifests they name
//! (skipping build attestations), filters them by platform, and lets [`super::pick`] choose
//! one; [`super::manifest`] plans it.

use std::collections::{HashMap, HashSet};

use oci_spec::image::{Descriptor, ImageIndex};

use super::manifest::{blob_name, image_plan, read_checked};
use super::pick::{self, Candidate};
use super::{Layout, Plan, Selection, json, read};
use crate::error::{Error, Result};
use crate::source::platform::{host_platform, platform_matches};
use crate::source::store::Store;

/// Nesting depth of indexes, and image entries in all of them together: bounds on hostile input.
const MAX_DEPTH: usize = 8;
const MAX_CANDIDATES: usize = 10_000;
const REF_NAMES: [&str; 2] = ["org.opencontainers.image.ref.name", "io.containerd.image.name"];

fn platform_of(d: &Descriptor) -> Option<String> {
    d.platform().as_ref().map(|p| {
        let mut s = format!("{}/{}", p.os(), p.architecture());
        if let Some(v) = p.variant().as_ref().filter(|v| !v.is_empty()) {
            s.push('/');
            s.push_str(v);
        }
        s
    })
}

fn ref_names(d: &Descriptor) -> Vec<String> {
    let annotations = d.annotations().clone().unwrap_or_default();
    REF_NAMES.iter().filter_map(|k| annotations.get(*k).cloned()).collect()
}

/// Walks indexes to image manifests. A cycle is an index that appears again on the path from
/// the root to itself; the same index under several tags is no cycle, and is expanded once.
struct Walk<'a> {
    store: &'a dyn Store,
    path: Vec<String>,
    expanded: HashMap<String, Vec<Candidate<Descriptor>>>,
    count: usize,
}

impl Walk<'_> {
    fn index(&mut self, index: &ImageIndex, out: &mut Vec<Candidate<Descriptor>>) -> Result<()> {
        for d in index.manifests() {
            let mt = d.media_type().to_string();
            let annotations = d.annotations().clone().unwrap_or_default();
            if mt.contains("image.index") || mt.contains("manifest.list") {
                let mut nested = self.nested(d)?;
                // A nested index's own name picks every image below it.
                let names = ref_names(d);
                for c in &mut nested {
                    for n in &names {
                        if !c.tags.contains(n) {
                            c.tags.push(n.clone());
                        }
                    }
                }
                out.extend(nested);
            } else if annotations
                .get("vnd.docker.reference.type")
                .is_some_and(|t| t == "attestation-manifest")
                || platform_of(d).is_some_and(|p| p.starts_with("unknown/"))
            {
                continue; // build attestations, not images
            } else {
                self.count += 1;
                out.push(Candidate {
                    tags: ref_names(d),
                    digest: d.digest().to_string(),
                    platform: platform_of(d),
                    item: d.clone(),
                });
            }
            if self.count > MAX_CANDIDATES {
                return Err(Error::Limit {
                    input: self.store.input().to_string(),
                    what: "the image entries of the nested indexes".into(),
                    limit: format!("{MAX_CANDIDATES} entries"),
                });
            }
        }
        Ok(())
    }

    fn nested(&mut self, d: &Descriptor) -> Result<Vec<Candidate<Descriptor>>> {
        let digest = d.digest().to_string();
        if self.path.contains(&digest) {
            return Err(self.bad(format!(
                "index {digest} contains itself (by way of {})",
                self.path.join(" → ")
            )));
        }
        if self.path.len() >= MAX_DEPTH {
            return Err(self.bad(format!("index {digest} nests too deep (more than {MAX_DEPTH} levels)")));
        }
        if let Some(done) = self.expanded.get(&digest) {
            self.count += done.len();
            return Ok(done.clone());
        }
        let name = blob_name(self.store, d, "nested index")?;
        let bytes = read_checked(self.store, &name, d, "nested index")?;
        let index: ImageIndex = json(self.store, Layout::Oci, &format!("index {digest}"), &bytes)?;
        self.path.push(digest.clone());
        let mut found = Vec::new();
        let walked = self.index(&index, &mut found);
        self.path.pop();
        walked?;
        self.expanded.insert(digest, found.clone());
        Ok(found)
    }

    fn bad(&self, reason: String) -> Error {
        Error::Format {
            input: self.store.input().to_string(),
            reason: format!("{reason} ({})", Layout::Oci.read_as()),
        }
    }
}

/// Keeps the candidates for the requested platform (the host's when several are offered).
fn by_platform(store: &dyn Store, sel: &Selection, cands: &mut Vec<Candidate<Descriptor>>) -> Result<()> {
    let platforms: Vec<String> = cands.iter().filter_map(|c| c.platform.clone()).collect();
    let distinct: HashSet<&String> = platforms.iter().collect();
    if sel.platform.is_none() && distinct.len() <= 1 {
        return Ok(());
    }
    let want = sel.platform.clone().unwrap_or_else(host_platform);
    let none_named = distinct.is_empty();
    cands.retain(|c| match c.platform.as_deref() {
        Some(p) => platform_matches(p, &want),
        None => none_named,
    });
    if cands.is_empty() {
        let mut available = platforms;
        available.sort();
        available.dedup();
        return Err(Error::Choice {
            input: store.input().to_string(),
            reason: format!("no image for platform {want}"),
            available,
        });
    }
    Ok(())
}

/// Plans the image of an OCI layout.
pub(super) fn plan(store: &dyn Store, sel: &Selection) -> Result<Plan> {
    let bytes = read(store, "index.json", "index.json")?;
    let index: ImageIndex = json(store, Layout::Oci, "index.json", &bytes)?;
    let mut walk = Walk {
        store,
        path: Vec::new(),
        expanded: HashMap::new(),
        count: 0,
    };
    let mut cands = Vec::new();
    walk.index(&index, &mut cands)?;
    if let Some(w) = &sel.tag {
        let all: Vec<String> = pick::merge_same(cands.clone())
            .iter()
            .map(Candidate::describe)
            .collect();
        cands = pick::filter(cands, w);
        if cands.is_empty() {
            return Err(Error::Choice {
                input: store.input().to_string(),
                reason: format!("no image tagged {w:?}"),
                available: all,
            });
        }
    }
    by_platform(store, sel, &mut cands)?;
    let chosen = pick::pick(store.input(), cands, sel.tag.as_deref())?;
    let name = blob_name(store, &chosen.item, "manifest")?;
    let manifest = read_checked(store, &name, &chosen.item, "manifest")?;
    let digest = chosen.item.digest().to_string();
    let name_of = |d: &Descriptor, what: &str| blob_name(store, d, what);
    let mut plan = image_plan(
        store,
        Layout::Oci,
        &manifest,
        &digest,
        sel,
        chosen.platform.is_some(),
        &name_of,
    )?;
    plan.tags = chosen.tags;
    Ok(plan)
}
