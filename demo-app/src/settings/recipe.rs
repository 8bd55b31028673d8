//! How start-up read the settings, kept so `POST /ops/reload` can read them again the same
//! way: the defaults, then the `--config` file as it is now, then the `DEMO_APP_*`
//! environment as it is now, then the flags start-up was given (those cannot change).

use std::path::PathBuf;

use super::{ConfigError, Layers, Settings, Source};

#[derive(Debug, Clone, Default)]
pub struct Recipe {
    /// `--config`, when given.
    pub config: Option<PathBuf>,
    /// (setting, value, which flag) in the order given: `--mode` and the like, then `--set`.
    pub flags: Vec<(String, String, Source)>,
}

impl Recipe {
    /// The layers from the file as it is now, `env`, and the flags.
    pub fn layers(
        &self,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Layers, ConfigError> {
        let mut layers = Layers::with_defaults();
        if let Some(path) = &self.config {
            layers.apply_file(path)?;
        }
        layers.apply_env(env)?;
        for (key, value, source) in &self.flags {
            layers.set(key, value.clone(), source.clone())?;
        }
        Ok(layers)
    }

    /// The settings as start-up would read them now, with this process's environment.
    pub fn read_now(&self) -> Result<Settings, ConfigError> {
        self.layers(std::env::vars())?.resolve()
    }
}
