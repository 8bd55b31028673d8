//! `harness fuzz`: find crash inputs from an OpenAPI 3 or Swagger 2 description, against
//! demo-app in each mode and backend, or against any HTTP(S) service given with `--target`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::{Error, Outcome, Verdict};
use super::fuzz_progress::Ticker;
use super::shared::{self, pick_backends};
use super::{BackendArg, ModeArg};
use crate::fuzz::check::Profile;
use crate::fuzz::spec::Api;
use crate::fuzz::{self, FuzzRun, Options, Progress, regressions, source};
use crate::report::{self, style::Style};
use crate::runner::serve::Served;
use crate::runner::{AppCommand, http, process_exit};
use crate::scenario::{BackendName, ModeName};

#[derive(Debug, clap::Args)]
pub struct FuzzArgs {
    /// Operations to fuzz, as globs on `METHOD /route` or `/route` (`/search`, `GET /books/*`);
    /// all when none is given.
    patterns: Vec<String>,
    /// Which modes of demo-app (ignored with --target).
    #[arg(long, value_enum, default_value_t = ModeArg::Both)]
    mode: ModeArg,
    /// Which backends for demo-app [default: sqlite, plus postgres when reachable]
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Fuzz a service that is already running (http:// or https://) instead of demo-app.
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// The OpenAPI 3.x or Swagger 2.0 document (JSON), a file or an http(s) URL
    /// [default: TARGET/openapi.json].
    #[arg(long, value_name = "FILE|URL")]
    spec: Option<String>,
    /// Requests per run, 1 to 1000000 (shrinking is extra).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    requests: u32,
    /// The bound of each run (each mode and backend), shrinking and its result included,
    /// 1 to 3600. Sending new inputs stops at three quarters of it; shrinking then gets a
    /// third of the time sending took (at least 2 s), never past the bound. A run ends
    /// within this bound (a request in flight is cut at it).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// The longest one request may take, body included, in seconds, 1 to 600. A timeout is
    /// an observation (it fails `response_time`, and `responded` when no headers came),
    /// never a stall. Bodies are read up to 1 MiB; the rest is not read.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout: u64,
    /// The same seed sends the same inputs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Requests in flight at once, 1 to 64.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=64))]
    concurrency: u8,
    /// A response slower than this many milliseconds fails `response_time`.
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    time_limit_ms: u64,
    /// Accept a self-signed or otherwise invalid TLS certificate.
    #[arg(long)]
    insecure: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FuzzFormat::Text)]
    format: FuzzFormat,
    /// Also write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Where failing inputs are kept and replayed from [default: SCENARIOS/.fuzz-regressions].
    /// The folder gets a `.gitignore` of its own, so git never lists what it holds.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FuzzFormat {
    Text,
    Json,
    /// SARIF 2.1.0 for code scanning (the severe buckets).
    Sarif,
}

/// Most requests spent shrinking one bucket's input.
const SHRINK_STEPS: usize = 48;
/// The most body bytes read and checked per response.
const BODY_CAP: usize = 1024 * 1024;

pub fn run(args: &FuzzArgs, scenarios_root: &Path) -> Outcome {
    let started = Instant::now();
    if let Some(url) = &args.target {
        shared::check_target_url(url)?;
    }
    let client = http::client_with(args.insecure)
        .map_err(|e| Error::runtime("cannot build the HTTP client").caused_by(e))?;
    let options = Options {
        requests: args.requests as usize,
        max_duration: Duration::from_secs(args.seconds),
        seed: args.seed,
        concurrency: usize::from(args.concurrency),
        time_limit: Duration::from_millis(args.time_limit_ms),
        request_timeout: Duration::from_secs(args.request_timeout),
        body_cap: BODY_CAP,
        shrink_steps: SHRINK_STEPS,
        insecure: args.insecure,
    };
    let save_dir = args
        .save
        .clone()
        .unwrap_or_else(|| scenarios_root.join(".fuzz-regressions"));
    shared::check_report_path(args.report.as_deref())?;
    let runs = shared::runtime()?.block_on(async {
        match &args.target {
            Some(url) => fuzz_target(args, url, &client, &options, &save_dir).await,
            None => fuzz_the_lab_app(args, &client, &options, &save_dir).await,
        }
    })?;
    match args.format {
        FuzzFormat::Text => outln!("{}", report::fuzz::summary(&runs, started.elapsed())),
        FuzzFormat::Json => outln!("{}", report::fuzz::json(&runs)),
        FuzzFormat::Sarif => outln!(
            "{}",
            serde_json::to_string_pretty(&report::sarif::from_fuzz(&runs)).unwrap_or_default()
        ),
    }
    if let Some(path) = &args.report {
        shared::write_report(path, report::fuzz_html::render(&runs))?;
    }
    let died = runs.iter().any(|r| r.app_died.is_some());
    let severe = runs.iter().flat_map(|r| &r.buckets).any(|b| b.is_severe());
    Ok(Verdict::failed_if(died || severe))
}

async fn fuzz_the_lab_app(
    args: &FuzzArgs,
    client: &reqwest::Client,
    options: &Options,
    save_dir: &Path,
) -> Result<Vec<FuzzRun>, Error> {
    let app = shared::own_app_command()?;
    let backends = pick_backends(args.backend, false).await?;
    let modes = args.mode.modes();
    let file = regressions::file_for(save_dir, "demo-app");
    let replay = regressions::load(&file).map_err(Error::usage)?;
    let mut runs = Vec::new();
    for backend in &backends {
        for mode in &modes {
            let run = fuzz_one_app(&app, *mode, *backend, args, client, options, &replay).await?;
            print_run(args, &run);
            runs.push(run);
        }
    }
    save(&file, &runs);
    Ok(runs)
}

