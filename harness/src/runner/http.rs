//! Sending one scenario request and recording the exchange.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::result::{Exchange, RequestRecord, ResponseRecord};
use crate::leaks;
use crate::scenario::RequestSpec;

/// Longest body kept in a result; the rest is cut (a debug page is ~20 KB).
const MAX_BODY_BYTES: usize = 512 * 1024;

/// How long one request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn client() -> reqwest::Client {
    client_with(false).unwrap_or_else(|_| reqwest::Client::new())
}

/// An HTTP(S) client; `insecure` accepts any certificate (a self-signed test server).
/// Redirects are not followed: a 302 is an answer to report, not to chase.
pub fn client_with(insecure: bool) -> Result<reqwest::Client, reqwest::Error> {
    install_tls_provider();
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(insecure)
        .build()
}

/// rustls needs one process-wide crypto provider; ring is the one compiled in.
pub fn install_tls_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // Err means another provider is already the default: that one serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// reqwest's error with its causes, which say what actually happened (reset, TLS, ...).
/// A response's headers as (name, value) pairs, a value that is not UTF-8 decoded lossily:
/// what every record, report and leak rule reads.
pub fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

pub fn describe_transport_error(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Replaces `{{name}}` with captured values.
pub fn fill(text: &str, captures: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (name, value) in captures {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// Sends the request and scans the response for leaks.
pub async fn send(
    client: &reqwest::Client,
    base_url: &str,
    step: (usize, &str),
    spec: &RequestSpec,
    captures: &BTreeMap<String, String>,
) -> Exchange {
    let mut exchange = send_unscanned(client, base_url, step, spec, captures).await;
    scan(&mut exchange);
    exchange
}

/// Scans an exchange's response for leaks (a `load` step scans only the samples it keeps).
pub fn scan(exchange: &mut Exchange) {
    if let Some(response) = &exchange.response {
        exchange.findings = leaks::scan(&leaks::Response {
            headers: &response.headers,
            body: &response.body,
        });
    }
}

/// The request a spec describes, with the captured values filled in: what is sent and
/// what the exchange records.
fn request_record(spec: &RequestSpec, captures: &BTreeMap<String, String>) -> RequestRecord {
    let method = spec.method.clone().unwrap_or_else(|| "GET".to_string());
    let mut target = fill(spec.path.as_deref().unwrap_or("/"), captures);
    if !spec.query.is_empty() {
        let pairs: Vec<String> = spec
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(&fill(v, captures))))
            .collect();
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(&pairs.join("&"));
    }
    let mut headers: Vec<(String, String)> = spec
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), fill(v, captures)))
        .collect();
    if let Some(accept) = &spec.accept {
        headers.push(("accept".to_string(), accept.clone()));
    }
    let body = match (&spec.json, &spec.body) {
        (Some(json), _) => {
            if !headers.iter().any(|(k, _)| k == "content-type") {
                headers.push(("content-type".to_string(), "application/json".to_string()));
            }
            let json = crate::runner::expect::toml_to_json(json).to_string();
            Some(fill(&json, captures))
        }
        (None, Some(raw)) => Some(fill(raw, captures)),
        (None, None) => None,
    };
    RequestRecord {
        method,
        target,
        headers,
        body,
    }
}

/// A request the step did not send, and why (`error`): it waited for a log line that never
/// came, say. It counts as a request without a response.
pub fn not_sent(
    (step_index, step): (usize, &str),
    spec: &RequestSpec,
    captures: &BTreeMap<String, String>,
    error: String,
) -> Exchange {
    Exchange {
        step_index,
        step: step.to_string(),
        request: request_record(spec, captures),
        response: None,
        error: Some(error),
        correlation_id: None,
        log_lines: Vec::new(),
        findings: Vec::new(),
        hidden_failure: None,
        duration_ms: 0,
    }
}

