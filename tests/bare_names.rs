//! A bare name (`app:latest`) is the daemon's image unless the path is an image on disk: a
//! package directory `app/` does not count, an archive or layout named `app` does (with a note
//! naming the daemon reading), and when neither works the error says what was tried. The
//! daemon is pointed at a socket that does not exist, so no test reaches a real one.

use std::path::Path;

use assert_cmd::Command;

use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::{bin, fails, tmp};

/// The binary run in `dir`, its daemon a socket nobody listens on.
fn in_dir(dir: &Path) -> Command {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .env("DOCKER_HOST", format!("unix://{}/no-daemon.sock", dir.display()));
    cmd
}

fn app() -> Vec<Image> {
    vec![
        Image::new()
            .layer("COPY . /app", Layer::new().file("app/main.py", "print(1)\n"))
            .tag("app:latest"),
    ]
}

#[test]
fn a_package_directory_is_not_an_image() {
    let dir = tmp();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/__init__.py"), "").unwrap();
    let stderr = fails(in_dir(dir.path()).arg("app:latest"));
    assert!(
        stderr.contains("app is a directory but not an image layout") && stderr.contains("Docker daemon"),
        "says what was tried: {stderr}"
    );
    assert!(!stderr.contains("neither manifest.json"), "{stderr}");
}

#[test]
fn neither_a_path_nor_a_daemon_says_what_was_tried() {
    let dir = tmp();
    let stderr = fails(in_dir(dir.path()).arg("nothing:1"));
    assert!(
        stderr.contains("no file or directory \"nothing:1\"") && stderr.contains("Docker daemon"),
        "{stderr}"
    );
}

#[test]
fn an_image_file_wins_over_the_daemon_with_a_note() {
    let dir = tmp();
    let saved = Format::DockerSkopeo.save(dir.path(), &app());
    std::fs::rename(saved, dir.path().join("app")).unwrap();
    let out = in_dir(dir.path()).args(["app:latest", "--json", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let notes: Vec<&str> = stderr.lines().filter(|l| l.contains("note:")).collect();
    assert_eq!(notes.len(), 1, "one line: {stderr}");
    assert!(
        notes[0].contains("docker://app:latest"),
        "names the other reading: {stderr}"
    );
    // A file name with a dot is plainly a file: `FILE.tar:TAG` has no other reading to note.
    std::fs::copy(dir.path().join("app"), dir.path().join("app.tar")).unwrap();
    let out = in_dir(dir.path())
        .args(["app.tar:latest", "--json", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"));
    // The forced daemon reading does not touch the file.
    let stderr = fails(in_dir(dir.path()).arg("docker://app:latest"));
    assert!(!stderr.contains("note:"), "{stderr}");
}

#[test]
fn a_layout_directory_is_an_image() {
    let dir = tmp();
    let saved = Format::OciDir.save(dir.path(), &app());
    std::fs::rename(saved, dir.path().join("app")).unwrap();
    let out = in_dir(dir.path()).args(["app", "--json", "-"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("docker://app"), "{stderr}");
    // A path spelt as a path is no daemon name: no note.
    let out = in_dir(dir.path()).args(["./app", "--json", "-"]).output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"));
}

/// `deadweight ARGS --storage DIR --json -` in `dir`.
fn with_storage(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = in_dir(dir);
    cmd.args(args).args(["--storage", "store", "--json", "-"]);
    cmd
}

#[test]
fn storage_with_an_input_not_read_from_a_store_is_an_error_naming_it() {
    let dir = tmp();
    let file = Format::DockerSkopeo.save(dir.path(), &app());
    let layout = Format::OciDir.save(dir.path(), &app());
    let bytes = std::fs::read(&file).unwrap();
    let cases: [(&str, String, &str); 4] = [
        ("a file", file.display().to_string(), "the file"),
        ("a directory", layout.display().to_string(), "the directory"),
        ("stdin", "-".to_string(), "standard input"),
        (
            "a registry",
            "registry://127.0.0.1:1/app:1".to_string(),
            "the registry's image",
        ),
    ];
    for (what, arg, says) in cases {
        let mut cmd = with_storage(dir.path(), &[&arg]);
        if arg == "-" {
            cmd.write_stdin(bytes.clone());
        }
        let stderr = fails(&mut cmd);
        assert!(
            stderr.contains(&arg) && stderr.contains(says) && stderr.contains("--storage store"),
            "{what}: names the input and the flag: {stderr}"
        );
        assert!(
            ["docker://", "podman://", "containerd://", "bare name"]
                .iter()
                .all(|s| stderr.contains(s)),
            "{what}: says what --storage applies to: {stderr}"
        );
    }
}

#[test]
fn storage_with_a_bare_name_read_as_a_file_is_a_note() {
    let dir = tmp();
    let saved = Format::DockerSkopeo.save(dir.path(), &app());
    std::fs::rename(saved, dir.path().join("app")).unwrap();
    let out = with_storage(dir.path(), &["app:latest"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the file wins: {stderr}");
    assert!(
        stderr.lines().any(|l| l.contains("note:")
            && l.contains("--storage store is not used")
            && l.contains("docker://app:latest")),
        "{stderr}"
    );
    // The same file by a name that is plainly a file: no daemon reading to note, an error.
    std::fs::rename(dir.path().join("app"), dir.path().join("app.tar")).unwrap();
    let stderr = fails(&mut with_storage(dir.path(), &["app.tar"]));
    assert!(stderr.contains("cannot be used to read the file app.tar"), "{stderr}");
}

#[test]
fn storage_and_no_storage_conflict() {
    let dir = tmp();
    let stderr = fails(&mut with_storage(dir.path(), &["docker://app", "--no-storage"]));
    assert!(
        stderr.contains("--no-storage") && stderr.contains("cannot be used with"),
        "{stderr}"
    );
}
