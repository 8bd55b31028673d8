//! The JSON log line, written straight into the line's buffer. The same document
//! tracing-subscriber's `.json()` format writes (timestamp, level, `fields`, target, the
//! current span with its name), byte for byte (a test formats the same events with both),
//! at a fraction of its cost. One exception nobody here meets: a float among a span's
//! fields is copied as `JsonFields` stored it, where the stock format parses it back and may
//! print the last digit of a 17-digit value differently (the app's one span has three
//! string fields).
//!
//! Why our own: every answer writes a line and every error two, on the request thread.
//! perf on prod under load put most of an error's extra cost in the stock formatter:
//! serde's machinery for each field, a UTF-8 check on every fragment it writes (its
//! `WriteAdaptor`), and the span's fields parsed back from JSON text and serialised again
//! for every line (docs/performance.md). Here each field is escaped once into the buffer,
//! and the span's fields, already JSON, are copied as they are.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use crate::json_text::{self, Escaping};

mod timestamp;

/// The event formatter; spans keep tracing-subscriber's `JsonFields` for their fields.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonLine;

impl<S> FormatEvent<S, JsonFields> for JsonLine
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        writer.write_str("{\"timestamp\":\"")?;
        timestamp::write_now(&mut writer)?;
        writer.write_str("\",\"level\":\"")?;
        writer.write_str(meta.level().as_str())?;
        writer.write_str("\",\"fields\":{")?;
        let mut fields = FieldsVisitor {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_str("},\"target\":")?;
        json_text::write_str(&mut writer, meta.target())?;
        let span = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| ctx.lookup_current());
        if let Some(span) = span {
            writer.write_str(",\"span\":{")?;
            let extensions = span.extensions();
            // The span's fields as `JsonFields` stored them: a JSON object, keys sorted.
            if let Some(stored) = extensions.get::<FormattedFields<JsonFields>>() {
                let members = stored
                    .trim()
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                    .unwrap_or("")
                    .trim();
                if !members.is_empty() {
                    writer.write_str(members)?;
                    writer.write_char(',')?;
                }
            }
            writer.write_str("\"name\":")?;
            json_text::write_str(&mut writer, span.metadata().name())?;
            writer.write_char('}')?;
        }
        writer.write_str("}\n")
    }
}

/// Writes an event's fields as JSON members, in the order the event records them.
struct FieldsVisitor<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
}

impl FieldsVisitor<'_, '_> {
    fn member(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        self.result = (|| {
            if !self.first {
                self.writer.write_char(',')?;
            }
            self.first = false;
            json_text::write_str(self.writer, field.name())?;
            self.writer.write_char(':')?;
            value(self.writer)
        })();
    }
}

impl Visit for FieldsVisitor<'_, '_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // As serde_json writes a float: shortest round-trip digits, `null` if not finite.
        self.member(field, |w| {
            if value.is_finite() {
                w.write_str(zmij::Buffer::new().format_finite(value))
            } else {
                w.write_str("null")
            }
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, |w| {
            if value < 0 {
                w.write_char('-')?;
            }
            json_text::write_u64(w, value.unsigned_abs())
        });
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, |w| json_text::write_u64(w, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, |w| w.write_str(if value { "true" } else { "false" }));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, |w| json_text::write_str(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, |w| {
            w.write_char('"')?;
            write!(Escaping(&mut *w), "{value:?}")?;
            w.write_char('"')
        });
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::JsonLine;

    /// Keeps what the subscriber writes.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Kept {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("kept").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Kept {
        type Writer = Kept;
        fn make_writer(&'a self) -> Kept {
            self.clone()
        }
    }

    /// Events of every field type, escapes and Unicode, in and out of spans (one recorded
    /// after it was opened), as lines, formatted by `subscriber`.
    fn log_all(subscriber: impl tracing::Subscriber + Send + Sync) {
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("outside any span");
            tracing::warn!(
                count = 3u64,
                delta = -7i64,
                zero = 0u64,
                ten = 10i64,
                most = u64::MAX,
                least = i64::MIN,
                below_zero = -1i64,
                ratio = 0.25,
                whole = 2.0,
                huge = 1e300,
                not_a_number = f64::NAN,
                ok = true,
                text = "quote \" backslash \\ newline \n tab \t bell \u{7} del \u{7f} crab 🦀",
                shown = %"display: é \r\n",
                debugged = ?vec!["a", "b\"c"],
                big = 1u128 << 100,
                "a message with {} and \"quotes\"", "arguments"
            );
            let request = tracing::info_span!(
                "request",
                correlation_id = %"0f8c7d1e-0000-4000-8000-000000000000",
                method = %"GET",
                path = %"/customers/4?q=\"x\"",
            );
            request.in_scope(|| {
                tracing::error!(
                    status = 500u16,
                    chain = "a -> b",
                    sql = "",
                    "request failed"
                );
                let inner = tracing::info_span!("inner", zeta = 1, alpha = "first");
                inner.in_scope(|| tracing::info!(answer = 42, "in the inner span"));
                inner.record("alpha", "recorded later");
                inner.in_scope(|| tracing::info!("after a record"));
                let empty = tracing::info_span!("no_fields");
                empty.in_scope(|| tracing::info!("in a span without fields"));
                // An explicit parent other than the current span.
                tracing::info!(parent: &inner, "with an explicit parent");
            });
            let failure: &(dyn std::error::Error + 'static) = &std::fmt::Error;
            tracing::error!(
                error = failure,
                small = -(1i128 << 100),
                negative_zero = -0.0,
                infinite = f64::INFINITY,
                tiny = 5e-324,
                "error, i128 and odd floats"
            );
            tracing::info!(
                target: "a \"quoted\" target",
                r#type = "a raw identifier",
                "a quoted target"
            );
        });
    }

    fn lines(kept: &Kept) -> Vec<String> {
        let bytes = kept.0.lock().expect("kept").clone();
        String::from_utf8(bytes)
            .expect("utf-8")
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Drops the timestamp, the one member that differs between two runs.
    fn without_timestamp(line: &str) -> String {
        let after = line.find("\",\"level\"").expect("a timestamp");
        line[after..].to_string()
    }

    #[test]
    fn writes_the_lines_tracing_subscribers_json_format_writes() {
        let stock = Kept::default();
        log_all(
            tracing_subscriber::fmt()
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(stock.clone())
                .finish(),
        );
        let ours = Kept::default();
        log_all(
            tracing_subscriber::fmt()
                .json()
                .event_format(JsonLine)
                .with_writer(ours.clone())
                .finish(),
        );
        let (stock, ours) = (lines(&stock), lines(&ours));
        assert_eq!(stock.len(), 9, "{stock:#?}");
        assert_eq!(ours.len(), stock.len(), "{ours:#?}");
        for (ours, stock) in ours.iter().zip(&stock) {
            serde_json::from_str::<serde_json::Value>(ours).expect("valid JSON");
            assert_eq!(without_timestamp(ours), without_timestamp(stock));
            assert!(ours.starts_with("{\"timestamp\":\"20"), "{ours}");
        }
    }
}
