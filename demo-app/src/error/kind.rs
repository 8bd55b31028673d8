//! What an error means for the client, as one table: each kind's status, slug, title, the
//! detail prod answers with, and the explanation its documentation page gives. The prod
//! renderer, the `/problems/{slug}` pages, the logs and the ops error list all read it.

use actix_web::http::StatusCode;

/// What an error means for the client: prod picks its status code from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The client sent something malformed (400).
    BadRequest,
    /// Wrong or missing credentials (401).
    Unauthorized,
    /// Refused whoever asks, e.g. ops routes on a server without an ops token (403).
    Forbidden,
    /// No such resource (404).
    NotFound,
    /// The path exists but not with this method (405).
    MethodNotAllowed,
    /// The request conflicts with existing state, e.g. a duplicate e-mail (409).
    Conflict,
    /// The body is larger than the service accepts (413).
    PayloadTooLarge,
    /// The body is not in a media type the route reads (415).
    UnsupportedMediaType,
    /// Well-formed, but it refers to something that does not exist, e.g. an order for an
    /// unknown customer (422).
    Unprocessable,
    /// One client over the request rate the operator allowed it (`POST /ops/rate-limit`):
    /// 429, while everyone else is served.
    TooManyRequests,
    /// A transient condition: overload, pool exhausted, deadlock, lost connection (503).
    Unavailable,
    /// An upstream answered with something unusable (502).
    BadGateway,
    /// An upstream did not answer in time (504).
    GatewayTimeout,
    /// A bug or anything not classified: 500.
    Internal,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    /// The specific status prod answers with.
    pub status: StatusCode,
    /// Stable name used in logs, problem types and the ops error list.
    pub slug: &'static str,
    /// The problem's `title`: the status's reason phrase.
    pub title: &'static str,
    /// What prod's problem says when the code wrote no detail for the client; written once
    /// and never derived from the error.
    pub detail: &'static str,
    /// What the problem type means, on its documentation page (`/problems/{slug}`).
    pub explanation: &'static str,
}

/// The fallback detail: every 5xx without a detail of its own says this.
const INTERNAL_DETAIL: &str =
    "The server could not complete the request. Quote the correlation id when you report it.";

