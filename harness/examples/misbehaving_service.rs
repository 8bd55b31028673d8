//! The misbehaving test service of `tests/fuzz_bounds.rs`, on its own, for measuring the
//! fuzzer (and other fuzzers, e.g. Schemathesis) against it by hand:
//!
//! ```sh
//! cargo run --release -p harness --example misbehaving_service
//! # prints: listening on http://127.0.0.1:PORT (Swagger 2.0 at /spec.json)
//! ```
//!
//! It binds loopback only and runs until interrupted (Ctrl-C, SIGINT), then prints how many
//! requests it read: a count that does not depend on what the fuzzer says of itself.

#[path = "../tests/fuzz_service/mod.rs"]
mod fuzz_service;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let service = fuzz_service::start(&runtime);
    println!(
        "listening on http://{} (Swagger 2.0 at /spec.json)",
        service.address
    );
    runtime.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    println!(
        "requests read: {}",
        service.requests.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!(
        "requests that followed a redirect to the other origin: {}",
        service
            .elsewhere_hits
            .load(std::sync::atomic::Ordering::SeqCst)
    );
}
