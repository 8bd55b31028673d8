//! One demo-app for a command that talks to it directly (`fuzz`, `storm`): a fresh
//! database, the mode's settings, loopback on port 0, stopped and dropped at the end.

use lab_support::launch::{Launch, RunningApp, Started};
use lab_support::scratch_db::ScratchDatabase;

use super::AppCommand;
use crate::scenario::{BackendName, ModeName};

pub struct Served {
    pub app: RunningApp,
    db: ScratchDatabase,
}

impl Served {
    pub async fn start(
        command: &AppCommand,
        mode: ModeName,
        backend: BackendName,
    ) -> anyhow::Result<Served> {
        Served::start_with(command, mode, backend, Vec::new()).await
    }

    /// Like `start`, with more settings (`name`, `value`): each replaces the usual one of
    /// its name, or comes after them.
    pub async fn start_with(
        command: &AppCommand,
        mode: ModeName,
        backend: BackendName,
        extra_settings: Vec<(String, String)>,
    ) -> anyhow::Result<Served> {
        let db = ScratchDatabase::create(crate::app::engine(backend)).await?;
        let launch = Launch {
            program: command.program.clone(),
            args: command.args.clone(),
            settings: overridden(super::app_settings(mode, &db), extra_settings),
        };
        match launch.start().await {
            Ok(Started::Running(app)) => Ok(Served { app: *app, db }),
            Ok(Started::Failed(failure)) => {
                let _ = db.drop_database().await;
                anyhow::bail!(
                    "demo-app did not start ({}):\n{}",
                    failure.exit_text(),
                    failure.stderr
                )
            }
            Err(e) => {
                let _ = db.drop_database().await;
                Err(e)
            }
        }
    }

    /// The failure class the app logged for a request, by its correlation id: `None` while
    /// no line is there yet, `Some("")` for a line that names no class.
    pub fn logged_class(&self, correlation_id: &str) -> Option<String> {
        let line = self.app.find_log_line(|line| {
            line.contains(correlation_id) && line.contains("\"failure_class\"")
        })?;
        let entry: serde_json::Value = serde_json::from_str(&line).ok()?;
        let logged_id = entry.pointer("/span/correlation_id")?.as_str()?;
        if logged_id != correlation_id {
            return None;
        }
        let class = entry.pointer("/fields/failure_class")?.as_str()?;
        Some(class.to_string())
    }

    /// One connection to the database as its owner, for the set-up and checks the app's
    /// role may not run (`admin_url`).
    pub async fn admin_pool(&self) -> anyhow::Result<sqlx::AnyPool> {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(self.admin_url())
            .await
            .map_err(|e| anyhow::anyhow!("Could not open the run's database as its owner: {e}"))
    }

    /// The database as its owner, for setup and checks the app's role may not run.
    pub fn admin_url(&self) -> &str {
        &self.db.admin_url
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.app.stop().await;
        self.db.drop_database().await
    }
}

/// `usual` with each of `extra` in place of the usual setting of its name (a config file
/// may name a setting once).
fn overridden(usual: Vec<(String, String)>, extra: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut settings: Vec<(String, String)> = usual
        .into_iter()
        .filter(|(name, _)| !extra.iter().any(|(other, _)| other == name))
        .collect();
    settings.extend(extra);
    settings
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_extra_setting_replaces_the_usual_one_of_its_name() {
        let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
        let settings = super::overridden(
            vec![pair("mode", "prod"), pair("ops_token", "usual")],
            vec![pair("ops_token", "mine"), pair("workers", "2")],
        );
        assert_eq!(
            settings,
            vec![
                pair("mode", "prod"),
                pair("ops_token", "mine"),
                pair("workers", "2")
            ]
        );
    }
}
