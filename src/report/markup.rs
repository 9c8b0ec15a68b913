//! Escaping for the markup outputs: the HTML report and JUnit XML share one function, so a path
//! with markup or control characters reads the same in both. Knows nothing of either format's
//! structure.

/// Text escaped for element content and double-quoted or single-quoted attribute values, in
/// HTML and XML alike; characters XML 1.0 cannot hold (control characters other than tab, line
/// feed and carriage return, U+FFFE, U+FFFF) are dropped, as HTML also forbids them.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_is_escaped_for_content_and_attributes() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>&amp;</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn characters_xml_cannot_hold_are_dropped() {
        assert_eq!(escape("a<b & \"c\"\u{1}\u{FFFE}\t"), "a&lt;b &amp; &quot;c&quot;\t");
    }
}
