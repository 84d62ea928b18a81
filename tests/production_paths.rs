//! Production paths: the controls in front of and behind every production deploy.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess;
use shipready::assessment::model::Assessment;
use shipready::evidence::production::{ControlStatus, PathControl, ProductionPath};

fn path<'a>(a: &'a Assessment, pipeline: &str) -> &'a ProductionPath {
    a.production_paths
        .iter()
        .find(|p| p.pipeline == pipeline)
        .unwrap_or_else(|| panic!("no production path in {pipeline}"))
}

fn control<'a>(path: &'a ProductionPath, name: &str) -> &'a PathControl {
    path.controls
        .iter()
        .find(|c| c.control == name)
        .unwrap_or_else(|| panic!("no control {name}"))
}

fn at(c: &PathControl) -> (String, usize) {
    let l = c.location.as_ref().expect("location");
    (l.path.clone(), l.line)
}

#[test]
fn workflow_run_chain_reaches_reusable_workflow_and_composite_action() {
    let a = assess("prod-paths");
    let deploy = path(&a, ".github/workflows/deploy.yml");
    assert_eq!(control(deploy, "tests").status, ControlStatus::Present);
    assert_eq!(
        at(control(deploy, "tests")),
        (".github/workflows/ci.yml".into(), 14)
    );
    // SAST runs in a reusable workflow that CI calls; the dependency audit in a composite action.
    assert_eq!(control(deploy, "SAST").status, ControlStatus::Present);
    assert_eq!(
        at(control(deploy, "SAST")),
        (".github/workflows/security.yml".into(), 11)
    );
    assert_eq!(
        control(deploy, "dependency scan").status,
        ControlStatus::Present
    );
    assert_eq!(
        at(control(deploy, "dependency scan")),
        (".github/actions/audit/action.yml".into(), 7)
    );
}

#[test]
fn non_blocking_scan_and_migration_without_backup() {
    let a = assess("prod-paths");
    let deploy = path(&a, ".github/workflows/deploy.yml");
    let scan = control(deploy, "image scan");
    assert_eq!(scan.status, ControlStatus::NonBlocking);
    assert!(
        scan.detail.contains("continue-on-error: true"),
        "{}",
        scan.detail
    );
    let backup = control(deploy, "backup before migration");
    assert_eq!(backup.status, ControlStatus::Missing);
    assert!(
        backup.detail.contains(".github/workflows/deploy.yml:21"),
        "{}",
        backup.detail
    );
    assert_eq!(
        control(deploy, "approval").status,
        ControlStatus::Unverified
    );
    assert_eq!(
        control(deploy, "health check").status,
        ControlStatus::Present
    );
    assert_eq!(
        control(deploy, "automatic rollback").status,
        ControlStatus::Missing
    );
}

#[test]
fn workflow_run_without_success_check_does_not_wait_for_ci() {
    let a = assess("prod-paths");
    let hotfix = path(&a, ".github/workflows/hotfix.yml");
    let tests = control(hotfix, "tests");
    assert_eq!(tests.status, ControlStatus::NonBlocking);
    assert!(
        tests.detail.contains("does not wait for it to succeed"),
        "{}",
        tests.detail
    );
    assert_eq!(
        control(hotfix, "backup before migration").status,
        ControlStatus::Present
    );
    assert_eq!(
        control(hotfix, "automatic rollback").status,
        ControlStatus::Present
    );
    assert_eq!(control(hotfix, "approval").status, ControlStatus::Missing);
    assert_eq!(hotfix.environment, "production (no environment named)");
    // The deploy practice names the environment in the same words as the path.
    let deploy = common::practice(&a, "DEP-01");
    let summaries: Vec<&str> = deploy.evidence.iter().map(|e| e.summary.as_str()).collect();
    assert!(
        summaries.contains(
            &"job deploy in .github/workflows/hotfix.yml deploys to production (no environment named)"
        ),
        "{summaries:#?}"
    );
}

#[test]
fn staging_scan_does_not_guard_the_production_deploy() {
    let a = assess("partial-reasons");
    assert_eq!(a.production_paths.len(), 1);
    let production = path(&a, ".github/workflows/deploy-production.yml");
    assert_eq!(
        control(production, "image scan").status,
        ControlStatus::Missing
    );
    assert_eq!(control(production, "tests").status, ControlStatus::Missing);
}

#[test]
fn echo_only_deploy_is_simulated() {
    let a = assess("echo-deploy");
    let release = path(&a, ".github/workflows/release.yml");
    assert!(release.simulated);
    assert_eq!(control(release, "tests").status, ControlStatus::Present);
}

