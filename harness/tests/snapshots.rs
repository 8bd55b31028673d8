//! Every scenario file, in every mode (dev, prod, bare), on every available backend, as a
//! normalized transcript snapshot (one per scenario x mode x backend). Review changes with
//! `cargo insta review` or `INSTA_UPDATE=always cargo test -p harness` and `git diff`.
//!
//! PostgreSQL runs skip with a notice when no server answers, except under CI=true.

use harness::runner::{self, AppCommand, Target};
use harness::scenario::{self, BackendName, ModeName};

fn backends(runtime: &tokio::runtime::Runtime) -> Vec<BackendName> {
    let admin_url = demo_app::scratch_db::postgres_admin_url();
    match runtime.block_on(demo_app::scratch_db::postgres_reachable(&admin_url)) {
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
    let target = Target::Spawn(AppCommand {
        program: env!("CARGO_BIN_EXE_harness").into(),
        args: vec!["serve-app".into()],
    });
    insta::glob!("../../scenarios", "**/*.toml", |path| {
        let text = std::fs::read_to_string(path).expect("readable scenario");
        let scenario = scenario::parse(&path.display().to_string(), &text)
            .unwrap_or_else(|errors| panic!("{}", errors[0]));
        let selected = [&scenario];
        let plans = runner::plan(&selected, &ModeName::ALL, &backends, &target);
        let results = runtime.block_on(runner::run_all(plans, &target, 4));
        for result in &results {
            insta::assert_snapshot!(
                format!("{}-{}", result.mode, result.backend),
                harness::transcript::render(result)
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
        assert_bare_loses_the_connection_on_panics(&results);
    });
}

/// What the lab teaches holds for every response of every scenario, whether or not its
/// file asks for it: prod never leaks; every dev server error leaks something; bare (actix's
/// defaults) leaks the error's or the parser's text in every server error and every 400, and
/// sends no correlation id.
fn assert_the_lab_thesis(result: &runner::RunResult) {
    for exchange in &result.exchanges {
        let Some(response) = &exchange.response else {
            continue;
        };
        let context = format!(
            "{} {} {}, step `{}` ({})",
            result.scenario, result.mode, result.backend, exchange.step, response.status
        );
        match result.mode.as_str() {
            "prod" => assert!(
                exchange.findings.is_empty(),
                "{context}: prod leaked: {:?}",
                exchange.findings
            ),
            "dev" if response.status >= 500 => assert!(
                !exchange.findings.is_empty(),
                "{context}: a dev server error with no finding: the audit missed its leak"
            ),
            "bare" => {
                assert!(
                    response.header("x-request-id").is_none(),
                    "{context}: bare sends no correlation id"
                );
                if response.status >= 500 || response.status == 400 {
                    assert!(
                        !exchange.findings.is_empty(),
                        "{context}: a bare error answer with no finding: its text leaks nothing?"
                    );
                }
            }
            _ => {}
        }
    }
}

/// The third line of the thesis: where dev shows a panic, bare has no answer at all (the
/// connection dropped). Compared step by step with dev's run on the same backend.
fn assert_bare_loses_the_connection_on_panics(results: &[runner::RunResult]) {
    for bare in results.iter().filter(|r| r.mode == "bare") {
        let Some(dev) = results
            .iter()
            .find(|r| r.mode == "dev" && r.backend == bare.backend)
        else {
            continue;
        };
        let panicked_steps = dev
            .exchanges
            .iter()
            .filter(|e| e.findings.iter().any(|f| f.rule == "rust.panic-message"));
        for step in panicked_steps.map(|e| e.step_index) {
            for exchange in bare.exchanges.iter().filter(|e| e.step_index == step) {
                let error = exchange.error.as_deref().unwrap_or("");
                assert!(
                    exchange.response.is_none()
                        && error.starts_with(runner::http::CONNECTION_DROPPED),
                    "{} bare {}, step `{}`: dev shows a panic, so bare must drop the \
                     connection; got {:?} / {error}",
                    bare.scenario,
                    bare.backend,
                    exchange.step,
                    exchange.response.as_ref().map(|r| r.status)
                );
            }
        }
    }
}
