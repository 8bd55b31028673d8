//! Typed, layered settings: defaults < config file < `DEMO_APP_*` environment < flags.
//!
//! Every layer is read as text first and parsed once, here, so an error can always name the
//! setting, where its value came from, and how to fix it. Each setting is declared once, in
//! `table.rs` (its field, its `KEYS` row, its reader with range and hint). The mode decides how strict the
//! check is: prod refuses to start on a missing or weak *required* setting (exit 78,
//! EX_CONFIG); dev and bare start with a warning, the way careless debug defaults and an
//! app that adds no hardening of its own do.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

mod declare;
mod exposure;
mod hints;
mod memory;
mod mode;
mod open_files;
mod prod;
mod read;
mod table;
mod worker_floor;

// Kept out of the sorted list above, whose lines the workshop's solution patches quote.
mod recipe;

use hints::{lookup_key, ops_token_hint, toml_location, unknown_key_hint};

/// The prefix of every environment variable the app reads.
pub const ENV_PREFIX: &str = "DEMO_APP_";

pub use mode::{MODE_HINT, Mode};
pub use recipe::Recipe;
pub use table::{DEV_OPS_TOKEN, KEYS, Key, LAB_FX_API_KEY, Settings};

/// Where a setting's value came from, so an error can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Source {
    /// Nothing sets it (for a required setting without a default).
    Unset,
    Default,
    File(PathBuf),
    Env(String),
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Unset => {
                f.write_str("nowhere: no default, config file, variable or flag sets it")
            }
            Source::Default => f.write_str("the built-in default"),
            Source::File(path) => write!(f, "the config file {}", path.display()),
            Source::Env(var) => write!(f, "the environment variable {var}"),
            Source::Flag(flag) => write!(f, "the command-line flag {flag}"),
        }
    }
}

/// A configuration problem, worded as one paragraph that names the setting and the fix.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: setting `{key}` {problem} (from {origin}). {hint}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
    pub origin: Source,
    pub hint: String,
}

impl Settings {
    /// The settings as text, secrets included: what the dev debug page dumps (the leak).
    /// Read through `Serialize`, so a new setting is dumped without another line here; an
    /// unset optional one reads `(unset)`.
    pub fn dump(&self) -> BTreeMap<&'static str, String> {
        let fields = serde_json::to_value(self).unwrap_or_default();
        KEYS.iter()
            .map(|key| {
                let text = match &fields[key.name] {
                    serde_json::Value::String(text) => text.clone(),
                    serde_json::Value::Null => "(unset)".to_string(),
                    other => other.to_string(),
                };
                (key.name, text)
            })
            .collect()
    }

    /// The same dump with secrets masked: safe for `--check-config` and logs.
    pub fn redacted(&self) -> BTreeMap<&'static str, String> {
        let mut out = self.dump();
        for key in KEYS.iter().filter(|k| k.secret) {
            if let Some(value) = out.get_mut(key.name) {
                *value = "<redacted>".to_string();
            }
        }
        out
    }
}

/// Raw text values gathered from every layer; the last layer to set a key wins.
#[derive(Debug, Default, Clone)]
pub struct Layers {
    values: BTreeMap<&'static str, (String, Source)>,
}

impl Layers {
    /// Starts from the built-in defaults.
    pub fn with_defaults() -> Self {
        let mut layers = Layers::default();
        for key in KEYS {
            if let Some(default) = key.default {
                layers
                    .values
                    .insert(key.name, (default.to_string(), Source::Default));
            }
        }
        layers
    }

    /// Sets one value, checking that the key exists.
    pub fn set(&mut self, name: &str, value: String, source: Source) -> Result<(), ConfigError> {
        let key = lookup_key(name).ok_or_else(|| ConfigError {
            key: name.to_string(),
            problem: "is not a known setting".to_string(),
            origin: source.clone(),
            hint: unknown_key_hint(name),
        })?;
        self.values.insert(key.name, (value, source));
        Ok(())
    }

