//! Report claims on fast, tidy pipelines (AUT-11): all four of dependency caching, job
//! timeouts, cancelling superseded runs and parallel work are in place, or the missing ones
//! are named.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess_files, expect, practice};
use shipready::evidence::State;

fn workflow(concurrency: &str, setup_go: &str, timeout: &str) -> String {
    format!(
        "name: CI\non: pull_request\n{concurrency}jobs:\n  test:\n    runs-on: ubuntu-latest\n{timeout}    \
         strategy:\n      matrix:\n        go: ['1.22', '1.23']\n    steps:\n      - uses: actions/checkout@v4\n      \
         - uses: {setup_go}\n      - run: go test ./...\n"
    )
}

fn assess(workflow: &str) -> shipready::assessment::model::Assessment {
    assess_files(&[
        ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
        ("main.go", "package main\n\nfunc main() {}\n"),
        (".github/workflows/ci.yml", workflow),
    ])
}

const CANCEL: &str =
    "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: true\n";

/// setup-go caches by default from v4, the matrix runs two Go versions side by side, the job
/// has a timeout and superseded runs are cancelled: all four are in place, each cited.
#[test]
fn all_four_in_place_is_full_credit() {
    let found = assess(&workflow(
        CANCEL,
        "actions/setup-go@v5",
        "    timeout-minutes: 15\n",
    ));
    expect(&found, "AUT-11", State::Present, &[]);
    let mut lines: Vec<usize> = (practice(&found, "AUT-11").evidence.iter())
        .map(|e| e.location.line)
        .collect();
    lines.sort_unstable();
    // cancel-in-progress, timeout-minutes, the matrix axis, setup-go.
    assert_eq!(
        lines,
        [5, 9, 12, 15],
        "{:?}",
        practice(&found, "AUT-11").evidence
    );
}

/// The missing ones are named: setup-go v3 (pinned by commit, its version in the comment)
/// does not cache by default, and nothing cancels superseded runs or bounds the job's time.
#[test]
fn the_missing_ones_are_named() {
    let found = assess(&workflow(
        "",
        "actions/setup-go@93397bea11091df50f3d7e59dc26a7711a8bcfbe # v3.5.0",
        "",
    ));
    expect(
        &found,
        "AUT-11",
        State::Partial,
        &["no dependency caching, job timeouts or cancellation of superseded runs"],
    );
    let off = assess(&workflow(
        CANCEL,
        "actions/setup-go@v5\n        with:\n          cache: false",
        "    timeout-minutes: 15\n",
    ));
    expect(&off, "AUT-11", State::Partial, &["no dependency caching"]);
}

/// Two workflows that each pull request starts run side by side, with no matrix or second job
/// in either.
#[test]
fn workflows_started_by_the_same_pull_request_run_in_parallel() {
    let single = |name: &str, command: &str| {
        format!(
            "name: {name}\non: pull_request\njobs:\n  {name}:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      \
             - uses: actions/checkout@v4\n      - run: {command}\n"
        )
    };
    let files = |workflows: &[(&str, &str)]| {
        let mut files = vec![
            ("go.mod", "module example.com/tool\n\ngo 1.22\n".to_string()),
            ("main.go", "package main\n\nfunc main() {}\n".to_string()),
        ];
        files.extend(workflows.iter().map(|(p, t)| (*p, t.to_string())));
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        assess_files(&borrowed)
    };
    let one = files(&[(
        ".github/workflows/test.yml",
        &single("test", "go test ./..."),
    )]);
    let reason = practice(&one, "AUT-11").reason.clone().unwrap();
    assert!(reason.contains("parallel jobs"), "{reason}");
    let two = files(&[
        (
            ".github/workflows/test.yml",
            &single("test", "go test ./..."),
        ),
        (".github/workflows/vet.yml", &single("vet", "go vet ./...")),
    ]);
    let reason = practice(&two, "AUT-11").reason.clone().unwrap();
    assert!(!reason.contains("parallel jobs"), "{reason}");
}
