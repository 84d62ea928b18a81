//! Report claims checked against what a repository really does, each on a small realistic
//! repository: what earns full credit, what only partial, and what each reason says.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{DOCKERFILE, expect, practice};
use shipready::evidence::State;

/// A security policy earns full credit only with both a private way to report and a response
/// timeframe, wherever the one-line `SECURITY.md` points to.
#[test]
fn security_policy_needs_a_private_channel_and_a_timeframe() {
    let run = |files: &[(&str, &str)]| {
        let mut all = vec![("app.py", "print('hi')\n")];
        all.extend_from_slice(files);
        common::assess_files(&all)
    };

    let linked = run(&[
        (
            "SECURITY.md",
            "[Security Policy](docs/security/policy.md)\n",
        ),
        (
            "docs/security/policy.md",
            "# Reporting\n\nMail security@example.org.\n\nWe acknowledge reports within 3 business days.\n",
        ),
    ]);
    expect(&linked, "SEC-28", State::Present, &[]);
    let cited: Vec<(String, usize)> = practice(&linked, "SEC-28")
        .evidence
        .iter()
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert_eq!(
        cited,
        vec![
            ("docs/security/policy.md".to_string(), 3),
            ("docs/security/policy.md".to_string(), 5)
        ]
    );

    let public = run(&[(
        ".github/SECURITY.md",
        "Open an issue and we will reply within 48 hours.\nFixes are announced under https://github.com/o/r/security/advisories.\n",
    )]);
    expect(
        &public,
        "SEC-28",
        State::Partial,
        &[
            "response timeframe (.github/SECURITY.md:1)",
            "no private way to report",
        ],
    );

    let bare = run(&[("SECURITY.md", "# Security\n\nWe take security seriously.\n")]);
    expect(
        &bare,
        "SEC-28",
        State::Partial,
        &["SECURITY.md exists, but names neither"],
    );

    let none = run(&[("README.md", "# App\n")]);
    expect(&none, "SEC-28", State::Absent, &[]);
}

/// Dependency review blocks only what a pull request changes: it is part of a dependency
/// vulnerability gate, not all of it.
#[test]
fn dependency_review_is_a_partial_dependency_scan() {
    let a = common::assess_files(&[
        ("requirements.txt", "flask==3.0.0\n"),
        (
            ".github/workflows/review.yml",
            "on: [pull_request]\njobs:\n  review:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      # - uses: actions/dependency-review-action@v3\n      - uses: actions/dependency-review-action@v4\n",
        ),
    ]);
    expect(
        &a,
        "SEC-06",
        State::Partial,
        &["only the dependencies a pull request adds or changes"],
    );
    let cited: Vec<usize> = practice(&a, "SEC-06")
        .evidence
        .iter()
        .map(|e| e.location.line)
        .collect();
    assert_eq!(cited, vec![8]);
    expect(&a, "SEC-09", State::Present, &[]);
}

