//! `harness audit`: a compliance audit of a service's error handling. A fixed battery of
//! probes (`probes`), sent within bounds (`send`), plus the fuzzer's hostile inputs within
//! the budget; each control of the catalogue (`controls`) gets pass, fail or not tested
//! with its reason (`evaluate`), from the answers and, where there are any, the service's
//! logs (`logs`); the evidence (`evidence`) is dated, hashed and redacted. Nothing here
//! prints: `report::audit*` renders the [`Document`].

mod answers;
pub mod controls;
pub mod correlation;
pub mod evaluate;
pub mod evidence;
mod findings;
pub mod lab;
mod log_checks;
pub mod logs;
pub mod probes;
pub mod send;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::fuzz::{self, check::Profile, spec::Api};
use controls::{Check, Control, Selection};
use evaluate::{Inputs, Status, Verdict};
use evidence::ConfigEvidence;
use logs::Logs;
use probes::{Kind, Probe};
use send::{Bounds, Exchange};

/// The JSON document's layout version (docs/report-formats.md).
pub const FORMAT_VERSION: u32 = 1;

/// The bounds and choices of an audit.
#[derive(Debug, Clone)]
pub struct Options {
    /// Fuzzed inputs per target; shrinking adds at most 8 requests per bucket found.
    pub budget: usize,
    pub seed: u64,
    pub concurrency: usize,
    pub exchange_timeout: Duration,
    /// For one target, battery and fuzzing together.
    pub max_duration: Duration,
    pub body_cap: usize,
    /// Docs and monitoring paths meant to be public.
    pub allow_paths: Vec<String>,
    pub selection: Selection,
    pub insecure: bool,
}

/// Reads the service's log lines once the requests are done.
pub type LogReader<'a> = dyn Fn() -> Option<Logs> + Sync + 'a;

/// One service to audit.
pub struct Subject<'a> {
    pub name: String,
    pub base_url: String,
    pub client: reqwest::Client,
    pub mode: Option<String>,
    pub backend: Option<String>,
    pub api: Option<Api>,
    /// What the caller knows of the service: crash inputs, a failing dependency, ...
    pub extra: Vec<Probe>,
    pub liveness_path: String,
    pub logs: Option<&'a LogReader<'a>>,
    pub config: Option<ConfigEvidence>,
    pub profile: Profile,
}

/// A control's result in one run.
#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    pub id: &'static str,
    pub framework: controls::Framework,
    pub number: &'static str,
    pub title: &'static str,
    pub level: &'static str,
    pub cwe: &'static [&'static str],
    pub status: Status,
    pub reason: String,
    /// Ids of the findings that are its evidence.
    pub findings: Vec<String>,
}

/// One finding: a leak rule (or a control, for what no leak rule names) at one method,
/// route and parameter, with one exchange as its shown instance.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `F1`, `F2`, ... in the run.
    pub id: String,
    /// A leak rule id (`rust.backtrace`) or a control id (`asvs5-16.5.4`).
    pub rule: String,
    pub title: String,
    pub cwe: Vec<String>,
    pub severity: String,
    pub controls: Vec<&'static str>,
    pub method: String,
    pub route: String,
    pub parameter: Option<String>,
    /// How many exchanges showed it.
    pub count: usize,
    pub probe: Kind,
    pub status: Option<u16>,
    pub correlation_id: Option<String>,
    pub evidence: String,
    pub curl: String,
    pub response_excerpt: String,
}

/// One request of the run, in brief.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub kind: Kind,
    pub method: String,
    pub target: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub correlation_id: Option<String>,
    pub findings: Vec<&'static str>,
    pub elapsed_ms: u64,
}

/// The fuzzer's share of a run.
#[derive(Debug, Clone, Serialize)]
pub struct FuzzShare {
    pub requests: usize,
    pub shrink_requests: usize,
    pub buckets: usize,
    pub seconds: f64,
    pub stopped_by: &'static str,
}

/// The audit of one service (one mode and backend of demo-app).
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub name: String,
    pub target: String,
    pub mode: Option<String>,
    pub backend: Option<String>,
    pub started_at: String,
    pub seconds: f64,
    /// Every request sent: battery, fuzzing and shrinking, and the config evidence.
    pub requests: usize,
    /// Probes left unsent when the time bound ran out.
    pub skipped: usize,
    pub config_evidence: Option<ConfigEvidence>,
    pub log_source: Option<String>,
    /// Docs and monitoring paths public on purpose, not probed as exposures: `--allow-path`,
    /// plus demo-app's own (health, metrics, its API description).
    pub allowed_paths: Vec<String>,
    pub fuzz: Option<FuzzShare>,
    pub controls: Vec<ControlResult>,
    pub findings: Vec<Finding>,
    pub sent: Vec<Sent>,
}

