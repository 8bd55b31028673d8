//! Injects an incident into the running lab, for real: through the app's own ops routes
//! (a deploy, a scheduler starting a job), its database (an import), its upstream (the
//! provider's outage or key rotation) or its traffic (a new client population). Nothing is
//! simulated: each incident goes through the code paths a real one would.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context as _;

use super::catalogue::Incident;
use super::lab::Lab;
use super::traffic::{self, Population, Recorder};
use crate::app::drill::{self as shop, ops};

/// How slow the provider gets: well past the app's FX timeout.
const SLOW_UPSTREAM: Duration = Duration::from_secs(5);

/// Injects `incident`. A traffic spike's population keeps sending until `stop` is set.
pub async fn inject(
    incident: Incident,
    lab: &Lab,
    recorder: Arc<Recorder>,
    spike_per_second: u32,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    match incident {
        Incident::BadDeploy => {
            // The deploy pipeline switches the release, as it would after a merge.
            lab.ops_post(
                ops::RELEASE,
                serde_json::json!({ "version": shop::BAD_RELEASE }),
            )
            .await
            .context("The deploy of release v2 failed")
        }
        Incident::RunawayJob => lab
            .ops_post(
                &format!("{}/{}", ops::JOBS, ops::JOB),
                serde_json::json!({ "state": "running" }),
            )
            .await
            .context("The scheduler could not start the job"),
        Incident::DataGrowth => {
            let postgres = lab.backend == crate::scenario::BackendName::Postgres;
            sqlx::query(shop::growth_sql(postgres))
                .execute(&lab.admin)
                .await
                .context("The order-history import failed")?;
            Ok(())
        }
        Incident::UpstreamDown => {
            lab.fx.go_down();
            Ok(())
        }
        Incident::UpstreamSlow => {
            lab.fx.slow_down(SLOW_UPSTREAM);
            Ok(())
        }
        Incident::TrafficSpike => {
            let population = Population {
                visits: shop::spike_traffic(),
                per_second: spike_per_second,
                user_agents: vec![shop::SPIKE_AGENT],
                // One partner: one client.
                clients: u32::MAX - 1..u32::MAX,
                seed: seed ^ 0x5b1e,
            };
            tokio::spawn(traffic::send(
                population,
                lab.client.clone(),
                lab.base_url().to_string(),
                recorder,
                stop,
            ));
            Ok(())
        }
        Incident::RotatedKey => {
            // The provider rotates; the secret manager renders the new key into the app's
            // config file. The app reads that file only at start-up (or on reload).
            lab.fx.rotate_key(shop::ROTATED_FX_KEY);
            lab.rewrite_setting(shop::FX_KEY_SETTING, shop::ROTATED_FX_KEY)
        }
    }
}