async fn fuzz_one_app(
    app: &AppCommand,
    mode: ModeName,
    backend: BackendName,
    args: &FuzzArgs,
    client: &reqwest::Client,
    options: &Options,
    replay: &[regressions::Saved],
) -> Result<FuzzRun, Error> {
    let served = Served::start(app, mode, backend)
        .await
        .map_err(|e| Error::runtime(format!("{e:#}")))?;
    let base_url = served.app.base_url.clone();
    let spec = match &args.spec {
        Some(spec) => spec.clone(),
        None => format!("{base_url}/openapi.json"),
    };
    let api = match source::load(&spec, client).await {
        Ok(api) => source::select(api, &args.patterns),
        Err(e) => Err(e),
    };
    let api = match api {
        Ok(api) => api,
        Err(e) => {
            let _ = served.stop().await;
            return Err(e.into());
        }
    };
    let class_of = |id: &str| served.logged_class(id);
    let exited = || {
        let exit = served.app.exited()?;
        let stderr = served.app.log_lines();
        let last_words = process_exit::last_words(&stderr);
        Some(fuzz::AppDeath {
            status: process_exit::status_of(&exit),
            failure_class: process_exit::without_json_logs(&stderr)
                .iter()
                .rev()
                .find_map(|line| crate::app::class_of_last_words(line.trim()))
                .map(str::to_string),
            last_words,
            after_requests: 0,
            dropped: Vec::new(),
        })
    };
    let target = fuzz::Target {
        base_url,
        // The app stops when the run ends: the lines point where it listens when
        // started by hand, and the run says how.
        repro_base_url: crate::app::DEFAULT_BASE_URL.to_string(),
        client: client.clone(),
        profile: match mode {
            ModeName::Prod => Profile::ProblemDetails,
            ModeName::Dev | ModeName::Bare => Profile::Careless,
        },
        class_of: Some(&class_of),
        exited: Some(&exited),
    };
    let name = format!("{}/{}", mode.as_str(), backend.as_str());
    eprintln!(
        "fuzzing {name} ({} operations, {})…",
        api.operations.len(),
        api.dialect
    );
    let mut run = run_with_progress(&api, &target, options, replay, name).await;
    run.mode = Some(mode);
    run.backend = Some(backend);
    run.repro_note = Some(format!(
        "the curl lines expect demo-app on {}: start it with {}",
        crate::app::DEFAULT_BASE_URL,
        crate::app::start_line(mode, backend)
    ));
    served
        .stop()
        .await
        .map_err(|e| Error::runtime(format!("{e:#}")))?;
    Ok(run)
}

async fn fuzz_target(
    args: &FuzzArgs,
    url: &str,
    client: &reqwest::Client,
    options: &Options,
    save_dir: &Path,
) -> Result<Vec<FuzzRun>, Error> {
    let base_url = url.trim_end_matches('/').to_string();
    shared::reach(client, &base_url, options.request_timeout).await?;
    let spec = args
        .spec
        .clone()
        .unwrap_or_else(|| format!("{base_url}/openapi.json"));
    let api = source::select(source::load(&spec, client).await?, &args.patterns)?;
    let name = base_url
        .split("://")
        .nth(1)
        .unwrap_or(&base_url)
        .to_string();
    let file = regressions::file_for(save_dir, &name);
    let replay = regressions::load(&file).map_err(Error::usage)?;
    let target = fuzz::Target {
        repro_base_url: base_url.clone(),
        base_url,
        client: client.clone(),
        profile: Profile::Generic,
        class_of: None,
        exited: None,
    };
    eprintln!(
        "fuzzing {} ({} operations, {})…",
        target.base_url,
        api.operations.len(),
        api.dialect
    );
    let run = run_with_progress(&api, &target, options, &replay, target.base_url.clone()).await;
    print_run(args, &run);
    let runs = vec![run];
    save(&file, &runs);
    Ok(runs)
}

/// One engine run with its live line on stderr.
async fn run_with_progress(
    api: &Api,
    target: &fuzz::Target<'_>,
    options: &Options,
    replay: &[regressions::Saved],
    name: String,
) -> FuzzRun {
    let progress = Arc::new(Progress::default());
    let ticker = Ticker::start(
        Arc::clone(&progress),
        name,
        options.requests,
        options.max_duration,
    );
    let run = fuzz::run(api, target, options, replay, &progress).await;
    ticker.done();
    run
}

fn print_run(args: &FuzzArgs, run: &FuzzRun) {
    if args.format == FuzzFormat::Text {
        outln!("{}", report::fuzz::text(run, Style::detect()));
    }
}

/// Keeps each severe bucket's smallest input for the next run; a failure to write is said,
/// not fatal (the results are on screen).
fn save(file: &Path, runs: &[FuzzRun]) {
    let found = regressions::severe(runs);
    match regressions::save(file, &found) {
        Ok(0) => {}
        Ok(n) => eprintln!(
            "saved {n} new failing input(s) to {} (replayed first next time)",
            file.display()
        ),
        Err(e) => eprintln!("warning: {e}"),
    }
}
