//! `harness audit`: the error-handling compliance audit of demo-app (each mode) or of any
//! HTTP(S) service (`--target`), as a control table, evidence JSON, SARIF, Markdown or HTML.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{Error, Outcome, Verdict};
use super::shared::{self, pick_backends};
use super::{BackendArg, ModeArg};
use crate::audit::controls::Selection;
use crate::audit::evidence::ConfigEvidence;
use crate::audit::logs::Logs;
use crate::audit::{self, Document, Options, Run, Subject};
use crate::fuzz::check::Profile;
use crate::fuzz::source;
use crate::report::{self, style::Style};
use crate::runner::http;
use crate::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Audit a service that is already running (http:// or https://) instead of demo-app.
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// The target's OpenAPI 3 / Swagger 2 document, a file or URL [default: TARGET/openapi.json when it answers].
    #[arg(long, value_name = "FILE|URL", requires = "target")]
    spec: Option<String>,
    /// Accept a self-signed or otherwise invalid TLS certificate.
    #[arg(long)]
    insecure: bool,
    /// Which modes of demo-app (without --target).
    #[arg(long, value_enum, default_value_t = ModeArg::All)]
    mode: ModeArg,
    /// Which backends for demo-app [default: sqlite]
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Fuzzed inputs per target, 0 to 100000 (shrinking adds at most 8 per bucket found).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    budget: u32,
    /// Which control catalogues to report on.
    #[arg(long, value_enum, default_value_t = ControlsArg::All)]
    controls: ControlsArg,
    /// The operator's error-handling configuration file, attached with its SHA-256 (with --target).
    #[arg(long, value_name = "FILE", requires = "target")]
    config_evidence: Option<PathBuf>,
    /// The target's log file, read after the requests: tests 16.3.4, 16.4.1, 16.2.1 (with --target).
    #[arg(long, value_name = "FILE", requires = "target")]
    logs: Option<PathBuf>,
    /// A docs or monitoring path that is public on purpose (repeatable), e.g. /healthz.
    #[arg(long = "allow-path", value_name = "PATH")]
    allow_paths: Vec<String>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    format: AuditFormat,
    /// Also write the document to FILE, in the format its extension names (.html, .md,
    /// .json, .sarif); beside an .html or .md, the evidence JSON it is hashed from.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The same seed sends the same fuzzed inputs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Time bound per target (battery, fuzzing, shrinking), 5 to 3600 seconds.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(5..=3600))]
    max_seconds: u64,
    /// Timeout per exchange, headers and body, 100 to 120000 ms.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=120_000))]
    timeout_ms: u64,
    /// Requests in flight at once, 1 to 32.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=32))]
    concurrency: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ControlsArg {
    Asvs5,
    Asvs4,
    Nist,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AuditFormat {
    Text,
    Json,
    Sarif,
    Md,
    Html,
}

/// Longest body kept per answer.
const BODY_CAP: usize = 256 * 1024;

pub fn run(args: &AuditArgs, scenarios: &[Scenario]) -> Outcome {
    if let Some(url) = &args.target {
        shared::check_target_url(url)?;
    }
    let report_format = args
        .report
        .as_deref()
        .map(format_of)
        .transpose()
        .map_err(Error::usage)?;
    for path in &args.allow_paths {
        if !path.starts_with('/') {
            return Err(Error::usage(format!(
                "--allow-path `{path}` must start with `/`, e.g. /healthz"
            )));
        }
    }
    let config = match &args.config_evidence {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::usage(format!(
                    "cannot read --config-evidence {}: {e}",
                    path.display()
                ))
            })?;
            Some(ConfigEvidence::of(
                &format!("the operator's file {}", path.display()),
                &bytes,
            ))
        }
        None => None,
    };
    if let Some(path) = &args.logs {
        std::fs::metadata(path)
            .map_err(|e| Error::usage(format!("cannot read --logs {}: {e}", path.display())))?;
    }
    let client = http::client_with(args.insecure)
        .map_err(|e| Error::runtime("cannot build the HTTP client").caused_by(e))?;
    let options = Options {
        budget: args.budget as usize,
        seed: args.seed,
        concurrency: usize::from(args.concurrency),
        exchange_timeout: Duration::from_millis(args.timeout_ms),
        max_duration: Duration::from_secs(args.max_seconds),
        body_cap: BODY_CAP,
        allow_paths: args.allow_paths.clone(),
        selection: match args.controls {
            ControlsArg::Asvs5 => Selection::Asvs5,
            ControlsArg::Asvs4 => Selection::Asvs4,
            ControlsArg::Nist => Selection::Nist,
            ControlsArg::All => Selection::All,
        },
        insecure: args.insecure,
    };
    let runtime = shared::runtime()?;
    let generated_at = audit::evidence::now_rfc3339();
    let runs = runtime.block_on(async {
        match &args.target {
            Some(url) => audit_target(args, url, &client, &options, config)
                .await
                .map(|run| vec![run]),
            None => audit_lab(args, scenarios, &client, &options).await,
        }
    })?;
    let document = Document::new(runs, &options, generated_at);
    let rendered = render(&document, args.format)
        .map_err(|e| Error::runtime(format!("cannot render the audit: {e}")))?;
    out!("{rendered}");
    if let (Some(path), Some(format)) = (&args.report, report_format) {
        write(path, format, &document)?;
    }
    Ok(Verdict::failed_if(document.failed()))
}