/// `pre-commit run --all-files` in CI runs the config's hooks: a semgrep hook failing on
/// findings is SAST in CI, located at the hook; a `pre-commit run ruff` runs only ruff, and a
/// manual-stage hook does not run unless the stage is asked for.
#[test]
fn pre_commit_hooks_run_by_ci_are_ci_checks() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "app.py", "print('hi')\n");
    common::write(
        dir.path(),
        ".pre-commit-config.yaml",
        "repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.12.11
    hooks:
      - id: ruff
  - repo: https://github.com/returntocorp/semgrep
    rev: v1.153.0
    hooks:
      - id: semgrep
        args: [scan, --config, .semgrep/, --error]
  - repo: local
    hooks:
      - id: types
        name: types
        entry: uv run mypy app.py
        language: system
        stages: [manual]
",
    );
    let workflow = |command: &str| {
        format!(
            "on: [pull_request]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {command}\n"
        )
    };
    common::write(
        dir.path(),
        ".github/workflows/lint.yml",
        &workflow("uv run pre-commit run --all-files --show-diff-on-failure"),
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    expect(&a, "SEC-04", State::Present, &[]);
    let at: Vec<(String, usize)> = practice(&a, "SEC-04")
        .evidence
        .iter()
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        at.contains(&(".pre-commit-config.yaml".to_string(), 9)),
        "{at:?}"
    );
    expect(&a, "AUT-08", State::Present, &[]);
    assert_ne!(practice(&a, "AUT-09").state, State::Present);

    common::write(
        dir.path(),
        ".github/workflows/lint.yml",
        &workflow(
            "pre-commit run ruff --all-files && pre-commit run --hook-stage manual --all-files",
        ),
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    assert_ne!(practice(&a, "SEC-04").state, State::Present);
    expect(&a, "AUT-08", State::Present, &[]);
    expect(&a, "AUT-09", State::Present, &[]);

    // Hooks named in SKIP do not run.
    common::write(
        dir.path(),
        ".github/workflows/lint.yml",
        &workflow("SKIP=semgrep pre-commit run --all-files"),
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    assert_ne!(practice(&a, "SEC-04").state, State::Present);
    expect(&a, "AUT-08", State::Present, &[]);
}

/// CODEOWNERS earns credit by the owners it assigns: none (bare names, comments), a
/// catch-all `* @team` rule, or owners for sensitive paths.
#[test]
fn codeowners_by_the_owners_it_assigns() {
    let run = |text: &str| {
        common::assess_files(&[("app.py", "print('hi')\n"), (".github/CODEOWNERS", text)])
    };
    expect(
        &run("# * @org/maintainers\nkevgliss\nmvilanova\n"),
        "AUT-18",
        State::Mentioned,
        &["no line gives a path an owner"],
    );
    expect(
        &run("* @org/maintainers @someone\n"),
        "AUT-18",
        State::Partial,
        &[
            "no rule names the sensitive paths",
            "at most those of a catch-all rule",
        ],
    );
    expect(
        &run("* @org/maintainers\n/.github/workflows/ @org/platform\n"),
        "AUT-18",
        State::Present,
        &[],
    );
}

/// A `/healthcheck` route on any router is a health endpoint, and a monorepo's
/// `turbo run lint` is a lint gate.
#[test]
fn healthcheck_routes_and_monorepo_lint_runs() {
    let a = common::assess_files(&[
        (
            "src/app/api.py",
            "@api_router.get(\"/healthcheck\", include_in_schema=False)\ndef healthcheck():\n    return {\"status\": \"ok\"}\n",
        ),
        ("Dockerfile", DOCKERFILE),
        (
            ".github/workflows/ci.yml",
            "on: [pull_request]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npx turbo run lint --affected\n",
        ),
    ]);
    expect(&a, "DEP-05", State::Partial, &[]);
    assert_eq!(practice(&a, "DEP-05").evidence[0].location.line, 1);
    expect(&a, "AUT-08", State::Present, &[]);
}

/// A workflow started by another's completion runs on whatever starts that one: a coverage
/// upload after the pull-request tests runs for every pull request. With a branch filter on
/// `workflow_run`, pull-request runs do not start it.
#[test]
fn workflow_run_chains_inherit_their_triggers() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "app.py", "print('hi')\n");
    common::write(
        dir.path(),
        ".github/workflows/test.yml",
        "name: Test Backend\non: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: uv run coverage run -m pytest\n",
    );
    common::write(
        dir.path(),
        ".github/workflows/coverage.yml",
        "on:\n  workflow_run:\n    workflows: [Test Backend]\n    types: [completed]\njobs:\n  upload:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uv run smokeshow upload htmlcov\n",
    );
    common::write(
        dir.path(),
        ".github/workflows/after-main.yml",
        "on:\n  workflow_run:\n    workflows: [Test Backend]\n    branches: [main]\n    types: [completed]\njobs:\n  notify:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo done\n",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    expect(&a, "TST-03", State::Present, &[]);
    let inventory = shipready::inventory::scan(dir.path()).unwrap();
    let pipelines = shipready::pipeline::build(&inventory);
    let triggers = |path: &str| {
        pipelines
            .pipelines
            .iter()
            .find(|p| p.path == path)
            .map(|p| p.triggers.pull_request)
    };
    assert_eq!(triggers(".github/workflows/coverage.yml"), Some(true));
    assert_eq!(triggers(".github/workflows/after-main.yml"), Some(false));
}

