//! Whole-repository assessments of the fixture repositories: a mature service and a bare app.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess, expect, practice};
use shipready::assessment::model::{GateStatus, Verdict};
use shipready::evidence::State;

#[test]
fn bare_app_without_ci_is_level_one_no_go() {
    let a = assess("bare-app");
    assert_eq!(a.summary.level, 1);
    assert_eq!(a.summary.verdict, Verdict::NoGo);
    assert!(a.summary.score < 25, "score {}", a.summary.score);
    expect(&a, "AUT-01", State::Absent, &["no CI pipeline"]);
    expect(&a, "AUT-04", State::Absent, &["no lockfile for python"]);
    let g01 = a.gates.iter().find(|g| g.id == "G-01").expect("G-01");
    assert_eq!(g01.status, GateStatus::Fail);
    // Nothing to deploy, no containers and no database: those practices do not apply.
    assert_eq!(practice(&a, "SEC-12").state, State::NotApplicable);
    assert_eq!(practice(&a, "DEP-21").state, State::NotApplicable);
    assert!(a.inventory.pipelines.is_empty());
}

#[test]
fn mature_service_scores_high_with_evidence_on_the_right_lines() {
    let a = assess("mature-service");
    assert!(a.summary.score >= 70, "score {}", a.summary.score);
    assert!(a.summary.level >= 2, "level {}", a.summary.level);
    expect(&a, "AUT-01", State::Present, &[]);
    expect(&a, "AUT-02", State::Present, &[]);
    expect(&a, "AUT-05", State::Present, &[]);
    expect(&a, "SEC-14", State::Present, &[]);
    expect(&a, "SEC-16", State::Present, &[]);
    expect(&a, "DEP-18", State::Present, &[]);
    expect(&a, "DEP-03", State::Present, &[]);
    expect(&a, "TST-04", State::Present, &[]);

    let scan = &practice(&a, "SEC-12").evidence[0];
    assert_eq!(scan.state, State::Present);
    assert_eq!(
        (scan.location.path.as_str(), scan.location.line),
        (".github/workflows/release.yml", 41)
    );

    let user = practice(&a, "SEC-16")
        .evidence
        .iter()
        .find(|e| e.location.path == "Dockerfile")
        .expect("Dockerfile evidence");
    assert_eq!(user.location.line, 11);
    assert_eq!(user.snippet, "USER 65532:65532");
}

#[test]
fn same_repository_gives_identical_reports() {
    let first = assess("mature-service");
    let second = assess("mature-service");
    assert_eq!(
        shipready::report::json::render(&first),
        shipready::report::json::render(&second)
    );
    assert_eq!(
        shipready::report::markdown::render(&first),
        shipready::report::markdown::render(&second)
    );
}
