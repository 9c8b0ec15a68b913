//! The pip requirements files the final image ships (`requirements*.txt`, `requirements/*.txt`,
//! `constraints.txt`; see [`crate::model::is_requirements_file`]) and what their lines pin. Reads
//! the captured text only; whether a lock file sits beside a file is the rules' question.

use std::collections::HashMap;

use crate::model::{NodeId, Tree};

/// Larger requirements files are not read: a hand-written one is a few KiB, and a generated one
/// that large pins everything with hashes anyway.
const MAX_TEXT: usize = 64 << 10;

/// One requirements file of the final image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementsFile {
    /// Absolute path.
    pub path: String,
    /// The layer that wrote the visible copy.
    pub layer: usize,
    /// The requirement lines without an exact version: line number (from 1) and text.
    pub unpinned: Vec<(usize, String)>,
    /// True when the file itself makes pip check versions (`--require-hashes`, `--hash=` on its
    /// lines, or a `-c`/`--constraint` file).
    pub constrained: bool,
    /// True when a line reads another file of the project (`-r`/`-c FILE`, `-e ./pkg`, a local
    /// path or `file:` URL): installing from this file alone, without those, fails.
    pub reads_files: bool,
}

/// Whether a requirement names one exact version: `==` (not a `==1.*` wildcard) or `===`, or a
/// direct reference (`name @ url`, a URL, a path, a VCS link), which names one artefact.
fn exact(spec: &str) -> bool {
    let spec = spec.split(';').next().unwrap_or_default().trim();
    if spec.contains(" @ ") || spec.contains("://") || spec.starts_with(['.', '/']) {
        return true;
    }
    let ops: Vec<&str> = spec.split(',').collect();
    ops.iter().any(|op| {
        op.find("==")
            .map(|i| &op[i + 2..])
            .is_some_and(|v| !v.trim_start_matches('=').trim().is_empty() && !v.contains('*'))
    })
}

/// Reads one file's text: logical lines (a trailing `\` continues), comments dropped.
pub fn parse(path: String, layer: usize, text: &str) -> RequirementsFile {
    let mut unpinned = Vec::new();
    let mut constrained = false;
    let mut reads_files = false;
    let mut logical = String::new();
    let mut first = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            first = i + 1;
        }
        let line = match raw.find(" #") {
            Some(cut) => &raw[..cut],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        if let Some(cont) = line.trim_end().strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let l = std::mem::take(&mut logical);
        let l = l.trim();
        if l.contains("--hash") || l.starts_with("--require-hashes") {
            constrained = true;
        }
        if l.starts_with("-c") || l.starts_with("--constraint") {
            constrained = true;
        }
        let target = ["-r", "--requirement", "-c", "--constraint", "-e", "--editable"]
            .iter()
            .find_map(|o| l.strip_prefix(o).filter(|t| t.starts_with([' ', '=', '\t'])))
            .map(|t| t.trim_start_matches('=').trim());
        let local = |t: &str| t.starts_with(['.', '/']) || t.starts_with("file:");
        match target {
            Some(t) if l.starts_with("-e") || l.starts_with("--editable") => reads_files |= local(t),
            Some(t) => reads_files |= !t.contains("://"),
            None => reads_files |= local(l) || l.contains(" @ file:"),
        }
        if l.is_empty() || l.starts_with('-') {
            continue; // options, `-r other.txt`, `-e .`
        }
        if !exact(l) {
            unpinned.push((first, l.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
    }
    RequirementsFile {
        path,
        layer,
        unpinned,
        constrained,
        reads_files,
    }
}

/// Every requirements file visible in the final image, by path.
pub(super) fn files(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>) -> Vec<RequirementsFile> {
    let mut out: Vec<RequirementsFile> = caps
        .iter()
        .filter(|(_, (_, content))| content.len() <= MAX_TEXT)
        .filter_map(|(&node, &(layer, content))| {
            let path = tree.path_bytes(node);
            crate::model::is_requirements_file(&path).then(|| {
                let origin = super::content_origin(tree, node, layer);
                parse(tree.path(node), origin, &String::from_utf8_lossy(content))
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_versions_count_as_pinned() {
        let text = "# web\nflask>=3\nrequests==2.32.3\ngunicorn  # server\nnumpy==1.*\n\
                    django[argon2]==5.0.6 ; python_version >= \"3.10\"\n-r base.txt\n\
                    app @ https://example.com/app-1.0.whl\nuvicorn~=0.30\npydantic \\\n  >=2\n";
        let f = parse("/app/requirements.txt".into(), 3, text);
        let lines: Vec<(usize, &str)> = f.unpinned.iter().map(|(n, l)| (*n, l.as_str())).collect();
        assert_eq!(
            lines,
            [
                (2, "flask>=3"),
                (4, "gunicorn"),
                (5, "numpy==1.*"),
                (9, "uvicorn~=0.30"),
                (10, "pydantic >=2")
            ]
        );
        assert!(!f.constrained);
    }

    #[test]
    fn requirements_files_are_the_projects_not_the_systems() {
        use crate::model::is_requirements_file as is;
        assert!(is(b"app/requirements.txt") && is(b"srv/requirements-dev.txt"));
        assert!(is(b"app/requirements/base.txt") && is(b"app/constraints.txt"));
        assert!(!is(b"usr/share/doc/python3-pip/requirements.txt"));
        assert!(!is(b"opt/venv/lib/python3.12/site-packages/x/requirements.txt"));
        assert!(!is(b"root/.cache/pip/requirements.txt") && !is(b"app/requirements.in"));
    }

    /// A file that reads others cannot be copied alone before the install (DW505's reorder).
    #[test]
    fn files_that_read_other_files() {
        let reads = |text: &str| parse("/r.txt".into(), 0, text).reads_files;
        for text in [
            "-r base.txt\n",
            "--requirement=base.txt\n",
            "-c constraints.txt\n",
            "-e ./libs/x\n",
            "./wheels/x.whl\n",
            "x @ file:///app/x\n",
        ] {
            assert!(reads(text), "{text}");
        }
        for text in [
            "flask==3.0.3\n",
            "-e git+https://example.org/x.git#egg=x\n",
            "--index-url https://example.org/simple\n",
            "-r https://example.org/r.txt\n",
        ] {
            assert!(!reads(text), "{text}");
        }
    }

    #[test]
    fn hashes_or_constraints_make_a_file_checked() {
        assert!(parse("/r.txt".into(), 0, "--require-hashes\nflask\n").constrained);
        assert!(parse("/r.txt".into(), 0, "-c constraints.txt\nflask\n").constrained);
        assert!(parse("/r.txt".into(), 0, "flask==3.0.3 \\\n    --hash=sha256:ab\n").constrained);
    }
}
