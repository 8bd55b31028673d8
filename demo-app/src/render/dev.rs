//! DELIBERATE (the dev mode's lesson, CWE-209 / CWE-200): the careless debug renderer.
//! It answers with everything a developer could want and an attacker should never see:
//! the cause chain, panic message and source location, backtrace, SQL text, the driver's
//! own error dump, engine and crate versions, the settings with their secrets, the
//! environment and the request headers. Real frameworks ship pages like this (Django's
//! technical 500, Rails' and Laravel's debug pages); this one is built from the same
//! `AppError` that prod renders safely.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use serde::Serialize;

use super::ErrorReport;
use super::html::escape;
use crate::build_info;
use crate::settings::ENV_PREFIX;

/// Environment variables dumped besides the app's own `DEMO_APP_*` ones.
const DUMPED_ENV: &[&str] = &["RUST_LOG", "RUST_BACKTRACE", "USER", "HOME", "HOSTNAME"];

#[derive(Debug, Serialize)]
pub struct DebugReport {
    pub status: u16,
    pub error: String,
    pub kind: String,
    pub chain: Vec<String>,
    pub panic: Option<PanicView>,
    pub sql: Option<String>,
    pub driver_error: Option<String>,
    pub backtrace: Vec<String>,
    pub database: DatabaseView,
    pub versions: BTreeMap<&'static str, &'static str>,
    pub settings: BTreeMap<&'static str, String>,
    pub environment: BTreeMap<String, String>,
    pub process: ProcessView,
    pub request: RequestView,
    pub correlation_id: String,
}

#[derive(Debug, Serialize)]
pub struct PanicView {
    pub message: String,
    pub location: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DatabaseView {
    pub engine: &'static str,
    pub version: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct ProcessView {
    pub pid: u32,
    pub executable: String,
    pub working_directory: String,
}

#[derive(Debug, Serialize)]
pub struct RequestView {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: BTreeMap<String, String>,
}

impl DebugReport {
    pub fn new(report: &ErrorReport<'_>, status: StatusCode) -> DebugReport {
        let error = report.error;
        let state = report.state;
        let backtrace = error.backtrace_lines();
        let environment = std::env::vars()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) || DUMPED_ENV.contains(&k.as_str()))
            .collect();
        let headers = report
            .request
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_string(), value)
            })
            .collect();
        DebugReport {
            status: status.as_u16(),
            error: error.to_string(),
            kind: format!("{:?}", error.kind),
            chain: error.chain(),
            panic: error.panic.as_ref().map(|p| PanicView {
                message: p.message.clone(),
                location: p.location.clone(),
            }),
            sql: error.sql.clone(),
            driver_error: error.driver_debug.clone(),
            backtrace,
            database: DatabaseView {
                engine: state.db.engine(),
                version: state.db.engine_version.clone(),
                url: state.settings.database_url.clone(),
            },
            versions: build_info::versions().into_iter().collect(),
            settings: state.settings.dump(),
            environment,
            process: ProcessView {
                pid: std::process::id(),
                executable: std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                working_directory: std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            },
            request: RequestView {
                method: report.request.method().to_string(),
                path: report.request.path().to_string(),
                query: report.request.query_string().to_string(),
                headers,
            },
            correlation_id: report.correlation_id.to_string(),
        }
    }
}

pub fn json_body(report: &DebugReport) -> HttpResponse {
    HttpResponse::build(status_of(report)).json(report)
}

/// The technical error page for browsers, in the spirit of Django's.
pub fn html_page(report: &DebugReport) -> HttpResponse {
    let mut page = String::with_capacity(16 * 1024);
    page.push_str(&format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{status} {error}</title>\n<style>{CSS}</style></head>\n<body>\n\
         <header><h1>{kind} at {path}</h1><p class=\"error\">{error}</p>\
         <p>Request id <code>{id}</code></p></header>\n",
        status = report.status,
        kind = escape(&report.kind),
        path = escape(&report.request.path),
        error = escape(&report.error),
        id = escape(&report.correlation_id),
    ));
    if let Some(panic) = &report.panic {
        let location = panic.location.as_deref().unwrap_or("unknown location");
        section_pre(
            &mut page,
            "Panic",
            &format!("panicked at {location}:\n{}", panic.message),
        );
    }
    section_pre(&mut page, "Cause chain", &report.chain.join("\n"));
    if let Some(sql) = &report.sql {
        section_pre(&mut page, "SQL", sql);
    }
    if let Some(driver) = &report.driver_error {
        section_pre(&mut page, "Database driver error", driver);
    }
    if !report.backtrace.is_empty() {
        section_pre(&mut page, "Backtrace", &report.backtrace.join("\n"));
    }
    let database = [
        ("engine", report.database.engine.to_string()),
        ("version", report.database.version.clone()),
        ("url", report.database.url.clone()),
    ];
    section_table(&mut page, "Database", database.iter().map(pair_ref));
    section_table(
        &mut page,
        "Versions",
        report.versions.iter().map(|(k, v)| (*k, *v)),
    );
    section_table(
        &mut page,
        "Settings",
        report.settings.iter().map(|(k, v)| (*k, v.as_str())),
    );
    section_table(
        &mut page,
        "Environment",
        report
            .environment
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let process = [
        ("pid", report.process.pid.to_string()),
        ("executable", report.process.executable.clone()),
        (
            "working directory",
            report.process.working_directory.clone(),
        ),
    ];
    section_table(&mut page, "Process", process.iter().map(pair_ref));
    let request = [
        ("method", report.request.method.clone()),
        ("path", report.request.path.clone()),
        ("query", report.request.query.clone()),
    ];
    section_table(&mut page, "Request", request.iter().map(pair_ref));
    section_table(
        &mut page,
        "Request headers",
        report
            .request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    page.push_str(
        "<footer>You are seeing this page because demo-app runs with mode = dev. \
         Never ship it.</footer>\n</body></html>\n",
    );
    HttpResponse::build(status_of(report))
        .content_type(ContentType::html())
        .body(page)
}

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#111}\
header{background:#ffc;padding:1em 2em;border-bottom:2px solid #cc9}\
section{padding:.5em 2em}h2{font-size:1.1em;border-bottom:1px solid #ddd}\
pre{background:#f6f6f6;padding:1em;overflow-x:auto}td{padding:.1em 1em .1em 0;vertical-align:top}\
td:first-child{font-weight:bold}footer{padding:1em 2em;color:#555}";

fn pair_ref<'a>((key, value): &'a (&'static str, String)) -> (&'a str, &'a str) {
    (key, value.as_str())
}

fn status_of(report: &DebugReport) -> StatusCode {
    StatusCode::from_u16(report.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn section_pre(page: &mut String, title: &str, text: &str) {
    page.push_str(&format!(
        "<section><h2>{}</h2><pre>{}</pre></section>\n",
        escape(title),
        escape(text)
    ));
}

fn section_table<'a>(
    page: &mut String,
    title: &str,
    rows: impl Iterator<Item = (&'a str, &'a str)>,
) {
    page.push_str(&format!("<section><h2>{}</h2><table>", escape(title)));
    for (key, value) in rows {
        page.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            escape(key),
            escape(value)
        ));
    }
    page.push_str("</table></section>\n");
}