/// A partial code signal in an earlier file does not hide a full one in a later file, and a
/// JavaScript `Sentry.init` without a release is partial like the Python one.
#[test]
fn code_signals_keep_the_strongest_state_per_practice() {
    let a = common::assess_files(&[
        (
            "pkg/http/http.go",
            "package http\n\nfunc setup() {\n\ttp := sdktrace.NewTracerProvider()\n\t_ = tp\n}\n",
        ),
        (
            "pkg/http/otel.go",
            "package http\n\nfunc exporter() {\n\tclient := otlptracegrpc.NewClient(otlptracegrpc.WithInsecure())\n\t_ = client\n}\n",
        ),
        (
            "web/src/main.js",
            "import * as Sentry from '@sentry/vue'\nSentry.init({\n  app,\n  dsn: DSN,\n})\n",
        ),
        (
            "Dockerfile",
            "FROM golang:1.23\nCOPY . /src\nUSER 1000\nCMD [\"/src/app\"]\n",
        ),
    ]);
    expect(&a, "MON-07", State::Present, &[]);
    let cited: Vec<(String, usize)> = practice(&a, "MON-07")
        .evidence
        .iter()
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        cited.contains(&("pkg/http/otel.go".to_string(), 4)),
        "{cited:?}"
    );
    expect(&a, "MON-08", State::Partial, &["sets no release"]);
}

/// A document counts as a manual pre-migration backup only when it is about backing up a
/// database, not whenever its name says "backup".
#[test]
fn backup_documents_must_be_about_the_database() {
    let run = |text: &str| {
        common::assess_files(&[
            ("migrations/001_init.sql", "CREATE TABLE t (id int);\n"),
            ("docs/testing-add-backup.md", text),
        ])
    };
    let wallet = run("# Adding a backup signer\n\nRegister a passkey as a backup signer.\n");
    assert_eq!(practice(&wallet, "DEP-21").state, State::Absent);
    let manual = run("# Before a release\n\nTake a backup with `pg_dump -Fc app > app.dump`.\n");
    expect(
        &manual,
        "DEP-21",
        State::Partial,
        &["documented as a manual step"],
    );
}

/// A schedule earns full credit when it rescans or rebuilds (CodeQL, an image build), and
/// partial credit, naming the workflows, when it only does housekeeping.
#[test]
fn scheduled_pipelines_by_what_they_run() {
    let run = |workflow: &str| {
        common::assess_files(&[
            ("app.py", "print('hi')\n"),
            (".github/workflows/nightly.yml", workflow),
        ])
    };
    let codeql = run(
        "on:\n  schedule:\n    - cron: '41 22 * * 3'\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n      - uses: github/codeql-action/analyze@v3\n",
    );
    expect(&codeql, "AUT-21", State::Present, &[]);
    assert_eq!(practice(&codeql, "AUT-21").evidence[0].location.line, 10);
    let rebuild = run(
        "on:\n  schedule:\n    - cron: '0 5 * * 1'\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: docker build -t app .\n",
    );
    expect(&rebuild, "AUT-21", State::Present, &[]);
    let stale = run(
        "on:\n  schedule:\n    - cron: '0 0 * * *'\njobs:\n  stale:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/stale@v9\n",
    );
    expect(
        &stale,
        "AUT-21",
        State::Partial,
        &[".github/workflows/nightly.yml runs on a schedule, but it neither rebuilds"],
    );
}

