//! The lab's own rules (Rust, sqlx, actix-web) and the generic ones: paths, SQL, versions,
//! secrets, addresses. Their order is the order findings have always been reported in.

use super::{BODY, Rule, Scope, Severity};

// One rule per entry, laid out as a table: rustfmt would put every anchor and sample on a
// line of its own.
#[rustfmt::skip]
pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "rust.panic-message",
        title: "Rust panic message",
        cwe: &["CWE-209", "CWE-248"],
        pattern: r"panicked at|handler panicked|called `(?:Option|Result)::(?:unwrap|expect)\(\)`|attempt to (?:divide|calculate the remainder) (?:by|with a divisor of) zero|attempt to (?:add|subtract|multiply|negate|shift left|shift right) with overflow|is not a char boundary|index out of bounds: the len is",
        anchors: &["panicked at", "handler panicked", "::unwrap()`", "::expect()`", "attempt to divide", "attempt to calculate", "add with overflow", "subtract with overflow", "multiply with overflow", "negate with overflow", "shift left with overflow", "shift right with overflow", "is not a char boundary", "index out of bounds: the len is"],
        guard: "Only the exact texts the Rust standard library panics with; ordinary prose such as 'panic' alone never matches.",
        samples: &["thread 'main' panicked at src/main.rs:3:5", "called `Option::unwrap()` on a `None` value", r#"{"panic":"attempt to divide by zero"}"#],
        lookalikes: &["Don't panic, it is fine.", "We panicked a little at the launch party."],
        ..BODY
    },
    Rule {
        id: "rust.source-location",
        title: "Source file and line of Rust code",
        severity: Severity::Medium,
        zap: Some(10023),
        pattern: r"[\w./-]{0,200}\b(?:src|library|tests|benches|examples)/[\w./-]{1,200}\.rs:\d{1,6}(?::\d{1,6})?",
        anchors: &[".rs:0", ".rs:1", ".rs:2", ".rs:3", ".rs:4", ".rs:5", ".rs:6", ".rs:7", ".rs:8", ".rs:9"],
        guard: "Requires a `.rs` file under src/, library/, tests/, benches/ or examples/ followed by `:LINE`; a bare file name or a URL path does not match.",
        samples: &["demo-app/src/routes/books.rs:70:25", "at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/ops/function.rs:250:5"],
        lookalikes: &["see /books/13 and file.rs", "the crate's src/lib.rs is tiny"],
        ..BODY
    },
    Rule {
        id: "rust.backtrace",
        title: "Backtrace frames",
        pattern: r"[Ss]tack backtrace:|\b\d{1,3}: (?:<|__)?[A-Za-z_]\w{0,64}(?:::[\w<>{}#]{1,64}){2,16}|at /rustc/[0-9a-f]{8,40}",
        anchors: &["tack backtrace:", "::", "at /rustc/"],
        guard: "A numbered frame must name a path of at least three `::` segments (`0: core::ops::function`), or the text must carry rustc's or anyhow's own markers.",
        samples: &["   0: core::ops::function::FnOnce::call_once", "stack backtrace:\n   0: rust_begin_unwind", "Stack backtrace:\n   0: anyhow::error::<impl anyhow::Error>::msg"],
        lookalikes: &["step 1: add::two numbers", "a C++ note: std::vector is fine"],
        ..BODY
    },
    Rule {
        id: "path.absolute",
        title: "Absolute file system path",
        severity: Severity::Medium,
        cwe: &["CWE-200", "CWE-209"],
        // Path segments are ASCII and bounded: that bounds the window the scanner searches
        // around each anchor. A non-ASCII segment ends the evidence early, nothing worse.
        pattern: r#"(?:^|[\s"'=(\[:,>;])(?P<leak>\\?/(?:home|root|usr|var|tmp|opt|etc|srv|app|work|workspace|Users|private|mnt|proc|run)\\?/[\w.@-]{1,64}(?:\\?/[\w.@-]{1,64}){0,24}|\\?/(?:[\w.@-]{1,64}\\?/){3,24}[\w@-][\w.@-]{0,64}\.(?:toml|lock|sqlite3?|tera|conf|yaml)|\\?/(?:[\w.@-]{1,64}\\?/){2,24}(?:src|config|conf|templates|migrations|deploy|secrets|keys|certs|logs|node_modules|site-packages|target)\\?/(?:[\w.@-]{1,64}\\?/){0,12}[\w@-][\w.@-]{0,64}\.(?:rs|py|rb|php|java|kt|go|exs?|cs|j2|tera|db|sqlite3?|toml|ya?ml|conf|ini|cfg|env|pem|key|sql|lock|txt|log)|\\?/(?:[\w.@-]{1,64}\\?/){2,24}(?:assets|templates|static|public|resources|uploads|storage)\\?/(?:[\w.@-]{1,64}\\?/){0,12}[\w@-][\w.@-]{0,64}\.(?:svg|png|jpe?g|gif|webp|pdf|html?|css|js))|\b[A-Za-z]:(?:\\{1,4}[\w .-]{1,64}){1,24}\\{1,4}[\w .-]{0,64}|"(?:executable|exe|working_directory|working_dir|cwd|current_dir)"\s{0,4}:\s{0,4}"\\?/[\w.@-]{1,64}(?:\\?/[\w.@-]{1,64}){1,24}"#,
        anchors: &["/home", "/root", "/usr/", "/usr\\", "/var/", "/var\\", "/tmp/", "/tmp\\", "/opt/", "/opt\\", "/etc/", "/etc\\", "/srv/", "/srv\\", "/app/", "/app\\", "/work", "/Users", "/private", "/mnt/", "/mnt\\", "/proc", "/run/", "/run\\", ".toml", ".lock", ".sqlite", ".tera", ".conf", ".yaml", "/src/", "/src\\", "/config", "/conf/", "/conf\\", "/templates", "/migrations", "/deploy", "/secrets", "/keys", "/certs", "/logs", "/node_modules", "/site-packages", "/target", "/assets", "/static", "/public", "/resources", "/uploads", "/storage", ":\\", "\"executable\"", "\"exe\"", "\"working_dir", "\"cwd\"", "\"current_dir\""],
        guard: "A path counts under a well-known root directory (/home, /root, /usr, /var, /tmp, ...); under any root when it is at least three directories deep and names a config, lock, database or template file (.toml, .lock, .sqlite3, .tera, .conf, .yaml), or when a server-side folder (src, config, templates, migrations, secrets, logs, site-packages, ...) two or more directories down holds a source, config, key, SQL, text or log file, or an application's assets/static folder as deep holds a web asset; or after a Windows drive letter; or anywhere, two or more deep, as the value of a JSON member that names a process's executable or working directory (`\"executable\": \"/ci-out/debug/harness\"`: a build's location must not decide whether its path counts); also with JSON's escaped `\\/` separators. std's remapped `/rustc/<commit>/...` paths are left to rust.source-location; API paths like /books/13, URLs and shallow links (/static/dist/app.js, /assets/img/logo.svg) never match.",
        exempt_prefixes: &["/rustc/"],
        samples: &["cwd \"/home/ada/lab/target\"", r#"{"backtrace":"at /builds/ci-7/demo-app/src/request_context.rs:35:9"}"#, r#"{"error":"No such file: /ci/7/demo-app/assets/cover.svg"}"#, r"Source File: c:\inetpub\wwwroot\Shop\Default.aspx.cs", r#"{"file":"\/var\/www\/html\/index.php"}"#, "<td>/usr/local/bin/python</td>", r#"{"process":{"executable":"/ci-out/debug/harness"}}"#],
        lookalikes: &["GET /books/13 then /problems/not-found", r#"<link href="/static/css/site.css"> <img src="/assets/img/logo.svg">"#, "see https://example.com/docs/a/b/page.html", r#"{"path":"/books/13/reviews","cwd":"/"}"#],
        ..BODY
    },
    Rule {
        id: "sql.statement",
        title: "SQL statement text",
        cwe: &["CWE-209", "CWE-89"],
        pattern: r#"\bSELECT\s{1,16}(?:DISTINCT\s{1,16})?[A-Za-z0-9_*.,()'\s`"\\\[\]&#;]{1,200}?\s{1,16}FROM\s{1,16}(?:`|{q}|\[)?\w{1,64}|\bINSERT\s{1,16}INTO\s{1,16}(?:`|{q}|\[)?\w{1,64}|\bUPDATE\s{1,16}(?:`|{q}|\[)?\w{1,64}(?:`|{q}|\])?\s{1,16}SET\s{1,16}(?:`|{q}|\[)?\w{1,64}|\bDELETE\s{1,16}FROM\s{1,16}(?:`|{q}|\[)?\w{1,64}|\b(?:select\s{1,16}[A-Za-z0-9_*.,()\s`"\\&#;]{1,200}?\s{1,16}from\s{1,16}(?:`|{q})?\w{1,64}(?:`|{q})?\s{1,16}(?:where|join|order\s{1,16}by|group\s{1,16}by|limit))\b|\b(?:insert\s{1,16}into\s{1,16}(?:`|{q})?\w{1,64}(?:`|{q})?\s{0,16}\([\w\s,`"\\&#;]{1,300}\)\s{0,16}values)\b|\b(?:update\s{1,16}(?:`|{q})?\w{1,64}(?:`|{q})?\s{1,16}set\s{1,16}(?:`|{q})?\w{1,64}(?:`|{q})?\s{0,4}=)|\b(?:delete\s{1,16}from\s{1,16}(?:`|{q})?\w{1,64}(?:`|{q})?\s{1,16}where)\b"#,
        anchors: &["SELECT", "INSERT", "UPDATE", "DELETE", "select ", "select\t", "select\n", "select\r", "select\x0B", "select\x0C", "insert ", "insert\t", "insert\n", "insert\r", "insert\x0B", "insert\x0C", "update ", "update\t", "update\n", "update\r", "update\x0B", "update\x0C", "delete ", "delete\t", "delete\n", "delete\r", "delete\x0B", "delete\x0C"],
        guard: "Needs a statement's shape (SELECT ... FROM table, INSERT INTO table, UPDATE t SET c, DELETE FROM t) with upper-case keywords; identifiers may be quoted (`\"t\"`, `` `t` ``, `[t]`, also JSON-escaped); all-lower-case SQL (as ORMs log it) must go on with WHERE/JOIN/ORDER BY/GROUP BY/LIMIT, a column list and VALUES, or `SET column =`, so prose like 'Select a book from the list' or 'select a book from the list' passes.",
        samples: &["SELECT id, name FROM authors WHERE 1", "select * from `books` where `books`.`id` = 42 limit 1", r#"SELECT \"shop_book\".\"id\" FROM \"shop_book\" WHERE"#, "insert into books (title, author_id) values (?, ?)", r#""sql":"update wallets set balance_cents = balance_cents - $1 where id = $2""#],
        lookalikes: &["Please select a book from the list.", "Update your settings from the menu.", "Insert into the slot, then delete from memory."],
        ..BODY
    },
    Rule {
        id: "db.engine-error",
        title: "Database engine error text (PostgreSQL, SQLite, sqlx)",
        pattern: r#"error returned from database|syntax error at or near|near {q}[^"\\&]{0,40}{q}: syntax error|UNIQUE constraint failed|duplicate key value violates unique constraint|violates (?:foreign key|check|not-null) constraint|deadlock detected|database is locked|canceling statement due to|terminating connection due to administrator command|PgDatabaseError|SqliteError|MySqlDatabaseError"#,
        anchors: &["error returned from database", "syntax error at or near", ": syntax error", "UNIQUE constraint failed", "violates ", "deadlock detected", "database is locked", "canceling statement due to", "terminating connection due to", "PgDatabaseError", "SqliteError", "MySqlDatabaseError"],
        guard: "Exact PostgreSQL and SQLite message texts and sqlx's error type names only; the other engines have rules of their own.",
        samples: &["error returned from database: boom", r#"(code: 1) near \"Reilly\": syntax error"#, "ERROR: deadlock detected"],
        lookalikes: &["the database is fine", "a deadlock-free design"],
        ..BODY
    },
    Rule {
        id: "db.sqlstate",
        title: "SQLSTATE or engine error code",
        severity: Severity::Medium,
        pattern: r#"SQLSTATE\[?\s{0,4}[0-9A-Z]{5}|SQLState: [0-9A-Z]{5}|\bcode: \\?"[0-9A-Z]{5}\\?"|\(code: \d{1,4}\)"#,
        anchors: &["SQLSTATE", "SQLState: ", "code: "],
        guard: "A five-character SQLSTATE next to the word SQLSTATE (or JDBC's `SQLState:`) or a driver's `code:` field; five digits elsewhere (ids, prices, promo codes) do not match.",
        samples: &[r#"PgDatabaseError { code: "40P01" }"#, "SQLSTATE[23000]: Integrity constraint violation", "(code: 2067) UNIQUE", "SQL Error: 0, SQLState: 23505"],
        lookalikes: &["order 40501 shipped in 12345 ms", "Promo code: SAVE10"],
        ..BODY
    },
    Rule {
        id: "framework.error-text",
        title: "sqlx, actix-web or serde error text",
        severity: Severity::Medium,
        pattern: r"pool timed out while waiting for an open connection|attempted to acquire a connection on a closed pool|Json deserialize error|Query deserialize error|Path deserialize error|Json payload size is bigger than allowed|Content type error|error communicating with database|no rows returned by a query that expected to return at least one row|error occurred while decoding column|error occurred while attempting to establish a TLS connection|\bsqlx(?:_core|_postgres|_sqlite|_mysql)?::|\bactix_(?:web|http|server|router)::|\b(?:missing field|unknown field|invalid type|invalid value|invalid length|unknown variant|duplicate field|expected value|trailing characters|EOF while parsing an? (?:value|list|object|string)|key must be a string)[^\n]{0,200}? at line \d{1,7} column \d{1,7}",
        anchors: &["pool timed out while waiting", "attempted to acquire a connection", " deserialize error", "Json payload size", "Content type error", "error communicating with database", "no rows returned by a query", "error occurred while decoding column", "error occurred while attempting to establish", "sqlx::", "sqlx_", "actix_", " at line "],
        guard: "Library-specific messages and module paths only, and serde's error texts with their `at line N column N` position; the words 'sqlx' or 'actix' in prose do not match.",
        samples: &["Json deserialize error: EOF", "error communicating with database: Connection refused (os error 111)", "at sqlx_core::pool::inner::PoolInner::acquire", r#"invalid type: string "12.50", expected u32 at line 1 column 36"#],
        lookalikes: &["json is a format", "We use sqlx and actix in production.", "The quote at line 3 of the poem."],
        ..BODY
    },
    Rule {
        id: "version.disclosure",
        title: "Software versions in the body",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10023),
        // Forms: a dependency map (`"actix-web":"4.18.1"`), a server signature
        // (`Apache/2.4.57`), a product next to a version field (`"engine":"SQLite",
        // "version":"3.51"`, also as an HTML table), a version label on a debug page
        // (`Django Version:`, `ASP.NET Version:`), an engine's version() string.
        pattern: r#"\b(?:actix-web|actix-http|sqlx|tokio|hyper|axum|rustc|django|Django|flask|Flask|werkzeug|Werkzeug|rails|Rails|express|Express|laravel/framework|symfony/http-kernel|spring-boot|spring-core|PostgreSQL|postgresql|MySQL|mysql|MariaDB|SQLite|sqlite|Redis|redis|MongoDB|mongodb|nginx|Apache)(?:{q}\s{0,4}:\s{0,4}{q}|/)v?\d{1,4}\.\d{1,4}(?:\.\d{1,6})?|\b(?:openresty|Microsoft-IIS|LiteSpeed|Kestrel|Jetty|Tomcat|Apache-Coyote|gunicorn|uvicorn|Python|CPython|PHP|OpenSSL|Phusion_Passenger|Passenger|Puma|WEBrick|Node\.js|Ruby|Cowboy|Rust|Envoy|Varnish|Caddy|OpenJDK|ASP\.NET|Elasticsearch)/v?\d{1,4}\.\d{1,4}(?:\.\d{1,6})?|\b(?:engine|server|product|database|runtime|platform|framework){q}?{cell}:?{cell}{q}?(?:PostgreSQL|MySQL|MariaDB|SQLite|Redis|MongoDB|Elasticsearch|nginx|Apache|Python|PHP|Ruby|Node\.js|Java|OpenJDK){q}?{cell},?{cell}{q}?version{q}?{cell}:?{cell}{q}?v?\d{1,4}\.\d{1,4}(?:\.\d{1,6})?|(?:\b(?:Django|Python|PHP|Ruby|Rails|Node|Java|Werkzeug|Flask|Laravel|Symfony|Spring Boot|Elixir|Erlang|Phoenix)|ASP\.NET|\.NET Framework|\.NET) [Vv]ersion{cell}v?\d{1,4}\.\d{1,4}|\b[Vv]ersion(?: [Ii]nformation)?:{cell}(?:[A-Za-z][\w .-]{0,40}?[ /:])?v?\d{1,4}\.\d{1,4}|\bPostgreSQL \d{1,4}\.\d{1,4}(?:\.\d{1,6})?[\w.+~-]{0,40}(?: \([^()\n]{1,100}\))? on [\w-]{2,40}, compiled by|\bMicrosoft SQL Server \d{4} [^\n]{0,40}?- \d{1,4}\.\d{1,4}|\bOracle Database \d{1,2}[a-z]{1,2} [\w ]{0,60}?Release \d{1,4}\.\d{1,4}|\d{1,4}\.\d{1,4}\.\d{1,4}-MariaDB|Jetty:// ?\d{1,4}\.\d{1,4}|(?:[\r\n]|\\n)Node\.js v\d{1,4}\.\d{1,4}"#,
        anchors: &["actix-web\"", "actix-web\\", "actix-web&", "actix-web/", "actix-http\"", "actix-http\\", "actix-http&", "actix-http/", "sqlx\"", "sqlx\\", "sqlx&", "sqlx/", "tokio\"", "tokio\\", "tokio&", "tokio/", "hyper\"", "hyper\\", "hyper&", "hyper/", "axum\"", "axum\\", "axum&", "axum/", "rustc\"", "rustc\\", "rustc&", "rustc/", "django\"", "django\\", "django&", "django/", "Django\"", "Django\\", "Django&", "Django/", "flask\"", "flask\\", "flask&", "flask/", "Flask\"", "Flask\\", "Flask&", "Flask/", "werkzeug\"", "werkzeug\\", "werkzeug&", "werkzeug/", "Werkzeug\"", "Werkzeug\\", "Werkzeug&", "Werkzeug/", "rails\"", "rails\\", "rails&", "rails/", "Rails\"", "Rails\\", "Rails&", "Rails/", "express\"", "express\\", "express&", "express/", "Express\"", "Express\\", "Express&", "Express/", "laravel/framework\"", "laravel/framework\\", "laravel/framework&", "laravel/framework/", "symfony/http-kernel\"", "symfony/http-kernel\\", "symfony/http-kernel&", "symfony/http-kernel/", "spring-boot\"", "spring-boot\\", "spring-boot&", "spring-boot/", "spring-core\"", "spring-core\\", "spring-core&", "spring-core/", "PostgreSQL\"", "PostgreSQL\\", "PostgreSQL&", "PostgreSQL/", "postgresql\"", "postgresql\\", "postgresql&", "postgresql/", "MySQL\"", "MySQL\\", "MySQL&", "MySQL/", "mysql\"", "mysql\\", "mysql&", "mysql/", "MariaDB\"", "MariaDB\\", "MariaDB&", "MariaDB/", "SQLite\"", "SQLite\\", "SQLite&", "SQLite/", "sqlite\"", "sqlite\\", "sqlite&", "sqlite/", "Redis\"", "Redis\\", "Redis&", "Redis/", "redis\"", "redis\\", "redis&", "redis/", "MongoDB\"", "MongoDB\\", "MongoDB&", "MongoDB/", "mongodb\"", "mongodb\\", "mongodb&", "mongodb/", "nginx\"", "nginx\\", "nginx&", "nginx/", "Apache\"", "Apache\\", "Apache&", "Apache/", "openresty/", "Microsoft-IIS/", "LiteSpeed/", "Kestrel/", "Jetty/", "Tomcat/", "Apache-Coyote/", "gunicorn/", "uvicorn/", "Python/", "CPython/", "PHP/v", "PHP/0", "PHP/1", "PHP/2", "PHP/3", "PHP/4", "PHP/5", "PHP/6", "PHP/7", "PHP/8", "PHP/9", "OpenSSL/", "Phusion_Passenger/", "Passenger/", "Puma/", "WEBrick/", "Node.js/", "Ruby/", "Cowboy/", "Rust/", "Envoy/", "Varnish/", "Caddy/", "OpenJDK/", "ASP.NET/", "Elasticsearch/", "version", "Django Version", "Django version", "Python Version", "Python version", "PHP Version", "PHP version", "Ruby Version", "Ruby version", "Rails Version", "Rails version", "Node Version", "Node version", "Java Version", "Java version", "Werkzeug Version", "Werkzeug version", "Flask Version", "Flask version", "Laravel Version", "Laravel version", "Symfony Version", "Symfony version", "Spring Boot Version", "Spring Boot version", "Elixir Version", "Elixir version", "Erlang Version", "Erlang version", "Phoenix Version", "Phoenix version", "ASP.NET Version", "ASP.NET version", ".NET Framework Version", ".NET Framework version", ".NET Version", ".NET version", "ersion:", "ersion Information:", "ersion information:", ", compiled by", "Microsoft SQL Server ", "Oracle Database ", "-MariaDB", "Jetty://", "\nNode.js v", "\rNode.js v", "\\nNode.js v"],
        guard: "Versions only where they disclose the stack: a product's name as a dependency-map key or in a server signature (`name/1.2`), a product beside a version field, a `Version:` label (alone or after a product, as debug pages and error footers print it), an engine's own version() string. A product name followed by a version in prose or a catalogue ('Learning Python 3.12') does not match, nor does a browser's User-Agent.",
        samples: &[r#""actix-web":"4.18.1""#, "<address>Apache/2.4.57 (Debian) Server at shop.example Port 80</address>", "<th>Django Version:</th>\n      <td>4.2.7</td>", "Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4465.0", "PostgreSQL 15.14 (Debian 15.14-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit", r#"{"engine":"SQLite","version":"3.51.3"}"#],
        lookalikes: &["Built with Rust and love", "Learning Python 3.12", r#"{"title":"PostgreSQL 16 Administration Cookbook","edition":2,"version":"2.1"}"#, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Django 5.0 for beginners, Node.js v20 in action"],
        ..BODY
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
        samples: &["actix-web/4.18.1"],
        lookalikes: &["demo"],
        ..BODY
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
        samples: &["Express"],
        lookalikes: &[""],
        ..BODY
    },
    Rule {
        id: "secret.connection-string",
        title: "Database or broker connection string",
        cwe: &["CWE-200", "CWE-522"],
        zap: None,
        pattern: r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|sqlite)://[^\s\x22'<>]{1,300}|\bjdbc:(?:postgresql|mysql|mariadb|sqlserver|oracle:thin):[^\s\x22'<>]{1,300}|\b(?:Server|Data Source|Host)=[^;\x22<>\n]{1,200};[^\x22<>\n]{0,300}?\b(?:Password|password|PASSWORD|Pwd|pwd|PWD)=[^;\x22<>\s]{1,100}",
        anchors: &["postgres://", "postgresql://", "mysql://", "mariadb://", "mongodb://", "mongodb+srv://", "redis://", "rediss://", "amqp://", "amqps://", "sqlite://", "jdbc:", "Server=", "Data Source=", "Host="],
        guard: "A URL with a database or broker scheme, a JDBC URL, or an ADO.NET connection string that names a server and a password; http(s) URLs never match.",
        samples: &["postgres://app:hunter2@db.internal/shop", "Server=tcp:sql01.corp.local,1433;Database=Shop;User Id=app;Password=Sup3rS3cret!;", "jdbc:mysql://db.internal:3306/shop?user=app&password=hunter2"],
        lookalikes: &["see https://example.com/a", "Use a PostgreSQL database for production."],
        ..BODY
    },
    Rule {
        id: "secret.credential",
        title: "API key, token or password",
        cwe: &["CWE-200", "CWE-522"],
        zap: None,
        pattern: r#"(?i-u:api[_-]?key|secret|token|passw(?:or)?d|private[_-]?key|access[_-]?key)\\?"?[ \t]{0,16}[:=][ \t]{0,16}\\?"?[^\s"\\<,}]{8,200}|\b(?:sk_live_|rk_live_|fxk_live_|ghp_|gho_|github_pat_|glpat-|xox[bp]-|AKIA|AIza)[A-Za-z0-9_-]{8,200}|-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----"#,
        anchors: &["(?i)apikey", "(?i)api_key", "(?i)api-key", "(?i)secret", "(?i)token", "(?i)passw", "(?i)private_key", "(?i)private-key", "(?i)privatekey", "(?i)access_key", "(?i)access-key", "(?i)accesskey", "sk_live_", "rk_live_", "fxk_live_", "ghp_", "gho_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "AKIA", "AIza", "PRIVATE KEY-----"],
        guard: "A credential-named key with a value of eight or more characters (so `token: null` or `password: ***` pass), a well-known key prefix (Stripe, GitHub, GitLab, Slack, AWS, Google), or a PEM private key header.",
        samples: &[r#""fx_api_key":"fxk_live_LAB_FAKE_7c1e0b9a52d34f6e""#, "DB_PASSWORD=Sup3rS3cret!", "AKIAIOSFODNN7EXAMPLE", "-----BEGIN RSA PRIVATE KEY-----"],
        lookalikes: &[r#""token": null, "password": "***""#, "Forgot your password? Reset it from the settings page."],
        ..BODY
    },
    Rule {
        id: "network.private-ip",
        title: "Private IP address",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10062),
        pattern: r"\b(?:10\.\d{1,3}|172\.(?:1[6-9]|2\d|3[01])|192\.168)\.\d{1,3}\.\d{1,3}\b",
        anchors: &["10.00", "10.01", "10.02", "10.03", "10.04", "10.05", "10.06", "10.07", "10.08", "10.09", "10.0.", "10.10", "10.11", "10.12", "10.13", "10.14", "10.15", "10.16", "10.17", "10.18", "10.19", "10.1.", "10.20", "10.21", "10.22", "10.23", "10.24", "10.25", "10.26", "10.27", "10.28", "10.29", "10.2.", "10.30", "10.31", "10.32", "10.33", "10.34", "10.35", "10.36", "10.37", "10.38", "10.39", "10.3.", "10.40", "10.41", "10.42", "10.43", "10.44", "10.45", "10.46", "10.47", "10.48", "10.49", "10.4.", "10.50", "10.51", "10.52", "10.53", "10.54", "10.55", "10.56", "10.57", "10.58", "10.59", "10.5.", "10.60", "10.61", "10.62", "10.63", "10.64", "10.65", "10.66", "10.67", "10.68", "10.69", "10.6.", "10.70", "10.71", "10.72", "10.73", "10.74", "10.75", "10.76", "10.77", "10.78", "10.79", "10.7.", "10.80", "10.81", "10.82", "10.83", "10.84", "10.85", "10.86", "10.87", "10.88", "10.89", "10.8.", "10.90", "10.91", "10.92", "10.93", "10.94", "10.95", "10.96", "10.97", "10.98", "10.99", "10.9.", "172.1", "172.2", "172.3", "192.168."],
        guard: "RFC 1918 ranges only, as ZAP 10062; loopback and public addresses, prices and version numbers do not match.",
        samples: &["upstream 10.0.3.7 refused", "host 192.168.1.20"],
        lookalikes: &["version 1.2.3.4 and 127.0.0.1", "price 10.99 EUR"],
        ..BODY
    },
    Rule {
        id: "debug.page",
        title: "The lab's debug page",
        severity: Severity::Medium,
        cwe: &["CWE-215", "CWE-489"],
        zap: Some(10023),
        pattern: r"You are seeing this page because",
        anchors: &["You are seeing this page because"],
        guard: "The banner of demo-app's own debug page; other stacks' debug pages have rules of their own (framework.*).",
        samples: &["You are seeing this page because demo-app runs in dev mode"],
        lookalikes: &["You are welcome"],
        ..BODY
    },
];
