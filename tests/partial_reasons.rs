//! Each recognised reason for partial credit, on small realistic repositories.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess, expect, practice};
use shipready::evidence::State;

#[test]
fn scanner_piped_to_true_does_not_fail_the_job() {
    let a = assess("partial-reasons");
    expect(
        &a,
        "SEC-04",
        State::Partial,
        &["|| true", ".github/workflows/ci.yml:23"],
    );
}

#[test]
fn continue_on_error_step_is_partial() {
    let a = assess("partial-reasons");
    expect(&a, "SEC-06", State::Partial, &["continue-on-error: true"]);
    let evidence = &practice(&a, "SEC-06").evidence[0];
    assert_eq!(evidence.location.path, ".github/workflows/ci.yml");
    assert_eq!(evidence.location.line, 25);
    assert_eq!(evidence.snippet, "run: pip-audit -r requirements.txt");
}

#[test]
fn schedule_only_scan_is_partial() {
    let a = assess("partial-reasons");
    expect(&a, "SEC-01", State::Partial, &["runs only on a schedule"]);
}

#[test]
fn coverage_measured_without_threshold() {
    let a = assess("partial-reasons");
    expect(
        &a,
        "TST-04",
        State::Mentioned,
        &["measured without a threshold"],
    );
    assert_eq!(practice(&a, "TST-04").evidence[0].location.line, 17);
}

#[test]
fn trivy_action_defaults_to_exit_zero_and_runs_only_in_staging() {
    let a = assess("partial-reasons");
    expect(
        &a,
        "SEC-12",
        State::Partial,
        &[
            "trivy-action has no exit-code input",
            "staging pipeline .github/workflows/deploy-staging.yml",
            "production deploys from .github/workflows/deploy-production.yml",
        ],
    );
}

#[test]
fn gitlab_security_templates_allow_failure_unless_overridden() {
    let a = assess("gitlab-pipeline");
    expect(
        &a,
        "SEC-04",
        State::Partial,
        &["Security/SAST", "allow_failure: true"],
    );
    expect(&a, "SEC-01", State::Present, &[]);
    expect(
        &a,
        "SEC-06",
        State::Partial,
        &["job dependency_audit allows failure"],
    );
}

#[test]
fn gitlab_manual_production_job_is_an_approval() {
    let a = assess("gitlab-pipeline");
    expect(&a, "DEP-04", State::Present, &[]);
    expect(&a, "TST-04", State::Present, &[]);
    let deploy = &practice(&a, "DEP-01").evidence[0];
    assert_eq!(deploy.location.path, "ci/deploy.yml");
    assert_eq!(deploy.location.line, 1);
}

#[test]
fn echo_only_deploy_is_mentioned_not_present() {
    let a = assess("echo-deploy");
    expect(&a, "DEP-01", State::Mentioned, &["only prints or sleeps"]);
}

#[test]
fn scripts_called_from_ci_resolve_from_the_working_directory() {
    // `bash scripts/test.sh` inside backend/scripts/tests-start.sh runs from `backend`, so it
    // is backend/scripts/test.sh, not the repository-root scripts/test.sh.
    let a = assess("script-steps");
    expect(&a, "TST-02", State::Present, &[]);
    let run = &practice(&a, "TST-02").evidence[0];
    assert_eq!(
        (run.location.path.as_str(), run.location.line),
        ("backend/scripts/test.sh", 3)
    );
    expect(&a, "TST-04", State::Present, &[]);
    assert_eq!(
        practice(&a, "TST-04").evidence[0].location.path,
        "backend/scripts/test.sh"
    );
}

#[test]
fn expiring_job_artifacts_are_not_published_releases() {
    let a = assess("gitlab-pipeline");
    expect(
        &a,
        "AUT-16",
        State::Partial,
        &["nothing shows they are published"],
    );
    expect(
        &a,
        "DEP-13",
        State::Partial,
        &["nothing makes released artifacts immutable"],
    );
}

#[test]
fn commented_out_configuration_is_not_evidence() {
    let a = assess("commented-config");
    let tst04 = practice(&a, "TST-04");
    assert!(
        tst04
            .evidence
            .iter()
            .all(|e| e.location.path != "jest.config.js"),
        "{:#?}",
        tst04.evidence
    );
}

