//! The self-contained HTML report: one file with its CSS, JS and data inlined, that opens
//! offline and makes no network request (its Content-Security-Policy forbids any, and allows
//! only the page's own script, by hash). The data is the JSON report itself, embedded once as a
//! data island, plus the treemap's file tree ([`tree`]); the sections people read first
//! (header, layers, findings, packages) are rendered here as HTML so that the page reads without
//! script, and `assets/report.js` adds the treemap, sorting and expanding. The diff page is
//! [`diff`]'s. Every name from the image is escaped ([`escape`], [`island`]). Reads the analysis;
//! writes nothing.

pub mod diff;
mod page;
pub mod tree;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::analysis::Analysis;
use crate::report::ci::Verdict;

/// The page's stylesheet.
const CSS: &str = include_str!("../../../assets/report.css");
/// The page's script: treemap, sorting, expanding, copying.
const JS: &str = include_str!("../../../assets/report.js");

/// Id of the data island holding the JSON report (`deadweight IMAGE --json`, `ci` included).
pub const REPORT_ISLAND: &str = "dw-report";
/// Id of the data island holding the treemap's tree ([`tree::Node`]).
pub const TREE_ISLAND: &str = "dw-tree";

/// The HTML report of an analysed image, with CI mode's verdict when there is one.
pub fn render(a: &Analysis, verdict: Option<&Verdict>) -> String {
    let json = crate::report::json::to_json_with(a, verdict);
    let tree = tree::build(a);
    let title = format!("deadweight: {}", a.image.reference);
    let body = page::body(a, verdict, &tree);
    let tree = serde_json::to_string(&tree).unwrap_or_default();
    let islands = [island(REPORT_ISLAND, &json), island(TREE_ISLAND, &tree)].concat();
    document(&title, &body, &islands, "image")
}

pub use super::markup::escape;

/// A `<script type="application/json">` data island holding `json`. `<`, `>` and `&` become
/// `\u003c`, `\u003e`, `\u0026` (still the same JSON to a parser), so no name can close the
/// script element or open a comment; U+2028/U+2029 are escaped for older parsers.
pub fn island(id: &str, json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    out.push_str(&format!("<script type=\"application/json\" id=\"{}\">", escape(id)));
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push_str("</script>\n");
    out
}

/// The text of the data island `id` in a document this module wrote, as JSON text (the
/// escapes [`island`] adds are JSON escapes, so it parses as is). For tests and tools.
pub fn island_text<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let open = format!("<script type=\"application/json\" id=\"{}\">", escape(id));
    let start = html.find(&open)? + open.len();
    let len = html[start..].find("</script>")?;
    Some(&html[start..start + len])
}

/// The whole document around `body`: styles, the data islands, and the script, under a policy
/// that allows no request and no script but the page's own. `page` tells the script which page
/// it draws (`image` or `diff`).
fn document(title: &str, body: &str, islands: &str, page: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(JS.as_bytes()));
    let units = match crate::report::units::current() {
        crate::report::units::Units::Binary => "binary",
        crate::report::units::Units::Decimal => "decimal",
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
style-src 'unsafe-inline'; script-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"color-scheme\" content=\"light dark\">\n<title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n\
<body data-units=\"{units}\" data-page=\"{page}\">\n{body}{islands}<script>{JS}</script>\n</body>\n</html>\n",
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn islands_hold_no_markup_and_parse_back_to_the_same_json() {
        let value = serde_json::json!({"name": "</script><!--<script>&\u{2028}\u{2029}\"'"});
        let json = serde_json::to_string(&value).unwrap();
        let page = island("x", &json);
        let inner = island_text(&page, "x").unwrap();
        assert!(!inner.contains(['<', '>', '&', '\u{2028}', '\u{2029}']), "{inner}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(inner).unwrap(), value);
    }
}
