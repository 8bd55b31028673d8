//! The command line: flags, layering, exit codes. `main.rs` only calls `main`.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;

use crate::settings::{ENV_PREFIX, KEYS, Recipe, Source};
use crate::startup::Application;
use crate::{memory_limit, open_files, telemetry};

/// sysexits.h EX_CONFIG: the configuration is wrong.
pub const EXIT_CONFIG: u8 = 78;
/// The app could not start for another reason (database unreachable, port taken).
pub const EXIT_STARTUP: u8 = 1;

/// Crash Course Books: a bookshop service with deliberate, documented flaws.
///
/// Every flaw reproduces a real cause of HTTP 500. Run it in `dev` mode to see what a
/// careless configuration leaks, and in `prod` mode to see the hardened answer: RFC 9457
/// problem+json with a correlation id, details only in the JSON logs on stderr. `bare`
/// mode shows actix-web's own defaults: a panic drops the connection, errors answer their
/// text as text/plain.
///
/// The first line on stdout is always `listening on http://ADDR`.
#[derive(Debug, Parser)]
#[command(name = "demo-app", version, after_long_help = settings_help())]
pub struct Args {
    /// Error-handling policy: `dev` leaks everything, `prod` is hardened and strict, `bare`
    /// is actix-web's own defaults with nothing added.
    #[arg(long, value_name = "dev|prod|bare")]
    pub mode: Option<String>,
    /// Address to listen on; `127.0.0.1:0` picks a free port. [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// sqlite://FILE?mode=rwc or postgres://USER@HOST/DB. [default: sqlite://bookshop.sqlite3?mode=rwc]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// A TOML file of flat `key = value` settings (see the list below).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Number of HTTP worker threads. [default: 2]
    #[arg(long, value_name = "N")]
    pub workers: Option<String>,
    /// Sets any setting, e.g. `--set pool_max_connections=2`. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Checks the configuration, prints the effective settings (secrets masked), and exits.
    #[arg(long)]
    pub check_config: bool,
}

fn settings_help() -> String {
    let mut help =
        format!("Settings (defaults < --config file < {ENV_PREFIX}* environment < flags):\n");
    for key in KEYS {
        let default = key
            .default
            .map_or(String::new(), |d| format!(" [default: {d}]"));
        help.push_str(&format!(
            "  {:<26} {ENV_PREFIX}{:<24} {}{default}\n",
            key.name,
            key.name.to_ascii_uppercase(),
            key.help
        ));
    }
    help.push_str(
        "\nExit codes: 0 stopped cleanly, 1 could not start (database, port), \
         2 bad command line, 78 bad configuration (a setting, or a PostgreSQL role the app \
         will not serve with and cannot replace).\nLogs: JSON lines on stderr; RUST_LOG \
         sets the filter.",
    );
    help
}

/// Runs the app with the process's arguments and environment.
pub fn main() -> ExitCode {
    main_with_args(std::env::args_os())
}

/// Runs the app with explicit arguments (the harness re-executes itself through this).
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    let read = recipe_from(&args).and_then(|recipe| Ok((recipe.read_now()?, recipe)));
    let (settings, recipe) = match read {
        Ok(read) => read,
        Err(err) => {
            eprintln!("demo-app: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if args.check_config {
        let mut text = format!("configuration OK (mode = {})\n", settings.mode);
        for (key, value) in settings.redacted() {
            let source = &settings
                .sources
                .get(key)
                .cloned()
                .unwrap_or(Source::Default);
            text.push_str(&format!("  {key} = {value}    # from {source}\n"));
        }
        // What a started app would log as warnings (dev beyond loopback, weak tokens...).
        for warning in &settings.warnings {
            text.push_str(&format!("warning: {warning}\n"));
        }
        // Written, not `println!`ed: a reader that stops early (`| head`) is no panic.
        return match std::io::stdout().lock().write_all(text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("demo-app: could not write to stdout: {e}");
                ExitCode::from(EXIT_STARTUP)
            }
        };
    }
    let _log_writer = telemetry::init();
    if settings.open_files_limit > 0
        && let Err(e) = open_files::lower_limit_to(settings.open_files_limit)
    {
        eprintln!("demo-app: {e:#}");
        return ExitCode::from(EXIT_STARTUP);
    }
    // Before the runtime starts its threads: their stacks and malloc arenas are then
    // reserved under the limit, as any later allocation is.
    if settings.memory_limit_mb > 0
        && let Err(e) = memory_limit::apply(settings.memory_limit_mb)
    {
        eprintln!("demo-app: {e:#}");
        return ExitCode::from(EXIT_STARTUP);
    }
    for warning in &settings.warnings {
        tracing::warn!(mode = %settings.mode, "{warning}");
    }
    let headroom = settings.open_files_headroom;
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, recipe).await?;
        let address = app.address();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        if headroom > 0 {
            // The server's first poll starts its workers (a runtime, pollers and a waker
            // each) and waits for them; only then are the app's own descriptors all open.
            // Requests wait in the listener's backlog until the address is announced.
            actix_web::rt::task::yield_now().await;
            open_files::allow_headroom(headroom)?;
        }
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{address}")?;
        stdout.flush()?;
        server
            .await
            .context("the HTTP server stopped abnormally")??;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = ?err, "demo-app could not start");
            // A role the app will not serve with is the configuration's fault: EX_CONFIG.
            if let Some(refused) = err
                .chain()
                .find_map(|e| e.downcast_ref::<crate::db::serving_role::RoleRefused>())
            {
                eprintln!("demo-app: {refused}");
                return ExitCode::from(EXIT_CONFIG);
            }
            eprintln!("demo-app: could not start: {err:#}");
            ExitCode::from(EXIT_STARTUP)
        }
    }
}

/// What start-up reads, in order: defaults, the file, the environment, then the flags
/// (`POST /ops/reload` reads the same again).
fn recipe_from(args: &Args) -> Result<Recipe, crate::settings::ConfigError> {
    let mut recipe = Recipe {
        config: args.config.clone(),
        flags: Vec::new(),
    };
    let flags = [
        ("mode", "--mode", &args.mode),
        ("bind", "--bind", &args.bind),
        ("database_url", "--database-url", &args.database_url),
        ("workers", "--workers", &args.workers),
    ];
    for (key, flag, value) in flags {
        if let Some(value) = value {
            let source = Source::Flag(flag.to_string());
            recipe.flags.push((key.to_string(), value.clone(), source));
        }
    }
    for pair in &args.set {
        let source = Source::Flag(format!("--set {pair}"));
        let Some((key, value)) = pair.split_once('=') else {
            return Err(crate::settings::ConfigError {
                key: pair.clone(),
                problem: "is not in the form KEY=VALUE".to_string(),
                origin: source,
                hint: "Write it as --set key=value, e.g. --set workers=4.".to_string(),
            });
        };
        recipe
            .flags
            .push((key.trim().to_string(), value.to_string(), source));
    }
    Ok(recipe)
}
