//! Prod's scrubbing, field by field: each thing that must not leave, and its look-alike
//! that must stay (a test that removed everything would pass the first half alone).

use sentry::protocol::{Breadcrumb, Event, Exception, Request, User, Value};

use super::{EMAIL, FILTERED, is_secret_name, redact_emails, scrub};

fn request(url: &str) -> Request {
    Request {
        url: url.parse().ok(),
        method: Some("POST".into()),
        ..Request::default()
    }
}

fn scrubbed_request(request: Request) -> Request {
    let event = Event {
        request: Some(request),
        ..Event::default()
    };
    scrub(event).request.unwrap_or_default()
}

#[test]
fn cookies_and_secret_headers_go_and_ordinary_headers_stay() {
    let mut req = request("http://127.0.0.1/customers");
    req.cookies = Some("session=abc123".into());
    for (name, value) in [
        ("cookie", "session=abc123"),
        ("authorization", "Bearer s3cr3t-token"),
        ("proxy-authorization", "Basic dXNlcjpwYXNz"),
        ("x-api-key", "fxk_live_abc"),
        ("X-Auth-Token", "t0k3n"),
        ("x-csrf-token", "csrf"),
        ("x-forwarded-for", "203.0.113.9"),
        ("x-real-ip", "203.0.113.9"),
        ("accept", "application/json"),
        ("user-agent", "curl/8.5"),
        ("x-request-id", "4bf92f3577b34da6a3ce929d0e0e4736"),
        ("from", "ada@example.com"),
    ] {
        req.headers.insert(name.into(), value.into());
    }
    let req = scrubbed_request(req);
    assert_eq!(req.cookies, None);
    let names: Vec<&str> = req.headers.keys().map(String::as_str).collect();
    assert_eq!(names, ["accept", "from", "user-agent", "x-request-id"]);
    assert_eq!(req.headers["from"], EMAIL);
    assert_eq!(req.headers["user-agent"], "curl/8.5");
}

#[test]
fn the_client_address_and_the_user_go() {
    let mut req = request("http://127.0.0.1/books/1");
    req.env.insert("REMOTE_ADDR".into(), "203.0.113.9".into());
    let event = Event {
        request: Some(req),
        user: Some(User {
            email: Some("ada@example.com".into()),
            ip_address: "203.0.113.9".parse().ok(),
            ..User::default()
        }),
        ..Event::default()
    };
    let event = scrub(event);
    assert!(event.user.is_none());
    assert!(event.request.unwrap_or_default().env.is_empty());
}

#[test]
fn secret_query_values_are_filtered_and_the_rest_stays() {
    let req = scrubbed_request(request(
        "http://127.0.0.1/authors?name=O%27Hara&api_key=fxk_live_1&access_token=t&page=2&notify=ada%40example.com",
    ));
    let url = req.url.map(|u| u.to_string()).unwrap_or_default();
    assert!(url.contains("name=O%27Hara"), "{url}");
    assert!(url.contains("page=2"), "{url}");
    assert!(
        url.contains(
            &format!("api_key={FILTERED}")
                .replace('[', "%5B")
                .replace(']', "%5D")
        ) || url.contains(&format!("api_key={FILTERED}")),
        "{url}"
    );
    assert!(
        !url.contains("fxk_live_1") && !url.contains("access_token=t&"),
        "{url}"
    );
    assert!(
        !url.contains("ada%40example.com") && !url.contains("ada@example.com"),
        "{url}"
    );

    let mut req = request("http://127.0.0.1/x");
    req.query_string = Some("password=hunter2&q=books".into());
    let req = scrubbed_request(req);
    assert_eq!(
        req.query_string.as_deref(),
        Some(format!("password={FILTERED}&q=books").as_str())
    );
}

#[test]
fn a_password_in_the_url_goes() {
    let req = scrubbed_request(request("http://admin:hunter2@127.0.0.1/x"));
    let url = req.url.map(|u| u.to_string()).unwrap_or_default();
    assert!(!url.contains("hunter2"), "{url}");
    assert!(url.contains("admin"), "{url}");
}