/// A workflow whose every job sets its own permissions leaves no job on the repository
/// default, even without a top-level `permissions:`.
#[test]
fn job_level_permissions_scope_the_token() {
    let a = common::assess_files(&[
        ("app.py", "print('hi')\n"),
        (
            ".github/workflows/publish.yml",
            "on: [push]\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: read\n      packages: write\n    steps:\n      - run: echo publish\n",
        ),
        (
            ".github/workflows/test.yml",
            "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
        ),
    ]);
    expect(
        &a,
        "AUT-06",
        State::Partial,
        &[
            "1 of 2 workflows set no top-level permissions and not every job sets its own, so those jobs' token gets the repository default: .github/workflows/test.yml",
        ],
    );
}

/// A self-hosted job is partial whatever hosted runners the other jobs use, and the reason
/// says when it deploys; third-party hosted runners count as hosted.
#[test]
fn self_hosted_jobs_are_named_and_hosted_services_count() {
    let run = |runner: &str| {
        common::assess_files(&[
            ("app.py", "print('hi')\n"),
            (
                ".github/workflows/ci.yml",
                "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
            ),
            (
                ".github/workflows/deploy.yml",
                &format!(
                    "on: [workflow_dispatch]\njobs:\n  deploy:\n    runs-on: {runner}\n    environment: production\n    steps:\n      - run: docker compose up -d\n"
                ),
            ),
        ])
    };
    expect(
        &run("self-hosted"),
        "AUT-20",
        State::Partial,
        &[
            "job deploy in .github/workflows/deploy.yml runs on a self-hosted runner",
            "the job deploys",
        ],
    );
    expect(
        &run("blacksmith-4vcpu-ubuntu-2404"),
        "AUT-20",
        State::Present,
        &[],
    );
}

/// A coverage threshold checked by hand in a step's script counts when the step fails the
/// job on it, with the value taken from the workflow's `env:`.
#[test]
fn hand_written_coverage_checks_are_thresholds() {
    let run = |fail: &str| {
        common::assess_files(&[
            ("app.py", "print('hi')\n"),
            ("tests/test_app.py", "def test_app():\n    assert True\n"),
            (
                ".github/workflows/test.yml",
                &format!(
                    "on: [pull_request]\nenv:\n  COVERAGE_TOTAL: 85\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest --cov=app --cov-report=json:coverage.json\n      - name: Coverage total\n        run: |\n          export COVERAGE_TOTAL=$(python -c \"import json;print(json.load(open('coverage.json'))['totals']['percent_covered_display'])\")\n          if [[ $COVERAGE_TOTAL < ${{{{ env.COVERAGE_TOTAL }}}} ]]; then\n            echo \"coverage too low\"\n            {fail}\n          fi\n"
                ),
            ),
        ])
    };
    let checked = run("exit 1");
    expect(&checked, "TST-04", State::Present, &[]);
    let cited = &practice(&checked, "TST-04").evidence[0];
    assert_eq!(
        (cited.location.line, cited.summary.as_str()),
        (12, "coverage threshold 85%")
    );
    let warned = run("echo carry on");
    expect(
        &warned,
        "TST-04",
        State::Mentioned,
        &["measured without a threshold"],
    );
}

/// Production approval is as strong as the least protected deploy: an environment on one
/// deploy does not cover another that ships on every push.
#[test]
fn approval_follows_the_least_protected_production_deploy() {
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (
            ".github/workflows/deploy-compose.yml",
            "on: [workflow_dispatch]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: docker compose up -d\n",
        ),
        (
            ".github/workflows/deploy.yml",
            "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose -f compose.yml up -d\n",
        ),
    ]);
    expect(
        &a,
        "DEP-04",
        State::Absent,
        &["job deploy in .github/workflows/deploy.yml deploys to production with no approval"],
    );
}

