//! One generated request: values for an operation's parameters and body, how it goes on
//! the wire, and the `curl` command that sends it again.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use super::spec::{BodyMedia, Operation};

/// Values for one operation. `None` leaves a parameter out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub path: Vec<(String, String)>,
    pub query: Vec<(String, Option<String>)>,
    /// Header parameters (older saved cases have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, Option<String>)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// A JSON value, sent as `application/json`.
    Json(serde_json::Value),
    /// Text sent as is, with this content type (malformed JSON, a wrong content type).
    Raw { content_type: String, text: String },
}

/// Everything but RFC 3986's unreserved characters is escaped.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What to send.
#[derive(Debug, Clone)]
pub struct Wire {
    pub method: String,
    /// Path and query, percent-encoded, e.g. `/search?q=caf%C3%A9`.
    pub target: String,
    pub content_type: Option<String>,
    /// Header parameters and the `Accept` the document asks for, values made sendable.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Case {
    pub fn wire(&self, operation: &Operation) -> Wire {
        let mut target = operation.route.clone();
        for (name, value) in &self.path {
            let encoded = utf8_percent_encode(value, COMPONENT).to_string();
            target = target.replace(&format!("{{{name}}}"), &encoded);
        }
        let pairs: Vec<String> = self
            .query
            .iter()
            .filter_map(|(name, value)| {
                value.as_ref().map(|v| {
                    format!(
                        "{}={}",
                        utf8_percent_encode(name, COMPONENT),
                        utf8_percent_encode(v, COMPONENT)
                    )
                })
            })
            .collect();
        if !pairs.is_empty() {
            target.push('?');
            target.push_str(&pairs.join("&"));
        }
        let (content_type, body) = match &self.body {
            Some(Body::Json(value)) if operation.body_media == BodyMedia::Form => (
                Some("application/x-www-form-urlencoded".to_string()),
                Some(form_encoded(value)),
            ),
            Some(Body::Json(value)) => (
                Some("application/json".to_string()),
                Some(value.to_string()),
            ),
            Some(Body::Raw { content_type, text }) => {
                (Some(content_type.clone()), Some(text.clone()))
            }
            None => (None, None),
        };
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok())
            .filter_map(|(name, value)| value.as_ref().map(|v| (name.clone(), header_safe(v))))
            .collect();
        if let Some(accept) = &operation.accept
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
        {
            headers.push(("accept".to_string(), accept.clone()));
        }
        Wire {
            method: operation.method.clone(),
            target,
            content_type,
            headers,
            body,
        }
    }

    /// Every text the request carries (values, JSON strings, the raw body), to tell a
    /// response that echoes its input from one that discloses something.
    pub fn texts(&self) -> Vec<String> {
        let mut texts: Vec<String> = self.path.iter().map(|(_, v)| v.clone()).collect();
        texts.extend(self.query.iter().filter_map(|(_, v)| v.clone()));
        texts.extend(self.headers.iter().filter_map(|(_, v)| v.clone()));
        match &self.body {
            Some(Body::Json(value)) => {
                texts.push(value.to_string());
                collect_strings(value, &mut texts);
            }
            Some(Body::Raw { text, .. }) => texts.push(text.clone()),
            None => {}
        }
        texts
    }

    /// How big the case is, for keeping the smallest reproduction of a bucket.
    pub fn weight(&self) -> usize {
        let path: usize = self.path.iter().map(|(_, v)| v.len()).sum();
        let query: usize = self
            .query
            .iter()
            .chain(&self.headers)
            .map(|(_, v)| v.as_ref().map_or(0, String::len))
            .sum();
        let body = match &self.body {
            Some(Body::Json(value)) => value.to_string().len(),
            Some(Body::Raw { text, .. }) => text.len(),
            None => 0,
        };
        path + query + body
    }
}

/// An object's fields as `name=value` pairs (nested values as their JSON text); any
/// other value as one `value=` pair, so that a hostile body still goes out as a form.
fn form_encoded(value: &serde_json::Value) -> String {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let pairs: Vec<(String, String)> = match value {
        serde_json::Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        other => vec![("value".to_string(), text(other))],
    };
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, COMPONENT),
                utf8_percent_encode(v, COMPONENT)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value HTTP can carry: control characters (CR, LF, NUL...) and DEL are
