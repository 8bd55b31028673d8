//! Running a scenario against a server the harness did not start (`--target`): its
//! requests and the leak audit, nothing that needs the app's database or logs.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Outcome, RunResult, http, send_step, step_name};
use crate::scenario::Scenario;

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
            result
                .reasons
                .push(format!("cannot build the HTTP client: {e}"));
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
        result
            .reasons
            .push(format!("cannot reach {base_url}: {cause}{hint}"));
        return;
    }
    let captures = BTreeMap::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let step = step.get_ref();
        // Nothing of the server's database or metrics is reachable from here.
        if step.sql.is_some() || step.metrics.is_some() || step.release.is_some() {
            continue;
        }
        if let Some(pause) = step.sleep_ms {
            tokio::time::sleep(Duration::from_millis(pause)).await;
            continue;
        }
        let name = step_name(index, step);
        let base = base_url.trim_end_matches('/');
        result
            .exchanges
            .extend(send_step(&client, base, (index, &name), step, &captures).await);
    }
    for exchange in &result.exchanges {
        if let Some(error) = &exchange.error {
            result.reasons.push(format!("{}: {error}", exchange.step));
        }
        for finding in &exchange.findings {
            result.reasons.push(format!(
                "{}: leak {} at {}: {}",
                exchange.step, finding.rule, finding.location, finding.evidence
            ));
        }
    }
}
