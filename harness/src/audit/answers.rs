//! The checks decided by the answers alone: what an error body discloses, whether it
//! carries an id, what a failing dependency, a crash input, TRACE, `/.git/` and the debug
//! and docs routes got back.

use super::evaluate::{
    Evidence, Inputs, Status, Verdict, cut, fail, is_debug_rule, is_version_rule, not_tested, pass,
};
use super::probes::Kind;
use super::send::{Exchange, counts_as_crash};

pub(super) fn generic_message_with_id(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let message = generic_message(inputs);
    // The fuzzer keeps a bucket's status and body excerpt, not its headers: the id
    // part is judged on the battery's answers.
    let errors: Vec<(usize, &Exchange)> = sent()
        .filter(|(_, e)| e.is_error() && e.probe.kind != Kind::Fuzzed)
        .collect();
    let without: Vec<Evidence> = errors
        .iter()
        .filter(|(_, e)| e.correlation_id.is_none() && e.probe.method != "HEAD")
        .map(|(i, e)| Evidence {
            exchange: *i,
            rule: None,
            note: format!(
                "{} without a correlation id in a header or the body",
                e.status.unwrap_or(0)
            ),
        })
        .collect();
    match (message.status, without.is_empty()) {
        (Status::NotTested, _) => message,
        (Status::Pass, true) => pass(format!(
            "{} error answers, none with a leak finding, each with a correlation id",
            errors.len()
        )),
        (status, _) => {
            let mut evidence = message.evidence;
            let reason = match (status, without.len()) {
                (Status::Fail, 0) => message.reason,
                (Status::Fail, n) => format!(
                    "{}; {n} of {} error answers carry no correlation id",
                    message.reason,
                    errors.len()
                ),
                (_, n) => format!(
                    "{n} of {} error answers carry no correlation id support could look up",
                    errors.len()
                ),
            };
            evidence.extend(without);
            fail(reason, evidence)
        }
    }
}

pub(super) fn dependency_failure(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let probes: Vec<(usize, &Exchange)> = sent()
        .filter(|(_, e)| e.probe.kind == Kind::DependencyFailure)
        .collect();
    if probes.is_empty() {
        return not_tested(
            "no way to make one of the target's dependencies fail (demo-app only: its FX upstream is a fake the audit makes fail)",
        );
    }
    let bad: Vec<Evidence> = probes
        .iter()
        .filter_map(|(i, e)| {
            let note = match e.status {
                None => format!("no answer: {}", e.error.as_deref().unwrap_or("")),
                Some(s) if s < 400 => format!("{s}: the failure was answered as a success"),
                Some(s) if !e.findings.is_empty() => format!("{s} with {}", rules_of(e)),
                Some(_) => return None,
            };
            Some(Evidence {
                exchange: *i,
                rule: e.findings.first().map(|f| f.rule),
                note,
            })
        })
        .collect();
    if bad.is_empty() {
        let statuses: Vec<String> = probes
            .iter()
            .filter_map(|(_, e)| e.status.map(|s| s.to_string()))
            .collect();
        pass(format!(
            "with the dependency failing, {} request(s) answered {} with no leak finding",
            probes.len(),
            statuses.join(", ")
        ))
    } else {
        fail(
            format!(
                "{} of {} requests with the dependency failing were not answered securely",
                bad.len(),
                probes.len()
            ),
            bad,
        )
    }
}

pub(super) fn no_fail_open(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let probes: Vec<(usize, &Exchange)> = sent()
        .filter(|(_, e)| {
            matches!(
                e.probe.kind,
                Kind::Unauthenticated | Kind::DependencyFailure
            )
        })
        .collect();
    if probes.is_empty() {
        return not_tested(
            "no secured route in the API description and no dependency to make fail; give --spec with security requirements",
        );
    }
    let open: Vec<Evidence> = probes
        .iter()
        .filter(|(_, e)| e.status.is_some_and(|s| (200..400).contains(&s)))
        .map(|(i, e)| Evidence {
            exchange: *i,
            rule: None,
            note: format!(
                "{} {} answered {} ({})",
                e.probe.method,
                e.probe.target,
                e.status.unwrap_or(0),
                e.probe.purpose
            ),
        })
        .collect();
    if open.is_empty() {
        pass(format!(
            "{} refusals and failures stayed refusals (no 2xx/3xx)",
            probes.len()
        ))
    } else {
        fail(
            format!(
                "{} request(s) that had to be refused were answered as a success",
                open.len()
            ),
            open,
        )
    }
}

