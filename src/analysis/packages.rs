//! What the package managers installed, sized from the bytes actually in the final filesystem:
//! Python distributions (`*.dist-info/RECORD`, else egg-info `installed-files.txt`), Debian
//! packages (dpkg `status` + `info/*.list`) and Alpine packages (`lib/apk/db/installed`).
//! Reads only the metadata files captured while decoding and the merged tree.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{EntryKind, NodeId, Tree};

/// Tools for development and testing that a runtime image does not need.
pub const DEV_TOOLS: &[&str] = &[
    "pytest",
    "pytest-cov",
    "pytest-mock",
    "pytest-xdist",
    "mypy",
    "mypy-extensions",
    "black",
    "ruff",
    "flake8",
    "pylint",
    "isort",
    "coverage",
    "tox",
    "nox",
    "nose",
    "nose2",
    "pip-tools",
    "pre-commit",
    "ipython",
    "ipdb",
    "pyright",
    "bandit",
    "hypothesis",
    "pycodestyle",
    "pyflakes",
    "autopep8",
    "yapf",
    "sphinx",
    "twine",
    "build",
    "poetry",
    "pipenv",
];

/// One Python distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PythonPackage {
    /// Distribution name as its metadata directory spells it.
    pub name: String,
    /// Version.
    pub version: String,
    /// Content bytes of its files in the final filesystem.
    pub bytes: u64,
    /// Its files found in the final filesystem.
    pub files: u64,
    /// Layer that wrote its metadata (the install).
    pub layer: usize,
    /// The site-packages (or dist-packages) directory.
    pub location: String,
    /// A development or test tool (pytest, mypy, black, ...).
    pub dev_tool: bool,
    /// Names of the distributions it requires (without extras-only requirements).
    pub requires: Vec<String>,
    /// Its files in the final filesystem.
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

/// One Debian or Alpine package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemPackage {
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Content bytes of its files in the final filesystem.
    pub bytes: u64,
    /// Its regular files found in the final filesystem.
    pub files: u64,
    /// Layer that installed it.
    pub layer: usize,
    /// Its regular files in the final filesystem.
    #[serde(skip)]
    pub nodes: Vec<NodeId>,
}

/// All packages found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Packages {
    /// Python distributions, largest first.
    pub python: Vec<PythonPackage>,
    /// Debian packages, largest first.
    pub debian: Vec<SystemPackage>,
    /// Alpine packages, largest first.
    pub alpine: Vec<SystemPackage>,
}

/// A captured metadata file (see [`LayerScan::captured`](crate::model::LayerScan::captured)):
/// the node its entry landed on in the merged tree, its layer and its content.
pub type Capture = (NodeId, usize, Vec<u8>);

/// Contents of the captured metadata files that are visible in the final image, by node.
fn visible_captures<'a>(captures: &'a [Capture], tree: &Tree) -> HashMap<NodeId, (usize, &'a [u8])> {
    let mut out = HashMap::new();
    for (node, layer, content) in captures {
        if tree
            .current(*node)
            .is_some_and(|v| tree.version(v).layer as usize == *layer)
        {
            out.insert(*node, (*layer, content.as_slice()));
        }
    }
    out
}

/// Node and size of the regular file visible at `path` in the final image.
fn file_size(tree: &Tree, path: &[u8]) -> Option<(NodeId, u64)> {
    let node = tree.lookup(path)?;
    let v = tree.version(tree.current(node)?);
    (v.kind == EntryKind::File).then_some((node, v.size))
}

