//! `--format junit`: JUnit XML for CI dashboards; one test case per scenario, mode and
//! backend.

use super::Summary;
use crate::runner::{Outcome, RunResult};

pub fn render(results: &[RunResult]) -> String {
    let summary = Summary::of(results);
    let seconds: f64 = results.iter().map(|r| r.duration_ms as f64 / 1000.0).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"crash-course\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">\n",
        results.len(),
        summary.failed,
        summary.errors,
        summary.skipped
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"scenarios\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">\n",
        results.len(),
        summary.failed,
        summary.errors,
        summary.skipped
    ));
    for result in results {
        xml.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&result.class),
            escape(&format!(
                "{} [{}/{}]",
                result.scenario, result.mode, result.backend
            )),
            result.duration_ms as f64 / 1000.0
        ));
        let tag = match result.outcome {
            Outcome::Passed => {
                xml.push_str("/>\n");
                continue;
            }
            Outcome::Failed => "failure",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
        };
        let message = result
            .reasons
            .first()
            .map_or("failed", |reason| reason.message.as_str());
        let reasons: Vec<&str> = result.reasons.iter().map(|r| r.message.as_str()).collect();
        xml.push_str(&format!(
            ">\n      <{tag} message=\"{}\">{}</{tag}>\n    </testcase>\n",
            escape(message),
            escape(&reasons.join("\n"))
        ));
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// XML escaping for text and attribute values: the control characters XML 1.0 forbids
/// are dropped, and the five characters with a meaning in markup become references (`'`
/// as `&#x27;`, which every XML reader knows, where `&apos;` is XML's own spelling).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn hostile_text_cannot_break_the_xml() {
        assert_eq!(
            escape("<a href=\"x\">'&'\u{1}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
