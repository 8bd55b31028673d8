//! HTML escaping for the error pages. Both pages show text that came from the request or
//! the error (paths, SQL, panic messages): every such string goes through `escape`.

/// Escapes the five characters that matter in HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape("<script>alert('x & y')</script>"),
            "&lt;script&gt;alert(&#x27;x &amp; y&#x27;)&lt;/script&gt;"
        );
    }
}
