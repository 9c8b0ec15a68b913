//! Renderings of a [`Diff`]: plain text for people (the default of `deadweight diff`), a
//! GitHub-flavoured Markdown table for pull-request comments, and the versioned JSON object
//! (`"kind": "deadweight-diff"`). Sizes are decimal, as everywhere else; changes carry a sign.
//! Reads the diff; writes nothing.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Change, DIFF_SCHEMA_VERSION, Diff, Input, Section, Side, SizeTotals, Status};
use crate::report::baseline::signed;
use crate::report::markdown::{cell, code};
use crate::report::schema::Tool;
use crate::report::units::size;

/// Rows shown per section in text and Markdown; the JSON lists every one.
pub const SHOWN_ROWS: usize = 30;

/// A change in bytes with its sign: `+1.2 MB`, `-300 B`, `0 B`.
pub fn signed_size(change: i64) -> String {
    match change.signum() {
        1 => format!("+{}", size(change.unsigned_abs())),
        -1 => format!("-{}", size(change.unsigned_abs())),
        _ => size(0),
    }
}

/// A change relative to the old figure: `+12.5%`, `new` when it grew from nothing.
fn percent(old: u64, new: u64) -> String {
    match (old, new) {
        _ if old == new => String::new(),
        (0, _) => "new".into(),
        _ => {
            let p = (signed(new) - signed(old)) as f64 * 100.0 / old as f64;
            // Tenths matter for small changes, not for an image that grew tenfold.
            if p.abs() >= 100.0 {
                format!("{p:+.0}%")
            } else {
                format!("{p:+.1}%")
            }
        }
    }
}

fn label(name: &str) -> &'static str {
    match name {
        "bytes" => "shipped bytes",
        "final_bytes" => "final bytes",
        "hidden_bytes" => "hidden bytes",
        "reclaimable_bytes" => "reclaimable",
        "layers" => "layers",
        _ => "files",
    }
}

/// The totals as rows: label, OLD, NEW, change, percent.
pub(crate) fn total_rows(d: &Diff) -> Vec<[String; 5]> {
    d.old_totals
        .named()
        .into_iter()
        .zip(d.new_totals.named())
        .map(|((name, old, bytes), (_, new, _))| {
            let change = signed(new) - signed(old);
            let (o, n, c) = if bytes {
                (size(old), size(new), signed_size(change))
            } else {
                let c = if change == 0 { "0".into() } else { format!("{change:+}") };
                (old.to_string(), new.to_string(), c)
            };
            [label(name).to_string(), o, n, c, percent(old, new)]
        })
        .collect()
}

pub(crate) fn describe(s: &Side) -> String {
    match s.input {
        Input::Image => format!("{} (image)", s.argument),
        Input::Report => format!("{} (report of {})", s.argument, s.reference),
    }
}

/// `2 grew, 1 appeared, 4 unchanged`: the statuses present, in a fixed order.
pub(crate) fn counts(s: &Section) -> String {
    let mut parts: Vec<String> = [
        Status::Grew,
        Status::Shrank,
        Status::Appeared,
        Status::Disappeared,
        Status::Changed,
    ]
    .into_iter()
    .filter_map(|st| {
        let n = s.changes.iter().filter(|c| c.status == st).count();
        (n > 0).then(|| {
            format!(
                "{n} {}",
                if st == Status::Changed {
                    "changed version"
                } else {
                    st.as_str()
                }
            )
        })
    })
    .collect();
    parts.push(format!("{} unchanged", s.unchanged));
    parts.join(", ")
}

fn clip(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

pub(crate) fn layers(c: &Change, arrow: &str) -> String {
    let show = |l: Option<usize>| l.map_or_else(|| "-".to_string(), |l| l.to_string());
    format!("{}{arrow}{}", show(c.old_layer), show(c.new_layer))
}

pub(crate) fn version(c: &Change, arrow: &str) -> String {
    match (&c.old_version, &c.new_version) {
        (Some(o), Some(n)) if o != n => format!("{o}{arrow}{n}"),
        (_, Some(v)) | (Some(v), None) => v.clone(),
        (None, None) => String::new(),
    }
}

/// What a section's rows name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rows {
    Instructions,
    Packages,
    Directories,
}

/// The sections with their titles.
fn sections(d: &Diff) -> [(&'static str, Rows, &Section); 3] {
    [
        ("Instructions", Rows::Instructions, &d.instructions),
        ("Packages", Rows::Packages, &d.packages),
        ("Top-level directories", Rows::Directories, &d.directories),
    ]
}

/// The diff as plain text.
pub fn text(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "OLD  {}", describe(&d.old));
    let _ = writeln!(out, "NEW  {}\n", describe(&d.new));
    let _ = writeln!(out, "{:<14}  {:>12}  {:>12}  {:>12}", "", "OLD", "NEW", "CHANGE");
    for [l, o, n, c, p] in total_rows(d) {
        let _ = writeln!(out, "{l:<14}  {o:>12}  {n:>12}  {c:>12}  {p}");
    }
    for (title, rows, s) in sections(d) {
        let _ = write!(out, "\n{title}: ");
        if !s.compared {
            let _ = writeln!(out, "{}", s.note.as_deref().unwrap_or("not compared"));
            continue;
        }
        let _ = writeln!(out, "{}", counts(s));
        if s.changes.is_empty() {
            continue;
        }
        if let Some(note) = &s.note {
            let _ = writeln!(out, "({note})");
        }
        let what = match rows {
            Rows::Instructions => format!("{:<9}  INSTRUCTION", "LAYER"),
            Rows::Packages => "PACKAGE".to_string(),
            Rows::Directories => "DIRECTORY".to_string(),
        };
        let _ = writeln!(
            out,
            "{:>12}  {:>12}  {:>12}  {:<11}  {what}",
            "CHANGE", "OLD", "NEW", "STATUS"
        );
        for c in s.changes.iter().take(SHOWN_ROWS) {
            let name = match rows {
                Rows::Instructions => format!("{:<9}  {}", layers(c, " -> "), clip(&c.name, 100)),
                Rows::Packages => format!("{} {} {}", c.ecosystem.unwrap_or_default(), c.name, version(c, " -> ")),
                Rows::Directories => c.name.clone(),
            };
            let _ = writeln!(
                out,
                "{:>12}  {:>12}  {:>12}  {:<11}  {}",
                signed_size(c.change),
                size(c.old_bytes),
                size(c.new_bytes),
                c.status.as_str(),
                name.trim_end()
            );
        }
        if s.changes.len() > SHOWN_ROWS {
            let _ = writeln!(out, "... and {} more (--json lists all)", s.changes.len() - SHOWN_ROWS);
        }
    }
    out
}

