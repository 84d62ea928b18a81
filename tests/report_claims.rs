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
        &["none to the sensitive paths"],
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

/// A job's production `environment:` records deployments; the same words passed to a
/// reusable workflow as an input record nothing; labelled incidents change the reason.
#[test]
fn deployment_records_need_a_job_environment() {
    let build = (
        ".github/workflows/build.yml",
        "on:\n  workflow_call:\n    inputs:\n      environment:\n        type: string\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -t app:${{ inputs.environment }} .\n",
    );
    let caller = (
        ".github/workflows/release.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  image:\n    uses: ./.github/workflows/build.yml\n    with:\n      environment: production\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), build, caller]);
    assert_eq!(practice(&a, "MON-22").state, State::Absent);

    let deploy = (
        ".github/workflows/deploy.yml",
        "on: [workflow_dispatch]\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment:\n      name: Production\n      url: https://example.com\n    steps:\n      - run: fly deploy\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), build, caller, deploy]);
    expect(&a, "MON-22", State::Partial, &["incidents are not linked"]);
    let at = &practice(&a, "MON-22").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/deploy.yml", 6)
    );

    let labels = (".github/labels.yml", "- name: incident\n  color: d73a4a\n");
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), deploy, labels]);
    expect(&a, "MON-22", State::Partial, &["incidents are labelled"]);
    assert_eq!(practice(&a, "MON-22").evidence.len(), 2);
}

/// A workflow on a published release builds the tagged version; a version read from git
/// tags alone is partial.
#[test]
fn release_triggered_workflows_are_versioned_releases() {
    let pyproject = (
        "pyproject.toml",
        "[project]\nname = \"app\"\ndynamic = [\"version\"]\n\n[tool.versioningit]\ndefault-version = \"0.0.0\"\n",
    );
    let a = common::assess_files(&[pyproject]);
    expect(
        &a,
        "AUT-14",
        State::Partial,
        &["versions come from git tags"],
    );
    let publish = (
        ".github/workflows/publish.yml",
        "on:\n  release: # when a maintainer publishes one\n    types: [published]\njobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -t app .\n",
    );
    let a = common::assess_files(&[pyproject, publish]);
    expect(&a, "AUT-14", State::Present, &[]);
    let at = &practice(&a, "AUT-14").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/publish.yml", 2)
    );
    // A release trigger for edits only is not a release build.
    let edits = publish.1.replace("[published]", "[edited]");
    let a = common::assess_files(&[(publish.0, edits.as_str())]);
    assert_eq!(practice(&a, "AUT-14").state, State::Absent);
}

/// A template's deploy job that its `if:` keeps from running in the template itself is
/// credited, and the evidence says where it does not run.
#[test]
fn deploys_skipped_in_the_template_itself_say_so() {
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (
            ".github/workflows/deploy.yml",
            "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    if: github.repository != 'acme/service-template'\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker compose up -d\n",
        ),
    ]);
    expect(&a, "DEP-01", State::Present, &[]);
    let summary = &practice(&a, "DEP-01").evidence[0].summary;
    assert!(
        summary.ends_with("its `if:` skips it in acme/service-template itself, so it runs only in copies of this repository"),
        "{summary}"
    );
}

/// CORS restricted to origins from settings is an allow-list; a wildcard is not.
#[test]
fn cors_allow_lists_from_settings_count() {
    let app = |origins: &str| {
        format!(
            "from fastapi import FastAPI\nfrom starlette.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(\n    CORSMiddleware,\n    allow_origins={origins},\n    allow_methods=[\"*\"],\n)\n"
        )
    };
    let restricted = app("[settings.FRONTEND_HOST]");
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("backend/app/main.py", restricted.as_str()),
    ]);
    expect(&a, "SEC-30", State::Partial, &[]);
    let at = &practice(&a, "SEC-30").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), ("backend/app/main.py", 7));
    let from_list = app("settings.all_cors_origins,");
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("backend/app/main.py", from_list.as_str()),
    ]);
    expect(&a, "SEC-30", State::Partial, &[]);
    let open = app("[\"*\"]");
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("backend/app/main.py", open.as_str()),
    ]);
    assert_eq!(practice(&a, "SEC-30").state, State::Absent);
    let express = "const app = express();\napp.use(cors({ origin: process.env.WEB_ORIGIN }));\n";
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), ("src/server.js", express)]);
    expect(&a, "SEC-30", State::Partial, &[]);
}