#[test]
fn gitlab_templates_and_manual_production_job() {
    let a = assess("gitlab-pipeline");
    let deploy = path(&a, ".gitlab-ci.yml");
    assert_eq!(deploy.job, "deploy_production");
    let sast = control(deploy, "SAST");
    assert_eq!(sast.status, ControlStatus::NonBlocking);
    assert!(
        sast.detail.contains("allow failure by default"),
        "{}",
        sast.detail
    );
    let audit = control(deploy, "dependency scan");
    assert_eq!(audit.status, ControlStatus::NonBlocking);
    assert!(audit.detail.contains("allows failure"), "{}", audit.detail);
    assert_eq!(control(deploy, "approval").status, ControlStatus::Present);
    assert_eq!(control(deploy, "tests").status, ControlStatus::Present);
}

#[test]
fn production_paths_appear_in_every_format() {
    let a = assess("prod-paths");
    let markdown = shipready::report::markdown::render(&a);
    assert!(markdown.contains("## Production paths"));
    assert!(markdown.contains("| image scan | 🟡 non-blocking |"));
    let text = shipready::report::text::render(&a);
    assert!(text.contains("Production paths"));
    assert!(text.contains(".github/workflows/deploy.yml job deploy:"));
    let json: serde_json::Value =
        serde_json::from_str(&shipready::report::json::render(&a)).unwrap();
    assert_eq!(
        json["production_paths"][0]["controls"][3]["status"],
        "non_blocking"
    );
}

#[test]
fn deploy_gating_practice_reads_the_production_paths() {
    let a = assess("prod-paths");
    common::expect(
        &a,
        "AUT-12",
        shipready::evidence::State::Partial,
        &["job deploy in .github/workflows/hotfix.yml: tests run first but cannot stop it"],
    );
    // The staging-only trivy of this repository never reaches production.
    let b = assess("partial-reasons");
    common::expect(
        &b,
        "AUT-12",
        shipready::evidence::State::Absent,
        &["deploys without any test job before it"],
    );
}

#[test]
fn branch_filters_dispatch_inputs_and_job_roles() {
    let a = assess("typed-confirmation");
    let pipeline = a
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == ".github/workflows/deploy.yml")
        .unwrap();
    assert_eq!(
        pipeline.triggers,
        [
            "push [branches: production; paths: src/**]",
            "workflow_dispatch"
        ]
    );
    // Pushes go only to the `production` branch, so the unnamed deploy serves production.
    let deploy = path(&a, ".github/workflows/deploy.yml");
    assert_eq!(deploy.environment, "production");
    let approval = control(deploy, "approval");
    assert_eq!(approval.status, ControlStatus::Present);
    assert!(
        approval.detail.contains("types the expected confirmation"),
        "{}",
        approval.detail
    );
    assert_eq!(pipeline.jobs[0].roles, ["deploy:production", "test"]);

    let mature = assess("mature-service");
    let release = mature
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == ".github/workflows/release.yml")
        .unwrap();
    let image = release.jobs.iter().find(|j| j.id == "image").unwrap();
    for role in ["build", "sbom", "scan:container", "sign", "attest"] {
        assert!(
            image.roles.contains(&role.to_string()),
            "{role} missing from {:?}",
            image.roles
        );
    }
    let production = release
        .jobs
        .iter()
        .find(|j| j.id == "deploy-production")
        .unwrap();
    for role in ["deploy:production", "backup", "health-check", "rollback"] {
        assert!(
            production.roles.contains(&role.to_string()),
            "{role} missing from {:?}",
            production.roles
        );
    }
}

#[test]
fn merge_queue_checks_nested_actions_and_webhook_notifications() {
    let a = assess("merge-queue");
    let deploy = path(&a, ".github/workflows/deploy.yml");
    // Tests run on pull requests and in the merge queue; a deploy on push waits for them only
    // if branch protection requires them.
    let tests = control(deploy, "tests");
    assert_eq!(tests.status, ControlStatus::Unverified);
    assert!(
        tests.detail.contains("branch protection"),
        "{}",
        tests.detail
    );
    assert_eq!(at(tests), (".github/workflows/ci.yml".into(), 13));
    // The queue itself is evidence of a branch rule, and the report says what it does not show.
    let queue = &common::practice(&a, "AUT-17").evidence[0];
    assert_eq!(queue.location.path, ".github/workflows/ci.yml");
    assert!(
        queue
            .summary
            .starts_with("a merge queue runs this workflow")
            && queue.summary.contains("set on the platform"),
        "{}",
        queue.summary
    );
    // The migration sits two local actions deep.
    let backup = control(deploy, "backup before migration");
    assert_eq!(backup.status, ControlStatus::Missing);
    assert!(
        backup.detail.contains(".github/actions/db/action.yml:6"),
        "{}",
        backup.detail
    );
    assert_eq!(
        at(control(deploy, "deployment record")),
        (".github/actions/deploy/action.yml".into(), 10)
    );
    // `|| echo "Playwright test results ..."` names a tool without running it.
    let e2e = a
        .practices
        .iter()
        .find(|p| p.id == "TST-07")
        .expect("TST-07");
    assert!(
        e2e.evidence.iter().all(|e| e.location.line != 21),
        "{:#?}",
        e2e.evidence
    );
}

