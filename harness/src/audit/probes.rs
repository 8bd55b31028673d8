//! The fixed battery: one request per question an auditor asks, each tied to the checks it
//! evidences. Built from the target's API description when there is one (a real route for
//! the wrong-method and malformed-body probes, its secured operations for fail-open), plus
//! what the caller knows of the service (for demo-app: the scenarios' crash inputs, its FX
//! dependency failing, its ops routes). Nothing here sends anything.

use serde::Serialize;

use crate::fuzz::spec::Api;

/// What a probe is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    UnknownRoute,
    WrongMethod,
    MalformedJson,
    WrongContentType,
    OversizedBody,
    OversizedHeader,
    Trace,
    Options,
    Git,
    /// A debug console or framework debug route.
    DebugPath,
    /// A documentation or monitoring endpoint.
    DocsPath,
    /// A request known to crash a handler (scenarios, a spec's example).
    CrashInput,
    /// A request whose dependency has been made to fail.
    DependencyFailure,
    /// A secured route without (or with a wrong) credential.
    Unauthenticated,
    /// Hostile values (CR/LF, a forged JSON line) meant for the logs.
    LogInjection,
    /// An input the fuzzer found (a bucket's smallest input).
    Fuzzed,
    /// After everything: does the service still answer?
    Liveness,
}

impl Kind {
    /// The kind as the JSON document spells it (`dependency-failure`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Probes whose refusal may legitimately close the connection (a server that stops
    /// reading an oversized request): not evidence of a missing last-resort handler.
    pub fn may_close(self) -> bool {
        matches!(self, Kind::OversizedBody | Kind::OversizedHeader)
    }
}

/// One request of the battery.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub kind: Kind,
    pub method: String,
    /// Path and query as sent, starting with `/`.
    pub target: String,
    /// The route template (`/books/{id}`): what a SARIF fingerprint is made of.
    pub route: String,
    /// The parameter the probe is about, when it is about one.
    pub parameter: Option<String>,
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    pub body: Option<String>,
    /// Why it is sent, in a phrase.
    pub purpose: String,
}

