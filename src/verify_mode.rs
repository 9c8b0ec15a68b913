//! `deadweight fix --verify`: builds the rewritten Dockerfile with the shared builder, analyses
//! the new image, and compares: per applied edit the predicted and the measured saving (the
//! drop of its rules' reclaimable bytes), the totals before and after, the final filesystems
//! (a path that disappeared or changed outside what the applied fixes predicted fails), and
//! with `--run` the exit status of a smoke command in both images. Files are written to a
//! temporary folder only; the user's files are `fix_mode`'s business.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use deadweight::analysis::{self, Analysis, dockerfile};
use deadweight::fix::{Applied, Plan};
use deadweight::model::EntryKind;
use deadweight::source;

use crate::build_mode;

mod expected;
use crate::cli::BuilderKind;
use crate::cli::FixArgs;

/// What the verification measured.
#[derive(Debug, Serialize)]
pub struct Verification {
    /// The builder used.
    pub builder: BuilderKind,
    /// The rebuilt image's tag.
    pub tag: String,
    /// Per plan edit (by index), the measured saving of the applied ones.
    pub measured: BTreeMap<usize, i64>,
    /// Figures of the original image.
    pub before: Figures,
    /// Figures of the rebuilt image.
    pub after: Figures,
    /// Paths that disappeared or changed outside what the applied fixes predicted.
    pub unexpected: Vec<Unexpected>,
    /// Paths whose bytes differ while kind, size, mode and owner stay: a step that ran again
    /// and is not reproducible (a compiled extension keeps its random build folder, the
    /// RECORD beside it lists its hash). Listed, not a failure.
    pub rebuilt: Vec<String>,
    /// Findings of the applied fixes' rules that the rebuilt image still has.
    pub left: Vec<Left>,
    /// The smoke command and its exit status in both images.
    pub run: Option<RunResult>,
    /// True when nothing unexpected changed and the smoke command agreed.
    pub passed: bool,
}

/// Whole-image figures compared before and after.
#[derive(Debug, Serialize)]
pub struct Figures {
    /// Content bytes of all layers.
    pub shipped_bytes: u64,
    /// Layer blobs as stored.
    pub compressed_bytes: u64,
    /// Content bytes of the final filesystem.
    pub final_bytes: u64,
    /// Number of layers.
    pub layers: usize,
    /// What the findings call reclaimable.
    pub reclaimable_bytes: u64,
}

/// One path that changed unexpectedly.
#[derive(Debug, Serialize)]
pub struct Unexpected {
    /// The path in the image.
    pub path: String,
    /// `disappeared` or `changed`.
    pub how: &'static str,
}

/// A finding of a fixed rule that the rebuilt image still has.
#[derive(Debug, Serialize)]
pub struct Left {
    /// The rule id.
    pub rule: &'static str,
    /// The finding's title.
    pub title: String,
    /// What it calls reclaimable.
    pub reclaimable_bytes: u64,
}

/// The smoke command's exit statuses.
#[derive(Debug, Serialize)]
pub struct RunResult {
    /// The command (`sh -c`).
    pub command: String,
    /// Exit status in the original image (`null`: killed).
    pub before: Option<i32>,
    /// Exit status in the rebuilt image.
    pub after: Option<i32>,
}

fn figures(a: &Analysis) -> Figures {
    Figures {
        shipped_bytes: a.totals.bytes,
        compressed_bytes: a.totals.compressed_bytes,
        final_bytes: a.totals.final_bytes,
        layers: a.layers().len(),
        reclaimable_bytes: a.totals.reclaimable_bytes,
    }
}

/// What is compared per path: kind, size, content hash (0 for directories), mode, owner.
type Entry = (EntryKind, u64, u64, u32, u32, u32);