/// An environment named for the project's own tooling (notifications, test environments,
/// benchmarks, cleanup) scopes secrets, not a production deploy; an environment named for
/// something else still counts as the one production target.
#[test]
fn tooling_environments_are_not_production_paths() {
    let repo = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| common::write(repo.path(), path, text);
    write(
        ".github/workflows/announce.yml",
        "on:\n  release:\n    types: [published]\njobs:\n  announce:\n    runs-on: ubuntu-latest\n    environment: discord-notifier\n    steps:\n      - uses: SethCohen/github-releases-to-discord@v1\n",
    );
    write(
        ".github/workflows/cleanup.yml",
        "on:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  cleanup:\n    runs-on: ubuntu-latest\n    environment: testenvs-cleanup\n    steps:\n      - run: ./scripts/remove-stale-envs.sh\n",
    );
    write(
        ".github/workflows/ship.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: aws\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./deploy.sh\n",
    );
    let a = shipready::assess(repo.path(), &shipready::Options::default()).unwrap();
    let paths: Vec<(&str, &str)> = a
        .production_paths
        .iter()
        .map(|p| (p.pipeline.as_str(), p.environment.as_str()))
        .collect();
    assert_eq!(paths, [(".github/workflows/ship.yml", "aws")]);
}

/// Staging promotion says what is there: a repository that deploys nothing is not told that
/// every deploy goes straight to production.
#[test]
fn staging_promotion_without_any_deploy_says_so() {
    let repo = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| common::write(repo.path(), path, text);
    // A shipped image makes the repository deployable; nothing deploys it.
    write(
        "Dockerfile",
        "FROM python:3.12-slim\nCOPY app /app\nEXPOSE 8000\nCMD [\"python\", \"/app/main.py\"]\n",
    );
    write(
        ".github/workflows/ci.yml",
        "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
    );
    let a = shipready::assess(repo.path(), &shipready::Options::default()).unwrap();
    let p = common::practice(&a, "DEP-03");
    assert_eq!(
        p.reason.as_deref(),
        Some(
            "no staging or production deploy job in the repository, so nothing is promoted \
             through staging"
        )
    );
    assert!(a.production_paths.is_empty());
}

/// A monorepo with many production deploys that fall short the same way gets one sentence
/// naming three of them and counting the rest, not one sentence per deploy.
#[test]
fn deploys_that_fall_short_alike_are_named_together() {
    let dir = tempfile::tempdir().unwrap();
    for service in 0..7 {
        common::write(
            dir.path(),
            &format!(".github/workflows/svc-{service}.yml"),
            "on:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n  deploy:\n    needs: test\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n",
        );
    }
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    let practice = common::practice(&a, "AUT-12");
    assert_eq!(practice.state, shipready::evidence::State::Partial);
    assert_eq!(
        practice.reason.as_deref(),
        Some(
            "job deploy in .github/workflows/svc-0.yml, job deploy in .github/workflows/svc-1.yml, \
             job deploy in .github/workflows/svc-2.yml and 4 more wait for tests, but no security \
             scan that can fail runs before them"
        )
    );
    // Each deploy keeps its own evidence.
    assert_eq!(
        practice
            .evidence
            .iter()
            .filter(|e| e.summary.starts_with("deploy job deploy in"))
            .count(),
        7
    );
}

