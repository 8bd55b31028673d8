//! Where the API description comes from, and which of its operations a run takes: a file or
//! an http(s) URL (bounded in size and time), then the user's `METHOD /route` globs. `fuzz`
//! and `audit` both read their document here.

use std::time::Duration;

use super::spec::{self, Api};
use crate::runner::http;

/// The most a spec document may weigh, and how long fetching it may take.
const SPEC_CAP: usize = 32 * 1024 * 1024;
const SPEC_TIMEOUT: Duration = Duration::from_secs(30);

/// Why no usable operations came from the source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The document or the patterns are the user's to fix.
    #[error("{0}")]
    Unusable(String),
    /// The server holding the document did not give it.
    #[error("{0}")]
    Unreachable(String),
}

/// The document from a file or an http(s) URL (at most `SPEC_CAP` bytes, fetched within
/// `SPEC_TIMEOUT`), parsed.
pub async fn load(source: &str, client: &reqwest::Client) -> Result<Api, SourceError> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        match tokio::time::timeout(SPEC_TIMEOUT, fetch(source, client)).await {
            Ok(text) => text?,
            Err(_) => {
                return Err(SourceError::Unreachable(format!(
                    "the spec {source} did not arrive within {} s\n  = help: save it and give the file with --spec FILE",
                    SPEC_TIMEOUT.as_secs()
                )));
            }
        }
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| SourceError::Unusable(format!("cannot read the spec {source}: {e}")))?
    };
    spec::parse(&text)
        .map_err(|e| SourceError::Unusable(format!("the spec {source} is not usable: {e}")))
}

async fn fetch(source: &str, client: &reqwest::Client) -> Result<String, SourceError> {
    let mut response = client
        .get(source)
        .timeout(SPEC_TIMEOUT)
        .send()
        .await
        .map_err(|e| {
            SourceError::Unreachable(format!(
                "cannot fetch the spec {source}: {}",
                http::describe_transport_error(&e)
            ))
        })?;
    let status = response.status();
    if !status.is_success() {
        return Err(SourceError::Unreachable(format!(
            "the spec {source} answered {status}\n  = help: give the document with --spec FILE|URL (httpbin and flasgger serve /spec.json, springfox /v2/api-docs)"
        )));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SourceError::Unreachable(format!("cannot read the spec {source}: {e}")))?
    {
        if bytes.len() + chunk.len() > SPEC_CAP {
            return Err(SourceError::Unusable(format!(
                "the spec {source} is larger than {} MiB",
                SPEC_CAP / (1024 * 1024)
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|e| SourceError::Unusable(format!("the spec {source} is not UTF-8 text: {e}")))
}

/// Keeps the operations that match a pattern (`METHOD /route` or `/route`, `*` globs); all
/// of them when there is none.
pub fn select(mut api: Api, patterns: &[String]) -> Result<Api, SourceError> {
    if patterns.is_empty() {
        return Ok(api);
    }
    let mut matchers = Vec::new();
    for pattern in patterns {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(false)
            .build()
            .map_err(|e| SourceError::Unusable(format!("pattern `{pattern}`: {e}")))?
            .compile_matcher();
        matchers.push(glob);
    }
    api.operations.retain(|o| {
        let full = format!("{} {}", o.method, o.route);
        matchers
            .iter()
            .any(|m| m.is_match(&full) || m.is_match(&o.route))
    });
    if api.operations.is_empty() {
        return Err(SourceError::Unusable(format!(
            "no operation matches {}\n  = help: patterns match `METHOD /route` or `/route`, e.g. `/search` or `GET /books/*`",
            patterns.join(", ")
        )));
    }
    Ok(api)
}
