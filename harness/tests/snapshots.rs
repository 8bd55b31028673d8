//! Every scenario file, in both modes, on every available backend, as a normalized
//! transcript snapshot (one per scenario x mode x backend). Review changes with
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
fn every_scenario_matches_its_snapshots_in_both_modes() {
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
        let plans = runner::plan(
            &selected,
            &[ModeName::Dev, ModeName::Prod],
            &backends,
            &target,
        );
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
    });
}

/// What the lab teaches holds for every response of every scenario, whether or not its
/// file asks for it: prod never leaks, and every dev server error leaks something.
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
            _ => {}
        }
    }
}
