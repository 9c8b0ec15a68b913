//! The Python base image of the real rebuilds (tests/rebuilds.rs). `.ci/pybase` makes it once,
//! as an OCI archive under `${CARGO_TARGET_DIR:-target}/pybase/`; here it is pulled into
//! buildah's image store under the name the fixtures' Dockerfiles use (once per test run), and
//! the folder that lets pip inside a build trust this machine's CA bundle is made. Where the
//! archive, buildah or unshare is missing, the tests skip (and fail under
//! `DEADWEIGHT_REQUIRE_SERVERS`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::servers::{have, skip};

/// The name the fixtures' `FROM` lines use.
pub const BASE: &str = "localhost/deadweight-pybase:bookworm";

/// Where `.ci/pybase` writes the archive.
pub fn archive() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(target)
        .join("pybase/pybase.oci-archive.tar")
}

/// Pulls the archive into buildah's store as [`BASE`]; the error says why it could not.
fn pull() -> Result<(), String> {
    let archive = archive();
    if !archive.is_file() {
        return Err(format!(
            "the Python base image {} is absent: run .ci/pybase (debootstrap, about 3 minutes)",
            archive.display()
        ));
    }
    let out = Command::new("buildah")
        .args(["pull", "--quiet"])
        .arg(format!("oci-archive:{}", archive.display()))
        .output()
        .map_err(|e| e.to_string())?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || id.is_empty() {
        return Err(format!(
            "buildah pull of {}: {}",
            archive.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let tagged = Command::new("buildah")
        .args(["tag", &id, BASE])
        .output()
        .map_err(|e| e.to_string())?;
    if !tagged.status.success() {
        return Err(format!(
            "buildah tag {BASE}: {}",
            String::from_utf8_lossy(&tagged.stderr)
        ));
    }
    Ok(())
}

/// The base is in buildah's store and the CA folder exists: `Some(folder)` to mount at
/// `/etc/xdg/pip` in every build; `None` after a skip notice.
pub fn ready() -> Option<&'static Path> {
    static READY: OnceLock<Result<PipCa, String>> = OnceLock::new();
    if !have("buildah") || !have("unshare") {
        skip("real Python rebuilds need buildah and unshare (util-linux)");
        return None;
    }
    match READY.get_or_init(|| pull().and_then(|()| PipCa::new())) {
        Ok(ca) => Some(&ca.0),
        Err(why) => {
            skip(why);
            None
        }
    }
}

/// A folder with a copy of the host's CA bundle and a `pip.conf` naming it: mounted read-only at
/// `/etc/xdg/pip`, where pip reads its site configuration, as the shared corpus's images were
/// built. It lives beside the test binary's other scratch files (a static is never dropped, so
/// a temporary folder would stay behind) and is written again by every run.
struct PipCa(PathBuf);

impl PipCa {
    fn new() -> Result<Self, String> {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pip-ca");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let bundle = Path::new("/etc/ssl/certs/ca-certificates.crt");
        std::fs::copy(bundle, dir.join("ca-bundle.crt"))
            .map_err(|e| format!("the host's CA bundle {}: {e}", bundle.display()))?;
        std::fs::write(dir.join("pip.conf"), "[global]\ncert = /etc/xdg/pip/ca-bundle.crt\n")
            .map_err(|e| e.to_string())?;
        Ok(Self(dir))
    }
}

/// `-v DIR:/etc/xdg/pip:ro` for a build.
pub fn mount(ca: &Path) -> [String; 2] {
    ["-v".to_string(), format!("{}:/etc/xdg/pip:ro", ca.display())]
}

/// Copies the fixture folder `tests/fixtures/python/NAME` (recursively) into `to`.
pub fn copy_fixture(name: &str, to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let (src, dst) = (e.path(), to.join(e.file_name()));
            if e.file_type().unwrap().is_dir() {
                copy(&src, &dst);
            } else {
                std::fs::copy(&src, &dst).unwrap();
            }
        }
    }
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/python")
            .join(name),
        to,
    );
}