/// A control that no production deploy waits for names three of the deploys that go without
/// it and counts the rest.
#[test]
fn a_control_off_every_production_path_names_three_deploys() {
    let dir = tempfile::tempdir().unwrap();
    for service in 0..5 {
        common::write(
            dir.path(),
            &format!(".github/workflows/svc-{service}.yml"),
            "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n",
        );
    }
    common::write(
        dir.path(),
        "Dockerfile",
        "FROM python:3.12-slim\nUSER app\nCMD [\"app\"]\n",
    );
    common::write(
        dir.path(),
        ".github/workflows/scan.yml",
        "on: [push, pull_request]\njobs:\n  scan:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build -t app .\n      - run: trivy image --exit-code 1 --severity CRITICAL,HIGH app\n",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    let reasons: Vec<&str> = a
        .practices
        .iter()
        .flat_map(|p| &p.evidence)
        .filter(|e| e.location.path == ".github/workflows/scan.yml")
        .filter_map(|e| e.reason.as_deref())
        .filter(|r| r.starts_with("no production deploy waits"))
        .collect();
    assert!(!reasons.is_empty(), "the scan guards no production deploy");
    for reason in reasons {
        assert_eq!(
            reason,
            "no production deploy waits for it; .github/workflows/svc-0.yml (job deploy), \
             .github/workflows/svc-1.yml (job deploy), .github/workflows/svc-2.yml (job deploy) \
             and 2 more deploy without it"
        );
    }
}

/// Tests that run on pull requests, before a deploy on push to main, gate the deploy only if
/// branch protection requires them: that is a platform setting, not "no tests".
#[test]
fn tests_on_pull_requests_before_a_push_deploy_are_unverified_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        ".github/workflows/ci.yml",
        "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
    );
    common::write(
        dir.path(),
        ".github/workflows/deploy.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    assert_eq!(
        control(path(&a, ".github/workflows/deploy.yml"), "tests").status,
        ControlStatus::Unverified
    );
    common::expect(
        &a,
        "AUT-12",
        shipready::evidence::State::Partial,
        &[
            "job deploy in .github/workflows/deploy.yml: tests run, but whether the deploy waits for them is a platform setting (runs on pull requests in .github/workflows/ci.yml",
        ],
    );
}

/// CodeQL in the job a deploy waits for runs before it, but its alerts reach code scanning
/// and fail nothing: the SAST control is non-blocking and says why. The job is read as a
/// SAST scan, and its workflow as one for security.
#[test]
fn codeql_before_a_deploy_is_sast_that_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        ".github/workflows/release.yml",
        "name: Release
on:
  push:
    branches: [main]
jobs:
  analyze:
    runs-on: ubuntu-latest
    permissions:
      security-events: write
    steps:
      - uses: actions/checkout@v4
      - uses: github/codeql-action/init@v3
        with:
          languages: python
      - uses: github/codeql-action/analyze@v3
  deploy:
    needs: [analyze]
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: kubectl apply -f k8s/
",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();

    let sast = control(path(&a, ".github/workflows/release.yml"), "SAST");
    assert_eq!(sast.status, ControlStatus::NonBlocking);
    assert_eq!(at(sast), (".github/workflows/release.yml".into(), 15));
    assert!(
        sast.detail.contains("CodeQL reports to code scanning"),
        "{}",
        sast.detail
    );
    let pipeline = (a.inventory.pipelines.iter())
        .find(|p| p.path == ".github/workflows/release.yml")
        .unwrap();
    let analyze = pipeline.jobs.iter().find(|j| j.id == "analyze").unwrap();
    assert_eq!(analyze.roles, ["scan:sast"]);
    assert!(pipeline.purpose.contains(&"security".to_string()));
    common::expect(
        &a,
        "SEC-04",
        shipready::evidence::State::Partial,
        &["whether its alerts block merges is a repository setting"],
    );
    // Its findings are kept in code scanning, as an upload-sarif step would keep them.
    common::expect(&a, "SEC-31", shipready::evidence::State::Present, &[]);
    let kept = &common::practice(&a, "SEC-31").evidence[0];
    assert_eq!(kept.location.line, 15);
    assert!(
        kept.summary.contains("github/codeql-action/analyze"),
        "{}",
        kept.summary
    );
}

/// A workflow that only lints and compiles is named for that, not as maintenance.
#[test]
fn a_workflow_that_lints_and_builds_is_named_for_it() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        ".github/workflows/go.yml",
        "name: Go
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: golangci/golangci-lint-action@v6
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: go build ./...
  stale:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/stale@v9
",
    );
    common::write(
        dir.path(),
        ".github/workflows/stale.yml",
        "on:\n  schedule:\n    - cron: '0 0 * * *'\njobs:\n  stale:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/stale@v9\n",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();

    let purpose = |path: &str| {
        (a.inventory.pipelines.iter())
            .find(|p| p.path == path)
            .unwrap()
            .purpose
            .clone()
    };
    assert_eq!(purpose(".github/workflows/go.yml"), ["build", "lint"]);
    assert_eq!(purpose(".github/workflows/stale.yml"), ["maintenance"]);
}
