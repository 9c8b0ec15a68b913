//! What the shared objects in site-packages link to, and which package provides each library:
//! the `NEEDED` sonames the scan kept ([`crate::model::elf`]) resolved to a library the wheels
//! bundle (auditwheel's `*.libs/`, or any shared object there whose file name or soname it is),
//! to the C library, or to the Debian package whose dpkg file list holds a file of that name.
//! The build-stage fix installs exactly these packages in its runtime stage. Reads captured
//! files and the tree; never the files' content.

use std::collections::HashMap;

use crate::model::elf::Links;
use crate::model::{NodeId, Tree, wants_links};

/// Where a needed library comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// A shared object in site-packages (a wheel brings it).
    Bundled,
    /// The C library (`libc6`, `musl`), which every image with Python has.
    Libc,
    /// The Debian package of that name (as dpkg's status spells it).
    Debian(String),
    /// Nothing the image's package databases or wheels name.
    Unknown,
}

/// One needed library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Its soname, as the object names it.
    pub soname: String,
    /// What provides it.
    pub provider: Provider,
}

/// One shared object in site-packages (an extension module or a bundled library).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedObject {
    /// Its path in the final image.
    pub path: String,
    /// The layer that stored the visible version.
    pub layer: usize,
    /// What it needs.
    pub needs: Vec<Need>,
    /// False when some of its needs could not be read (see [`Links::complete`]).
    pub complete: bool,
}

fn base_name(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// The shared objects visible in the final image, by path.
pub(super) fn shared_objects(
    tree: &Tree,
    caps: &HashMap<NodeId, (usize, &[u8])>,
    installed: &[super::Dpkg<'_>],
) -> Vec<SharedObject> {
    let objects: Vec<(Vec<u8>, usize, Links)> = caps
        .iter()
        .filter_map(|(&node, &(layer, content))| {
            let path = tree.path_bytes(node);
            wants_links(&path).then(|| (path, layer, Links::decode(content)))
        })
        .collect();
    if objects.is_empty() {
        return Vec::new();
    }
    let mut bundled: Vec<&[u8]> = objects.iter().map(|(p, _, _)| base_name(p)).collect();
    bundled.extend(
        objects
            .iter()
            .filter_map(|(_, _, l)| l.soname.as_deref().map(str::as_bytes)),
    );
    let wanted: std::collections::HashSet<&str> = objects
        .iter()
        .flat_map(|(_, _, l)| l.needed.iter().map(String::as_str))
        .collect();
    // Only the file names some object needs are looked up in the lists.
    let mut owner: HashMap<&[u8], &str> = HashMap::new();
    for (name, _, list) in installed {
        for line in list.iter().flat_map(|(_, l)| l.split(|&b| b == b'\n')) {
            let file = base_name(line);
            if std::str::from_utf8(file).is_ok_and(|f| wanted.contains(f)) {
                owner.entry(file).or_insert(name);
            }
        }
    }
    let provider = |soname: &str| {
        if bundled.contains(&soname.as_bytes()) {
            return Provider::Bundled;
        }
        match owner.get(soname.as_bytes()) {
            Some(&p) if p == "libc6" || p.starts_with("libc6-") || p == "musl" => Provider::Libc,
            Some(&p) => Provider::Debian(p.to_string()),
            None => Provider::Unknown,
        }
    };
    let mut out: Vec<SharedObject> = objects
        .iter()
        .map(|(path, layer, links)| SharedObject {
            path: String::from_utf8_lossy(path).into_owned(),
            layer: *layer,
            needs: links
                .needed
                .iter()
                .map(|s| Need {
                    soname: s.clone(),
                    provider: provider(s),
                })
                .collect(),
            complete: links.complete,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}
