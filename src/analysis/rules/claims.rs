//! A finding's path lines with the part of their bytes another finding already counted. Every
//! byte saves once, under the first finding that claims it (see [`super::Engine`]); a later
//! finding still lists the directory it is about (`/app/venv`, 20.64 MiB) although a part of it
//! (`/app/venv/**/__pycache__`, counted under DW303) is not in its saving. Without the claimed
//! part beside it, a path line would add up to more than the finding's "saves". This module
//! owns that bookkeeping, and which versions' bytes a hard link keeps alive whoever claims them;
//! it decides nothing about which finding claims what.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::analysis::accounting::PathBytes;
use crate::analysis::packages::PackageRef;
use crate::model::{EntryKind, Tree, VersionId};

/// Bytes of a path line that another finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// The rule of the finding that counts them.
    pub rule: &'static str,
    /// Content bytes.
    pub bytes: u64,
}

/// One path line of a finding: the path, its bytes, and which of them other findings count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Absolute path, non-UTF-8 bytes escaped; may end in a note such as ` (gcc 12.2)`.
    pub path: String,
    /// Content bytes of everything the line names, claimed parts included.
    pub bytes: u64,
    /// The parts of `bytes` that another finding's saving counts, by rule, largest first;
    /// empty when the whole line is this finding's.
    pub claimed: Vec<Claim>,
    /// The package the line is about, when it names one (the note in `path` says the same in
    /// words: read this, not the note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
}

impl Evidence {
    /// A path line nothing else claims.
    pub fn new(path: impl Into<String>, bytes: u64) -> Self {
        Evidence {
            path: path.into(),
            bytes,
            claimed: Vec::new(),
            package: None,
        }
    }

    /// A path line about `package`.
    pub fn of_package(path: impl Into<String>, bytes: u64, package: PackageRef) -> Self {
        Evidence {
            package: Some(package),
            ..Evidence::new(path, bytes)
        }
    }

    /// The bytes of the line that this finding counts.
    pub fn own_bytes(&self) -> u64 {
        self.bytes.saturating_sub(self.claimed.iter().map(|c| c.bytes).sum())
    }

    /// The path without a trailing ` (note)`.
    pub fn bare_path(&self) -> &str {
        bare(&self.path)
    }
}

impl From<PathBytes> for Evidence {
    fn from(p: PathBytes) -> Self {
        Evidence::new(p.path, p.bytes)
    }
}

/// `path` without a trailing ` (note)`.
fn bare(path: &str) -> &str {
    match path.rsplit_once(" (") {
        Some((p, note)) if note.ends_with(')') => p,
        _ => path,
    }
}

/// Which rule claimed each version, as an index plus one into the rules seen (0: nobody). One
/// byte per version: the table lives as long as the rules run, over every version of the image.
pub struct Claims {
    by: Vec<u8>,
    rules: Vec<&'static str>,
}

impl Claims {
    /// Nothing claimed among `versions` versions.
    pub fn new(versions: usize) -> Self {
        Claims {
            by: vec![0; versions],
            rules: Vec::new(),
        }
    }

    /// The rule that claimed `v`, if any.
    pub fn by(&self, v: VersionId) -> Option<&'static str> {
        match self.by[v as usize] {
            0 => None,
            i => self.rules.get(i as usize - 1).copied(),
        }
    }

    /// Marks `v` as counted by `rule`.
    pub fn claim(&mut self, v: VersionId, rule: &'static str) {
        let i = match self.rules.iter().position(|r| *r == rule) {
            Some(i) => i,
            None => {
                self.rules.push(rule);
                self.rules.len() - 1
            }
        };
        // Rule ids are a few dozen (the catalogue's); a byte holds them all.
        self.by[v as usize] = u8::try_from(i + 1).unwrap_or(u8::MAX);
    }
}