fn format_of(path: &Path) -> Result<AuditFormat, String> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => Ok(AuditFormat::Html),
        Some("md" | "markdown") => Ok(AuditFormat::Md),
        Some("json") => Ok(AuditFormat::Json),
        Some("sarif") => Ok(AuditFormat::Sarif),
        _ => Err(format!(
            "--report {}: the extension names the format: .html, .md, .json or .sarif",
            path.display()
        )),
    }
}

fn render(document: &Document, format: AuditFormat) -> Result<String, String> {
    Ok(match format {
        AuditFormat::Text => report::audit::text(document, Style::detect()),
        AuditFormat::Json => report::audit::json(document),
        AuditFormat::Sarif => {
            serde_json::to_string_pretty(&report::audit::sarif(document))
                .map_err(|e| e.to_string())?
                + "\n"
        }
        AuditFormat::Md => report::audit_doc::markdown(document),
        AuditFormat::Html => report::audit_doc::html(document).map_err(|e| e.to_string())?,
    })
}

/// Writes the document, and beside an HTML or Markdown one the JSON its hash is over.
fn write(path: &Path, format: AuditFormat, document: &Document) -> Result<(), Error> {
    let fail =
        |path: &Path, e: String| Error::runtime(format!("could not write {}: {e}", path.display()));
    let text = render(document, format).map_err(|e| fail(path, e))?;
    std::fs::write(path, text).map_err(|e| fail(path, e.to_string()))?;
    eprintln!("report written to {}", path.display());
    if matches!(format, AuditFormat::Html | AuditFormat::Md) {
        let json_path = path.with_extension("evidence.json");
        std::fs::write(&json_path, report::audit::json(document))
            .map_err(|e| fail(&json_path, e.to_string()))?;
        eprintln!(
            "evidence JSON written to {} (sha256 {})",
            json_path.display(),
            report::audit::json_sha256(document)
        );
    }
    Ok(())
}

async fn audit_lab(
    args: &AuditArgs,
    scenarios: &[Scenario],
    client: &reqwest::Client,
    options: &Options,
) -> Result<Vec<Run>, Error> {
    let app = shared::own_app_command()?;
    let backends = match args.backend {
        None => vec![crate::scenario::BackendName::Sqlite],
        requested => pick_backends(requested, false).await?,
    };
    let mut runs = Vec::new();
    for backend in &backends {
        for mode in args.mode.modes() {
            eprintln!("auditing demo-app {}/{}…", mode.as_str(), backend.as_str());
            let run = audit::lab::audit_app(&app, mode, *backend, scenarios, client, options)
                .await
                .map_err(|e| Error::runtime(format!("{e:#}")))?;
            runs.push(run);
        }
    }
    Ok(runs)
}

async fn audit_target(
    args: &AuditArgs,
    url: &str,
    client: &reqwest::Client,
    options: &Options,
    config: Option<ConfigEvidence>,
) -> Result<Run, Error> {
    let base_url = url.trim_end_matches('/').to_string();
    shared::reach(client, &base_url, options.exchange_timeout).await?;
    let api = match &args.spec {
        Some(source) => Some(source::load(source, client).await?),
        // Without --spec, the usual place; a service without one gets the battery alone.
        None => source::load(&format!("{base_url}/openapi.json"), client)
            .await
            .ok(),
    };
    let logs_path = args.logs.clone();
    let read_logs = move || {
        let path = logs_path.as_ref()?;
        let text = std::fs::read(path).ok()?;
        Some(Logs {
            source: format!("the log file {}", path.display()),
            lines: String::from_utf8_lossy(&text)
                .lines()
                .map(str::to_string)
                .collect(),
        })
    };
    let subject = Subject {
        name: base_url.clone(),
        base_url: base_url.clone(),
        client: client.clone(),
        mode: None,
        backend: None,
        api,
        extra: Vec::new(),
        liveness_path: "/".to_string(),
        logs: Some(&read_logs),
        config,
        profile: Profile::Generic,
    };
    eprintln!("auditing {base_url}…");
    Ok(audit::audit(&subject, options).await)
}
