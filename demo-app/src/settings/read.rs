//! How a setting's text becomes its value. A reader is a function of the layers and the
//! setting's name; the table (`table.rs`) gives each setting one, with its hint and range,
//! so a bad value's error names the setting, where the value came from and the fix.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use super::hints::DATABASE_URL_HINT;
use super::{ConfigError, Layers};

/// A reader: the layers and a setting's name in, its value (or why not) out.
pub(super) trait Reader<T>: Fn(&Layers, &'static str) -> Result<T, ConfigError> {}

impl<T, F: Fn(&Layers, &'static str) -> Result<T, ConfigError>> Reader<T> for F {}

/// What a number setting is: parsed from text, compared, shown in its error.
pub(super) trait Number: FromStr<Err: fmt::Display> + PartialOrd + fmt::Display {}

impl<T: FromStr<Err: fmt::Display> + PartialOrd + fmt::Display> Number for T {}

/// Parsed with `FromStr`; a value that does not parse gets `hint`.
pub(super) fn parsed<T: FromStr<Err: fmt::Display>>(hint: &'static str) -> impl Reader<T> {
    move |layers, name| layers.parse(name, hint)
}

/// A number in `range`; one that does not parse or lies outside gets `hint`.
pub(super) fn within<T: Number>(range: RangeInclusive<T>, hint: &'static str) -> impl Reader<T> {
    checked(hint, move |value| {
        let (low, high) = (range.start(), range.end());
        (!range.contains(value)).then(|| format!("is {value}, outside {low}..={high}"))
    })
}

/// A number no larger than `most`; one that does not parse or is larger gets `hint`.
pub(super) fn at_most<T: Number>(most: T, hint: &'static str) -> impl Reader<T> {
    checked(hint, move |value| {
        (*value > most).then(|| format!("is {value}, above {most}"))
    })
}

/// Parsed, then refused with `hint` where `problem` says what is wrong with the value.
fn checked<T: Number>(
    hint: &'static str,
    problem: impl Fn(&T) -> Option<String>,
) -> impl Reader<T> {
    move |layers, name| {
        let value: T = layers.parse(name, hint)?;
        match problem(&value) {
            Some(problem) => Err(layers.invalid(name, problem, hint)),
            None => Ok(value),
        }
    }
}

/// Text that may be left out: unset, empty or blank is `None`, anything else trimmed.
pub(super) fn optional(layers: &Layers, name: &'static str) -> Result<Option<String>, ConfigError> {
    Ok(layers
        .get(name)
        .map(|(text, _)| text.trim().to_string())
        .filter(|text| !text.is_empty()))
}

/// `database_url`: a URL of one of the two engines the app speaks.
pub(super) fn database_url(layers: &Layers, name: &'static str) -> Result<String, ConfigError> {
    let url: String = layers.parse(name, DATABASE_URL_HINT)?;
    if !(url.starts_with("sqlite:") || url.starts_with("postgres")) {
        return Err(layers.invalid(
            name,
            "is neither an sqlite: nor a postgres:// URL".into(),
            DATABASE_URL_HINT,
        ));
    }
    Ok(url)
}

/// `sentry_dsn`, checked in every mode: a DSN that does not parse would silently report
/// nothing, which is the one failure an error tracker must not have.
pub(super) fn sentry_dsn(
    layers: &Layers,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    let Some(dsn) = optional(layers, name)? else {
        return Ok(None);
    };
    match dsn.parse::<sentry::types::Dsn>() {
        Ok(_) => Ok(Some(dsn)),
        Err(e) => Err(layers.invalid(
            name,
            format!("is not a DSN ({e})"),
            "Use the DSN your Sentry or Bugsink project shows, http(s)://KEY@HOST/PROJECT_ID (`just tracker start` prints one), or leave it unset.",
        )),
    }
}