/// Path -> [`Entry`] of the final filesystem.
fn final_fs(a: &Analysis) -> BTreeMap<String, Entry> {
    let tree = &a.tree;
    tree.versions()
        .iter()
        .filter(|v| v.in_final())
        .map(|v| {
            let dir = v.kind == EntryKind::Dir;
            let (size, hash) = if dir { (0, 0) } else { (v.size, v.hash) };
            (tree.path(v.node), (v.kind, size, hash, v.mode, v.uid, v.gid))
        })
        .collect()
}

/// Builds, analyses and compares. `new_dockerfile` and `new_ignore` are the rewritten texts.
pub fn verify(
    builder: &build_mode::Builder,
    args: &FixArgs,
    before: &Analysis,
    plan: &Plan,
    applied: &Applied,
    context: &Path,
    new_ignore: Option<&str>,
) -> anyhow::Result<Verification> {
    let dir = TempDir::new()?;
    let dockerfile_path = dir.0.join("Dockerfile");
    std::fs::write(&dockerfile_path, &applied.dockerfile)?;
    let ignore_path = dir.0.join(".dockerignore");
    if let Some(text) = new_ignore {
        std::fs::write(&ignore_path, text)?;
        std::fs::write(dir.0.join("Dockerfile.dockerignore"), text)?;
    }
    let tag = build_mode::fix_tag(&args.image);
    eprintln!("# verify: building {tag} with {}", builder.name());
    builder.build(
        &dockerfile_path,
        new_ignore.map(|_| ignore_path.as_path()),
        context,
        &tag,
        &args.builder_args,
    )?;
    let archive = dir.0.join("after.oci-archive.tar");
    builder.export(&tag, &archive)?;
    let df = dockerfile::parse(&applied.dockerfile).context("the rewritten Dockerfile")?;
    let opts = analysis::AnalyzeOptions {
        dockerfile: Some(df),
        dockerignore: Some(new_ignore.is_some()),
        ..Default::default()
    };
    let spec = source::reference::parse(&archive.to_string_lossy(), None)?;
    let after = analysis::load_and_analyze(&spec, &crate::load_options(&args.load), &opts)
        .with_context(|| format!("the rebuilt image {tag}"))?;

    // Measured per edit: the drop of each rule's reclaimable bytes, shared among the applied
    // edits of that rule in proportion to their predictions.
    let by_rule = |a: &Analysis, rule: &str| -> i64 {
        a.findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.reclaimable_bytes as i64)
            .sum()
    };
    let mut measured = BTreeMap::new();
    let rules: BTreeSet<&str> = applied
        .applied
        .iter()
        .flat_map(|&i| plan.edits[i].rules.iter().copied())
        .collect();
    for rule in rules {
        let delta = by_rule(before, rule) - by_rule(&after, rule);
        let holders: Vec<usize> = applied
            .applied
            .iter()
            .copied()
            .filter(|&i| plan.edits[i].rules.contains(&rule))
            .collect();
        let total: u64 = holders.iter().map(|&i| plan.edits[i].predicted_bytes).sum();
        for &i in &holders {
            let share = match total {
                0 => delta / holders.len() as i64,
                t => (delta as i128 * plan.edits[i].predicted_bytes as i128 / t as i128) as i64,
            };
            *measured.entry(i).or_insert(0) += share;
        }
    }

    // What the applied fixes were meant to remove or rebuild.
    let fixed_rules: BTreeSet<&str> = applied
        .applied
        .iter()
        .flat_map(|&i| plan.edits[i].rules.iter().copied())
        .collect();
    let expected = expected::Expected::new(before, plan, applied, &fixed_rules);
    let (old, new) = (final_fs(before), final_fs(&after));
    let left = after
        .findings
        .iter()
        .filter(|f| fixed_rules.contains(f.rule))
        .map(|f| Left {
            rule: f.rule,
            title: f.title.clone(),
            reclaimable_bytes: f.reclaimable_bytes,
        })
        .collect();
    let (mut unexpected, mut rebuilt) = (Vec::new(), Vec::new());
    for (path, entry) in &old {
        if expected::noise(path) || expected.covers(path, entry.0 == EntryKind::Dir) {
            continue;
        }
        match new.get(path) {
            None => unexpected.push(Unexpected {
                path: path.clone(),
                how: "disappeared",
            }),
            // Same kind, size, mode and owner: only the bytes differ.
            Some(n) if n.2 != entry.2 && (n.0, n.1, n.3, n.4, n.5) == (entry.0, entry.1, entry.3, entry.4, entry.5) => {
                rebuilt.push(path.clone())
            }
            Some(n) if n != entry => unexpected.push(Unexpected {
                path: path.clone(),
                how: "changed",
            }),
            Some(_) => {}
        }
    }

    let run = match &args.run {
        Some(command) => {
            let original = match Path::new(&args.image).exists() {
                true => builder.import(Path::new(&args.image), &before.image.format)?,
                false => args.image.clone(),
            };
            let before = builder.run(&original, command)?;
            let after = builder.run(&tag, command)?;
            Some(RunResult {
                command: command.clone(),
                before,
                after,
            })
        }
        None => None,
    };
    let passed = unexpected.is_empty() && run.as_ref().is_none_or(|r| r.before == r.after);
    Ok(Verification {
        builder: builder.kind,
        tag,
        measured,
        before: figures(before),
        after: figures(&after),
        unexpected,
        rebuilt,
        left,
        run,
        passed,
    })
}

