//! What the plan needs to know of the image besides the findings, read once from the
//! [`Analysis`]: each layer's Dockerfile line, which layers a layer only re-stored (a
//! `chown -R` copy), the development packages per layer, the Debian packages the extension
//! modules link to, the config's environment, how to create a user, and the Dockerfile lines
//! attribution could not match. Plain data, so tests can write it by hand.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::Analysis;
use crate::analysis::packages::links::Provider;
use crate::model::{Change, EntryKind};

/// How the image creates users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserTool {
    /// shadow's `useradd` (Debian's `passwd` package).
    Useradd,
    /// BusyBox's `adduser` (Alpine).
    Adduser,
}

/// Facts of the image for the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Per layer, its Dockerfile line.
    pub layer_lines: Vec<Option<usize>>,
    /// Per layer that stored files again with the same content (a chmod/chown copy), the
    /// layers that had stored them before.
    pub restored_from: BTreeMap<usize, BTreeSet<usize>>,
    /// Layers that also added or changed content (so not a pure re-store).
    pub writes_content: BTreeSet<usize>,
    /// Per layer, the development and test distributions it installed (by name).
    pub dev_packages: BTreeMap<usize, Vec<String>>,
    /// Per layer, the Debian packages it installed (by name).
    pub debian_by_layer: BTreeMap<usize, Vec<String>>,
    /// The Debian packages that shared objects in site-packages link to (ELF `NEEDED` sonames
    /// found in the dpkg file lists), each with one object that needs it. Libraries the wheels
    /// bundle and the C library need no package and are not here.
    pub linked_debian: BTreeMap<String, String>,
    /// Shared objects in site-packages whose needs are not all known (a soname no package or
    /// wheel provides, or links that could not be read), described: when there are any, the
    /// linked packages above may be incomplete.
    pub unlinked: Vec<String>,
    /// Names of the variables in the image config's environment.
    pub env: Vec<String>,
    /// How to create a user, when the image can.
    pub user_tool: Option<UserTool>,
    /// Requirements files of the image (absolute paths) that read other project files (`-r`,
    /// `-c`, `-e ./pkg`, local paths): copied alone before the install, they fail it.
    pub requirements_reading_files: BTreeSet<String>,
    /// Layers the Dockerfile could not be matched to, with the reason.
    pub unmatched: Vec<String>,
}

impl Facts {
    /// Reads the facts from an analysis.
    pub fn of(a: &Analysis) -> Self {
        let mut facts = Facts {
            layer_lines: a.attribution.layers.iter().map(|o| o.dockerfile_line).collect(),
            unmatched: a.attribution.unmatched.clone(),
            ..Default::default()
        };
        let versions = a.tree.versions();
        for v in versions.iter().filter(|v| v.is_entry()) {
            let layer = usize::from(v.layer);
            match v.change {
                // Overlay diffs store a changed path's parent directories again; only files
                // and links tell which layer's content was copied.
                Change::Metadata | Change::Unchanged if v.kind != EntryKind::Dir => {
                    let prev = versions.get(v.prev as usize).map(|p| usize::from(p.layer));
                    facts.restored_from.entry(layer).or_default().extend(prev);
                }
                Change::Added | Change::Modified if v.kind != EntryKind::Dir => {
                    facts.writes_content.insert(layer);
                }
                _ => {}
            }
        }
        for p in a.packages.python.iter().filter(|p| p.dev_tool) {
            facts.dev_packages.entry(p.layer).or_default().push(p.name.clone());
        }
        for so in &a.packages.shared_objects {
            if !so.complete {
                facts
                    .unlinked
                    .push(format!("{}: its links could not all be read", so.path));
            }
            for need in &so.needs {
                match &need.provider {
                    Provider::Debian(name) => {
                        facts
                            .linked_debian
                            .entry(name.clone())
                            .or_insert_with(|| so.path.clone());
                    }
                    Provider::Unknown => facts.unlinked.push(format!(
                        "{} needs {}, which no package or wheel provides",
                        so.path, need.soname
                    )),
                    Provider::Bundled | Provider::Libc => {}
                }
            }
        }
        for r in a.packages.requirements.iter().filter(|r| r.reads_files) {
            facts.requirements_reading_files.insert(r.path.clone());
        }
        for p in &a.packages.debian {
            facts.debian_by_layer.entry(p.layer).or_default().push(p.name.clone());
        }
        facts.env = a
            .config()
            .env
            .iter()
            .map(|e| e.split('=').next().unwrap_or("").to_string())
            .collect();
        let has = |name: &str| a.packages.debian.iter().any(|p| p.name == name);
        facts.user_tool = if has("passwd") {
            Some(UserTool::Useradd)
        } else if a.packages.alpine.iter().any(|p| p.name == "busybox") {
            Some(UserTool::Adduser)
        } else {
            None
        };
        facts
    }
}
