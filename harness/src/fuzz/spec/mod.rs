//! An API description, reduced to what input generation needs: each operation's method,
//! route template, parameters and body, with `$ref`s resolved. Two readers fill the same
//! model: `openapi3` (OpenAPI 3.0 and 3.1) and `swagger2` (Swagger 2.0, which many Flask,
//! Django REST, springfox and Go services still publish).

mod openapi3;
mod swagger2;

use serde_json::Value;

/// The operations of one API, by route (the JSON reader keeps object keys sorted, not in
/// the document's order), each route's methods in `METHODS` order.
#[derive(Debug, Clone)]
pub struct Api {
    pub title: String,
    /// `OpenAPI 3.1.0`, `Swagger 2.0`: what the document said it was.
    pub dialect: String,
    /// The server the document names (Swagger's `schemes` + `host`, OpenAPI's first
    /// absolute `servers` URL), for the reader: requests go to the target given.
    pub server: Option<String>,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper case: `GET`, `POST`, ...
    pub method: String,
    /// The route template, e.g. `/books/{id}`; Swagger's `basePath` is part of it.
    pub route: String,
    pub params: Vec<Param>,
    /// The request body's schema, when the operation takes one (a Swagger `body`
    /// parameter, its `formData` parameters as one object, or a 3.x `requestBody`).
    pub body: Option<Schema>,
    pub body_required: bool,
    /// How the body goes on the wire.
    pub body_media: BodyMedia,
    /// The `Accept` header to send (Swagger's `produces`), when the document names one.
    pub accept: Option<String>,
    /// The operation names a security requirement (the fuzzer has no credentials).
    pub secured: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
}

/// The media type a body is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyMedia {
    #[default]
    Json,
    /// `application/x-www-form-urlencoded` (Swagger `formData`, 3.x form bodies): the
    /// body's object is sent as `name=value` pairs.
    Form,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub schema: Schema,
}

/// The JSON Schema subset generation understands. Anything else is `Any`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub kind: Kind,
    pub format: Option<String>,
    pub pattern: Option<String>,
    pub enumeration: Vec<Value>,
    pub examples: Vec<Value>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub enum Kind {
    Integer,
    Number,
    String,
    Boolean,
    Array(Box<Schema>),
    Object {
        properties: Vec<(String, Schema)>,
        required: Vec<String>,
    },
    #[default]
    Any,
}

/// A document that is not an API description we can use.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {problem}")]
pub struct SpecError {
    /// Where in the document, as a JSON pointer-like path.
    pub at: String,
    pub problem: String,
}

fn error(at: impl Into<String>, problem: impl Into<String>) -> SpecError {
    SpecError {
        at: at.into(),
        problem: problem.into(),
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];
/// `$ref` chains longer than this are treated as cycles.
const MAX_REF_DEPTH: usize = 16;

/// Parses an OpenAPI 3.x or Swagger 2.0 document given as JSON.
pub fn parse(text: &str) -> Result<Api, SpecError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        error(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not JSON ({e}); give the OpenAPI or Swagger document as JSON"),
        )
    })?;
    let Some(root) = doc.as_object() else {
        return Err(error(
            "(document)",
            format!(
                "{} where an OpenAPI or Swagger document (an object) was expected",
                json_type(&doc)
            ),
        ));
    };
    let api = match (root.get("openapi"), root.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.") => openapi3::read(&doc, v)?,
        (_, Some(Value::String(v))) if v == "2.0" => swagger2::read(&doc)?,
        (Some(found), _) => {
            return Err(error(
                "openapi",
                format!(
                    "`{}` is not an OpenAPI version this reader knows (3.0 and 3.1 are read, and Swagger 2.0)",
                    text_of(found)
                ),
            ));
        }
        (None, Some(found)) => {
            return Err(error(
                "swagger",
                format!(
                    "`{}` is not a Swagger version this reader knows (2.0 is read, and OpenAPI 3.x)",
                    text_of(found)
                ),
            ));
        }
        (None, None) => {
            let keys: Vec<&str> = root.keys().map(String::as_str).take(8).collect();
            return Err(error(
                "(document)",
                format!(
                    "neither `openapi` nor `swagger` at the top level (found {}); this is not an OpenAPI 3 or Swagger 2 document",
                    if keys.is_empty() {
                        "an empty object".to_string()
                    } else {
                        format!("keys {}", keys.join(", "))
                    }
                ),
            ));
        }
    };
    if api.operations.is_empty() {
        return Err(error("paths", "the document describes no operation"));
    }
    Ok(api)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The document's title, `API` when it has none.
