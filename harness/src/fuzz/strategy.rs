//! Input generation with proptest strategies, in four phases: valid values first, then
//! boundary values, then type confusion and malformed bodies, then injection-shaped text.
//! In every phase but the first, one parameter (or the body) carries the hostile value and
//! the others stay valid, so a failure points at one input and shrinks well.

use proptest::prelude::*;
use proptest::sample::select;
use serde::Serialize;
use serde_json::{Map, Value};

use super::body::body_hostile;
use super::case::{Body, Case};
use super::inputs::{
    CONFUSED_TEXT, CONTROLS, IMPOSSIBLE_DATES, INJECTIONS, INTEGER_BOUNDARIES, MULTI_BYTE, ODD_TEXT,
};
use super::spec::{Kind, Location, Operation, Schema};

/// Which kind of input a case carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Valid,
    Boundary,
    Confusion,
    Injection,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Valid,
        Phase::Boundary,
        Phase::Confusion,
        Phase::Injection,
    ];

    /// Its share of an operation's budget, in percent.
    pub fn share(self) -> usize {
        match self {
            Phase::Valid => 15,
            Phase::Boundary => 35,
            Phase::Confusion => 20,
            Phase::Injection => 30,
        }
    }
}

/// The strategy for one operation's cases in `phase`.
pub fn cases(operation: &Operation, phase: Phase) -> BoxedStrategy<Case> {
    let mut valid: Vec<BoxedStrategy<Slot>> = Vec::new();
    let mut hostile: Vec<BoxedStrategy<Slot>> = Vec::new();
    for param in &operation.params {
        let required = param.required;
        valid.push(
            text_valid(&param.schema, required)
                .prop_map(Slot::Text)
                .boxed(),
        );
        hostile.push(
            text_hostile(&param.schema, phase, param.location)
                .prop_map(Slot::Text)
                .boxed(),
        );
    }
    if let Some(schema) = &operation.body {
        valid.push(
            json_valid(schema, 0)
                .prop_map(|v| Slot::Body(Some(Body::Json(v))))
                .boxed(),
        );
        hostile.push(body_hostile(schema, phase).prop_map(Slot::Body).boxed());
    }
    let names: Vec<(String, Location)> = operation
        .params
        .iter()
        .map(|p| (p.name.clone(), p.location))
        .collect();
    let assemble = move |slots: Vec<Slot>| {
        let mut case = Case {
            path: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        };
        for (i, slot) in slots.into_iter().enumerate() {
            match (slot, names.get(i)) {
                (Slot::Text(value), Some((name, Location::Path))) => {
                    // A path cannot leave a parameter out: an empty segment stands in.
                    case.path.push((name.clone(), value.unwrap_or_default()));
                }
                (Slot::Text(value), Some((name, Location::Query))) => {
                    case.query.push((name.clone(), value));
                }
                (Slot::Text(value), Some((name, Location::Header))) => {
                    case.headers.push((name.clone(), value));
                }
                (Slot::Body(body), _) => case.body = body,
                (Slot::Text(_), None) => {}
            }
        }
        case
    };
    let count = valid.len();
    if phase == Phase::Valid || count == 0 {
        return valid.prop_map(assemble).boxed();
    }
    (valid, hostile, 0..count)
        .prop_map(move |(mut slots, mut bad, which)| {
            slots[which] = bad.swap_remove(which);
            assemble(slots)
        })
        .boxed()
}

#[derive(Debug, Clone)]
enum Slot {
    Text(Option<String>),
    Body(Option<Body>),
}

/// A valid value as text (path and query parameters); optional ones are sometimes left out.
fn text_valid(schema: &Schema, required: bool) -> BoxedStrategy<Option<String>> {
    let value = match &schema.kind {
        Kind::Integer => integer_valid(schema).prop_map(|n| n.to_string()).boxed(),
        Kind::Number => (-1000.0f64..1000.0).prop_map(|n| format!("{n:.2}")).boxed(),
        Kind::Boolean => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        _ => string_valid(schema),
    };
    if required {
        value.prop_map(Some).boxed()
    } else {
        prop_oneof![4 => value.prop_map(Some), 1 => Just(None)].boxed()
    }
}

/// Bounded integers anywhere in their range; unbounded ones (ids, mostly) mostly small,
/// where a seeded database keeps its rows, so that every early id is tried.
fn integer_valid(schema: &Schema) -> BoxedStrategy<i64> {
    let range = match (schema.minimum, schema.maximum) {
        (Some(low), Some(high)) if low <= high => (low.ceil() as i64..=high.floor() as i64).boxed(),
        (low, None) => {
            let low = low.map_or(0, |m| m.ceil() as i64);
            prop_oneof![
                4 => low.max(1)..=low.max(1).saturating_add(19),
                1 => low..=low.saturating_add(1000),
            ]
            .boxed()
        }
        _ => (0i64..=30).boxed(),
    };
    let examples: Vec<i64> = schema.examples.iter().filter_map(Value::as_i64).collect();
    if examples.is_empty() {
        range
    } else {
        prop_oneof![5 => range, 1 => select(examples)].boxed()
    }
}

