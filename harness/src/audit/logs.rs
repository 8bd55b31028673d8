//! What the service's own logs say about the answers the audit saw: is every 5xx there
//! under its id (ASVS 16.3.4), with a time (16.2.1, AU-3), and did the hostile values reach
//! them encoded (16.4.1)? Works on JSON lines (demo-app) and on plain text logs (`--logs`).

use super::probes::forged_marker;
use super::send::Exchange;

/// The log lines of one audited service, and where they came from.
#[derive(Debug, Clone, Default)]
pub struct Logs {
    pub source: String,
    pub lines: Vec<String>,
}

/// Of the 5xx answers with an id, those whose id no log line mentions.
pub fn unlogged<'a>(logs: &Logs, exchanges: &'a [Exchange]) -> (usize, Vec<&'a Exchange>) {
    let with_id: Vec<&Exchange> = exchanges
        .iter()
        .filter(|e| e.status.is_some_and(|s| s >= 500) && e.correlation_id.is_some())
        .collect();
    let missing = with_id
        .iter()
        .copied()
        .filter(|e| {
            let id = e.correlation_id.as_deref().unwrap_or("");
            !logs.lines.iter().any(|line| line.contains(id))
        })
        .collect();
    (with_id.len(), missing)
}

/// Lines at error level (JSON `"level":"ERROR"`, or the word ERROR / a traceback in text).
pub fn error_lines(logs: &Logs) -> usize {
    logs.lines
        .iter()
        .filter(|line| {
            line.contains("\"level\":\"ERROR\"")
                || line.contains(" ERROR ")
                || line.starts_with("ERROR")
                || line.starts_with("Traceback (most recent call last)")
        })
        .count()
}

/// Whether the lines of an id carry a time: a JSON `timestamp`/`time`, or a date in text.
pub fn has_time(line: &str) -> bool {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(line) {
        return ["timestamp", "time", "ts", "@timestamp"]
            .iter()
            .any(|k| json.get(*k).is_some());
    }
    let bytes = line.as_bytes();
    // 2026-12-02 or 02/Dec/2026 somewhere in the line.
    bytes
        .windows(10)
        .any(|w| w[..4].iter().all(u8::is_ascii_digit) && w[4] == b'-' && w[7] == b'-')
        || line.contains('/')
            && line
                .split('/')
                .any(|part| part.len() >= 4 && part[..4].bytes().all(|b| b.is_ascii_digit()))
}

/// What the hostile values did in the logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injection {
    /// No line mentions the nonce: the values did not reach the log (nothing to judge).
    NotReached,
    /// Every line with the nonce has it encoded.
    Encoded { lines: usize },
    /// A line starts with the forged marker: the log was injected.
    Forged { line: String },
}

pub fn injection(logs: &Logs, nonce: &str) -> Injection {
    let marker = forged_marker(nonce);
    let mut reached = 0;
    for line in &logs.lines {
        if !line.contains(nonce) {
            continue;
        }
        reached += 1;
        let trimmed = line.trim_start();
        let forged_json = trimmed.starts_with(&format!("{{\"{marker}\""));
        if trimmed.starts_with(&marker) || forged_json {
            return Injection::Forged { line: line.clone() };
        }
    }
    match reached {
        0 => Injection::NotReached,
        lines => Injection::Encoded { lines },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(text: &str) -> Logs {
        Logs {
            source: "test".into(),
            lines: text.lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn a_raw_newline_forges_a_line_and_an_encoded_one_does_not() {
        let payload = super::super::probes::injection_payload("n7");
        let raw = logs(&format!("127.0.0.1 GET /x?q={payload}"));
        assert!(matches!(injection(&raw, "n7"), Injection::Forged { .. }));
        let encoded = logs(&format!(
            "{{\"level\":\"WARN\",\"q\":{}}}",
            serde_json::to_string(&payload).expect("json")
        ));
        assert_eq!(injection(&encoded, "n7"), Injection::Encoded { lines: 1 });
        assert_eq!(injection(&logs("nothing"), "n7"), Injection::NotReached);
        assert!(has_time("{\"timestamp\":\"2026-12-02T08:00:00Z\"}"));
        assert!(has_time(
            "127.0.0.1 - - [02/Dec/2026 08:00:00] \"GET / HTTP/1.1\" 500 -"
        ));
        assert!(!has_time("GET / 500"));
    }
}
