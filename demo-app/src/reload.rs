//! `POST /ops/reload`: the settings read again the way start-up read them (`Recipe`), and
//! the ones that can change in a running process applied: `fx_api_key` and
//! `fx_timeout_ms`, through a new FX client that the next upstream call uses. The drill's
//! rotated-key incident ends here: the provider rotated the key, the new one is in the
//! `--config` file, and only a reload (or a restart) picks it up.
//!
//! Everything else that changed is reported as needing a restart and left alone; a file
//! that no longer parses, or any bad value, refuses the whole reload (nothing is applied),
//! with a message that names the setting and never a secret's value.

use std::sync::Mutex;

use serde::Serialize;

use crate::fx::FxClient;
use crate::fx_rates::FxRates;
use crate::settings::{ConfigError, KEYS, Recipe, Settings};

/// The settings a running process applies.
pub const AT_RUN_TIME: [&str; 2] = ["fx_api_key", "fx_timeout_ms"];

/// What a reload did, by setting name (never values: some are secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reloaded {
    /// Changed and now in effect.
    pub applied: Vec<&'static str>,
    /// The same as the values in effect.
    pub unchanged: Vec<&'static str>,
    /// Changed, but only a restart puts them in effect.
    pub needs_restart: Vec<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The settings as they are now do not read: nothing is applied.
    #[error("{detail}")]
    Settings { key: String, detail: String },
    /// The new FX client could not be built.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug)]
pub struct Reloader {
    recipe: Recipe,
    /// The values in effect: start-up's, with every reload's run-time settings applied.
    in_effect: Mutex<Settings>,
}

impl Reloader {
    pub fn new(recipe: Recipe, settings: &Settings) -> Reloader {
        Reloader {
            recipe,
            in_effect: Mutex::new(settings.clone()),
        }
    }

    /// The recipe start-up read with (for reading it again off the async workers).
    pub fn recipe(&self) -> &Recipe {
        &self.recipe
    }

    /// Compares `read` (the settings as they read now) with those in effect and applies
    /// the run-time ones that changed to `fx`.
    pub fn apply(
        &self,
        read: Result<Settings, ConfigError>,
        fx: &FxRates,
    ) -> Result<Reloaded, ReloadError> {
        let read = read.map_err(|e| ReloadError::Settings {
            key: e.key.clone(),
            detail: public_detail(&e),
        })?;
        let mut in_effect = crate::lock::lock(&self.in_effect);
        let (before, after) = (in_effect.dump(), read.dump());
        let mut reloaded = Reloaded {
            applied: Vec::new(),
            unchanged: Vec::new(),
            needs_restart: Vec::new(),
        };
        for key in KEYS {
            let list = match (
                before.get(key.name) == after.get(key.name),
                AT_RUN_TIME.contains(&key.name),
            ) {
                (true, _) => &mut reloaded.unchanged,
                (false, true) => &mut reloaded.applied,
                (false, false) => &mut reloaded.needs_restart,
            };
            list.push(key.name);
        }
        if !reloaded.applied.is_empty() {
            let mut next = in_effect.clone();
            next.fx_api_key = read.fx_api_key;
            next.fx_timeout_ms = read.fx_timeout_ms;
            // Everything else the client reads (the URL) stays what start-up used.
            fx.replace_client(FxClient::new(&next)?);
            *in_effect = next;
        }
        Ok(reloaded)
    }
}

/// What the operator is told about a setting that does not read: the setting, where the
/// value came from, what is wrong, the fix. A secret's problem is told without its value
/// (the reader's message may quote the text it could not parse).
fn public_detail(error: &ConfigError) -> String {
    let secret = KEYS.iter().any(|key| key.secret && key.name == error.key);
    let problem = if secret {
        "has a value that is not valid".to_string()
    } else {
        error.problem.clone()
    };
    format!(
        "Nothing was reloaded: setting `{}` {problem} (from {}). {}",
        error.key, error.origin, error.hint
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Layers, Source};

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut layers = Layers::with_defaults();
        for (key, value) in pairs {
            layers
                .set(key, value.to_string(), Source::Default)
                .expect("known key");
        }
        layers.resolve().expect("valid")
    }

    #[test]
    fn run_time_settings_are_applied_and_the_rest_reported_by_name_only() {
        let start = settings(&[]);
        let fx = FxRates::new(&start).expect("client");
        let reloader = Reloader::new(Recipe::default(), &start);
        let read = settings(&[
            ("fx_api_key", "fxk_rotated_0123456789"),
            ("pool_max_connections", "9"),
        ]);
        let reloaded = reloader.apply(Ok(read), &fx).expect("reloads");
        assert_eq!(reloaded.applied, ["fx_api_key"]);
        assert_eq!(reloaded.needs_restart, ["pool_max_connections"]);
        assert!(reloaded.unchanged.contains(&"fx_timeout_ms"));
        assert_eq!(
            reloaded.applied.len() + reloaded.unchanged.len() + reloaded.needs_restart.len(),
            KEYS.len()
        );
        let again = reloader
            .apply(
                Ok(settings(&[("fx_api_key", "fxk_rotated_0123456789")])),
                &fx,
            )
            .expect("reloads");
        assert!(again.applied.is_empty(), "already in effect: {again:?}");
        assert!(again.unchanged.contains(&"fx_api_key"));
        assert!(
            again.unchanged.contains(&"pool_max_connections"),
            "back to start-up's value"
        );
    }

    #[test]
    fn a_bad_value_applies_nothing_and_never_shows_a_secret() {
        let start = settings(&[]);
        let fx = FxRates::new(&start).expect("client");
        let reloader = Reloader::new(Recipe::default(), &start);
        let secret = ConfigError {
            key: "fx_api_key".into(),
            problem: "has the value `fxk_SECRET`, which is invalid".into(),
            origin: Source::Default,
            hint: "Use any non-empty string.".into(),
        };
        let Err(ReloadError::Settings { key, detail }) = reloader.apply(Err(secret), &fx) else {
            panic!("refused");
        };
        assert_eq!(key, "fx_api_key");
        assert!(
            detail.contains("`fx_api_key`") && !detail.contains("fxk_SECRET"),
            "{detail}"
        );
        let mut layers = Layers::with_defaults();
        layers
            .set("fx_timeout_ms", "soon".into(), Source::Default)
            .expect("known key");
        let bad = layers.resolve();
        let Err(ReloadError::Settings { detail, .. }) = reloader.apply(bad, &fx) else {
            panic!("refused");
        };
        assert!(
            detail.contains("`fx_timeout_ms`") && detail.contains("soon"),
            "{detail}"
        );
    }
}
