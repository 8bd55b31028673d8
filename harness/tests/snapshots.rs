//! Every scenario file, in every mode (dev, prod, bare), on every available backend, as a
//! normalized transcript snapshot (one per scenario x mode x backend). Review changes with
//! `cargo insta review` or `INSTA_UPDATE=always cargo test -p harness` and `git diff`.
//!
//! PostgreSQL runs skip with a notice when no server answers, except under CI=true. A
//! scenario with a `[tracker]` reports to one Bugsink for the whole test (started by the
//! runner on first use, stopped when `target` drops); where none can be had (no python3
//! with venv) its runs are skipped with a notice, except under CI=true, where the runner
//! makes that an error.

use harness::runner::{self, AppCommand, RunMode, Target};
use harness::scenario::{self, BackendName, ModeName};

fn backends(runtime: &tokio::runtime::Runtime) -> Vec<BackendName> {
    let admin_url = lab_support::scratch_db::postgres_admin_url();
    match runtime.block_on(lab_support::scratch_db::postgres_reachable(&admin_url)) {
        Ok(()) => vec![BackendName::Sqlite, BackendName::Postgres],
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true requires PostgreSQL for the snapshots: {e:#}")
        }
        Err(e) => {
            // Not `eprintln!`: libtest would capture it and the skip would be silent.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPING PostgreSQL snapshots: {e:#}\n"
            );
            vec![BackendName::Sqlite]
        }
    }
}

#[test]
fn every_scenario_matches_its_snapshots_in_every_mode() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let backends = backends(&runtime);
    let target = Target::Spawn(AppCommand::new(
        env!("CARGO_BIN_EXE_harness"),
        vec!["serve-app".into()],
    ));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let vocabulary =
        harness::app::vocabulary(&root).unwrap_or_else(|errors| panic!("{}", errors[0]));
    // The transcript's volatile values (ids, ports, paths, versions...), redacted by insta.
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in harness::report::transcript::redactions() {
        settings.add_filter(&pattern, replacement);
    }
    let _redacted = settings.bind_to_scope();
    // The one tracker of the test starts in the background, beside the scenarios before
    // the first that reads it (when none can be had, that scenario's runs say why).
    if let Target::Spawn(app) = &target {
        let tracker = app.tracker.clone();
        runtime.spawn(async move { tracker.warm_up().await });
    }
    insta::glob!("../../scenarios", "*/**/*.toml", |path| {
        let text = std::fs::read_to_string(path).expect("readable scenario");
        let scenario = scenario::parse(&path.display().to_string(), &text, &vocabulary)
            .unwrap_or_else(|errors| panic!("{}", errors[0]));
        let selected = [&scenario];
        let plans = runner::plan(&selected, &ModeName::ALL, &backends, &target);
        let results = runtime.block_on(runner::run_all(plans, &target, 4));
        for result in &results {
            if result.outcome == runner::Outcome::Skipped {
                // Not `eprintln!`: libtest would capture it and the skip would be silent.
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPING {} {} {}: {}\n",
                    result.scenario,
                    result.mode,
                    result.backend,
                    result.reasons.first().map_or("", |r| r.message.as_str())
                );
                continue;
            }
            insta::assert_snapshot!(
                format!("{}-{}", result.mode, result.backend),
                harness::report::transcript::render(result),
                // The expression the snapshots were first recorded with.
                "harness::transcript::render(result)"
            );
            assert!(
                result.passed(),
                "{} {} {}: {:#?}",
                result.scenario,
                result.mode,
                result.backend,
                result.reasons
            );
            assert_the_lab_thesis(result);
        }
        assert_bare_against_dev(&results);
    });
}

/// What the lab teaches holds for every response of every scenario, whether or not its
/// file asks for it: prod never leaks; every dev server error leaks something; bare sends no
/// correlation id and every 400 it answers (a parser's text) leaks.
fn assert_the_lab_thesis(result: &runner::RunResult) {
    for exchange in &result.exchanges {
        let Some(response) = &exchange.response else {
            continue;
        };
        let context = format!(
            "{} {} {}, step `{}` ({})",
            result.scenario, result.mode, result.backend, exchange.step, response.status
        );
        match result.mode {
            RunMode::Prod => assert!(
                exchange.findings.is_empty(),
                "{context}: prod leaked: {:?}",
                exchange.findings
            ),
            RunMode::Dev if response.status >= 500 => assert!(
                !exchange.findings.is_empty(),
                "{context}: a dev server error with no finding: the audit missed its leak"
            ),
            RunMode::Bare => {
                assert!(
                    response.header("x-request-id").is_none(),
                    "{context}: bare sends no correlation id"
                );
                if response.status == 400 {
                    assert!(
                        !exchange.findings.is_empty(),
                        "{context}: a bare 400 with no finding: the parser's text leaks nothing?"
                    );
                }
            }
            _ => {}
        }
    }
}

/// The thesis's bare line, checked against dev's run of the same scenario on the same
/// backend, step by step: where dev shows a panic, bare has no answer at all (the
/// connection dropped); where dev shows an error's cause chain, bare's server error is that
/// error's own text (the chain's outermost message starts the text/plain body); where the
/// process dies (an abort), it dies in both, and neither answers.
fn assert_bare_against_dev(results: &[runner::RunResult]) {
    for bare in results.iter().filter(|r| r.mode == RunMode::Bare) {
        let Some(dev) = results
            .iter()
            .find(|r| r.mode == RunMode::Dev && r.backend == bare.backend)
        else {
            continue;
        };
        for exchange in &bare.exchanges {
            let dev_step: Vec<&runner::Exchange> = dev
                .exchanges
                .iter()
                .filter(|e| e.step_index == exchange.step_index)
                .collect();
            let context = format!(
                "{} bare {}, step `{}`",
                bare.scenario, bare.backend, exchange.step
            );
            let dev_panicked = dev_step
                .iter()
                .any(|e| e.findings.iter().any(|f| f.rule == "rust.panic-message"));
            // A process that dies takes its connections with it in every mode: no handler
            // ran, so there is no dev answer to compare with (resource.out-of-memory).
            let died_here = |run: &runner::RunResult| {
                run.process_exit
                    .as_ref()
                    .is_some_and(|exit| exit.step_index == exchange.step_index)
            };
            if died_here(bare) {
                assert!(
                    died_here(dev),
                    "{context}: the app process died in bare but not at this step in dev"
                );
                continue;
            }
            let Some(response) = &exchange.response else {
                let error = exchange.error.as_deref().unwrap_or("");
                if error.starts_with(runner::http::CONNECTION_DROPPED) {
                    assert!(
                        dev_panicked,
                        "{context}: bare dropped a connection dev did not panic on"
                    );
                }
                continue;
            };
            assert!(
                !(dev_panicked && dev_step.len() == 1),
                "{context}: dev shows a panic, so bare must drop the connection; got {}",
                response.status
            );
            if response.status < 500 {
                continue;
            }
            let outermost: Vec<String> = dev_step
                .iter()
                .filter_map(|e| e.response.as_ref())
                .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.body).ok())
                .filter_map(|body| body["chain"][0].as_str().map(str::to_string))
                .collect();
            // Digits masked: each run has its own fake upstream, on its own port.
            let body = digits_masked(&response.body);
            assert!(
                outermost
                    .iter()
                    .any(|text| body.starts_with(&digits_masked(text))),
                "{context}: bare's {} is not the error's own text as dev shows it ({outermost:?}): {}",
                response.status,
                response.body
            );
        }
    }
}

fn digits_masked(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}
