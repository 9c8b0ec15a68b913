//! What the package managers installed, sized from the bytes actually in the final filesystem:
//! Python distributions (`*.dist-info/RECORD`, else egg-info `installed-files.txt`), Debian
//! packages (dpkg `status` + `info/*.list`) and Alpine packages (`lib/apk/db/installed`).
//! Reads only the metadata files captured while decoding and the merged tree. A hard link is a
//! file of its package holding its target's bytes, counted once per package however many links
//! share them. The Python side is `python`.

use std::collections::HashMap;

use serde::Serialize;

mod identity;
pub mod links;
mod python;
mod requirements;

pub use identity::{Ecosystem, PackageRef};
pub use requirements::RequirementsFile;

use crate::model::tree::VersionId;
use crate::model::{Change, EntryKind, NodeId, Tree};

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
    /// Installed from a wheel built on the build machine: every tag of its `WHEEL` names a
    /// plain `linux_*` platform, which no index publishes (no manylinux or musllinux wheel fit).
    #[serde(skip)]
    pub built_locally: bool,
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
    /// The shared objects in site-packages and what provides each library they link to, by
    /// path (not in the report: the build-stage fix reads it).
    #[serde(skip)]
    pub shared_objects: Vec<links::SharedObject>,
    /// The requirements files the image ships, by path.
    #[serde(skip)]
    pub requirements: Vec<RequirementsFile>,
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

/// The layer that brought the content now visible at `node`, seen from `layer` (the layer of
/// its visible version): later copies that stored the same content again with another mode or
/// owner (`chmod -R`, `chown -R`) or unchanged do not install anything, the layer below them
/// did (a venv copied from the build context, then made executable, was installed by the COPY).
fn content_origin(tree: &Tree, node: NodeId, layer: usize) -> usize {
    let mut origin = layer;
    for (_, v) in tree.history(node) {
        if (v.layer as usize) > layer {
            continue;
        }
        if !v.is_entry() {
            break;
        }
        origin = v.layer as usize;
        if !matches!(v.change, Change::Metadata | Change::Unchanged) {
            break;
        }
    }
    origin
}

/// Node and size of the regular file visible at `path` in the final image.
fn file_size(tree: &Tree, path: &[u8]) -> Option<Found> {
    content_of(tree, tree.lookup(path)?)
}

/// A visible regular file or hard link at `node`: its size and the version that holds its
/// content (a hard link's is its target's; one whose target is gone holds nothing).
fn content_of(tree: &Tree, node: NodeId) -> Option<Found> {
    let id = tree.current(node)?;
    let v = tree.version(id);
    match v.kind {
        EntryKind::File => Some((node, v.size, id)),
        EntryKind::Hardlink => Some(match tree.hardlink_target(v) {
            Some(t) => (node, tree.version(t).size, t),
            None => (node, 0, id),
        }),
        _ => None,
    }
}

/// A file of a package: its node, its bytes, and the version holding those bytes.
type Found = (NodeId, u64, VersionId);

/// Bytes, file count and nodes of a package's files: a path listed twice counts once, and so
/// do bytes that hard links share (uv and `cp -l` link files into a venv from a cache).
fn tally(mut found: Vec<Found>) -> Files {
    found.sort_unstable_by_key(|f| f.0);
    found.dedup_by_key(|f| f.0);
    let nodes: Vec<NodeId> = found.iter().map(|f| f.0).collect();
    found.sort_unstable_by_key(|f| f.2);
    found.dedup_by_key(|f| f.2);
    (found.iter().map(|f| f.1).sum(), nodes.len() as u64, nodes)
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

/// Content bytes, file count and nodes of the regular files (and hard links) visible at
/// `paths`.
fn sum_files(tree: &Tree, paths: impl Iterator<Item = Vec<u8>>) -> Files {
    tally(paths.filter_map(|p| file_size(tree, &p)).collect())
}

type Files = (u64, u64, Vec<NodeId>);

fn add(a: Files, b: Files) -> Files {
    let mut nodes = a.2;
    nodes.extend(b.2);
    (a.0 + b.0, a.1 + b.1, nodes)
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

impl SystemPackage {
    fn new(name: &str, version: &str, (bytes, files, nodes): Files, layer: usize) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            bytes,
            files,
            layer,
            nodes,
        }
    }
}

/// Largest first, then by name: the order of [`Packages::debian`] and [`Packages::alpine`].
fn largest_first(mut pkgs: Vec<SystemPackage>) -> Vec<SystemPackage> {
    pkgs.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    pkgs
}

/// An installed package of the dpkg database: its name, version, and its file list with the
/// layer that wrote it, when the list is captured.
type Dpkg<'a> = (String, String, Option<(usize, &'a [u8])>);

/// The installed packages of the dpkg database.
fn dpkg<'a>(tree: &Tree, caps: &HashMap<NodeId, (usize, &'a [u8])>) -> Vec<Dpkg<'a>> {
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
        .find_map(|p| tree.lookup(p.as_bytes()).and_then(|n| caps.get(&n)).copied());
        out.push((name.to_string(), get("Version").unwrap_or_default().to_string(), list));
    }
    out
}

fn debian(tree: &Tree, installed: &[Dpkg<'_>]) -> Vec<SystemPackage> {
    let mut out = Vec::new();
    for (name, version, list) in installed {
        let (files, layer) = match list {
            Some((layer, content)) => {
                let listed = content
                    .split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec);
                (sum_files(tree, listed), *layer)
            }
            None => ((0, 0, Vec::new()), 0),
        };
        out.push(SystemPackage::new(name, version, files, layer));
    }
    largest_first(out)
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
        out.push(SystemPackage::new(
            name,
            version,
            sum_files(tree, paths.into_iter()),
            layer,
        ));
    }
    largest_first(out)
}

/// Finds every package in the final image from the captured metadata files of all layers.
pub fn packages(captures: &[Capture], tree: &Tree) -> Packages {
    let caps = visible_captures(captures, tree);
    let installed = dpkg(tree, &caps);
    Packages {
        python: python::python(tree, &caps),
        debian: debian(tree, &installed),
        alpine: alpine(tree, &caps),
        shared_objects: links::shared_objects(tree, &caps, &installed),
        requirements: requirements::files(tree, &caps),
    }
}
