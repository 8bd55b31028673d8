//! The fake FX upstream for a run, as the scenario's `[upstream]` says: a wiremock server
//! with a canned answer, a port where nothing listens, or a listener that drops every
//! connection without a reply.
//!
//! "Nothing listens" is `lab_support::refusing_port`: a port held, bound and never
//! listening, for the run's whole life, so it refuses by construction and nobody else gets it.

use std::time::Duration;

use lab_support::refusing_port::RefusingPort;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::scenario::Upstream;

/// Alive for the whole run; dropping it stops the server.
pub enum FakeUpstream {
    Answering(MockServer),
    /// Nothing listens at this address: the port is held, bound and never listening, so
    /// connections are refused and nobody else can take it before the run ends.
    Unreachable(RefusingPort),
    /// Accepts connections and closes them at once ("empty reply from server").
    Resetting {
        uri: String,
        task: JoinHandle<()>,
    },
}

impl FakeUpstream {
    pub fn uri(&self) -> String {
        match self {
            FakeUpstream::Answering(server) => server.uri(),
            FakeUpstream::Unreachable(port) => port.http_url(),
            FakeUpstream::Resetting { uri, .. } => uri.clone(),
        }
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let FakeUpstream::Resetting { task, .. } = self {
            task.abort();
        }
    }
}

pub async fn start(upstream: &Upstream) -> std::io::Result<FakeUpstream> {
    if upstream.unreachable {
        return Ok(FakeUpstream::Unreachable(RefusingPort::bind()?));
    }
    if upstream.reset {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let uri = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                // Read the request first: closing with unread data would send a reset
                // instead of a clean close, and the client's error would vary run to run.
                let mut buffer = [0u8; 8192];
                let read = socket.read(&mut buffer);
                let _ = tokio::time::timeout(Duration::from_secs(1), read).await;
                drop(socket);
            }
        });
        return Ok(FakeUpstream::Resetting { uri, task });
    }
    let server = MockServer::builder().start().await;
    let mut template =
        ResponseTemplate::new(upstream.status).set_delay(Duration::from_millis(upstream.delay_ms));
    for (name, value) in &upstream.headers {
        template = template.insert_header(name.as_str(), value.as_str());
    }
    if let Some(json) = &upstream.json {
        template = template.set_body_json(super::expect::toml_to_json(json));
    } else if let Some(body) = &upstream.body {
        template = template.set_body_raw(body.clone().into_bytes(), "application/json");
    }
    match upstream.probability {
        Some(probability) => {
            let flaky = Flaky {
                configured: template,
                probability: probability.clamp(0.0, 1.0),
                requests: AtomicU64::new(0),
            };
            Mock::given(any()).respond_with(flaky).mount(&server).await;
        }
        None => {
            Mock::given(any())
                .respond_with(template)
                .mount(&server)
                .await
        }
    }
    Ok(FakeUpstream::Answering(server))
}

/// Answers the scenario's response to a seeded, reproducible fraction of requests and a
/// healthy rates document to the others.
struct Flaky {
    configured: ResponseTemplate,
    probability: f64,
    requests: AtomicU64,
}

impl Respond for Flaky {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if unit_interval(n) < self.probability {
            self.configured.clone()
        } else {
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "base": "EUR",
                "rates": { "USD": 1.08, "GBP": 0.86, "JPY": 162.5 }
            }))
        }
    }
}

/// A fixed pseudo-random sequence in [0, 1) (SplitMix64): the same for every run.
fn unit_interval(n: u64) -> f64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::unit_interval;

    #[test]
    fn the_flaky_sequence_is_spread_over_the_unit_interval() {
        let below: usize = (0..1000).filter(|n| unit_interval(*n) < 0.3).count();
        assert!((250..350).contains(&below), "{below} of 1000 below 0.3");
        assert!((0..1000).all(|n| (0.0..1.0).contains(&unit_interval(n))));
    }

    /// The sequence is pinned: a flaky scenario's snapshots depend on which requests get
    /// the configured answer, so a change here must be a deliberate one. The values are
    /// SplitMix64's first outputs for the seeds 0, 1 and 7 (top 53 bits).
    #[test]
    fn the_flaky_sequence_is_the_same_on_every_run() {
        let expected = |top_bits: u64| top_bits as f64 / (1u64 << 53) as f64;
        assert_eq!(unit_interval(0), expected(7_956_156_453_446_585));
        assert_eq!(unit_interval(1), expected(5_103_132_997_656_651));
        assert_eq!(unit_interval(7), expected(3_511_274_219_185_729));
    }
}