#[test]
fn json_body_fields_with_secret_names_and_emails_are_scrubbed_at_any_depth() {
    let mut req = request("http://127.0.0.1/customers");
    req.data = Some(
        r#"{"name":"Ada","email":"ada@example.com","password":"hunter2",
           "card":{"cardNumber":"4111111111111111","holder":"Ada"},
           "notes":["call ada.lovelace+shop@mail.example.org"],"qty":2}"#
            .into(),
    );
    let body: Value =
        serde_json::from_str(&scrubbed_request(req).data.unwrap_or_default()).unwrap_or_default();
    assert_eq!(body["name"], "Ada");
    assert_eq!(body["email"], EMAIL);
    assert_eq!(body["password"], FILTERED);
    assert_eq!(body["card"]["cardNumber"], FILTERED);
    assert_eq!(body["card"]["holder"], "Ada");
    assert_eq!(body["notes"][0], format!("call {EMAIL}"));
    assert_eq!(body["qty"], 2);
}

#[test]
fn form_and_text_bodies_are_scrubbed_too() {
    let mut req = request("http://127.0.0.1/login");
    req.data = Some("user=ada&password=hunter2&email=ada%40example.com".into());
    assert_eq!(
        scrubbed_request(req).data.as_deref(),
        Some(format!("user=ada&password={FILTERED}&email={EMAIL}").as_str())
    );
    let mut req = request("http://127.0.0.1/x");
    req.data = Some("mail me at ada@example.com please".into());
    assert_eq!(
        scrubbed_request(req).data.as_deref(),
        Some(format!("mail me at {EMAIL} please").as_str())
    );
}

#[test]
fn emails_go_from_messages_tags_extra_and_breadcrumbs() {
    let mut event = Event {
        exception: vec![Exception {
            ty: "internal-error".into(),
            value: Some("no wallet for ada@example.com".into()),
            ..Exception::default()
        }]
        .into(),
        message: Some("customer bob@example.net failed".into()),
        breadcrumbs: vec![Breadcrumb {
            message: Some("login carol@example.org".into()),
            ..Breadcrumb::default()
        }]
        .into(),
        ..Event::default()
    };
    event
        .tags
        .insert("customer".into(), "dave@example.com".into());
    event
        .tags
        .insert("correlation_id".into(), "4bf92f3577b34da6".into());
    event.extra.insert("api_token".into(), "t0k3n".into());
    event
        .extra
        .insert("note".into(), "from erin@example.com".into());
    let event = scrub(event);
    let text = serde_json::to_string(&event).unwrap_or_default();
    assert!(!text.contains("@example."), "{text}");
    assert!(!text.contains("t0k3n"), "{text}");
    assert_eq!(event.tags["correlation_id"], "4bf92f3577b34da6");
    assert_eq!(
        event.exception.values[0].value.as_deref(),
        Some("no wallet for [email]")
    );
}

#[test]
fn emails_are_found_and_look_alikes_are_left() {
    assert_eq!(redact_emails("to ada@example.com."), "to [email].");
    assert_eq!(redact_emails("<o'hara@shop.example.ie>"), "<[email]>");
    assert_eq!(
        redact_emails("a@b.co and c.d@e.example"),
        "[email] and [email]"
    );
    for keep in [
        "@handle on the forum",
        "user@localhost",
        "price @ 4.50",
        "v1.2@build",
        "O'Hara",
        "",
    ] {
        assert_eq!(redact_emails(keep), keep);
    }
}

#[test]
fn secret_names_match_however_they_are_written() {
    for secret in [
        "password",
        "X-Api-Key",
        "apiKey",
        "fx_api_key",
        "Authorization",
        "session_id",
        "refresh-token",
        "sentry_dsn",
        "client_secret",
    ] {
        assert!(is_secret_name(secret), "{secret}");
    }
    for plain in [
        "name",
        "email",
        "accept",
        "page",
        "x-request-id",
        "monkey",
        "author",
    ] {
        assert!(!is_secret_name(plain), "{plain}");
    }
}