/// Sends the request and records the exchange, without the leak scan.
pub async fn send_unscanned(
    client: &reqwest::Client,
    base_url: &str,
    (step_index, step): (usize, &str),
    spec: &RequestSpec,
    captures: &BTreeMap<String, String>,
) -> Exchange {
    let request = request_record(spec, captures);
    if spec.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(spec.delay_ms)).await;
    }
    let started = Instant::now();
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    // A client of its own has an empty connection pool, so the request opens a new one.
    let fresh;
    let client = if spec.new_connection {
        fresh = self::client();
        &fresh
    } else {
        client
    };
    let mut builder = client.request(method, format!("{base_url}{}", request.target));
    let timeout = spec
        .timeout_ms
        .map_or(REQUEST_TIMEOUT, Duration::from_millis);
    builder = builder.timeout(timeout);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let outcome = async {
        let response = builder.send().await?;
        let status = response.status().as_u16();
        let headers = header_pairs(response.headers());
        let bytes = response.bytes().await?;
        let cut = bytes.len().min(MAX_BODY_BYTES);
        let body = String::from_utf8_lossy(&bytes[..cut]).into_owned();
        Ok::<_, reqwest::Error>(ResponseRecord {
            status,
            headers,
            body,
        })
    }
    .await;
    let duration_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(mut response) => {
            response.headers.sort();
            let correlation_id = response.header("x-request-id").map(str::to_string);
            Exchange {
                step_index,
                step: step.to_string(),
                request,
                response: Some(response),
                error: None,
                correlation_id,
                log_lines: Vec::new(),
                findings: Vec::new(),
                hidden_failure: None,
                duration_ms,
            }
        }
        Err(error) => Exchange {
            step_index,
            step: step.to_string(),
            request,
            response: None,
            error: Some(describe(error, timeout)),
            correlation_id: None,
            log_lines: Vec::new(),
            findings: Vec::new(),
            hidden_failure: None,
            duration_ms,
        },
    }
}

/// A transport error as one line: the kind first (what a reader needs), then the chain,
/// without the URL the exchange already shows.
fn describe(error: reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("timed out: no response within {} ms", timeout.as_millis());
    }
    let kind = if error.is_connect() {
        "could not connect"
    } else if closed_without_answer(&error) {
        CONNECTION_DROPPED
    } else {
        "transport error"
    };
    let error = error.without_url();
    let mut text = format!("{kind}: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// How a transport error starts when the server took the request and closed the connection
/// without a complete answer: what actix-web does when nobody catches a handler's panic
/// (curl: "Empty reply from server", exit 52). Scenarios expect it with
/// `no_response = "connection dropped"`.
pub const CONNECTION_DROPPED: &str = "connection dropped";

/// How the error of a request the step did not send (`not_sent`) begins.
pub const NOT_SENT: &str = "not sent";

/// Whether the step did not send this request (its `after_log` line never came).
pub fn was_not_sent(exchange: &Exchange) -> bool {
    exchange.response.is_none()
        && exchange
            .error
            .as_deref()
            .is_some_and(|error| error.starts_with(NOT_SENT))
}

/// Whether the connection closed before a response arrived: hyper's "incomplete message",
/// or the socket reset or ended while the answer was awaited.
fn closed_without_answer(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const QUERY_COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY_COMPONENT).to_string()
}

/// The value a capture names in a response.
pub fn capture(how: &str, exchange: &Exchange) -> Option<String> {
    let response = exchange.response.as_ref()?;
    if how == "status" {
        return Some(response.status.to_string());
    }
    if let Some(name) = how.strip_prefix("header:") {
        return response.header(name).map(str::to_string);
    }
    let pointer = how.strip_prefix("json:")?;
    let body: serde_json::Value = serde_json::from_str(&response.body).ok()?;
    match body.pointer(pointer)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("O'Reilly & sons"), "O%27Reilly%20%26%20sons");
        assert_eq!(encode("crab 🦀"), "crab%20%F0%9F%A6%80");
    }

    #[test]
    fn captures_fill_templates() {
        let captures = BTreeMap::from([("id".to_string(), "42".to_string())]);
        assert_eq!(fill("/customers/{{id}}", &captures), "/customers/42");
    }
}
