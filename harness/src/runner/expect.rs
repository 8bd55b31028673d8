//! Checking a response against a step's expectations. Each unmet expectation becomes one
//! `Unmet`: a stable code, and a sentence worded so that a failing run explains itself.

use super::result::Exchange;
use super::unmet::Unmet;
use crate::scenario::Expect;

/// Reasons the responses of one step do not meet `expect` (empty: they do).
pub fn check_step(expect: &Expect, exchanges: &[&Exchange], with_logs: bool) -> Vec<Unmet> {
    let mut reasons = Vec::new();
    if !expect.statuses.is_empty() {
        let mut expected = expect.statuses.clone();
        expected.sort_unstable();
        let mut actual: Vec<u16> = exchanges
            .iter()
            .map(|e| e.response.as_ref().map_or(0, |r| r.status))
            .collect();
        actual.sort_unstable();
        if actual != expected {
            let step = exchanges.first().map_or("step", |e| e.step.as_str());
            reasons.push(Unmet::new(
                "statuses",
                format!("{step}: statuses {actual:?} (expected {expected:?})"),
            ));
        }
    }
    for wanted in &expect.statuses_include {
        if !exchanges
            .iter()
            .any(|e| e.response.as_ref().map(|r| r.status) == Some(*wanted))
        {
            let step = exchanges.first().map_or("step", |e| e.step.as_str());
            reasons.push(Unmet::new(
                "status_not_seen",
                format!("{step}: no response has status {wanted}"),
            ));
        }
    }
    // The unanswered requests `no_response_include` names are its, not the response checks'.
    let named_no_response = |exchange: &Exchange| match &expect.no_response_include {
        Some(wanted) => {
            exchange.response.is_none()
                && exchange
                    .error
                    .as_deref()
                    .is_some_and(|error| error.contains(wanted.as_str()))
        }
        None => false,
    };
    if let Some(wanted) = &expect.no_response_include
        && !exchanges.iter().any(|e| named_no_response(e))
    {
        let step = exchanges.first().map_or("step", |e| e.step.as_str());
        reasons.push(Unmet::new(
            "every_request_answered",
            format!(
                "{step}: every request got a response (expected at least one without: {wanted})"
            ),
        ));
    }
    for exchange in exchanges {
        if named_no_response(exchange) {
            continue;
        }
        let status = exchange.response.as_ref().map(|r| r.status);
        if expect.only_status.is_none() || expect.only_status == status {
            reasons.extend(check(expect, exchange, with_logs));
        }
    }
    reasons
}