/// A deployment section in the project's documentation is a partial deployment document;
/// the same section on a documentation site (`docs/docs/`, `.mdx`) describes users' setups.
#[test]
fn deployment_sections_in_docs_are_partial() {
    let guide =
        "# Operations\n\n## Going to Production\n\nSet DATABASE_URL, then run `make deploy`.\n";
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), ("docs/operations.md", guide)]);
    expect(
        &a,
        "DEP-02",
        State::Partial,
        &["nothing shows it covers rolling back"],
    );
    let at = &practice(&a, "DEP-02").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), ("docs/operations.md", 3));
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), ("docs/docs/install.mdx", guide)]);
    assert_eq!(practice(&a, "DEP-02").state, State::Absent);
}

/// An application's own request-id context variable, metrics middleware and latency timer
/// are what they are: partial correlation ids, partial metrics (nothing exports them), and a
/// latency metric.
#[test]
fn hand_written_request_ids_and_metrics_middleware() {
    let main = "from contextvars import ContextVar\n\nREQUEST_ID_CTX_KEY = \"request_id\"\n_request_id_ctx_var: ContextVar[str | None] = ContextVar(REQUEST_ID_CTX_KEY, default=None)\n\n\nclass MetricsMiddleware(BaseHTTPMiddleware):\n    async def dispatch(self, request, call_next):\n        start = time.perf_counter()\n        response = await call_next(request)\n        metric_provider.timer(\"server.call.elapsed\", value=time.perf_counter() - start)\n        return response\n";
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), ("src/app/main.py", main)]);
    expect(
        &a,
        "MON-02",
        State::Partial,
        &["nothing shows it is attached to every log line"],
    );
    expect(
        &a,
        "MON-05",
        State::Partial,
        &["no exporter or scrape configuration"],
    );
    expect(&a, "MON-06", State::Present, &[]);
    let line = |id: &str| practice(&a, id).evidence[0].location.line;
    assert_eq!((line("MON-02"), line("MON-05"), line("MON-06")), (4, 7, 11));
}

/// An environment that only holds a notifier's secrets does not make its job a deploy.
#[test]
fn notifier_environments_are_not_deploys() {
    let notify = (
        ".github/workflows/notify.yml",
        "on:\n  issues:\n    types: [labeled]\njobs:\n  notify:\n    runs-on: ubuntu-latest\n    environment: discord-notifier\n    steps:\n      - uses: appleboy/discord-action@afc227330777ad298156a1f5233dfa1e885616db\n        with:\n          webhook_url: ${{ secrets.DISCORD_WEBHOOK_URL }}\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), notify]);
    assert_eq!(practice(&a, "DEP-01").state, State::Absent);
    let deploy = (
        ".github/workflows/deploy.yml",
        "on: [workflow_dispatch]\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: release\n    steps:\n      - run: ./scripts/release.sh\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), notify, deploy]);
    let cited: Vec<&str> = practice(&a, "DEP-01")
        .evidence
        .iter()
        .map(|e| e.location.path.as_str())
        .collect();
    assert_eq!(cited, [".github/workflows/deploy.yml"]);
}

/// `kubectl apply` into a cluster an end-to-end job starts for itself deploys nothing, and
/// fixture folders are test data although they count as reference material elsewhere.
#[test]
fn test_cluster_applies_and_fixture_folders() {
    let e2e = (
        ".github/workflows/e2e.yml",
        "on: [pull_request]\njobs:\n  test-e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: AbsaOSS/k3d-action@v2\n      - run: kubectl apply -k manifests/crds\n      - run: go test ./test/e2e/...\n",
    );
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        e2e,
        ("test/fixtures/rollout.yaml", "kind: Rollout\n"),
    ]);
    expect(
        &a,
        "DEP-01",
        State::Mentioned,
        &["jobs that deploy no environment"],
    );
    expect(&a, "TST-16", State::Partial, &["committed fixture files"]);
}