/// A job that calls another repository's reusable workflow named for dependency review gets
/// credit at low confidence, and says why; a name that says nothing earns nothing.
#[test]
fn remote_reusable_workflows_are_credited_by_their_name() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        ".github/workflows/depsreview.yml",
        "name: Dependency Review\non: [pull_request]\njobs:\n  dependency-review:\n    uses: example/community/.github/workflows/reusable-dependency-review.yml@main\n  other:\n    uses: example/community/.github/workflows/reusable-checks.yml@main\n",
    );
    common::write(
        dir.path(),
        "package.json",
        r#"{"name": "app", "dependencies": {"express": "^4.19.0"}}"#,
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    let practice = common::practice(&a, "SEC-09");
    assert_eq!(practice.state, State::Present);
    let evidence = &practice.evidence[0];
    assert_eq!(evidence.confidence, shipready::evidence::Confidence::Low);
    assert_eq!(
        (evidence.location.path.as_str(), evidence.location.line),
        (".github/workflows/depsreview.yml", 4)
    );
    assert!(
        evidence.summary.ends_with(
            "calls `example/community/.github/workflows/reusable-dependency-review.yml`, a \
             reusable workflow named for it whose steps are in that repository"
        ),
        "{}",
        evidence.summary
    );
    assert!(
        a.practices.iter().flat_map(|p| &p.evidence).all(|e| !e
            .summary
            .contains("calls `example/community/.github/workflows/reusable-checks")),
        "a workflow named `checks` says nothing about what it does"
    );
}

/// A test job with a Vault service container tests against a real backing service.
#[test]
fn a_vault_service_container_is_a_real_backing_service() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        ".github/workflows/e2e.yml",
        "on: [pull_request]\njobs:\n  e2e-kms:\n    runs-on: ubuntu-latest\n    services:\n      vault:\n        image: hashicorp/vault:latest\n        ports:\n          - 8200:8200\n    steps:\n      - run: go test ./test/...\n",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    let practice = common::practice(&a, "TST-05");
    assert_eq!(practice.state, State::Present);
    let at = &practice.evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/e2e.yml", 7)
    );
}

/// A partial signal says the one thing it shows is missing, not every possible cause.
#[test]
fn partial_signals_name_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "SECURITY.md",
        "# Security\n\nReport vulnerabilities to security@example.com.\n",
    );
    common::write(
        dir.path(),
        ".github/workflows/codeql.yml",
        "on: [pull_request]\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n      - uses: github/codeql-action/analyze@v3\n",
    );
    common::write(dir.path(), "app.py", "print('hi')\n");
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    expect(
        &a,
        "SEC-28",
        State::Partial,
        &[
            "names a private way to report (SECURITY.md:3)",
            "but no response timeframe",
        ],
    );
    let sast = practice(&a, "SEC-04");
    assert!(
        sast.evidence.iter().any(|e| e.reason.as_deref()
            == Some("CodeQL reports to code scanning; whether its alerts block merges is a repository setting files cannot show")),
        "{:#?}",
        sast.evidence
    );
}