impl Probe {
    pub fn new(kind: Kind, method: &str, target: &str, purpose: &str) -> Probe {
        let route = target.split('?').next().unwrap_or(target).to_string();
        Probe {
            kind,
            method: method.to_string(),
            target: target.to_string(),
            route,
            parameter: None,
            headers: Vec::new(),
            body: None,
            purpose: purpose.to_string(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Probe {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    pub fn body(mut self, content_type: Option<&str>, body: String) -> Probe {
        if let Some(content_type) = content_type {
            self = self.header("content-type", content_type);
        }
        self.body = Some(body);
        self
    }

    pub fn route(mut self, route: &str) -> Probe {
        self.route = route.to_string();
        self
    }

    pub fn parameter(mut self, name: &str) -> Probe {
        self.parameter = Some(name.to_string());
        self
    }
}

/// Debug consoles and framework debug routes of the common stacks.
pub const DEBUG_PATHS: &[&str] = &[
    "/debug",
    "/__debug__/",
    "/debug/vars",
    "/debug/pprof/",
    "/console",
    "/_profiler",
    "/_debugbar",
    "/phpinfo.php",
    "/elmah.axd",
    "/trace.axd",
    "/actuator/env",
    "/rails/info/properties",
];

/// Documentation and monitoring endpoints of the common stacks.
pub const DOCS_PATHS: &[&str] = &[
    "/metrics",
    "/actuator",
    "/actuator/health",
    "/server-status",
    "/openapi.json",
    "/swagger.json",
    "/swagger-ui/",
    "/v2/api-docs",
    "/v3/api-docs",
    "/docs",
    "/redoc",
    "/graphiql",
    "/healthz",
    "/health",
    "/status",
];

/// Bytes of the oversized body (1 MiB: above every default JSON limit we know).
pub const OVERSIZED_BODY: usize = 1024 * 1024;
/// Bytes of the oversized header value (above nginx's and Node's 8 KiB line limits).
pub const OVERSIZED_HEADER: usize = 12 * 1024;

/// The text a forged log line starts with; a log line that starts with it was injected.
pub fn forged_marker(nonce: &str) -> String {
    format!("AUDIT-FORGED-{nonce}")
}

/// A value that forges two log lines if written raw: a text one and a JSON one.
pub fn injection_payload(nonce: &str) -> String {
    let marker = forged_marker(nonce);
    format!("audit\r\n{marker} level=ERROR forged=1\n{{\"{marker}\":1}}")
}

/// The generic battery for any HTTP service. `allow` lists the paths meant to be public
/// (not probed as exposures).
pub fn battery(api: Option<&Api>, nonce: &str, allow: &[String]) -> Vec<Probe> {
    let unknown = format!("/crash-course-audit-{nonce}");
    let mut probes = vec![
        Probe::new(Kind::UnknownRoute, "GET", &unknown, "an unknown route"),
        Probe::new(
            Kind::UnknownRoute,
            "GET",
            &unknown,
            "an unknown route, as a browser",
        )
        .header("accept", "text/html,application/xhtml+xml"),
        Probe::new(Kind::Trace, "TRACE", "/", "TRACE must not echo the request")
            .header("x-crash-course-trace", nonce),
        Probe::new(
            Kind::Options,
            "OPTIONS",
            "/",
            "the methods offered (TRACE?)",
        ),
        Probe::new(Kind::Git, "GET", "/.git/HEAD", "source-control metadata"),
        Probe::new(Kind::Git, "GET", "/.git/config", "source-control metadata"),
        Probe::new(
            Kind::OversizedHeader,
            "GET",
            &unknown,
            "an oversized header value",
        )
        .header("x-crash-course-padding", &"a".repeat(OVERSIZED_HEADER)),
    ];
    let payload = crate::runner::http::encode(&injection_payload(nonce));
    probes.push(
        Probe::new(
            Kind::LogInjection,
            "GET",
            &format!("{unknown}?q={payload}"),
            "CR/LF and a forged JSON line in the query and User-Agent",
        )
        .route(&unknown)
        .parameter("q")
        .header(
            "user-agent",
            &format!("crash-course-audit {} forged=1", forged_marker(nonce)),
        ),
    );
    let allowed = |path: &str| {
        allow
            .iter()
            .any(|a| a.trim_end_matches('/') == path.trim_end_matches('/'))
    };
    for path in DEBUG_PATHS.iter().filter(|p| !allowed(p)) {
        probes.push(Probe::new(Kind::DebugPath, "GET", path, "a debug route"));
    }
    for path in DOCS_PATHS.iter().filter(|p| !allowed(p)) {
        probes.push(Probe::new(
            Kind::DocsPath,
            "GET",
            path,
            "a docs or monitoring route",
        ));
    }
    let Some(api) = api else {
        probes.push(Probe::new(
            Kind::WrongMethod,
            "PATCH",
            "/",
            "a method the route does not take",
        ));
        probes.push(
            Probe::new(Kind::MalformedJson, "POST", "/", "malformed JSON")
                .body(Some("application/json"), "{\"broken\": ".to_string()),
        );
        return probes;
    };
    // A route without path parameters is the easiest to hit for real.
    let plain = |o: &&crate::fuzz::spec::Operation| !o.route.contains('{');
    if let Some(get) = api
        .operations
        .iter()
        .filter(plain)
        .find(|o| o.method == "GET" && !o.secured)
    {
        let taken: Vec<&str> = api
            .operations
            .iter()
            .filter(|o| o.route == get.route)
            .map(|o| o.method.as_str())
            .collect();
        if let Some(method) = ["PATCH", "PUT", "DELETE"]
            .iter()
            .find(|m| !taken.contains(m))
        {
            probes.push(Probe::new(
                Kind::WrongMethod,
                method,
                &get.route,
                "a method the route does not take",
            ));
        }
    }
    if let Some(post) = api
        .operations
        .iter()
        .filter(plain)
        .find(|o| o.body.is_some() && !o.secured)
    {
        let method = post.method.as_str();
        probes.push(
            Probe::new(Kind::MalformedJson, method, &post.route, "malformed JSON")
                .body(Some("application/json"), "{\"broken\": [1, ".to_string()),
        );
        probes.push(
            Probe::new(
                Kind::WrongContentType,
                method,
                &post.route,
                "a JSON body sent as text/plain",
            )
            .body(Some("text/plain"), "{}".to_string()),
        );
        let filler = "a".repeat(OVERSIZED_BODY);
        probes.push(
            Probe::new(
                Kind::OversizedBody,
                method,
                &post.route,
                "an oversized body",
            )
            .body(Some("application/json"), format!("{{\"x\":\"{filler}\"}}")),
        );
    }
    for secured in api
        .operations
        .iter()
        .filter(|o| o.secured && o.method == "GET")
        .take(4)
    {
        let target = fill_path(&secured.route);
        probes.push(
            Probe::new(Kind::Unauthenticated, "GET", &target, "no credentials")
                .route(&secured.route),
        );
        probes.push(
            Probe::new(
                Kind::Unauthenticated,
                "GET",
                &target,
                "a wrong bearer token",
            )
            .route(&secured.route)
            .header("authorization", "Bearer crash-course-audit-not-a-token"),
        );
    }
    probes
}

/// A route template with each `{param}` replaced by `1`.
fn fill_path(route: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in route.chars() {
        match c {
            '{' => in_param = true,
            '}' if in_param => {
                in_param = false;
                out.push('1');
            }
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// The liveness probe sent last.
pub fn liveness(path: &str) -> Probe {
    Probe::new(
        Kind::Liveness,
        "GET",
        path,
        "does the service still answer?",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_listed_paths_are_not_probed_and_the_payload_forges_lines_only_raw() {
        let probes = battery(None, "n1", &["/metrics".to_string()]);
        assert!(!probes.iter().any(|p| p.target == "/metrics"));
        assert!(probes.iter().any(|p| p.target == "/healthz"));
        let payload = injection_payload("n1");
        assert!(payload.lines().any(|l| l.starts_with(&forged_marker("n1"))));
        let encoded = serde_json::to_string(&payload).expect("json");
        assert_eq!(encoded.lines().count(), 1);
        assert_eq!(fill_path("/books/{id}/cover"), "/books/1/cover");
    }
}
