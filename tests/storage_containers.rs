//! Images read in place from a real containers/storage graph root give the report of an
//! export of the same image: a store made here by buildah (overlay where the kernel lets it
//! mount, else vfs, whose per-layer directories are whole trees), read with `--storage DIR`
//! and compared with `buildah push … oci-archive:`; and Podman's service, whose graph root
//! `podman://NAME` reaches through its info, against its own export.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::storage::layered_image;
use crate::support::layout::Format;
use crate::support::servers::{Podman, deadweight, have, report_with, skip};
use crate::support::{comparable, report_of, tmp};

/// buildah on a graph root of its own.
struct Buildah {
    dir: tempfile::TempDir,
    driver: &'static str,
}

impl Buildah {
    fn cmd(&self) -> Command {
        let d = self.dir.path();
        let mut cmd = Command::new("buildah");
        cmd.arg("--root")
            .arg(d.join("root"))
            .arg("--runroot")
            .arg(d.join("run"))
            .args(["--storage-driver", self.driver]);
        cmd
    }

    fn run(&self, args: &[&str]) -> Option<String> {
        let out = self.cmd().args(args).output().ok()?;
        if !out.status.success() {
            eprintln!("buildah {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// A store with `archive` pulled in as `layered:1`, and `native:1` made by `buildah copy`;
    /// overlay first, vfs where overlay cannot mount.
    fn start(archive: &Path, context: &Path) -> Option<Self> {
        if !have("buildah") {
            skip("buildah is not installed (apt-get install buildah)");
            return None;
        }
        for driver in ["overlay", "vfs"] {
            let b = Self { dir: tmp(), driver };
            let pulled = b.run(&["pull", "-q", &format!("docker-archive:{}", archive.display())]);
            let made = pulled.is_some() && b.make_native(context).is_some();
            let tagged = made
                && b.run(&["tag", pulled.as_deref().unwrap_or_default(), "layered:1"])
                    .is_some();
            if tagged {
                return Some(b);
            }
        }
        skip("buildah could not make a store with either the overlay or the vfs driver");
        None
    }

    fn make_native(&self, context: &Path) -> Option<()> {
        let c = self.run(&["from", "scratch"])?;
        self.run(&["copy", &c, context.to_str()?, "/"])?;
        self.run(&["commit", "-q", &c, "native:0"])?;
        let c = self.run(&["from", "native:0"])?;
        self.run(&["copy", &c, context.join("site").to_str()?, "/copied"])?;
        self.run(&["commit", "-q", &c, "native:1"])?;
        Some(())
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// `buildah push NAME oci-archive:…`: the export to compare with.
    fn pushed(&self, name: &str) -> Value {
        let path = self.dir.path().join(format!("{}.oci.tar", name.replace(':', "_")));
        self.run(&["push", "-q", name, &format!("oci-archive:{}", path.display())])
            .unwrap_or_else(|| panic!("buildah push {name}"));
        report_of(&path)
    }
}

/// A build context with a dist-info, a dpkg database, a symlink and a nested tree.
fn context(dir: &Path) -> PathBuf {
    let ctx = dir.join("ctx");
    let site = ctx.join("site/pkg-2.0.dist-info");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("RECORD"), "pkg/a.py,,\n").unwrap();
    std::fs::write(site.join("METADATA"), "Name: pkg\nVersion: 2.0\n").unwrap();
    std::fs::create_dir_all(ctx.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        ctx.join("var/lib/dpkg/status"),
        "Package: bar\nStatus: install ok installed\nInstalled-Size: 1\nVersion: 2\n\n",
    )
    .unwrap();
    std::fs::write(ctx.join("big.bin"), crate::support::noise(70_000)).unwrap();
    std::os::unix::fs::symlink("big.bin", ctx.join("link")).unwrap();
    ctx
}

#[test]
fn a_buildah_store_gives_the_pushed_images_report() {
    let dir = tmp();
    let archive = Format::DockerClassic.save(dir.path(), &[layered_image("layered:1")]);
    let Some(b) = Buildah::start(&archive, &context(dir.path())) else {
        return;
    };
    let root = b.root();
    for name in ["layered:1", "native:1"] {
        // `buildah push` writes the config anew (another digest); the store's is the image id.
        let without_config = |r: Value| {
            let mut r = comparable(r);
            r["image"].as_object_mut().unwrap().remove("config_digest");
            r
        };
        let expected = without_config(b.pushed(name));
        let stored = report_with(&[name, "--storage", root.to_str().unwrap()], &[]);
        assert_eq!(stored["image"]["format"], "containers-storage", "{}", b.driver);
        let id = b.run(&["images", "--no-trunc", "--format", "{{.ID}}", name]).unwrap();
        assert_eq!(
            stored["image"]["config_digest"]
                .as_str()
                .unwrap()
                .trim_start_matches("sha256:"),
            id.trim_start_matches("sha256:")
        );
        assert_eq!(without_config(stored), expected, "{name} ({})", b.driver);
    }
    // The image pulled from the archive also reads as that archive.
    let stored = report_with(&["localhost/layered:1", "--storage", root.to_str().unwrap()], &[]);
    assert_eq!(comparable(stored), comparable(report_of(&archive)));
    let out = deadweight(&["absent:1", "--storage", root.to_str().unwrap()], &[])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no image \"absent:1\" in the store"));
}

#[test]
fn podman_images_are_read_from_the_services_graph_root() {
    let dir = tmp();
    let archive = Format::DockerClassic.save(dir.path(), &[layered_image("layered:1")]);
    let Some(mut podman) = Podman::new() else {
        return;
    };
    let Some(name) = podman.load(&archive) else {
        return;
    };
    if !podman.serve(&[]) {
        return;
    }
    let runtime_dir = podman.runtime_dir().to_str().unwrap().to_string();
    let env = [("XDG_RUNTIME_DIR", runtime_dir.as_str())];
    let reference = format!("podman://{name}");
    let exported = report_with(&[&reference, "--no-storage"], &env);
    let out = deadweight(&[&reference, "--json", "-"], &env).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stored: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stored["image"]["format"], "containers-storage", "{stderr}");
    let strip = |mut r: Value| {
        r["image"].as_object_mut().unwrap().remove("format");
        r
    };
    assert_eq!(strip(stored), strip(exported));
}
