//! Hostile JSON bodies: one property hostile in the phase's way, or (confusion) a document
//! that is malformed, truncated, of the wrong type or sent as another media type.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::case::Body;
use super::inputs::MALFORMED_JSON;
use super::spec::{Kind, Schema};
use super::strategy::{Phase, json_hostile, json_valid};

/// A hostile body: one property hostile, or (confusion) a malformed document.
pub(super) fn body_hostile(schema: &Schema, phase: Phase) -> BoxedStrategy<Option<Body>> {
    let valid = json_valid(schema, 0);
    let one_property = match &schema.kind {
        Kind::Object { properties, .. } if !properties.is_empty() => {
            let hostile: Vec<BoxedStrategy<(String, Value)>> = properties
                .iter()
                .map(|(name, prop)| {
                    let name = name.clone();
                    json_hostile(prop, phase)
                        .prop_map(move |v| (name.clone(), v))
                        .boxed()
                })
                .collect();
            let count = hostile.len();
            (valid.clone(), hostile, 0..count)
                .prop_map(|(mut body, mut hostile, which)| {
                    let (name, value) = hostile.swap_remove(which);
                    if let Value::Object(map) = &mut body {
                        map.insert(name, value);
                    }
                    Some(Body::Json(body))
                })
                .boxed()
        }
        _ => json_hostile(schema, phase)
            .prop_map(|v| Some(Body::Json(v)))
            .boxed(),
    };
    if phase != Phase::Confusion {
        return one_property;
    }
    let missing = match &schema.kind {
        Kind::Object { required, .. } if !required.is_empty() => {
            let required = required.clone();
            (valid.clone(), 0..required.len())
                .prop_map(move |(mut body, which)| {
                    if let Value::Object(map) = &mut body {
                        map.remove(&required[which]);
                    }
                    Some(Body::Json(body))
                })
                .boxed()
        }
        _ => Just(Some(Body::Json(Value::Null))).boxed(),
    };
    let malformed = select(MALFORMED_JSON).prop_map(|text| {
        Some(Body::Raw {
            content_type: "application/json".to_string(),
            text: text.to_string(),
        })
    });
    let truncated = (valid.clone(), 1usize..64).prop_map(|(body, cut)| {
        let text = body.to_string();
        let cut = text
            .char_indices()
            .map(|(i, _)| i)
            .rfind(|&i| i <= cut)
            .unwrap_or(0);
        Some(Body::Raw {
            content_type: "application/json".to_string(),
            text: text[..cut].to_string(),
        })
    });
    let wrong_type = select(vec![
        Value::Array(vec![]),
        Value::from("text"),
        Value::Null,
        Value::from(0),
    ])
    .prop_map(|v| Some(Body::Json(v)));
    let wrong_content_type = (
        valid,
        select(vec![
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/xml",
        ]),
    )
        .prop_map(|(body, content_type)| {
            Some(Body::Raw {
                content_type: content_type.to_string(),
                text: body.to_string(),
            })
        });
    let nested = (100usize..2000).prop_map(|depth| {
        Some(Body::Raw {
            content_type: "application/json".to_string(),
            text: format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        })
    });
    prop_oneof![
        4 => one_property,
        2 => missing,
        2 => malformed,
        2 => truncated,
        1 => wrong_type,
        1 => wrong_content_type,
        1 => nested,
        1 => Just(None),
    ]
    .boxed()
}
