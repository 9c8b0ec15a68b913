//! Inputs that are no image at all and bad invocations: empty and random files, JSON, a tar
//! or directory without an image, paths that do not exist (absolute and relative), unknown flags
//! and values, an unwritable report path. Each expects exit 2, a message naming the problem, and
//! no panic. (Daemon and registry failures are in `daemon` and `registry`.)

use crate::malformed::{save, small};
use crate::support::layout::{Format, Members};
use crate::support::{bin, fails, fails_on, tmp};

#[test]
fn not_an_image_at_all() {
    let dir = tmp();
    let empty = dir.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();
    assert!(fails_on(&empty).contains("the file is empty"));
    let random = dir.path().join("random.bin");
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(&random, &noise).unwrap();
    assert!(fails_on(&random).contains("not an image"));
    let json_file = dir.path().join("manifest.json");
    std::fs::write(&json_file, br#"{"schemaVersion": 2}"#).unwrap();
    assert!(fails_on(&json_file).contains("not an image"));
    let stderr = fails(bin().arg("-").write_stdin(Vec::new()));
    assert!(stderr.contains("-:"), "{stderr}");
    let stderr = fails(bin().arg("-").write_stdin(noise));
    assert!(stderr.contains("not an image"), "{stderr}");
    let mut other = Members::default();
    other.set("hello.txt", b"just a tar".to_vec());
    let stderr = fails_on(&save(dir.path(), "other.tar", &other, false));
    assert!(stderr.contains("neither manifest.json nor index.json"), "{stderr}");
    let empty_dir = dir.path().join("empty-dir");
    std::fs::create_dir(&empty_dir).unwrap();
    assert!(fails_on(&empty_dir).contains("neither manifest.json nor index.json"));
}

#[test]
fn nonexistent_path_and_bad_arguments() {
    let dir = tmp();
    let missing = dir.path().join("nope.tar");
    let stderr = fails_on(&missing);
    assert!(
        stderr.contains("cannot read") && stderr.contains("nope.tar"),
        "{stderr}"
    );
    let stderr = fails(bin().arg(&missing).arg("--no-such-flag"));
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    let stderr = fails(&mut bin());
    assert!(stderr.contains("<IMAGE>"), "clap names the missing argument: {stderr}");
    let stderr = fails(bin().arg(&missing).args(["--source", "tape"]));
    assert!(stderr.contains("tape"), "{stderr}");
    let stderr = fails(bin().current_dir(dir.path()).arg("relative-missing.tar"));
    assert!(stderr.contains("cannot read relative-missing.tar"), "{stderr}");
    let image = Format::OciArchive.save(dir.path(), &[small()]);
    let stderr = fails(
        bin()
            .arg(&image)
            .args(["--json"])
            .arg(dir.path().join("no/such/dir/report.json")),
    );
    assert!(
        stderr.contains("cannot write the report") && stderr.contains("report.json"),
        "{stderr}"
    );
    let stderr = fails(bin().arg(&missing).args(["--max-layer-size", "lots"]));
    assert!(stderr.contains("lots"), "{stderr}");
}

#[test]
fn io_error_reason_is_printed_once() {
    let dir = tmp();
    let stderr = fails_on(&dir.path().join("nope.tar"));
    assert_eq!(stderr.matches("os error 2").count(), 1, "{stderr}");
}

/// A negative number is a value, in both spellings, and the value's parser says why it is out
/// of range (not clap's "unexpected argument '-0'").
#[test]
fn negative_numbers_are_values_refused_with_their_range() {
    let dir = tmp();
    let image = Format::OciArchive.save(dir.path(), &[small()]);
    for (flag, value, says) in [
        ("--lowest-efficiency", "-0.1", "out of range"),
        ("--highest-user-wasted-percent", "-1", "out of range"),
        ("--max-reclaimable-share", "-0.5", "out of range"),
        ("--max-total-bytes", "-5", "-5"),
        ("--base-layers", "-1", "-1"),
    ] {
        for args in [
            vec![flag.to_string(), value.to_string()],
            vec![format!("{flag}={value}")],
        ] {
            let stderr = fails(bin().arg(&image).arg("--ci").args(&args));
            assert!(
                stderr.contains(says) && !stderr.contains("unexpected argument"),
                "{args:?}: {stderr}"
            );
        }
    }
}
