//! `harness drill --postmortem FILE.md`: a blameless postmortem draft from the drill's
//! record (docs/incident-response.md has the template it follows). The facts are filled
//! in; what only the team knows is left as prompts.

use crate::drill::{Drill, Ending};

fn at(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn after(ms: Option<u64>) -> String {
    ms.map_or("never".to_string(), |ms| {
        format!("{:.1} s", ms as f64 / 1000.0)
    })
}

/// The first signal that showed something was wrong, from the record.
fn first_signal(drill: &Drill) -> String {
    match (drill.alerted_at_ms, drill.acked_at_ms) {
        (Some(alert), Some(ack)) if alert <= ack => format!(
            "The pager (failed share over 10 s above 1 %) at {}, {} after the injection.",
            at(alert),
            after(alert.checked_sub(drill.injected_at_ms))
        ),
        (_, Some(ack)) => format!(
            "A responder noticed at {} before the pager went off.",
            at(ack)
        ),
        (Some(alert), None) => format!("The pager at {}; nobody acknowledged it.", at(alert)),
        (None, None) => "Nothing: the failed share never crossed 1 % over 10 s.".to_string(),
    }
}

pub fn render(drill: &Drill) -> String {
    let mut md = String::new();
    let recovered = match drill.ended {
        Ending::Recovered => format!("recovered {} after the injection", after(drill.mttr_ms)),
        Ending::TimeUp => "not recovered when the drill's time ran out".to_string(),
        Ending::Interrupted => "the drill was interrupted before recovery".to_string(),
    };
    md.push_str(&format!(
        "# Postmortem (draft): {incident}\n\n\
         Blameless: this document is about the system and the signals, not about who did what.\n\n\
         ## Summary\n\n\
         {story}\n\n\
         Status: {recovered}. Backend {backend}, seed {seed}{autopilot}.\n\n\
         ## Impact\n\n\
         - {failed} of {requests} requests failed (answered 5xx, or no answer within 1 s); \
         {after_injection} of them after the injection.\n\
         - {clients} distinct clients saw at least one failure.\n\
         - Error budget: {budget:.1}x the allowance that the drill's own traffic earned at a \
         99.9 % objective; {month:.3} % of a 30-day budget at this request rate.\n\n\
         ## Timeline\n\n\
         Times from the start of the traffic.\n\n\
         | time | event |\n|---|---|\n",
        incident = drill.incident.name(),
        story = drill.story,
        backend = drill.setup.backend.as_str(),
        seed = drill.setup.seed,
        autopilot = if drill.setup.autopilot {
            ", played by the autopilot"
        } else {
            ""
        },
        failed = drill.failed,
        requests = drill.requests,
        after_injection = drill.failed_after_injection,
        clients = drill.clients_affected,
        budget = drill.budget_spent,
        month = 100.0 * drill.monthly_budget_spent,
    ));
    let mut rows: Vec<(u64, String)> = vec![(
        drill.injected_at_ms,
        format!("The incident begins ({}).", drill.incident.name()),
    )];
    if let Some(alert) = drill.alerted_at_ms {
        rows.push((
            alert,
            "The pager fires: failed share above 1 % over 10 s.".to_string(),
        ));
    }
    if let Some(alert) = &drill.prometheus_alert {
        rows.push((
            alert.at_ms,
            format!("Prometheus fires {} (the lab's alert rules).", alert.alert),
        ));
    }
    if let Some(ack) = drill.acked_at_ms {
        rows.push((ack, "Acknowledged by the responder.".to_string()));
    }
    if let Some(d) = &drill.diagnosis {
        let verdict = if d.right { "right" } else { "wrong" };
        rows.push((d.at_ms, format!("Diagnosed as `{}` ({verdict}).", d.cause)));
    }
    for action in &drill.actions {
        let verdict = if action.cures {
            "a cure for this incident"
        } else {
            "did not address the cause"
        };
        rows.push((
            action.at_ms,
            format!("Action: {} ({verdict}).", action.action),
        ));
    }
    if let Some(recovered) = drill.recovered_at_ms {
        rows.push((
            recovered,
            format!(
                "Recovered: under 1 % failed for the next {} s.",
                drill.setup.recovery_window_ms / 1000
            ),
        ));
    }
    rows.push((drill.ended_at_ms, "The drill ends.".to_string()));
    rows.sort_by_key(|(ms, _)| *ms);
    for (ms, event) in rows {
        md.push_str(&format!("| {} | {event} |\n", at(ms)));
    }
    let diagnosis = match &drill.diagnosis {
        Some(d) if d.right => format!("The first diagnosis, `{}`, was right.", d.cause),
        Some(d) => format!(
            "The first diagnosis, `{}`, was wrong; the cause was `{}`.",
            d.cause,
            drill.cause.name()
        ),
        None => format!(
            "No diagnosis was given; the cause was `{}`.",
            drill.cause.name()
        ),
    };
    md.push_str(&format!(
        "\n## Detection\n\n\
         - First signal: {}\n\
         - Time to detect (injection to acknowledgement): {}; to the pager: {}.\n\n\
         ## Root cause\n\n\
         {}\n\n\
         {diagnosis}\n\n\
         - Which signal showed the cause first? (the error groups, the log, the release \
         history, the jobs, the traffic by client)\n\
         - What made it hard to see?\n\n\
         ## Resolution\n\n\
         - Time to mitigate (injection to sustained recovery): {}.\n\
         - Actions that did not address the cause: {}.\n\n\
         ## Action items\n\n",
        first_signal(drill),
        after(drill.mttd_ms),
        after(drill.time_to_alert_ms),
        drill.story,
        after(drill.mttr_ms),
        drill.wrong_actions,
    ));
    for item in drill.incident.action_items() {
        md.push_str(&format!("- [ ] {item} (owner: ?, due: ?)\n"));
    }
    md.push_str(
        "- [ ] (what would have made detection or diagnosis faster?)\n\n\
         ## What went well, what went wrong, where we got lucky\n\n- \n",
    );
    md
}
