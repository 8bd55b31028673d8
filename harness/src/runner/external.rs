//! Running a scenario against a server the harness did not start (`--target`): its
//! requests and the leak audit, nothing that needs the app's database or logs.

use std::collections::BTreeMap;
use std::time::Duration;

use super::steps::{send_step, step_name};
use super::{Outcome, RunResult, Unmet, http};
use crate::scenario::{Action, Scenario};

/// Against a server the harness did not start: the requests and the leak audit. SQL steps
/// and log expectations cannot run there; a finding fails the run.
pub async fn run_external(
    scenario: &Scenario,
    base_url: &str,
    insecure: bool,
    result: &mut RunResult,
) {
    let client = match http::client_with(insecure) {
        Ok(client) => client,
        Err(e) => {
            result.outcome = Outcome::Error;
            result.reasons.push(Unmet::new(
                "runtime_error",
                format!("cannot build the HTTP client: {e}"),
            ));
            return;
        }
    };
    // A target that does not answer at all is a runtime error (exit 3), said once, not an
    // expectation failure per request.
    if let Err(e) = client.get(base_url).send().await {
        let cause = http::describe_transport_error(&e);
        let hint = if cause.contains("certificate") {
            " (a self-signed test server? pass --insecure)"
        } else {
            ""
        };
        result.outcome = Outcome::Error;
        result.reasons.push(Unmet::new(
            "target_unreachable",
            format!("cannot reach {base_url}: {cause}{hint}"),
        ));
        return;
    }
    let captures = BTreeMap::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        match step.action {
            // Nothing of the server's database or metrics is reachable from here.
            Action::Sql { .. } | Action::Metrics { .. } | Action::Release { .. } => continue,
            Action::Sleep { ms } => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                continue;
            }
            Action::Request { .. } | Action::Parallel(_) => {}
            // A spike aimed at a server the harness did not start is not an audit: skipped.
            Action::Load { .. } => continue,
            // The target's tracker, if it has one, is not the run's to read.
            Action::Tracker { .. } => continue,
        }
        let name = step_name(index, step);
        let base = base_url.trim_end_matches('/');
        result
            .exchanges
            .extend(send_step(&client, base, (index, &name), step, &captures, None).await);
    }
    for exchange in &result.exchanges {
        if let Some(error) = &exchange.error {
            result.reasons.push(Unmet::new(
                "transport_error",
                format!("{}: {error}", exchange.step),
            ));
        }
        for finding in &exchange.findings {
            result.reasons.push(Unmet::new(
                "leak_found",
                format!(
                    "{}: leak {} at {}: {}",
                    exchange.step, finding.rule, finding.location, finding.evidence
                ),
            ));
        }
    }
}
