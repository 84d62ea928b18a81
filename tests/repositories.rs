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
    expect(
        &a,
        "AUT-24",
        State::Partial,
        &["missing LICENSE, CONTRIBUTING guide, .gitignore"],
    );
    // Creating CI comes before everything that runs in it.
    let first = a
        .recommendations
        .iter()
        .position(|r| r.practice == "AUT-01")
        .expect("AUT-01 planned");
    for later in ["AUT-02", "TST-02", "SEC-01", "SEC-06"] {
        let at = a
            .recommendations
            .iter()
            .position(|r| r.practice == later)
            .expect("planned");
        assert!(first < at, "{later} planned before AUT-01");
    }
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
    expect(&a, "DEP-18", State::Present, &["all 2 migrations"]);
    let down = &practice(&a, "DEP-18").evidence[0];
    assert_eq!(
        (down.location.path.as_str(), down.location.line),
        ("alembic/versions/1a2b3c4d5e6f_create_orders.py", 13)
    );
    assert_eq!(down.snippet, "def downgrade() -> None:");
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

#[test]
fn go_library_is_judged_on_its_own_files_not_vendored_examples_or_names() {
    let a = assess("go-library");
    // An indirect `lib/pq`, a `dockerfile.go` source file and a Dockerfile that only pins the
    // toolchain do not make a database, containers or a deployable service.
    for t in ["database", "containers", "deployable"] {
        assert!(
            !a.inventory.traits.contains(&t.to_string()),
            "trait {t}: {:?}",
            a.inventory.traits
        );
    }
    assert_eq!(practice(&a, "DEP-16").state, State::NotApplicable);
    assert_eq!(practice(&a, "SEC-16").state, State::NotApplicable);
    // The kind cluster in the e2e job is throwaway: `kubectl apply` there is not a deploy.
    let test = a
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == ".github/workflows/test.yml")
        .expect("pipeline");
    assert!(
        !test.purpose.iter().any(|p| p.starts_with("deploy")),
        "{:?}",
        test.purpose
    );
    // Vendored code is listed as skipped, never assessed; examples are never evidence.
    assert!(
        a.inventory
            .skipped
            .iter()
            .any(|s| s.path == "vendor" && s.reason.contains("vendored"))
    );
    for p in &a.practices {
        for e in &p.evidence {
            assert!(
                !e.location.path.starts_with("vendor/")
                    && !e.location.path.starts_with("examples/"),
                "{}: {}",
                p.id,
                e.location
            );
        }
    }
    // A key header with "(snip)" in the docs is an example, not a leaked key.
    expect(&a, "SEC-02", State::Present, &[]);
    // No end-to-end suite applies to a library, so its pass-rate gate has nothing to measure.
    let g16 = a.gates.iter().find(|g| g.id == "G-16").expect("G-16");
    assert_eq!(g16.status, GateStatus::NotApplicable);
}

#[test]
fn committed_credentials_are_reported_by_place_and_kind_never_by_value() {
    let a = assess("leaked-key");
    expect(
        &a,
        "SEC-02",
        State::Absent,
        &["config/deploy_key:1:1", "rotate them"],
    );
    let kinds: Vec<&str> = practice(&a, "SEC-02")
        .evidence
        .iter()
        .map(|e| e.summary.as_str())
        .collect();
    assert!(
        kinds.contains(&"private key committed in config/deploy_key"),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"AWS access key id committed in config/app.env"),
        "{kinds:?}"
    );
    let json = shipready::report::json::render(&a);
    let markdown = shipready::report::markdown::render(&a);
    for secret in ["AKIAQ3EGRJKLMNOPQRST", "BEGIN OPENSSH PRIVATE KEY"] {
        assert!(
            !json.contains(secret) && !markdown.contains(secret),
            "{secret} leaked into the report"
        );
    }
}

#[test]
fn sentry_initialised_with_release_is_present() {
    let b = assess("mature-service");
    // mature-service calls sentry_sdk.init(..., release=...) on one line and creates releases.
    expect(&b, "MON-08", State::Present, &[]);
}

#[test]
fn the_most_specific_evidence_gives_the_reason() {
    // A SENTRY_DSN variable in compose.yml and an init call without `release=` are both
    // partial; the code says more, so its reason is the one reported.
    let a = assess("sentry-no-release");
    expect(&a, "MON-08", State::Partial, &["sets no release"]);
    assert_eq!(
        practice(&a, "MON-08").evidence[0].location.path,
        "app/main.py"
    );
}

#[test]
fn knex_and_liquibase_migrations_are_checked_for_a_way_back() {
    let a = assess("knex-liquibase");
    expect(
        &a,
        "DEP-18",
        State::Partial,
        &["2 of 3 migrations cannot be reversed"],
    );
    let irreversible: Vec<(String, usize)> = a
        .findings
        .iter()
        .filter(|f| f.id == "irreversible-migration")
        .map(|f| (f.location.path.clone(), f.location.line))
        .collect();
    assert!(
        irreversible.contains(&(
            "migrations/20240102120000_backfill_status.js".to_string(),
            1
        )),
        "{irreversible:?}"
    );
    assert!(
        irreversible.contains(&("db/changelog/db.changelog-master.xml".to_string(), 5)),
        "{irreversible:?}"
    );
}
