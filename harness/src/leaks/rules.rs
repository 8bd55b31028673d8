//! The leak rules: what each one looks for and the guard that keeps it precise.
//!
//! Each rule names the matching OWASP ZAP passive-scan rule where one exists (90022
//! application error disclosure, 10023 debug error messages, 10036 Server version,
//! 10037 X-Powered-By, 10062 private IP disclosure). The Rust-specific signatures are the
//! lab's own: ZAP knows none of them.

use serde::Serialize;

/// How bad a finding of this rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// Where a rule looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Body,
    /// One response header, by lower-case name.
    Header(&'static str),
}

/// One leak rule. `pattern` is a regex (where it must match context around the leak, a
/// group named `leak` marks the leak itself); `guard` documents how false positives are
/// kept out.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub cwe: &'static [&'static str],
    pub zap: Option<u32>,
    pub scope: Scope,
    pub pattern: &'static str,
    pub guard: &'static str,
    /// Leaks that start with one of these are not findings of this rule: the regex crate
    /// has no look-ahead to say it in the pattern.
    pub exempt_prefixes: &'static [&'static str],
}

impl Rule {
    /// Whether a leak the pattern found (its `leak` group, else the match) is a finding.
    pub fn counts(&self, leak: &str) -> bool {
        !self.exempt_prefixes.iter().any(|p| leak.starts_with(p))
    }
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "rust.panic-message",
        title: "Rust panic message",
        severity: Severity::High,
        cwe: &["CWE-209", "CWE-248"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"panicked at|handler panicked|called `(?:Option|Result)::(?:unwrap|expect)\(\)`|attempt to (?:divide|calculate the remainder) (?:by|with a divisor of) zero|attempt to (?:add|subtract|multiply) with overflow|is not a char boundary|index out of bounds: the len is",
        guard: "Only the exact texts the Rust standard library panics with; ordinary prose such as 'panic' alone never matches.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "rust.source-location",
        title: "Source file and line of Rust code",
        severity: Severity::Medium,
        cwe: &["CWE-209"],
        zap: Some(10023),
        scope: Scope::Body,
        pattern: r"[\w./-]*\b(?:src|library|tests|benches)/[\w./-]+\.rs:\d+(?::\d+)?",
        guard: "Requires a `.rs` file under src/, library/, tests/ or benches/ followed by `:LINE`; a bare file name or a URL path does not match.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "rust.backtrace",
        title: "Backtrace frames",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"stack backtrace:|\b\d{1,3}: (?:<|__)?[A-Za-z_][\w]*(?:::[\w<>{}#]+){2,}|at /rustc/[0-9a-f]{8,}",
        guard: "A numbered frame must name a path of at least three `::` segments (`0: core::ops::function`), or the text must carry rustc's own markers.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "path.absolute",
        title: "Absolute file system path",
        severity: Severity::Medium,
        cwe: &["CWE-200", "CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r#"(?:^|[\s"'=(\[:,])(?P<leak>/(?:home|root|usr|var|tmp|opt|etc|srv|app|work|workspace|Users|private|mnt|proc|run)/[\w.@-]+(?:/[\w.@-]+)*|/(?:[\w.@-]+/){3,}[\w@-][\w.@-]*\.(?:rs|toml|lock|sql|sqlite3?|db|txt|svg|png|jpe?g|pdf|html?|j2|tera|pem|key|env|log|conf|ya?ml))|\b[A-Z]:\\(?:[\w .-]+\\)+[\w .-]*"#,
        guard: "A path counts under a well-known root directory (/home, /root, /usr, /var, /tmp, ...), or under any root when it is at least three directories deep and names a source, template, asset, key, database or config file (.rs, .toml, .sql, .sqlite3, .txt, .svg, .html, .pem, .env, .yaml, ...), or after a Windows drive letter; std's remapped `/rustc/<commit>/...` paths are left to rust.source-location; API paths like /books/13 or /problems/not-found never match.",
        // std's sources as rustc remaps them: not this server's file system, and
        // `rust.source-location` already reports them.
        exempt_prefixes: &["/rustc/"],
    },
    Rule {
        id: "sql.statement",
        title: "SQL statement text",
        severity: Severity::High,
        cwe: &["CWE-209", "CWE-89"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"\bSELECT\s+(?:DISTINCT\s+)?[A-Za-z0-9_*.,()'\s]{1,200}?\s+FROM\s+\w+|\bINSERT\s+INTO\s+\w+|\bUPDATE\s+\w+\s+SET\s+\w+|\bDELETE\s+FROM\s+\w+|(?i:\bselect\s+[A-Za-z0-9_*.,()\s]{1,200}?\s+from\s+\w+\s+(?:where|join|order\s+by|group\s+by|limit)\b)",
        guard: "Needs a statement's shape (SELECT ... FROM table, INSERT INTO table, UPDATE t SET c, DELETE FROM t) with upper-case keywords; lower-case SQL must continue with WHERE/JOIN/ORDER BY/GROUP BY/LIMIT, so prose like 'select a book from the list' passes.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "db.engine-error",
        title: "Database engine error text",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r#"error returned from database|syntax error at or near|near \\?"[^"\\]{0,40}\\?": syntax error|UNIQUE constraint failed|duplicate key value violates unique constraint|violates (?:foreign key|check|not-null) constraint|deadlock detected|database is locked|canceling statement due to|terminating connection due to administrator command|PgDatabaseError|SqliteError|MySqlDatabaseError|ORA-\d{5}|You have an error in your SQL syntax"#,
        guard: "Exact engine and driver phrases only (PostgreSQL, SQLite, MySQL, Oracle, sqlx type names).",
        exempt_prefixes: &[],
    },
    Rule {
        id: "db.sqlstate",
        title: "SQLSTATE or engine error code",
        severity: Severity::Medium,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r#"SQLSTATE\[?\s*[0-9A-Z]{5}|\bcode: \\?"[0-9A-Z]{5}\\?"|\(code: \d{1,4}\)"#,
        guard: "A five-character SQLSTATE next to the word SQLSTATE or a driver's `code:` field; five digits elsewhere (ids, prices) do not match.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "framework.error-text",
        title: "sqlx or actix-web error text",
        severity: Severity::Medium,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"pool timed out while waiting for an open connection|attempted to acquire a connection on a closed pool|Json deserialize error|Query deserialize error|Path deserialize error|Json payload size is bigger than allowed|Content type error|\bsqlx(?:_core|_postgres|_sqlite)?::|\bactix_(?:web|http|server)::",
        guard: "Library-specific messages and module paths only; the words 'sqlx' or 'actix' in prose do not match.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "version.disclosure",
        title: "Software versions in the body",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10023),
        scope: Scope::Body,
        pattern: r#"\b(?:actix-web|sqlx|tokio|rustc|Rust|PostgreSQL|SQLite|nginx|Apache|PHP|Express|Django|Werkzeug|Python|OpenJDK|ASP\.NET)(?:\\?"\s*:\s*\\?"|/|\s)v?\d+\.\d+(?:\.\d+)?"#,
        guard: "A product name followed directly by a version number (name/1.2, name 1.2 or \"name\":\"1.2\"); a product name alone does not match.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "header.server-version",
        title: "Server header with a version",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10036),
        scope: Scope::Header("server"),
        pattern: r"\d",
        guard: "As ZAP 10036: only a Server header that contains a digit; `Server: demo` passes.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "header.x-powered-by",
        title: "X-Powered-By header",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10037),
        scope: Scope::Header("x-powered-by"),
        pattern: r".",
        guard: "As ZAP 10037: any non-empty X-Powered-By header.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "secret.connection-string",
        title: "Database or broker connection string",
        severity: Severity::High,
        cwe: &["CWE-200", "CWE-522"],
        zap: None,
        scope: Scope::Body,
        pattern: r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|sqlite)://[^\s\x22'<>]+",
        guard: "A URL with a database or broker scheme; http(s) URLs never match.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "secret.credential",
        title: "API key, token or password",
        severity: Severity::High,
        cwe: &["CWE-200", "CWE-522"],
        zap: None,
        scope: Scope::Body,
        pattern: r#"(?i:api[_-]?key|secret|token|passw(?:or)?d|private[_-]?key|access[_-]?key)\\?"?[ \t]*[:=][ \t]*\\?"?[^\s"\\<,}]{8,}|\b(?:sk_live_|rk_live_|fxk_live_|ghp_|xox[bp]-|AKIA)[A-Za-z0-9_]{8,}"#,
        guard: "A credential-named key with a value of eight or more characters (so `token: null` or `password: ***` pass), or a well-known key prefix.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "network.private-ip",
        title: "Private IP address",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10062),
        scope: Scope::Body,
        pattern: r"\b(?:10\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}\b",
        guard: "RFC 1918 ranges only, as ZAP 10062; loopback and public addresses do not match.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "debug.page",
        title: "Framework debug page",
        severity: Severity::Medium,
        cwe: &["CWE-215", "CWE-489"],
        zap: Some(10023),
        scope: Scope::Body,
        pattern: r"You are seeing this page because|You're seeing this error because you have <code>DEBUG = True|Werkzeug Debugger|Whoops! There was an error|Server Error in '/' Application|Laravel|Symfony\\Component\\Debug",
        guard: "The banner texts of known debug pages only.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "stacktrace.python",
        title: "Python traceback",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r#"Traceback \(most recent call last\)|File \\?"[^"\\]+\.py\\?", line \d+"#,
        guard: "Python's own traceback header or frame format.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "stacktrace.java",
        title: "Java stack trace",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"\bat [\w$.]+\.[\w$<>]+\([\w$]+\.(?:java|kt|scala):\d+\)|Exception in thread \x22|\bjava\.(?:lang|io|sql)\.\w+(?:Exception|Error)\b",
        guard: "Frames must have the `at pkg.Class.method(File.java:N)` shape.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "stacktrace.dotnet",
        title: ".NET stack trace",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"\bat [\w.`<>]+\([^)]*\) in [^\n]+:line \d+|\bSystem\.(?:NullReference|InvalidOperation|Argument\w*|Data\.\w+)Exception\b|--- End of stack trace from previous location",
        guard: "The `at Ns.Type.Method(...) in File.cs:line N` frame shape or well-known System exceptions.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "stacktrace.php",
        title: "PHP error or stack trace",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"(?:Fatal error|Parse error|Warning|Notice): .{1,300}? in \S+\.php on line \d+|PHP (?:Fatal error|Warning|Notice)|#\d+ \S+\.php\(\d+\)",
        guard: "PHP's `... in FILE.php on line N` and `#0 FILE.php(N)` formats.",
        exempt_prefixes: &[],
    },
    Rule {
        id: "stacktrace.node",
        title: "Node.js stack trace",
        severity: Severity::High,
        cwe: &["CWE-209"],
        zap: Some(90022),
        scope: Scope::Body,
        pattern: r"\bat (?:[\w.<>\[\] ]+ )?\(?(?:/|node:internal/)[^\s()]+\.(?:m?js|ts|cjs):\d+:\d+\)?|TypeError: Cannot read propert(?:y|ies) of (?:undefined|null)",
        guard: "V8 frames (`at fn (/path/file.js:L:C)`) or its most common TypeError text.",
        exempt_prefixes: &[],
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
