//! Python distributions: `*.dist-info/RECORD`, else egg-info `installed-files.txt`, else
//! `top_level.txt`, in every site-packages or other install directory but a cache; their
//! requirements; whether each is a development tool. Sizes come from the merged tree through the
//! shared helpers of [`super`].

use std::collections::HashMap;

use super::{DEV_TOOLS, Files, PythonPackage, add, content_of, join, sum_files, tally};
use crate::model::{EntryKind, NodeId, Tree};

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

/// Whether the `WHEEL` file of a dist-info directory tags a wheel built here: every `Tag:`
/// platform (`cp311-cp311-linux_x86_64`; compressed tags split on `.`) a plain `linux_*` one.
fn local_wheel(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>, meta_dir: &[u8]) -> bool {
    let mut p = meta_dir.to_vec();
    p.extend_from_slice(b"/WHEEL");
    let Some((_, text)) = tree.lookup(&p).and_then(|n| caps.get(&n)) else {
        return false;
    };
    let text = String::from_utf8_lossy(text);
    let mut platforms = text
        .lines()
        .filter_map(|l| l.strip_prefix("Tag:"))
        .flat_map(|tag| tag.trim().rsplit('-').next().unwrap_or_default().split('.'))
        .peekable();
    platforms.peek().is_some() && platforms.all(|p| p.starts_with("linux_"))
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

/// Content bytes and regular files (and hard links) visible in the final image at or below
/// `path`, when it is a directory (nothing when it is absent or not a directory).
fn subtree_files(tree: &Tree, path: &[u8]) -> Files {
    let Some(root) = tree.lookup(path) else {
        return (0, 0, Vec::new());
    };
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let Some(v) = tree.current(n).map(|v| tree.version(v)) else {
            continue;
        };
        match v.kind {
            EntryKind::Dir => stack.extend(tree.children(n)),
            _ if n != root => found.extend(content_of(tree, n)),
            _ => {}
        }
    }
    tally(found)
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

/// Whether metadata in `site` describes an installed distribution: anywhere but inside a
/// cache (uv keeps unpacked wheels, dist-info and all, under `~/.cache/uv`), except for a
/// site-packages there (Poetry creates its virtualenvs under `~/.cache/pypoetry`).
fn is_installed_at(site: &[u8]) -> bool {
    let last = site.rsplit(|&b| b == b'/').next().unwrap_or_default();
    last == b"site-packages" || last == b"dist-packages" || !site.split(|&b| b == b'/').any(|p| p == b".cache")
}

pub(super) fn python(tree: &Tree, caps: &HashMap<NodeId, (usize, &[u8])>) -> Vec<PythonPackage> {
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
        if !is_installed_at(site) {
            continue;
        }
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
        let built_locally = matches!(listing, Listing::Record) && local_wheel(tree, caps, meta_dir);
        let key = name.to_ascii_lowercase().replace('_', "-");
        out.push(PythonPackage {
            dev_tool: DEV_TOOLS.contains(&key.as_str()),
            name: name.to_string(),
            version: version.to_string(),
            bytes,
            files,
            layer: super::content_origin(tree, node, layer),
            location: crate::model::tree::escape_bytes(site),
            requires,
            built_locally,
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
