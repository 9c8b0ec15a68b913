//! Unit tests of the diff engine: matching, statuses, ordering, sections left uncompared.

use super::*;

fn snap(layers: &[(&str, u64)], pkgs: &[(&str, &str, u64)], dirs: Option<&[(&str, u64)]>) -> Snapshot {
    Snapshot {
        reference: "img".into(),
        input: Input::Image,
        totals: SizeTotals::default(),
        layers: layers
            .iter()
            .map(|(k, b)| InstructionBytes {
                key: k.to_string(),
                bytes: *b,
            })
            .collect(),
        packages: Some(
            pkgs.iter()
                .map(|(n, v, b)| PackageBytes {
                    ecosystem: "python",
                    name: n.to_string(),
                    version: v.to_string(),
                    bytes: *b,
                })
                .collect(),
        ),
        directories: dirs.map(|d| {
            d.iter()
                .map(|(p, b)| DirBytes {
                    path: p.to_string(),
                    bytes: *b,
                    files: 1,
                })
                .collect()
        }),
    }
}

/// A section's changes as `(status, name, change)`, in order.
fn rows(section: &Section) -> Vec<(Status, &str, i64)> {
    section
        .changes
        .iter()
        .map(|c| (c.status, c.name.as_str(), c.change))
        .collect()
}

#[test]
fn sections_list_what_changed_largest_first() {
    let old = snap(
        &[("FROM a", 10), ("RUN pip", 100), ("RUN gone", 5)],
        &[("Flask", "2.0", 50), ("six", "1", 7), ("gone", "1", 3)],
        Some(&[("/usr", 100), ("/tmp", 5)]),
    );
    let new = snap(
        &[("FROM a", 10), ("RUN pip", 300), ("COPY . /app", 40)],
        &[("flask", "3.0", 50), ("six", "1", 7), ("requests", "2", 20)],
        Some(&[("/usr", 90), ("/app", 40)]),
    );
    let d = compare("o", &old, "n", &new);
    assert_eq!(
        rows(&d.instructions),
        [
            (Status::Grew, "RUN pip", 200),
            (Status::Appeared, "COPY . /app", 40),
            (Status::Disappeared, "RUN gone", -5)
        ]
    );
    assert_eq!(d.instructions.unchanged, 1);
    assert_eq!(
        (d.instructions.changes[0].old_layer, d.instructions.changes[0].new_layer),
        (Some(1), Some(1))
    );
    assert_eq!(
        rows(&d.packages),
        [
            (Status::Appeared, "requests", 20),
            (Status::Disappeared, "gone", -3),
            (Status::Changed, "flask", 0)
        ]
    );
    assert_eq!(d.packages.changes[2].old_version.as_deref(), Some("2.0"));
    assert_eq!(d.packages.unchanged, 1);
    let rows: Vec<_> = d
        .directories
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.change))
        .collect();
    assert_eq!(rows, [("/app", 40), ("/usr", -10), ("/tmp", -5)]);
}

#[test]
fn a_report_side_skips_directories() {
    let old = snap(&[], &[], None);
    let new = snap(&[], &[], Some(&[("/usr", 1)]));
    let d = compare("o", &old, "n", &new);
    assert!(!d.directories.compared);
    assert!(d.directories.note.as_deref().unwrap().contains("OLD"));
    assert!(d.packages.compared);
}
