//! Toolchains and development headers known from the package databases (DW201, DW202): each
//! group of packages installed by one layer is claimed whole, named by package, with the fix of
//! moving them to a build stage. A base layer's become DW204 (`fixes::for_base`).

use std::collections::BTreeMap;

use super::Evidence;
use super::{Ctx, Draft};
use crate::analysis::packages::{Ecosystem, SystemPackage};
use crate::model::NodeId;

const TOOLCHAIN: &[&str] = &[
    "gcc",
    "g++",
    "cpp",
    "make",
    "binutils",
    "build-essential",
    "build-base",
    "clang",
    "llvm",
];

fn is_toolchain(name: &str) -> bool {
    let versioned = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    };
    TOOLCHAIN.contains(&name)
        || ["gcc", "g++", "cpp", "clang", "llvm"].iter().any(|p| versioned(p))
        || (name.starts_with("binutils-") && !name.ends_with("-dev"))
}

/// A package in a finding's path list (paths are absolute): its largest file, named with the
/// package, and that file's size: a row's size is the size of what it names.
fn package_path(ctx: &Ctx<'_>, p: &SystemPackage, ecosystem: Ecosystem) -> Evidence {
    let tree = ctx.tree;
    let size = |n: NodeId| tree.current(n).map_or(0, |v| tree.version(v).size);
    let largest = p.nodes.iter().copied().max_by_key(|&n| size(n));
    let path = format!(
        "{} (package {} {})",
        largest.map_or_else(|| "/".to_string(), |n| tree.path(n)),
        p.name,
        p.version
    );
    Evidence::of_package(path, largest.map_or(0, size), p.identity(ecosystem))
}

fn is_dev(name: &str) -> bool {
    name.ends_with("-dev") || name == "musl-dev"
}

/// Toolchain and development packages (DW201, DW202).
pub fn package_drafts(ctx: &Ctx<'_>, out: &mut Vec<Draft>) {
    let tree = ctx.tree;
    let mut groups: BTreeMap<(&'static str, usize), Vec<(&SystemPackage, Ecosystem)>> = BTreeMap::new();
    let debian = ctx.packages.debian.iter().map(|p| (p, Ecosystem::Debian));
    for (p, ecosystem) in debian.chain(ctx.packages.alpine.iter().map(|p| (p, Ecosystem::Alpine))) {
        let rule = if is_toolchain(&p.name) {
            "DW201"
        } else if is_dev(&p.name) {
            "DW202"
        } else {
            continue;
        };
        // A base layer's become one DW204 (`fixes::for_base`).
        groups.entry((rule, p.layer)).or_default().push((p, ecosystem));
    }
    for ((rule, layer), pkgs) in groups {
        let names: Vec<&str> = pkgs.iter().map(|(p, _)| p.name.as_str()).collect();
        out.push(Draft {
            rule,
            layer: Some(layer),
            versions: pkgs.iter().flat_map(|(p, _)| p.nodes.iter()).filter_map(|&n| tree.current(n)).collect(),
            paths: pkgs.iter().map(|&(p, e)| package_path(ctx, p, e)).collect(),
            title: format!("{}: {}", if rule == "DW201" { "build toolchain in the runtime image" } else { "development packages in the runtime image" }, names.join(", ")),
            fix: format!(
                "{}: install {} in a build stage (`FROM ... AS build`) and `COPY --from=build` only the built packages (a virtualenv or wheels) into the final stage",
                ctx.where_(layer),
                names.join(" ")
            ),
            severity: None,
        });
    }
}
