//! One exchange with the target, bounded whatever it does: a timeout over the whole
//! exchange (connecting, headers and body), a cap on the body read (the rest is left
//! unread and the connection dropped), and redirects never followed (the client's policy:
//! a 3xx is itself the observation, so nothing off the target's origin is ever asked).

use std::time::{Duration, Instant};

use super::bucket::{Outcome, drop_reflected};
use super::case::Case;
use super::check::{self, Observed};
use super::{ClassLookup, Options, Target, spec};

/// Sends one input and checks the answer.
pub(super) async fn send(
    target: &Target<'_>,
    operation: &spec::Operation,
    case: &Case,
    options: &Options,
) -> Outcome {
    let wire = case.wire(operation);
    let method =
        reqwest::Method::from_bytes(wire.method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut request = target
        .client
        .request(method, format!("{}{}", target.base_url, wire.target))
        .timeout(options.request_timeout);
    for (name, value) in &wire.headers {
        request = request.header(name, value);
    }
    if let Some(content_type) = &wire.content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(body) = wire.body {
        request = request.body(body);
    }
    let observed = exchange(request, options.request_timeout, options.body_cap).await;
    let mut verdict = check::check(&observed, target.profile, options.time_limit);
    drop_reflected(&mut verdict, case);
    let class = match (&target.class_of, observed.status) {
        (Some(class_of), Some(status)) if status >= 500 => {
            let id = observed.header("x-request-id").unwrap_or("").to_string();
            class_from_logs(class_of, &id).await
        }
        _ => None,
    };
    Outcome {
        observed,
        verdict,
        class,
    }
}

/// The request and its response, read up to `cap` bytes of body and no longer than
/// `timeout` in all.
pub(super) async fn exchange(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    cap: usize,
) -> Observed {
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(started + timeout);
    let mut response = match tokio::time::timeout_at(deadline, request.send()).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) if e.is_timeout() => return timed_out(started, timeout),
        Ok(Err(e)) => return no_response(&e, started),
        Err(_) => return timed_out(started, timeout),
    };
    let status = response.status().as_u16();
    let headers = crate::runner::http::header_pairs(response.headers());
    let mut body = Vec::new();
    let mut truncated = false;
    let mut timed_out = false;
    let mut error = None;
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let room = cap - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
                if body.len() == cap {
                    // More may follow, or never end: what was read is what is checked.
                    truncated = response.content_length() != Some(cap as u64);
                    break;
                }
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) if e.is_timeout() => {
                timed_out = true;
                break;
            }
            Ok(Err(e)) => {
                error = Some(format!(
                    "the body broke off after {} bytes: {}",
                    body.len(),
                    crate::runner::http::describe_transport_error(&e)
                ));
                break;
            }
            Err(_) => {
                timed_out = true;
                break;
            }
        }
    }
    if timed_out {
        error = Some(format!(
            "the body was still coming after {} ms ({} bytes read)",
            timeout.as_millis(),
            body.len()
        ));
    }
    // Dropping the response here closes a connection whose body was not read to the end.
    drop(response);
    Observed {
        status: Some(status),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        error,
        elapsed: started.elapsed(),
        timed_out,
        truncated,
    }
}

fn timed_out(started: Instant, timeout: Duration) -> Observed {
    Observed {
        status: None,
        headers: Vec::new(),
        body: String::new(),
        error: Some(format!("no response within {} ms", timeout.as_millis())),
        elapsed: started.elapsed(),
        timed_out: true,
        truncated: false,
    }
}

fn no_response(error: &reqwest::Error, started: Instant) -> Observed {
    Observed {
        status: None,
        headers: Vec::new(),
        body: String::new(),
        error: Some(crate::runner::http::describe_transport_error(error)),
        elapsed: started.elapsed(),
        timed_out: false,
        truncated: false,
    }
}

/// The app writes its log line as it answers; give the reader of its stderr a moment.
async fn class_from_logs(class_of: &ClassLookup<'_>, correlation_id: &str) -> Option<String> {
    if correlation_id.is_empty() {
        return None;
    }
    for _ in 0..40 {
        if let Some(class) = class_of(correlation_id) {
            return (!class.is_empty()).then_some(class);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}
