//! Stack traces and runtime error texts of the common languages, raw, JSON-escaped or as
//! HTML. The first five are the original rules, in their original order.

use super::{BODY, Rule};

// One rule per entry, laid out as a table: rustfmt would put every anchor and sample on a
// line of its own.
#[rustfmt::skip]
pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "stacktrace.python",
        title: "Python traceback",
        pattern: r"Traceback \(most recent call last\)|During handling of the above exception, another exception occurred|(?:[A-Za-z]:)?[\w./~-]{0,300}(?:{bs}[\w.~ -]{1,64}){0,16}\.py{q}?(?:{lt}/[a-z]{1,10}{gt})?,{ws}line{gap}\d{1,7}",
        anchors: &["Traceback (most recent call last)", "During handling of the above exception", ".py\"", ".py\\", ".py&", ".py<", ".py,"],
        guard: "Python's own traceback header, or a frame: a `.py` file followed by `, line N` (as Python prints it, JSON-escaped, or in Django's, Werkzeug's and Starlette's HTML with tags and line breaks between).",
        samples: &["Traceback (most recent call last):", "  File \"/app/shop/views.py\", line 42, in show", "<code class=\"fname\">/app/shop/views.py</code>, line 12, in show", r#"File \"/srv/app/main.py\", line 7, in <module>"#, r#"<cite class="filename">"C:\Users\ada\shop\app.py"</cite>, line <em class="line">12</em>"#],
        lookalikes: &["trace back your steps", "See chapter 3, line 12 of the book.", "the file views.py is short"],
        ..BODY
    },
    Rule {
        id: "stacktrace.java",
        title: "Java stack trace",
        // A frame inside a JSON string follows an escaped tab (`\n\tat ...`): the `t` of
        // `\t` would defeat the word boundary, so it is matched as context.
        pattern: r"(?:\\t|\b)(?P<leak>at [\w$./]{1,300}\.[\w$<>]{1,100}\((?:[\w$ -]{1,100}\.(?:java|kt|scala|groovy|clj):\d{1,6}|Native Method|Unknown Source)\))|\b[a-z][\w$]{0,60}(?:\.[\w$]{1,60}){1,30}\.[\w$<>]{1,100}\([\w$ -]{1,100}\.(?:java|kt|scala|groovy):\d{1,6}\)|Exception in thread {q}|\b(?:java|javax|jakarta)\.[\w$.]{1,200}(?:Exception|Error)\b|Caused by: [\w$.]{1,200}(?:Exception|Error)\b",
        anchors: &[".java:", ".kt:0", ".kt:1", ".kt:2", ".kt:3", ".kt:4", ".kt:5", ".kt:6", ".kt:7", ".kt:8", ".kt:9", ".scala:", ".groovy:", ".clj:", "(Native Method)", "(Unknown Source)", "Exception in thread", "java.", "javax.", "jakarta.", "Caused by: "],
        guard: "Frames must have the `at pkg.Class.method(File.java:N)` shape (also after an escaped `\\t`, or without `at` as Tomcat prints them); exception classes must be fully qualified in java.*, javax.* or jakarta.*, or follow `Caused by:`.",
        samples: &["at com.shop.Api.get(Api.java:42)", r#""trace":"java.lang.IllegalStateException: boom\n\tat com.shop.BookService.find(BookService.java:42)""#, "Exception in thread \"main\" java.lang.NullPointerException"],
        lookalikes: &["at home (on Sunday)", "Java is a language; javascript is another."],
        ..BODY
    },
    Rule {
        id: "stacktrace.dotnet",
        title: ".NET stack trace",
        pattern: r"\bat [\w.`<>\[\],]{1,300}\([^)\n]{0,300}\) in [^\n]{1,300}?:line \d{1,6}|\bSystem\.(?:[A-Z]\w{0,60}\.){0,8}[A-Z]\w{0,100}Exception\b|--- End of (?:stack trace from previous location|inner exception stack trace)|\bat (?:System|Microsoft)\.[\w.`<>\[\],]{1,300}\((?:[\w.`<>\[\],&*]{1,100} \w{1,60}(?:, )?){0,12}\)",
        anchors: &[":line ", "System.", "--- End of ", "at Microsoft."],
        guard: "The `at Ns.Type.Method(...) in File.cs:line N` frame shape, a framework frame `at System.X.Y(Type name)`, a `System.*Exception` class, or the runtime's own trace separators.",
        samples: &[r"at Shop.Api.Get(Int32 id) in C:\src\Api.cs:line 42", "System.NullReferenceException: Object reference not set to an instance of an object.", "   at Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker.Next(State& next, Scope& scope, Object& state, Boolean& isCompleted)"],
        lookalikes: &["at noon in the office", "Our System. It is up.", "System.Exceptional performance"],
        ..BODY
    },
    Rule {
        id: "stacktrace.php",
        title: "PHP error or stack trace",
        pattern: r"(?:Fatal error|Parse error|Warning|Notice|Deprecated)(?:{lt}/b{gt})?:{gap}[^\n]{1,300}? in {gap}[^\s<>]{1,300}?\.php{gap} on line {gap}\d{1,7}|PHP (?:Fatal error|Parse error|Warning|Notice|Deprecated)|#\d{1,4} [^\s(]{1,300}\.php\(\d{1,7}\)|{q}file{q}\s{0,4}:\s{0,4}{q}[^\x22]{1,300}?\.php{q}\s{0,4},\s{0,4}{q}line{q}\s{0,4}:\s{0,4}\d{1,7}",
        anchors: &[" on line ", ".php\"", ".php\\", ".php&", ".php(", "PHP Fatal error", "PHP Parse error", "PHP Warning", "PHP Notice", "PHP Deprecated"],
        guard: "PHP's `... in FILE.php on line N` (also with its HTML `<b>` tags), `PHP Fatal error`, `#0 FILE.php(N)` frames, and the `\"file\":\"...php\",\"line\":N` pairs of a JSON trace.",
        samples: &["Fatal error: Uncaught Error in /var/www/index.php on line 7", "<b>Warning</b>:  Undefined variable $book in <b>/var/www/html/show.php</b> on line <b>12</b><br />", r"#0 /var/www/html/vendor/laravel/framework/src/Illuminate/Database/Connection.php(783): Illuminate\Database\Connection->runQueryCallback()", r#"{"file":"\/var\/www\/html\/app\/Http\/Controllers\/BookController.php","line":42}"#],
        lookalikes: &["a fatal error of judgement", "Warning: the line is busy", "Download index.php from the site"],
        ..BODY
    },
    Rule {
        id: "stacktrace.node",
        title: "Node.js stack trace",
        pattern: r"\bat (?:[\w.<>\[\]$ ]{1,200} )?\(?(?:/|node:internal/|file:///|[A-Za-z]:{bs})[^\s()]{1,300}\.(?:m?js|cjs|ts|mts|jsx|tsx):\d{1,7}:\d{1,7}\)?|\bat (?:[\w.<>\[\]$ ]{1,200} )?\(node:[\w/]{1,100}:\d{1,7}:\d{1,7}\)|TypeError: Cannot read propert(?:y|ies) of (?:undefined|null)|\b(?:TypeError|ReferenceError): [\w$.]{1,100} is not (?:defined|a function)|\b(?:connect|getaddrinfo|read|write) (?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|EPIPE)\b|\b(?:ENOENT|EACCES|EPERM|EISDIR|ENOTDIR|EMFILE|EEXIST): [a-z ,]{3,60}, (?:open|stat|lstat|scandir|mkdir|rmdir|unlink|access|rename|readlink|copyfile) {sq}",
        anchors: &[".js:0", ".js:1", ".js:2", ".js:3", ".js:4", ".js:5", ".js:6", ".js:7", ".js:8", ".js:9", "mjs:0", "mjs:1", "mjs:2", "mjs:3", "mjs:4", "mjs:5", "mjs:6", "mjs:7", "mjs:8", "mjs:9", "cjs:0", "cjs:1", "cjs:2", "cjs:3", "cjs:4", "cjs:5", "cjs:6", "cjs:7", "cjs:8", "cjs:9", ".ts:0", ".ts:1", ".ts:2", ".ts:3", ".ts:4", ".ts:5", ".ts:6", ".ts:7", ".ts:8", ".ts:9", "mts:0", "mts:1", "mts:2", "mts:3", "mts:4", "mts:5", "mts:6", "mts:7", "mts:8", "mts:9", "jsx:0", "jsx:1", "jsx:2", "jsx:3", "jsx:4", "jsx:5", "jsx:6", "jsx:7", "jsx:8", "jsx:9", "tsx:0", "tsx:1", "tsx:2", "tsx:3", "tsx:4", "tsx:5", "tsx:6", "tsx:7", "tsx:8", "tsx:9", "(node:", "Cannot read propert", " is not defined", " is not a function", " ECONNREFUSED", " ECONNRESET", " ETIMEDOUT", " ENOTFOUND", " EHOSTUNREACH", " EPIPE", "ENOENT: ", "EACCES: ", "EPERM: ", "EISDIR: ", "ENOTDIR: ", "EMFILE: ", "EEXIST: "],
        guard: "V8 frames (`at fn (/path/file.js:L:C)`, also `node:internal` ones) or the most common TypeError/ReferenceError texts and system-call errors as Node words them.",
        samples: &["at getBook (/srv/app/books.js:12:7)", "<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)", "TypeError: Cannot read properties of undefined (reading 'title')", "Error: ENOENT: no such file or directory, open '/app/config/settings.json'", r#""stack":"Error: connect ECONNREFUSED 10.0.0.5:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)""#],
        lookalikes: &["at 12:07 the book arrived", "In JavaScript, undefined is not a function of style."],
        ..BODY
    },
    Rule {
        id: "stacktrace.ruby",
        title: "Ruby backtrace or error",
        pattern: r"[\w./-]{1,300}\.rb:\d{1,6}:in {ws}(?:`|{sq}|‘)|\bundefined (?:local variable or )?method (?:`|{sq}|‘)[^'`&\n]{1,100}(?:{sq}|’) for |\bErrno::E[A-Z]{2,20}\b",
        anchors: &[".rb:0", ".rb:1", ".rb:2", ".rb:3", ".rb:4", ".rb:5", ".rb:6", ".rb:7", ".rb:8", ".rb:9", "undefined method ", "undefined local variable or method ", "Errno::E"],
        guard: "Ruby's frame format (`file.rb:LINE:in 'method'`) and its NoMethodError/NameError wording and `Errno::E...` classes; a `.rb` file name alone does not match.",
        samples: &["app/controllers/books_controller.rb:12:in `show'", "/usr/local/bundle/gems/actionpack-7.1.2/lib/action_controller/metal/basic_implicit_render.rb:6:in 'send_action'", "undefined method `title' for nil:NilClass", "undefined method &#39;title&#39; for nil", "Errno::ECONNREFUSED (Connection refused - connect(2) for \"127.0.0.1\" port 6379)"],
        lookalikes: &["Ruby on Rails is fun", "config.rb is loaded in order"],
        ..BODY
    },
    Rule {
        id: "stacktrace.go",
        title: "Go panic, goroutine dump or runtime error",
        pattern: r"\bgoroutine \d{1,9} \[[a-zA-Z ,0-9]{1,60}\]:|\bpanic: runtime error: |[\w./-]{1,300}\.go:\d{1,6} \+0x[0-9a-f]{1,16}|\bhttp: panic serving [\w.:\[\]%-]{3,80}: |\bruntime error: (?:invalid memory address or nil pointer dereference|index out of range \[|integer divide by zero|slice bounds out of range|makeslice: |hash of unhashable type|comparing uncomparable type)|assignment to entry in nil map|all goroutines are asleep - deadlock!|\bsql: (?:no rows in result set|database is closed|Scan error on column index|transaction has already been committed or rolled back|connection is already closed)|\bdial (?:tcp|udp|unix)[46]?(?: [^\s]{1,100})?: (?:connect: |i/o timeout|lookup )",
        anchors: &["goroutine ", "panic: runtime error: ", ".go:0", ".go:1", ".go:2", ".go:3", ".go:4", ".go:5", ".go:6", ".go:7", ".go:8", ".go:9", "http: panic serving ", "runtime error: ", "assignment to entry in nil map", "all goroutines are asleep", "sql: ", "dial tcp", "dial udp", "dial unix"],
        guard: "The runtime's own dump: `goroutine N [state]:`, `panic: runtime error:`, frames `file.go:LINE +0xOFF`, net/http's `http: panic serving`, the runtime's, database/sql's and net's own error texts; the word goroutine in prose does not match.",
        samples: &["goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d", "panic: runtime error: invalid memory address or nil pointer dereference", r#"{"message":"runtime error: index out of range [5] with length 3"}"#, "sql: no rows in result set", r#"{"error":"dial tcp 10.0.3.4:5432: connect: connection refused"}"#, "dial tcp: lookup db on 127.0.0.11:53: no such host", r#""stack":"goroutine 42 [running]:\nmain.handler(...)\n\t/src/app/handler.go:31 +0x65""#],
        lookalikes: &["goroutines are cheap: start thousands of goroutine workers", "Don't panic: read the Go blog", "main.go is the entry point"],
        ..BODY
    },
    Rule {
        id: "stacktrace.elixir",
        title: "Elixir/Erlang exception or stack trace",
        pattern: r"\*\* \((?:[A-Z][\w.]{0,100}|exit|throw|EXIT|error)\) |\((?:[a-z_]{1,40}) \d{1,4}\.\d{1,4}\.\d{1,4}\) [\w./-]{1,300}\.exs?:\d{1,6}: |\b(?:lib|test|deps)/[\w./-]{1,300}\.exs?:\d{1,6}: (?:\(\w{1,40}\) )?[A-Z][\w.]{0,150}\.[\w!?]{1,60}/\d{1,2}",
        anchors: &["** (A", "** (B", "** (C", "** (D", "** (E", "** (F", "** (G", "** (H", "** (I", "** (J", "** (K", "** (L", "** (M", "** (N", "** (O", "** (P", "** (Q", "** (R", "** (S", "** (T", "** (U", "** (V", "** (W", "** (X", "** (Y", "** (Z", "** (e", "** (t", ".ex:0", ".ex:1", ".ex:2", ".ex:3", ".ex:4", ".ex:5", ".ex:6", ".ex:7", ".ex:8", ".ex:9", ".exs:"],
        guard: "Elixir's `** (Module.Error) ...` banner and its frame shapes `(app 1.2.3) lib/file.ex:LINE: Mod.fun/arity`.",
        samples: &["** (exit) an exception was raised:", "** (Ecto.NoResultsError) expected at least one result but got none in query:", "(ecto 3.10.3) lib/ecto/repo/queryable.ex:164: Ecto.Repo.Queryable.one!/3"],
        lookalikes: &["** (note) see the appendix", "Elixir is fun", "mix.exs is the project file"],
        ..BODY
    },
];
