//! `harness drill` as text: the start (where the shop is, what the responder may use), the
//! live panel (the dashboard), the reveal and the score line; and the JSON document.

use crate::drill::actions::USAGE;
use crate::drill::cause::Cause;
use crate::drill::score::{self, Second};
use crate::drill::session::Session;
use crate::drill::{ActionRecord, Drill, Ending, Setup};

use super::style::Style;

/// The JSON document (docs/report-formats.md, "harness drill").
pub fn json(drill: &Drill) -> String {
    serde_json::to_string_pretty(drill).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// What the responder has, printed once the app is up. It names no incident.
pub fn ready(session: &Session, setup: &Setup, style: Style) -> String {
    let url = &session.base_url;
    let token = &session.ops_token;
    let auth = format!("-H 'Authorization: Bearer {token}'");
    let causes: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
    let mode = if setup.autopilot {
        "The autopilot is on call: watch it work, or step in."
    } else {
        "You are on call. Something will go wrong; find out what from the signals, and make it stop."
    };
    format!(
        "{title}\n\
         The shop is live at {url} (prod, {backend}), taking {steady} requests/s of customer traffic \
         (capacity measured: {capacity:.0}/s).\n\
         {mode}\n\n\
         {signals}\n\
         \x20 dashboard   this panel: requests/s, failed %, p99 latency, per second\n\
         \x20 metrics     curl -s {url}/metrics\n\
         \x20 errors      curl -s {auth} {url}/ops/errors\n\
         \x20 releases    curl -s {auth} {url}/ops/release\n\
         \x20 jobs        curl -s {auth} {url}/ops/jobs\n\
         \x20 health      curl -s {url}/healthz\n\
         \x20 Prometheus  {prometheus}\n\
         \x20 JSON log    {log}  (every line has a correlation_id)\n\n\
         {say} (in another terminal; from the checkout, `harness` is `cargo run -q -p harness --`)\n\
         \x20 harness drill ack                   you have noticed\n\
         \x20 harness drill diagnose CAUSE        one of: {causes} (the first answer counts)\n\
         \x20 harness drill act ACTION            {USAGE}\n\
         \x20 harness drill status                where the shop is, its token and its log\n\
         Runbook: docs/incident-response.md. The drill ends after {window} s under 1 % failed \
         following a mitigation, or after {length} s; Ctrl-C ends it early.\n",
        title = style.bold("Incident drill"),
        backend = setup.backend.as_str(),
        steady = setup.steady_per_s,
        capacity = setup.capacity_per_s,
        signals = style.bold("Signals"),
        log = session.log_file.display(),
        say = style.bold("Say and do"),
        causes = causes.join(", "),
        window = setup.recovery_window_ms / 1000,
        length = setup.length_s,
        prometheus = setup.prometheus,
    )
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of `values`, the largest at the top bar (an empty series is blank).
pub fn sparkline(values: &[f64]) -> String {
    let peak = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if peak <= 0.0 {
                BARS[0]
            } else {
                let level = ((v / peak) * (BARS.len() - 1) as f64).round() as usize;
                BARS[level.min(BARS.len() - 1)]
            }
        })
        .collect()
}

/// How many seconds the panel shows.
pub const PANEL_SECONDS: usize = 60;
/// The panel's height in lines (the live redraw moves up this many).
pub const PANEL_LINES: usize = 5;

/// The live panel: the last minute as sparklines, the pager's state, what was done.
pub fn panel(
    timeline: &[Second],
    alerting: bool,
    acked: bool,
    actions: &[ActionRecord],
    left_s: u64,
    style: Style,
) -> String {
    let shown = &timeline[timeline.len().saturating_sub(PANEL_SECONDS)..];
    let rates: Vec<f64> = shown.iter().map(|s| s.requests as f64).collect();
    let failed: Vec<f64> = shown.iter().map(Second::failed_percent).collect();
    let p99: Vec<f64> = shown.iter().map(|s| f64::from(s.p99_ms)).collect();
    let window = &timeline[timeline.len().saturating_sub(score::ALERT_WINDOW_S)..];
    let ratio = score::ratio(window).map_or("-".to_string(), |r| format!("{:.1} %", 100.0 * r));
    let pager = match (alerting, acked) {
        (true, false) => style.red(&format!("PAGE: failed {ratio} over 10 s (above 1 %)")),
        (true, true) => style.yellow(&format!("failed {ratio} over 10 s (acked)")),
        (false, _) => style.green(&format!("ok: failed {ratio} over 10 s")),
    };
    let last = |values: &[f64]| values.last().copied().unwrap_or(0.0);
    let done = match actions.last() {
        Some(action) => format!(
            "last action: {} at {}s ({} in all)",
            action.action,
            action.at_ms / 1000,
            actions.len()
        ),
        None => "no action yet".to_string(),
    };
    format!(
        "{} t={}s, {}:{:02} left   {pager}\n\
         requests/s {:>6.0}  {}\n\
         failed %   {:>6.1}  {}\n\
         p99 ms     {:>6.0}  {}\n\
         {}\n",
        style.bold("drill"),
        timeline.len(),
        left_s / 60,
        left_s % 60,
        last(&rates),
        sparkline(&rates),
        last(&failed),
        sparkline(&failed),
        last(&p99),
        sparkline(&p99),
        style.dim(&done),
    )
}