/// Security test names: a label "injection" or an OAuth settings test is not a security test.
#[test]
fn security_test_names_must_mean_security() {
    let go = |name: &str| {
        format!("package rollout\n\nimport \"testing\"\n\nfunc {name}(t *testing.T) {{\n}}\n")
    };
    let state = |name: &str| {
        let text = go(name);
        let a = common::assess_files(&[("rollout/service_test.go", text.as_str())]);
        practice(&a, "TST-13").state
    };
    assert_eq!(
        state("TestDelayCanaryStableServiceLabelInjection"),
        State::Absent
    );
    assert_eq!(
        state("TestNewPromApiErrorWithIncompleteOAuthParams"),
        State::Partial
    );
    assert_eq!(state("TestUnauthorizedRequestIsRejected"), State::Present);
    assert_eq!(state("TestSQLInjectionInFilterIsEscaped"), State::Present);
}

/// Reusable workflows named for licence checks and failure notifications, a GraphQL schema
/// diff, a changelog generated on release, Socket's pull-request scans, a health endpoint
/// wrapped around the application and Django's HTTPS redirect.
#[test]
fn named_reusable_workflows_and_project_tools() {
    let workflow = |name: &str, body: &str| {
        (
            name.to_string(),
            format!(
                "on:\n  pull_request:\n  push:\n    branches: [main]\n  release:\n    types: [published]\njobs:\n{body}"
            ),
        )
    };
    let files = [
        workflow(".github/workflows/licenses.yml", "  licenses:\n    uses: acme/actions/.github/workflows/run-license-check.yaml@0123456789abcdef0123456789abcdef01234567\n"),
        workflow(".github/workflows/build.yml", "  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n  notify:\n    if: ${{ failure() }}\n    needs: [build]\n    uses: acme/actions/.github/workflows/notify-slack.yaml@0123456789abcdef0123456789abcdef01234567\n    secrets: inherit\n"),
        workflow(".github/workflows/schema.yml", "  schema:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: graphql-hive/graphql-inspector@0123456789abcdef0123456789abcdef01234567\n        with:\n          schema: main:schema.graphql\n"),
        workflow(".github/workflows/changelog.yml", "  changelog:\n    runs-on: ubuntu-latest\n    steps:\n      - run: git-chglog -o CHANGELOG.md\n"),
        ("socket.yml".to_string(), "version: 2\n".to_string()),
        ("app/asgi.py".to_string(), "application = get_asgi_application()\napplication = health_check(application, \"/health/\")\n".to_string()),
        ("app/settings.py".to_string(), "DEBUG = False\nSECURE_SSL_REDIRECT = not DEBUG\n".to_string()),
        ("requirements.txt".to_string(), "django==5.2\n".to_string()),
        ("Dockerfile".to_string(), DOCKERFILE.to_string()),
    ];
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let a = common::assess_files(&files);
    let cited = |id: &str| {
        let e = &practice(&a, id).evidence[0];
        (
            practice(&a, id).state,
            e.location.path.clone(),
            e.location.line,
        )
    };
    assert_eq!(
        cited("SEC-10"),
        (State::Present, ".github/workflows/licenses.yml".into(), 8)
    );
    assert_eq!(
        cited("AUT-22"),
        (State::Present, ".github/workflows/build.yml".into(), 12)
    );
    assert_eq!(
        cited("TST-09"),
        (State::Present, ".github/workflows/schema.yml".into(), 11)
    );
    assert_eq!(
        cited("AUT-15"),
        (State::Present, ".github/workflows/changelog.yml".into(), 11)
    );
    assert_eq!(cited("SEC-09"), (State::Partial, "socket.yml".into(), 1));
    assert_eq!(cited("DEP-05"), (State::Partial, "app/asgi.py".into(), 2));
    assert_eq!(
        cited("SEC-30"),
        (State::Partial, "app/settings.py".into(), 2)
    );
}

