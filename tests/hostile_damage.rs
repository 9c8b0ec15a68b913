//! Hostile input, damage and side effects: a byte flipped anywhere in an archive never panics
//! and damage to a checked blob is named; nothing is written but the named report; the inputs
//! the fuzzers saved read the same from a file and from stdin. Bombs, sizes, names and
//! references are in `hostile`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::malformed::{blob, small};
use crate::support::layout::Format;
use crate::support::{bin, tmp};

#[test]
fn a_byte_flipped_anywhere_never_panics_and_blob_damage_is_named() {
    let dir = tmp();
    for format in [Format::OciArchive, Format::DockerSkopeo] {
        let tar = format.members(&[small()]).tar(false);
        let blobs = member_ranges(&tar);
        let step = (tar.len() / 150).max(1);
        for at in (0..tar.len()).step_by(step) {
            let mut bad = tar.clone();
            bad[at] ^= 0x55;
            let path: PathBuf = dir.path().join("flipped.tar");
            std::fs::File::create(&path).unwrap().write_all(&bad).unwrap();
            let out = bin().arg(&path).args(["--json", "/dev/null"]).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{format:?} flip at {at}: {stderr}");
            assert!(
                matches!(out.status.code(), Some(0 | 2)),
                "{format:?} flip at {at}: {stderr}"
            );
            if let Some(name) = blobs.iter().find(|(_, r)| r.contains(&at)).map(|(n, _)| n) {
                assert_eq!(
                    out.status.code(),
                    Some(2),
                    "{format:?}: flip in {name} at {at} went unnoticed"
                );
                assert!(!stderr.trim().is_empty(), "{format:?} flip at {at}: no message");
            }
        }
    }
}

/// Byte ranges of the data of layer members (whose digests are checked), by member name.
fn member_ranges(tar: &[u8]) -> Vec<(String, std::ops::Range<usize>)> {
    let built = small().build();
    let names: Vec<String> = built
        .layers
        .iter()
        .flat_map(|l| [blob(&l.digest), format!("{}.tar", &l.diff_id["sha256:".len()..])])
        .collect();
    let mut a = tar::Archive::new(std::io::Cursor::new(tar));
    a.entries_with_seek()
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| names.contains(&String::from_utf8_lossy(&e.path_bytes()).into_owned()))
        .map(|e| {
            let start = e.raw_file_position() as usize;
            (
                e.path().unwrap().display().to_string(),
                start..start + e.size() as usize,
            )
        })
        .collect()
}

/// Every file under `root`, relative.
fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn nothing_is_written_but_the_named_report() {
    let dir = tmp();
    let image = Format::OciArchive.save(dir.path(), &[small()]);
    let work = tmp();
    let home = tmp();
    let scratch = tmp();
    std::fs::create_dir(work.path().join("out")).unwrap();
    let run = |args: &[&str]| {
        bin()
            .current_dir(work.path())
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join(".cache"))
            .env("TMPDIR", scratch.path())
            .arg(&image)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["--json", "out/report.json"]).status.success());
    assert!(run(&["--ci", "--json", "-"]).status.code().is_some());
    assert!(run(&["--text"]).status.success());
    assert_eq!(files_under(work.path()), ["out/report.json"]);
    assert!(files_under(home.path()).is_empty(), "{:?}", files_under(home.path()));
    assert!(
        files_under(scratch.path()).is_empty(),
        "{:?}",
        files_under(scratch.path())
    );
    assert_eq!(files_under(dir.path()), ["OciArchive.tar"]);
}

/// What the fuzzers found, kept as regression tests: the archive read from a file and the same
/// bytes on stdin must give one report (a name stored twice: the later member wins).
#[test]
fn fuzz_regressions_read_the_same_from_a_file_and_from_stdin() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/archive");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let from_file = bin().arg(&path).args(["--json", "-"]).output().unwrap();
        let from_stdin = bin()
            .args(["-", "--json", "-"])
            .write_stdin(std::fs::read(&path).unwrap())
            .output()
            .unwrap();
        assert_eq!(from_file.status.code(), from_stdin.status.code(), "{}", path.display());
        if from_file.status.success() {
            let a: Value = serde_json::from_slice(&from_file.stdout).unwrap();
            let b: Value = serde_json::from_slice(&from_stdin.stdout).unwrap();
            assert_eq!(
                crate::support::comparable(a),
                crate::support::comparable(b),
                "{}",
                path.display()
            );
        }
        seen += 1;
    }
    assert!(seen >= 3, "the regression inputs are in {}", dir.display());
}
