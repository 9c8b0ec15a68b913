//! `deadweight build`, as `dive build`: builds a busybox image with buildah through the shared
//! builder, then checks it in CI mode with the Dockerfile known, so findings carry their lines.

use crate::support::buildah::{Images, building};
use crate::support::servers::{have, skip};
use crate::support::{bin, tmp};

#[test]
fn build_then_check_with_dockerfile_lines() {
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(std::path::Path::new)
        .find(|p| p.is_file());
    let (true, Some(busybox)) = (have("buildah"), busybox) else {
        return skip("deadweight build needs buildah and busybox-static");
    };
    let ctx = tmp();
    std::fs::copy(busybox, ctx.path().join("busybox")).unwrap();
    let dockerfile = "\
FROM scratch
COPY busybox /bin/busybox
RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]
RUN mkdir -p /data && dd if=/dev/zero of=/data/big bs=1k count=256
RUN rm -rf /data
";
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
    let tag = format!("localhost/dwbuildtest{}:1", std::process::id());
    // A temp folder of its own: another test's `deadweight build` may run meanwhile.
    let tmpdir = tmp();
    let temps = || -> Vec<String> {
        let entries = std::fs::read_dir(tmpdir.path()).unwrap().filter_map(|e| e.ok());
        entries
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("deadweight-build-"))
            .collect()
    };
    let images = Images(vec![tag.clone()]);
    let building = building();
    let out = bin()
        .env("TMPDIR", tmpdir.path())
        .args(["build", "--builder", "buildah", "--ci", "-t", &tag])
        .arg(ctx.path())
        .output()
        .unwrap();
    drop(building);
    drop(images);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    assert!(
        stdout.contains("DW501  line 4"),
        "the layer has its Dockerfile line:\n{stdout}"
    );
    let left = temps();
    assert!(left.is_empty(), "the temporary archive is removed: {left:?}");
}