pub(super) fn last_resort(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let crashes = sent()
        .filter(|(_, e)| matches!(e.probe.kind, Kind::CrashInput | Kind::Fuzzed))
        .count();
    let dropped: Vec<Evidence> = sent()
        .filter(|(_, e)| counts_as_crash(e))
        .map(|(i, e)| Evidence {
            exchange: i,
            rule: None,
            note: format!("connection dropped: {}", e.error.as_deref().unwrap_or("")),
        })
        .collect();
    let alive = exchanges
        .iter()
        .enumerate()
        .rev()
        .find(|(_, e)| e.probe.kind == Kind::Liveness && !e.skipped);
    let mut evidence = dropped;
    if let Some((i, e)) = alive
        && e.status.is_none()
    {
        evidence.push(Evidence {
            exchange: i,
            rule: None,
            note: format!(
                "the service stopped answering: {}",
                e.error.as_deref().unwrap_or("")
            ),
        });
    }
    let known = if crashes == 0 {
        "no crash input known; ".to_string()
    } else {
        format!("{crashes} crash and fuzzed inputs; ")
    };
    if evidence.is_empty() {
        pass(format!(
            "{known}every request was answered and the service answered afterwards"
        ))
    } else {
        fail(
            format!("{known}{} request(s) got no answer", evidence.len()),
            evidence,
        )
    }
}

pub(super) fn debug_off(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let mut evidence: Vec<Evidence> = Vec::new();
    for (i, e) in sent() {
        for f in e.findings.iter().filter(|f| is_debug_rule(f.rule)) {
            evidence.push(Evidence {
                exchange: i,
                rule: Some(f.rule),
                note: f.evidence.clone(),
            });
        }
    }
    by_severity(&mut evidence);
    evidence.extend(exposed(exchanges, Kind::DebugPath));
    if evidence.is_empty() {
        pass(format!(
            "no debug page, stack trace or debug header in {} answers; no debug route answered",
            sent().count()
        ))
    } else {
        fail(
            format!("{} sign(s) of a debug mode", evidence.len()),
            evidence,
        )
    }
}

pub(super) fn no_trace(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let mut evidence = Vec::new();
    let mut tested = false;
    for (i, e) in sent() {
        match e.probe.kind {
            Kind::Trace => {
                tested |= e.status.is_some();
                let echoed = e.status.is_some_and(|s| (200..300).contains(&s))
                    && (e.body.contains("TRACE ")
                        || e.header("content-type")
                            .is_some_and(|c| c.contains("message/http")));
                if echoed {
                    evidence.push(Evidence {
                        exchange: i,
                        rule: None,
                        note: format!(
                            "TRACE answered {} with the request echoed",
                            e.status.unwrap_or(0)
                        ),
                    });
                }
            }
            Kind::Options => {
                if let Some(allow) = e.header("allow")
                    && allow.to_ascii_uppercase().contains("TRACE")
                {
                    evidence.push(Evidence {
                        exchange: i,
                        rule: None,
                        note: format!("Allow: {allow}"),
                    });
                }
            }
            _ => {}
        }
    }
    match (tested, evidence.is_empty()) {
        (false, _) => not_tested("TRACE got no answer"),
        (true, true) => pass("TRACE is refused and not offered".to_string()),
        (true, false) => fail("TRACE is supported".to_string(), evidence),
    }
}

pub(super) fn intended_endpoints(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let evidence = exposed(exchanges, Kind::DocsPath);
    if baseline_answers(exchanges) {
        return not_tested(
            "the unknown route answers 2xx too (a catch-all), so an answering path proves nothing",
        );
    }
    let probed = sent()
        .filter(|(_, e)| e.probe.kind == Kind::DocsPath)
        .count();
    if evidence.is_empty() {
        pass(format!(
            "none of {probed} docs and monitoring paths answered (allow-listed paths are not probed)"
        ))
    } else {
        fail(
            format!(
                "{} docs or monitoring endpoint(s) answer without being allow-listed (--allow-path)",
                evidence.len()
            ),
            evidence,
        )
    }
}

pub(super) fn no_versions(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let mut evidence = Vec::new();
    for (i, e) in sent() {
        for f in e.findings.iter().filter(|f| is_version_rule(f.rule)) {
            let in_header = f.location.starts_with("header:");
            // A version in a success body is content (a changelog); in headers
            // and error bodies it is a disclosure.
            if in_header || e.is_error() {
                evidence.push(Evidence {
                    exchange: i,
                    rule: Some(f.rule),
                    note: f.evidence.clone(),
                });
            }
        }
    }
    if evidence.is_empty() {
        pass(format!(
            "no version banner in {} answers' headers or error bodies",
            sent().count()
        ))
    } else {
        fail(
            format!("{} version disclosure(s)", evidence.len()),
            evidence,
        )
    }
}

pub(super) fn no_git(inputs: &Inputs<'_>) -> Verdict {
    let exchanges = inputs.exchanges;
    let sent = || exchanges.iter().enumerate().filter(|(_, e)| !e.skipped);
    let probes: Vec<(usize, &Exchange)> =
        sent().filter(|(_, e)| e.probe.kind == Kind::Git).collect();
    if probes.iter().all(|(_, e)| e.status.is_none()) {
        return not_tested("the /.git/ probes got no answer");
    }
    let served: Vec<Evidence> = probes
        .iter()
        .filter(|(_, e)| {
            e.status.is_some_and(|s| (200..300).contains(&s))
                && (e.body.starts_with("ref: ")
                    || e.body.contains("[core]")
                    || is_hex_commit(e.body.trim()))
        })
        .map(|(i, e)| Evidence {
            exchange: *i,
            rule: None,
            note: format!("{} served: {}", e.probe.target, cut(e.body.trim(), 60)),
        })
        .collect();
    if served.is_empty() {
        pass("/.git/HEAD and /.git/config are not served".to_string())
    } else {
        fail("source-control metadata is served".to_string(), served)
    }
}

