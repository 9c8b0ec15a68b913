//! The sections of one image's HTML report, as markup: header with the totals and the CI
//! verdict, the treemap's frame and its text equivalent, one bar per layer, the findings table
//! (a row per finding, expanding to paths and fix) and the packages table. Every string from
//! the image goes through [`escape`]. Reads the analysis; the script draws the rest.

use std::fmt::Write as _;

use super::escape;
use super::tree::Node;
use crate::analysis::Analysis;
use crate::report::ci::{self, Verdict};
use crate::report::units::size;

/// Everything inside `<body>` but the data islands and the script.
pub fn body(a: &Analysis, verdict: Option<&Verdict>, tree: &Node) -> String {
    let mut out = String::new();
    header(&mut out, a, verdict);
    out.push_str("<main>\n");
    treemap(&mut out, tree);
    layers(&mut out, a);
    findings(&mut out, a);
    packages(&mut out, a);
    out.push_str("</main>\n");
    out
}

fn header(out: &mut String, a: &Analysis, verdict: Option<&Verdict>) {
    let t = &a.totals;
    let cfg = a.config();
    let _ = writeln!(
        out,
        "<header>\n<h1>deadweight <span class=\"ref\">{}</span></h1>\n<p class=\"meta\">{} · {} · {} layers · {} files · config {}</p>",
        escape(&a.image.reference),
        escape(&cfg.platform),
        escape(&a.image.format),
        a.layers().len(),
        t.files,
        escape(&a.image.config_digest),
    );
    out.push_str("<dl class=\"totals\">\n");
    let figures = [
        ("shipped", "Shipped", t.bytes, "content bytes of all layers"),
        ("final", "Final", t.final_bytes, "what a container sees"),
        (
            "hidden",
            "Hidden",
            t.hidden_bytes,
            "shipped, then deleted or overwritten",
        ),
        (
            "reclaimable",
            "Reclaimable",
            t.reclaimable_bytes,
            "what the fixes would save",
        ),
        // The pull size only where the image says it; a docker save archive stores plain tars.
        match t.pull_bytes {
            Some(p) => ("compressed", "Pull", p, "what a pull downloads"),
            None => (
                "compressed",
                "Stored",
                t.compressed_bytes,
                "layer blobs as stored; the pull size is not in the image",
            ),
        },
    ];
    for (class, name, bytes, what) in figures {
        let _ = writeln!(
            out,
            "<div class=\"{class}\"><dt>{name}</dt><dd data-bytes=\"{bytes}\">{}</dd><dd class=\"what\">{what}</dd></div>",
            size(bytes)
        );
    }
    out.push_str("</dl>\n");
    if let Some(v) = verdict {
        verdict_section(out, v);
    }
    out.push_str("</header>\n");
}

fn verdict_section(out: &mut String, v: &Verdict) {
    let (class, word) = if v.passed { ("pass", "PASS") } else { ("fail", "FAIL") };
    let failed = v.checks.iter().filter(|c| !c.passed).count();
    let _ = writeln!(
        out,
        "<section class=\"verdict {class}\" aria-label=\"CI verdict\"><h2>CI: {word}</h2><p>{failed} of {} checks failed</p>\n<table><thead><tr><th>Check</th><th>Actual</th><th>Limit</th><th>Result</th></tr></thead><tbody>",
        v.checks.len()
    );
    for c in &v.checks {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td><code>{}</code> {}</td><td class=\"num\">{}</td><td class=\"num\">{} {}</td><td>{}</td></tr>",
            if c.passed { "pass" } else { "fail" },
            escape(c.name),
            escape(&c.description),
            escape(&ci::show(c.unit, c.actual)),
            ci::bound_sign(c.bound),
            escape(&ci::show(c.unit, c.limit)),
            if c.passed { "pass" } else { "fail" },
        );
    }
    out.push_str("</tbody></table></section>\n");
}

