//! Attribution on BuildKit's own history, with images built by real BuildKit (dockerd 20.10's
//! built-in Dockerfile frontend, `DOCKER_BUILDKIT=1 /usr/bin/docker build --network host`) on a
//! base made here with buildah's history shape and labels. They are built once per test run
//! (a shared fixture: dockerd starts, builds, saves the images as archives, and stops) and every
//! test reads the archives. Heredocs, which 20.10's frontend rejects, are tested on fixture
//! images whose history is what newer BuildKit writes for them.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::json;

use deadweight::analysis::attribute::BaseSource;
use deadweight::analysis::history::InstructionKind;
use deadweight::analysis::{self, Analysis, AnalyzeOptions, dockerfile};
use deadweight::source::{self, LoadOptions};

use crate::support::dockerd::{Dockerd, busybox_rootfs};
use crate::support::fixture::{Image, Layer};
use crate::support::layout::Format;
use crate::support::{report, tmp};

/// The secret handed to `RUN --mount=type=secret`: it must appear nowhere in the image.
const SECRET: &str = "s3cret-build-token-4711";

/// The final stage's instructions, by line (see [`APP`]).
const APP: &str = r#"FROM dw-bk-base:1 AS build
RUN --mount=type=cache,target=/root/.cache/pip dd if=/dev/zero of=/root/.cache/pip/wheel.whl bs=1024 count=64 && mkdir -p /out && echo built > /out/app.bin
FROM dw-bk-base:1
ARG VERSION=1.2
LABEL org.example.role=app
WORKDIR /app
ENV APP_HOME=/app PORT=8000
COPY requirements.txt /app/
COPY --from=build /out/app.bin /app/bin/app.bin
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=token test -s /run/secrets/token && dd if=/dev/zero of=/root/.cache/pip/big.whl bs=1024 count=256 && echo installed > /app/installed
RUN echo $VERSION > /app/version
RUN ["/bin/sh", "-c", "echo exec > /app/exec-form"]
WORKDIR /app
WORKDIR /srv/data
USER root
EXPOSE 8000
CMD ["/bin/sh", "-c", "echo $PORT"]
"#;

/// What one build left behind.
struct Builds {
    /// `docker save` of the image built from [`APP`].
    app: PathBuf,
}

static BUILDS: OnceLock<Option<Builds>> = OnceLock::new();

/// The images, built on first use; `None` (after a skip notice) where dockerd cannot run.
fn builds() -> Option<&'static Builds> {
    BUILDS.get_or_init(build).as_ref()
}

/// The base: busybox under buildah's history (the `FROM <image>` comment on its first own
/// step) and labels, so the BuildKit image inherits both.
fn base_image() -> Option<Image> {
    let base = busybox_rootfs()?;
    Some(
        Image::new()
            .layer("/bin/sh -c #(nop) ADD file:4be2c1b4 in / ", base)
            .layer(
                "/bin/sh -c echo base > /etc/base-release",
                Layer::new().dir("etc").file("etc/base-release", "base\n"),
            )
            .comment("FROM docker.io/library/busybox:latest")
            .run_config(json!({
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["/bin/sh"],
                "Labels": {"io.buildah.version": "1.28.2", "org.opencontainers.image.title": "dw-bk-base"},
            }))
            .tag("dw-bk-base:1"),
    )
}

fn build() -> Option<Builds> {
    let base = base_image()?;
    let daemon = Dockerd::start()?;
    // Beside the test binary's other scratch files; rebuilt on every run, so never stale.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("buildkit");
    let _ = std::fs::remove_dir_all(&dir);
    let context = dir.join("context");
    std::fs::create_dir_all(&context).unwrap();
    daemon.load(&Format::DockerClassic.save(&dir, &[base]));
    std::fs::write(context.join("Dockerfile"), APP).unwrap();
    std::fs::write(context.join("requirements.txt"), "flask==3.0.0\n").unwrap();
    std::fs::write(dir.join("token"), SECRET).unwrap();
    let secret = format!("id=token,src={}", dir.join("token").display());
    let context = context.to_str().unwrap();
    daemon.run(&[
        "build",
        "--network",
        "host",
        "--secret",
        &secret,
        "-t",
        "dw-bk-app:1",
        context,
    ]);
    let app = dir.join("app.tar");
    daemon.run(&["save", "-o", app.to_str().unwrap(), "dw-bk-app:1"]);
    Some(Builds { app })
}

