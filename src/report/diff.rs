//! `deadweight diff OLD NEW`: how two images differ in size. Each side is reduced to a
//! [`Snapshot`] (from an analysed image, or read back from a JSON report: [`snapshot`]), and
//! [`compare`] sets them side by side: totals, layers matched by instruction (the engine
//! `--baseline` uses too: [`baseline::match_layers`]), packages, and top-level directories of the
//! final filesystem. What grew, shrank, appeared or disappeared, largest change first; the
//! renderings (text, Markdown, the versioned JSON) are [`render`]'s. Pure: no I/O here.

pub mod render;
pub mod snapshot;

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline::{self, InstructionBytes, signed};
pub use crate::analysis::directories::DirBytes;
pub use snapshot::{Snapshot, read_report};

/// Version of the diff's JSON shape (`"kind": "deadweight-diff"`).
pub const DIFF_SCHEMA_VERSION: u32 = 1;

/// Where a side's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// An image, loaded and analysed.
    Image,
    /// A JSON report written by `deadweight IMAGE --json FILE`.
    Report,
}

/// The whole-image figures a diff compares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SizeTotals {
    /// Content bytes of all layers (what is shipped).
    pub bytes: u64,
    /// Content bytes of the final filesystem.
    pub final_bytes: u64,
    /// Shipped but deleted or overwritten by a later layer.
    pub hidden_bytes: u64,
    /// What the findings together would save.
    pub reclaimable_bytes: u64,
    /// Number of layers.
    pub layers: u64,
    /// Regular files in the final filesystem.
    pub files: u64,
}

impl SizeTotals {
    /// Each figure with its name, in the order they are shown; the flag tells byte counts.
    pub fn named(&self) -> [(&'static str, u64, bool); 6] {
        [
            ("bytes", self.bytes, true),
            ("final_bytes", self.final_bytes, true),
            ("hidden_bytes", self.hidden_bytes, true),
            ("reclaimable_bytes", self.reclaimable_bytes, true),
            ("layers", self.layers, false),
            ("files", self.files, false),
        ]
    }
}

/// One installed package of a side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageBytes {
    /// `python`, `debian` or `alpine`.
    pub ecosystem: &'static str,
    /// Name as the package spells it.
    pub name: String,
    /// Version (several, comma-separated, when the name is installed more than once).
    pub version: String,
    /// Content bytes of its files in the final filesystem.
    pub bytes: u64,
}

/// How one item differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in NEW.
    Appeared,
    /// Only in OLD.
    Disappeared,
    /// In both, larger now.
    Grew,
    /// In both, smaller now.
    Shrank,
    /// In both, same size, other version.
    Changed,
}

impl Status {
    /// The word shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Appeared => "appeared",
            Self::Disappeared => "disappeared",
            Self::Grew => "grew",
            Self::Shrank => "shrank",
            Self::Changed => "changed",
        }
    }
}

/// One item (instruction, package, directory) that differs between the sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What happened to it.
    pub status: Status,
    /// The instruction (normalised as for `--baseline`), package name, or directory.
    pub name: String,
    /// Bytes in OLD (0 when it appeared).
    pub old_bytes: u64,
    /// Bytes in NEW (0 when it disappeared).
    pub new_bytes: u64,
    /// `new_bytes - old_bytes`.
    pub change: i64,
    /// The layer in OLD (instructions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_layer: Option<usize>,
    /// The layer in NEW (instructions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_layer: Option<usize>,
    /// `python`, `debian` or `alpine` (packages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<&'static str>,
    /// The version in OLD (packages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    /// The version in NEW (packages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
}

impl Change {
    fn new(name: String, old: Option<u64>, new: Option<u64>) -> Self {
        let change = signed(new.unwrap_or(0)) - signed(old.unwrap_or(0));
        let status = match (old, new) {
            (None, _) => Status::Appeared,
            (_, None) => Status::Disappeared,
            _ if change > 0 => Status::Grew,
            _ if change < 0 => Status::Shrank,
            _ => Status::Changed,
        };
        Self {
            status,
            name,
            old_bytes: old.unwrap_or(0),
            new_bytes: new.unwrap_or(0),
            change,
            old_layer: None,
            new_layer: None,
            ecosystem: None,
            old_version: None,
            new_version: None,
        }
    }
}

/// One section of the diff: the items that differ, and how many did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    /// False when the section could not be compared (see `note`).
    pub compared: bool,
    /// Why it was not compared, or how items were matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Items present on both sides with the same size (and version).
    pub unchanged: usize,
    /// Items that differ, largest absolute change first.
    pub changes: Vec<Change>,
}

impl Section {
    fn of(mut changes: Vec<Change>, total: usize, note: Option<String>) -> Self {
        // Largest absolute change first; ties by status, then name, so the order is stable.
        changes.sort_by(|a, b| {
            b.change
                .unsigned_abs()
                .cmp(&a.change.unsigned_abs())
                .then(a.status.cmp(&b.status))
                .then_with(|| a.name.cmp(&b.name))
                .then(a.new_layer.cmp(&b.new_layer))
                .then(a.old_layer.cmp(&b.old_layer))
        });
        Self {
            compared: true,
            note,
            unchanged: total - changes.len(),
            changes,
        }
    }

