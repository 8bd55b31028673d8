//! The checks decided by the service's logs: is every server failure there (ASVS 16.3.4),
//! under a timed entry with its id (16.2.1, AU-3), with hostile values encoded (16.4.1), and
//! is the detail kept for personnel rather than clients (SI-11b)?

use super::answers::generic_message;
use super::evaluate::{Evidence, Inputs, Status, Verdict, cut, fail, not_tested, pass};
use super::logs::{self, Injection};
use super::probes::Kind;
use super::send::{Exchange, counts_as_crash};

pub(super) fn errors_logged(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let Some(logs) = inputs.logs else {
        return not_tested("the service's logs are not available; pass --logs FILE");
    };
    let (with_id, missing) = logs::unlogged(logs, exchanges);
    let dropped = sent().filter(|(_, e)| counts_as_crash(e)).count();
    let unnamed = sent()
        .filter(|(_, e)| e.status.is_some_and(|s| s >= 500) && e.correlation_id.is_none())
        .count();
    if with_id == 0 && dropped + unnamed == 0 {
        return not_tested("no 5xx answer or dropped connection to look up in the logs");
    }
    let mut evidence: Vec<Evidence> = missing
        .iter()
        .map(|e| Evidence {
            exchange: index_of(exchanges, e),
            rule: None,
            note: format!(
                "id {} is in no log line",
                e.correlation_id.as_deref().unwrap_or("")
            ),
        })
        .collect();
    let error_lines = logs::error_lines(logs);
    let need = with_id + dropped + unnamed;
    if evidence.is_empty() && error_lines < need {
        evidence.extend(
            sent()
                .filter(|(_, e)| {
                    counts_as_crash(e)
                        || e.status.is_some_and(|s| s >= 500) && e.correlation_id.is_none()
                })
                .map(|(i, _)| Evidence {
                    exchange: i,
                    rule: None,
                    note: "no error-level log line accounts for it".to_string(),
                }),
        );
    }
    if evidence.is_empty() {
        pass(format!(
            "{with_id} 5xx id(s) found in {}; {error_lines} error-level lines for {need} failures",
            logs.source
        ))
    } else {
        fail(
            format!(
                "{} of {need} server failures have no log entry in {}",
                evidence.len(),
                logs.source
            ),
            evidence,
        )
    }
}

pub(super) fn log_injection(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let Some(logs) = inputs.logs else {
        return not_tested("the service's logs are not available; pass --logs FILE");
    };
    let probe = exchanges
        .iter()
        .position(|e| e.probe.kind == Kind::LogInjection)
        .unwrap_or(0);
    match logs::injection(logs, inputs.nonce) {
        Injection::NotReached => not_tested(
            "the hostile values reached no log line, so their encoding could not be seen",
        ),
        Injection::Encoded { lines } => pass(format!(
            "the hostile values reached {lines} log line(s), encoded; no forged line"
        )),
        Injection::Forged { line } => fail(
            "a hostile value forged a log line".to_string(),
            vec![Evidence {
                exchange: probe,
                rule: None,
                note: format!("forged line: {}", cut(&line, 160)),
            }],
        ),
    }
}

pub(super) fn correlatable(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let Some(logs) = inputs.logs else {
        return not_tested("the service's logs are not available; pass --logs FILE");
    };
    let ids: Vec<(usize, &str)> = sent()
        .filter(|(_, e)| e.is_error())
        .filter_map(|(i, e)| e.correlation_id.as_deref().map(|id| (i, id)))
        .collect();
    if ids.is_empty() {
        return not_tested("no error answer carried an id to correlate with the logs");
    }
    let bad: Vec<Evidence> = ids
        .iter()
        .filter(|(_, id)| {
            !logs
                .lines
                .iter()
                .any(|l| l.contains(id) && logs::has_time(l))
        })
        .map(|(i, id)| Evidence {
            exchange: *i,
            rule: None,
            note: format!("no log line with id {id} and a time"),
        })
        .collect();
    if bad.is_empty() {
        pass(format!(
            "each of {} error answers' ids is in a timed log line",
            ids.len()
        ))
    } else {
        fail(
            format!(
                "{} of {} error ids have no timed log line",
                bad.len(),
                ids.len()
            ),
            bad,
        )
    }
}

pub(super) fn detail_to_personnel(inputs: &Inputs<'_>) -> Verdict {
    let message = generic_message(inputs);
    if message.status != Status::Pass {
        return message;
    }
    match errors_logged(inputs) {
        v if v.status == Status::Pass => {
            pass(format!("no detail in any error answer; {}", v.reason))
        }
        v if v.status == Status::NotTested => not_tested(&format!(
            "no detail reaches clients, but where it goes is unknown: {}",
            v.reason
        )),
        v => v,
    }
}

fn index_of(exchanges: &[Exchange], target: &Exchange) -> usize {
    exchanges
        .iter()
        .position(|e| std::ptr::eq(e, target))
        .unwrap_or(0)
}
