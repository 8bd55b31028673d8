//! The evidence around the findings: the configuration evidence (the service's own account
//! of its error handling, or the operator's file) with its SHA-256, the time of the audit,
//! request lines an auditor can replay, and response excerpts with secrets redacted.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::send::Exchange;
use crate::leaks;

/// The error-handling configuration the audited service runs with.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigEvidence {
    /// `GET /ops/config` of demo-app, or the operator's file.
    pub source: String,
    /// SHA-256 of the exact bytes received or read.
    pub sha256: String,
    pub bytes: usize,
    /// The content (secret values the leak rules recognise redacted), for the document.
    pub content: String,
}

/// Characters of a configuration file shown in the document.
const MAX_SHOWN: usize = 16_000;

impl ConfigEvidence {
    pub fn of(source: &str, raw: &[u8]) -> ConfigEvidence {
        let text = String::from_utf8_lossy(raw);
        let shown = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_else(|_| text.to_string()),
            Err(_) => text.to_string(),
        };
        // The hash covers every byte; the document shows a readable start.
        let shown = match shown.char_indices().nth(MAX_SHOWN) {
            Some((at, _)) => format!(
                "{}\n… ({} bytes in all; the hash covers them)",
                &shown[..at],
                raw.len()
            ),
            None => shown,
        };
        ConfigEvidence {
            source: source.to_string(),
            sha256: sha256_hex(raw),
            bytes: raw.len(),
            content: redact(
                &shown,
                &leaks::scan(&leaks::Response {
                    headers: &[],
                    body: &shown,
                }),
            ),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Now as RFC 3339 UTC (`2026-12-02T08:15:00Z`).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Rules whose evidence is itself a secret: never shown in full.
fn is_secret(rule: &str) -> bool {
    rule.starts_with("secret.")
}

/// The text with every secret finding's match replaced.
pub fn redact(text: &str, findings: &[leaks::Finding]) -> String {
    let mut spans: Vec<(usize, usize)> = findings
        .iter()
        .filter(|f| is_secret(f.rule) && f.location == "body")
        .map(|f| (f.offset, (f.offset + f.length).min(text.len())))
        .filter(|(s, e)| s < e && text.is_char_boundary(*s) && text.is_char_boundary(*e))
        .collect();
    spans.sort();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str("[REDACTED]");
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// A finding's evidence as the document shows it: secrets cut to their first characters.
pub fn shown_evidence(finding: &leaks::Finding) -> String {
    if is_secret(finding.rule) {
        let head: String = finding.evidence.chars().take(12).collect();
        return format!("{head}…[REDACTED]");
    }
    finding.evidence.clone()
}

/// Headers whose values are credentials.
fn is_credential_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization" | "cookie" | "set-cookie" | "proxy-authorization"
    )
}

/// The response as the document shows it: status line, headers, the start of the body,
/// secrets redacted.
pub fn excerpt(exchange: &Exchange, chars: usize) -> String {
    let Some(status) = exchange.status else {
        return format!(
            "(no response: {})",
            exchange.error.as_deref().unwrap_or("unknown")
        );
    };
    let mut out = format!("HTTP {status}\n");
    for (name, value) in &exchange.headers {
        let value = if is_credential_header(name) {
            "[REDACTED]"
        } else {
            value.as_str()
        };
        let value = super::evaluate::cut(value, 200);
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    let body = redact(&exchange.body, &exchange.findings);
    out.push_str(&super::evaluate::cut(&body, chars));
    out
}

/// A `curl` command that sends the probe again (credentials redacted, huge bodies named).
pub fn curl(base_url: &str, exchange: &Exchange, insecure: bool) -> String {
    let probe = &exchange.probe;
    let mut parts = vec!["curl -si".to_string()];
    if insecure {
        parts.push("-k".to_string());
    }
    if probe.method != "GET" {
        parts.push(format!("-X {}", probe.method));
    }
    parts.push(quote(&format!("{base_url}{}", probe.target)));
    for (name, value) in &probe.headers {
        let value = if is_credential_header(name) && !value.contains("crash-course-audit") {
            "[REDACTED]".to_string()
        } else if value.len() > 200 {
            format!("$(head -c {} /dev/zero | tr '\\0' a)", value.len())
        } else {
            value.clone()
        };
        if value.starts_with("$(") {
            parts.push(format!("-H \"{name}: {value}\""));
        } else {
            parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(body) = &probe.body {
        if body.len() > 2048 {
            parts.push(format!(
                "--data-binary @body  # {} bytes, starting {}",
                body.len(),
                quote(&super::evaluate::cut(body, 24))
            ));
        } else {
            parts.push(format!("--data-binary {}", quote(body)));
        }
    }
    parts.join(" ")
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_secrets_and_hashes() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_204_400), "2026-12-02T09:40:00Z");
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let body = "db: postgres://app:hunter2secret@db.internal:5432/shop";
        let findings = leaks::scan(&leaks::Response { headers: &[], body });
        assert!(
            findings.iter().any(|f| f.rule.starts_with("secret.")),
            "{findings:?}"
        );
        let redacted = redact(body, &findings);
        assert!(!redacted.contains("hunter2secret"), "{redacted}");
    }
}
