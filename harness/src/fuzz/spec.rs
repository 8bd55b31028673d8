//! An OpenAPI 3.x document, reduced to what input generation needs: each operation's
//! method, route template, parameters and JSON body, with `$ref`s resolved.

use serde_json::Value;

/// The operations of one API, in document order.
#[derive(Debug, Clone)]
pub struct Api {
    pub title: String,
    pub operations: Vec<Operation>,
}

#[derive(Debug, Clone)]
pub struct Operation {
    /// Upper case: `GET`, `POST`, ...
    pub method: String,
    /// The route template as the document writes it, e.g. `/books/{id}`.
    pub route: String,
    pub params: Vec<Param>,
    /// The JSON request body's schema, when the operation takes one.
    pub body: Option<Schema>,
    pub body_required: bool,
    /// The operation names a security requirement (the fuzzer has no credentials).
    pub secured: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
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

/// A document that is not an OpenAPI 3 description we can use.
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

/// Parses an OpenAPI 3.x document (JSON, or YAML-free JSON text).
pub fn parse(text: &str) -> Result<Api, SpecError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        error(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not JSON ({e}); give the OpenAPI document as JSON"),
        )
    })?;
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with('3') {
        return Err(error(
            "openapi",
            format!("`{version}` is not an OpenAPI 3.x version (Swagger 2 documents are not read)"),
        ));
    }
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API")
        .to_string();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| error("paths", "missing or not an object"))?;
    let global_security = doc
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty());
    let mut operations = Vec::new();
    for (route, item) in paths {
        let shared = item.get("parameters").and_then(Value::as_array);
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let at = format!("paths.{route}.{method}");
            let mut params = Vec::new();
            let listed = shared.into_iter().flatten().chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
            for (i, raw) in listed.enumerate() {
                let raw = resolve(&doc, raw, &format!("{at}.parameters[{i}]"))?;
                let location = match raw.get("in").and_then(Value::as_str) {
                    Some("path") => Location::Path,
                    Some("query") => Location::Query,
                    // Headers and cookies are not generated.
                    _ => continue,
                };
                let name = raw
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| error(format!("{at}.parameters[{i}]"), "has no name"))?
                    .to_string();
                let mut schema = match raw.get("schema") {
                    Some(s) => schema(&doc, s, &format!("{at}.parameters[{i}].schema"), 0)?,
                    None => Schema::default(),
                };
                if let Some(example) = raw.get("example") {
                    schema.examples.push(example.clone());
                }
                params.retain(|p: &Param| p.name != name || p.location != location);
                params.push(Param {
                    required: location == Location::Path
                        || raw
                            .get("required")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    name,
                    location,
                    schema,
                });
            }
            let (body, body_required) = match op.get("requestBody") {
                Some(raw) => {
                    let raw = resolve(&doc, raw, &format!("{at}.requestBody"))?;
                    let json = raw
                        .pointer("/content/application~1json/schema")
                        .or_else(|| raw.pointer("/content/application~1problem+json/schema"));
                    let required = raw
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    match json {
                        Some(s) => (
                            Some(schema(&doc, s, &format!("{at}.requestBody"), 0)?),
                            required,
                        ),
                        None => (None, false),
                    }
                }
                None => (None, false),
            };
            let secured = match op.get("security").and_then(Value::as_array) {
                Some(list) => !list.is_empty(),
                None => global_security,
            };
            operations.push(Operation {
                method: method.to_ascii_uppercase(),
                route: route.clone(),
                params,
                body,
                body_required,
                secured,
            });
        }
    }
    if operations.is_empty() {
        return Err(error("paths", "the document describes no operation"));
    }
    Ok(Api { title, operations })
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

fn schema(doc: &Value, raw: &Value, at: &str, depth: usize) -> Result<Schema, SpecError> {
    if depth > MAX_REF_DEPTH {
        // A recursive schema: generation stops describing it here.
        return Ok(Schema::default());
    }
    let raw = resolve(doc, raw, at)?;
    // `anyOf`/`oneOf`/`allOf`: the first alternative is a fair stand-in for generation.
    for combinator in ["allOf", "oneOf", "anyOf"] {
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
        let swagger = parse(r#"{"swagger":"2.0","paths":{}}"#).expect_err("refused");
        assert_eq!(swagger.at, "openapi");
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
}
