//! The `harness` command line. Parsing and exit codes live here; the work is done by
//! `scenario`, `runner`, `leaks` and `report`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::leaks;
use crate::scenario::{Folder, ModeName};
use error::{Error, Outcome, Verdict};
use shared::with_scenarios;

/// `println!` that ends the process quietly when nobody reads stdout any more
/// (`harness list | head`): a reader that has seen enough is not an error, and `println!`
/// would panic there.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!`, with `outln!`'s handling of a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

mod audit;
mod check;
mod drill;
mod error;
mod fuzz;
mod fuzz_progress;
mod new;
mod paste;
mod progress;
mod run;
mod scan;
mod scenarios_folder;
mod shared;
mod show;
mod storm;
mod tracker;

/// Writes to stdout. Once the reader has closed it (`| head` has seen enough), the rest of
/// the output is dropped quietly and the command goes on: the HTML report still gets
/// written, and the exit code still says whether the expectations were met. Any other write
/// error is said once on stderr.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicBool, Ordering};
    static CLOSED: AtomicBool = AtomicBool::new(false);
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: could not write to stdout: {e}; the rest of the output is lost");
        }
    }
}

const EXIT_CODES: &str = "Exit codes:\n  0  every expectation met (scan: no finding)\n  1  an expectation failed (scan: a leak was found)\n  2  usage error or a malformed scenario file\n  3  runtime error: the app could not start, PostgreSQL unreachable, ...";