/// percent-encoded, everything else is kept, non-ASCII included (sent as UTF-8 bytes).
fn header_safe(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if (c.is_ascii_control() && c != '\t') || c == '\u{7f}' {
            let _ = write!(out, "%{:02X}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

impl Wire {
    /// A `curl` command line that sends the same request, quoted for a POSIX shell.
    pub fn curl(&self, base_url: &str, insecure: bool) -> String {
        let mut line = String::from("curl -si");
        if insecure {
            line.push_str(" -k");
        }
        if self.method != "GET" {
            let _ = write!(line, " -X {}", self.method);
        }
        for (name, value) in &self.headers {
            let _ = write!(line, " -H {}", shell_quote(&format!("{name}: {value}")));
        }
        if let Some(content_type) = &self.content_type {
            let _ = write!(
                line,
                " -H {}",
                shell_quote(&format!("content-type: {content_type}"))
            );
        }
        if let Some(body) = &self.body {
            let _ = write!(line, " --data-binary {}", shell_quote(body));
        }
        let _ = write!(
            line,
            " {}",
            shell_quote(&format!("{base_url}{}", self.target))
        );
        line
    }
}

/// Single quotes, with `'` written as `'\''`; control characters as `$'\xNN'` pieces, so a
/// pasted command sends exactly these bytes and never runs anything.
fn shell_quote(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                out.push('\'');
                out.push_str("$'");
                for byte in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
                out.push_str("''");
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::spec::{BodyMedia, Operation, Param};

    fn operation(method: &str, route: &str) -> Operation {
        Operation {
            method: method.to_string(),
            route: route.to_string(),
            params: Vec::<Param>::new(),
            body: None,
            body_required: false,
            body_media: BodyMedia::Json,
            accept: None,
            secured: false,
        }
    }

    #[test]
    fn values_are_percent_encoded_in_path_and_query() {
        let case = Case {
            path: vec![("id".into(), "../1 2".into())],
            query: vec![("q".into(), Some("café&x=1".into())), ("skip".into(), None)],
            headers: vec![],
            body: None,
        };
        let wire = case.wire(&operation("GET", "/books/{id}"));
        assert_eq!(wire.target, "/books/..%2F1%202?q=caf%C3%A9%26x%3D1");
    }

    #[test]
    fn curl_lines_quote_everything_a_shell_could_run() {
        let case = Case {
            path: vec![],
            query: vec![("name".into(), Some("O'Reilly".into()))],
            headers: vec![],
            body: Some(Body::Raw {
                content_type: "application/json".into(),
                text: "{\"a\":\"$(id)\u{0}\"}".into(),
            }),
        };
        let line = case
            .wire(&operation("POST", "/authors"))
            .curl("http://127.0.0.1:1", false);
        assert_eq!(
            line,
            "curl -si -X POST -H 'content-type: application/json' --data-binary '{\"a\":\"$(id)'$'\\x00''\"}' 'http://127.0.0.1:1/authors?name=O%27Reilly'"
        );
    }

    #[test]
    fn headers_are_made_sendable_and_form_bodies_are_encoded() {
        let mut op = operation("POST", "/items/{id}");
        op.body_media = BodyMedia::Form;
        op.accept = Some("application/json".into());
        let case = Case {
            path: vec![("id".into(), "1".into())],
            query: vec![],
            headers: vec![("X-Trace".into(), Some("a\r\nSet-Cookie: x".into()))],
            body: Some(Body::Json(serde_json::json!({"name": "a b&c", "stock": 3}))),
        };
        let wire = case.wire(&op);
        assert_eq!(
            wire.headers,
            [
                ("X-Trace".to_string(), "a%0D%0ASet-Cookie: x".to_string()),
                ("accept".to_string(), "application/json".to_string())
            ]
        );
        assert!(
            wire.headers
                .iter()
                .all(|(_, v)| reqwest::header::HeaderValue::from_str(v).is_ok())
        );
        assert_eq!(wire.body.as_deref(), Some("name=a%20b%26c&stock=3"));
        assert_eq!(
            wire.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
    }
}
