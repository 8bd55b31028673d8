//! Database errors of the major engines as their servers and drivers word them (the texts
//! the lab's own PostgreSQL and SQLite produce are `db.engine-error`, in `general`).

use super::{BODY, Rule};

// One rule per entry, laid out as a table: rustfmt would put every anchor and sample on a
// line of its own.
#[rustfmt::skip]
pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "db.postgresql",
        title: "PostgreSQL error (server text or a driver's exception)",
        pattern: r"\bPG::[A-Z]\w{2,60}|\bpsycopg2?\.(?:errors\.)?[A-Z]\w{2,60}|\borg\.postgresql\.util\.PSQLException|\bNpgsql\.(?:PostgresException|NpgsqlException)|\basyncpg\.exceptions\.\w{2,60}|\bPostgrex\.Error\b|\bpq: [a-z][^\n\x22]{3,200}|\b(?:relation|column|function|type|schema|database|role|operator|sequence|index|constraint) {q}[^\x22\\&<>]{1,128}{q}(?: of relation {q}[^\x22\\&<>]{1,128}{q})? does not exist|invalid input syntax for (?:type \w{1,40}|integer)|current transaction is aborted, commands ignored until end of transaction block|could not serialize access due to (?:concurrent update|read/write dependencies)|value too long for type character varying\(\d{1,6}\)|\bKey \([^()\n]{1,100}\)=\([^()\n]{0,200}\) (?:already exists|is not present in table)|password authentication failed for user|the database system is (?:starting up|shutting down|in recovery mode)|remaining connection slots are reserved|could not connect to server: |connection to server at {q}[^\x22\\]{1,100}{q}[^\n]{0,100}? failed: ",
        anchors: &["PG::A", "PG::B", "PG::C", "PG::D", "PG::E", "PG::F", "PG::G", "PG::H", "PG::I", "PG::J", "PG::K", "PG::L", "PG::M", "PG::N", "PG::O", "PG::P", "PG::Q", "PG::R", "PG::S", "PG::T", "PG::U", "PG::V", "PG::W", "PG::X", "PG::Y", "PG::Z", "psycopg", "PSQLException", "Npgsql.", "asyncpg.exceptions", "Postgrex.Error", "pq: a", "pq: b", "pq: c", "pq: d", "pq: e", "pq: f", "pq: g", "pq: h", "pq: i", "pq: j", "pq: k", "pq: l", "pq: m", "pq: n", "pq: o", "pq: p", "pq: q", "pq: r", "pq: s", "pq: t", "pq: u", "pq: v", "pq: w", "pq: x", "pq: y", "pq: z", " does not exist", "invalid input syntax for", "current transaction is aborted", "could not serialize access", "value too long for type", ") already exists", "is not present in table", "password authentication failed", "the database system is", "remaining connection slots", "could not connect to server", "connection to server at"],
        guard: "PostgreSQL's own message texts (a quoted name that does not exist, its DETAIL `Key (...)=(...)` lines, libpq's connection errors) and the exception names of its drivers (Ruby PG::, psycopg, JDBC, Npgsql, asyncpg, Postgrex, lib/pq).",
        samples: &["PG::UndefinedTable: ERROR:  relation \"books\" does not exist", "psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint \"users_email_key\"", "org.postgresql.util.PSQLException: ERROR: column \"titel\" does not exist", "DETAIL:  Key (email)=(ada@example.com) already exists.", r#"relation \"books\" does not exist"#],
        lookalikes: &["The relation between authors and books is many-to-many.", "PostgreSQL is a powerful, open source object-relational database.", "That page does not exist."],
        ..BODY
    },
    Rule {
        id: "db.mysql",
        title: "MySQL or MariaDB error",
        pattern: r"You have an error in your SQL syntax|check the manual that corresponds to your (?:MySQL|MariaDB) server version|\bERROR \d{4} \([0-9A-Z]{5}\)|SQLSTATE\[[0-9A-Z]{5}\]: [^:\n]{1,80}: \d{4} |SQLSTATE\[HY000\] \[\d{4}\]|\bTable {sq}[\w.$-]{1,128}{sq} doesn{sq}t exist|\bUnknown column {sq}[^'&\\\n]{1,128}{sq} in {sq}|\bDuplicate entry {sq}[^\n]{0,200}?{sq} for key {sq}|Deadlock found when trying to get lock|Lock wait timeout exceeded|\b(?:com\.mysql\.(?:cj\.)?jdbc\.[\w.]{0,100}Exception|MySql\.Data\.MySqlClient\.MySqlException|MySqlConnector\.MySqlException|mysqli_sql_exception|MySQLdb\.(?:_exceptions\.)?\w{2,40}Error|pymysql\.err\.\w{2,40}Error|Mysql2::Error|SequelizeDatabaseError)|{q}(?:sqlMessage|sqlState){q}\s{0,4}:|\bmysqli?_[a-z_]{3,40}\(\)|Can{sq}t connect to (?:local )?MySQL server|Access denied for user {sq}[^'&\\\n]{1,64}{sq}@",
        anchors: &["You have an error in your SQL syntax", "check the manual that corresponds", "ERROR ", "SQLSTATE[", "Table ", "Unknown column ", "Duplicate entry ", "Deadlock found when", "Lock wait timeout exceeded", "com.mysql.", "MySqlClient", "MySqlConnector", "mysqli_", "MySQLdb.", "pymysql.err", "Mysql2::Error", "SequelizeDatabaseError", "sqlMessage", "sqlState", "mysql_", "t connect to ", "Access denied for user "],
        guard: "MySQL's and MariaDB's message texts with their quoted names (`Table 'x' doesn't exist`, `Duplicate entry ... for key`), the `ERROR 1064 (42000)` and PDO `SQLSTATE[...]: ...: 1146` shapes, and the drivers' exception names.",
        samples: &["You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''O'Reilly'' at line 1", "ERROR 1064 (42000): You have an error", "SQLSTATE[42S02]: Base table or view not found: 1146 Table 'shop.books' doesn't exist", r#"{"code":"ER_DUP_ENTRY","errno":1062,"sqlMessage":"Duplicate entry 'ada@example.com' for key 'users.email'"}"#, "Table &#39;shop.books&#39; doesn&#39;t exist"],
        lookalikes: &["MySQL is the world's most popular open source database.", "Table 4 doesn't exist in this restaurant.", "ERROR 404: page not found"],
        ..BODY
    },
    Rule {
        id: "db.mssql",
        title: "SQL Server error",
        pattern: r"Unclosed quotation mark (?:after|before) the character string|Incorrect syntax near|\bMsg \d{1,6}, Level \d{1,2}, State \d{1,3}|\b(?:System|Microsoft)\.Data\.SqlClient\.SqlException|com\.microsoft\.sqlserver\.jdbc\.SQLServerException|\[Microsoft\]\[(?:ODBC|SQL Server|ODBC Driver \d{1,2} for SQL Server)|\[SQL Server\]|OLE DB Provider for (?:SQL Server|ODBC Drivers)|Cannot insert duplicate key row in object|Violation of (?:PRIMARY|UNIQUE) KEY constraint|Invalid (?:object|column) name {sq}|Conversion failed when converting|statement conflicted with the (?:FOREIGN KEY|CHECK|REFERENCE) constraint|was deadlocked on lock (?:resources|\| communication buffer resources) with another process|Login failed for user {sq}|error occurred while establishing a connection to SQL Server|\bpyodbc\.\w{2,40}Error",
        anchors: &["Unclosed quotation mark", "Incorrect syntax near", ", Level ", "SqlClient.SqlException", "SQLServerException", "[Microsoft][", "[SQL Server]", "OLE DB Provider for", "Cannot insert duplicate key", "Violation of ", "Invalid object name", "Invalid column name", "Conversion failed when converting", "statement conflicted with the", "was deadlocked on lock", "Login failed for user", "connection to SQL Server", "pyodbc."],
        guard: "SQL Server's message texts, the `Msg N, Level N, State N` header and the client libraries' exception names; prose about SQL Server does not match.",
        samples: &["Unclosed quotation mark after the character string 'Reilly'.", "Msg 102, Level 15, State 1, Line 1\nIncorrect syntax near 'Reilly'.", "System.Data.SqlClient.SqlException (0x80131904): Invalid object name 'dbo.Books'."],
        lookalikes: &["Msg 12 from Level 3: meet at noon", "Please fix the incorrect spelling near the title.", "SQL Server 2022 Administration Inside Out"],
        ..BODY
    },
    Rule {
        id: "db.oracle",
        title: "Oracle Database error",
        pattern: r"\bORA-\d{4,5}:|\bPLS-\d{5}:|\bTNS-\d{5}:|\bTNS:(?:could not resolve|listener|no listener|Connect timeout|operation timed out)|\b(?:oracle\.jdbc\.[\w.]{0,100}|Oracle\.ManagedDataAccess\.Client\.OracleException|cx_Oracle\.\w{2,40}Error|oracledb\.exceptions\.\w{2,40}Error)|quoted string not properly terminated|SQL command not properly ended",
        anchors: &["ORA-0", "ORA-1", "ORA-2", "ORA-3", "ORA-4", "ORA-5", "ORA-6", "ORA-7", "ORA-8", "ORA-9", "PLS-0", "PLS-1", "PLS-2", "PLS-3", "PLS-4", "PLS-5", "PLS-6", "PLS-7", "PLS-8", "PLS-9", "TNS-0", "TNS-1", "TNS-2", "TNS-3", "TNS-4", "TNS-5", "TNS-6", "TNS-7", "TNS-8", "TNS-9", "TNS:c", "TNS:l", "TNS:n", "TNS:C", "TNS:o", "oracle.jdbc.", "OracleException", "cx_Oracle.", "oracledb.exceptions", "quoted string not properly terminated", "SQL command not properly ended"],
        guard: "An `ORA-NNNNN:`/`PLS-`/`TNS-` code followed by its colon (as ZAP), Oracle's message texts and its drivers' exception names; a product code such as ORA-2000 does not match.",
        samples: &["ORA-00942: table or view does not exist", "java.sql.SQLSyntaxErrorException: ORA-01756: quoted string not properly terminated", "cx_Oracle.DatabaseError: ORA-12154: TNS:could not resolve the connect identifier specified"],
        lookalikes: &["Our ORA-2000 speakers ship today.", "Oracle Database 23ai: the new release."],
        ..BODY
    },
    Rule {
        id: "db.sqlite",
        title: "SQLite error (beyond the lab's own texts)",
        pattern: r"\bno such (?:table|column|function|index|savepoint): [\w.$]{1,128}|\bsqlite3\.(?:OperationalError|IntegrityError|ProgrammingError|DatabaseError|InterfaceError)|\bSQLITE_(?:ERROR|BUSY|LOCKED|CONSTRAINT|CANTOPEN|CORRUPT|READONLY|MISMATCH|FULL|IOERR|NOTADB|TOOBIG|RANGE|AUTH|SCHEMA)\w{0,30}|\bSQLite3::\w{1,40}Exception|\b(?:System\.Data\.SQLite\.SQLiteException|Microsoft\.Data\.Sqlite\.SqliteException|org\.sqlite\.SQLiteException)|attempt to write a readonly database|file is not a database|unable to open database file",
        anchors: &["no such ", "sqlite3.", "SQLITE_", "SQLite3::", "SQLiteException", "SqliteException", "readonly database", "file is not a database", "unable to open database file"],
        guard: "SQLite's message texts (`no such table: x`), its result-code names and the drivers' exception names; 'no such thing' in prose does not match.",
        samples: &["sqlite3.OperationalError: no such table: books", "SQLITE_CONSTRAINT: UNIQUE constraint failed: users.email", "Microsoft.Data.Sqlite.SqliteException (0x80004005): SQLite Error 1: 'no such column: titel'."],
        lookalikes: &["SQLite is a small, fast, self-contained SQL database engine.", "There is no such thing as a free lunch."],
        ..BODY
    },
    Rule {
        id: "db.mongodb",
        title: "MongoDB error",
        pattern: r"\bMongo(?:ose)?(?:Server|Network|ServerSelection|Write|BulkWrite|Parse|Timeout|Expired|Invalid\w{0,20}|Runtime|Transaction|Compatibility|Topology\w{0,20})?(?:Error|Exception)\b|E11000 duplicate key error|\bpymongo\.errors\.\w{2,60}|\bcom\.mongodb\.\w{0,60}(?:Exception|Error)|\bMongo::Error(?:::\w{1,60})?|\bMongoDB{bs}Driver{bs}Exception|{q}codeName{q}\s{0,4}:\s{0,4}{q}[A-Z]\w{2,60}{q}|{q}errmsg{q}\s{0,4}:\s{0,4}{q}|Cast to ObjectId failed for value",
        anchors: &["Mongo", "E11000 duplicate key", "pymongo.errors", "com.mongodb.", "codeName", "errmsg", "Cast to ObjectId failed"],
        guard: "The drivers' error class names, the server's E11000 text and its error document fields (`errmsg`, `codeName`); the word MongoDB does not match.",
        samples: &["MongoServerError: E11000 duplicate key error collection: shop.users index: email_1 dup key: { email: \"ada@example.com\" }", r#"{"ok":0,"errmsg":"E11000 duplicate key error collection: shop.users","code":11000,"codeName":"DuplicateKey"}"#, "pymongo.errors.ServerSelectionTimeoutError: localhost:27017: [Errno 111] Connection refused", "MongooseServerSelectionError: connect ECONNREFUSED 127.0.0.1:27017"],
        lookalikes: &["MongoDB is a document database.", "Mongo the cat sleeps.", r#"{"code":11000,"name":"Store 11000"}"#],
        ..BODY
    },
    Rule {
        id: "db.redis",
        title: "Redis error reply or client exception",
        pattern: r"\bWRONGTYPE Operation against a key holding the wrong kind of value|\bERR (?:unknown command|wrong number of arguments for|syntax error|value is not an integer or out of range|invalid expire time|no such key|Protocol error|max number of clients reached|invalid password|AUTH <password> called without any password configured|Client sent AUTH)|\bNOAUTH Authentication required|\bMOVED \d{1,5} [\w.-]{1,100}:\d{2,5}|\bREADONLY You can{sq}t write against a read only replica|\bOOM command not allowed when used memory|\bMISCONF Redis is configured to save RDB snapshots|\bLOADING Redis is loading the dataset in memory|\bBUSY Redis is busy running a script|\bEXECABORT Transaction discarded|\b(?:redis\.exceptions\.\w{2,60}|ReplyError|RedisCommandExecutionException|RedisConnectionException|RedisTimeoutException|Redis::(?:CommandError|CannotConnectError|TimeoutError|ConnectionError)|StackExchange\.Redis\.Redis\w{0,40}Exception|io\.lettuce\.core\.Redis\w{0,40}Exception)|\bRedis connection to [\w.:\[\]-]{1,100} failed",
        anchors: &["WRONGTYPE", "ERR unknown command", "ERR wrong number of arguments", "ERR syntax error", "ERR value is not an integer", "ERR invalid expire time", "ERR no such key", "ERR Protocol error", "ERR max number of clients", "ERR invalid password", "ERR AUTH <password>", "ERR Client sent AUTH", "NOAUTH", "MOVED ", "READONLY", "OOM command", "MISCONF", "LOADING Redis", "BUSY Redis", "EXECABORT", "redis.exceptions", "ReplyError", "RedisCommandExecution", "RedisConnectionException", "RedisTimeoutException", "Redis::", "StackExchange.Redis", "io.lettuce", "Redis connection to "],
        guard: "Redis's error replies with their upper-case prefix and exact wording (`ERR unknown command`, not any `ERR`), and the clients' exception names.",
        samples: &["WRONGTYPE Operation against a key holding the wrong kind of value", "ReplyError: ERR unknown command 'FLUSHALL', with args beginning with:", "redis.exceptions.ConnectionError: Error 111 connecting to 10.0.0.9:6379. Connection refused."],
        lookalikes: &["Redis is an in-memory data store.", "ERR on the side of caution", "The shipment MOVED to a new address"],
        ..BODY
    },
    Rule {
        id: "db.elasticsearch",
        title: "Elasticsearch/OpenSearch error",
        pattern: r"\b(?:search_phase_execution|index_not_found|query_shard|parsing|x_content_parse|mapper_parsing|version_conflict_engine|resource_already_exists|cluster_block|circuit_breaking|illegal_argument|document_missing|action_request_validation|security|invalid_index_name|strict_dynamic_mapping|es_rejected_execution|no_shard_available_action|search_context_missing|status|routing_missing|script|json_parse|too_many_buckets|illegal_state|index_closed|resource_not_found|verification)_exception\b|{q}root_cause{q}\s{0,4}:\s{0,4}\[|all shards failed|\b(?:org\.elasticsearch|co\.elastic\.clients|org\.opensearch)\.[\w.]{1,150}(?:Exception|Error)\b|\belasticsearch\.(?:exceptions\.)?\w{2,60}Error\b|\bElasticsearch\.Net\.\w{2,60}Exception|\bElasticsearchStatusException",
        anchors: &["_exception", "root_cause", "all shards failed", "org.elasticsearch.", "co.elastic.clients", "org.opensearch.", "elasticsearch.", "Elasticsearch.Net.", "ElasticsearchStatusException"],
        guard: "Elasticsearch's own snake_case exception types, its `root_cause` error document and the clients' exception names; the product name and other snake_case `_exception` words do not match.",
        samples: &[r#"{"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [books]"}],"type":"index_not_found_exception"},"status":404}"#, "search_phase_execution_exception: all shards failed", "org.elasticsearch.ElasticsearchStatusException: Elasticsearch exception [type=search_phase_execution_exception]"],
        lookalikes: &["Elasticsearch is a distributed search engine.", r#"{"type":"https://example.com/probs/unhandled_exception","title":"Server Error"}"#, "We handle every exception with care."],
        ..BODY
    },
    Rule {
        id: "db.orm-error",
        title: "ORM or query builder error",
        pattern: r"\bPrismaClient(?:Known|Unknown)?(?:RequestError|ValidationError|InitializationError|RustPanicError)\b|Invalid `prisma\.\w{1,60}\.\w{1,60}\(\)` invocation|\bSequelize(?:Database|UniqueConstraint|ForeignKeyConstraint|Validation|Connection\w{0,30}|Timeout)Error\b|\bQueryFailedError: |\borg\.hibernate\.[\w$.]{1,200}(?:Exception|Error)\b|\bsqlalchemy\.(?:exc|orm\.exc)\.\w{2,60}|\(Background on this error at: https?://sqlalche\.me/e/|\bMicrosoft\.EntityFrameworkCore\.[\w.]{0,100}Exception\b|\bdjango\.db\.(?:utils\.)?\w{2,40}Error\b|\bdiesel::result::(?:Error|DatabaseErrorKind)|\bsea_orm::|\bDbErr::(?:Exec|Query|Conn|RecordNotFound|Custom)",
        anchors: &["PrismaClient", "prisma.", "Sequelize", "QueryFailedError: ", "org.hibernate.", "sqlalchemy.", "sqlalche.me/e/", "EntityFrameworkCore.", "django.db.", "diesel::result::", "sea_orm::", "DbErr::"],
        guard: "The exception names and messages of the common ORMs (Prisma, Sequelize, TypeORM, Hibernate, SQLAlchemy, Entity Framework, the Django ORM, Diesel, SeaORM); an ORM's name in prose does not match.",
        samples: &["PrismaClientKnownRequestError: \nInvalid `prisma.user.create()` invocation:\n\nUnique constraint failed on the fields: (`email`)", "sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation)", "QueryFailedError: relation \"book\" does not exist", "Microsoft.EntityFrameworkCore.DbUpdateException: An error occurred while saving the entity changes."],
        lookalikes: &["We moved from Sequelize to Prisma last year.", "Hibernate and SQLAlchemy are ORMs.", "diesel engines and sea views"],
        ..BODY
    },
];
