//! Prod's `before_send`: what must not leave for the tracker, removed from every event just
//! before the SDK sends it. The tracker is a third party (even a self-hosted one is read by
//! more people than the logs are), so the event keeps what identifies the defect and where
//! it happened, and loses what belongs to a user or unlocks something:
//! - cookies, `Authorization` and every header whose name says secret, and the client's
//!   address (`REMOTE_ADDR`, `X-Forwarded-For`): personal data under GDPR;
//! - query values and body fields whose names say secret (`password`, `token`, `api_key`...);
//! - e-mail addresses anywhere in the event's text (URL, body, messages, tags, extra);
//! - the user record, which the SDK fills from the request when PII is on.
//!
//! Names are compared lower-cased with `-` and `_` removed, so `X-Api-Key`, `api_key` and
//! `apiKey` are one name.

use sentry::protocol::{Event, Request, Value};

/// What a removed value is replaced with (Sentry's own word for it).
pub const FILTERED: &str = "[Filtered]";

/// What an e-mail address is replaced with.
pub const EMAIL: &str = "[email]";

/// Parts of a name that mark its value secret.
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "authtoken",
    "cookie",
    "session",
    "credential",
    "signature",
    "dsn",
    "cardnumber",
    "cvv",
];

/// Headers that carry the client's address: personal data, whatever their names say.
const ADDRESS_HEADERS: &[&str] = &["xforwardedfor", "xrealip", "forwarded", "cfconnectingip"];

/// Whether a header, query or field name marks its value as secret.
pub fn is_secret_name(name: &str) -> bool {
    let name = normalise(name);
    SECRET_PARTS.iter().any(|part| name.contains(part))
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The whole scrub: applied to every event prod sends.
pub fn scrub(mut event: Event<'static>) -> Event<'static> {
    if let Some(request) = event.request.as_mut() {
        scrub_request(request);
    }
    event.user = None;
    for exception in event.exception.values.iter_mut() {
        if let Some(value) = exception.value.as_mut() {
            *value = redact_emails(value);
        }
    }
    if let Some(message) = event.message.as_mut() {
        *message = redact_emails(message);
    }
    if let Some(logentry) = event.logentry.as_mut() {
        logentry.message = redact_emails(&logentry.message);
    }
    for value in event.tags.values_mut() {
        *value = redact_emails(value);
    }
    for (name, value) in event.extra.iter_mut() {
        scrub_value(name, value);
    }
    for breadcrumb in event.breadcrumbs.values.iter_mut() {
        if let Some(message) = breadcrumb.message.as_mut() {
            *message = redact_emails(message);
        }
        for (name, value) in breadcrumb.data.iter_mut() {
            scrub_value(name, value);
        }
    }
    event
}

fn scrub_request(request: &mut Request) {
    request.cookies = None;
    request.env.clear();
    request.headers.retain(|name, _| {
        !is_secret_name(name) && !ADDRESS_HEADERS.contains(&normalise(name).as_str())
    });
    for value in request.headers.values_mut() {
        *value = redact_emails(value);
    }
    if let Some(url) = request.url.as_mut() {
        if url.query().is_some() {
            let query = scrub_query(url.query().unwrap_or_default());
            url.set_query(Some(&query));
        }
        // A password in the URL's user part (`https://user:pass@host/`).
        if url.password().is_some() {
            let _ = url.set_password(Some(FILTERED));
        }
        if url.path().contains('@') {
            let path = redact_emails(url.path());
            url.set_path(&path);
        }
    }
    if let Some(query) = request.query_string.as_mut() {
        *query = scrub_query(query);
    }
    if let Some(data) = request.data.as_mut() {
        *data = scrub_body(data);
    }
}

/// `a=1&password=x&to=ada@example.com` → `a=1&password=[Filtered]&to=[email]`, keeping the
/// text as it came (percent-encoding included) wherever nothing is removed.
fn scrub_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded_name = percent_decode(name);
            if is_secret_name(&decoded_name) && pair.contains('=') {
                format!("{name}={FILTERED}")
            } else if percent_decode(value).contains('@') {
                let clean = redact_emails(&percent_decode(value));
                if clean == percent_decode(value) {
                    pair.to_string()
                } else {
                    format!("{name}={}", clean.replace('&', "%26").replace(' ', "+"))
                }
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A captured body: JSON walked field by field, a form as a query, anything else (text
/// the SDK captured whatever its type) with its e-mail addresses removed.
fn scrub_body(body: &str) -> String {
    if let Ok(mut json) = serde_json::from_str::<Value>(body) {
        scrub_value("", &mut json);
        return json.to_string();
    }
    if body.contains('=') && !body.contains(char::is_whitespace) {
        return scrub_query(body);
    }
    redact_emails(body)
}

/// A JSON value under `name`: filtered whole when the name says secret, else walked.
fn scrub_value(name: &str, value: &mut Value) {
    if !name.is_empty() && is_secret_name(name) {
        *value = Value::String(FILTERED.to_string());
        return;
    }
    match value {
        Value::String(text) => *text = redact_emails(text),
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_value("", item)),
        Value::Object(fields) => fields
            .iter_mut()
            .for_each(|(name, item)| scrub_value(name, item)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn percent_decode(text: &str) -> String {
    let plus_as_space = text.replace('+', " ");
    let bytes = plus_as_space.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let byte = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(byte as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Replaces every e-mail address (`local@domain.tld`) in `text` with `[email]`.
pub fn redact_emails(text: &str) -> String {
    if !text.contains('@') {
        return text.to_string();
    }
    let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-'".contains(c);
    let is_domain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (n, &(at, c)) in chars.iter().enumerate() {
        if c != '@' || at < copied {
            continue;
        }
        let start = chars[..n]
            .iter()
            .rev()
            .take_while(|(_, c)| is_local(*c))
            .last()
            .map_or(at, |(i, _)| *i);
        let domain: String = chars[n + 1..]
            .iter()
            .map(|(_, c)| *c)
            .take_while(|c| is_domain(*c))
            .collect();
        let domain = domain.trim_end_matches(['.', '-']);
        let has_tld = domain
            .rsplit_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && tld.len() >= 2);
        // The quote is allowed in the local part (O'Hara@…) but never starts it.
        let start = text[start..at]
            .find(|c: char| c != '\'' && c != '.')
            .map_or(at, |offset| start + offset);
        if start == at || !has_tld {
            continue;
        }
        out.push_str(&text[copied..start]);
        out.push_str(EMAIL);
        copied = at + 1 + domain.len();
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests;
