//! The rows of the packages tab, built once from the analysis: Python, Debian and Alpine
//! packages together, with where each is installed and the rules that name it. The app holds
//! them; the pane (`packages`) draws them. No drawing here.

use deadweight::analysis::Analysis;
use deadweight::analysis::packages::{Ecosystem, PackageRef};

/// One package of any ecosystem, for the packages pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRow {
    /// `py`, `deb` or `apk`.
    pub ecosystem: &'static str,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Bytes in the final filesystem.
    pub bytes: u64,
    /// Files in the final filesystem.
    pub files: u64,
    /// Layer that installed it.
    pub layer: usize,
    /// Where it is installed: a Python environment's root (`/app/.venv`, `/usr/local`), or
    /// `system` for the distribution's package manager.
    pub location: String,
    /// A development tool.
    pub dev: bool,
    /// Its index in the analysis' list of its ecosystem (where its files are).
    pub index: usize,
    /// Rules whose findings name it (a dev tool, a toolchain, a repeated install).
    pub rules: Vec<&'static str>,
}

impl PackageRow {
    /// Its files in the final filesystem.
    pub fn nodes<'a>(&self, a: &'a Analysis) -> &'a [deadweight::model::NodeId] {
        let p = &a.packages;
        let nodes = match self.ecosystem {
            "py" => p.python.get(self.index).map(|x| x.nodes.as_slice()),
            "deb" => p.debian.get(self.index).map(|x| x.nodes.as_slice()),
            _ => p.alpine.get(self.index).map(|x| x.nodes.as_slice()),
        };
        nodes.unwrap_or_default()
    }
}

/// Every package of the image, Python, Debian and Alpine together, largest first.
pub fn rows(a: &Analysis) -> Vec<PackageRow> {
    let p = &a.packages;
    let mut rows: Vec<PackageRow> = p
        .python
        .iter()
        .enumerate()
        .map(|(index, x)| PackageRow {
            index,
            ecosystem: "py",
            name: x.name.clone(),
            version: x.version.clone(),
            bytes: x.bytes,
            files: x.files,
            layer: x.layer,
            location: env_root(&x.location),
            dev: x.dev_tool,
            rules: rules_naming(a, &x.identity()),
        })
        .collect();
    for (eco, ecosystem, list) in [
        ("deb", Ecosystem::Debian, &p.debian),
        ("apk", Ecosystem::Alpine, &p.alpine),
    ] {
        rows.extend(list.iter().enumerate().map(|(index, x)| PackageRow {
            index,
            ecosystem: eco,
            name: x.name.clone(),
            version: x.version.clone(),
            bytes: x.bytes,
            files: x.files,
            layer: x.layer,
            location: "system".into(),
            dev: false,
            rules: rules_naming(a, &x.identity(ecosystem)),
        }));
    }
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    rows
}

/// The rules whose findings name the package in their evidence: the same ecosystem, name,
/// version and (for Python) environment.
fn rules_naming(a: &Analysis, package: &PackageRef) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in &a.findings {
        let named = f.paths.iter().any(|p| p.package.as_ref() == Some(package));
        if named && !out.contains(&f.rule) {
            out.push(f.rule);
        }
    }
    out
}

/// The environment a site-packages directory belongs to: `/app/.venv` for
/// `/app/.venv/lib/python3.11/site-packages`; the directory itself when it has no such shape.
pub fn env_root(site: &str) -> String {
    let mut parts: Vec<&str> = site.trim_end_matches('/').split('/').collect();
    let n = parts.len();
    let shaped = n >= 3
        && matches!(parts[n - 1], "site-packages" | "dist-packages")
        && parts[n - 2].starts_with("python")
        && matches!(parts[n - 3], "lib" | "lib64");
    if shaped {
        parts.truncate(n - 3);
        let root = parts.join("/");
        return if root.is_empty() { "/".into() } else { root };
    }
    site.to_string()
}