/// The path lines of a draft, each with the bytes of `taken` (versions another finding claimed
/// first, with its rule) that lie at or under it. A version is found under a line by its
/// ancestors, so the cost is the taken versions times their depth, whatever the line count.
/// A line's claim never exceeds its bytes: a line may show a hard link's content as 0 B.
///
/// A version `own` (the draft's rule) claimed first was counted by the same finding through
/// another draft (a toolchain's package rows before its path pattern's `/usr/lib/gcc`): a line
/// made only of such bytes repeats the finding's other lines and is left out; a line partly
/// made of them keeps the claim under its own rule.
pub fn attach(tree: &Tree, mut out: Vec<Evidence>, taken: &[(VersionId, &'static str)], own: &str) -> Vec<Evidence> {
    if taken.is_empty() {
        return out;
    }
    let mut lines: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in out.iter().enumerate() {
        lines.entry(bare(&e.path)).or_default().push(i);
    }
    let mut per_line: BTreeMap<usize, BTreeMap<&'static str, u64>> = BTreeMap::new();
    for &(v, rule) in taken {
        let ver = tree.version(v);
        let path = tree.path(ver.node);
        let mut at = path.as_str();
        loop {
            for &i in lines.get(at).into_iter().flatten() {
                *per_line.entry(i).or_default().entry(rule).or_default() += ver.size;
            }
            match at.rfind('/') {
                Some(0) | None => break,
                Some(cut) => at = &at[..cut],
            }
        }
    }
    for (i, rules) in per_line {
        let e = &mut out[i];
        let mut claimed: Vec<Claim> = rules.into_iter().map(|(rule, bytes)| Claim { rule, bytes }).collect();
        claimed.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.rule.cmp(b.rule)));
        let mut room = e.bytes;
        for c in &mut claimed {
            c.bytes = c.bytes.min(room);
            room -= c.bytes;
        }
        claimed.retain(|c| c.bytes > 0);
        e.claimed = claimed;
    }
    out.retain(|e| e.claimed.is_empty() || e.own_bytes() > 0 || e.claimed.iter().any(|c| c.rule != own));
    out
}

/// Every visible hard link with the file version whose content it shares.
pub fn hard_links(tree: &Tree) -> Vec<(VersionId, VersionId)> {
    tree.versions()
        .iter()
        .enumerate()
        .filter(|(_, v)| v.kind == EntryKind::Hardlink && v.survives())
        .filter_map(|(id, v)| tree.hardlink_target(v).map(|t| (id as VersionId, t)))
        .collect()
}

/// The targets of `links` whose link `keep` says stays, sorted: deleting such a file frees
/// nothing while the link stays (uv, by default, links a venv's files to its cache), so it saves
/// no bytes in any finding.
pub fn kept_targets(links: &[(VersionId, VersionId)], keep: impl Fn(VersionId) -> bool) -> Vec<VersionId> {
    let mut out: Vec<VersionId> = links.iter().filter(|&&(l, _)| keep(l)).map(|&(_, t)| t).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_drops_a_trailing_note_only() {
        assert_eq!(bare("/usr/bin/gcc-12 (gcc-12 12.2)"), "/usr/bin/gcc-12");
        assert_eq!(bare("/app/a (b"), "/app/a (b");
        assert_eq!(bare("/app/venv"), "/app/venv");
    }

    #[test]
    fn own_bytes_subtracts_every_claim() {
        let mut e = Evidence::new("/app/venv", 100);
        e.claimed = vec![
            Claim {
                rule: "DW303",
                bytes: 30,
            },
            Claim {
                rule: "DW301",
                bytes: 5,
            },
        ];
        assert_eq!(e.own_bytes(), 65);
    }

    #[test]
    fn claims_name_the_rule_that_claimed() {
        let mut c = Claims::new(3);
        c.claim(1, "DW303");
        assert_eq!(c.by(0), None);
        assert_eq!(c.by(1), Some("DW303"));
    }
}
