//! Framework debug pages and error texts: what Django, Werkzeug/Flask, Rails, Spring Boot,
//! ASP.NET, Laravel/Symfony, Phoenix and the Rust web stacks beyond actix-web answer when
//! an error reaches them with debugging on.

use super::{BODY, Rule, Scope, Severity};

// One rule per entry, laid out as a table: rustfmt would put every anchor and sample on a
// line of its own.
#[rustfmt::skip]
pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "framework.django",
        title: "Django debug page",
        severity: Severity::Medium,
        cwe: &["CWE-215", "CWE-209"],
        zap: Some(10023),
        pattern: r"DEBUG = True{gap} in your{ws}Django settings file|Using the URLconf defined in|\b(?:Django Version|Exception Value|Exception Location|Python Executable|Python Path|Installed Applications|Installed Middleware):",
        anchors: &["DEBUG = True", "Using the URLconf defined in", "Django Version:", "Exception Value:", "Exception Location:", "Python Executable:", "Python Path:", "Installed Applications:", "Installed Middleware:"],
        guard: "The technical 500 and 404 pages' own banner and field labels (HTML or text); the word Django, or `DEBUG = False` advice, does not match.",
        samples: &["You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.", "<th>Django Version:</th>\n      <td>4.2.7</td>", "Exception Value: relation \"shop_book\" does not exist"],
        lookalikes: &["Django is a web framework for perfectionists with deadlines.", "<h1>Server Error (500)</h1>", "Set DEBUG = False in production."],
        ..BODY
    },
    Rule {
        id: "framework.python-debugger",
        title: "Werkzeug/Flask or Starlette/FastAPI debugger page",
        cwe: &["CWE-215", "CWE-489"],
        zap: Some(10023),
        pattern: r"Werkzeug Debugger|The debugger caught an exception in your WSGI application|__debugger__|Werkzeug powered traceback interpreter|Starlette Debugger|class={q}traceback-container{q}",
        anchors: &["Werkzeug Debugger", "The debugger caught an exception", "__debugger__", "Werkzeug powered traceback", "Starlette Debugger", "traceback-container"],
        guard: "The debugger pages' titles, banners and resource URLs (`?__debugger__=yes`, Starlette's traceback container); Flask's and FastAPI's plain production 500 answers do not match.",
        samples: &["<title>ZeroDivisionError: division by zero // Werkzeug Debugger</title>", "<script src=\"?__debugger__=yes&amp;cmd=resource&amp;f=debugger.js\"></script>"],
        lookalikes: &["Internal Server Error: The server encountered an internal error and was unable to complete your request.", "Werkzeug is a WSGI toolkit.", "Internal Server Error"],
        ..BODY
    },
    Rule {
        id: "framework.rails",
        title: "Rails exception page or exception class",
        severity: Severity::Medium,
        zap: Some(10023),
        pattern: r"Action Controller: Exception caught|Rails\.root: |\b(?:Application|Framework) Trace\b|\b(?:ActionController|ActionDispatch|ActionView|ActiveRecord|ActiveModel|ActiveSupport|ActiveJob|ActionMailer)::(?:[A-Z]\w{0,60}::){0,4}(?:[A-Z]\w{0,60})?(?:Error|Invalid|NotFound|NotUnique|Violation|ForeignKey|NotEstablished|Deadlocked|Timeout|Canceled|Missing|MissingTemplate|UnknownFormat|AuthenticityToken|BadRequest)\b",
        anchors: &["Action Controller: Exception caught", "Rails.root: ", "Application Trace", "Framework Trace", "ActionController::", "ActionDispatch::", "ActionView::", "ActiveRecord::", "ActiveModel::", "ActiveSupport::", "ActiveJob::", "ActionMailer::"],
        guard: "ActionDispatch's debug page title, `Rails.root:` and its trace headings, or a Rails exception class (ActiveRecord::StatementInvalid, ...); `ActiveRecord::Base` in prose does not match.",
        samples: &["<title>Action Controller: Exception caught</title>", "ActiveRecord::StatementInvalid (PG::UndefinedTable: ERROR:  relation \"books\" does not exist)", r##"{"status":500,"error":"Internal Server Error","exception":"#<ActionView::Template::Error: undefined method>","traces":{"Application Trace":[]}}"##],
        lookalikes: &["We're sorry, but something went wrong.", "class Book < ActiveRecord::Base", "Rails is a web framework."],
        ..BODY
    },
    Rule {
        id: "framework.spring",
        title: "Spring Boot error page or exception",
        severity: Severity::Medium,
        pattern: r"Whitelabel Error Page|This application has no explicit mapping for /error|There was an unexpected error \(type=|\borg\.springframework\.[\w$.]{1,200}(?:Exception|Error)\b",
        anchors: &["Whitelabel Error Page", "no explicit mapping for /error", "There was an unexpected error (type=", "org.springframework."],
        guard: "The Whitelabel page's own texts or a Spring exception class; Spring's default JSON error (timestamp, status, error, path) without trace or exception does not match.",
        samples: &["<h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p>", r#""exception":"org.springframework.dao.DataIntegrityViolationException""#],
        lookalikes: &[r#"{"timestamp":"2026-11-26T10:15:30.000+00:00","status":500,"error":"Internal Server Error","path":"/api/books/7"}"#, "Spring Boot makes it easy to create applications."],
        ..BODY
    },
    Rule {
        id: "error.exception-field",
        title: "Exception class or trace in a JSON field",
        // Dotted (Java, Python, .NET), `::` (Ruby) or backslashed (PHP) class names, or a
        // bare `FooException`/`FooError`, as the value of an exception-named key; a trace-
        // named key whose value starts with such a class.
        pattern: r"{q}(?:exception|exception_class|exceptionClass|exception_type|exceptionType|error_class|errorClass){q}\s{0,4}:\s{0,4}{q}(?:#{lt})?(?:(?:[A-Za-z_][\w$]{0,60}(?:\.|::|{bs})){1,15}[A-Za-z_][\w$]{0,60}|[A-Z][\w$]{0,80}(?:Exception|Error)\b)|{q}(?:trace|stackTrace|stack_trace|stacktrace|stack|backtrace|traceback){q}\s{0,4}:\s{0,4}\[?\s{0,4}{q}(?:#{lt})?[\w$.\\:]{0,200}(?:Exception|Error)\b",
        anchors: &["exception\"", "exception\\", "exception&", "exception_class\"", "exception_class\\", "exception_class&", "exceptionClass\"", "exceptionClass\\", "exceptionClass&", "exception_type\"", "exception_type\\", "exception_type&", "exceptionType\"", "exceptionType\\", "exceptionType&", "error_class\"", "error_class\\", "error_class&", "errorClass\"", "errorClass\\", "errorClass&", "trace\"", "trace\\", "trace&", "stackTrace\"", "stackTrace\\", "stackTrace&", "stack_trace\"", "stack_trace\\", "stack_trace&", "stacktrace\"", "stacktrace\\", "stacktrace&", "stack\"", "stack\\", "stack&", "backtrace\"", "backtrace\\", "backtrace&", "traceback\"", "traceback\\", "traceback&"],
        guard: "The key must name an exception or a trace and the value must be a class name (qualified, or ending in Exception/Error); `trace_id` fields, W3C trace ids and `\"exception\":\"none\"` do not match.",
        samples: &[r#"{"exception":"java.lang.IllegalStateException","message":"boom"}"#, r#"{"message":"Server Error","exception":"Illuminate\\Database\\QueryException"}"#, r##"{"exception":"#\u003cActiveRecord::RecordNotUnique: PG::UniqueViolation\u003e"}"##, r#""trace":"java.lang.NullPointerException: Cannot invoke \"com.shop.Book.getTitle()\"\n\tat com.shop.BookController.show(BookController.java:42)""#],
        lookalikes: &[r#"{"type":"about:blank","title":"Internal Server Error","status":500,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}"#, r#"{"exception":"none","trace":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#],
        ..BODY
    },
    Rule {
        id: "framework.aspnet",
        title: "ASP.NET error page (yellow screen or developer exception page)",
        severity: Severity::Medium,
        cwe: &["CWE-215", "CWE-209"],
        zap: Some(10023),
        pattern: r"Exception Details:{gap}[\w.]{1,200}(?:Exception|Error)|Source File:{gap}[^<\n]{1,300}?{gap}Line:{gap}\d{1,7}|Version Information:{gap}Microsoft \.NET|An unhandled exception occurred while processing the request|\[[A-Z]\w{0,100}Exception(?: \(0x[0-9A-Fa-f]{8}\))?: [^\]\n]{0,400}\]|\bASP\.NET is configured to show verbose error messages",
        anchors: &["Exception Details:", "Source File:", "Version Information:", "An unhandled exception occurred while processing", "Exception: ", "Exception (0x", "ASP.NET is configured to show verbose"],
        guard: "The yellow screen's labels with their values (Exception Details, Source File and Line, Version Information) or the developer exception page's banner; the production page ('An error occurred while processing your request', Request ID) and the remote-only 'Runtime Error' page do not match.",
        samples: &["<b> Exception Details: </b>System.NullReferenceException: Object reference not set to an instance of an object.<br><br>", "<b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4465.0", "<h1>An unhandled exception occurred while processing the request.</h1>", "[SqlException (0x80131904): Incorrect syntax near 'Reilly'.]"],
        lookalikes: &["<h2 class=\"text-danger\">An error occurred while processing your request.</h2><p><strong>Request ID:</strong> <code>00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01</code></p><h3>Development Mode</h3><p>Swapping to <strong>Development</strong> environment will display more detailed information about the error that occurred.</p>", "<h2><i>Runtime Error</i></h2><b>Description:</b> An application error occurred on the server. The current custom error settings for this application prevent the details of the application error from being viewed remotely (for security reasons)."],
        ..BODY
    },
    Rule {
        id: "framework.laravel",
        title: "Laravel, Symfony or Whoops error page or class",
        severity: Severity::Medium,
        zap: Some(10023),
        pattern: r"Whoops! There was an error|\b(?:Illuminate|Symfony{bs}Component|Symfony{bs}Bridge|Doctrine{bs}DBAL|Doctrine{bs}ORM|Whoops|Spatie{bs}LaravelIgnition|Spatie{bs}Ignition|Facade{bs}Ignition){bs}[A-Z]\w{0,80}",
        anchors: &["Whoops", "Illuminate", "Symfony", "Doctrine", "Spatie", "Facade"],
        guard: "A namespaced class of the framework (`Illuminate\\Database\\QueryException`, `Symfony\\Component\\...`, also JSON-escaped) or Whoops' banner; the names Laravel or Symfony in prose do not match.",
        samples: &[r"Illuminate\Database\QueryException: SQLSTATE[42S02]", r#"{"exception":"Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException"}"#, "<title>Whoops! There was an error.</title>"],
        lookalikes: &["Laravel is a PHP framework with expressive syntax.", "<title>Server Error</title>", "Symfony components are reusable."],
        ..BODY
    },
    Rule {
        id: "framework.phoenix",
        title: "Phoenix/Plug/Ecto error",
        severity: Severity::Medium,
        pattern: r"\b(?:Phoenix|Plug|Ecto|DBConnection|Postgrex|MyXQL|Exqlite)\.(?:[A-Z]\w{0,60}\.){0,6}[A-Z]\w{0,60}(?:Error|Exception)\b|no route found for (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^\s<\x22]{1,300} \([A-Z][\w.]{0,100}\)|could not find a matching [A-Z][\w.]{1,150} clause",
        anchors: &["Phoenix.", "Plug.", "Ecto.", "DBConnection.", "Postgrex.", "MyXQL.", "Exqlite.", "no route found for ", "could not find a matching "],
        guard: "An exception module of Phoenix, Plug, Ecto or its drivers, or the router's and controller's own messages; `Plug.Conn` or the city of Phoenix do not match.",
        samples: &["Phoenix.Router.NoRouteError at GET /books/x", "no route found for GET /books/x (ShopWeb.Router)", "** (DBConnection.ConnectionError) connection not available"],
        lookalikes: &["Phoenix. The city in Arizona.", r#"{"errors":{"detail":"Internal Server Error"}}"#, "Plug.Conn is the connection struct."],
        ..BODY
    },
    Rule {
        id: "rust.web-error",
        title: "Rust web stack error text (axum, hyper, reqwest, warp, tokio, std::io)",
        severity: Severity::Medium,
        pattern: r"Failed to deserialize the JSON body into the target type|Failed to parse the request body as JSON|Failed to deserialize (?:query string|form|path params|the form body)|Failed to buffer the request body|Expected request with `Content-Type: |requests must have `Content-Type: |Wrong number of path arguments for `Path`|Cannot parse `[^`\n]{0,100}` to a `[\w:<>]{1,60}`|\bhyper(?:_util)?::(?:Error|client|proto)|\b(?:hyper::Error|reqwest::Error)\s{0,2}\{|error trying to connect: |connection closed before message completed|\bJoinError::Panic|\btask \d{1,12} panicked|Request body deserialize error: |Invalid request body: |\(os error \d{1,5}\)",
        anchors: &["Failed to deserialize ", "Failed to parse the request body", "Failed to buffer the request body", "Expected request with `Content-Type", "requests must have `Content-Type", "Wrong number of path arguments", "` to a `", "hyper", "reqwest::Error", "error trying to connect: ", "connection closed before message completed", "JoinError::Panic", " panicked", "Request body deserialize error", "Invalid request body: ", "(os error "],
        guard: "The exact rejection and error texts of axum, warp, hyper and reqwest, tokio's JoinError, and std::io's `(os error N)` suffix; ordinary 'failed to' prose does not match.",
        samples: &["Failed to deserialize the JSON body into the target type: title: invalid type: integer `42`, expected a string at line 1 column 13", "Invalid URL: Cannot parse `abc` to a `u32`", "hyper::Error(IncompleteMessage)", "error trying to connect: tcp connect error: Connection refused (os error 111)"],
        lookalikes: &["Failed to save your changes, please retry.", "We love hyper-fast delivery.", "Connection refused. Please try again later."],
        ..BODY
    },
    Rule {
        id: "header.x-aspnet-version",
        title: "X-AspNet-Version header",
        severity: Severity::Low,
        cwe: &["CWE-200"],
        zap: Some(10061),
        scope: Scope::Header("x-aspnet-version"),
        pattern: r"\d",
        guard: "As ZAP 10061: the header that names the ASP.NET runtime version.",
        samples: &["4.0.30319"],
        lookalikes: &[""],
        ..BODY
    },
    Rule {
        id: "header.x-debug-token",
        title: "Symfony profiler token header",
        severity: Severity::Low,
        cwe: &["CWE-215"],
        zap: Some(10056),
        scope: Scope::Header("x-debug-token"),
        pattern: r"\w",
        guard: "As ZAP 10056: Symfony's profiler is on and its token opens the request's full profile.",
        samples: &["6f7e3a"],
        lookalikes: &[""],
        ..BODY
    },
];
