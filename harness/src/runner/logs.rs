//! Pairing the app's JSON log lines with the exchanges, by correlation id, and spotting
//! hidden failures (a 2xx whose own log line says ERROR).

use std::time::Duration;

use lab_support::launch::RunningApp;

use super::Exchange;

/// Gives each exchange the app's log lines that carry its correlation id. Waits briefly
/// for the last response's "request completed" line, as stderr is read asynchronously.
pub async fn attach(running: &RunningApp, exchanges: &mut [Exchange]) {
    let last_id = exchanges
        .iter()
        .rev()
        .find_map(|e| e.correlation_id.clone());
    let mut lines = running.log_lines();
    if let Some(id) = last_id {
        for _ in 0..50 {
            if lines
                .iter()
                .any(|l| l.contains(&id) && l.contains("request completed"))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            lines = running.log_lines();
        }
    }
    for exchange in exchanges {
        if let Some(id) = &exchange.correlation_id {
            let needle = format!("\"correlation_id\":\"{id}\"");
            exchange.log_lines = lines
                .iter()
                .filter(|l| l.contains(&needle))
                .cloned()
                .collect();
        }
        exchange.hidden_failure = hidden_failure(exchange);
    }
}

/// A success answer whose own log says something failed.
fn hidden_failure(exchange: &Exchange) -> Option<String> {
    let status = exchange.response.as_ref()?.status;
    if !(200..300).contains(&status) {
        return None;
    }
    exchange.log_lines.iter().find_map(|line| {
        let line: serde_json::Value = serde_json::from_str(line).ok()?;
        if line["level"] != "ERROR" {
            return None;
        }
        let fields = &line["fields"];
        Some(format!(
            "{}: {}",
            fields["message"].as_str().unwrap_or("error"),
            fields["error"].as_str().unwrap_or("")
        ))
    })
}