/// Reasons `exchange` does not meet `expect` (empty: it does). `with_logs` is false against
/// a `--target`, whose logs the harness cannot read.
pub fn check(expect: &Expect, exchange: &Exchange, with_logs: bool) -> Vec<Unmet> {
    let mut reasons = Vec::new();
    let step = &exchange.step;
    let Some(response) = &exchange.response else {
        let error = exchange.error.as_deref().unwrap_or("no response");
        match &expect.no_response {
            Some(wanted) if !error.contains(wanted.as_str()) => reasons.push(Unmet::new("wrong_transport_error", format!(
                "{step}: no response, as expected, but the error does not say `{wanted}`: {error}"
            ))),
            Some(_) => {}
            None if expect.checks_response() => {
                reasons.push(Unmet::new("no_response", format!("{step}: expected a response, got: {error}")));
            }
            None => {}
        }
        return reasons;
    };
    if let Some(wanted) = &expect.no_response {
        reasons.push(Unmet::new(
            "unexpected_response",
            format!(
                "{step}: status {} (expected no response: {wanted})",
                response.status
            ),
        ));
    }
    if !expect.status_in.is_empty() && !expect.status_in.contains(&response.status) {
        reasons.push(Unmet::new(
            "status_not_in",
            format!(
                "{step}: status {} (expected one of {:?})",
                response.status, expect.status_in
            ),
        ));
    }
    if let Some(status) = expect.status
        && response.status != status
    {
        reasons.push(Unmet::new(
            "status",
            format!("{step}: status {} (expected {status})", response.status),
        ));
    }
    if let Some(prefix) = &expect.content_type {
        let actual = response.header("content-type").unwrap_or("");
        if !actual.starts_with(prefix.as_str()) {
            reasons.push(Unmet::new(
                "content_type",
                format!("{step}: content-type `{actual}` (expected `{prefix}`)"),
            ));
        }
    }
    for name in &expect.headers_present {
        if response.header(name).is_none() {
            reasons.push(Unmet::new(
                "header_missing",
                format!("{step}: header `{name}` is missing"),
            ));
        }
    }
    for name in &expect.headers_absent {
        if let Some(value) = response.header(name) {
            reasons.push(Unmet::new(
                "header_present",
                format!("{step}: header `{name}: {value}` should be absent"),
            ));
        }
    }
    for (name, expected) in &expect.headers {
        let actual = response.header(name);
        if actual != Some(expected.as_str()) {
            reasons.push(Unmet::new(
                "header_value",
                format!("{step}: header `{name}` is {actual:?} (expected {expected:?})"),
            ));
        }
    }
    if !expect.json.is_empty() {
        match serde_json::from_str::<serde_json::Value>(&response.body) {
            Ok(body) => {
                for (pointer, expected) in &expect.json {
                    let expected = toml_to_json(expected);
                    match body.pointer(pointer) {
                        Some(actual) if *actual == expected => {}
                        actual => reasons.push(Unmet::new(
                            "json_value",
                            format!(
                                "{step}: JSON {pointer} is {} (expected {expected})",
                                actual.map_or("missing".to_string(), ToString::to_string)
                            ),
                        )),
                    }
                }
            }
            Err(e) => reasons.push(Unmet::new(
                "body_not_json",
                format!("{step}: body is not JSON ({e})"),
            )),
        }
    }
    if let Some(least) = expect.min_duration_ms
        && exchange.duration_ms < least
    {
        reasons.push(Unmet::new(
            "too_fast",
            format!(
                "{step}: answered in {} ms (expected at least {least} ms)",
                exchange.duration_ms
            ),
        ));
    }
    if let Some(most) = expect.max_duration_ms
        && exchange.duration_ms > most
    {
        reasons.push(Unmet::new(
            "too_slow",
            format!(
                "{step}: answered in {} ms (expected at most {most} ms)",
                exchange.duration_ms
            ),
        ));
    }
    for needle in &expect.body_contains {
        if !response.body.contains(needle.as_str()) {
            reasons.push(Unmet::new(
                "body_missing_text",
                format!("{step}: body does not contain {needle:?}"),
            ));
        }
    }
    for needle in &expect.body_not_contains {
        if response.body.contains(needle.as_str()) {
            reasons.push(Unmet::new(
                "body_has_text",
                format!("{step}: body contains {needle:?}"),
            ));
        }
    }
    for rule in &expect.leaks {
        if !exchange.findings.iter().any(|f| f.rule == rule.get_ref()) {
            reasons.push(Unmet::new(
                "leak_not_found",
                format!("{step}: leak rule `{}` did not fire", rule.get_ref()),
            ));
        }
    }
    if expect.no_leaks && !exchange.findings.is_empty() {
        let fired: Vec<String> = exchange
            .findings
            .iter()
            .map(|f| format!("{} ({})", f.rule, f.evidence))
            .collect();
        reasons.push(Unmet::new(
            "leak_found",
            format!("{step}: expected no leak, found {}", fired.join("; ")),
        ));
    }
    let uses_logs =
        expect.no_error_log || expect.hidden_failure.is_some() || !expect.log_contains.is_empty();
    if with_logs && uses_logs && exchange.correlation_id.is_none() {
        // Nothing ties a log line to this response (bare sends no x-request-id): a log
        // expectation cannot hold, and must not pass on nothing either.
        reasons.push(Unmet::new(
            "no_correlation_id",
            format!(
                "{step}: the response carries no correlation id (x-request-id), so no log line \
             can be tied to it; log expectations need one"
            ),
        ));
        return reasons;
    }
    if with_logs {
        let id = exchange.correlation_id.as_deref().unwrap_or("?");
        if expect.no_error_log
            && exchange
                .log_lines
                .iter()
                .any(|l| l.contains("\"level\":\"ERROR\""))
        {
            reasons.push(Unmet::new(
                "error_logged",
                format!("{step}: an ERROR log line carries correlation id {id}"),
            ));
        }
        if let Some(expected) = expect.hidden_failure
            && exchange.hidden_failure.is_some() != expected
        {
            reasons.push(match expected {
                true => Unmet::new(
                    "hidden_failure_missing",
                    format!("{step}: expected a hidden failure (a 2xx with an ERROR log line)"),
                ),
                false => Unmet::new(
                    "hidden_failure",
                    format!(
                        "{step}: hidden failure: {}",
                        exchange.hidden_failure.as_deref().unwrap_or("")
                    ),
                ),
            });
        }
        for needle in &expect.log_contains {
            if !exchange
                .log_lines
                .iter()
                .any(|line| line.contains(needle.as_str()))
            {
                let id = exchange.correlation_id.as_deref().unwrap_or("?");
                reasons.push(Unmet::new(
                    "log_line_missing",
                    format!("{step}: no log line for correlation id {id} contains {needle:?}"),
                ));
            }
        }
    }
    reasons
}

