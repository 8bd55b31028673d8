//! Finding the id an error answer gives its client (ASVS 4.0.3 7.4.1's "unique ID which
//! support personnel can use"): a request-id header of the common stacks, an id field of a
//! JSON body, or a UUID in an error page's text.

use std::sync::OnceLock;

/// Response headers that carry a request or trace id on the common stacks and proxies.
pub const HEADERS: &[&str] = &[
    "x-request-id",
    "x-correlation-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-trace-id",
    "traceparent",
    "x-b3-traceid",
    "x-cloud-trace-context",
    "cf-ray",
];

/// JSON members that name an error's id.
const FIELDS: &[&str] = &[
    "correlation_id",
    "correlationId",
    "request_id",
    "requestId",
    "trace_id",
    "traceId",
    "error_id",
    "errorId",
    "incident_id",
    "incidentId",
];

/// The id the answer carries, if any.
pub fn find(headers: &[(String, String)], body: &str) -> Option<String> {
    for name in HEADERS {
        if let Some((_, value)) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name))
            && !value.trim().is_empty()
        {
            return Some(value.trim().to_string());
        }
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        return in_json(&json, 0);
    }
    uuid_in_text(body)
}

fn in_json(value: &serde_json::Value, depth: usize) -> Option<String> {
    let object = value.as_object()?;
    for field in FIELDS {
        match object.get(*field) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => return Some(s.clone()),
            Some(serde_json::Value::Number(n)) => return Some(n.to_string()),
            _ => {}
        }
    }
    if depth < 2 {
        return object.values().find_map(|v| in_json(v, depth + 1));
    }
    None
}

fn uuid_in_text(body: &str) -> Option<String> {
    static UUID: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let uuid = UUID
        .get_or_init(|| {
            regex::Regex::new(
                r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
            )
            .ok()
        })
        .as_ref()?;
    uuid.find(body).map(|m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_headers_json_members_or_a_uuid_in_a_page() {
        let headers = vec![("X-Request-Id".to_string(), "abc".to_string())];
        assert_eq!(find(&headers, ""), Some("abc".to_string()));
        assert_eq!(
            find(&[], r#"{"error":{"requestId":"r-1"}}"#),
            Some("r-1".to_string())
        );
        assert_eq!(
            find(&[], "<p>Error id 0f8fad5b-d9cb-469f-a165-70867728950e</p>"),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e".to_string())
        );
        assert_eq!(find(&[], "{\"error\":\"not found\"}"), None);
        assert_eq!(find(&[], "Internal Server Error"), None);
    }
}
