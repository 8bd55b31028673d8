//! `harness audit`: the error-handling compliance audit of demo-app (each mode) or of any
//! HTTP(S) service (`--target`), as a control table, evidence JSON, SARIF, Markdown or HTML.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use super::run::{own_app_command, pick_backends, runtime};
use super::{BackendArg, EXIT_FAILED, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, ModeArg};
use crate::audit::controls::Selection;
use crate::audit::evidence::ConfigEvidence;
use crate::audit::logs::Logs;
use crate::audit::{self, Document, Options, Run, Subject};
use crate::fuzz::check::Profile;
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

pub fn run(args: &AuditArgs, scenarios: &[Scenario]) -> ExitCode {
    if let Some(url) = &args.target
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        eprintln!(
            "error: --target `{url}` is not an http:// or https:// URL\n  = help: e.g. --target https://127.0.0.1:8443"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let report_format = match args.report.as_deref().map(format_of) {
        Some(Err(message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
        Some(Ok(format)) => Some(format),
        None => None,
    };
    for path in &args.allow_paths {
        if !path.starts_with('/') {
            eprintln!("error: --allow-path `{path}` must start with `/`, e.g. /healthz");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let config = match &args.config_evidence {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Some(ConfigEvidence::of(
                &format!("the operator's file {}", path.display()),
                &bytes,
            )),
            Err(e) => {
                eprintln!(
                    "error: cannot read --config-evidence {}: {e}",
                    path.display()
                );
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => None,
    };
    if let Some(path) = &args.logs
        && let Err(e) = std::fs::metadata(path)
    {
        eprintln!("error: cannot read --logs {}: {e}", path.display());
        return ExitCode::from(EXIT_USAGE);
    }
    let client = match http::client_with(args.insecure) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("error: cannot build the HTTP client: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
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
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let generated_at = audit::evidence::now_rfc3339();
    let runs = runtime.block_on(async {
        match &args.target {
            Some(url) => audit_target(args, url, &client, &options, config)
                .await
                .map(|run| vec![run]),
            None => audit_lab(args, scenarios, &client, &options).await,
        }
    });
    let runs = match runs {
        Ok(runs) => runs,
        Err((code, message)) => {
            eprintln!("error: {message}");
            return ExitCode::from(code);
        }
    };
    let document = Document::new(runs, &options, generated_at);
    let rendered = match render(&document, args.format) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot render the audit: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    out!("{rendered}");
    if let (Some(path), Some(format)) = (&args.report, report_format)
        && let Err(code) = write(path, format, &document)
    {
        return code;
    }
    ExitCode::from(if document.failed() {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
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
fn write(path: &Path, format: AuditFormat, document: &Document) -> Result<(), ExitCode> {
    let fail = |path: &Path, e: String| {
        eprintln!("error: could not write {}: {e}", path.display());
        ExitCode::from(EXIT_RUNTIME)
    };
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

type Failure = (u8, String);

async fn audit_lab(
    args: &AuditArgs,
    scenarios: &[Scenario],
    client: &reqwest::Client,
    options: &Options,
) -> Result<Vec<Run>, Failure> {
    let app = own_app_command().map_err(|_| {
        (
            EXIT_RUNTIME,
            "cannot find the harness executable".to_string(),
        )
    })?;
    let backends = match args.backend {
        None => vec![crate::scenario::BackendName::Sqlite],
        requested => pick_backends(requested, false)
            .await
            .map_err(|e| (EXIT_RUNTIME, e))?,
    };
    let mut runs = Vec::new();
    for backend in &backends {
        for mode in args.mode.modes() {
            eprintln!("auditing demo-app {}/{}…", mode.as_str(), backend.as_str());
            let run = audit::lab::audit_app(&app, mode, *backend, scenarios, client, options)
                .await
                .map_err(|e| (EXIT_RUNTIME, format!("{e:#}")))?;
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
) -> Result<Run, Failure> {
    let base_url = url.trim_end_matches('/').to_string();
    if let Err(e) = client
        .get(&base_url)
        .timeout(options.exchange_timeout)
        .send()
        .await
    {
        let cause = http::describe_transport_error(&e);
        let hint = if cause.contains("certificate") {
            "\n  = help: a self-signed test server? pass --insecure"
        } else {
            ""
        };
        return Err((
            EXIT_RUNTIME,
            format!("cannot reach {base_url}: {cause}{hint}"),
        ));
    }
    let api = match &args.spec {
        Some(source) => Some(load_spec(source, client).await?),
        // Without --spec, the usual place; a service without one gets the battery alone.
        None => load_spec(&format!("{base_url}/openapi.json"), client)
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

async fn load_spec(
    source: &str,
    client: &reqwest::Client,
) -> Result<crate::fuzz::spec::Api, Failure> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let response = client.get(source).send().await.map_err(|e| {
            (
                EXIT_RUNTIME,
                format!(
                    "cannot fetch the spec {source}: {}",
                    http::describe_transport_error(&e)
                ),
            )
        })?;
        if !response.status().is_success() {
            return Err((
                EXIT_USAGE,
                format!(
                    "the spec {source} answered {}\n  = help: give the document with --spec FILE|URL",
                    response.status()
                ),
            ));
        }
        response
            .text()
            .await
            .map_err(|e| (EXIT_RUNTIME, format!("cannot read the spec {source}: {e}")))?
    } else {
        std::fs::read_to_string(source)
            .map_err(|e| (EXIT_USAGE, format!("cannot read the spec {source}: {e}")))?
    };
    crate::fuzz::spec::parse(&text)
        .map_err(|e| (EXIT_USAGE, format!("the spec {source} is not usable: {e}")))
}
