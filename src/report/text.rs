//! The plain-text summary printed by `deadweight IMAGE`: the image, its sizes, and one line per
//! layer with the command that made it.

use std::fmt::Write as _;

use humansize::{DECIMAL, format_size};

use super::json::layer_history;
use crate::analysis::Analysis;

/// Human size, decimal units as dive and docker print them.
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

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
        "Size       {} in {} layers ({} compressed); final filesystem {} in {} files; {} hidden by later layers",
        size(t.bytes),
        img.layers.len(),
        size(t.compressed_bytes),
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
        "{:>3}  {:>10}  {:>10}  {:>10}  COMMAND",
        "#", "SIZE", "HIDDEN", "PULL"
    );
    let hist = layer_history(&img.config.history, img.layers.len());
    let cmd_width = width.saturating_sub(44).max(20);
    for ((l, m), h) in img.layers.iter().zip(&a.merge).zip(hist) {
        let cmd = h.and_then(|h| h.created_by.as_deref()).unwrap_or("(no history)");
        let _ = writeln!(
            out,
            "{:>3}  {:>10}  {:>10}  {:>10}  {}",
            l.index,
            size(l.scan.content_bytes),
            size(m.hidden_later_bytes),
            size(l.scan.blob_bytes),
            one_line(cmd, cmd_width)
        );
    }
    out
}