/// The treemap's frame, filled by the script, and its text equivalent: the top-level entries
/// with their sizes, which the script keeps in step with the directory shown.
fn treemap(out: &mut String, tree: &Node) {
    out.push_str(
        "<section id=\"map\" aria-labelledby=\"map-h\">\n<h2 id=\"map-h\">Where the bytes are</h2>\n\
<div class=\"toolbar\"><nav id=\"crumbs\" aria-label=\"Directory shown\"></nav>\
<div role=\"group\" aria-label=\"Colour\"><button type=\"button\" id=\"by-layer\" aria-pressed=\"true\">By layer</button>\
<button type=\"button\" id=\"by-waste\" aria-pressed=\"false\">Wasted or not</button></div></div>\n\
<div id=\"treemap\" class=\"treemap\" role=\"group\" aria-label=\"Treemap of the final filesystem; the list below says the same\"></div>\n\
<p id=\"legend\" class=\"legend\"></p>\n<details id=\"map-text\" open><summary>The treemap as a list</summary>\n<ul id=\"map-list\" aria-live=\"polite\">\n",
    );
    for c in tree.children.iter().flatten().filter(|c| c.final_bytes > 0) {
        let _ = writeln!(
            out,
            "<li><span class=\"name\">/{}</span> {} in {} files</li>",
            escape(&c.name),
            size(c.final_bytes),
            c.files
        );
    }
    out.push_str("</ul></details>\n</section>\n");
}

/// The instruction of layer `i` as people read it, with its Dockerfile line.
fn instruction(a: &Analysis, i: usize) -> (String, Option<usize>, bool) {
    a.attribution
        .layers
        .get(i)
        .map_or((String::new(), None, false), |o| (o.shown(), o.dockerfile_line, o.base))
}

fn layers(out: &mut String, a: &Analysis) {
    out.push_str("<section id=\"layers\" aria-labelledby=\"layers-h\">\n<h2 id=\"layers-h\">Layers</h2>\n<p class=\"hint\">Hover or focus a layer to see its files in the treemap. Bar: kept, <span class=\"k-hidden\">hidden later</span>, <span class=\"k-recl\">reclaimable</span>.</p>\n<ol class=\"layers\">\n");
    let max = a
        .layers()
        .iter()
        .map(|l| l.scan.content_bytes)
        .max()
        .unwrap_or(0)
        .max(1);
    let pct = |b: u64| b as f64 * 100.0 / max as f64;
    for (i, (l, m)) in a.layers().iter().zip(&a.merge).enumerate() {
        let bytes = l.scan.content_bytes;
        let recl: u64 = a
            .findings
            .iter()
            .filter(|f| f.layer == Some(i))
            .map(|f| f.reclaimable_bytes)
            .sum();
        let hidden = m.hidden_later_bytes.min(bytes);
        let recl_bar = recl.min(bytes - hidden);
        let kept = bytes - hidden - recl_bar;
        let (text, line, base) = instruction(a, i);
        let line = line
            .map(|n| format!(" <span class=\"line\">line {n}</span>"))
            .unwrap_or_default();
        let base = if base { " <span class=\"base\">base</span>" } else { "" };
        let _ = writeln!(
            out,
            "<li class=\"layer\" data-layer=\"{i}\" tabindex=\"0\"><span class=\"swatch\" data-layer=\"{i}\"></span>\
<span class=\"lname\">#{i} <code>{}</code>{line}{base}</span>\
<span class=\"bar\" aria-hidden=\"true\"><span class=\"kept\" style=\"width:{:.2}%\"></span><span class=\"hidden\" style=\"width:{:.2}%\"></span><span class=\"recl\" style=\"width:{:.2}%\"></span></span>\
<span class=\"lnum\">{} added · {} hidden later · {} reclaimable</span></li>",
            escape(&text),
            pct(kept),
            pct(hidden),
            pct(recl_bar),
            size(bytes),
            size(m.hidden_later_bytes),
            size(recl),
        );
    }
    out.push_str("</ol>\n</section>\n");
}