fn title(doc: &Value) -> String {
    doc.pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API")
        .to_string()
}

/// The `paths` object, located when it is missing.
fn paths(doc: &Value) -> Result<&serde_json::Map<String, Value>, SpecError> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| error("paths", "missing or not an object"))?;
    for (route, item) in paths {
        for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if !is_path_item_key(key) {
                return Err(error(
                    format!("paths.{route}.{key}"),
                    format!(
                        "`{key}` is not an HTTP method or a path item field; the methods are {} (lower case)",
                        METHODS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(paths)
}

/// A path item's own fields (OpenAPI 3.x and Swagger 2.0), its vendor extensions, and the
/// methods; `trace` is a method OpenAPI names that the fuzzer does not send (the audit
/// probes TRACE on its own).
fn is_path_item_key(key: &str) -> bool {
    METHODS.contains(&key)
        || key.starts_with("x-")
        || matches!(
            key,
            "trace" | "parameters" | "summary" | "description" | "servers" | "$ref"
        )
}

/// A security requirement list that is present and not empty.
fn requires_security(value: Option<&Value>) -> Option<bool> {
    value.and_then(Value::as_array).map(|list| !list.is_empty())
}

/// The parameters shared by a path item, then the operation's own (an operation's
/// parameter overrides a shared one of the same name and location).
fn listed_parameters<'a>(item: &'a Value, op: &'a Value) -> impl Iterator<Item = &'a Value> {
    item.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
}

/// Adds a parameter, replacing an earlier one with the same name and location.
fn push_param(params: &mut Vec<Param>, param: Param) {
    params.retain(|p| p.name != param.name || p.location != param.location);
    params.push(param);
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, value: &'a Value, at: &str) -> Result<&'a Value, SpecError> {
    let mut current = value;
    for _ in 0..MAX_REF_DEPTH {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            return Ok(current);
        };
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            error(
                at,
                format!("`$ref: {reference}` points outside the document"),
            )
        })?;
        current = doc
            .pointer(pointer)
            .ok_or_else(|| error(at, format!("`$ref: {reference}` points at nothing")))?;
    }
    Err(error(at, "a `$ref` chain that does not end"))
}

fn all_of(
    doc: &Value,
    raw: &Value,
    branches: &[Value],
    at: &str,
    depth: usize,
) -> Result<Schema, SpecError> {
    let mut parts = Vec::new();
    for (i, branch) in branches.iter().enumerate() {
        parts.push(schema(doc, branch, &format!("{at}.allOf[{i}]"), depth + 1)?);
    }
    // The schema's own keywords beside `allOf` are one more branch.
    let mut own = raw.clone();
    if let Some(object) = own.as_object_mut() {
        object.remove("allOf");
        if object.keys().any(|k| k == "properties" || k == "type") {
            parts.push(schema(doc, &own, at, depth + 1)?);
        }
    }
    let mut merged: Option<Schema> = None;
    for part in parts {
        merged = Some(match (merged, part) {
            (None, part) => part,
            (Some(mut into), part) => {
                match (&mut into.kind, part.kind) {
                    (
                        Kind::Object {
                            properties,
                            required,
                        },
                        Kind::Object {
                            properties: more,
                            required: also,
                        },
                    ) => {
                        for (name, property) in more {
                            properties.retain(|(n, _)| *n != name);
                            properties.push((name, property));
                        }
                        for name in also {
                            if !required.contains(&name) {
                                required.push(name);
                            }
                        }
                    }
                    (Kind::Any, kind) => into.kind = kind,
                    _ => {}
                }
                into
            }
        });
    }
    Ok(merged.unwrap_or_default())
}

fn schema(doc: &Value, raw: &Value, at: &str, depth: usize) -> Result<Schema, SpecError> {
    if depth > MAX_REF_DEPTH {
        // A recursive schema: generation stops describing it here.
        return Ok(Schema::default());
    }
    let raw = resolve(doc, raw, at)?;
    // `allOf`: a value must satisfy every branch, so the objects' properties and required
    // names are merged (a schema that also lists its own properties beside `allOf` adds
    // them); other branches narrow a value generation does not model, and the first one
    // that says something stands in.
    if let Some(branches) = raw.get("allOf").and_then(Value::as_array) {
        return all_of(doc, raw, branches, at, depth);
    }
    // `anyOf`/`oneOf`: the first alternative is a fair stand-in for generation.
    for combinator in ["oneOf", "anyOf"] {
        if let Some(first) = raw
            .get(combinator)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return schema(doc, first, at, depth + 1);
        }
    }
    let number = |key: &str| raw.get(key).and_then(Value::as_f64);
    let length = |key: &str| raw.get(key).and_then(Value::as_u64).map(|n| n as usize);
    let type_name = match raw.get("type") {
        Some(Value::String(t)) => t.as_str(),
        // OpenAPI 3.1 allows `["string", "null"]`: the first non-null type.
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or(""),
        _ if raw.get("properties").is_some() => "object",
        _ => "",
    };
    let kind = match type_name {
        "integer" => Kind::Integer,
        "number" => Kind::Number,
        "string" => Kind::String,
        "boolean" => Kind::Boolean,
        "array" => Kind::Array(Box::new(match raw.get("items") {
            Some(items) => schema(doc, items, &format!("{at}.items"), depth + 1)?,
            None => Schema::default(),
        })),
        "object" => {
            let mut properties = Vec::new();
            if let Some(props) = raw.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    properties.push((
                        name.clone(),
                        schema(doc, prop, &format!("{at}.properties.{name}"), depth + 1)?,
                    ));
                }
            }
            let required = raw
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Kind::Object {
                properties,
                required,
            }
        }
        _ => Kind::Any,
    };
    let mut examples: Vec<Value> = raw.get("example").cloned().into_iter().collect();
    if let Some(list) = raw.get("examples").and_then(Value::as_array) {
        examples.extend(list.iter().cloned());
    }
    Ok(Schema {
        kind,
        format: raw
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string),
        pattern: raw
            .get("pattern")
            .and_then(Value::as_str)
            .map(str::to_string),
        enumeration: raw
            .get("enum")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        examples,
        minimum: number("minimum"),
        maximum: number("maximum"),
        min_length: length("minLength"),
        max_length: length("maxLength"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_of_merges_every_branchs_properties_and_required_names() {
        let api = parse(
            r##"{"openapi":"3.0.3","info":{"title":"t","version":"1"},
            "paths":{"/pets":{"post":{"requestBody":{"content":{"application/json":{"schema":{
                "allOf":[{"$ref":"#/components/schemas/New"},
                         {"type":"object","required":["id"],"properties":{"id":{"type":"integer"}}}],
                "properties":{"tag":{"type":"string"}}}}}}}}},
            "components":{"schemas":{"New":{"type":"object","required":["name"],"properties":{"name":{"type":"string"}}}}}}"##,
        )
        .expect("valid document");
        let body = api.operations[0].body.as_ref().expect("a body");
        let Kind::Object {
            properties,
            required,
        } = &body.kind
        else {
            panic!("an object: {body:?}");
        };
        let names: Vec<&str> = properties.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["name", "id", "tag"]);
        assert_eq!(required, &["name", "id"]);
    }

    #[test]
    fn a_path_item_key_that_is_no_method_is_located() {
        let e = parse(
            r##"{"swagger":"2.0","info":{"title":"t","version":"1"},
            "paths":{"/a":{"x-note":"fine","parameters":[],"GET":{"responses":{}}}}}"##,
        )
        .expect_err("GET is not a method key");
        assert_eq!(e.at, "paths./a.GET");
        assert!(e.problem.contains("lower case"), "{e}");
    }

    #[test]
    fn operations_parameters_and_bodies_are_read_with_refs_resolved() {
        let api = parse(
            r##"{"openapi":"3.1.0","info":{"title":"t","version":"1"},
            "paths":{"/books/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}]}},
                     "/orders":{"post":{"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/O"}}}},"security":[{"t":[]}]}}},
            "components":{"schemas":{"O":{"type":"object","required":["q"],"properties":{"q":{"type":"integer","minimum":1,"maximum":10}}}}}}"##,
        )
        .expect("valid document");
        assert_eq!(api.operations.len(), 2);
        let get = &api.operations[0];
        assert_eq!(
            (get.method.as_str(), get.route.as_str()),
            ("GET", "/books/{id}")
        );
        assert!(matches!(get.params[0].schema.kind, Kind::Integer));
        let post = &api.operations[1];
        assert!(post.secured && post.body_required);
        let Some(Schema {
            kind: Kind::Object {
                properties,
                required,
            },
            ..
        }) = &post.body
        else {
            panic!("the body is an object");
        };
        assert_eq!(required, &["q"]);
        assert_eq!(properties[0].1.maximum, Some(10.0));
    }

    #[test]
    fn documents_we_cannot_use_are_errors_that_say_where() {
        let old_swagger = parse(r#"{"swagger":"1.2","paths":{}}"#).expect_err("refused");
        assert_eq!(old_swagger.at, "swagger");
        assert!(old_swagger.problem.contains("`1.2`"), "{old_swagger}");
        let future = parse(r#"{"openapi":"4.0.0","paths":{}}"#).expect_err("refused");
        assert_eq!(future.at, "openapi");
        let neither = parse(r#"{"info":{"title":"x"},"routes":[]}"#).expect_err("refused");
        assert_eq!(neither.at, "(document)");
        assert!(neither.problem.contains("keys info, routes"), "{neither}");
        let list = parse("[1,2]").expect_err("refused");
        assert!(list.problem.starts_with("an array"), "{list}");
        let dangling = parse(
            r##"{"openapi":"3.0.0","paths":{"/a":{"get":{"parameters":[{"$ref":"#/nope"}]}}}}"##,
        )
        .expect_err("refused");
        assert!(
            dangling.to_string().contains("paths./a.get.parameters[0]"),
            "{dangling}"
        );
        let cyclic = parse(
            r##"{"openapi":"3.0.0","paths":{"/a":{"get":{"parameters":[{"$ref":"#/x"}]}}},"x":{"$ref":"#/x"}}"##,
        )
        .expect_err("refused");
        assert!(cyclic.problem.contains("does not end"));
        assert!(
            parse("not json")
                .expect_err("refused")
                .at
                .starts_with("line 1")
        );
    }

    #[test]
    fn openapi3_headers_and_form_bodies_are_read() {
        let api = parse(
            r##"{"openapi":"3.0.3","paths":{"/login":{"post":{
              "parameters":[{"name":"X-Trace","in":"header","schema":{"type":"string"}},{"name":"s","in":"cookie"}],
              "requestBody":{"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","properties":{"user":{"type":"string"}}}}}}}}}}"##,
        )
        .expect("valid document");
        let op = &api.operations[0];
        assert_eq!(op.params.len(), 1, "the cookie is not generated");
        assert_eq!(op.params[0].location, Location::Header);
        assert_eq!(op.body_media, BodyMedia::Form);
        assert_eq!(api.dialect, "OpenAPI 3.0.3");
    }
}
