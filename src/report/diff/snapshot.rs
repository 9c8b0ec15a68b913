//! One side of a diff reduced to the figures `deadweight diff` compares ([`Snapshot`]): taken
//! from an analysed image, or read back from a JSON report ([`read_report`]). Reports carry the
//! sizes of top-level directories since they have a `directories` list; for an older report
//! they are unknown and not compared. Reads text and the analysis; no I/O.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{DirBytes, Input, PackageBytes, SizeTotals, package_key};
use crate::analysis::Analysis;
use crate::error::Error;
use crate::report::baseline::{self, InstructionBytes};

/// What one side of a diff says about sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The image reference the figures are of.
    pub reference: String,
    /// Image or report.
    pub input: Input,
    /// Whole-image figures.
    pub totals: SizeTotals,
    /// Each layer's instruction key and content bytes, bottom first.
    pub layers: Vec<InstructionBytes>,
    /// Packages, one entry per ecosystem and name; `None` when a report lists none at all.
    pub packages: Option<Vec<PackageBytes>>,
    /// Top-level entries of the final filesystem; `None` for a report written without them.
    pub directories: Option<Vec<DirBytes>>,
}

/// One entry per ecosystem and name: a name installed twice (two site-packages) is summed,
/// with its versions listed.
fn merge_packages(list: impl IntoIterator<Item = PackageBytes>) -> Vec<PackageBytes> {
    let mut by_key: BTreeMap<(&'static str, String), (PackageBytes, Vec<String>)> = BTreeMap::new();
    for p in list {
        let version = p.version.clone();
        let e = by_key
            .entry(package_key(&p))
            .or_insert_with(|| (PackageBytes { bytes: 0, ..p.clone() }, Vec::new()));
        e.0.bytes += p.bytes;
        e.1.push(version);
    }
    by_key
        .into_values()
        .map(|(mut p, mut versions)| {
            versions.sort();
            versions.dedup();
            p.version = versions.join(", ");
            p
        })
        .collect()
}

impl Snapshot {
    /// The figures of an analysed image.
    pub fn of(a: &Analysis) -> Self {
        let t = &a.totals;
        let p = &a.packages;
        let python = p.python.iter().map(|p| PackageBytes {
            ecosystem: "python",
            name: p.name.clone(),
            version: p.version.clone(),
            bytes: p.bytes,
        });
        let system = |eco: &'static str, list: &[crate::analysis::packages::SystemPackage]| {
            list.iter()
                .map(|p| PackageBytes {
                    ecosystem: eco,
                    name: p.name.clone(),
                    version: p.version.clone(),
                    bytes: p.bytes,
                })
                .collect::<Vec<_>>()
        };
        let packages = python
            .chain(system("debian", &p.debian))
            .chain(system("alpine", &p.alpine));
        Self {
            reference: a.image.reference.clone(),
            input: Input::Image,
            totals: SizeTotals {
                bytes: t.bytes,
                final_bytes: t.final_bytes,
                hidden_bytes: t.hidden_bytes,
                reclaimable_bytes: t.reclaimable_bytes,
                layers: a.layers().len() as u64,
                files: t.files,
            },
            layers: baseline::instructions(a),
            packages: Some(merge_packages(packages)),
            directories: Some(a.directories.clone()),
        }
    }
}

#[derive(Deserialize)]
struct ReportIn {
    #[serde(default)]
    image: Option<ImageIn>,
    totals: TotalsIn,
    layers: Vec<LayerIn>,
    #[serde(default)]
    packages: Option<PackagesIn>,
    #[serde(default)]
    directories: Option<Vec<DirBytes>>,
}

#[derive(Deserialize)]
struct ImageIn {
    reference: String,
}

#[derive(Deserialize)]
struct TotalsIn {
    bytes: u64,
    final_bytes: u64,
    hidden_bytes: u64,
    reclaimable_bytes: u64,
    files: u64,
}

#[derive(Deserialize)]
struct LayerIn {
    bytes: u64,
    instruction: InstructionIn,
}

#[derive(Deserialize)]
struct InstructionIn {
    kind: String,
    text: String,
}

#[derive(Deserialize)]
struct PackagesIn {
    #[serde(default)]
    python: Vec<PackageIn>,
    #[serde(default)]
    debian: Vec<PackageIn>,
    #[serde(default)]
    alpine: Vec<PackageIn>,
}