fn findings(out: &mut String, a: &Analysis) {
    let _ = writeln!(
        out,
        "<section id=\"findings\" aria-labelledby=\"findings-h\">\n<h2 id=\"findings-h\">Findings: {}, {} reclaimable</h2>",
        a.findings.len(),
        size(a.totals.reclaimable_bytes),
    );
    if a.findings.is_empty() {
        out.push_str("<p>No findings.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"sortable\" id=\"findings-table\"><thead><tr><th><span class=\"sr-only\">Details</span></th>\
<th data-key=\"sev\" data-num aria-sort=\"none\"><button type=\"button\">Severity</button></th>\
<th data-key=\"rule\" aria-sort=\"none\"><button type=\"button\">Rule</button></th><th>What</th>\
<th data-key=\"bytes\" data-num aria-sort=\"descending\"><button type=\"button\">Reclaimable</button></th>\
<th data-key=\"line\" data-num aria-sort=\"none\"><button type=\"button\">Layer, line</button></th></tr></thead>\n",
    );
    for (i, f) in a.findings.iter().enumerate() {
        // Findings without a line sort after those with one, by layer.
        let line_key = f.dockerfile_line.unwrap_or(1_000_000 + f.layer.unwrap_or(0));
        let place = match (f.layer, f.dockerfile_line) {
            (Some(l), Some(n)) => format!("#{l}, line {n}"),
            (Some(l), None) => format!("#{l}"),
            (None, Some(n)) => format!("line {n}"),
            (None, None) => "image".into(),
        };
        let sev = f.severity.as_str();
        let _ = writeln!(
            out,
            "<tbody class=\"finding\" data-sev=\"{}\" data-rule=\"{}\" data-bytes=\"{}\" data-line=\"{line_key}\" data-layer=\"{}\">\
<tr class=\"finding\"><td><button type=\"button\" class=\"expand\" aria-expanded=\"false\" aria-controls=\"fd{i}\" aria-label=\"Details\">▸</button></td>\
<td><span class=\"sev {sev}\">{sev}</span></td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{place}</td></tr>",
            f.severity as u8,
            escape(f.rule),
            f.reclaimable_bytes,
            f.layer.map_or(String::new(), |l| l.to_string()),
            escape(f.rule),
            escape(&f.title),
            size(f.reclaimable_bytes),
        );
        let _ = write!(
            out,
            "<tr class=\"detail\" id=\"fd{i}\" hidden><td colspan=\"6\"><ul class=\"paths\">"
        );
        for p in &f.paths {
            let _ = write!(
                out,
                "<li><code>{}</code> {}{}</li>",
                escape(&p.path),
                size(p.bytes),
                escape(&crate::report::text::claimed_note(f.rule, p))
            );
        }
        let _ = writeln!(
            out,
            "</ul><div class=\"fix\"><pre>{}</pre><button type=\"button\" class=\"copy\">Copy the fix</button></div></td></tr></tbody>",
            escape(&f.fix)
        );
    }
    out.push_str("</table>\n</section>\n");
}

fn packages(out: &mut String, a: &Analysis) {
    let p = &a.packages;
    let python = p
        .python
        .iter()
        .map(|p| ("python", &p.name, &p.version, p.bytes, p.files, p.layer));
    let rows: Vec<_> = python
        .chain(
            p.debian
                .iter()
                .map(|p| ("debian", &p.name, &p.version, p.bytes, p.files, p.layer)),
        )
        .chain(
            p.alpine
                .iter()
                .map(|p| ("alpine", &p.name, &p.version, p.bytes, p.files, p.layer)),
        )
        .collect();
    let _ = writeln!(
        out,
        "<section id=\"packages\" aria-labelledby=\"packages-h\">\n<h2 id=\"packages-h\">Packages: {}</h2>",
        rows.len()
    );
    if rows.is_empty() {
        out.push_str("<p>No Python, Debian or Alpine packages found.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"sortable\" id=\"packages-table\"><thead><tr>\
<th data-key=\"eco\" aria-sort=\"none\"><button type=\"button\">Kind</button></th>\
<th data-key=\"name\" aria-sort=\"none\"><button type=\"button\">Name</button></th><th>Version</th>\
<th data-key=\"bytes\" data-num aria-sort=\"descending\"><button type=\"button\">Size</button></th>\
<th data-key=\"files\" data-num aria-sort=\"none\"><button type=\"button\">Files</button></th>\
<th data-key=\"layer\" data-num aria-sort=\"none\"><button type=\"button\">Layer</button></th></tr></thead>\n<tbody>\n",
    );
    let mut rows = rows;
    rows.sort_by(|x, y| y.3.cmp(&x.3).then_with(|| x.1.cmp(y.1)));
    for (eco, name, version, bytes, files, layer) in rows {
        let _ = writeln!(
            out,
            "<tr class=\"package\" data-eco=\"{eco}\" data-name=\"{n}\" data-bytes=\"{bytes}\" data-files=\"{files}\" data-layer=\"{layer}\">\
<td>{eco}</td><td>{n}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{files}</td><td>#{layer} <code>{}</code></td></tr>",
            escape(version),
            size(bytes),
            escape(&instruction(a, layer).0),
            n = escape(name),
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}
