//! The builder the binary shares between `fix --verify` and `build`: finds Docker, Podman or
//! buildah (or the one `--builder` names), builds a Dockerfile with a tag, exports an image to an
//! OCI or Docker archive for the analysis, and runs a command in an image with no network. It
//! runs the tools as child processes and owns nothing of the analysis. `deadweight build` is
//! here too: it builds, exports, and hands the archive and the Dockerfile to the ordinary run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use clap::Parser;

use crate::cli::BuilderKind;

/// A found builder.
#[derive(Debug, Clone)]
pub struct Builder {
    /// Which tool.
    pub kind: BuilderKind,
    program: PathBuf,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// True when the command runs and exits 0 (output discarded).
fn works(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Finds the builder: the one named, else a Docker engine that answers, else buildah, else
/// Podman.
pub fn detect(named: Option<BuilderKind>) -> anyhow::Result<Builder> {
    // Debian's docker.io client first: a newer one elsewhere on PATH may want buildx.
    let docker = Some(PathBuf::from("/usr/bin/docker"))
        .filter(|p| p.is_file())
        .or_else(|| on_path("docker"));
    let candidates = [
        (BuilderKind::Docker, docker),
        (BuilderKind::Buildah, on_path("buildah")),
        (BuilderKind::Podman, on_path("podman")),
    ];
    for (kind, program) in candidates {
        let Some(program) = program else { continue };
        if named.is_some_and(|n| n != kind) {
            continue;
        }
        // A Docker client without an engine cannot build; the others need no daemon.
        if kind == BuilderKind::Docker && !works(&program, &["version", "--format", "{{.Server.Version}}"]) {
            if named.is_some() {
                bail!("docker is installed but no engine answers ({})", program.display());
            }
            continue;
        }
        return Ok(Builder { kind, program });
    }
    match named {
        Some(n) => bail!("the builder {n:?} is not installed"),
        None => bail!("no builder found: install Docker (with a running engine), buildah or Podman"),
    }
}

fn run_checked(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

impl Builder {
    fn cmd(&self) -> Command {
        Command::new(&self.program)
    }

    /// The tool's name.
    pub fn name(&self) -> &'static str {
        match self.kind {
            BuilderKind::Docker => "docker",
            BuilderKind::Podman => "podman",
            BuilderKind::Buildah => "buildah",
        }
    }

    /// Builds `dockerfile` in `context` as `tag`, with `ignore` as the `.dockerignore` (Docker
    /// reads `<dockerfile>.dockerignore` beside the Dockerfile, so the caller puts it there
    /// too), passing `extra` through. The tool's output goes to stderr.
    pub fn build(
        &self,
        dockerfile: &Path,
        ignore: Option<&Path>,
        context: &Path,
        tag: &str,
        extra: &[String],
    ) -> anyhow::Result<()> {
        let mut cmd = self.cmd();
        match self.kind {
            BuilderKind::Buildah => cmd.args(["bud", "--layers", "--isolation", "chroot"]),
            BuilderKind::Podman => cmd.args(["build", "--layers"]),
            // Only BuildKit reads `<Dockerfile>.dockerignore`; Docker 20.10's classic builder
            // would silently send the context with what the fixes ignore.
            BuilderKind::Docker => cmd.arg("build").env("DOCKER_BUILDKIT", "1"),
        };
        // buildah before 1.29 (Debian's 1.28) bind-mounts an empty directory for a stage that
        // came whole from the layer cache (buildah issues 4375, 4522): a `RUN --mount=...,from=`
        // stage needs its stages built afresh there.
        let mounts_a_stage = std::fs::read_to_string(dockerfile).is_ok_and(|t| t.contains("--mount=type=bind,from="));
        if mounts_a_stage && self.kind != BuilderKind::Docker {
            cmd.arg("--no-cache");
        }
        cmd.arg("-f").arg(dockerfile).args(["-t", tag]);
        if let (Some(ignore), false) = (ignore, self.kind == BuilderKind::Docker) {
            cmd.arg("--ignorefile").arg(ignore);
        }
        cmd.args(extra).arg(context).stdout(Stdio::from(std::io::stderr()));
        run_checked(&mut cmd, &format!("{} build of {}", self.name(), dockerfile.display()))
    }

    /// Writes the image `tag` to `out` as an archive deadweight reads.
    pub fn export(&self, tag: &str, out: &Path) -> anyhow::Result<()> {
        let mut cmd = self.cmd();
        match self.kind {
            BuilderKind::Buildah => cmd
                .args(["push", "--quiet", tag])
                .arg(format!("oci-archive:{}", out.display())),
            BuilderKind::Podman => cmd
                .args(["save", "--quiet", "--format", "oci-archive", "-o"])
                .arg(out)
                .arg(tag),
            BuilderKind::Docker => cmd.args(["save", "-o"]).arg(out).arg(tag),
        };
        run_checked(cmd.stdout(Stdio::null()), &format!("{} export of {tag}", self.name()))
    }

    /// Makes an image archive (of deadweight's `format`: `oci-archive`, `docker-archive`...)
    /// usable by [`Builder::run`]: a reference the tool knows.
    pub fn import(&self, archive: &Path, format: &str) -> anyhow::Result<String> {
        match self.kind {
            // buildah and podman read archives through their transports directly.
            BuilderKind::Buildah | BuilderKind::Podman => {
                let oci = format.starts_with("oci");
                Ok(format!(
                    "{}:{}",
                    if oci { "oci-archive" } else { "docker-archive" },
                    archive.display()
                ))
            }
            BuilderKind::Docker => {
                let out = self.cmd().args(["load", "-q", "-i"]).arg(archive).output()?;
                let text = String::from_utf8_lossy(&out.stdout);
                let loaded = text
                    .lines()
                    .find_map(|l| l.split_once(": ").map(|(_, r)| r.trim().to_string()));
                loaded.with_context(|| format!("docker load of {} named no image", archive.display()))
            }
        }
    }

    /// Runs `sh -c command` in `image` with no network; the exit status (`None`: killed).
    pub fn run(&self, image: &str, command: &str) -> anyhow::Result<Option<i32>> {
        let status = match self.kind {
            BuilderKind::Docker | BuilderKind::Podman => {
                let mut cmd = self.cmd();
                cmd.args([
                    "run",
                    "--rm",
                    "--network",
                    "none",
                    "--entrypoint",
                    "/bin/sh",
                    image,
                    "-c",
                    command,
                ]);
                cmd.status()?
            }
            BuilderKind::Buildah => {
                let out = self.cmd().args(["from", "--quiet", image]).output()?;
                let container = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !out.status.success() || container.is_empty() {
                    bail!(
                        "buildah from {image} failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    );
                }
                // chroot isolation cannot drop the network itself: an empty namespace does.
                let status = Command::new("unshare")
                    .arg("-n")
                    .arg(&self.program)
                    .args([
                        "run",
                        "--isolation",
                        "chroot",
                        &container,
                        "--",
                        "/bin/sh",
                        "-c",
                        command,
                    ])
                    .status();
                let _ = self.cmd().args(["rm", &container]).stdout(Stdio::null()).status();
                status?
            }
        };
        Ok(status.code())
    }
}

/// The tag of the rebuilt image: `<image>-deadweight-fix`, the file's stem under `localhost/`
/// for an archive.
pub fn fix_tag(image: &str) -> String {
    let path = Path::new(image);
    let name = if path.exists() {
        let stem = path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = stem.split('.').next().unwrap_or("image").to_ascii_lowercase();
        let clean: String = stem
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .collect();
        format!("localhost/{}", if clean.is_empty() { "image".into() } else { clean })
    } else {
        image.split('@').next().unwrap_or(image).to_string()
    };
    format!("{name}-deadweight-fix")
}

/// The Dockerfile and tag among `docker build`-style arguments: `-f`/`--file`, `-t`/`--tag`.
fn build_flags(args: &[String]) -> (Option<String>, Option<String>) {
    let (mut file, mut tag) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        let slot = match name {
            "-f" | "--file" => &mut file,
            "-t" | "--tag" => &mut tag,
            _ => continue,
        };
        *slot = inline.or_else(|| it.next().cloned());
    }
    (file, tag)
}

/// `deadweight build [ARGS...] CONTEXT`: builds, exports the image to a temporary archive and
/// runs the explorer (or the CI check) on it with the Dockerfile known.
pub fn build_command(b: &crate::cli::BuildArgs) -> anyhow::Result<std::process::ExitCode> {
    let builder = detect(b.builder)?;
    let Some((context, rest)) = b.args.split_last() else {
        bail!("deadweight build needs a build context");
    };
    let (file, tag) = build_flags(rest);
    let dockerfile = file.map_or_else(|| Path::new(context).join("Dockerfile"), PathBuf::from);
    let tag = tag.unwrap_or_else(|| "localhost/deadweight-build:latest".to_string());
    let mut extra: Vec<String> = rest.to_vec();
    if !rest
        .iter()
        .any(|a| a == "-t" || a == "--tag" || a.starts_with("--tag="))
    {
        extra.extend(["-t".to_string(), tag.clone()]);
    }
    // `build` below adds `-f` and `-t`: pass the user's own arguments through unchanged.
    let mut cmd = Command::new(&builder.program);
    match builder.kind {
        BuilderKind::Buildah => cmd.args(["bud", "--layers", "--isolation", "chroot"]),
        BuilderKind::Podman => cmd.args(["build", "--layers"]),
        BuilderKind::Docker => cmd.arg("build"),
    };
    cmd.args(&extra).arg(context).stdout(Stdio::from(std::io::stderr()));
    run_checked(&mut cmd, &format!("{} build", builder.name()))?;
    let dir = std::env::temp_dir().join(format!("deadweight-build-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let archive = dir.join("image.tar");
    let result = builder.export(&tag, &archive).and_then(|()| {
        let mut argv = vec!["deadweight".to_string(), archive.to_string_lossy().into_owned()];
        argv.extend(["--dockerfile".to_string(), dockerfile.to_string_lossy().into_owned()]);
        if b.ci {
            argv.push("--ci".into());
        }
        crate::run(&crate::cli::Cli::try_parse_from(argv)?)
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}