/// The diff as GitHub-flavoured Markdown: a totals table, then one table per section.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## deadweight diff: {} → {}\n",
        code(&d.old.argument),
        code(&d.new.argument)
    );
    let _ = writeln!(out, "| | OLD | NEW | change | % |");
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: |");
    for [l, o, n, c, p] in total_rows(d) {
        let _ = writeln!(out, "| {l} | {o} | {n} | {c} | {p} |");
    }
    for (title, rows, s) in sections(d) {
        let _ = writeln!(out, "\n### {title}\n");
        if !s.compared {
            let _ = writeln!(out, "_{}_", cell(s.note.as_deref().unwrap_or("not compared")));
            continue;
        }
        let _ = writeln!(out, "{}.\n", counts(s));
        if s.changes.is_empty() {
            continue;
        }
        let (head, align) = match rows {
            Rows::Instructions => ("layer | instruction", ":---: | ---"),
            Rows::Packages => ("package | version", "--- | ---"),
            Rows::Directories => ("directory", "---"),
        };
        let _ = writeln!(out, "| change | status | OLD | NEW | {head} |");
        let _ = writeln!(out, "| ---: | --- | ---: | ---: | {align} |");
        for c in s.changes.iter().take(SHOWN_ROWS) {
            let what = match rows {
                Rows::Instructions => format!("{} | {}", layers(c, " → "), code(&clip(&c.name, 160))),
                Rows::Packages => format!(
                    "{} {} | {}",
                    c.ecosystem.unwrap_or_default(),
                    code(&c.name),
                    cell(&version(c, " → "))
                ),
                Rows::Directories => code(&c.name),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {what} |",
                signed_size(c.change),
                c.status.as_str(),
                size(c.old_bytes),
                size(c.new_bytes)
            );
        }
        if s.changes.len() > SHOWN_ROWS {
            let _ = writeln!(
                out,
                "\n... and {} more (see `deadweight diff --json`).",
                s.changes.len() - SHOWN_ROWS
            );
        }
    }
    out
}

/// OLD, NEW and the change of one total.
#[derive(Serialize)]
struct Delta {
    old: u64,
    new: u64,
    change: i64,
}

#[derive(Serialize)]
struct TotalsOut {
    bytes: Delta,
    final_bytes: Delta,
    hidden_bytes: Delta,
    reclaimable_bytes: Delta,
    layers: Delta,
    files: Delta,
}

fn totals(o: &SizeTotals, n: &SizeTotals) -> TotalsOut {
    let d = |old: u64, new: u64| Delta {
        old,
        new,
        change: signed(new) - signed(old),
    };
    TotalsOut {
        bytes: d(o.bytes, n.bytes),
        final_bytes: d(o.final_bytes, n.final_bytes),
        hidden_bytes: d(o.hidden_bytes, n.hidden_bytes),
        reclaimable_bytes: d(o.reclaimable_bytes, n.reclaimable_bytes),
        layers: d(o.layers, n.layers),
        files: d(o.files, n.files),
    }
}

#[derive(Serialize)]
struct DiffOut<'a> {
    schema_version: u32,
    kind: &'static str,
    tool: Tool,
    old: &'a Side,
    new: &'a Side,
    totals: TotalsOut,
    instructions: &'a Section,
    packages: &'a Section,
    directories: &'a Section,
}

/// The diff as pretty-printed JSON with a final newline: `{"schema_version": 1, "kind":
/// "deadweight-diff", "tool", "old", "new", "totals", "instructions", "packages",
/// "directories"}`; each total is `{old, new, change}`, each section `{compared, note?,
/// unchanged, changes}`.
pub fn json(d: &Diff) -> String {
    let out = DiffOut {
        schema_version: DIFF_SCHEMA_VERSION,
        kind: "deadweight-diff",
        tool: Tool::this(),
        old: &d.old,
        new: &d.new,
        totals: totals(&d.old_totals, &d.new_totals),
        instructions: &d.instructions,
        packages: &d.packages,
        directories: &d.directories,
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_percentages() {
        assert_eq!(signed_size(1536), "+1.50 KiB");
        assert_eq!(signed_size(-20), "-20 B");
        assert_eq!(signed_size(0), "0 B");
        assert_eq!(percent(200, 250), "+25.0%");
        assert_eq!(percent(0, 5), "new");
        assert_eq!(percent(0, 0), "");
        assert_eq!(percent(7, 7), "");
        assert_eq!(percent(10, 1000), "+9900%");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(code("RUN a | b `c`\nd"), "`RUN a \\| b 'c' d`");
    }
}