/// Joins a relative path to a directory, resolving `.` and `..` textually.
fn join(dir: &[u8], rel: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = if rel.starts_with(b"/") {
        Vec::new()
    } else {
        dir.split(|&b| b == b'/').filter(|p| !p.is_empty()).collect()
    };
    for p in rel.split(|&b| b == b'/') {
        match p {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join(&b'/')
}

/// Content bytes, file count and nodes of the regular files visible at `paths`.
fn sum_files(tree: &Tree, paths: impl Iterator<Item = Vec<u8>>) -> (u64, u64, Vec<NodeId>) {
    let (mut bytes, mut files, mut nodes) = (0, 0, Vec::new());
    for p in paths {
        if let Some((node, size)) = file_size(tree, &p) {
            nodes.push(node);
            bytes += size;
            files += 1;
        }
    }
    nodes.sort_unstable();
    let before = nodes.len();
    nodes.dedup();
    if nodes.len() != before {
        // A path listed twice counts once.
        let sizes: u64 = nodes
            .iter()
            .filter_map(|&n| tree.current(n))
            .map(|v| tree.version(v).size)
            .sum();
        return (sizes, nodes.len() as u64, nodes);
    }
    (bytes, files, nodes)
}

type Files = (u64, u64, Vec<NodeId>);

fn add(a: Files, b: Files) -> Files {
    let mut nodes = a.2;
    nodes.extend(b.2);
    (a.0 + b.0, a.1 + b.1, nodes)
}

/// Names a distribution requires: `Requires-Dist` of METADATA (skipping extras-only ones), or
/// the unconditional section of egg-info `requires.txt`.
fn requirements(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>, meta_dir: &[u8]) -> Vec<String> {
    let text = |name: &str| {
        let mut p = meta_dir.to_vec();
        p.push(b'/');
        p.extend_from_slice(name.as_bytes());
        tree.lookup(&p)
            .and_then(|n| caps.get(&n))
            .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
    };
    let name_of = |spec: &str| {
        spec.trim()
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let mut out = Vec::new();
    if let Some(meta) = text("METADATA") {
        for line in meta.lines().take_while(|l| !l.is_empty()) {
            if let Some(spec) = line.strip_prefix("Requires-Dist:")
                && !spec.contains("extra ==")
                && !spec.contains("extra==")
            {
                out.push(name_of(spec));
            }
        }
    } else if let Some(req) = text("requires.txt") {
        for line in req.lines().take_while(|l| !l.starts_with('[')) {
            if !line.trim().is_empty() {
                out.push(name_of(line));
            }
        }
    }
    out.retain(|n| !n.is_empty());
    out.sort();
    out.dedup();
    out
}

/// How a distribution lists its files.
#[derive(Clone, Copy)]
enum Listing {
    /// `*.dist-info/RECORD`: paths relative to site-packages.
    Record,
    /// egg-info `installed-files.txt`: paths relative to the egg-info directory.
    InstalledFiles,
    /// egg-info `top_level.txt` only: the named packages' directories and modules.
    TopLevel,
}

/// Content bytes and regular files visible in the final image at or below `path`, when it is a
/// directory (nothing when it is absent or not a directory).
fn subtree_files(tree: &Tree, path: &[u8]) -> Files {
    let Some(root) = tree.lookup(path) else {
        return (0, 0, Vec::new());
    };
    let (mut bytes, mut files, mut nodes) = (0, 0, Vec::new());
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let Some(v) = tree.current(n).map(|v| tree.version(v)) else {
            continue;
        };
        match v.kind {
            EntryKind::File if n != root => {
                bytes += v.size;
                files += 1;
                nodes.push(n);
            }
            EntryKind::Dir => stack.extend(tree.children(n)),
            _ => {}
        }
    }
    (bytes, files, nodes)
}

/// The first field of a RECORD line: CSV, possibly quoted.
fn record_path(line: &[u8]) -> Vec<u8> {
    if let Some(rest) = line.strip_prefix(b"\"") {
        let mut out = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            match (rest[i], rest.get(i + 1)) {
                (b'"', Some(b'"')) => {
                    out.push(b'"');
                    i += 2;
                }
                (b'"', _) => break,
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        out
    } else {
        line.split(|&b| b == b',').next().unwrap_or_default().to_vec()
    }
}

fn python(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>) -> Vec<PythonPackage> {
    let mut out = Vec::new();
    for (&node, &(layer, content)) in caps {
        let path = tree.path_bytes(node);
        let (meta_dir, listing) = if path.ends_with(b".dist-info/RECORD") {
            (&path[..path.len() - "/RECORD".len()], Listing::Record)
        } else if path.ends_with(b".egg-info/installed-files.txt") {
            (
                &path[..path.len() - "/installed-files.txt".len()],
                Listing::InstalledFiles,
            )
        } else if path.ends_with(b".egg-info/top_level.txt") {
            let dir = &path[..path.len() - "/top_level.txt".len()];
            let mut sibling = dir.to_vec();
            sibling.extend_from_slice(b"/installed-files.txt");
            if tree.lookup(&sibling).is_some_and(|n| caps.contains_key(&n)) {
                continue; // the exact list wins over the top-level guess
            }
            (dir, Listing::TopLevel)
        } else {
            continue;
        };
        let split = meta_dir.iter().rposition(|&b| b == b'/').unwrap_or(0);
        let site = &meta_dir[..split];
        let stem = String::from_utf8_lossy(&meta_dir[split + 1..]);
        let stem = stem.trim_end_matches(".dist-info").trim_end_matches(".egg-info");
        let (name, version) = stem.split_once('-').unwrap_or((stem, ""));
        let version = version.split('-').next().unwrap_or_default();
        let lines = content
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.is_empty());
        let (bytes, files, nodes) = match listing {
            Listing::Record => sum_files(tree, lines.map(|l| join(site, &record_path(l)))),
            Listing::InstalledFiles => {
                // The list does not name itself; count the metadata directory whole.
                let listed = sum_files(tree, lines.map(|l| join(meta_dir, l)));
                add(listed, subtree_files(tree, meta_dir))
            }
            Listing::TopLevel => {
                let mut total = subtree_files(tree, meta_dir);
                for top in lines {
                    total = add(total, subtree_files(tree, &join(site, top)));
                    let mut module = join(site, top);
                    module.extend_from_slice(b".py");
                    total = add(total, sum_files(tree, std::iter::once(module)));
                }
                total
            }
        };
        let requires = requirements(tree, caps, meta_dir);
        let key = name.to_ascii_lowercase().replace('_', "-");
        out.push(PythonPackage {
            dev_tool: DEV_TOOLS.contains(&key.as_str()),
            name: name.to_string(),
            version: version.to_string(),
            bytes,
            files,
            layer,
            location: crate::model::tree::escape_bytes(site),
            requires,
            nodes,
        });
    }
    out.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.location.cmp(&b.location))
    });
    out
}

