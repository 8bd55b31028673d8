//! `harness scan`: the leak audit on a saved response of any service.

use std::io::{IsTerminal as _, Read as _};

use super::ScanFormat;
use super::error::{Error, Outcome, Verdict};
use crate::leaks;
use crate::report::style::Style;

/// Audits a saved response (or a bare body) from a file or stdin.
pub fn run(file: &str, format: ScanFormat) -> Outcome {
    let mut raw = Vec::new();
    let read = if file == "-" {
        if std::io::stdin().is_terminal() {
            // Otherwise the command would sit there silently, waiting.
            eprintln!(
                "reading a response from standard input; end it with Ctrl-D.\n  = help: save one first with `curl -si URL > saved-response.txt`, then `harness scan saved-response.txt`"
            );
        }
        std::io::stdin().read_to_end(&mut raw).map(|_| ())
    } else {
        std::fs::read(file).map(|bytes| raw = bytes)
    };
    read.map_err(|e| Error::usage(format!("cannot read {file}: {e}")))?;
    let saved = leaks::read_saved(&raw);
    if let Some(not_text) = &saved.not_text {
        let hint = if not_text.compressed && saved.has_head {
            "save the response decompressed: `curl -si --compressed URL > saved-response.txt`"
        } else if not_text.compressed {
            "decompress it first (`gunzip -c FILE | harness scan -`), or save the response with `curl -si --compressed URL > saved-response.txt`"
        } else {
            "harness scan reads text: a saved HTTP response (`curl -si URL > saved-response.txt`) or a body"
        };
        let what = format!("{} ({} bytes)", not_text.what, not_text.bytes);
        if !saved.has_head {
            return Err(
                Error::usage(format!("{file} is not text: {what}; nothing was scanned"))
                    .with_help(hint),
            );
        }
        eprintln!(
            "note: the body of {file} is not text: {what}; only the status line and headers were scanned\n  = help: {hint}"
        );
    }
    let findings = leaks::scan(&leaks::Response {
        headers: &saved.headers,
        body: &saved.body,
    });
    match format {
        ScanFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&findings).unwrap_or_default()
        ),
        ScanFormat::Sarif => outln!(
            "{}",
            serde_json::to_string_pretty(&crate::report::sarif::from_scan(file, &findings))
                .unwrap_or_default()
        ),
        ScanFormat::Text => {
            let style = Style::detect();
            for f in &findings {
                let rule = leaks::rule(f.rule);
                let title = rule.map_or("", |r| r.title);
                let place = if f.location == "body" {
                    format!("body@{}", f.offset)
                } else {
                    f.location.clone()
                };
                outln!(
                    "{} {:?} {} ({title}) at {place}\n    {}",
                    style.red("leak"),
                    f.severity,
                    f.rule,
                    style.yellow(&f.evidence)
                );
            }
            outln!("{} finding(s)", findings.len());
        }
    }
    Ok(Verdict::failed_if(!findings.is_empty()))
}
