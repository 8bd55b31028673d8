//! The incidents a drill can hide, the causes a responder can name, and which mitigation
//! ends which incident. The autopilot never reads this module (`responder`).

use serde::Serialize;

use super::actions::{Action, ObservedAction};
pub use super::cause::Cause;
use crate::app::drill as shop;

/// One incident the drill can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Incident {
    BadDeploy,
    RunawayJob,
    DataGrowth,
    UpstreamDown,
    UpstreamSlow,
    TrafficSpike,
    RotatedKey,
}

impl Incident {
    pub const ALL: [Incident; 7] = [
        Incident::BadDeploy,
        Incident::RunawayJob,
        Incident::DataGrowth,
        Incident::UpstreamDown,
        Incident::UpstreamSlow,
        Incident::TrafficSpike,
        Incident::RotatedKey,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Incident::BadDeploy => "bad-deploy",
            Incident::RunawayJob => "runaway-job",
            Incident::DataGrowth => "data-growth",
            Incident::UpstreamDown => "upstream-down",
            Incident::UpstreamSlow => "upstream-slow",
            Incident::TrafficSpike => "traffic-spike",
            Incident::RotatedKey => "rotated-key",
        }
    }

    /// The cause a right diagnosis names.
    pub fn cause(self) -> Cause {
        match self {
            Incident::BadDeploy => Cause::Deploy,
            Incident::RunawayJob => Cause::Pool,
            Incident::DataGrowth => Cause::SlowQueries,
            Incident::UpstreamDown | Incident::UpstreamSlow => Cause::Upstream,
            Incident::TrafficSpike => Cause::Traffic,
            Incident::RotatedKey => Cause::Config,
        }
    }

    /// What happened, for the reveal and the postmortem's root cause.
    pub fn story(self) -> &'static str {
        match self {
            Incident::BadDeploy => {
                "Release v2 was deployed. It shows 5 % of book views a new \"readers also \
                 bought\" box whose lookup table was never loaded here: those views panic \
                 (index out of bounds; release.bad-deploy). The 5xx rate jumped at the \
                 deploy, on one route."
            }
            Incident::RunawayJob => {
                "The scheduler started the catalogue-sync job. It shares the request pool and \
                 has no concurrency limit of its own: its tasks held every pooled connection, \
                 and requests waited for the pool until they failed (db.pool-exhausted)."
            }
            Incident::DataGrowth => {
                "A year of order history was imported into the orders table. The sales \
                 report's running total re-reads every order for every day of its range, so \
                 it now runs past the statement timeout (db.statement-timeout)."
            }
            Incident::UpstreamDown => {
                "The FX rate provider went down: connections to it are refused, and every \
                 order priced in another currency failed with 502 (upstream.unreachable)."
            }
            Incident::UpstreamSlow => {
                "The FX rate provider got slow (seconds per answer). Orders hold their pooled \
                 connection across the FX call, so a few slow orders took the whole pool and \
                 every route that needs the database failed too (upstream.timeout, cascading \
                 into db.pool-exhausted)."
            }
            Incident::TrafficSpike => {
                "A partner switched on a catalogue mirror that requests recommendations \
                 several times faster than the service can answer them. With no admission \
                 control everything queued for the pool, and ordinary customers timed out \
                 (resource.overload)."
            }
            Incident::RotatedKey => {
                "The FX provider rotated its API key on schedule. The new key was written to \
                 the app's config file, but the app reads settings only at start-up: it kept \
                 sending the old key, and the provider answered 401 (upstream.error, caused by \
                 configuration)."
            }
        }
    }

    /// The mitigations that end it.
    pub fn cures(self) -> Vec<Action> {
        match self {
            Incident::BadDeploy => vec![Action::Rollback],
            Incident::RunawayJob => vec![Action::PauseJob],
            Incident::DataGrowth => vec![Action::CacheReports],
            Incident::UpstreamDown | Incident::UpstreamSlow => vec![Action::OpenBreaker],
            Incident::TrafficSpike => vec![Action::RateLimit {
                user_agent: shop::SPIKE_AGENT.to_string(),
                per_second: 0,
            }],
            // The breaker stops the failures (orders price with the last-known rate) for as
            // long as that rate may be used; the reload is the fix.
            Incident::RotatedKey => vec![Action::Reload, Action::OpenBreaker],
        }
    }

    /// Whether an action the app logged is one of the cures.
    pub fn is_cured_by(self, seen: &ObservedAction) -> bool {
        self.cures().iter().any(|cure| seen.is(cure))
    }

    /// Whether an ops action the app logged is the injection itself (the deploy pipeline's
    /// switch, the scheduler starting the job): not the responder's.
    pub fn is_injection(self, seen: &ObservedAction) -> bool {
        let to = seen.fields.get("to").and_then(|v| v.as_str());
        match self {
            Incident::BadDeploy => seen.kind == "release" && to == Some(shop::BAD_RELEASE),
            Incident::RunawayJob => seen.kind == "job" && to == Some("running"),
            _ => false,
        }
    }

    /// The action items a postmortem proposes for it.
    pub fn action_items(self) -> &'static [&'static str] {
        match self {
            Incident::BadDeploy => &[
                "Canary releases: watch the 5xx ratio per release and roll back automatically past a threshold.",
                "Load the \"also bought\" table before the box may show, and test the box without it.",
            ],
            Incident::RunawayJob => &[
                "Give background jobs a pool (or a semaphore) of their own with one or two connections.",
                "Alert on pool saturation (in_use = max for 30 s), not only on 5xx.",
            ],
            Incident::DataGrowth => &[
                "Rewrite the running total as a window function over a GROUP BY; index orders.placed_on.",
                "Load-test reports against production-sized data before imports.",
            ],
            Incident::UpstreamDown | Incident::UpstreamSlow => &[
                "Never hold a pooled connection across an upstream call: fetch the rate before BEGIN.",
                "Make the circuit breaker automatic (open on consecutive failures), with a bounded last-known rate.",
            ],
            Incident::TrafficSpike => &[
                "Per-client rate limits by default, agreed with partners before they switch on.",
                "Admission control (max in flight) so that overload sheds instead of queueing.",
            ],
            Incident::RotatedKey => &[
                "Reload secrets when their file changes (or on SIGHUP), and alert on upstream 401s.",
                "Rotate with an overlap: the provider accepts both keys until the fleet reloaded.",
            ],
        }
    }

    /// `--list`'s line: what the incident is called, never what gives it away first.
    pub fn list_line(self) -> String {
        format!("{:<14} (cause: {})", self.name(), self.cause().name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_of_the_checklist_has_an_incident_and_names_round_trip() {
        for cause in Cause::ALL {
            assert!(
                Incident::ALL.iter().any(|i| i.cause() == cause),
                "{cause:?}"
            );
            assert_eq!(Cause::from_name(cause.name()), Some(cause));
        }
        assert!(Incident::ALL.len() >= 6);
    }

    #[test]
    fn a_rollback_does_not_cure_an_upstream_outage() {
        let rollback = ObservedAction::from_log_line(
            r#"{"fields":{"ops_action":"release","from":"v2","to":"v1"}}"#,
        )
        .expect("test set-up");
        assert!(Incident::BadDeploy.is_cured_by(&rollback));
        assert!(!Incident::UpstreamDown.is_cured_by(&rollback));
    }
}
