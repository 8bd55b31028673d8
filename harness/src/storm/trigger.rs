//! The storm's trigger: a fake FX upstream (wiremock) that answers in `normal` time and,
//! while switched to slow, in `slow` time. Orders hold their pooled connection across the
//! FX call (the db.pool-exhausted flaw), so a slow upstream divides the service's capacity.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub struct SlowableUpstream {
    server: MockServer,
    slow: Arc<AtomicBool>,
}

struct Rates {
    slow: Arc<AtomicBool>,
    normal: Duration,
    slowed: Duration,
}

impl Respond for Rates {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let delay = if self.slow.load(Ordering::Relaxed) {
            self.slowed
        } else {
            self.normal
        };
        ResponseTemplate::new(200)
            .set_body_json(crate::app::storm::fx_rates_body())
            .set_delay(delay)
    }
}

impl SlowableUpstream {
    pub async fn start(normal: Duration, slowed: Duration) -> SlowableUpstream {
        let server = MockServer::builder().start().await;
        let slow = Arc::new(AtomicBool::new(false));
        let rates = Rates {
            slow: Arc::clone(&slow),
            normal,
            slowed,
        };
        Mock::given(any()).respond_with(rates).mount(&server).await;
        SlowableUpstream { server, slow }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn set_slow(&self, slow: bool) {
        self.slow.store(slow, Ordering::Relaxed);
    }
}
