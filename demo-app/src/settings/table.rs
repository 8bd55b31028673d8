//! Every setting the app knows, declared once: its field in `Settings`, its row in `KEYS`
//! (name, meaning, default, whether it is a secret) and how its text is read, with the
//! range and hint of a bad value (`declare.rs` says how). `--help`, the config-file check,
//! the dev dump and its redaction, the docs and the harness all read this one table.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::Serialize;

use super::declare::declare_settings;
use super::read::{self, at_most, optional, parsed, within};
use super::{ConfigError, Layers, MODE_HINT, Mode, Source, memory};
use crate::client_address::{self, ProxyTrust};
use crate::shedding::MOST_IN_FLIGHT;

/// The token dev falls back to when no ops token is configured. Prod refuses it.
pub const DEV_OPS_TOKEN: &str = "dev-ops-token-change-me";

/// A fake API key for the FX upstream. It exists so that the dev settings dump has a
/// realistic secret to leak; it grants nothing anywhere.
pub const LAB_FX_API_KEY: &str = "fxk_live_LAB_FAKE_7c1e0b9a52d34f6e";

/// One setting the app knows: its key, what it means and its default (as text).
pub struct Key {
    pub name: &'static str,
    pub help: &'static str,
    pub default: Option<&'static str>,
    pub secret: bool,
}

