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
