//! Leak scanning throughput (MB/s) over a realistic corpus, scenario parsing, and
//! transcript normalization. `cargo bench -p harness`; numbers in docs/performance.md.
//! (The side-by-side comparison with ripgrep is `examples/scan_speed.rs`.)

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::report::transcript;
use harness::{leaks, scenario};

const DEV_JSON: &str = include_str!("corpus/dev-debug.json");
const DEV_HTML: &str = include_str!("corpus/dev-debug-page.html");
const PROD_PROBLEM: &str = include_str!("corpus/prod-problem.json");

/// About 1 MB of clean catalogue JSON: what most responses look like.
fn clean_json() -> String {
    let mut body = String::from("[");
    let mut id = 0;
    while body.len() < 1_000_000 {
        id += 1;
        body.push_str(&format!(
            "{{\"id\":{id},\"title\":\"Book number {id} about distributed systems\",\"price_cents\":{},\"stock\":{},\"description\":\"A long description of the book, its chapters and its author, with prices in euros and dates like 2026-11-{:02}.\"}},",
            1000 + id % 5000,
            id % 40,
            id % 28 + 1
        ));
    }
    body.push_str("{}]");
    body
}

fn scan(body: &str) -> usize {
    leaks::scan(&leaks::Response { headers: &[], body }).len()
}

/// Every rule's regex over the whole body: what the anchored scan saves.
fn scan_plain(body: &str) -> usize {
    leaks::scan_plain(&leaks::Response { headers: &[], body }).len()
}

fn bench_scanning(c: &mut Criterion) {
    let clean = clean_json();
    let mut group = c.benchmark_group("leak scan");
    for (name, body) in [
        ("dev debug JSON", DEV_JSON),
        ("dev debug HTML page", DEV_HTML),
        ("prod problem+json", PROD_PROBLEM),
        ("clean JSON 1 MB", clean.as_str()),
    ] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(name, |b| b.iter(|| scan(black_box(body))));
    }
    // Clean traffic as JSON lines (the generator of the ripgrep comparison), anchored and
    // plain: the anchor finder's share of the speed.
    let lines = leaks::clean_json_lines(4 << 20);
    group.throughput(Throughput::Bytes(lines.len() as u64));
    group.bench_function("clean JSON lines 4 MiB", |b| {
        b.iter(|| scan(black_box(&lines)))
    });
    // The corpus as one mix, in the proportions of a harness run: mostly clean bytes.
    let mixed: Vec<&str> = vec![DEV_JSON, DEV_HTML, PROD_PROBLEM, clean.as_str()];
    let bytes: usize = mixed.iter().map(|b| b.len()).sum();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("mixed corpus", |b| {
        b.iter(|| {
            mixed
                .iter()
                .map(|body| scan(black_box(body)))
                .sum::<usize>()
        })
    });
    group.finish();
    let mut group = c.benchmark_group("leak scan, plain regexes");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(lines.len() as u64));
    group.bench_function("clean JSON lines 4 MiB", |b| {
        b.iter(|| scan_plain(black_box(&lines)))
    });
    group.finish();
}

fn bench_scenarios(c: &mut Criterion) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios");
    let files: Vec<(String, String)> = scenario::discover(std::path::Path::new(root))
        .expect("scenarios folder")
        .into_iter()
        .map(|relative| {
            let path = std::path::Path::new(root).join(&relative);
            (
                relative.display().to_string(),
                std::fs::read_to_string(path).expect("readable"),
            )
        })
        .collect();
    let vocabulary = harness::app::vocabulary(std::path::Path::new(root)).expect("classes.toml");
    c.bench_function("parse + validate every scenario file", |b| {
        b.iter(|| {
            files
                .iter()
                .filter(|(name, text)| scenario::parse(name, black_box(text), &vocabulary).is_ok())
                .count()
        })
    });
    let mut group = c.benchmark_group("transcript");
    group.throughput(Throughput::Bytes(DEV_JSON.len() as u64));
    group.bench_function("normalize a dev debug body", |b| {
        b.iter(|| transcript::normalize(black_box(DEV_JSON)).len())
    });
    group.finish();
}

criterion_group!(benches, bench_scanning, bench_scenarios);
criterion_main!(benches);
