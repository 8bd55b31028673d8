//! `harness drill`: the incident game day (flags -> engine -> panel and reports), and the
//! responder's commands to the running drill: `ack`, `diagnose`, `act`, `status`.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::error::{Error, Outcome, Verdict};
use super::shared;
use crate::drill::actions::{Action, USAGE};
use crate::drill::catalogue::Incident;
use crate::drill::cause::Cause;
use crate::drill::session::{self, Event};
use crate::drill::{self, Ending, Options, Progress};
use crate::report::{self, style::Style};
use crate::scenario::BackendName;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DrillArgs {
    #[command(subcommand)]
    say: Option<Say>,
    #[command(flatten)]
    start: StartArgs,
    /// The drill's folder (session file, JSON log, events) [default: a folder of your own
    /// under the temp dir]. Give each drill on one machine its own.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "CRASH_COURSE_DRILL_SESSION"
    )]
    session: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct StartArgs {
    /// The incident to hide, or `random` (the seed picks it). `--list` names them.
    #[arg(long, value_name = "NAME|random", default_value = "random", value_parser = incident)]
    incident: IncidentChoice,
    /// The same seed gives every attendee the same incident and the same timing.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value_t = DrillBackend::Sqlite)]
    backend: DrillBackend,
    /// The whole drill ends by then: 0.25 to 60 minutes.
    #[arg(long, default_value = "10", value_parser = minutes)]
    minutes: f64,
    /// Let the runbook's autopilot respond (it reads only the signals a person has).
    #[arg(long)]
    autopilot: bool,
    /// Seconds of calm traffic before the incident, 2 to 600 [default: the seed picks 20 to 60].
    #[arg(long = "warm-up", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(2..=600))]
    warm_up: Option<u64>,
    /// Seconds under 1 % failed, after a mitigation, that end the drill as recovered (1 to 300).
    #[arg(long = "recovery-window", value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=300))]
    recovery_window: u64,
    #[arg(long, value_enum, default_value_t = DrillFormat::Text)]
    format: DrillFormat,
    /// Also write the drill as a self-contained HTML report (the timeline drawn).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Also write a blameless postmortem draft in Markdown.
    #[arg(long, value_name = "FILE.md")]
    postmortem: Option<PathBuf>,
    /// Name the incidents (not which one a seed picks) and the causes, and exit.
    #[arg(long)]
    list: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Say {
    /// Acknowledge the page: you have noticed (time to detect stops).
    Ack,
    /// Name the cause (the first answer counts).
    Diagnose {
        #[arg(value_enum)]
        cause: Cause,
    },
    /// Apply a mitigation to the running app (prints the curl it sends).
    #[command(
        after_help = "Actions: rollback | pause-job | open-breaker | shed N | rate-limit USER-AGENT N | reload | cache-reports"
    )]
    Act {
        #[arg(required = true, num_args = 1.., value_name = "ACTION")]
        words: Vec<String>,
    },
    /// Where the running drill's shop is, its ops token and its log.
    Status,
}

#[derive(Debug, Clone, Copy)]
struct IncidentChoice(Option<Incident>);

fn incident(value: &str) -> Result<IncidentChoice, String> {
    if value == "random" {
        return Ok(IncidentChoice(None));
    }
    Incident::ALL
        .into_iter()
        .find(|i| i.name() == value)
        .map(|i| IncidentChoice(Some(i)))
        .ok_or_else(|| {
            let names: Vec<&str> = Incident::ALL.iter().map(|i| i.name()).collect();
            format!(
                "no incident `{value}`. {} (or random)",
                crate::scenario::suggest(value, names.iter().copied(), "incidents")
            )
        })
}

