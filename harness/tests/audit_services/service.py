"""A small service of another stack for `harness audit --target` tests: Python's standard
library only. `--style leaky` is a careless Django-style deployment (tracebacks, version
banner, TRACE echo, a served .git, a debug console, raw log lines); `--style tidy` answers
every error with JSON and a request id and logs JSON lines. Binds 127.0.0.1 on a free port,
prints `listening PORT`, serves HTTPS when given --cert and --key."""

import argparse
import datetime
import http.server
import json
import ssl
import sys
import urllib.parse
import uuid

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "inventory", "version": "1"},
    "paths": {
        "/items": {
            "get": {"responses": {"200": {"description": "items"}}},
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "count": {"type": "integer"}}}}}},
                "responses": {"201": {"description": "created"}},
            },
        },
        "/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                                "responses": {"200": {"description": "an item"}}}},
        "/admin/stats": {"get": {"security": [{"token": []}], "responses": {"200": {"description": "stats"}}}},
    },
}

TRACEBACK = """<!doctype html><title>ValueError at {path}</title>
<h1>Server Error (500)</h1><pre>Traceback (most recent call last):
  File "/srv/inventory/app/views.py", line 41, in show
    row = rows[int(item_id)]
ValueError: invalid literal for int() with base 10: {value!r}
</pre><p>You're seeing this error because you have DEBUG = True in your Django settings file.</p>"""


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class Handler(http.server.BaseHTTPRequestHandler):
    style = "leaky"
    log_file = None

    # ---- helpers
    def body(self):
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            return None
        if length < 0:
            return None
        if length > 64 * 1024:
            # Read what was sent (bounded) before refusing it: a reply with the body left
            # unread makes the socket close with data pending, which the client sees as a
            # dropped connection instead of the 413.
            left = min(length, 8 * 1024 * 1024)
            while left > 0:
                chunk = self.rfile.read(min(left, 64 * 1024))
                if not chunk:
                    break
                left -= len(chunk)
            return None
        return self.rfile.read(length) if length else b""

    def answer(self, status, content_type, text, headers=()):
        data = text.encode()
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log(self, level, **fields):
        if not self.log_file:
            return
        with open(self.log_file, "a", encoding="utf-8") as log:
            if self.style == "tidy":
                log.write(json.dumps({"time": now(), "level": level, **fields}) + "\n")
            else:
                # Careless: the decoded path straight into a text line.
                log.write(f"{now()} {level} {urllib.parse.unquote(self.path)} {fields}\n")

    def log_message(self, format, *args):
        pass

    # ---- the tidy service: JSON errors with an id, nothing else
    def tidy_error(self, status, message):
        request_id = str(uuid.uuid4())
        self.log("ERROR" if status >= 500 else "WARN", request_id=request_id, status=status,
                 method=self.command, path=urllib.parse.unquote(self.path))
        self.answer(status, "application/json",
                    json.dumps({"error": message, "request_id": request_id}),
                    [("x-request-id", request_id), ("cache-control", "no-store")])

    def tidy(self):
        path = urllib.parse.urlsplit(self.path).path
        if self.command in ("GET", "HEAD") and path == "/openapi.json":
            return self.answer(200, "application/json", json.dumps(SPEC))
        if self.command in ("GET", "HEAD") and path in ("/", "/items"):
            return self.answer(200, "application/json", "[]")
        if self.command == "GET" and path == "/items/0":
            return self.tidy_error(500, "internal error; quote the request_id to support")
        if self.command in ("GET", "HEAD") and path.startswith("/items/"):
            return self.answer(200, "application/json", "{\"id\": 1}")
        if path == "/admin/stats" and self.command == "GET":
            return self.tidy_error(401, "authentication required")
        if self.command == "POST" and path == "/items":
            body = self.body()
            if body is None:
                return self.tidy_error(413, "the body is too large")
            if "json" not in (self.headers.get("content-type") or ""):
                return self.tidy_error(415, "send application/json")
            try:
                json.loads(body or b"null")
            except (ValueError, RecursionError):
                return self.tidy_error(400, "the body is not valid JSON")
            return self.answer(201, "application/json", "{}")
        if self.command == "OPTIONS":
            return self.answer(204, "text/plain", "", [("allow", "GET, POST, OPTIONS")])
        if self.command in ("TRACE", "PATCH", "PUT", "DELETE"):
            return self.tidy_error(405, "method not allowed")
        return self.tidy_error(404, "not found")

    # ---- the leaky one
    def leaky(self):
        path = urllib.parse.urlsplit(self.path).path
        if self.command == "TRACE":
            echo = f"{self.requestline}\r\n{self.headers}"
            return self.answer(200, "message/http", echo)
        if self.command == "OPTIONS":
            return self.answer(200, "text/plain", "", [("allow", "GET, POST, OPTIONS, TRACE")])
        if path == "/openapi.json":
            return self.answer(200, "application/json", json.dumps(SPEC))
        if path == "/.git/HEAD":
            return self.answer(200, "text/plain", "ref: refs/heads/main\n")
        if path in ("/debug", "/console"):
            return self.answer(200, "text/html", "<h1>Interactive console</h1>")
        if path in ("/", "/items", "/admin/stats"):
            return self.answer(200, "application/json", "[]")
        if self.command == "POST" and path == "/items":
            body = self.body() or b""
            try:
                json.loads(body or b"null")
                return self.answer(201, "application/json", "{}")
            except ValueError as e:
                self.log("ERROR", error=str(e))
                return self.answer(500, "text/html", TRACEBACK.format(path=path, value=str(e)))
        value = path.rsplit("/", 1)[-1]
        if path.startswith("/items/") and value.isdigit():
            return self.answer(200, "application/json", "{\"id\": 1}")
        self.log("ERROR", status=500)
        return self.answer(500, "text/html", TRACEBACK.format(path=path, value=value))

    def handle_any(self):
        if self.style != "tidy":
            return self.leaky()
        try:
            self.tidy()
        except Exception:
            # A well-behaved service's last-resort handler: a generic answer with an id,
            # the detail in its log (ASVS 16.5.4), never a dropped connection.
            self.tidy_error(500, "internal error; quote the request_id to support")

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_TRACE = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--style", choices=["leaky", "tidy"], required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--log")
    args = parser.parse_args()
    Handler.style = args.style
    Handler.log_file = args.log
    if args.log:
        open(args.log, "a").close()
    if args.style == "tidy":
        Handler.server_version = "inventory"
        Handler.sys_version = ""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
