//! A whole request through the app, in-process: the success path against prod's and dev's
//! error paths on the same route, with everything a served request does (middleware,
//! SQLite read, error groups, the JSON log lines formatted and handed to the log writer,
//! here writing to a sink). The ratio of the first two is what `harness load` and wrk
//! measure over the network (docs/performance.md), without the network or a load
//! generator sharing the cores. `cargo bench -p demo-app --bench requests`.
//!
//! What is timed is CPU time, every thread of the process together (the request's, the
//! SQLite worker's, the log writer's; `/proc/self/task/*/schedstat` on Linux), not the
//! wall clock: a request's wall time here is mostly waiting for thread hand-offs, and a
//! served app's throughput follows its CPU per request once the cores are busy. Where
//! `/proc` is missing the wall clock stands in.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_web::test::{self, TestRequest};
use actix_web::web;
use criterion::{Criterion, criterion_group};
use demo_app::db::Database;
use demo_app::settings::{Layers, Mode, Recipe, Source};
use demo_app::state::AppState;

/// The app's state in `mode` on a fresh, seeded SQLite file in `dir`.
fn state(dir: &std::path::Path, mode: Mode, runtime: &actix_web::rt::Runtime) -> AppState {
    let path = dir.join(format!("{mode:?}.sqlite3"));
    let mut layers = Layers::with_defaults();
    for (key, value) in [
        (
            "database_url",
            format!("sqlite://{}?mode=rwc", path.display()),
        ),
        ("mode", format!("{mode:?}").to_lowercase()),
    ] {
        layers.set(key, value, Source::Default).expect("known key");
    }
    let settings = layers.resolve().expect("valid settings");
    let db = runtime
        .block_on(Database::connect(&settings))
        .expect("database");
    AppState::new(settings, db, Recipe::default()).expect("state")
}

fn bench_requests(c: &mut Criterion) {
    // The log lines are formatted and written as in a served app, to nowhere.
    let _log = demo_app::telemetry::init_with(std::io::sink());
    let runtime = actix_web::rt::Runtime::new().expect("runtime");
    // Removed with its databases when it drops, at the end of the bench.
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut group = c.benchmark_group("a request through the app");
    for mode in [Mode::Prod, Mode::Dev] {
        let state = web::Data::new(state(dir.path(), mode, &runtime));
        let app = runtime.block_on(test::init_service(demo_app::startup::app(state, false)));
        let cases: &[(&str, &str)] = match mode {
            Mode::Prod => &[
                ("success GET /customers/1", "/customers/1"),
                ("prod error GET /customers/4", "/customers/4"),
            ],
            _ => &[("dev error GET /customers/4", "/customers/4")],
        };
        for (name, uri) in cases {
            group.bench_function(*name, |b| {
                b.iter_custom(|iterations| {
                    let started = Clock::now();
                    for _ in 0..iterations {
                        let request = TestRequest::get()
                            .uri(uri)
                            .insert_header(("accept", "application/json"))
                            .to_request();
                        let response = runtime.block_on(test::call_service(&app, request));
                        black_box(response.status());
                    }
                    started.elapsed()
                })
            });
        }
    }
    group.finish();
}

/// CPU time of the whole process so far, or the wall clock where it cannot be read.
enum Clock {
    Cpu(Duration),
    Wall(Instant),
}

impl Clock {
    fn now() -> Clock {
        process_cpu_time().map_or_else(|| Clock::Wall(Instant::now()), Clock::Cpu)
    }

    fn elapsed(&self) -> Duration {
        match self {
            Clock::Cpu(at) => process_cpu_time().map_or(Duration::ZERO, |now| now - *at),
            Clock::Wall(at) => at.elapsed(),
        }
    }
}

/// The CPU time every live thread of this process has used: the first number of each
/// thread's `schedstat`, in nanoseconds. (A thread that ended takes its time with it; the
/// app's threads live as long as the bench.)
fn process_cpu_time() -> Option<Duration> {
    let mut nanos = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        nanos += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(nanos))
}

criterion_group!(benches, bench_requests);

/// `criterion_main!`, after turning library backtraces off as the app's own `main` does
/// (else, with `RUST_BACKTRACE=1` set, every anyhow error here would capture one).
#[allow(unsafe_code)]
fn main() {
    // SAFETY: the first statement of `main`: no other thread exists yet.
    unsafe { demo_app::library_backtraces::turn_off_unless_chosen() };
    benches();
    Criterion::default().configure_from_args().final_summary();
}
