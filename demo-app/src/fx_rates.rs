//! Rates for orders: the FX upstream client (`fx`), swapped at run time when the settings
//! are reloaded (a rotated API key, a new timeout), behind the circuit breaker
//! (`fx_breaker`) that answers without calling the upstream while it is open.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::error::{AppError, ErrorKind};
use crate::fx::FxClient;
use crate::fx_breaker::FxBreaker;
use crate::settings::Settings;

/// A rate to price an order with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// How many units of the currency one euro buys.
    pub per_euro: f64,
    /// Remembered from an earlier call because the breaker is open (`rate_stale` in the
    /// order's answer).
    pub stale: bool,
}

impl Rate {
    /// The shop's own currency: no conversion.
    pub const EURO: Rate = Rate {
        per_euro: 1.0,
        stale: false,
    };
}

#[derive(Debug)]
pub struct FxRates {
    /// Read for every call (an `Arc` clone, then the lock is gone); written by a reload.
    client: RwLock<Arc<FxClient>>,
    pub breaker: FxBreaker,
}

impl FxRates {
    pub fn new(settings: &Settings) -> anyhow::Result<FxRates> {
        Ok(FxRates {
            client: RwLock::new(Arc::new(FxClient::new(settings)?)),
            breaker: FxBreaker::new(Duration::from_secs(settings.fx_stale_max_s)),
        })
    }

    /// The rate for `currency`: from the upstream while the breaker is closed (and then
    /// remembered), else what the open breaker allows.
    pub async fn rate(&self, currency: &str) -> Result<Rate, AppError> {
        match self.breaker.when_open(currency) {
            Some(Ok(per_euro)) => {
                return Ok(Rate {
                    per_euro,
                    stale: true,
                });
            }
            Some(Err(refused)) => {
                return Err(AppError::new(
                    ErrorKind::Unavailable,
                    anyhow::anyhow!("no FX API call for {currency}: {refused}"),
                ));
            }
            None => {}
        }
        let client = Arc::clone(&self.client.read().unwrap_or_else(PoisonError::into_inner));
        let per_euro = client.rate(currency).await?;
        self.breaker.remember(currency, per_euro);
        Ok(Rate {
            per_euro,
            stale: false,
        })
    }

    /// Calls in flight finish with the old client; the next call uses `client`.
    pub fn replace_client(&self, client: FxClient) {
        *self.client.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(client);
    }
}
