//! Auditing demo-app itself: one app per mode and backend with its FX upstream failing (a
//! wiremock answering 500 with a stack trace), its configuration evidence read from its
//! ops route, the scenarios' requests as crash inputs, and its stderr as the logs.

use std::time::Duration;

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::evidence::ConfigEvidence;
use super::logs::Logs;
use super::probes::{Kind, Probe};
use super::{Options, Run, Subject};
use crate::app::audit as lab;
use crate::fuzz::check::Profile;
use crate::runner::serve::Served;
use crate::runner::{AppCommand, OPS_TOKEN, http};
use crate::scenario::{Action, BackendName, ModeName, RequestSpec, Scenario};

/// What the upstream answers while it "fails": a 500 with a Java stack trace, which an
/// app that passes it through leaks.
const FAILING_UPSTREAM_BODY: &str = r#"{"error":"rate engine unavailable","trace":"java.lang.IllegalStateException: pool closed\n\tat com.fxprovider.RateService.lookup(RateService.java:88)"}"#;

/// Audits demo-app in `mode` on `backend`.
pub async fn audit_app(
    app: &AppCommand,
    mode: ModeName,
    backend: BackendName,
    scenarios: &[Scenario],
    client: &reqwest::Client,
    options: &Options,
) -> anyhow::Result<Run> {
    let upstream = MockServer::builder().start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(500).set_body_raw(FAILING_UPSTREAM_BODY, "application/json"),
        )
        .mount(&upstream)
        .await;
    let served = Served::start_with(
        app,
        mode,
        backend,
        vec![(lab::DEPENDENCY_SETTING.to_string(), upstream.uri())],
    )
    .await?;
    let base_url = served.app.base_url.clone();
    let outcome = async {
        let config = config_evidence(client, &base_url).await?;
        let api = spec(client, &base_url).await?;
        let mut options = options.clone();
        options
            .allow_paths
            .extend(lab::INTENDED_PUBLIC_PATHS.iter().map(|p| p.to_string()));
        let read_logs = || {
            Some(Logs {
                source: "demo-app's stderr (JSON lines)".to_string(),
                lines: served.app.log_lines(),
            })
        };
        let subject = Subject {
            name: format!("demo-app {}/{}", mode.as_str(), backend.as_str()),
            base_url: base_url.clone(),
            client: client.clone(),
            mode: Some(mode.as_str().to_string()),
            backend: Some(backend.as_str().to_string()),
            api: Some(api),
            extra: extra_probes(scenarios, backend),
            liveness_path: lab::LIVENESS_PATH.to_string(),
            logs: Some(&read_logs),
            config: Some(config),
            profile: match mode {
                ModeName::Prod => Profile::ProblemDetails,
                ModeName::Dev | ModeName::Bare => Profile::Careless,
            },
        };
        anyhow::Ok(super::audit(&subject, &options).await)
    }
    .await;
    served.stop().await?;
    outcome
}

async fn config_evidence(
    client: &reqwest::Client,
    base_url: &str,
) -> anyhow::Result<ConfigEvidence> {
    let response = client
        .get(format!("{base_url}{}", lab::CONFIG_ROUTE))
        .bearer_auth(OPS_TOKEN)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "demo-app's {} did not answer: {}",
                lab::CONFIG_ROUTE,
                http::describe_transport_error(&e)
            )
        })?;
    let status = response.status();
    let bytes = response.bytes().await?;
    anyhow::ensure!(
        status.is_success(),
        "demo-app's {} answered {status}",
        lab::CONFIG_ROUTE
    );
    Ok(ConfigEvidence::of(
        &format!(
            "GET {} (demo-app, with the ops bearer token)",
            lab::CONFIG_ROUTE
        ),
        &bytes,
    ))
}

async fn spec(client: &reqwest::Client, base_url: &str) -> anyhow::Result<crate::fuzz::spec::Api> {
    let text = client
        .get(format!("{base_url}/openapi.json"))
        .timeout(Duration::from_secs(10))
        .send()
        .await?
        .text()
        .await?;
    crate::fuzz::spec::parse(&text)
        .map_err(|e| anyhow::anyhow!("demo-app's /openapi.json is not usable: {e}"))
}

/// The failing dependency, the log-injection route, and the scenarios' requests that need
/// no setup (no `[app]` settings, no upstream, no SQL): the lab's known crash inputs.
pub fn extra_probes(scenarios: &[Scenario], backend: BackendName) -> Vec<Probe> {
    let (method, path, body) = lab::DEPENDENCY_REQUEST;
    let mut probes = vec![
        Probe::new(
            Kind::DependencyFailure,
            method,
            path,
            "the FX upstream fails (500 with a stack trace)",
        )
        .body(Some("application/json"), body.to_string()),
        Probe::new(
            Kind::LogInjection,
            "GET",
            lab::LOG_INJECTION_TARGET,
            "a hostile value that reaches the error log decoded",
        )
        .parameter("name"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for scenario in scenarios {
        let plain = scenario.app.is_empty()
            && scenario.upstream.is_none()
            && scenario.backends.contains(&backend)
            && !scenario
                .steps
                .iter()
                .any(|s| matches!(s.action, Action::Sql { .. }));
        if !plain {
            continue;
        }
        for step in &scenario.steps {
            let requests: Vec<&RequestSpec> = match &step.action {
                Action::Request { request, .. } => vec![request],
                Action::Parallel(requests) => requests.iter().collect(),
                _ => Vec::new(),
            };
            for request in requests {
                if let Some(probe) = crash_probe(scenario, request)
                    && seen.insert((
                        probe.method.clone(),
                        probe.target.clone(),
                        probe.body.clone(),
                    ))
                {
                    probes.push(probe);
                }
            }
        }
    }
    probes
}

fn crash_probe(scenario: &Scenario, request: &RequestSpec) -> Option<Probe> {
    let path = request.path.as_deref().unwrap_or("/");
    if path.starts_with(lab::SWITCH_PREFIX) {
        return None;
    }
    let method = request.method.clone().unwrap_or_else(|| "GET".to_string());
    let mut target = path.to_string();
    if !request.query.is_empty() {
        let pairs: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", http::encode(k), http::encode(v)))
            .collect();
        target.push('?');
        target.push_str(&pairs.join("&"));
    }
    let body = match (&request.json, &request.body) {
        (Some(json), _) => Some(crate::runner::expect::toml_to_json(json).to_string()),
        (None, Some(raw)) => Some(raw.clone()),
        (None, None) => None,
    };
    if target.contains("{{") || body.as_deref().is_some_and(|b| b.contains("{{")) {
        return None;
    }
    let mut probe = Probe::new(
        Kind::CrashInput,
        &method,
        &target,
        &format!("scenario {}", scenario.id()),
    );
    for (name, value) in &request.headers {
        if value.contains("{{") {
            return None;
        }
        probe = probe.header(name, value);
    }
    if let Some(accept) = &request.accept {
        probe = probe.header("accept", accept);
    }
    if let Some(body) = body {
        let json = request.json.is_some()
            && !request
                .headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"));
        probe = probe.body(json.then_some("application/json"), body);
    }
    Some(probe)
}