/// Puts the worst evidence first (a stack trace before a version header), so reports lead
/// with what matters; the order is otherwise kept.
fn by_severity(evidence: &mut [Evidence]) {
    evidence.sort_by_key(|e| {
        std::cmp::Reverse(e.rule.and_then(crate::leaks::rule).map(|r| r.severity))
    });
}

pub(super) fn generic_message(inputs: &Inputs<'_>) -> Verdict {
    let errors: Vec<(usize, &Exchange)> = inputs
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.skipped && e.is_error())
        .collect();
    if errors.is_empty() {
        return not_tested("no probe got an error answer");
    }
    let mut evidence: Vec<Evidence> = errors
        .iter()
        .flat_map(|(i, e)| {
            e.findings.iter().map(|f| Evidence {
                exchange: *i,
                rule: Some(f.rule),
                note: f.evidence.clone(),
            })
        })
        .collect();
    by_severity(&mut evidence);
    if evidence.is_empty() {
        pass(format!(
            "{} error answers, none with a leak finding",
            errors.len()
        ))
    } else {
        let leaky = errors
            .iter()
            .filter(|(_, e)| !e.findings.is_empty())
            .count();
        fail(
            format!(
                "{leaky} of {} error answers disclose details ({} findings)",
                errors.len(),
                evidence.len()
            ),
            evidence,
        )
    }
}

/// Paths of `kind` that answered 2xx, unless the unknown route does too.
fn exposed(exchanges: &[Exchange], kind: Kind) -> Vec<Evidence> {
    if baseline_answers(exchanges) {
        return Vec::new();
    }
    exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.probe.kind == kind && e.status.is_some_and(|s| (200..300).contains(&s)))
        .map(|(i, e)| Evidence {
            exchange: i,
            rule: None,
            note: format!("{} answered {}", e.probe.target, e.status.unwrap_or(0)),
        })
        .collect()
}

/// Whether the unknown route answered 2xx (a catch-all).
fn baseline_answers(exchanges: &[Exchange]) -> bool {
    exchanges.iter().any(|e| {
        e.probe.kind == Kind::UnknownRoute && e.status.is_some_and(|s| (200..300).contains(&s))
    })
}

fn rules_of(e: &Exchange) -> String {
    e.findings
        .iter()
        .map(|f| f.rule)
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_hex_commit(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::probes::Probe;

    fn answer(kind: Kind, target: &str, status: u16, body: &str) -> Exchange {
        let probe = Probe::new(kind, "GET", target, "test");
        let headers = vec![("content-type".to_string(), "text/html".to_string())];
        Exchange::observed(probe, Some(status), headers, body.to_string(), None)
    }

    fn inputs(exchanges: &[Exchange]) -> Inputs<'_> {
        Inputs {
            exchanges,
            logs: None,
            nonce: "n",
        }
    }

    #[test]
    fn an_answering_docs_path_fails_unless_everything_answers() {
        let exposed = [
            answer(Kind::UnknownRoute, "/nope", 404, "not found"),
            answer(Kind::DocsPath, "/swagger-ui/", 200, "<html>swagger</html>"),
        ];
        assert_eq!(intended_endpoints(&inputs(&exposed)).status, Status::Fail);
        let catch_all = [
            answer(Kind::UnknownRoute, "/nope", 200, "<html>app</html>"),
            answer(Kind::DocsPath, "/swagger-ui/", 200, "<html>app</html>"),
        ];
        assert_eq!(
            intended_endpoints(&inputs(&catch_all)).status,
            Status::NotTested
        );
    }

    #[test]
    fn a_served_git_head_and_a_trace_echo_fail_and_refusals_pass() {
        let git = [answer(
            Kind::Git,
            "/.git/HEAD",
            200,
            "ref: refs/heads/main\n",
        )];
        assert_eq!(no_git(&inputs(&git)).status, Status::Fail);
        let refused = [answer(Kind::Git, "/.git/HEAD", 404, "not found")];
        assert_eq!(no_git(&inputs(&refused)).status, Status::Pass);
        let echo = [answer(Kind::Trace, "/", 200, "TRACE / HTTP/1.1\r\nhost: x")];
        assert_eq!(no_trace(&inputs(&echo)).status, Status::Fail);
        let leak = [answer(
            Kind::UnknownRoute,
            "/nope",
            500,
            "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in show\n",
        )];
        let verdict = generic_message(&inputs(&leak));
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.evidence[0].rule,
            Some("stacktrace.python"),
            "{verdict:?}"
        );
        assert_eq!(generic_message(&inputs(&[])).status, Status::NotTested);
    }
}