/// The verification's part of the summary on stderr.
pub fn summary(v: &Verification, plan: &Plan) -> String {
    use deadweight::report::units::size;
    let mut out = String::from("# verify: predicted vs measured saving per applied change\n");
    for (&i, &m) in &v.measured {
        let e = &plan.edits[i];
        let shown = if m < 0 {
            format!("-{}", size(m.unsigned_abs()))
        } else {
            size(m as u64)
        };
        out.push_str(&format!(
            "#   {:<11} predicted {:>10}  measured {:>10}  {}\n",
            e.rules.join("+"),
            size(e.predicted_bytes),
            shown,
            e.summary
        ));
    }
    let (b, a) = (&v.before, &v.after);
    for (what, x, y) in [
        ("shipped", b.shipped_bytes, a.shipped_bytes),
        ("compressed", b.compressed_bytes, a.compressed_bytes),
        ("final", b.final_bytes, a.final_bytes),
        ("reclaimable", b.reclaimable_bytes, a.reclaimable_bytes),
    ] {
        out.push_str(&format!("# verify: {what:<11} {:>10} -> {:>10}\n", size(x), size(y)));
    }
    out.push_str(&format!("# verify: layers      {:>10} -> {:>10}\n", b.layers, a.layers));
    for u in v.unexpected.iter().take(20) {
        out.push_str(&format!("# verify: unexpected: {} {}\n", u.path, u.how));
    }
    if v.unexpected.len() > 20 {
        out.push_str(&format!(
            "# verify: ... and {} more unexpected paths\n",
            v.unexpected.len() - 20
        ));
    }
    if let Some(first) = v.rebuilt.first() {
        out.push_str(&format!(
            "# verify: {} path(s) rebuilt with other bytes (same size, mode and owner), e.g. {first}\n",
            v.rebuilt.len()
        ));
    }
    for l in &v.left {
        out.push_str(&format!(
            "# verify: still found: {} {} ({})\n",
            l.rule,
            l.title,
            size(l.reclaimable_bytes)
        ));
    }
    if let Some(r) = &v.run {
        out.push_str(&format!(
            "# verify: `{}` exits {} before, {} after\n",
            r.command,
            exit_status(r.before),
            exit_status(r.after)
        ));
    }
    out.push_str(if v.passed {
        "# verify: passed\n"
    } else {
        "# verify: FAILED\n"
    });
    out
}

/// A temporary folder removed on drop (the binary has no tempfile crate).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("deadweight-fix-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An exit status as people read it: the code, or why there is none.
fn exit_status(code: Option<i32>) -> String {
    code.map_or_else(
        || "without a status (killed by a signal)".to_string(),
        |c| c.to_string(),
    )
}
