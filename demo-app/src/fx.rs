//! The currency-rate upstream ("FX API"): one GET per conversion, with explicit timeouts.
//! Its failures become 502/504 in prod; dev shows what the upstream said.

use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use crate::error::{AppError, ErrorKind};
use crate::settings::Settings;

#[derive(Debug, Clone)]
pub struct FxClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

#[derive(Deserialize)]
struct RatesAnswer {
    rates: std::collections::BTreeMap<String, f64>,
}

impl FxClient {
    pub fn new(settings: &Settings) -> anyhow::Result<FxClient> {
        crate::tls::install_provider();
        let timeout = Duration::from_millis(settings.fx_timeout_ms);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .build()
            .context("Failed to build the FX HTTP client")?;
        Ok(FxClient {
            http,
            base_url: settings.fx_api_url.trim_end_matches('/').to_string(),
            api_key: settings.fx_api_key.clone(),
        })
    }

    /// How many units of `currency` one euro buys.
    pub async fn rate(&self, currency: &str) -> Result<f64, AppError> {
        // DELIBERATE (upstream.error): the API key travels in the query string, so every
        // error that prints the URL (reqwest's do) carries the key into dev responses and
        // logs. The fix: send it in a header and keep URLs out of client-facing text.
        let url = format!(
            "{}/v1/rates?base=EUR&symbols={currency}&api_key={}",
            self.base_url, self.api_key
        );
        // DELIBERATE (config.bad-value): `fx_api_url` is only parsed here, on the first
        // conversion. A malformed value starts fine in dev and fails every priced order
        // with reqwest's "builder error", the URL (and its key) in the message. prod parses
        // it at start-up and refuses to run (exit 78).
        let response = self.http.get(&url).send().await.map_err(|e| {
            let (kind, class) = if e.is_builder() {
                // Our own configuration is wrong: not the upstream's fault.
                (ErrorKind::Internal, "config.bad-value")
            } else if e.is_timeout() {
                // DELIBERATE (upstream.timeout): reqwest's timeout error carries the URL
                // with its key; dev shows it. The fix: a bounded timeout (kept), a 504,
                // and the URL kept out of client-facing text.
                (ErrorKind::GatewayTimeout, "upstream.timeout")
            } else {
                // DELIBERATE (upstream.unreachable): refused, reset, an empty reply: the
                // upstream gave no usable answer, and dev repeats reqwest's text (the URL
                // and key again). prod answers 502, as proxies do for a dead backend.
                (ErrorKind::BadGateway, "upstream.unreachable")
            };
            AppError::new(kind, anyhow::Error::new(e).context("FX API request failed"))
                .in_class(class)
        })?;
        let status = response.status();
        let body = response.text().await.map_err(|e| {
            let class = if e.is_timeout() {
                "upstream.timeout"
            } else {
                "upstream.unreachable"
            };
            AppError::new(
                ErrorKind::BadGateway,
                anyhow::Error::new(e).context("Failed to read the FX API answer"),
            )
            .in_class(class)
        })?;
        if !status.is_success() {
            let excerpt: String = body.chars().take(300).collect();
            return Err(AppError::new(
                ErrorKind::BadGateway,
                anyhow::anyhow!("FX API {url} answered {status}: {excerpt}"),
            )
            .in_class("upstream.error"));
        }
        // DELIBERATE (upstream.bad-payload): the error quotes the start of what the upstream
        // sent (an HTML error page, a truncated document); dev shows it to the client. The
        // fix: parse into a typed answer (done), answer 502, and log the body, never echo it.
        let answer: RatesAnswer = serde_json::from_str(&body).map_err(|e| {
            AppError::new(
                ErrorKind::BadGateway,
                anyhow::Error::new(e)
                    .context(format!("FX API answered malformed JSON: {body:.200}")),
            )
            .in_class("upstream.bad-payload")
        })?;
        answer.rates.get(currency).copied().ok_or_else(|| {
            AppError::new(
                ErrorKind::BadGateway,
                anyhow::anyhow!("FX API answer has no rate for {currency}"),
            )
            .in_class("upstream.bad-payload")
        })
    }
}