/// Deploy concurrency is judged on the production deploys themselves: a group on one deploy
/// does not serialise another, a group of any name serialises, and cancelling in-flight runs
/// is partial.
#[test]
fn production_deploys_must_each_be_serialised() {
    let run = |group: &str| {
        common::assess_files(&[
            ("Dockerfile", DOCKERFILE),
            (
                ".github/workflows/deploy-compose.yml",
                "on: [workflow_dispatch]\nconcurrency:\n  group: deploy-compose\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: docker compose up -d\n",
            ),
            (
                ".github/workflows/deploy.yml",
                &format!(
                    "on:\n  push:\n    branches: [main]\n{group}jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: docker compose -f compose.yml up -d\n"
                ),
            ),
        ])
    };
    expect(
        &run(""),
        "DEP-28",
        State::Partial,
        &[
            "job deploy in .github/workflows/deploy.yml deploys to production without a concurrency group",
        ],
    );
    expect(
        &run("concurrency:\n  group: ${{ github.workflow }}\n"),
        "DEP-28",
        State::Present,
        &[],
    );
    expect(
        &run("concurrency:\n  group: ${{ github.workflow }}\n  cancel-in-progress: true\n"),
        "DEP-28",
        State::Partial,
        &["job deploy in .github/workflows/deploy.yml cancels a deploy in flight"],
    );
}

/// A rollback document is found both by its name and by its heading, on the same line: it is
/// shown once. A Go test named for rollbacks is not a rollback document.
#[test]
fn one_document_found_two_ways_is_cited_once() {
    let a = common::assess_files(&[
        ("app.py", "print('hi')\n"),
        (
            "Dockerfile",
            "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n",
        ),
        (
            "docs/runbooks/rollback.md",
            "# Rollback\n\nRedeploy the previous image tag with `kubectl rollout undo`.\n",
        ),
        ("test/e2e/rollback_window_test.go", "package e2e\n"),
    ]);
    expect(&a, "DEP-10", State::Partial, &[]);
    let cited: Vec<(&str, usize)> = (practice(&a, "DEP-10").evidence.iter())
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert_eq!(cited, [("docs/runbooks/rollback.md", 1)]);
}

/// Each cited line is shown once, with the strongest thing said of it: a CODEOWNERS file whose
/// first line gives every path an owner is not also cited as having no owner line.
#[test]
fn a_line_is_cited_once_with_its_strongest_reading() {
    let a = common::assess_files(&[
        ("app.py", "print('hi')\n"),
        ("CODEOWNERS", "* @acme/platform\n"),
    ]);
    let evidence = &practice(&a, "AUT-18").evidence;
    assert_eq!(evidence.len(), 1, "{evidence:#?}");
    assert_eq!(
        (
            evidence[0].location.path.as_str(),
            evidence[0].location.line
        ),
        ("CODEOWNERS", 1)
    );
    assert!(
        (evidence.iter()).all(|e| !e.reason.as_deref().unwrap_or("").contains("no line gives")),
        "{evidence:#?}"
    );
}

/// A command is cited at its own step: text before the step on a shared line belongs to other
/// nodes (here a step named like the command).
#[test]
fn a_command_on_a_shared_line_is_cited_at_its_own_step() {
    let a = common::assess_files(&[
        ("go.mod", "module example.com/app\n\ngo 1.22\n"),
        ("main.go", "package main\n\nfunc main() {}\n"),
        (
            ".github/workflows/ci.yml",
            "on: [pull_request]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: [{name: \"go test ./...\", uses: actions/checkout@v4}, {run: \"go test ./...\"}]\n",
        ),
    ]);
    let cited = &practice(&a, "TST-02").evidence[0].location;
    let line = "    steps: [{name: \"go test ./...\", uses: actions/checkout@v4}, {run: \"go test ./...\"}]";
    let expected = line.rfind("go test").unwrap() + 1;
    assert_eq!((cited.line, cited.column), (5, expected));
}

/// A test job that installs its chart with `helm --atomic` does not make its workflow one for
/// rollbacks.
#[test]
fn a_test_workflow_is_not_named_for_rollbacks() {
    let a = common::assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        (
            ".github/workflows/e2e.yml",
            "on: [pull_request]\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - run: helm upgrade --install app ./chart --atomic --wait\n      - run: go test ./e2e/...\n",
        ),
    ]);
    let purpose = &a.inventory.pipelines[0].purpose;
    assert!(!purpose.contains(&"rollback".to_string()), "{purpose:?}");
    assert!(purpose.contains(&"test".to_string()), "{purpose:?}");
}
