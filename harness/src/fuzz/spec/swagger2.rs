//! The Swagger 2.0 reader: `host`, `basePath` and `schemes`; parameters in path, query,
//! header, `formData` and `body`; `consumes`/`produces`; `definitions` (and `parameters`)
//! references; `securityDefinitions` with `security` requirements. What 2.0 writes on the
//! parameter itself (`type`, `format`, `items`, `enum`, bounds) is a schema here, as 3.x
//! writes it under `schema`.

use serde_json::Value;

use super::{
    Api, BodyMedia, Kind, Location, METHODS, Operation, Param, Schema, SpecError, error,
    listed_parameters, paths, push_param, requires_security, resolve, schema, title,
};

pub(super) fn read(doc: &Value) -> Result<Api, SpecError> {
    let base_path = match doc.get("basePath") {
        None => "",
        Some(Value::String(path)) if path.starts_with('/') => path.trim_end_matches('/'),
        Some(other) => {
            return Err(error(
                "basePath",
                format!("`{other}` is not a path starting with `/`"),
            ));
        }
    };
    let global_security = requires_security(doc.get("security")).unwrap_or(false);
    let defined_schemes = doc
        .get("securityDefinitions")
        .and_then(Value::as_object)
        .map(|d| d.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let global_consumes = media_list(doc.get("consumes"));
    let global_produces = media_list(doc.get("produces"));
    let mut operations = Vec::new();
    for (path, item) in paths(doc)? {
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let at = format!("paths.{path}.{method}");
            let mut params = Vec::new();
            let mut form: Vec<(String, Schema, bool)> = Vec::new();
            let mut body = None;
            let mut body_required = false;
            for (i, raw) in listed_parameters(item, op).enumerate() {
                let at = format!("{at}.parameters[{i}]");
                let raw = resolve(doc, raw, &at)?;
                let name = raw
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| error(&at, "has no name"))?
                    .to_string();
                let required = raw
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let location = match raw.get("in").and_then(Value::as_str) {
                    Some("path") => Location::Path,
                    Some("query") => Location::Query,
                    Some("header") => Location::Header,
                    Some("body") => {
                        let schema_at = format!("{at}.schema");
                        let raw_schema = raw
                            .get("schema")
                            .ok_or_else(|| error(&at, "an `in: body` parameter has no `schema`"))?;
                        body = Some(schema(doc, raw_schema, &schema_at, 0)?);
                        body_required = required;
                        continue;
                    }
                    Some("formData") => {
                        form.retain(|(n, _, _)| *n != name);
                        form.push((name, parameter_schema(doc, raw, &at)?, required));
                        continue;
                    }
                    Some(other) => {
                        return Err(error(
                            format!("{at}.in"),
                            format!(
                                "`{other}` is not a Swagger 2.0 location (path, query, header, formData, body)"
                            ),
                        ));
                    }
                    None => return Err(error(&at, "has no `in`")),
                };
                push_param(
                    &mut params,
                    Param {
                        required: location == Location::Path || required,
                        name,
                        location,
                        schema: parameter_schema(doc, raw, &at)?,
                    },
                );
            }
            let consumes = media_list(op.get("consumes")).or_else(|| global_consumes.clone());
            let body_media = if body.is_none() && !form.is_empty() {
                body_required = form.iter().any(|(_, _, required)| *required);
                body = Some(Schema {
                    kind: Kind::Object {
                        required: form
                            .iter()
                            .filter(|(_, _, r)| *r)
                            .map(|(n, _, _)| n.clone())
                            .collect(),
                        properties: form.into_iter().map(|(n, s, _)| (n, s)).collect(),
                    },
                    ..Schema::default()
                });
                BodyMedia::Form
            } else if consumes.as_ref().is_some_and(|listed| {
                !listed.iter().any(|m| m.contains("json")) && listed.iter().any(|m| is_form(m))
            }) {
                // A body the service only takes as a form.
                BodyMedia::Form
            } else {
                BodyMedia::Json
            };
            let produces = media_list(op.get("produces")).or_else(|| global_produces.clone());
            let security = op.get("security").or_else(|| doc.get("security"));
            if let Some(requirements) = security.and_then(Value::as_array) {
                for (i, requirement) in requirements.iter().enumerate() {
                    for scheme in requirement.as_object().into_iter().flat_map(|r| r.keys()) {
                        if !defined_schemes.contains(scheme) {
                            return Err(error(
                                format!("{at}.security[{i}]"),
                                format!(
                                    "names `{scheme}`, which `securityDefinitions` does not define"
                                ),
                            ));
                        }
                    }
                }
            }
            operations.push(Operation {
                method: method.to_ascii_uppercase(),
                route: format!("{base_path}{path}"),
                params,
                body,
                body_required,
                body_media,
                accept: produces.and_then(|list| {
                    list.iter()
                        .find(|m| m.contains("json"))
                        .or(list.first())
                        .cloned()
                }),
                secured: requires_security(op.get("security")).unwrap_or(global_security),
            });
        }
    }
    Ok(Api {
        title: title(doc),
        dialect: "Swagger 2.0".to_string(),
        server: server(doc),
        operations,
    })
}

