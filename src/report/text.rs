//! The plain-text summary printed by `deadweight IMAGE`: the image, its sizes, and one line per
//! layer with the command that made it.

use std::fmt::Write as _;

use super::units::size;
use super::wrap::{one_line, wrap};
use crate::analysis::Analysis;
use crate::analysis::attribute::BaseSource;
use crate::analysis::rules::{Evidence, Finding};

/// Renders the summary; `width` bounds the command column.
pub fn summary(a: &Analysis, width: usize) -> String {
    let img = &a.image;
    let t = &a.totals;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Image      {} ({}, {})",
        img.reference, img.format, img.config.platform
    );
    if !img.tags.is_empty() {
        let _ = writeln!(out, "Tags       {}", img.tags.join(", "));
    }
    let _ = writeln!(out, "Config     {}", img.config_digest);
    let _ = writeln!(
        out,
        "Size       {} in {} layers ({}); final filesystem {} in {} files; {} hidden by later layers",
        size(t.bytes),
        img.layers.len(),
        stored_phrase(t),
        size(t.final_bytes),
        t.files,
        size(t.hidden_bytes)
    );
    let user = if img.config.user.is_empty() {
        "root (no USER)"
    } else {
        &img.config.user
    };
    let _ = writeln!(out, "User       {user}");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Base       {} layer(s), {} ({}); {} above it",
        a.attribution.base_layers,
        size(t.base_bytes),
        match a.attribution.base_source {
            BaseSource::Flag => "--base-layers",
            BaseSource::History => "from the image history",
            BaseSource::Dockerfile => "from the Dockerfile",
            BaseSource::Assumed => "assumed: layer 0 only; say --base-layers N or --dockerfile",
        },
        size(t.user_bytes)
    );
    let _ = writeln!(
        out,
        "dive       efficiency {:.4} %, wasted {} (dive's formulas, for comparison)",
        a.dive.efficiency * 100.0,
        size(a.dive.wasted_bytes)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>3}  {:>4}  {:>10}  {:>10}  {:>10}  {:>10}  INSTRUCTION",
        "#",
        "LINE",
        "SIZE",
        "ADDED",
        "HIDDEN",
        // What the image says a pull downloads; where it does not say, the blob as stored.
        if t.pull_bytes.is_some() { "PULL" } else { "STORED" }
    );
    let cmd_width = width.saturating_sub(62).max(20);
    let rows = img
        .layers
        .iter()
        .zip(&a.merge)
        .zip(&a.attribution.layers)
        .zip(&a.accounting.layers);
    for (((l, m), o), f) in rows {
        let line = match (o.dockerfile_line, o.base) {
            (Some(n), _) => n.to_string(),
            (None, true) => "base".to_string(),
            (None, false) => "-".to_string(),
        };
        let text = o.shown();
        let _ = writeln!(
            out,
            "{:>3}  {:>4}  {:>10}  {:>10}  {:>10}  {:>10}  {}",
            l.index,
            line,
            size(l.scan.content_bytes),
            size(m.added_bytes),
            size(m.hidden_later_bytes),
            size(l.pull_bytes.unwrap_or(l.scan.blob_bytes)),
            one_line(&text, cmd_width)
        );
        if !o.base {
            for p in f.largest.iter().take(3) {
                let _ = writeln!(out, "{:>35}  {}", size(p.bytes), one_line(&p.path, cmd_width + 18));
            }
        }
    }
    for u in &a.attribution.unmatched {
        let _ = writeln!(out, "note: {u}");
    }
    out.push_str(&findings(a, width));
    out
}

/// The findings table: largest first, each with its line and its fix.
pub fn findings(a: &Analysis, width: usize) -> String {
    let mut out = String::new();
    if a.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
        return out;
    }
    let _ = writeln!(
        out,
        "\nFindings: {} reclaimable ({} findings)",
        size(a.totals.reclaimable_bytes),
        a.findings.len()
    );
    let _ = writeln!(
        out,
        "{:>10}  {:<8} {:<5}  {:<9} WHAT",
        "SAVES", "SEVERITY", "RULE", "LINE"
    );
    for f in &a.findings {
        out.push_str(&finding(f, width, 2));
    }
    out
}

/// Where a finding's paths and fix start, under its row.
const INDENT: usize = 12;

/// One finding as every text output prints it (the summary's table and CI mode's list): a row
/// with the saving, severity, rule, Dockerfile line and title, up to `paths` of its largest
/// paths, and the whole fix, wrapped to `width` and never cut, so it can be pasted.
pub fn finding(f: &Finding, width: usize, paths: usize) -> String {
    let mut out = String::new();
    let line = f.dockerfile_line.map_or_else(|| "-".to_string(), |l| l.to_string());
    let _ = writeln!(
        out,
        "{:>10}  {:<8} {:<5}  line {:<4} {}",
        size(f.reclaimable_bytes),
        f.severity.as_str(),
        f.rule,
        line,
        f.title
    );
    let room = width.saturating_sub(INDENT).max(40);
    for p in f.paths.iter().take(paths) {
        // The note is never cut: it is what makes the line add up to the saving.
        let note = claimed_note(f.rule, p);
        let _ = writeln!(
            out,
            "{:INDENT$}{:>10}  {}{note}",
            "",
            size(p.bytes),
            one_line(&p.path, room.saturating_sub(12 + note.len()).max(20))
        );
    }
    for (i, l) in wrap(&f.fix, room.saturating_sub(5)).iter().enumerate() {
        let lead = if i == 0 { "fix: " } else { "     " };
        let _ = writeln!(out, "{:INDENT$}{lead}{l}", "");
    }
    out
}

/// The part of a path line of a finding of `rule` that the finding does not count on this line,
/// as every human output writes it after the path: ` (10.88 MiB of it counted under DW303)`, or
/// ` (20 KiB of it counted on its other lines)` for bytes the same finding lists elsewhere, or
/// nothing when the line is the finding's own. Without it a finding's lines could add up to
/// more than it saves.
pub fn claimed_note(rule: &str, p: &Evidence) -> String {
    let parts: Vec<String> = p
        .claimed
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let of_it = if i == 0 { " of it" } else { "" };
            if c.rule == rule {
                format!("{}{of_it} counted on its other lines", size(c.bytes))
            } else {
                format!("{}{of_it} counted under {}", size(c.bytes), c.rule)
            }
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    format!(" ({})", parts.join(", "))
}

/// The layer bytes beside the total, named for what they are: what a pull downloads where the
/// image says, else the blobs as stored (a `docker save` archive stores plain tars and says
/// nothing of the pushed size, so "compressed" would be a lie).
pub fn stored_phrase(t: &crate::analysis::Totals) -> String {
    match t.pull_bytes {
        Some(p) => format!("{} to pull", size(p)),
        None => format!(
            "{} as stored; the pull size is not in the image",
            size(t.compressed_bytes)
        ),
    }
}
