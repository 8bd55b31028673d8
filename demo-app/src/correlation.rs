//! Correlation ids: one per request, on the response header, the problem body and every log
//! line, so that an id read off a response finds its log entry.
//!
//! An incoming id is reused only when it is well formed, because it ends up in logs
//! verbatim: anything else (too long, odd characters, control characters that could forge
//! log lines) is replaced by a fresh UUID.

use actix_web::http::header::HeaderMap;

/// The header that carries the id in both directions.
pub const HEADER: &str = "x-request-id";

/// Longest incoming id accepted.
pub const MAX_LEN: usize = 64;

/// Picks the id for a request: a valid `x-request-id`, else the trace id of a valid W3C
/// `traceparent`, else a new UUID v4.
pub fn for_request(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(id) = header(HEADER).filter(|id| is_well_formed(id)) {
        return id.to_string();
    }
    if let Some(trace_id) = header("traceparent").and_then(trace_id_of) {
        return trace_id.to_string();
    }
    uuid::Uuid::new_v4().to_string()
}

/// 1 to 64 characters from `[A-Za-z0-9._-]`: UUIDs, ULIDs and most tracer ids fit.
pub fn is_well_formed(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The trace id of a version-00 `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), unless it
/// is malformed or all zeros (which the W3C spec declares invalid).
pub fn trace_id_of(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.trim().split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let is_hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let valid = parts.next().is_none()
        && version == "00"
        && is_hex(trace_id, 32)
        && is_hex(parent_id, 16)
        && is_hex(flags, 2)
        && trace_id.bytes().any(|b| b != b'0')
        && parent_id.bytes().any(|b| b != b'0');
    valid.then_some(trace_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_str(value).expect("valid header value"),
            );
        }
        map
    }

    #[test]
    fn a_well_formed_incoming_id_is_reused() {
        let id = for_request(&headers(&[(HEADER, "checkout-42.retry_1")]));
        assert_eq!(id, "checkout-42.retry_1");
    }

    #[test]
    fn an_id_that_could_forge_log_lines_is_replaced() {
        let id = for_request(&headers(&[(HEADER, "abc\"} {\"level\":\"INFO")]));
        assert_eq!(id.len(), 36, "a fresh UUID, got {id}");
    }

    #[test]
    fn an_oversized_id_is_replaced() {
        let long = "a".repeat(MAX_LEN + 1);
        assert_ne!(for_request(&headers(&[(HEADER, &long)])), long);
        let longest = "a".repeat(MAX_LEN);
        assert_eq!(for_request(&headers(&[(HEADER, &longest)])), longest);
    }

    #[test]
    fn a_traceparent_supplies_its_trace_id() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            for_request(&headers(&[("traceparent", tp)])),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
    }

    #[test]
    fn an_invalid_traceparent_is_ignored() {
        for tp in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        ] {
            assert_eq!(trace_id_of(tp), None, "{tp}");
        }
    }
}