impl Run {
    pub fn failed(&self) -> bool {
        self.controls.iter().any(|c| c.status == Status::Fail)
    }
}

/// The tool and rule-set versions the evidence was produced with.
#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    pub tool: String,
    pub tool_version: &'static str,
    pub leak_rules: usize,
    /// SHA-256 over every leak rule's id and pattern: changes when a rule does.
    pub leak_rules_sha256: String,
    pub controls: usize,
    pub catalogues: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub targets: Vec<String>,
    pub controls: Selection,
    pub budget: usize,
    pub seed: u64,
    pub max_seconds_per_target: u64,
    pub exchange_timeout_ms: u64,
    pub body_cap_bytes: usize,
    pub concurrency: usize,
    pub allow_paths: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Totals {
    pub pass: usize,
    pub fail: usize,
    pub not_tested: usize,
    pub requests: usize,
    pub seconds: f64,
}

/// The evidence document: the source of every rendering.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub format_version: u32,
    pub generated_at: String,
    pub versions: Versions,
    pub scope: Scope,
    pub totals: Totals,
    pub runs: Vec<Run>,
    pub top_ten: &'static str,
}

impl Document {
    pub fn new(runs: Vec<Run>, options: &Options, generated_at: String) -> Document {
        let mut totals = Totals::default();
        for run in &runs {
            for c in &run.controls {
                match c.status {
                    Status::Pass => totals.pass += 1,
                    Status::Fail => totals.fail += 1,
                    Status::NotTested => totals.not_tested += 1,
                }
            }
            totals.requests += run.requests;
            totals.seconds += run.seconds;
        }
        let mut rules_text = String::new();
        for rule in crate::leaks::RULES {
            rules_text.push_str(rule.id);
            rules_text.push('\0');
            rules_text.push_str(rule.pattern);
            rules_text.push('\n');
        }
        let catalogues = [
            controls::Framework::Asvs5,
            controls::Framework::Asvs4,
            controls::Framework::Nist,
        ]
        .into_iter()
        .filter(|f| options.selection.includes(*f))
        .map(controls::Framework::name)
        .collect();
        Document {
            format_version: FORMAT_VERSION,
            generated_at,
            versions: Versions {
                tool: "harness (Crash Course)".to_string(),
                tool_version: env!("CARGO_PKG_VERSION"),
                leak_rules: crate::leaks::RULES.len(),
                leak_rules_sha256: evidence::sha256_hex(rules_text.as_bytes()),
                controls: options.selection.controls().count(),
                catalogues,
            },
            scope: Scope {
                targets: runs.iter().map(|r| r.target.clone()).collect(),
                controls: options.selection,
                budget: options.budget,
                seed: options.seed,
                max_seconds_per_target: options.max_duration.as_secs(),
                exchange_timeout_ms: options.exchange_timeout.as_millis() as u64,
                body_cap_bytes: options.body_cap,
                concurrency: options.concurrency,
                allow_paths: options.allow_paths.clone(),
            },
            totals,
            runs,
            top_ten: controls::TOP_TEN,
        }
    }

    pub fn failed(&self) -> bool {
        self.runs.iter().any(Run::failed)
    }
}