fn string_valid(schema: &Schema) -> BoxedStrategy<String> {
    if !schema.enumeration.is_empty() {
        let values: Vec<String> = schema.enumeration.iter().map(text_of).collect();
        return select(values).boxed();
    }
    let generated = match schema.format.as_deref() {
        Some("date") => valid_date().boxed(),
        Some("date-time") => valid_date().prop_map(|d| format!("{d}T12:00:00Z")).boxed(),
        Some("email") => "[a-z]{1,8}@example\\.com".boxed(),
        Some("uuid") => {
            "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}".boxed()
        }
        _ => match schema.pattern.as_deref().and_then(pattern_strategy) {
            Some(strategy) => strategy,
            None => {
                let max = schema.max_length.unwrap_or(16).clamp(1, 16);
                let min = schema.min_length.unwrap_or(1).min(max);
                let regex = format!("[A-Za-z][a-z ]{{{},{}}}", min.saturating_sub(1), max - 1);
                proptest::string::string_regex(&regex)
                    .map(|s| s.boxed())
                    .unwrap_or_else(|_| Just("text".to_string()).boxed())
            }
        },
    };
    let examples: Vec<String> = schema.examples.iter().map(text_of).collect();
    if examples.is_empty() {
        generated
    } else {
        prop_oneof![3 => generated, 1 => select(examples)].boxed()
    }
}