/// `manage.py migrate` in a pull-request job against a database it starts for itself tests
/// the migrations; it does not apply them to an environment.
#[test]
fn migrations_in_a_test_job_are_not_applied_by_the_pipeline() {
    let workflow = (
        ".github/workflows/migrations.yml",
        "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    container: python:3.12\n    services:\n      postgres:\n        image: library/postgres:15-alpine\n    steps:\n      - uses: actions/checkout@v4\n      - run: python manage.py migrate\n",
    );
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (
            "shop/migrations/0001_initial.py",
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n",
        ),
        workflow,
    ]);
    expect(&a, "DEP-17", State::Mentioned, &["a test, not a release"]);
}

/// opentelemetry-distro's configurator sets the SDK up from OTEL_* variables: tracing is
/// configured, its destination is not in the repository.
#[test]
fn otel_distro_configurator_is_partial_tracing() {
    let telemetry = "from opentelemetry.distro import OpenTelemetryConfigurator as _OTelSDKConfigurator\n\n\ndef otel_configure_sdk():\n    configurator = _OTelSDKConfigurator()\n    configurator.configure()\n";
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("app/core/telemetry.py", telemetry),
    ]);
    expect(
        &a,
        "MON-07",
        State::Partial,
        &["OTEL_* environment variables"],
    );
    assert_eq!(practice(&a, "MON-07").evidence[0].location.line, 5);
}

/// Codecov statuses that allow only a small drop, with no target, are a ratchet: partial.
#[test]
fn codecov_ratchet_without_a_floor_is_partial() {
    let codecov = (
        ".codecov.yml",
        "coverage:\n  status:\n    project:\n      default:\n        threshold: 0.1\n",
    );
    let ci = (
        ".github/workflows/ci.yml",
        "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: go test -coverprofile=coverage.out ./...\n      - uses: codecov/codecov-action@v5\n",
    );
    let a = common::assess_files(&[codecov, ci]);
    expect(
        &a,
        "TST-04",
        State::Partial,
        &["lowers coverage by more than 0.1%", "no minimum"],
    );
    let at = &practice(&a, "TST-04").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), (".codecov.yml", 5));
    // Without an upload the status never reports.
    let a = common::assess_files(&[codecov]);
    assert_ne!(practice(&a, "TST-04").state, State::Partial);
}

/// A version matrix is read from the test jobs' `strategy.matrix`, lists of maps and
/// `include:` entries too; a matrix of shards, or one in a job that runs no tests, is not
/// one, and test jobs without a version axis run a single version.
#[test]
fn test_matrices_are_read_from_test_jobs() {
    let e2e = (
        ".github/workflows/testing.yaml",
        "on: [pull_request]\njobs:\n  test-e2e:\n    strategy:\n      matrix:\n        kubernetes:\n          - version: '1.32'\n          - version: '1.33'\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test-e2e\n",
    );
    let a = common::assess_files(&[e2e]);
    expect(&a, "TST-06", State::Present, &[]);
    let e = &practice(&a, "TST-06").evidence[0];
    assert_eq!(
        (e.location.path.as_str(), e.location.line),
        (".github/workflows/testing.yaml", 6)
    );
    assert_eq!(
        e.summary,
        "job test-e2e of .github/workflows/testing.yaml tests across 2 values of `kubernetes`"
    );

    let included = (
        ".github/workflows/ci.yml",
        "on: [pull_request]\njobs:\n  unit:\n    strategy:\n      matrix:\n        include:\n          - python-version: '3.11'\n          - python-version: '3.12'\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
    );
    expect(
        &common::assess_files(&[included]),
        "TST-06",
        State::Present,
        &[],
    );

    let shards = (
        ".github/workflows/ci.yml",
        "on: [pull_request]\njobs:\n  e2e:\n    strategy:\n      matrix:\n        shard: [1, 2, 3]\n    runs-on: ubuntu-latest\n    steps:\n      - run: npx playwright test --shard=${{ matrix.shard }}/3\n  labels:\n    strategy:\n      matrix:\n        include: ${{ fromJSON(needs.find.outputs.labels) }}\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo cherry-pick\n",
    );
    expect(
        &common::assess_files(&[shards]),
        "TST-06",
        State::Partial,
        &[
            "single runtime version",
            "varies `shard`, not a runtime version",
        ],
    );
}