fn analyse(path: &std::path::Path, dockerfile_text: Option<&str>) -> Analysis {
    let spec = source::reference::parse(path.to_str().unwrap(), None).unwrap();
    let loaded = source::load(&spec, &LoadOptions::default()).unwrap();
    let opts = AnalyzeOptions {
        dockerfile: dockerfile_text.map(|t| dockerfile::parse(t).unwrap()),
        ..Default::default()
    };
    analysis::analyze_with(loaded, &opts)
}

/// Each layer's (instruction kind, text, Dockerfile line).
fn layer_rows(a: &Analysis) -> Vec<(InstructionKind, String, Option<usize>)> {
    a.attribution
        .layers
        .iter()
        .map(|o| (o.instruction.kind, o.instruction.text.clone(), o.dockerfile_line))
        .collect()
}

#[test]
fn buildkit_layers_land_on_their_dockerfile_lines() {
    let Some(b) = builds() else { return };
    let a = analyse(&b.app, Some(APP));
    use InstructionKind::*;
    let rows = layer_rows(&a);
    let want = [
        (Run, "echo base > /etc/base-release".to_string(), None),
        (Workdir, "/app".to_string(), Some(6)),
        (Copy, "requirements.txt /app/".to_string(), Some(8)),
        // `--from=build` is not in BuildKit's history; the line is found all the same.
        (Copy, "/out/app.bin /app/bin/app.bin".to_string(), Some(9)),
        // `--mount` flags are dropped from the history, the build arg's prefix from the text.
        (
            Run,
            "test -s /run/secrets/token && dd if=/dev/zero of=/root/.cache/pip/big.whl bs=1024 count=256 \
             && echo installed > /app/installed"
                .to_string(),
            Some(10),
        ),
        (Run, "echo $VERSION > /app/version".to_string(), Some(11)),
        (Run, "echo exec > /app/exec-form".to_string(), Some(12)),
        // 20.10's BuildKit commits every WORKDIR as a layer: the new directory's entry, or no
        // entry at all when it exists (the second WORKDIR /app).
        (Workdir, "/app".to_string(), Some(13)),
        (Workdir, "/srv/data".to_string(), Some(14)),
    ];
    assert_eq!(rows[1..], want[..], "{rows:#?}");
    assert!(a.attribution.unmatched.is_empty(), "{:?}", a.attribution.unmatched);
    let entries = |line| {
        let layer = a
            .attribution
            .layers
            .iter()
            .position(|o| o.dockerfile_line == Some(line));
        let c = &a.layers()[layer.unwrap()].scan.counts;
        (c.files, c.dirs)
    };
    assert_eq!([entries(6), entries(13), entries(14)], [(0, 1), (0, 0), (0, 2)]);
}