#[derive(Deserialize)]
struct PackageIn {
    name: String,
    #[serde(default)]
    version: String,
    bytes: u64,
}

/// Reads `text` as a deadweight JSON report: `Ok(None)` when it is no JSON object with a
/// `schema_version` (so not a report; let the image loader judge it), an [`Error::Report`] when
/// it is one that cannot be used (a diff, a newer schema, a missing field).
pub fn read_report(text: &str) -> Result<Option<Snapshot>, Error> {
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) if text.contains("\"schema_version\"") => {
            return Err(invalid(format!("a deadweight report that is not valid JSON: {e}")));
        }
        Err(_) => return Ok(None),
    };
    match value.as_object().and_then(|o| o.get("schema_version")) {
        Some(version) => parse(version, &value).map(Some),
        None => Ok(None),
    }
}

fn invalid(reason: String) -> Error {
    Error::Report {
        what: "report",
        file: None,
        reason,
    }
}

fn parse(version: &Value, value: &Value) -> Result<Snapshot, Error> {
    if value.get("kind").and_then(Value::as_str) == Some("deadweight-diff") {
        return Err(invalid("a deadweight diff, not the report of one image".into()));
    }
    let version = version
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| invalid(format!("schema_version {version} is not a version number")))?;
    crate::report::schema::check_version("report", version)?;
    let r = ReportIn::deserialize(value).map_err(|e| invalid(format!("not a deadweight JSON report: {e}")))?;
    let packages = r.packages.map(|p| {
        let list = |eco: &'static str, l: Vec<PackageIn>| {
            l.into_iter().map(move |p| PackageBytes {
                ecosystem: eco,
                name: p.name,
                version: p.version,
                bytes: p.bytes,
            })
        };
        merge_packages(
            list("python", p.python)
                .chain(list("debian", p.debian))
                .chain(list("alpine", p.alpine)),
        )
    });
    Ok(Snapshot {
        reference: r.image.map(|i| i.reference).unwrap_or_default(),
        input: Input::Report,
        totals: SizeTotals {
            bytes: r.totals.bytes,
            final_bytes: r.totals.final_bytes,
            hidden_bytes: r.totals.hidden_bytes,
            reclaimable_bytes: r.totals.reclaimable_bytes,
            layers: r.layers.len() as u64,
            files: r.totals.files,
        },
        layers: r
            .layers
            .iter()
            .map(|l| InstructionBytes {
                key: baseline::key(&l.instruction.kind, &l.instruction.text),
                bytes: l.bytes,
            })
            .collect(),
        packages,
        directories: r.directories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_told_from_other_json() {
        assert!(read_report(r#"{"schemaVersion": 2}"#).unwrap().is_none());
        assert!(read_report("[1, 2]").unwrap().is_none());
        assert!(read_report("not json").unwrap().is_none());
        let err = |text: &str| read_report(text).unwrap_err().to_string();
        assert!(err(r#"{"schema_version": 1, "totals": {"#).contains("not valid JSON"));
        assert!(err(r#"{"schema_version": 1, "kind": "deadweight-diff"}"#).contains("diff"));
        assert!(err(r#"{"schema_version": 99}"#).contains("newer"));
        assert!(err(r#"{"schema_version": 1, "layers": []}"#).contains("totals"));
    }

    #[test]
    fn a_minimal_report_reads() {
        let text = r#"{"schema_version": 1, "image": {"reference": "app.tar"},
            "totals": {"bytes": 9, "final_bytes": 7, "hidden_bytes": 2, "reclaimable_bytes": 1, "files": 3},
            "layers": [{"bytes": 9, "instruction": {"kind": "COPY", "text": "file:0123456789abcdef in /"}}],
            "packages": {"python": [{"name": "A_b", "version": "1", "bytes": 4},
                                    {"name": "a-b", "version": "2", "bytes": 1}]}}"#;
        let s = read_report(text).unwrap().unwrap();
        assert_eq!(s.reference, "app.tar");
        assert_eq!(s.totals.layers, 1);
        assert_eq!(s.totals.hidden_bytes, 2);
        assert_eq!(s.layers[0].key, "COPY file:* in /");
        let p = s.packages.unwrap();
        assert_eq!((p.len(), p[0].bytes, p[0].version.as_str()), (1, 5, "1, 2"));
        assert_eq!(s.directories, None);
    }
}
