//! Why a run failed: one `Unmet` per expectation not met (or per reason the run could not
//! be carried out), with a stable code a program can match on and the sentence a person
//! reads. The JSON report keeps its `reasons` array of sentences as it always was; the codes
//! are for code that consumes results in process (`check`, tests, future formats).

use std::fmt;

use serde::{Serialize, Serializer};

/// An expectation not met. `code` is stable and snake_case (e.g. `status`,
/// `leak_not_found`, `invariant_failed`, `runtime_error`); `message` says it in a sentence
/// that names the step and the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    pub code: &'static str,
    pub message: String,
}

impl Unmet {
    pub fn new(code: &'static str, message: impl Into<String>) -> Unmet {
        Unmet {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Serialized as its sentence: the JSON report's `reasons` stay an array of strings.
impl Serialize for Unmet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.message)
    }
}

impl PartialEq<&str> for Unmet {
    fn eq(&self, other: &&str) -> bool {
        self.message == *other
    }
}

#[cfg(test)]
mod tests {
    use super::Unmet;

    #[test]
    fn an_unmet_expectation_serializes_as_its_sentence_alone() {
        let unmet = Unmet::new("status", "s: status 500 (expected 503)");
        assert_eq!(
            serde_json::to_string(&[unmet]).expect("serializes"),
            r#"["s: status 500 (expected 503)"]"#
        );
    }
}