    /// Applies a TOML config file with flat `key = value` pairs.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let source = Source::File(path.to_path_buf());
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            key: "config".to_string(),
            problem: format!("could not be read ({e})"),
            origin: Source::Flag("--config".to_string()),
            hint: "Check the path given to --config; it is read relative to the working directory."
                .to_string(),
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError {
            key: "config".to_string(),
            problem: format!("is not valid TOML: {}", e.message()),
            origin: source.clone(),
            hint: format!(
                "Fix the file near {}; it holds flat `key = value` lines.",
                toml_location(&text, e.span())
            ),
        })?;
        for (name, value) in table {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Float(f) => f.to_string(),
                other => {
                    return Err(ConfigError {
                        key: name,
                        problem: format!("has a {} value", other.type_str()),
                        origin: source,
                        hint: "Use a string or a number; the file is flat, without tables."
                            .to_string(),
                    });
                }
            };
            self.set(&name, text, source.clone())?;
        }
        Ok(())
    }

    /// Applies every `DEMO_APP_*` variable; an unknown one is an error (a typo would
    /// otherwise be silently ignored).
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (var, value) in vars {
            let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let name = rest.to_ascii_lowercase();
            self.set(&name, value, Source::Env(var.clone()))?;
        }
        Ok(())
    }

    fn get(&self, name: &str) -> Option<&(String, Source)> {
        self.values.get(name)
    }

    /// Parses and checks every value: each setting by its reader (`table.rs`), then the
    /// rules between settings. Prod is strict about required settings.
    pub fn resolve(&self) -> Result<Settings, ConfigError> {
        let mut settings = self.read_each()?;
        let mode = settings.mode;
        settings.ops_token =
            self.ops_token(mode, settings.ops_token.take(), &mut settings.warnings)?;
        self.check_open_files(
            settings.workers,
            settings.open_files_limit,
            settings.open_files_headroom,
        )?;
        self.check_memory_limit_mb(settings.workers, settings.memory_limit_mb)?;
        // Part of the config.* lessons (their DELIBERATE markers are where dev trips over
        // the value, in documents.rs and fx.rs): only prod checks these at start-up. The
        // fix runs each check in every mode.
        if mode == Mode::Prod {
            self.check_smtp_url(settings.smtp_url.as_deref())?;
            self.check_invoice_template(settings.invoice_template.as_deref())?;
            self.check_fx_api_url(&settings.fx_api_url)?;
        }
        let exposed = exposure::beyond_loopback(mode, settings.bind, settings.ops_token.as_deref());
        settings.warnings.extend(exposed);
        Ok(settings)
    }

    /// The ops token by the mode's policy: a weak one is refused in prod and warned about
    /// elsewhere; none at all disables the ops routes in prod and falls back to the
    /// well-known dev token elsewhere.
    fn ops_token(
        &self,
        mode: Mode,
        token: Option<String>,
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, ConfigError> {
        match token {
            Some(token) if token.len() < 16 || token == DEV_OPS_TOKEN => {
                let problem = "is too weak (fewer than 16 characters, or the dev default)";
                if mode == Mode::Prod {
                    return Err(self.invalid("ops_token", problem.into(), &ops_token_hint()));
                }
                warnings.push(format!("ops_token {problem}; {mode} accepts it"));
                Ok(Some(token))
            }
            Some(token) => Ok(Some(token)),
            // Fail closed: without a token nobody can use the ops switches, and the rest
            // of the shop serves (a fresh clone's `--mode prod` starts).
            None if mode == Mode::Prod => {
                warnings.push(format!(
                    "ops_token is not set: the /ops routes are disabled (403). {}",
                    ops_token_hint()
                ));
                Ok(None)
            }
            None => {
                // Bare is as lenient as dev here: an app that adds no hardening ships the
                // well-known default rather than refusing to start.
                warnings.push(format!(
                    "ops_token is not set; {mode} uses the well-known `{DEV_OPS_TOKEN}`"
                ));
                Ok(Some(DEV_OPS_TOKEN.to_string()))
            }
        }
    }

    /// Where each value came from, for `Settings::sources`.
    fn sources(&self) -> BTreeMap<&'static str, Source> {
        self.values
            .iter()
            .map(|(name, (_, source))| (*name, source.clone()))
            .collect()
    }

    fn parse<T: FromStr>(&self, name: &'static str, hint: &str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let (text, source) = self.get(name).ok_or_else(|| ConfigError {
            key: name.to_string(),
            problem: "is not set".to_string(),
            origin: Source::Unset,
            hint: hint.to_string(),
        })?;
        text.trim().parse().map_err(|e: T::Err| ConfigError {
            key: name.to_string(),
            problem: format!("has the value `{text}`, which is invalid: {e}"),
            origin: source.clone(),
            hint: hint.to_string(),
        })
    }

    fn invalid(&self, name: &'static str, problem: String, hint: &str) -> ConfigError {
        ConfigError {
            key: name.to_string(),
            problem,
            origin: self
                .get(name)
                .map(|(_, s)| s.clone())
                .unwrap_or(Source::Default),
            hint: hint.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
