//! The headers each mode adds to every answer, errors or not: the mode's header policy lives
//! with its renderers, since only `render` differs by mode.

use actix_web::http::StatusCode;
use actix_web::http::header::{
    CACHE_CONTROL, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER, SERVER, WWW_AUTHENTICATE,
};

use crate::build_info;
use crate::correlation;
use crate::settings::Mode;

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// Seconds a rate-limited client should wait before retrying a 429: the limit is per
/// second, so the next second has room again.
pub const RATE_LIMITED_RETRY_AFTER_SECONDS: u32 = 1;

/// Sets the mode's headers on an answer with `status`; `correlation_id` is the request's.
pub fn set_headers(headers: &mut HeaderMap, mode: Mode, status: StatusCode, correlation_id: &str) {
    let is_error = status.is_client_error() || status.is_server_error();
    // The challenge belongs to the 401 itself (RFC 9110), in every mode.
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if mode.answers_correlation_id()
        && let Ok(value) = HeaderValue::from_str(correlation_id)
    {
        headers.insert(HeaderName::from_static(correlation::HEADER), value);
    }
    match mode {
        Mode::Dev => {
            // DELIBERATE (CWE-200, ZAP 10036/10037): version banners, the way many
            // default configurations send them.
            let server = format!("actix-web/{}", build_info::ACTIX_WEB_VERSION);
            let powered_by = format!(
                "Rust/{} sqlx/{} demo-app/{}",
                build_info::RUSTC_VERSION,
                build_info::SQLX_VERSION,
                build_info::APP_VERSION
            );
            for (name, value) in [(SERVER, server), (x_powered_by(), powered_by)] {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    headers.insert(name, value);
                }
            }
        }
        // Nothing the app adds: no correlation id, no banners, no cache or retry advice.
        Mode::Bare => {}
        Mode::Prod => {
            headers.remove(SERVER);
            if is_error {
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            if status == StatusCode::SERVICE_UNAVAILABLE {
                headers.insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                headers.insert(
                    RETRY_AFTER,
                    HeaderValue::from(RATE_LIMITED_RETRY_AFTER_SECONDS),
                );
            }
        }
    }
}

fn x_powered_by() -> HeaderName {
    HeaderName::from_static("x-powered-by")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_for(mode: Mode, status: StatusCode) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SERVER, HeaderValue::from_static("actix-web"));
        set_headers(&mut headers, mode, status, "abc-123");
        headers
    }

    fn value<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(none)")
    }

    #[test]
    fn prod_sends_no_versions_and_no_store_and_retry_after_on_a_503() {
        let headers = headers_for(Mode::Prod, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(value(&headers, "server"), "(none)");
        assert_eq!(value(&headers, "x-powered-by"), "(none)");
        assert_eq!(value(&headers, "cache-control"), "no-store");
        assert_eq!(value(&headers, "retry-after"), "2");
        assert_eq!(value(&headers, correlation::HEADER), "abc-123");
        let limited = headers_for(Mode::Prod, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(value(&limited, "retry-after"), "1");
        let ok = headers_for(Mode::Prod, StatusCode::OK);
        assert_eq!(ok.len(), 1, "only the correlation id on a success: {ok:?}");
    }

    #[test]
    fn dev_sends_version_banners_and_bare_adds_nothing_but_the_challenge() {
        let dev = headers_for(Mode::Dev, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(value(&dev, "server").starts_with("actix-web/"), "{dev:?}");
        assert!(value(&dev, "x-powered-by").starts_with("Rust/"), "{dev:?}");
        assert_eq!(value(&dev, "cache-control"), "(none)");
        let bare = headers_for(Mode::Bare, StatusCode::UNAUTHORIZED);
        assert_eq!(value(&bare, "www-authenticate"), "Bearer");
        assert_eq!(value(&bare, correlation::HEADER), "(none)");
        assert_eq!(bare.len(), 2, "{bare:?}");
    }
}