#[test]
fn buildkit_metadata_steps_are_empty_layers_matched_to_lines() {
    let Some(b) = builds() else { return };
    let a = analyse(&b.app, Some(APP));
    let steps: Vec<(InstructionKind, &str, Option<usize>, Option<usize>)> = a
        .attribution
        .steps
        .iter()
        .skip(2) // the base's own entries
        .map(|s| {
            (
                s.instruction.kind,
                s.instruction.text.as_str(),
                s.layer,
                s.dockerfile_line,
            )
        })
        .collect();
    use InstructionKind::*;
    let metadata: Vec<_> = steps.iter().filter(|s| s.2.is_none()).copied().collect();
    assert_eq!(
        metadata,
        [
            (Arg, "VERSION=1.2", None, Some(4)),
            (Label, "org.example.role=app", None, Some(5)),
            (Env, "APP_HOME=/app PORT=8000", None, Some(7)),
            (User, "root", None, Some(15)),
            // Go's print format of the config: map[8000/tcp:{}] and ["/bin/sh" "-c" "..."].
            (Expose, "8000/tcp", None, Some(16)),
            (Cmd, r#"["/bin/sh","-c","echo $PORT"]"#, None, Some(17)),
        ],
        "{steps:#?}"
    );
    // The JSON report keeps BuildKit's own words for each layer.
    let report = report(&[b.app.to_str().unwrap()]);
    let own = &report["layers"].as_array().unwrap()[2..];
    assert!(own.iter().all(|l| l["comment"] == "buildkit.dockerfile.v0"), "{own:?}");
    let run = own
        .iter()
        .find(|l| l["created_by"].as_str().unwrap().contains("big.whl"))
        .unwrap();
    // USER root was said, so DW601 does not claim there is no USER.
    let findings = report["findings"].as_array().unwrap();
    let root = findings.iter().find(|f| f["rule"] == "DW601").unwrap();
    assert_eq!(root["title"], "the container runs as root (USER root)");
    let created_by = run["created_by"].as_str().unwrap();
    assert!(
        created_by.starts_with("RUN |1 VERSION=1.2 /bin/sh -c test -s") && created_by.ends_with(" # buildkit"),
        "{run}"
    );
}

#[test]
fn cache_and_secret_mounts_leave_nothing_in_the_layer() {
    let Some(b) = builds() else { return };
    let a = analyse(&b.app, Some(APP));
    let run = a
        .attribution
        .layers
        .iter()
        .position(|o| o.dockerfile_line == Some(10))
        .unwrap();
    // The RUN wrote 256 KiB into its cache mount and one 10-byte file into the image.
    let scan = &a.layers()[run].scan;
    assert_eq!((scan.content_bytes, scan.counts.files), ("installed\n".len() as u64, 1));
    let text = std::process::Command::new("tar")
        .arg("-xOf")
        .arg(&b.app)
        .output()
        .unwrap()
        .stdout;
    assert!(
        !String::from_utf8_lossy(&text).contains(SECRET),
        "the secret is in the image"
    );
}

#[test]
fn the_base_boundary_is_the_final_stages_from_not_an_inherited_comment() {
    let Some(b) = builds() else { return };
    let with = analyse(&b.app, Some(APP));
    assert_eq!(
        (with.attribution.base_layers, with.attribution.base_source),
        (2, BaseSource::Dockerfile)
    );
    // Without the Dockerfile, the base's own buildah comment and labels, inherited by the
    // BuildKit image, do not say where this build began.
    let without = analyse(&b.app, None);
    assert_eq!(without.image.config.labels["io.buildah.version"], "1.28.2");
    assert_ne!(without.attribution.base_source, BaseSource::History);
    assert!(without.attribution.base_layers >= 1);
}

/// Heredocs, from the Dockerfile and the history newer BuildKit writes for them (20.10's
/// frontend rejects `RUN <<EOF`): the body alone run by the shell, a heredoc inside a command,
/// a shebang script run from `/dev/pipes/`, and `COPY <<EOF DEST`.
#[test]
fn heredoc_layers_land_on_their_lines() {
    let dockerfile = "FROM dw-bk-base:1\n\
                      RUN <<EOF\nset -e\necho one > /one\nEOF\n\
                      RUN cat <<EOF > /etc/motd\nhello\nEOF\n\
                      RUN <<-'SCRIPT'\n\t#!/bin/sh\n\techo shebang > /sb\n\tSCRIPT\n\
                      COPY <<EOF /app/conf.ini\n[app]\nEOF\n";
    let image = Image::new()
        .layer(
            "/bin/sh -c #(nop) ADD file:4be2c1b4 in / ",
            Layer::new().file("bin/sh", "sh"),
        )
        .layer(
            "RUN /bin/sh -c set -e\necho one > /one\n # buildkit",
            Layer::new().file("one", "one\n"),
        )
        .comment("buildkit.dockerfile.v0")
        .layer(
            "RUN /bin/sh -c cat <<EOF > /etc/motd\nhello\nEOF # buildkit",
            Layer::new().file("etc/motd", "hello\n"),
        )
        .comment("buildkit.dockerfile.v0")
        .layer("RUN /dev/pipes/SCRIPT # buildkit", Layer::new().file("sb", "shebang\n"))
        .comment("buildkit.dockerfile.v0")
        .layer(
            "COPY <<EOF /app/conf.ini # buildkit",
            Layer::new().file("app/conf.ini", "[app]\n"),
        )
        .comment("buildkit.dockerfile.v0");
    let dir = tmp();
    let path = dir.path().join("heredocs.tar");
    crate::support::layout::oci_index(&[image], false).write_tar(&path);
    let a = analyse(&path, Some(dockerfile));
    let lines: Vec<_> = a.attribution.layers.iter().map(|o| o.dockerfile_line).collect();
    assert_eq!(lines, [None, Some(2), Some(6), Some(9), Some(13)]);
    assert!(a.attribution.unmatched.is_empty(), "{:?}", a.attribution.unmatched);
    assert_eq!(
        (a.attribution.base_layers, a.attribution.base_source),
        (1, BaseSource::Dockerfile)
    );
}