/// TOML values compared as JSON (integers, floats, strings, booleans, arrays, tables).
pub fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::result::{RequestRecord, ResponseRecord};

    fn exchange(status: Option<u16>, error: Option<&str>) -> Exchange {
        Exchange {
            step_index: 0,
            step: "s".to_string(),
            request: RequestRecord {
                method: "GET".to_string(),
                target: "/healthz".to_string(),
                headers: Vec::new(),
                body: None,
            },
            response: status.map(|status| ResponseRecord {
                status,
                headers: Vec::new(),
                body: String::new(),
            }),
            error: error.map(str::to_string),
            correlation_id: None,
            log_lines: Vec::new(),
            findings: Vec::new(),
            hidden_failure: None,
            duration_ms: 0,
        }
    }

    fn expecting_no_response(text: &str) -> Expect {
        Expect {
            no_response: Some(text.to_string()),
            ..Expect::default()
        }
    }

    #[test]
    fn no_response_is_met_only_by_the_named_transport_error() {
        let expect = expecting_no_response("timed out");
        let timed_out = exchange(None, Some("timed out: no response within 1500 ms"));
        assert!(check(&expect, &timed_out, true).is_empty());
        let refused = exchange(None, Some("could not connect: error sending request"));
        assert_eq!(check(&expect, &refused, true).len(), 1);
        let answered = exchange(Some(200), None);
        let reasons = check(&expect, &answered, true);
        assert_eq!(reasons, ["s: status 200 (expected no response: timed out)"]);
    }

    #[test]
    fn a_missing_response_fails_response_checks() {
        let expect = Expect {
            status: Some(200),
            ..Expect::default()
        };
        let timed_out = exchange(None, Some("timed out: no response within 30000 ms"));
        assert_eq!(
            check(&expect, &timed_out, true),
            ["s: expected a response, got: timed out: no response within 30000 ms"]
        );
    }

    #[test]
    fn no_response_include_needs_one_named_drop_and_checks_the_answered_rest() {
        let expect = Expect {
            status: Some(200),
            no_response_include: Some("connection dropped".to_string()),
            ..Expect::default()
        };
        let dropped = exchange(None, Some("connection dropped: connection closed"));
        let answered = exchange(Some(200), None);
        assert!(check_step(&expect, &[&answered, &dropped], true).is_empty());
        assert_eq!(
            check_step(&expect, &[&answered, &answered], true),
            ["s: every request got a response (expected at least one without: connection dropped)"]
        );
        // Another kind of silence is not the one named: the response checks catch it.
        let timed_out = exchange(None, Some("timed out: no response within 30000 ms"));
        assert_eq!(check_step(&expect, &[&dropped, &timed_out], true).len(), 1);
        let wrong = exchange(Some(500), None);
        assert_eq!(
            check_step(&expect, &[&dropped, &wrong], true),
            ["s: status 500 (expected 200)"]
        );
    }

    #[test]
    fn a_log_expectation_without_a_correlation_id_fails_instead_of_passing_on_nothing() {
        let expect = Expect {
            no_error_log: true,
            ..Expect::default()
        };
        let answered = exchange(Some(200), None);
        let reasons = check(&expect, &answered, true);
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].message.contains("no correlation id"),
            "{reasons:?}"
        );
        // Against a --target the logs are out of reach anyway: nothing to say.
        assert!(check(&expect, &answered, false).is_empty());
    }
}
