//! `harness tracker`: an error tracker's stored issues and events as evidence (flags →
//! `tracker::read` → `report::tracker`).

use super::error::{Error, Outcome, Verdict};
use crate::report::{self, style::Style};
use crate::tracker::{self, Connection, Options, TrackerError};

#[derive(Debug, clap::Args)]
pub struct TrackerArgs {
    /// The project: its name or id (`demo-app/tracker/bugsink.sh start --project NAME`).
    #[arg(long)]
    project: String,
    /// The tracker's base URL.
    #[arg(long, env = "BUGSINK_URL", value_name = "URL")]
    url: String,
    /// A token for its API (`bugsink-manage create_auth_token`; the lab's script prints one).
    #[arg(
        long,
        env = "BUGSINK_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: String,
    /// Find the issue and event a user's correlation id (from a response) leads to.
    #[arg(long, value_name = "ID")]
    correlation_id: Option<String>,
    /// Stored events read per issue, 1 to 1000 (the issue's count is the tracker's own).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=1000))]
    max_events: u16,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TrackerFormat::Text)]
    format: TrackerFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TrackerFormat {
    Text,
    Json,
}

pub fn run(args: &TrackerArgs) -> Outcome {
    let runtime = super::shared::runtime()?;
    let connection = Connection {
        url: args.url.clone(),
        token: args.token.clone(),
    };
    let options = Options {
        project: args.project.clone(),
        max_events_per_issue: usize::from(args.max_events),
    };
    let evidence = runtime
        .block_on(tracker::read(&connection, &options))
        .map_err(|e| match e {
            TrackerError::BadUrl(_) | TrackerError::NoProject { .. } => Error::usage(e.to_string()),
            _ => Error::runtime(e.to_string()),
        })?;
    let lookup = args.correlation_id.as_deref();
    match args.format {
        TrackerFormat::Json => {
            let found = lookup.map(|id| {
                evidence.find(id).map(|(issue, event)| {
                    serde_json::json!({"issue": issue.friendly_id, "event": event.id})
                })
            });
            let json = serde_json::json!({
                "evidence": evidence,
                "leaking_events": evidence.leaking_events(),
                "correlation_id": lookup.map(|id| serde_json::json!({"id": id, "found": found.flatten()})),
            });
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
        TrackerFormat::Text => out!(
            "{}",
            report::tracker::text(&evidence, lookup, &Style::detect())
        ),
    }
    let lost = lookup.is_some_and(|id| evidence.find(id).is_none());
    Ok(Verdict::failed_if(evidence.leaking_events() > 0 || lost))
}
