//! The drill's lab: a prod demo-app on a fresh database, its FX provider, the owner's pool
//! on that database (for the import an incident needs), one HTTP client, and the recorder
//! the traffic reports to. Loopback only.

use anyhow::Context as _;
use std::path::{Path, PathBuf};

use super::upstream::FxProvider;
use crate::app::drill as shop;
use crate::runner::AppCommand;
use crate::runner::serve::Served;
use crate::scenario::{BackendName, ModeName};

pub struct Lab {
    pub served: Served,
    pub fx: FxProvider,
    pub admin: sqlx::AnyPool,
    pub client: reqwest::Client,
    pub ops_token: String,
    pub backend: BackendName,
    /// Where the app's JSON log is copied as it comes.
    pub log_file: PathBuf,
}

impl Lab {
    pub async fn start(
        app: &AppCommand,
        backend: BackendName,
        log_file: PathBuf,
    ) -> anyhow::Result<Lab> {
        let ops_token = format!("drill-{}", uuid::Uuid::new_v4().simple());
        let fx = FxProvider::start(shop::FX_KEY).await;
        let settings = shop::settings(fx.uri(), &ops_token);
        let served = Served::start_with(app, ModeName::Prod, backend, settings).await?;
        let opened = Lab::open_stocked(&served).await;
        let admin = match opened {
            Ok(admin) => admin,
            Err(e) => {
                let _ = served.stop().await;
                return Err(e);
            }
        };
        Ok(Lab {
            served,
            fx,
            admin,
            client: crate::runner::http::client_with(false)?,
            ops_token,
            backend,
            log_file,
        })
    }

    async fn open_stocked(served: &Served) -> anyhow::Result<sqlx::AnyPool> {
        let admin = served.admin_pool().await?;
        crate::app::storm::stock_the_book(&admin)
            .await
            .context("Could not stock the drill's book")?;
        Ok(admin)
    }

    pub fn base_url(&self) -> &str {
        &self.served.app.base_url
    }

    /// An authenticated ops POST; an answer other than 2xx is an error.
    pub async fn ops_post(&self, path: &str, body: serde_json::Value) -> anyhow::Result<()> {
        let response = self
            .client
            .post(format!("{}{path}", self.base_url()))
            .bearer_auth(&self.ops_token)
            .json(&body)
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await?;
        let status = response.status();
        anyhow::ensure!(
            status.is_success(),
            "POST {path} answered {status}: {}",
            response.text().await.unwrap_or_default()
        );
        Ok(())
    }

    /// Rewrites one setting in the app's config file, the rest as it was.
    pub fn rewrite_setting(&self, name: &str, value: &str) -> anyhow::Result<()> {
        let path = self.served.app.config_file();
        rewrite_setting(path, name, value)
    }

    /// Copies the app's log lines from the `from`-th on to the log file; the next `from`.
    pub fn copy_log(&self, from: usize) -> (Vec<String>, usize) {
        use std::io::Write as _;
        let lines = self.served.app.log_lines_from(from);
        if !lines.is_empty()
            && let Ok(mut file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log_file)
        {
            let mut text = lines.join("\n");
            text.push('\n');
            let _ = file.write_all(text.as_bytes());
        }
        let next = from + lines.len();
        (lines, next)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.admin.close().await;
        self.served.stop().await
    }
}

fn rewrite_setting(path: &Path, name: &str, value: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("Could not read {}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not TOML", path.display()))?;
    table.insert(name.to_string(), toml::Value::String(value.to_string()));
    let text = toml::to_string(&table).context("Could not write the settings as TOML")?;
    std::fs::write(path, text).with_context(|| format!("Could not write {}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_setting_is_rewritten_and_the_others_kept() {
        let dir = tempfile::tempdir().expect("test set-up");
        let path = dir.path().join("app.toml");
        std::fs::write(&path, "mode = \"prod\"\nfx_api_key = \"old\"\n").expect("test set-up");
        super::rewrite_setting(&path, "fx_api_key", "new").expect("test set-up");
        let table: toml::Table =
            toml::from_str(&std::fs::read_to_string(&path).expect("test set-up"))
                .expect("test set-up");
        assert_eq!(table["fx_api_key"].as_str(), Some("new"));
        assert_eq!(table["mode"].as_str(), Some("prod"));
    }
}