/// A strategy for a schema `pattern`, without the anchors proptest's generator rejects.
fn pattern_strategy(pattern: &str) -> Option<BoxedStrategy<String>> {
    let inner = pattern.strip_prefix('^').unwrap_or(pattern);
    let inner = inner.strip_suffix('$').unwrap_or(inner);
    proptest::string::string_regex(inner)
        .ok()
        .map(|s| s.boxed())
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A real calendar date between 2020 and 2030.
fn valid_date() -> impl Strategy<Value = String> {
    (2020i32..=2030, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
        let d = d.min(days_in_month(y, m));
        format!("{y:04}-{m:02}-{d:02}")
    })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The phase's hostile value as text; `None` leaves the parameter out.
fn text_hostile(
    schema: &Schema,
    phase: Phase,
    location: Location,
) -> BoxedStrategy<Option<String>> {
    let valid = match &schema.kind {
        Kind::Integer => integer_valid(schema).prop_map(|n| n.to_string()).boxed(),
        _ => string_valid(schema),
    };
    let value: BoxedStrategy<String> = match (phase, &schema.kind) {
        (Phase::Valid, _) => valid,
        (Phase::Boundary, Kind::Integer | Kind::Number) => {
            let mut values: Vec<String> = INTEGER_BOUNDARIES.iter().map(i64::to_string).collect();
            if let Some(min) = schema.minimum {
                values.push(format!("{}", min as i64 - 1));
            }
            if let Some(max) = schema.maximum {
                values.push(format!("{}", max as i64 + 1));
            }
            if matches!(schema.kind, Kind::Number) {
                values.extend(["NaN", "inf", "-0.0", "1e308", "5e-324"].map(String::from));
            }
            select(values).boxed()
        }
        (Phase::Boundary, _) => text_boundary(schema, valid),
        (Phase::Confusion, _) => {
            return prop_oneof![
                6 => select(CONFUSED_TEXT).prop_map(|s| Some(s.to_string())),
                1 => Just(None),
            ]
            .boxed();
        }
        (Phase::Injection, _) => {
            let mut payloads: Vec<&'static str> = INJECTIONS.to_vec();
            if location == Location::Path {
                payloads.extend(["..", ".", "%2e%2e", "1/../../ops/errors", "1;", "1%00"]);
            }
            let bare = select(payloads.clone()).prop_map(str::to_string);
            let appended = (valid, select(payloads)).prop_map(|(v, p)| format!("{v}{p}"));
            prop_oneof![bare, appended].boxed()
        }
    };
    value.prop_map(Some).boxed()
}

/// Empty, long, multi-byte text cut at every length, control characters, odd Unicode, and
/// for dates, impossible ones.
fn text_boundary(schema: &Schema, valid: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let long_from = schema.max_length.map_or(256, |m| m + 1);
    let long = (long_from..long_from + 8192).prop_map(|n| "a".repeat(n));
    // An ASCII prefix of every length up to 48 bytes, then a multi-byte character: any
    // byte-index slice of the text lands inside that character for some prefix length.
    let multi_byte = (0usize..=48, select(MULTI_BYTE), 0usize..=8)
        .prop_map(|(before, c, after)| format!("{}{c}{}", "a".repeat(before), "b".repeat(after)));
    // Text dense with characters of 2, 3 and 4 bytes after a 0-3 byte ASCII skew: almost
    // every byte index of it falls inside a character, whatever length a careless slice
    // cuts at.
    let dense = (0usize..4, 6usize..40).prop_map(|(skew, chars)| {
        let cycle = ['é', '€', '🦀', '日', 'ß'];
        let mut text = "a".repeat(skew);
        text.extend((0..chars).map(|i| cycle[i % cycle.len()]));
        text
    });
    let control =
        (valid.clone(), select(CONTROLS), valid).prop_map(|(a, c, b)| format!("{a}{c}{b}"));
    let odd = select(ODD_TEXT).prop_map(str::to_string);
    let mut choices = vec![
        (1, long.boxed()),
        (2, multi_byte.boxed()),
        (3, dense.boxed()),
        (3, control.boxed()),
        (2, odd.boxed()),
    ];
    if matches!(schema.format.as_deref(), Some("date" | "date-time")) {
        let listed = select(IMPOSSIBLE_DATES).prop_map(str::to_string);
        let shaped = (0i32..=9999, 0u32..=13, 0u32..=32)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
        choices.push((4, listed.boxed()));
        choices.push((2, shaped.boxed()));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

/// A valid JSON value for the schema.
pub(super) fn json_valid(schema: &Schema, depth: usize) -> BoxedStrategy<Value> {
    match &schema.kind {
        Kind::Integer => integer_valid(schema).prop_map(Value::from).boxed(),
        Kind::Number => (-1000.0f64..1000.0).prop_map(Value::from).boxed(),
        Kind::Boolean => any::<bool>().prop_map(Value::from).boxed(),
        Kind::String => string_valid(schema).prop_map(Value::from).boxed(),
        Kind::Array(item) if depth < 4 => {
            proptest::collection::vec(json_valid(item, depth + 1), 0..3)
                .prop_map(Value::from)
                .boxed()
        }
        Kind::Object {
            properties,
            required,
        } if depth < 4 => {
            let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
                .iter()
                .map(|(name, prop)| {
                    let name = name.clone();
                    let value = json_valid(prop, depth + 1);
                    if required.contains(&name) {
                        value.prop_map(move |v| Some((name.clone(), v))).boxed()
                    } else {
                        proptest::option::weighted(0.7, value)
                            .prop_map(move |v| v.map(|v| (name.clone(), v)))
                            .boxed()
                    }
                })
                .collect();
            fields
                .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect()))
                .boxed()
        }
        _ => prop_oneof![Just(Value::from(1)), Just(Value::from("text"))].boxed(),
    }
}

/// The phase's hostile value for one JSON property.
pub(super) fn json_hostile(schema: &Schema, phase: Phase) -> BoxedStrategy<Value> {
    match (phase, &schema.kind) {
        (Phase::Valid, _) => json_valid(schema, 0),
        (Phase::Boundary, Kind::Integer | Kind::Number) => {
            let mut values: Vec<Value> =
                INTEGER_BOUNDARIES.iter().map(|n| Value::from(*n)).collect();
            values.extend([
                Value::from(u64::MAX),
                Value::from(1e300),
                Value::from(-0.0),
                Value::from(0.5),
            ]);
            if let Some(max) = schema.maximum {
                values.push(Value::from(max as i64 + 1));
            }
            if let Some(min) = schema.minimum {
                values.push(Value::from(min as i64 - 1));
            }
            select(values).boxed()
        }
        (Phase::Boundary, _) => text_boundary(schema, string_valid(schema))
            .prop_map(Value::from)
            .boxed(),
        (Phase::Confusion, kind) => {
            let mut values = vec![
                Value::Null,
                Value::from(true),
                Value::from(1.5),
                Value::Array(vec![]),
                Value::Object(Map::new()),
                Value::from("abc"),
                Value::from("1"),
            ];
            if matches!(kind, Kind::Integer | Kind::Number | Kind::Boolean) {
                values.push(Value::from(""));
            } else {
                values.push(Value::from(0));
                values.push(Value::from(-1));
            }
            select(values).boxed()
        }
        (Phase::Injection, _) => prop_oneof![
            select(INJECTIONS).prop_map(Value::from),
            (string_valid(schema), select(INJECTIONS))
                .prop_map(|(v, p)| Value::from(format!("{v}{p}"))),
        ]
        .boxed(),
    }
}
