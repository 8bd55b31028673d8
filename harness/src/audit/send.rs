//! Sending the battery within bounds: a deadline for the whole battery, a timeout per
//! exchange that includes reading the body, a cap on the body kept, never a request off the
//! target's origin (redirects are not followed; every URL is checked), a concurrency cap,
//! and a 503/429's Retry-After respected before the next request.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde::Serialize;

use super::probes::{Kind, Probe};
use crate::leaks;

/// The bounds of one battery.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub deadline: Instant,
    pub exchange_timeout: Duration,
    pub body_cap: usize,
    pub concurrency: usize,
}

/// The longest pause one Retry-After buys.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// One probe and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub probe: Probe,
    /// `None`: no response (see `error`).
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: String,
    /// The body was longer than the cap and was cut.
    pub truncated: bool,
    pub error: Option<String>,
    /// The connection closed before an answer (a crash without a last-resort handler).
    pub dropped: bool,
    pub correlation_id: Option<String>,
    pub findings: Vec<leaks::Finding>,
    pub elapsed_ms: u64,
    /// Not sent: the battery's time bound ran out first.
    pub skipped: bool,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_error(&self) -> bool {
        self.status.is_some_and(|s| s >= 400)
    }

    /// Built from a response observed elsewhere (the fuzzer's).
    pub fn observed(
        probe: Probe,
        status: Option<u16>,
        headers: Vec<(String, String)>,
        body: String,
        error: Option<String>,
    ) -> Exchange {
        let dropped = status.is_none() && error.as_deref().is_some_and(looks_dropped);
        let mut exchange = Exchange {
            probe,
            status,
            headers,
            body,
            truncated: false,
            error,
            dropped,
            correlation_id: None,
            findings: Vec::new(),
            elapsed_ms: 0,
            skipped: false,
        };
        exchange.finish();
        exchange
    }

    /// Scans the answer and reads its correlation id.
    fn finish(&mut self) {
        if self.status.is_some() {
            self.findings = leaks::scan(&leaks::Response {
                headers: &self.headers,
                body: &self.body,
            });
            self.correlation_id = super::correlation::find(&self.headers, &self.body);
        }
    }
}

/// Whether a transport error says the server closed without answering.
fn looks_dropped(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    [
        "incomplete message",
        "connection closed",
        "connection reset",
        "unexpected eof",
        "broken pipe",
        "connection dropped",
    ]
    .iter()
    .any(|s| error.contains(s))
}

/// Sends every probe, in order of the returned list, within `bounds`.
pub async fn send_all(
    client: &reqwest::Client,
    base_url: &str,
    probes: Vec<Probe>,
    bounds: &Bounds,
) -> Vec<Exchange> {
    let pause_until = Mutex::new(Instant::now());
    let mut exchanges: Vec<(usize, Exchange)> =
        futures_util::stream::iter(probes.into_iter().enumerate())
            .map(|(index, probe)| {
                let pause_until = &pause_until;
                async move {
                    let wait = {
                        let until = *pause_until.lock().unwrap_or_else(|p| p.into_inner());
                        until.saturating_duration_since(Instant::now())
                    };
                    if Instant::now() + wait >= bounds.deadline {
                        return (index, skipped(probe));
                    }
                    tokio::time::sleep(wait).await;
                    let exchange = send(client, base_url, probe, bounds).await;
                    if matches!(exchange.status, Some(503 | 429))
                        && let Some(seconds) = exchange
                            .header("retry-after")
                            .and_then(|v| v.trim().parse::<u64>().ok())
                    {
                        let pause = Duration::from_secs(seconds).min(MAX_PAUSE);
                        *pause_until.lock().unwrap_or_else(|p| p.into_inner()) =
                            Instant::now() + pause;
                    }
                    (index, exchange)
                }
            })
            .buffer_unordered(bounds.concurrency.max(1))
            .collect()
            .await;
    exchanges.sort_by_key(|(index, _)| *index);
    exchanges.into_iter().map(|(_, e)| e).collect()
}

fn skipped(probe: Probe) -> Exchange {
    let mut exchange = Exchange::observed(
        probe,
        None,
        Vec::new(),
        String::new(),
        Some("not sent: the audit's time bound ran out".to_string()),
    );
    exchange.skipped = true;
    exchange
}

/// One probe, bounded by the exchange timeout (headers and body) and the body cap.
pub async fn send(
    client: &reqwest::Client,
    base_url: &str,
    probe: Probe,
    bounds: &Bounds,
) -> Exchange {
    let url = format!("{base_url}{}", probe.target);
    if !same_origin(base_url, &url) {
        return Exchange::observed(
            probe,
            None,
            Vec::new(),
            String::new(),
            Some(format!("not sent: {url} is off the target's origin")),
        );
    }
    let method =
        reqwest::Method::from_bytes(probe.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut request = client.request(method, &url);
    for (name, value) in &probe.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &probe.body {
        request = request.body(body.clone());
    }
    let started = Instant::now();
    let cap = bounds.body_cap;
    let read = async move {
        let mut response = request.send().await?;
        let status = response.status().as_u16();
        let headers = crate::runner::http::header_pairs(response.headers());
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await? {
            let room = cap.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if chunk.len() > room {
                truncated = true;
                break;
            }
        }
        Ok::<_, reqwest::Error>((status, headers, body, truncated))
    };
    let outcome = tokio::time::timeout(bounds.exchange_timeout, read).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let mut exchange = match outcome {
        Ok(Ok((status, headers, body, truncated))) => {
            let mut e = Exchange::observed(
                probe,
                Some(status),
                headers,
                String::from_utf8_lossy(&body).into_owned(),
                None,
            );
            e.truncated = truncated;
            e
        }
        Ok(Err(error)) => Exchange::observed(
            probe,
            None,
            Vec::new(),
            String::new(),
            Some(crate::runner::http::describe_transport_error(&error)),
        ),
        Err(_) => Exchange::observed(
            probe,
            None,
            Vec::new(),
            String::new(),
            Some(format!(
                "timed out: no complete answer within {} ms",
                bounds.exchange_timeout.as_millis()
            )),
        ),
    };
    exchange.elapsed_ms = elapsed_ms;
    exchange
}

/// Whether `url` has the scheme, host and port of `base`.
pub fn same_origin(base: &str, url: &str) -> bool {
    match (reqwest::Url::parse(base), reqwest::Url::parse(url)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

/// Whether the kind of probe counts for the last-resort handler check when it is dropped.
pub fn counts_as_crash(exchange: &Exchange) -> bool {
    exchange.dropped
        && !exchange.skipped
        && !exchange.probe.kind.may_close()
        && exchange.probe.kind != Kind::Liveness
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert!(same_origin(
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080//evil.example/x"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8081/x"
        ));
        assert!(!same_origin("https://a.test", "http://a.test/"));
        assert!(looks_dropped(
            "error sending request: connection closed before message completed"
        ));
        assert!(!looks_dropped("timed out"));
    }
}