    fn skipped(note: String) -> Self {
        Self {
            note: Some(note),
            ..Self::default()
        }
    }
}

/// One side as the diff names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The argument as typed (an image reference or the report's path).
    pub argument: String,
    /// The image reference the figures are of (a report's `image.reference`).
    pub reference: String,
    /// Image or report.
    pub input: Input,
}

/// Two images compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    /// OLD.
    pub old: Side,
    /// NEW.
    pub new: Side,
    /// OLD's totals.
    pub old_totals: SizeTotals,
    /// NEW's totals.
    pub new_totals: SizeTotals,
    /// Layers matched by instruction text and position.
    pub instructions: Section,
    /// Python, Debian and Alpine packages, by name.
    pub packages: Section,
    /// Top-level directories of the final filesystem.
    pub directories: Section,
}

fn side(argument: &str, s: &Snapshot) -> Side {
    Side {
        argument: argument.to_string(),
        reference: s.reference.clone(),
        input: s.input,
    }
}

/// Layers paired by [`baseline::match_layers`]; unchanged pairs are counted, not listed.
fn instructions(old: &[InstructionBytes], new: &[InstructionBytes]) -> Section {
    let pairs = baseline::match_layers(old, new);
    let total = pairs.len();
    let changes = pairs
        .into_iter()
        .filter_map(|(i, j)| {
            let (o, n) = (i.map(|i| &old[i]), j.map(|j| &new[j]));
            let name = n.or(o).map(|l| l.key.clone()).unwrap_or_default();
            let mut c = Change::new(name, o.map(|l| l.bytes), n.map(|l| l.bytes));
            (c.old_layer, c.new_layer) = (i, j);
            (c.status != Status::Changed).then_some(c)
        })
        .collect();
    let note = "layers matched by instruction text, then by position among equal instructions";
    Section::of(changes, total, Some(note.to_string()))
}

/// Python names compare as PEP 503 normalises them (`Foo_Bar` = `foo-bar`).
fn package_key(p: &PackageBytes) -> (&'static str, String) {
    let name = if p.ecosystem == "python" {
        p.name.to_ascii_lowercase().replace(['_', '.'], "-")
    } else {
        p.name.clone()
    };
    (p.ecosystem, name)
}

fn packages(old: &[PackageBytes], new: &[PackageBytes]) -> Section {
    let mut both: BTreeMap<(&str, String), [Option<&PackageBytes>; 2]> = BTreeMap::new();
    for (side, list) in [old, new].into_iter().enumerate() {
        for p in list {
            both.entry(package_key(p)).or_default()[side] = Some(p);
        }
    }
    let total = both.len();
    let changes = both
        .into_values()
        .filter_map(|[o, n]| {
            let name = n.or(o).map(|p| p.name.clone()).unwrap_or_default();
            let mut c = Change::new(name, o.map(|p| p.bytes), n.map(|p| p.bytes));
            c.ecosystem = n.or(o).map(|p| p.ecosystem);
            c.old_version = o.map(|p| p.version.clone());
            c.new_version = n.map(|p| p.version.clone());
            (c.status != Status::Changed || c.old_version != c.new_version).then_some(c)
        })
        .collect();
    Section::of(changes, total, None)
}

fn directories(old: &[DirBytes], new: &[DirBytes]) -> Section {
    let mut both: BTreeMap<&str, [Option<u64>; 2]> = BTreeMap::new();
    for (side, list) in [old, new].into_iter().enumerate() {
        for d in list {
            both.entry(&d.path).or_default()[side] = Some(d.bytes);
        }
    }
    let total = both.len();
    let changes = both
        .into_iter()
        .map(|(path, [o, n])| Change::new(path.to_string(), o, n))
        .filter(|c| c.status != Status::Changed)
        .collect();
    Section::of(changes, total, None)
}

/// Compares OLD with NEW; `old_arg` and `new_arg` are the arguments as typed.
pub fn compare(old_arg: &str, old: &Snapshot, new_arg: &str, new: &Snapshot) -> Diff {
    let packages = match (&old.packages, &new.packages) {
        (Some(o), Some(n)) => packages(o, n),
        _ => {
            let which = if old.packages.is_none() { "OLD" } else { "NEW" };
            Section::skipped(format!("not compared: the report given as {which} lists no packages"))
        }
    };
    let directories = match (&old.directories, &new.directories) {
        (Some(o), Some(n)) => directories(o, n),
        _ => {
            let which = if old.directories.is_none() { "OLD" } else { "NEW" };
            Section::skipped(format!(
                "not compared: {which} is a JSON report written before reports carried directory sizes (write it again, or compare the images)"
            ))
        }
    };
    Diff {
        old: side(old_arg, old),
        new: side(new_arg, new),
        old_totals: old.totals,
        new_totals: new.totals,
        instructions: instructions(&old.layers, &new.layers),
        packages,
        directories,
    }
}

#[cfg(test)]
mod tests;
