//! JSON bodies laid out one field a line for the HTML report: a dev error dump is one
//! unbroken line on the wire, unreadable on a projector. The text of every string and
//! number is kept byte for byte (so leak highlights find what the audit found) and so is
//! the field order (serde_json's `Value` would sort the keys).

/// Indentation per nesting level.
const INDENT: &str = "  ";

/// `body` re-indented when it is a JSON object or array; anything else unchanged.
pub fn pretty(body: &str) -> String {
    let trimmed = body.trim();
    let is_json = (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_ok();
    if !is_json {
        return body.to_string();
    }
    let mut out = String::with_capacity(trimmed.len() * 5 / 4);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = trimmed.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&INDENT.repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty `{}` or `[]` stays on its line.
                while chars.next_if(|n| n.is_whitespace()).is_some() {}
                if let Some(close) = chars.next_if(|n| matches!(n, '}' | ']')) {
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn an_object_gets_one_field_a_line_in_its_own_order() {
        let body = r#"{"zeta":1,"alpha":{"list":[1,"a,b"],"empty":{}},"s":"x: {y}"}"#;
        assert_eq!(
            pretty(body),
            "{\n  \"zeta\": 1,\n  \"alpha\": {\n    \"list\": [\n      1,\n      \"a,b\"\n    ],\n    \"empty\": {}\n  },\n  \"s\": \"x: {y}\"\n}"
        );
    }

    #[test]
    fn strings_keep_their_escapes_byte_for_byte() {
        let body = r#"{"path":"C:\\srv\\app","quote":"say \"hi\", {ok}","slash":"\/etc"}"#;
        let out = pretty(body);
        for kept in [r#""C:\\srv\\app""#, r#""say \"hi\", {ok}""#, r#""\/etc""#] {
            assert!(out.contains(kept), "{kept} in {out}");
        }
    }

    #[test]
    fn text_and_broken_json_are_left_alone() {
        for body in [
            "plain text, {not json}",
            "{\"open\": 1",
            "Internal Server Error",
        ] {
            assert_eq!(pretty(body), body);
        }
    }
}