/// `Key: value` stanzas separated by blank lines (dpkg status, apk installed).
fn stanzas(text: &str) -> impl Iterator<Item = Vec<(&str, &str)>> {
    text.split("\n\n").map(|block| {
        block
            .lines()
            .filter(|l| !l.starts_with([' ', '\t']))
            .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim(), v.trim())))
            .collect()
    })
}

fn debian(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>) -> Vec<SystemPackage> {
    let Some(&(_, status)) = tree.lookup(b"var/lib/dpkg/status").and_then(|n| caps.get(&n)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for st in stanzas(&String::from_utf8_lossy(status)) {
        let get = |k: &str| st.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let (Some(name), Some(status)) = (get("Package"), get("Status")) else {
            continue;
        };
        if !status.ends_with(" installed") {
            continue;
        }
        let arch = get("Architecture").unwrap_or_default();
        let list = [
            format!("var/lib/dpkg/info/{name}:{arch}.list"),
            format!("var/lib/dpkg/info/{name}.list"),
        ]
        .into_iter()
        .find_map(|p| tree.lookup(p.as_bytes()).and_then(|n| caps.get(&n)));
        let ((bytes, files, nodes), layer) = match list {
            Some(&(layer, content)) => {
                let listed = content
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec);
                (sum_files(tree, listed), layer)
            }
            None => ((0, 0, Vec::new()), 0),
        };
        out.push(SystemPackage {
            name: name.to_string(),
            version: get("Version").unwrap_or_default().to_string(),
            bytes,
            files,
            layer,
            nodes,
        });
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

fn alpine(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>) -> Vec<SystemPackage> {
    let Some(&(db_layer, db)) = tree.lookup(b"lib/apk/db/installed").and_then(|n| caps.get(&n)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for st in stanzas(&String::from_utf8_lossy(db)) {
        let (mut name, mut version, mut dir) = ("", "", String::new());
        let mut paths = Vec::new();
        for (k, v) in st {
            match k {
                "P" => name = v,
                "V" => version = v,
                "F" => dir = v.to_string(),
                "R" => paths.push(format!("{dir}/{v}").into_bytes()),
                _ => {}
            }
        }
        if name.is_empty() {
            continue;
        }
        let layer = paths
            .iter()
            .find_map(|p| {
                tree.lookup(p)
                    .and_then(|n| tree.current(n))
                    .map(|v| tree.version(v).layer as usize)
            })
            .unwrap_or(db_layer);
        let (bytes, files, nodes) = sum_files(tree, paths.into_iter());
        out.push(SystemPackage {
            name: name.to_string(),
            version: version.to_string(),
            bytes,
            files,
            layer,
            nodes,
        });
    }
    out.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Finds every package in the final image from the captured metadata files of all layers.
pub fn packages(captures: &[Capture], tree: &Tree) -> Packages {
    let caps = visible_captures(captures, tree);
    Packages {
        python: python(tree, &caps),
        debian: debian(tree, &caps),
        alpine: alpine(tree, &caps),
    }
}
