//! `[[invariants]]`: SQL checks on the run's database after the steps.

use sqlx::{AnyPool, Row as _};

use super::{InvariantRecord, RunResult};
use crate::scenario::{Expectations, Scenario};

/// Checks every invariant; for `harness check`, against its `fixed_equals` when it has one.
pub async fn check(
    scenario: &Scenario,
    expectations: Expectations,
    pool: &AnyPool,
    result: &mut RunResult,
) {
    for invariant in &scenario.invariants {
        let wanted = match (expectations, &invariant.fixed_equals) {
            (Expectations::Fixed, Some(fixed)) => fixed,
            _ => &invariant.equals,
        };
        let expected = match wanted {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let actual = match sqlx::query(sqlx::AssertSqlSafe(invariant.sql.clone()))
            .fetch_one(pool)
            .await
        {
            Ok(row) => first_column_text(&row),
            Err(e) => Err(e.to_string()),
        };
        let held = actual.as_deref() == Ok(expected.as_str());
        if !held {
            result.reasons.push(super::Unmet::new(
                "invariant_failed",
                format!(
                    "invariant `{}`: {} (expected {expected})",
                    invariant.name,
                    match &actual {
                        Ok(value) => format!("got {value}"),
                        Err(e) => format!("query failed: {e}"),
                    }
                ),
            ));
        }
        result.invariants.push(InvariantRecord {
            name: invariant.name.clone(),
            sql: invariant.sql.clone(),
            expected,
            actual: actual.ok(),
            held,
        });
    }
}

fn first_column_text(row: &sqlx::any::AnyRow) -> Result<String, String> {
    if let Ok(value) = row.try_get::<i64, _>(0) {
        return Ok(value.to_string());
    }
    if let Ok(value) = row.try_get::<String, _>(0) {
        return Ok(value);
    }
    if let Ok(value) = row.try_get::<f64, _>(0) {
        return Ok(value.to_string());
    }
    row.try_get::<bool, _>(0)
        .map(|v| v.to_string())
        .map_err(|e| format!("the first column is not text, a number or a boolean: {e}"))
}