/// Audits one service: battery, fuzzing within the budget, liveness, logs, verdicts.
pub async fn audit(subject: &Subject<'_>, options: &Options) -> Run {
    let started = Instant::now();
    let started_at = evidence::now_rfc3339();
    let deadline = started + options.max_duration;
    let nonce = format!(
        "{:08x}",
        fastrand::Rng::with_seed(options.seed ^ 0x5eed_a0d1).u32(..)
    );
    let bounds = Bounds {
        deadline,
        exchange_timeout: options.exchange_timeout,
        body_cap: options.body_cap,
        concurrency: options.concurrency,
    };
    let mut probes = probes::battery(subject.api.as_ref(), &nonce, &options.allow_paths);
    probes.extend(subject.extra.iter().cloned().map(|mut p| {
        if p.kind == Kind::LogInjection {
            p.target = p.target.replace(
                "{payload}",
                &crate::runner::http::encode(&probes::injection_payload(&nonce)),
            );
        }
        p
    }));
    let mut exchanges = send::send_all(&subject.client, &subject.base_url, probes, &bounds).await;

    let mut fuzz_share = None;
    if let Some(api) = &subject.api
        && options.budget > 0
    {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining > Duration::from_secs(1) {
            let shrink_steps = 8;
            let target = fuzz::Target {
                base_url: subject.base_url.clone(),
                repro_base_url: subject.base_url.clone(),
                client: subject.client.clone(),
                profile: subject.profile,
                class_of: None,
                exited: None,
            };
            let fuzz_options = fuzz::Options {
                requests: options.budget,
                max_duration: remaining.saturating_sub(Duration::from_secs(1)),
                seed: options.seed,
                concurrency: options.concurrency,
                time_limit: options.exchange_timeout / 2,
                // The fuzzer's exchanges are bounded like the battery's: time and body.
                request_timeout: options.exchange_timeout,
                body_cap: options.body_cap,
                shrink_steps,
                insecure: options.insecure,
            };
            let run = fuzz::run(api, &target, &fuzz_options, &[], &fuzz::Progress::default()).await;
            for bucket in &run.buckets {
                exchanges.push(findings::from_bucket(bucket));
            }
            fuzz_share = Some(FuzzShare {
                requests: run.requests,
                shrink_requests: run.shrink_requests,
                buckets: run.buckets.len(),
                seconds: run.seconds + run.shrink_seconds,
                stopped_by: run.stopped_by.as_str(),
            });
        }
    }
    // The liveness probe is sent whatever the time left: it decides 16.5.4.
    let last = Bounds {
        deadline: Instant::now() + options.exchange_timeout * 2,
        ..bounds
    };
    exchanges.push(
        send::send(
            &subject.client,
            &subject.base_url,
            probes::liveness(&subject.liveness_path),
            &last,
        )
        .await,
    );

    let logs = settled_logs(subject.logs, &exchanges).await;
    let inputs = Inputs {
        exchanges: &exchanges,
        logs: logs.as_ref(),
        nonce: &nonce,
    };
    let mut verdicts: BTreeMap<Check, Verdict> = BTreeMap::new();
    let selected: Vec<&'static Control> = options.selection.controls().collect();
    for control in &selected {
        verdicts
            .entry(control.check)
            .or_insert_with(|| evaluate::verdict(control.check, &inputs));
    }
    let (findings, ids_by_check) =
        findings::findings(subject, options, &exchanges, &verdicts, &selected);
    let controls = selected
        .iter()
        .map(|c| {
            let verdict = &verdicts[&c.check];
            ControlResult {
                id: c.id,
                framework: c.framework,
                number: c.number,
                title: c.title,
                level: c.level,
                cwe: c.cwe,
                status: verdict.status,
                reason: verdict.reason.clone(),
                findings: ids_by_check.get(&c.check).cloned().unwrap_or_default(),
            }
        })
        .collect();
    let fuzz_requests = fuzz_share
        .as_ref()
        .map_or(0, |f| f.requests + f.shrink_requests);
    let battery = exchanges
        .iter()
        .filter(|e| !e.skipped && e.probe.kind != Kind::Fuzzed)
        .count();
    Run {
        name: subject.name.clone(),
        target: subject.base_url.clone(),
        mode: subject.mode.clone(),
        backend: subject.backend.clone(),
        started_at,
        seconds: started.elapsed().as_secs_f64(),
        requests: battery + fuzz_requests + usize::from(subject.config.is_some()),
        skipped: exchanges.iter().filter(|e| e.skipped).count(),
        config_evidence: subject.config.clone(),
        log_source: logs.as_ref().map(|l| l.source.clone()),
        allowed_paths: options.allow_paths.clone(),
        fuzz: fuzz_share,
        controls,
        findings,
        sent: exchanges
            .iter()
            .map(|e| Sent {
                kind: e.probe.kind,
                method: e.probe.method.clone(),
                target: evaluate::cut(&e.probe.target, 120),
                status: e.status,
                error: e.error.clone(),
                correlation_id: e.correlation_id.clone(),
                findings: e.findings.iter().map(|f| f.rule).collect(),
                elapsed_ms: e.elapsed_ms,
            })
            .collect(),
    }
}

/// The service writes an error's log line as it answers, and a reader (demo-app's stderr
/// pipe, an operator's log shipper) may lag: read until every 5xx id is there, or 3 s.
async fn settled_logs(read: Option<&LogReader<'_>>, exchanges: &[Exchange]) -> Option<Logs> {
    let read = read?;
    let mut logs = read()?;
    for _ in 0..30 {
        if logs::unlogged(&logs, exchanges).1.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        logs = read()?;
    }
    Some(logs)
}
