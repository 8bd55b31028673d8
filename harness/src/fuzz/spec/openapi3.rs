//! The OpenAPI 3.0 / 3.1 reader: `paths`, parameters in path, query and header, the
//! `requestBody` (JSON or a form), `components` references and security requirements.

use serde_json::Value;

use super::{
    Api, BodyMedia, Location, METHODS, Operation, Param, Schema, SpecError, error,
    listed_parameters, paths, push_param, requires_security, resolve, schema, title,
};

pub(super) fn read(doc: &Value, version: &str) -> Result<Api, SpecError> {
    let global_security = requires_security(doc.get("security")).unwrap_or(false);
    let mut operations = Vec::new();
    for (route, item) in paths(doc)? {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let at = format!("paths.{route}.{method}");
            let mut params = Vec::new();
            for (i, raw) in listed_parameters(item, op).enumerate() {
                let at = format!("{at}.parameters[{i}]");
                let raw = resolve(doc, raw, &at)?;
                let location = match raw.get("in").and_then(Value::as_str) {
                    Some("path") => Location::Path,
                    Some("query") => Location::Query,
                    Some("header") => Location::Header,
                    // Cookies are not generated.
                    _ => continue,
                };
                let name = raw
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| error(&at, "has no name"))?
                    .to_string();
                let mut schema = match raw.get("schema") {
                    Some(s) => schema(doc, s, &format!("{at}.schema"), 0)?,
                    None => Schema::default(),
                };
                if let Some(example) = raw.get("example") {
                    schema.examples.push(example.clone());
                }
                push_param(
                    &mut params,
                    Param {
                        required: location == Location::Path
                            || raw
                                .get("required")
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                        name,
                        location,
                        schema,
                    },
                );
            }
            let (body, body_required, body_media) = match op.get("requestBody") {
                Some(raw) => request_body(doc, raw, &format!("{at}.requestBody"))?,
                None => (None, false, BodyMedia::Json),
            };
            operations.push(Operation {
                method: method.to_ascii_uppercase(),
                route: route.clone(),
                params,
                body,
                body_required,
                body_media,
                accept: None,
                secured: requires_security(op.get("security")).unwrap_or(global_security),
            });
        }
    }
    Ok(Api {
        title: title(doc),
        dialect: format!("OpenAPI {version}"),
        server: doc
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .filter(|url| url.contains("://"))
            .map(str::to_string),
        operations,
    })
}

/// The body's schema from its JSON (or problem+json) content, else its form content.
fn request_body(
    doc: &Value,
    raw: &Value,
    at: &str,
) -> Result<(Option<Schema>, bool, BodyMedia), SpecError> {
    let raw = resolve(doc, raw, at)?;
    let required = raw
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let candidates = [
        ("/content/application~1json/schema", BodyMedia::Json),
        ("/content/application~1problem+json/schema", BodyMedia::Json),
        (
            "/content/application~1x-www-form-urlencoded/schema",
            BodyMedia::Form,
        ),
        ("/content/multipart~1form-data/schema", BodyMedia::Form),
    ];
    for (pointer, media) in candidates {
        if let Some(s) = raw.pointer(pointer) {
            return Ok((Some(schema(doc, s, at, 0)?), required, media));
        }
    }
    Ok((None, false, BodyMedia::Json))
}