/// Crash Course harness: run the lab's scenarios against demo-app in dev and prod mode,
/// audit every response for leaks, and compare the two side by side.
///
/// Typical session:
///   harness list                      what scenarios exist
///   harness show crash.unwrap-none    the lesson and its steps
///   harness run crash.unwrap-none     dev vs prod, side by side
///   harness run 'db/*' --backend all  a folder, on SQLite and PostgreSQL
///   harness check crash.unwrap-none   after your fix: fixed, or what is still wrong
///   harness scan response.txt         audit a saved response of your own service
#[derive(Debug, Parser)]
#[command(name = "harness", version, after_help = EXIT_CODES, verbatim_doc_comment)]
pub struct Cli {
    /// The scenarios folder [default: ./scenarios, or the nearest scenarios/ folder above
    /// the current directory]
    #[arg(long, global = true, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    #[command(flatten)]
    color: colorchoice_clap::Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the scenarios: id, failure class, backends, title.
    List,
    /// Show one scenario's teaching notes and steps, for a projector.
    Show {
        /// A scenario id (see `harness list`), its file (`db/database-locked`), or
        /// `class:<class>` for every scenario of a failure class.
        scenario: String,
    },
    /// Run scenarios in dev and prod and compare the responses.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Fuzz an API from its OpenAPI 3 or Swagger 2 description: demo-app in each mode and backend, or any
    /// HTTP(S) service with --target. Failures are grouped in buckets (method, route,
    /// status, failure class or leak rules), each with its smallest input as a curl line.
    #[command(
        after_help = "Exit codes:\n  0  nothing found\n  1  a bucket with a 5xx, a dropped connection or a leak\n  2  usage error, an unusable spec\n  3  runtime error: the app could not start, the target is unreachable or its certificate untrusted"
    )]
    Fuzz(fuzz::FuzzArgs),
    /// Audit error handling against OWASP ASVS 5.0 / 4.0.3 and NIST SP 800-53 SI-11: demo-app
    /// in each mode, or any HTTP(S) service with --target. Each control gets pass, fail or
    /// not tested with its reason and evidence; the document is dated and hashed.
    #[command(
        after_help = "Exit codes:\n  0  every tested control passes\n  1  a control fails\n  2  usage error, an unusable spec or file\n  3  runtime error: the app could not start, the target is unreachable or its certificate untrusted"
    )]
    Audit(audit::AuditArgs),
    /// Check a fix: run the scenarios of the given classes (or ids) against this build with
    /// the corrected app's expectations, and say per class whether it is fixed.
    #[command(
        after_help = "Exit codes: 0 every selected class is fixed, 1 one is still flawed (or its scenarios say nothing about the fix), 2 usage error, 3 runtime error."
    )]
    Check(check::CheckArgs),
    /// Retry storms: client populations with each retry policy through the same short
    /// outage (a slow upstream), on prod demo-app. Shows amplification, goodput, p99 and
    /// whether the service recovers once the outage's cause is gone.
    #[command(
        after_help = "Exit codes: 0 measured, 2 usage error, 3 runtime error (the app could not start)."
    )]
    Storm(storm::StormArgs),
    /// An incident game day: prod demo-app under steady traffic, one hidden incident
    /// injected for real, and you (or `--autopilot`) on call with the real signals and
    /// mitigations. Scores time to detect, diagnosis, time to mitigate and budget spent.
    #[command(
        after_help = "The responder's commands, from another terminal: `harness drill ack`, `harness drill diagnose CAUSE`, `harness drill act ACTION`, `harness drill status`. Runbook: docs/incident-response.md.\n\nExit codes: 0 recovered, 1 not recovered (time ran out, or interrupted), 2 usage error (or no drill running, for ack/diagnose/act), 3 runtime error (the app could not start, an injection failed)."
    )]
    Drill(drill::DrillArgs),
    /// Read an error tracker (Bugsink, through its API): a project's issues with their event
    /// counts, every stored event scanned with the leak rules and for e-mail addresses, and
    /// the issue a correlation id leads to.
    #[command(
        after_help = "Start the lab's tracker with `just tracker` (demo-app/tracker/bugsink.sh start); it prints BUGSINK_URL and BUGSINK_TOKEN, which this command reads from the environment.\n\nExit codes: 0 no stored event leaks (and the correlation id was found), 1 a stored event leaks or the correlation id leads nowhere, 2 usage error or no such project, 3 the tracker is unreachable or answered an error."
    )]
    Tracker(tracker::TrackerArgs),
    /// Scan a saved HTTP response (or a bare body) for leaks. `-` reads stdin.
    #[command(
        after_help = "A file that starts with `HTTP/` is read as a full response (status line, headers, blank line, body); anything else as a body. A body that is not text (compressed, an image, an executable) is not scanned: a response's headers still are, with a note; a bare body of that kind is refused.\n\nExit codes: 0 no finding, 1 findings, 2 unreadable input or input that is not text."
    )]
    Scan {
        /// The file to scan, or `-` for standard input.
        #[arg(default_value = "-")]
        file: String,
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
    },
    /// List the leak rules with their CWE and ZAP ids.
    Rules,
    /// Start a new scenario: writes scenarios/<folder>/NAME.toml from a commented
    /// template that runs as it is. It never overwrites a file.
    New {
        /// The failure class it teaches, e.g. `crash.unwrap-none` (see `harness list`).
        class: String,
        /// The file name without `.toml`: lower-case letters, digits and dashes.
        name: String,
    },
    /// Measure the error path under load: success vs prod 500 vs dev 500, interleaved, on
    /// loopback, bounded by count and time. Prints requests/s, p50/p99 and the ratios.
    Load {
        /// Requests per workload, 1 to 1000000.
        #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        requests: u32,
        /// Requests in flight at once, 1 to 256.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
        concurrency: u16,
        /// Stop after this many seconds even if requests remain, 1 to 600.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
        max_seconds: u64,
        /// Print the measurements as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Runs demo-app in this process (how the harness starts its apps).
    #[command(hide = true, disable_help_flag = true)]
    ServeApp {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// What to run; all when none is given. An exact id or file (`crash.unwrap-none`,
    /// `db/database-locked`) names one scenario; `class:<class>` every scenario of a
    /// failure class; a glob (`db/*`, `crash.*`) whatever it matches. A class that is no
    /// scenario's id also selects its scenarios.
    patterns: Vec<String>,
    /// Which modes to run.
    #[arg(long, value_enum, default_value_t = ModeArg::Both)]
    mode: ModeArg,
    /// Which backends: sqlite, postgres, or all [default: sqlite, plus postgres when reachable]
    #[arg(long, value_enum)]
    backend: Option<BackendArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Audit a server that is already running (requests and leak scan only; no SQL steps,
    /// no log expectations).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// With --target https://...: accept a self-signed or otherwise invalid certificate.
    #[arg(long, requires = "target")]
    insecure: bool,
    /// Runs at once, 1 to 64 [default: number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=64))]
    jobs: Option<u8>,
    /// Use this demo-app executable instead of the one built into the harness.
    #[arg(long, value_name = "PATH")]
    app_bin: Option<PathBuf>,
    /// After the report, print each run's wall time next to its declared waits, and the
    /// whole run against the time budget.
    #[arg(long)]
    timings: bool,
    /// Also write a self-contained HTML comparison report to FILE (open it in a browser).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    /// The careless debug configuration.
    Dev,
    /// The hardened configuration.
    Prod,
    /// actix-web's own defaults: panics drop the connection, errors answer their text.
    Bare,
    /// dev and prod, side by side.
    Both,
    /// dev, prod and bare, side by side.
    All,
}

impl ModeArg {
    /// The modes selected, in report order.
    fn modes(self) -> Vec<ModeName> {
        match self {
            ModeArg::Dev => vec![ModeName::Dev],
            ModeArg::Prod => vec![ModeName::Prod],
            ModeArg::Bare => vec![ModeName::Bare],
            ModeArg::Both => vec![ModeName::Dev, ModeName::Prod],
            ModeArg::All => ModeName::ALL.to_vec(),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
    All,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ScanFormat {
    Text,
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help` and `--version` are answers, not errors.
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return error::exit_code(&Ok(Verdict::Passed));
        }
        Err(err) => return finish(Err(Error::clap(err))),
    };
    if let Command::ServeApp { args } = cli.command {
        // demo-app's own exit code (78 for its configuration errors) passes through.
        return crate::app::serve(args);
    }
    cli.color.write_global();
    finish(dispatch(cli))
}

/// Prints the error once, and maps the outcome to the exit code.
fn finish(outcome: Outcome) -> ExitCode {
    if let Err(error) = &outcome {
        error.print();
    }
    error::exit_code(&outcome)
}

fn dispatch(cli: Cli) -> Outcome {
    let here = std::env::current_dir().unwrap_or_default();
    let found = scenarios_folder::locate(cli.scenarios.as_deref(), &here);
    // Only the commands that read or write scenarios need the folder.
    let root = match (&cli.command, found) {
        (_, Ok(root)) => root,
        (
            Command::Scan { .. } | Command::Rules | Command::Load { .. } | Command::Tracker(_),
            Err(_),
        ) => PathBuf::new(),
        // fuzz keeps its regressions in the scenarios folder; without one, here.
        (Command::Fuzz(_), Err(_)) => PathBuf::from("scenarios"),
        // audit replays the scenarios' crash inputs when it finds them; --target needs none.
        (Command::Audit(_), Err(_)) => PathBuf::new(),
        (_, Err(message)) => return Err(Error::usage(message)),
    };
    match cli.command {
        // Served by `main`, before any folder is looked for.
        Command::ServeApp { .. } => Ok(Verdict::Passed),
        Command::List => with_scenarios(&root, |Folder { scenarios, .. }| {
            outln!("{:<34} {:<24} {:<16} title", "id", "class", "backends");
            for s in scenarios {
                let backends: Vec<&str> = s.backends.iter().map(|b| b.as_str()).collect();
                outln!(
                    "{:<34} {:<24} {:<16} {}",
                    s.id(),
                    s.class(),
                    backends.join(","),
                    s.title
                );
            }
            outln!("\n{} scenarios in {}", scenarios.len(), root.display());
            Ok(Verdict::Passed)
        }),
        Command::Show { scenario } => with_scenarios(&root, |folder| {
            show::run(
                &folder.scenarios,
                &folder.vocabulary.classes,
                &scenario,
                &root,
                cli.scenarios.as_deref(),
            )
        }),
        Command::Rules => {
            out!("{}", leaks::rules_table());
            Ok(Verdict::Passed)
        }
        Command::New { class, name } => new::run(&root, cli.scenarios.as_deref(), &class, &name),
        Command::Scan { file, format } => scan::run(&file, format),
        Command::Load {
            requests,
            concurrency,
            max_seconds,
            json,
        } => {
            let options = crate::load_test::Options {
                requests: requests as usize,
                concurrency: usize::from(concurrency),
                max_duration: std::time::Duration::from_secs(max_seconds),
                rounds: 10,
            };
            run::load(options, json)
        }
        Command::Fuzz(args) => fuzz::run(&args, &root),
        Command::Audit(args) if root.as_os_str().is_empty() => audit::run(&args, &[]),
        Command::Audit(args) => {
            with_scenarios(&root, |folder| audit::run(&args, &folder.scenarios))
        }
        Command::Storm(args) => storm::run(&args),
        Command::Drill(args) => drill::run(&args),
        Command::Tracker(args) => tracker::run(&args),
        Command::Check(args) => {
            with_scenarios(&root, |folder| check::run(&folder.scenarios, &args, &root))
        }
        Command::Run(args) => {
            with_scenarios(&root, |folder| run::run(&folder.scenarios, &args, &root))
        }
    }
}