impl ErrorKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [ErrorKind; 14] = [
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::MethodNotAllowed,
        ErrorKind::Conflict,
        ErrorKind::PayloadTooLarge,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::Unprocessable,
        ErrorKind::TooManyRequests,
        ErrorKind::Unavailable,
        ErrorKind::BadGateway,
        ErrorKind::GatewayTimeout,
        ErrorKind::Internal,
    ];

    /// The table: everything a kind says, in one place.
    pub const fn info(self) -> KindInfo {
        let (status, slug, title, detail, explanation) = match self {
            ErrorKind::BadRequest => (
                StatusCode::BAD_REQUEST,
                "bad-request",
                "Bad Request",
                "The request could not be understood. Check its syntax against the API documentation.",
                "The request was malformed; fix it before retrying.",
            ),
            ErrorKind::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                "This route needs a valid bearer token.",
                "The route needs a valid bearer token.",
            ),
            ErrorKind::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                // Every 403 the app writes carries its own detail (`AppError::forbidden`);
                // one without (none is known) says what a 5xx says, as it always has.
                INTERNAL_DETAIL,
                "The route is refused to every caller, e.g. ops routes on a server started without an ops token.",
            ),
            ErrorKind::NotFound => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not Found",
                "There is nothing at this address.",
                "Nothing exists at this address.",
            ),
            ErrorKind::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method Not Allowed",
                "This address does not accept this method; the Allow header lists the ones it does.",
                "The address exists but not with this method; the Allow header lists the methods it takes.",
            ),
            ErrorKind::Conflict => (
                StatusCode::CONFLICT,
                "conflict",
                "Conflict",
                "The request conflicts with the current state of the resource.",
                "The request conflicts with existing data, e.g. a duplicate e-mail.",
            ),
            ErrorKind::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Payload Too Large",
                "The request body is too large.",
                "The request body is larger than the service accepts.",
            ),
            ErrorKind::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported Media Type",
                "The request body is not in a media type this route reads.",
                "The request body is not in a media type the route reads (JSON routes need application/json).",
            ),
            ErrorKind::Unprocessable => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable",
                "Unprocessable Entity",
                "The request refers to something that does not exist.",
                "The request is well-formed but refers to something that does not exist, e.g. an unknown customer.",
            ),
            ErrorKind::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too Many Requests",
                "This client sent more requests than its rate limit allows. Retry after the time given in Retry-After.",
                "The client sent more requests a second than the limit the operator set for it (by its User-Agent); retry after the Retry-After delay. Other clients are not limited.",
            ),
            ErrorKind::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "service-unavailable",
                "Service Unavailable",
                "The service is temporarily unable to handle the request. Retry after the time given in Retry-After.",
                "A transient condition; retry after the Retry-After delay.",
            ),
            ErrorKind::BadGateway => (
                StatusCode::BAD_GATEWAY,
                "bad-gateway",
                "Bad Gateway",
                "An upstream service answered with something unusable. Try again later.",
                "An upstream service answered with something unusable.",
            ),
            ErrorKind::GatewayTimeout => (
                StatusCode::GATEWAY_TIMEOUT,
                "gateway-timeout",
                "Gateway Timeout",
                "An upstream service did not answer in time. Try again later.",
                "An upstream service did not answer in time.",
            ),
            ErrorKind::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal-error",
                "Internal Server Error",
                INTERNAL_DETAIL,
                "A fault in the service. Quote the correlation id when reporting it.",
            ),
        };
        KindInfo {
            status,
            slug,
            title,
            detail,
            explanation,
        }
    }

    /// The specific status prod answers with.
    pub const fn status(self) -> StatusCode {
        self.info().status
    }

    /// Stable name used in logs, problem types and the ops error list.
    pub const fn slug(self) -> &'static str {
        self.info().slug
    }

    /// The problem `type` URI: the kind's documentation page (RFC 9457, section 3.1.1).
    pub fn doc_link(self) -> String {
        format!("/problems/{}", self.slug())
    }

    pub fn from_slug(slug: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    /// The kind whose status this is; any other 4xx is a bad request, anything else a fault.
    pub fn from_status(status: StatusCode) -> ErrorKind {
        ErrorKind::ALL
            .into_iter()
            .find(|kind| kind.status() == status)
            .unwrap_or(if status.is_client_error() {
                ErrorKind::BadRequest
            } else {
                ErrorKind::Internal
            })
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;
    use actix_web::http::StatusCode;

    #[test]
    fn every_kind_has_its_own_status_and_slug_and_its_status_reason_as_title() {
        for (i, kind) in ErrorKind::ALL.iter().enumerate() {
            let info = kind.info();
            assert_eq!(Some(info.title), info.status.canonical_reason(), "{kind:?}");
            assert_eq!(ErrorKind::from_slug(info.slug), Some(*kind));
            assert_eq!(ErrorKind::from_status(info.status), *kind);
            for other in &ErrorKind::ALL[i + 1..] {
                assert_ne!(info.status, other.status(), "{kind:?} and {other:?}");
                assert_ne!(info.slug, other.slug(), "{kind:?} and {other:?}");
            }
        }
    }

    #[test]
    fn statuses_outside_the_table_fall_back_by_class() {
        assert_eq!(
            ErrorKind::from_status(StatusCode::REQUEST_TIMEOUT),
            ErrorKind::BadRequest
        );
        assert_eq!(
            ErrorKind::from_status(StatusCode::NOT_IMPLEMENTED),
            ErrorKind::Internal
        );
    }

    #[test]
    fn prod_details_never_end_without_a_full_stop() {
        for kind in ErrorKind::ALL {
            let info = kind.info();
            assert!(info.detail.ends_with('.'), "{kind:?}");
            assert!(info.explanation.ends_with('.'), "{kind:?}");
        }
    }
}
