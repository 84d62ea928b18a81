//! Wall-clock time of each stage of the assessment on one repository: the `mature-service`
//! fixture by default, or the checkout named by `SHIPREADY_BENCH_REPO` (for example a tree
//! written by `cargo run --release --example gen_monorepo -- OUT 10000`).
//!
//!     cargo bench --bench stages

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use shipready::catalog::Catalog;
use shipready::evidence::{self, Facts, TextScans};
use shipready::{Options, assessment, inventory, parse, pipeline};

fn repository() -> PathBuf {
    std::env::var_os("SHIPREADY_BENCH_REPO")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mature-service")
        })
}

fn stages(c: &mut Criterion) {
    let root = repository();
    let catalog = Catalog::builtin();
    let inventory = inventory::scan(&root).expect("repository");
    let parsed = parse::parse(&inventory);
    let pipelines = pipeline::build(&inventory);
    let scans = TextScans::of(catalog, &inventory);

    let mut group = c.benchmark_group("stages");
    group.bench_function("inventory", |b| {
        b.iter(|| inventory::scan(black_box(&root)).unwrap())
    });
    group.bench_function("text pass", |b| {
        b.iter(|| TextScans::of(catalog, black_box(&inventory)))
    });
    group.bench_function("parse", |b| b.iter(|| parse::parse(black_box(&inventory))));
    group.bench_function("pipeline", |b| {
        b.iter(|| pipeline::build(black_box(&inventory)))
    });
    group.bench_function("evidence", |b| {
        b.iter(|| {
            let facts = Facts::new(catalog, &inventory, &parsed, &pipelines, &scans);
            evidence::gather(catalog, black_box(&facts))
        })
    });
    let facts = Facts::new(catalog, &inventory, &parsed, &pipelines, &scans);
    let found = evidence::gather(catalog, &facts);
    let options = Options::default();
    group.bench_function("assessment", |b| {
        b.iter(|| assessment::assess(catalog, black_box(&facts), &found, "bench", &options))
    });
    group.bench_function("whole", |b| {
        b.iter(|| shipready::assess(black_box(&root), &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
