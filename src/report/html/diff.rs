//! The HTML page of `deadweight diff OLD NEW`: the totals side by side, a treemap of NEW's
//! final filesystem (what is gone from OLD too) coloured by growth, as deep as both sides' file
//! trees go when both are images, else of the top-level directories, and a sortable
//! table per section of what grew, shrank, appeared or disappeared. The diff's own JSON is the
//! data island, as the report is on an image's page. Reads the diff; writes nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::tree::Node;
use super::{TREE_ISLAND, document, escape, island};
use crate::report::diff::render::{self, counts, describe, signed_size, total_rows};
use crate::report::diff::{Change, Diff, Section, Snapshot};
use crate::report::units::size;

/// Id of the data island holding the diff's JSON (`deadweight diff --json`).
pub const DIFF_ISLAND: &str = "dw-diff";

/// The HTML page of a diff; `old` and `new` are the snapshots it was computed from (for the
/// sizes of the directories that did not change, which the diff leaves out). `trees`, the file
/// trees of both sides when both are images, make the treemap go below the top level.
pub fn render(d: &Diff, old: &Snapshot, new: &Snapshot, trees: Option<(&Node, &Node)>) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<header>\n<h1>deadweight diff</h1>\n<p class=\"meta\">OLD <span class=\"ref\">{}</span> → NEW <span class=\"ref\">{}</span></p>",
        escape(&describe(&d.old)),
        escape(&describe(&d.new)),
    );
    body.push_str("<table class=\"totals-diff\"><thead><tr><th>Figure</th><th>OLD</th><th>NEW</th><th>Change</th><th></th></tr></thead><tbody>\n");
    for row in total_rows(d) {
        let _ = write!(body, "<tr><td>{}</td>", escape(&row[0]));
        for cell in &row[1..] {
            let _ = write!(body, "<td class=\"num\">{}</td>", escape(cell));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody></table>\n</header>\n<main>\n");
    let tree = match trees {
        Some((o, n)) => growth(Some(o), Some(n)).unwrap_or_else(|| directories(old, new)),
        None => directories(old, new),
    };
    treemap(&mut body, &tree);
    for (title, id, section) in [
        ("Instructions", "instructions", &d.instructions),
        ("Packages", "packages", &d.packages),
        ("Top-level directories", "directories", &d.directories),
    ] {
        section_table(&mut body, title, id, section);
    }
    body.push_str("</main>\n");
    let tree = serde_json::to_string(&tree).unwrap_or_default();
    let islands = [island(DIFF_ISLAND, &render::json(d)), island(TREE_ISLAND, &tree)].concat();
    let title = format!("deadweight diff: {} → {}", d.old.argument, d.new.argument);
    document(&title, &body, &islands, "diff")
}

/// The top-level directories of both sides as one treemap level: a node's final bytes are
/// NEW's, its hidden bytes slot holds OLD's (the page colours by the difference).
fn directories(old: &Snapshot, new: &Snapshot) -> Node {
    let mut both: BTreeMap<&str, [u64; 3]> = BTreeMap::new();
    for (side, dirs) in [(0, &old.directories), (1, &new.directories)] {
        for d in dirs.iter().flatten() {
            let e = both.entry(&d.path).or_default();
            e[side] = d.bytes;
            if side == 1 || e[2] == 0 {
                e[2] = d.files;
            }
        }
    }
    let mut children: Vec<Node> = both
        .into_iter()
        .map(|(path, [o, n, files])| Node {
            name: path.trim_start_matches('/').to_string(),
            final_bytes: n,
            hidden_bytes: o,
            finding_bytes: 0,
            layer: 0,
            files,
            children: None,
        })
        .collect();
    children.sort_by(|a, b| {
        b.final_bytes
            .max(b.hidden_bytes)
            .cmp(&a.final_bytes.max(a.hidden_bytes))
    });
    Node {
        name: String::new(),
        final_bytes: children.iter().map(|c| c.final_bytes).sum(),
        hidden_bytes: children.iter().map(|c| c.hidden_bytes).sum(),
        finding_bytes: 0,
        layer: 0,
        files: children.iter().map(|c| c.files).sum(),
        children: Some(children),
    }
}

fn kids(n: Option<&Node>) -> &[Node] {
    n.and_then(|n| n.children.as_deref()).unwrap_or_default()
}

/// Both sides' trees as one, matched by name: a node's final bytes are NEW's, its hidden bytes
/// slot holds OLD's final bytes. The folds of small files of a directory match each other.
fn growth(old: Option<&Node>, new: Option<&Node>) -> Option<Node> {
    let either = new.or(old)?;
    let bytes = |n: Option<&Node>| n.map_or(0, |n| n.final_bytes);
    let mut out = Node {
        name: either.name.clone(),
        final_bytes: bytes(new),
        hidden_bytes: bytes(old),
        finding_bytes: 0,
        layer: 0,
        files: either.files,
        children: None,
    };
    if old.is_some_and(|n| n.children.is_some()) || new.is_some_and(|n| n.children.is_some()) {
        let key = |n: &Node| {
            if n.children.is_none() && n.name.ends_with(" small files)") {
                None
            } else {
                Some(n.name.clone())
            }
        };
        let mut both: BTreeMap<Option<String>, [Option<&Node>; 2]> = BTreeMap::new();
        for (side, list) in [kids(old), kids(new)].into_iter().enumerate() {
            for c in list {
                both.entry(key(c)).or_default()[side] = Some(c);
            }
        }
        let mut children: Vec<Node> = both.into_values().filter_map(|[o, n]| growth(o, n)).collect();
        children.sort_by(|a, b| {
            b.final_bytes
                .max(b.hidden_bytes)
                .cmp(&a.final_bytes.max(a.hidden_bytes))
                .then_with(|| a.name.cmp(&b.name))
        });
        out.children = Some(children);
    }
    Some(out)
}

fn treemap(out: &mut String, tree: &Node) {
    out.push_str(
        "<section id=\"map\" aria-labelledby=\"map-h\">\n<h2 id=\"map-h\">The final filesystem of NEW, coloured by growth</h2>\n\
<div class=\"toolbar\"><nav id=\"crumbs\" aria-label=\"Directory shown\"></nav></div>\n\
<div id=\"treemap\" class=\"treemap\" role=\"group\" aria-label=\"Treemap of the top-level directories; the list below says the same\"></div>\n\
<p id=\"legend\" class=\"legend\"></p>\n<details id=\"map-text\" open><summary>The treemap as a list</summary>\n<ul id=\"map-list\" aria-live=\"polite\">\n",
    );
    for c in tree.children.iter().flatten() {
        let change = c.final_bytes as i64 - c.hidden_bytes as i64;
        let _ = writeln!(
            out,
            "<li><span class=\"name\">/{}</span> {} ({})</li>",
            escape(&c.name),
            size(c.final_bytes),
            signed_size(change)
        );
    }
    out.push_str("</ul></details>\n</section>\n");
}

fn section_table(out: &mut String, title: &str, id: &str, s: &Section) {
    let _ = writeln!(
        out,
        "<section id=\"{id}\" aria-labelledby=\"{id}-h\">\n<h2 id=\"{id}-h\">{title}</h2>\n<p>{}</p>",
        escape(&counts(s))
    );
    if let Some(note) = &s.note {
        let _ = writeln!(out, "<p class=\"hint\">{}</p>", escape(note));
    }
    if s.changes.is_empty() {
        out.push_str("</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<table class=\"sortable\" id=\"{id}-table\"><thead><tr>\
<th data-key=\"status\" aria-sort=\"none\"><button type=\"button\">Status</button></th>\
<th data-key=\"name\" aria-sort=\"none\"><button type=\"button\">Name</button></th><th>Detail</th>\
<th data-key=\"old\" data-num aria-sort=\"none\"><button type=\"button\">OLD</button></th>\
<th data-key=\"new\" data-num aria-sort=\"none\"><button type=\"button\">NEW</button></th>\
<th data-key=\"change\" data-num aria-sort=\"none\"><button type=\"button\">Change</button></th></tr></thead><tbody>"
    );
    for c in &s.changes {
        change_row(out, c);
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn change_row(out: &mut String, c: &Change) {
    let detail = if c.ecosystem.is_some() {
        format!("{} {}", c.ecosystem.unwrap_or_default(), render::version(c, " → "))
    } else if c.old_layer.is_some() || c.new_layer.is_some() {
        format!("layer {}", render::layers(c, " → "))
    } else {
        String::new()
    };
    let status = c.status.as_str();
    let _ = writeln!(
        out,
        "<tr class=\"change {status}\" data-status=\"{status}\" data-name=\"{n}\" data-old=\"{}\" data-new=\"{}\" data-change=\"{}\">\
<td>{status}</td><td><code>{n}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
        c.old_bytes,
        c.new_bytes,
        c.change,
        escape(&detail),
        size(c.old_bytes),
        size(c.new_bytes),
        signed_size(c.change),
        n = escape(&c.name),
    );
}
