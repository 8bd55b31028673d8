//! Every setting the app knows: name, meaning, default. `--help`, the config-file check,
//! the dev dump's redaction and the docs all read this one table.

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

/// The complete list of settings. `--help`, the config-file check and docs use it.
pub const KEYS: &[Key] = &[
    Key {
        name: "mode",
        help: "error-handling policy: `dev` (leaks everything), `prod` (hardened) or `bare` (actix-web's own defaults)",
        default: Some("dev"),
        secret: false,
    },
    Key {
        name: "bind",
        help: "address to listen on; port 0 picks a free port",
        default: Some("127.0.0.1:8080"),
        secret: false,
    },
    Key {
        name: "database_url",
        help: "sqlite://FILE?mode=rwc (embedded default) or postgres://USER@HOST/DB",
        default: Some("sqlite://bookshop.sqlite3?mode=rwc"),
        secret: true,
    },
    Key {
        name: "workers",
        help: "number of HTTP worker threads",
        default: Some("2"),
        secret: false,
    },
    Key {
        name: "pool_max_connections",
        help: "largest number of pooled database connections",
        default: Some("5"),
        secret: false,
    },
    Key {
        name: "pool_acquire_timeout_ms",
        help: "how long a request waits for a pooled connection before giving up",
        default: Some("3000"),
        secret: false,
    },
    Key {
        name: "max_in_flight",
        help: "requests the shop's routes serve at once; beyond it the app sheds load with 503 + Retry-After (0: no limit, every request queues; resource.overload). `POST /ops/shedding` changes it at run time",
        default: Some("0"),
        secret: false,
    },
    Key {
        name: "recommendations_query_ms",
        help: "how long the recommendations query holds its pooled connection: what it costs on a real order history (the seed data is tiny; resource.overload)",
        default: Some("20"),
        secret: false,
    },
    Key {
        name: "ops_token",
        help: "bearer token for /ops routes, at least 16 characters (unset: prod disables the ops routes, dev uses a well-known one)",
        default: None,
        secret: true,
    },
    Key {
        name: "statement_timeout_ms",
        help: "longest a database statement may run (PostgreSQL statement_timeout; the app's own deadline on SQLite)",
        default: Some("2000"),
        secret: false,
    },
    Key {
        name: "sqlite_busy_timeout_ms",
        help: "how long an SQLite connection waits for a lock another process holds before SQLITE_BUSY 'database is locked' (sqlx's default)",
        default: Some("5000"),
        secret: false,
    },
    Key {
        name: "transfer_lock_pause_ms",
        help: "pause between locking the two wallets of a transfer (makes the db.deadlock race reproducible)",
        default: Some("100"),
        secret: false,
    },
    Key {
        name: "fx_api_url",
        help: "base URL of the currency-rate upstream",
        default: Some("http://127.0.0.1:8099"),
        secret: false,
    },
    Key {
        name: "fx_timeout_ms",
        help: "how long the app waits for the currency-rate upstream",
        default: Some("2000"),
        secret: false,
    },
    Key {
        name: "smtp_url",
        help: "mail server for order receipts, smtp://HOST:PORT; the lab's default is a local mail catcher (set it empty to see config.missing-env; prod then refuses to start)",
        default: Some("smtp://127.0.0.1:2525"),
        secret: true,
    },
    Key {
        name: "invoice_template",
        help: "path of an invoice template file (prod checks it exists); unset: the template built into the app",
        default: None,
        secret: false,
    },
    Key {
        name: "invoice_converter",
        help: "program that turns a text invoice into the print shop's format (text on stdin, the document on stdout): a path, or a name looked up in PATH; unset: printable invoices are plain text (config.missing-dependency)",
        default: None,
        secret: false,
    },
    Key {
        name: "pdf_render_ms",
        help: "how long rendering an invoice PDF blocks its worker thread (resource.worker-blocked)",
        default: Some("1500"),
        secret: false,
    },
    Key {
        name: "pdf_deadline_ms",
        help: "prod gives up rendering a PDF after this long and answers 503",
        default: Some("500"),
        secret: false,
    },
    Key {
        name: "open_files_limit",
        help: "lowers this process's own open-files limit (0 leaves it, else at least 32 + 4 per worker; resource.file-handles)",
        default: Some("0"),
        secret: false,
    },
    Key {
        name: "open_files_headroom",
        help: "once started, lowers this process's open-files limit to the descriptors it holds plus this many (0 leaves it; the same budget whatever the worker count; resource.file-handles)",
        default: Some("0"),
        secret: false,
    },
    Key {
        name: "memory_limit_mb",
        help: "lowers this process's own address-space limit (RLIMIT_AS) to this many MiB at start-up and turns core files off (0 leaves both; at least 1024 + 64 per worker; Unix only; resource.out-of-memory)",
        default: Some("0"),
        secret: false,
    },
    Key {
        name: "probing_threshold",
        help: "error answers (4xx, 500) from one client per minute above which the app logs `suspected probing` (0 turns it off)",
        default: Some("30"),
        secret: false,
    },
    Key {
        name: "trust_forwarded_for",
        help: "behind reverse proxies you run: `true` or their number (the client is that many X-Forwarded-For hops from the right, the hop the outermost proxy appended), or their addresses (`10.0.0.5, 10.1.0.0/16`: the first hop from the right that is none of them); `false`: the peer address",
        default: Some("false"),
        secret: false,
    },
    Key {
        name: "fx_api_key",
        help: "API key sent to the currency-rate upstream (the lab's value is fake)",
        default: Some(LAB_FX_API_KEY),
        secret: true,
    },
    Key {
        name: "sentry_dsn",
        help: "where errors are reported through the Sentry SDK (a Sentry or Bugsink project's DSN, `just tracker`); unset: no tracker. Bare mode never reports",
        default: None,
        secret: true,
    },
];