/// One line for a log that is not a terminal (CI, a pipe): every few seconds.
pub fn panel_line(timeline: &[Second], alerting: bool) -> String {
    let last = timeline.last().copied().unwrap_or_default();
    let window = &timeline[timeline.len().saturating_sub(score::ALERT_WINDOW_S)..];
    let ratio = score::ratio(window).map_or("-".to_string(), |r| format!("{:.1}%", 100.0 * r));
    format!(
        "drill t={}s requests/s={} failed(10s)={ratio} p99={}ms{}",
        timeline.len(),
        last.requests,
        last.p99_ms,
        if alerting { " PAGE" } else { "" }
    )
}

fn seconds(ms: Option<u64>) -> String {
    ms.map_or("-".to_string(), |ms| format!("{:.1} s", ms as f64 / 1000.0))
}

/// The reveal and the score line.
pub fn summary(drill: &Drill, style: Style) -> String {
    let ended = match drill.ended {
        Ending::Recovered => style.green("recovered"),
        Ending::TimeUp => style.red("not recovered: time ran out"),
        Ending::Interrupted => style.yellow("interrupted"),
    };
    let diagnosis = match &drill.diagnosis {
        Some(d) if d.right => style.green(&format!("{} (right)", d.cause)),
        Some(d) => style.red(&format!(
            "{} (wrong: it was {})",
            d.cause,
            drill.cause.name()
        )),
        None => style.red(&format!("none (it was {})", drill.cause.name())),
    };
    let mut out = format!(
        "\n{} {} (cause: {})\n{}\n\n",
        style.bold("The incident was:"),
        drill.incident.name(),
        drill.cause.name(),
        drill.story
    );
    out.push_str(&format!(
        "injected at {:.1} s; pager at {}; acknowledged at {}; {ended}\n",
        drill.injected_at_ms as f64 / 1000.0,
        seconds(drill.alerted_at_ms),
        seconds(drill.acked_at_ms),
    ));
    if let Some(alert) = &drill.prometheus_alert {
        out.push_str(&format!(
            "Prometheus: {} fired at {:.1} s\n",
            alert.alert,
            alert.at_ms as f64 / 1000.0
        ));
    }
    for action in &drill.actions {
        let verdict = if action.cures {
            style.green("a cure")
        } else {
            style.red("no cure for this incident")
        };
        out.push_str(&format!(
            "  action at {:.1} s: {} ({verdict})\n",
            action.at_ms as f64 / 1000.0,
            action.action
        ));
    }
    out.push_str(&format!(
        "{} time to detect {} (pager {}), diagnosis {diagnosis}, time to mitigate {}, \
         {} wrong action(s), {} of {} requests failed ({} clients), error budget spent {:.1}x \
         the drill's allowance ({:.3} % of a 30-day budget)\n",
        style.bold("score:"),
        seconds(drill.mttd_ms),
        seconds(drill.time_to_alert_ms),
        seconds(drill.mttr_ms),
        drill.wrong_actions,
        drill.failed,
        drill.requests,
        drill.clients_affected,
        drill.budget_spent,
        100.0 * drill.monthly_budget_spent,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_puts_the_peak_on_top() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0]), "▁▅█");
        assert_eq!(sparkline(&[0.0, 0.0]), "▁▁");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn the_panel_pages_until_acknowledged() {
        let timeline: Vec<Second> = (0..12)
            .map(|i| Second {
                second: i,
                requests: 40,
                failed: if i > 5 { 4 } else { 0 },
                limited: 0,
                p99_ms: 20,
            })
            .collect();
        let text = panel(&timeline, true, false, &[], 90, Style::plain());
        assert!(text.contains("PAGE: failed"), "{text}");
        assert_eq!(text.lines().count(), PANEL_LINES);
        let text = panel(&timeline, true, true, &[], 90, Style::plain());
        assert!(text.contains("(acked)"), "{text}");
    }
}