/// A non-body parameter's schema: its own `type`, `format`, `items`, `enum` and bounds,
/// with `x-example` (springfox, flasgger) as an example. `type: file` is any value.
fn parameter_schema(doc: &Value, raw: &Value, at: &str) -> Result<Schema, SpecError> {
    let mut schema = schema(doc, raw, at, 0)?;
    for key in ["x-example", "default"] {
        if let Some(example) = raw.get(key) {
            schema.examples.push(example.clone());
        }
    }
    Ok(schema)
}

fn is_form(media: &str) -> bool {
    media.starts_with("application/x-www-form-urlencoded")
        || media.starts_with("multipart/form-data")
}

/// A `consumes`/`produces` list; absent or empty is `None` (the document's default).
fn media_list(value: Option<&Value>) -> Option<Vec<String>> {
    let list: Vec<String> = value?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (!list.is_empty()).then_some(list)
}

/// `https://host` from `schemes` and `host` (https preferred when both are listed).
fn server(doc: &Value) -> Option<String> {
    let host = doc.get("host").and_then(Value::as_str)?;
    let schemes = media_list(doc.get("schemes")).unwrap_or_default();
    let scheme = if schemes.iter().any(|s| s == "https") {
        "https"
    } else {
        schemes.first().map_or("http", String::as_str)
    };
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use crate::fuzz::spec::{BodyMedia, Kind, Location, parse};

    const SHOP: &str = include_str!("testdata/shop-swagger2.json");

    #[test]
    fn a_swagger2_document_fills_the_same_model_as_openapi3() {
        let api = parse(SHOP).expect("a valid Swagger 2.0 document");
        assert_eq!(api.dialect, "Swagger 2.0");
        assert_eq!(api.title, "Corner Shop");
        assert_eq!(
            api.server.as_deref(),
            Some("https://shop.example.test:8443")
        );
        let names: Vec<String> = api
            .operations
            .iter()
            .map(|o| format!("{} {}", o.method, o.route))
            .collect();
        assert_eq!(
            names,
            [
                "GET /v2/delay/{delay}",
                "POST /v2/items",
                "GET /v2/items/findByStatus",
                "GET /v2/items/{itemId}",
                "POST /v2/items/{itemId}",
                "DELETE /v2/items/{itemId}",
            ]
        );
        let add = &api.operations[1];
        assert!(add.secured && add.body_required);
        assert_eq!(add.body_media, BodyMedia::Json);
        let Some(Kind::Object {
            properties,
            required,
        }) = add.body.as_ref().map(|b| &b.kind)
        else {
            panic!("the body is the Item definition");
        };
        assert_eq!(required, &["name", "photoUrls"]);
        assert!(
            properties
                .iter()
                .any(|(n, s)| n == "category" && matches!(s.kind, Kind::Object { .. })),
            "nested definitions are resolved"
        );
        assert_eq!(add.accept.as_deref(), Some("application/json"));
        let find = &api.operations[2];
        assert!(matches!(find.params[0].schema.kind, Kind::Array(_)));
        assert!(find.params[0].required && !find.secured);
        let get = &api.operations[3];
        let locations: Vec<(&str, Location)> = get
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.location))
            .collect();
        assert_eq!(
            locations,
            [
                ("itemId", Location::Path),
                ("X-Request-Id", Location::Header)
            ]
        );
        assert_eq!(
            get.params[0].schema.minimum,
            Some(1.0),
            "a shared $ref parameter"
        );
        assert_eq!(
            get.params[1].schema.examples,
            [serde_json::json!("abc-123")]
        );
        let form = &api.operations[4];
        assert_eq!(form.body_media, BodyMedia::Form);
        assert!(form.body_required, "one form field is required");
        let Some(Kind::Object {
            properties,
            required,
        }) = form.body.as_ref().map(|b| &b.kind)
        else {
            panic!("form fields become one object");
        };
        assert_eq!(required, &["stock"]);
        assert_eq!(properties[1].1.maximum, Some(500.0));
    }

    #[test]
    fn swagger2_mistakes_are_located() {
        let bad_in = parse(
            r#"{"swagger":"2.0","paths":{"/a":{"get":{"parameters":[{"name":"x","in":"cookie","type":"string"}]}}}}"#,
        )
        .expect_err("refused");
        assert_eq!(bad_in.at, "paths./a.get.parameters[0].in");
        let no_schema = parse(
            r#"{"swagger":"2.0","paths":{"/a":{"post":{"parameters":[{"name":"b","in":"body"}]}}}}"#,
        )
        .expect_err("refused");
        assert!(no_schema.problem.contains("no `schema`"), "{no_schema}");
        let undefined =
            parse(r#"{"swagger":"2.0","paths":{"/a":{"get":{"security":[{"key":[]}]}}}}"#)
                .expect_err("refused");
        assert_eq!(undefined.at, "paths./a.get.security[0]");
        let base = parse(r#"{"swagger":"2.0","basePath":"v1","paths":{}}"#).expect_err("refused");
        assert_eq!(base.at, "basePath");
    }
}