/// `tilt ci unit-tests` and a `run-tests.sh` script run a test suite; `tilt ci` alone brings
/// an environment up and is not one.
#[test]
fn tilt_ci_test_resources_and_run_tests_scripts_are_test_runs() {
    for (command, credited) in [
        ("tilt ci unit-tests --timeout=15m", true),
        (
            "./k6/run-tests.sh -t k6/foundations/*.js -u http://localhost:3333",
            true,
        ),
        ("bash scripts/run_tests.sh", true),
        ("tilt ci", false),
        ("./scripts/run-testsuite-report.sh", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        common::write(
            dir.path(),
            ".github/workflows/ci.yml",
            &format!(
                "on: [pull_request]\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {command}\n"
            ),
        );
        let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
        let state = practice(&a, "TST-02").state;
        assert_eq!(state == State::Present, credited, "{command}: {state:?}");
    }
}

/// A push trigger without a branch filter checks every branch before it merges; only
/// pull requests from forks go unchecked. One filtered to main checks changes after merging.
#[test]
fn push_only_ci_says_what_goes_unchecked() {
    for (on, reason) in [
        (
            "on: [push]",
            "runs on pushes to every branch but not on pull requests, so pull requests from forks are never checked",
        ),
        (
            "on:\n  push:\n    branches: [main]",
            "runs on pushes but not on pull requests, so changes are checked only after they merge",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        common::write(
            dir.path(),
            ".github/workflows/ci.yml",
            &format!(
                "{on}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go test ./...\n"
            ),
        );
        let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
        expect(&a, "AUT-02", State::Partial, &[reason]);
    }
}

/// A draft release is not published: nobody can download it until someone publishes it by
/// hand, whether `gh release create --draft` or a release action with `draft: true` makes it.
#[test]
fn draft_releases_are_not_published_artifacts() {
    let run = |steps: &str| {
        common::assess_files(&[
            ("app.py", "print('hi')\n"),
            (
                ".github/workflows/release.yml",
                &format!(
                    "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: write\n    steps:\n      - uses: actions/checkout@v4\n{steps}"
                ),
            ),
        ])
    };
    let gh =
        run("      - run: gh release create \"$GITHUB_REF_NAME\" --draft --notes-file notes.md\n");
    expect(
        &gh,
        "AUT-16",
        State::Partial,
        &[
            "`gh release create --draft` at .github/workflows/release.yml:11:",
            "nobody can download until it is published, and no step here publishes it",
        ],
    );
    let action = run(
        "      - uses: softprops/action-gh-release@v2\n        with:\n          draft: true\n          files: dist/*\n",
    );
    expect(
        &action,
        "AUT-16",
        State::Partial,
        &["`softprops/action-gh-release` with draft: true at .github/workflows/release.yml:13:"],
    );
    let published = run("      - run: gh release create \"$GITHUB_REF_NAME\" dist/*.whl\n");
    expect(&published, "AUT-16", State::Present, &[]);
    // `-d` of another command is not a draft; a draft published by a later step is published.
    let dated =
        run("      - run: gh release create \"nightly-$(date -d yesterday +%Y%m%d)\" dist/*.whl\n");
    expect(&dated, "AUT-16", State::Present, &[]);
    let short = run("      - run: gh release create -d \"$GITHUB_REF_NAME\" dist/*.whl\n");
    expect(
        &short,
        "AUT-16",
        State::Partial,
        &["`gh release create --draft`"],
    );
    let edited = run(
        "      - run: gh release create \"$GITHUB_REF_NAME\" --draft dist/*.whl\n      - run: gh release edit \"$GITHUB_REF_NAME\" --draft=false\n",
    );
    expect(&edited, "AUT-16", State::Present, &[]);
}

/// A job that only runs tests ships nothing: signing a file there or writing an SBOM shows the
/// tools work, not that releases are signed. The same steps in a release job count.
#[test]
fn signing_and_sboms_in_test_jobs_ship_nothing() {
    let run = |job: &str, more: &str| {
        common::assess_files(&[
            ("app.py", "print('hi')\n"),
            (
                ".github/workflows/ci.yml",
                &format!(
                    "on:\n  push:\n    branches: [main]\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n      contents: write\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest -q tests\n      - run: syft dir:. -o spdx-json > sbom.json\n      - run: cosign sign-blob --yes --bundle app.bundle dist/app.tar.gz\n{more}"
                ),
            ),
        ])
    };
    let tests = run("e2e", "");
    expect(
        &tests,
        "SEC-23",
        State::Partial,
        &["job e2e only tests: nothing it makes is published"],
    );
    expect(&tests, "SEC-11", State::Partial, &["job e2e only tests"]);
    // The same job, also publishing what it signed, is a release job.
    let release = run(
        "release",
        "      - run: gh release create \"$GITHUB_REF_NAME\" dist/app.tar.gz app.bundle sbom.json\n",
    );
    expect(&release, "SEC-23", State::Present, &[]);
    expect(&release, "SEC-11", State::Present, &[]);
    // A job that tests and then runs `make release` may ship what it signs.
    let make_release = run("release", "      - run: make release\n");
    expect(&make_release, "SEC-23", State::Present, &[]);
}

/// A licence named for what it is (`MIT-LICENSE`, Rails' convention) is the repository's
/// licence; only the parts really missing are named.
#[test]
fn a_licence_named_for_its_kind_counts() {
    let files = |licence: &str| {
        common::assess_files(&[
            ("README.md", "# app\n"),
            (".gitignore", "/tmp\n"),
            (licence, "MIT License\n\nCopyright (c) 2026\n"),
            ("app/main.py", "print(1)\n"),
        ])
    };
    for name in [
        "MIT-LICENSE",
        "LICENSE-APACHE",
        "COPYING.LESSER",
        "UNLICENSE",
    ] {
        expect(
            &files(name),
            "AUT-24",
            State::Partial,
            &["missing CONTRIBUTING guide"],
        );
        let reason = practice(&files(name), "AUT-24").reason.clone().unwrap();
        assert!(!reason.contains("LICENSE"), "{name}: {reason}");
    }
    let reason = practice(&files(".licenserc.yaml"), "AUT-24").reason.clone();
    assert!(reason.unwrap().contains("LICENSE"));
}
