//! The drill's FX provider (wiremock): answers rates to the key it currently accepts, in
//! its current time. The incidents change it the way a provider's bad day would: slow,
//! gone (the listener closes: connections are refused), or a rotated key (the old one gets
//! 401). Nothing here knows which incident is running.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::app::drill as shop;

#[derive(Debug, Clone)]
struct Behaviour {
    delay: Duration,
    accepted_key: String,
}

struct Rates(Arc<Mutex<Behaviour>>);

impl Respond for Rates {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let behaviour = super::lock(&self.0).clone();
        let key = request
            .url
            .query_pairs()
            .find(|(name, _)| name == shop::FX_KEY_PARAMETER)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if key != behaviour.accepted_key {
            return ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({ "error": "invalid api_key" }))
                .set_delay(behaviour.delay);
        }
        ResponseTemplate::new(200)
            .set_body_json(shop::fx_rates_body())
            .set_delay(behaviour.delay)
    }
}

pub struct FxProvider {
    server: Mutex<Option<MockServer>>,
    uri: String,
    behaviour: Arc<Mutex<Behaviour>>,
}

/// Its answer time on a good day.
const NORMAL: Duration = Duration::from_millis(5);

impl FxProvider {
    pub async fn start(accepted_key: &str) -> FxProvider {
        let server = MockServer::builder().start().await;
        let behaviour = Arc::new(Mutex::new(Behaviour {
            delay: NORMAL,
            accepted_key: accepted_key.to_string(),
        }));
        Mock::given(any())
            .respond_with(Rates(Arc::clone(&behaviour)))
            .mount(&server)
            .await;
        FxProvider {
            uri: server.uri(),
            server: Mutex::new(Some(server)),
            behaviour,
        }
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Every answer takes `delay` from now on.
    pub fn slow_down(&self, delay: Duration) {
        super::lock(&self.behaviour).delay = delay;
    }

    /// Only `key` is accepted from now on (the provider rotated it).
    pub fn rotate_key(&self, key: &str) {
        super::lock(&self.behaviour).accepted_key = key.to_string();
    }

    /// The provider is gone: its listener closes, connections are refused.
    pub fn go_down(&self) {
        let server = super::lock(&self.server).take();
        drop(server);
    }
}