fn minutes(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(m) if (0.25..=60.0).contains(&m) => Ok(m),
        _ => Err(format!(
            "`{value}` is not a number of minutes from 0.25 to 60"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DrillBackend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DrillFormat {
    Text,
    Json,
}

pub fn run(args: &DrillArgs) -> Outcome {
    let dir = args.session.clone().unwrap_or_else(session::default_dir);
    match &args.say {
        Some(Say::Ack) => say(
            &dir,
            Event::Ack {
                at_unix_ms: session::now_unix_ms(),
            },
        ),
        Some(Say::Diagnose { cause }) => say(
            &dir,
            Event::Diagnose {
                at_unix_ms: session::now_unix_ms(),
                cause: cause.name().to_string(),
            },
        ),
        Some(Say::Act { words }) => act(&dir, words),
        Some(Say::Status) => status(&dir),
        None if args.start.list => {
            list();
            Ok(Verdict::Passed)
        }
        None => start(&args.start, dir),
    }
}

fn list() {
    outln!("Incidents (`--incident NAME`; a seed picks one of them otherwise):");
    for incident in Incident::ALL {
        outln!("  {}", incident.name());
    }
    let causes: Vec<&str> = Cause::ALL.iter().map(|c| c.name()).collect();
    outln!(
        "Causes (`harness drill diagnose CAUSE`): {}",
        causes.join(", ")
    );
    outln!("Actions (`harness drill act ACTION`): {USAGE}");
}

fn running(dir: &Path) -> Result<session::Session, Error> {
    session::read(dir).map_err(|e| {
        Error::usage(e)
            .with_help("`harness drill --list` names the incidents; README's tour starts one")
    })
}

fn say(dir: &Path, event: Event) -> Outcome {
    running(dir)?;
    session::append(dir, &event)
        .map_err(|e| Error::runtime("could not tell the running drill").caused_by(e))?;
    match &event {
        Event::Ack { .. } => outln!("acknowledged: time to detect stops now"),
        Event::Diagnose { cause, .. } => {
            outln!("diagnosis `{cause}` recorded (the first one counts; it is scored at the end)")
        }
        Event::Act { .. } => {}
    }
    Ok(Verdict::Passed)
}

fn act(dir: &Path, words: &[String]) -> Outcome {
    let action =
        Action::parse(words).map_err(|e| Error::usage(e).with_help(format!("act {USAGE}")))?;
    let session = running(dir)?;
    outln!("{}", action.curl(&session.base_url, &session.ops_token));
    let runtime = shared::runtime()?;
    let client = crate::runner::http::client_with(false)
        .map_err(|e| Error::runtime("cannot build an HTTP client").caused_by(e))?;
    let sent = runtime.block_on(action.send(&client, &session.base_url, &session.ops_token));
    let status = match &sent {
        Ok((status, body)) => {
            outln!("{status} {body}");
            Some(*status)
        }
        Err(e) => {
            eprintln!("could not send it: {e:#}");
            None
        }
    };
    let _ = session::append(
        dir,
        &Event::Act {
            at_unix_ms: session::now_unix_ms(),
            action: action.to_string(),
            status,
        },
    );
    match status {
        Some(status) if (200..300).contains(&status) => Ok(Verdict::Passed),
        Some(_) => Ok(Verdict::Failed),
        None => Err(Error::runtime(format!(
            "the drill's app at {} did not answer",
            session.base_url
        ))),
    }
}

fn status(dir: &Path) -> Outcome {
    let session = running(dir)?;
    outln!("shop:      {}", session.base_url);
    outln!("ops token: {}", session.ops_token);
    outln!("JSON log:  {}", session.log_file.display());
    outln!(
        "errors:    curl -s -H 'Authorization: Bearer {}' {}/ops/errors",
        session.ops_token,
        session.base_url
    );
    Ok(Verdict::Passed)
}

fn start(args: &StartArgs, dir: PathBuf) -> Outcome {
    shared::check_report_path(args.report.as_deref())?;
    shared::check_report_path(args.postmortem.as_deref())?;
    let (app, runtime) = (shared::own_app_command()?, shared::runtime()?);
    let backend = match args.backend {
        DrillBackend::Sqlite => BackendName::Sqlite,
        DrillBackend::Postgres => {
            let admin_url = lab_support::scratch_db::postgres_admin_url();
            runtime
                .block_on(lab_support::scratch_db::postgres_reachable(&admin_url))
                .map_err(|e| Error::runtime(e.to_string()).with_help(e.hint()))?;
            BackendName::Postgres
        }
    };
    let options = Options {
        incident: args.incident.0,
        seed: args.seed,
        backend,
        length: Duration::from_secs_f64(args.minutes * 60.0),
        autopilot: args.autopilot,
        warm_up: args.warm_up.map(Duration::from_secs),
        recovery_window: Duration::from_secs(args.recovery_window),
        session_dir: dir,
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let style = Style::detect();
    let panel = Panel::new(style);
    let result = runtime.block_on(async {
        let flag = Arc::clone(&interrupted);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        });
        drill::run(&app, &options, Arc::clone(&interrupted), |step| {
            panel.show(step)
        })
        .await
    });
    let drill = result.map_err(|e| Error::runtime(format!("{e:#}")))?;
    match args.format {
        DrillFormat::Text => out!("{}", report::drill::summary(&drill, style)),
        DrillFormat::Json => outln!("{}", report::drill::json(&drill)),
    }
    if let Some(path) = &args.report {
        shared::write_report(path, report::drill_html::render(&drill))?;
    }
    if let Some(path) = &args.postmortem {
        shared::write_report(
            path,
            Ok::<_, String>(report::drill_postmortem::render(&drill)),
        )?;
    }
    Ok(Verdict::failed_if(drill.ended != Ending::Recovered))
}

/// The live panel on stderr: redrawn in place on a terminal, a line every few seconds
/// elsewhere (CI logs, pipes).
struct Panel {
    style: Style,
    terminal: bool,
    drawn: std::cell::Cell<bool>,
}

/// Off a terminal, one line per this many seconds.
const LINE_EVERY_S: usize = 5;

impl Panel {
    fn new(style: Style) -> Panel {
        Panel {
            style,
            terminal: std::io::stderr().is_terminal(),
            drawn: std::cell::Cell::new(false),
        }
    }

    fn erase(&self, err: &mut impl std::io::Write) {
        if self.drawn.replace(false) {
            let _ = write!(err, "\x1b[{}A\x1b[J", report::drill::PANEL_LINES);
        }
    }

    fn show(&self, step: Progress) {
        let mut err = std::io::stderr().lock();
        match step {
            Progress::Starting => {
                let _ = writeln!(err, "drill: starting the shop and measuring its capacity");
            }
            Progress::Ready(session, setup) => {
                let _ = write!(err, "{}", report::drill::ready(session, setup, self.style));
                let _ = writeln!(err);
            }
            Progress::Second {
                timeline,
                alerting,
                acked,
                actions,
                left_s,
            } => {
                if self.terminal {
                    self.erase(&mut err);
                    let text = report::drill::panel(
                        timeline, alerting, acked, actions, left_s, self.style,
                    );
                    let _ = write!(err, "{text}");
                    self.drawn.set(true);
                } else if timeline.len().is_multiple_of(LINE_EVERY_S) {
                    let _ = writeln!(err, "{}", report::drill::panel_line(timeline, alerting));
                }
            }
            Progress::Heard(event) => {
                self.erase(&mut err);
                let line = match event {
                    Event::Ack { .. } => "heard: ack".to_string(),
                    Event::Diagnose { cause, .. } => format!("heard: diagnose {cause}"),
                    Event::Act { action, status, .. } => match status {
                        Some(status) => format!("heard: act {action} (answered {status})"),
                        None => format!("heard: act {action} (no answer)"),
                    },
                };
                let _ = writeln!(err, "{}", self.style.dim(&line));
            }
            Progress::Ending => {
                self.erase(&mut err);
                let _ = writeln!(err, "drill: over; stopping the shop");
            }
        }
    }
}