declare_settings! {
    mode: Mode {
        default: Some("dev"),
        secret: false,
        read: parsed(MODE_HINT),
        help: "error-handling policy: `dev` (leaks everything), `prod` (hardened) or `bare` (actix-web's own defaults)",
    }
    bind: SocketAddr {
        default: Some("127.0.0.1:8080"),
        secret: false,
        read: parsed("Use HOST:PORT, for example 127.0.0.1:8080 (port 0 picks a free one)."),
        help: "address to listen on; port 0 picks a free port",
    }
    database_url: String {
        default: Some("sqlite://bookshop.sqlite3?mode=rwc"),
        secret: true,
        read: read::database_url,
        help: "sqlite://FILE?mode=rwc (embedded default) or postgres://USER@HOST/DB",
    }
    workers: usize {
        default: Some("2"),
        secret: false,
        read: within(1..=64, "Use a whole number from 1 to 64."),
        help: "number of HTTP worker threads",
    }
    pool_max_connections: u32 {
        default: Some("5"),
        secret: false,
        read: within(1..=100, "Use a whole number from 1 to 100."),
        help: "largest number of pooled database connections",
    }
    pool_acquire_timeout_ms: u64 {
        default: Some("3000"),
        secret: false,
        read: parsed("Use a whole number of milliseconds, for example 3000."),
        help: "how long a request waits for a pooled connection before giving up",
    }
    max_in_flight: usize {
        default: Some("0"),
        secret: false,
        read: at_most(
            MOST_IN_FLIGHT,
            "Use a whole number of requests, e.g. 10 (a couple per pooled connection), or 0 for no limit.",
        ),
        help: "requests the shop's routes serve at once; beyond it the app sheds load with 503 + Retry-After (0: no limit, every request queues; resource.overload). `POST /ops/shedding` changes it at run time",
    }
    recommendations_query_ms: u64 {
        default: Some("20"),
        secret: false,
        read: parsed("Use a whole number of milliseconds, for example 50."),
        help: "how long the recommendations query holds its pooled connection: what it costs on a real order history (the seed data is tiny; resource.overload)",
    }
    /// `None` in prod when unset: the ops routes are then disabled (`Layers::resolve` puts
    /// the dev token in where dev and bare run without one).
    ops_token: Option<String> {
        default: None,
        secret: true,
        read: optional,
        help: "bearer token for /ops routes, at least 16 characters (unset: prod disables the ops routes, dev uses a well-known one)",
    }
    statement_timeout_ms: u64 {
        default: Some("2000"),
        secret: false,
        read: parsed("Use a whole number of milliseconds, for example 2000."),
        help: "longest a database statement may run (PostgreSQL statement_timeout; the app's own deadline on SQLite)",
    }
    sqlite_busy_timeout_ms: u64 {
        default: Some("5000"),
        secret: false,
        read: parsed("Use a whole number of milliseconds, for example 5000."),
        help: "how long an SQLite connection waits for a lock another process holds before SQLITE_BUSY 'database is locked' (sqlx's default)",
    }
    transfer_lock_pause_ms: u64 {
        default: Some("100"),
        secret: false,
        read: parsed("Use a whole number of milliseconds, for example 100."),
        help: "pause between locking the two wallets of a transfer (makes the db.deadlock race reproducible)",
    }
    fx_api_url: String {
        default: Some("http://127.0.0.1:8099"),
        secret: false,
        read: parsed("Use an http:// URL."),
        help: "base URL of the currency-rate upstream",
    }
    fx_timeout_ms: u64 {
        default: Some("2000"),
        secret: false,
        read: parsed("Use a whole number of milliseconds, for example 2000."),
        help: "how long the app waits for the currency-rate upstream",
    }
    fx_stale_max_s: u64 {
        default: Some("900"),
        secret: false,
        read: within(0..=86_400, "Use a whole number of seconds from 0 to 86400, e.g. 900."),
        help: "while the FX circuit breaker is open with the `last-known` fallback (`POST /ops/fx-breaker`), the oldest remembered rate an order may still be priced with, in seconds",
    }
    /// `None` when unset: dev starts anyway (config.missing-env).
    smtp_url: Option<String> {
        default: Some("smtp://127.0.0.1:2525"),
        secret: true,
        read: optional,
        help: "mail server for order receipts, smtp://HOST:PORT; the lab's default is a local mail catcher (set it empty to see config.missing-env; prod then refuses to start)",
    }
    /// `None` when unset: the template built into the app.
    invoice_template: Option<String> {
        default: None,
        secret: false,
        read: optional,
        help: "path of an invoice template file (prod checks it exists); unset: the template built into the app",
    }
    /// `None` when unset: printable invoices are plain text.
    invoice_converter: Option<String> {
        default: None,
        secret: false,
        read: optional,
        help: "program that turns a text invoice into the print shop's format (text on stdin, the document on stdout): a path, or a name looked up in PATH; unset: printable invoices are plain text (config.missing-dependency)",
    }
    pdf_render_ms: u64 {
        default: Some("1500"),
        secret: false,
        read: parsed("Use a whole number of milliseconds."),
        help: "how long rendering an invoice PDF blocks its worker thread (resource.worker-blocked)",
    }
    pdf_deadline_ms: u64 {
        default: Some("500"),
        secret: false,
        read: parsed("Use a whole number of milliseconds."),
        help: "prod gives up rendering a PDF after this long and answers 503",
    }
    open_files_limit: u64 {
        default: Some("0"),
        secret: false,
        read: parsed("Use a whole number of files, e.g. 64, or 0 to leave the limit alone."),
        help: "lowers this process's own open-files limit (0 leaves it, else at least 32 + 4 per worker; resource.file-handles)",
    }
    open_files_headroom: u64 {
        default: Some("0"),
        secret: false,
        read: parsed("Use a whole number of files, e.g. 40, or 0 to leave the limit alone."),
        help: "once started, lowers this process's open-files limit to the descriptors it holds plus this many (0 leaves it; the same budget whatever the worker count; resource.file-handles)",
    }
    memory_limit_mb: u64 {
        default: Some("0"),
        secret: false,
        read: parsed(memory::HINT),
        help: "lowers this process's own address-space limit (RLIMIT_AS) to this many MiB at start-up and turns core files off (0 leaves both; at least 1024 + 64 per worker; Unix only; resource.out-of-memory)",
    }
    probing_threshold: u32 {
        default: Some("30"),
        secret: false,
        read: parsed("Use a whole number, 0 to turn it off."),
        help: "error answers (4xx, 500) from one client per minute above which the app logs `suspected probing` (0 turns it off)",
    }
    trust_forwarded_for: ProxyTrust {
        default: Some("false"),
        secret: false,
        read: parsed(client_address::HINT),
        help: "behind reverse proxies you run: `true` or their number (the client is that many X-Forwarded-For hops from the right, the hop the outermost proxy appended), or their addresses (`10.0.0.5, 10.1.0.0/16`: the first hop from the right that is none of them); `false`: the peer address",
    }
    fx_api_key: String {
        default: Some(LAB_FX_API_KEY),
        secret: true,
        read: parsed("Use any non-empty string."),
        help: "API key sent to the currency-rate upstream (the lab's value is fake)",
    }
    /// `None` when unset (the default): no error tracker (`tracking`).
    sentry_dsn: Option<String> {
        default: None,
        secret: true,
        read: read::sentry_dsn,
        help: "where errors are reported through the Sentry SDK (a Sentry or Bugsink project's DSN, `just tracker`); unset: no tracker. Bare mode never reports",
    }
}
