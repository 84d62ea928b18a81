//! Claims about tests, quality gates and security controls that reading real reports showed
//! wrong, each pinned to the corrected value on a small repository built for it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{DOCKERFILE, assess_files, expect, practice};
use shipready::assessment::model::GateStatus;
use shipready::evidence::State;

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

/// A persisted checkout token is reported only where an upload can carry `.git`: the
/// workspace itself with hidden files included (upload-artifact leaves them out since v4.4),
/// or a version before that.
#[test]
fn persisted_credentials_only_where_an_upload_can_carry_git() {
    let run = |upload: &str| {
        let workflow = format!(
            "on: [pull_request]\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest --junitxml=junit.xml\n      - uses: {upload}\n"
        );
        let a = common::assess_files(&[(".github/workflows/ci.yml", workflow.as_str())]);
        a.findings
            .iter()
            .filter(|f| f.id == "persisted-checkout-credentials")
            .count()
    };
    assert_eq!(
        run("actions/upload-artifact@v7\n        with:\n          path: junit.xml"),
        0
    );
    assert_eq!(
        run("actions/upload-artifact@v4\n        with:\n          path: ."),
        0
    );
    assert_eq!(
        run(
            "actions/upload-artifact@v4\n        with:\n          path: .\n          include-hidden-files: true"
        ),
        1
    );
    assert_eq!(
        run(
            "actions/upload-artifact@0123456789abcdef0123456789abcdef01234567 # v4.3.6\n        with:\n          path: ${{ github.workspace }}"
        ),
        1
    );
    assert_eq!(
        run(
            "actions/upload-artifact@0123456789abcdef0123456789abcdef01234567 # v4.6.2\n        with:\n          path: ${{ github.workspace }}"
        ),
        0
    );
    assert_eq!(
        run(
            "actions/upload-artifact@v3\n        with:\n          path: |\n            reports/\n            !reports/tmp"
        ),
        0
    );
}

/// `make` in a CI step runs the target's recipe, after its prerequisites': the commands are
/// found and cited in the Makefile, in the folder `-C` names.
#[test]
fn make_targets_run_by_ci_are_ci_commands() {
    let makefile = ".PHONY: build\nbuild: generate ## build the binary\n\tCGO_ENABLED=0 go build -o bin/app ./cmd\n\ngenerate:\n\t@go generate ./...\n\nlint:\n\t$(MAKE) vet\n\nvet:\n\tgo vet ./...\n";
    let workflow = "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make -C service build\n";
    let a = common::assess_files(&[
        ("service/Makefile", makefile),
        ("service/go.mod", "module example.com/app\n\ngo 1.23\n"),
        (".github/workflows/ci.yml", workflow),
    ]);
    expect(&a, "AUT-09", State::Present, &[]);
    let e = &practice(&a, "AUT-09").evidence[0];
    assert_eq!(
        (e.location.path.as_str(), e.location.line),
        ("service/Makefile", 3)
    );
    assert!(
        e.summary
            .contains("in job build of .github/workflows/ci.yml"),
        "{}",
        e.summary
    );
    // A target nobody runs is not a CI command.
    let unused = workflow.replace("make -C service build", "make -C service generate");
    let a = common::assess_files(&[
        ("service/Makefile", makefile),
        (".github/workflows/ci.yml", unused.as_str()),
    ]);
    assert_ne!(practice(&a, "AUT-09").state, State::Present);
}

/// A workflow that says it is a demonstration (by its name or opening comment) is not the
/// project's CI: what it runs is mentioned, not credited.
#[test]
fn demonstration_workflows_are_not_ci() {
    let demo = "# DEMO: This workflow demonstrates how to use the k6 actions.\n# It is not part of the real CI pipeline.\nname: Example\non: [push]\njobs:\n  load:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n";
    let a = common::assess_files(&[(".github/workflows/k6-demo.yml", demo)]);
    let e = &practice(&a, "TST-02").evidence;
    assert!(
        !e.is_empty() && e.iter().all(|e| e.state == State::Mentioned),
        "{e:#?}"
    );
    let reason = e[0].reason.clone().unwrap_or_default();
    assert!(reason.contains("is a demonstration workflow"), "{reason}");
    let real = demo.replace("# DEMO: This workflow demonstrates how to use the k6 actions.\n# It is not part of the real CI pipeline.\n", "");
    let a = common::assess_files(&[(".github/workflows/ci.yml", real.as_str())]);
    assert!(
        practice(&a, "TST-02")
            .evidence
            .iter()
            .any(|e| e.state == State::Present)
    );
}

/// `npm install` in CI, here inside a Make recipe, does not hold to package-lock.json, even
/// when another command installs frozen.
#[test]
fn npm_install_in_ci_is_not_a_frozen_install() {
    let workflow = "on: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make build\n      - run: go build ./...\n";
    let makefile = "build:\n\tcd web && npm install && npm run build\n";
    let a = common::assess_files(&[
        ("go.mod", "module example.com/app\n\ngo 1.23\n"),
        ("go.sum", ""),
        ("web/package.json", "{\"name\": \"web\"}\n"),
        ("web/package-lock.json", "{\"lockfileVersion\": 3}\n"),
        ("Makefile", makefile),
        (".github/workflows/ci.yml", workflow),
    ]);
    expect(
        &a,
        "AUT-04",
        State::Partial,
        &["CI runs `npm install` (Makefile:2)"],
    );
    let frozen = makefile.replace("npm install", "npm ci");
    let a = common::assess_files(&[
        ("go.mod", "module example.com/app\n\ngo 1.23\n"),
        ("go.sum", ""),
        ("web/package.json", "{\"name\": \"web\"}\n"),
        ("web/package-lock.json", "{\"lockfileVersion\": 3}\n"),
        ("Makefile", frozen.as_str()),
        (".github/workflows/ci.yml", workflow),
    ]);
    expect(&a, "AUT-04", State::Present, &[]);
}

/// gosec enabled in golangci-lint's configuration is Go SAST, cited at its line.
#[test]
fn gosec_in_golangci_configuration() {
    let config = "version: \"2\"\nlinters:\n  enable:\n    - errcheck\n    - gosec\n    - govet\n";
    let a = common::assess_files(&[(".golangci.yml", config), ("go.mod", "module x\n")]);
    let e = &practice(&a, "SEC-04").evidence[0];
    assert_eq!(
        (e.state, e.location.path.as_str(), e.location.line),
        (State::Partial, ".golangci.yml", 5)
    );
    assert!(
        e.summary.starts_with("gosec, a Go security analyser"),
        "{}",
        e.summary
    );
}

/// A k6 run in CI is a load-test gate only if thresholds can fail it: a script without them,
/// or `--no-thresholds`, is partial, and the gate does not pass.
#[test]
fn k6_runs_need_thresholds() {
    let workflow = |command: &str| {
        format!(
            "on: [push]\njobs:\n  load:\n    runs-on: ubuntu-latest\n    steps:\n      - run: {command}\n"
        )
    };
    let plain =
        "import http from 'k6/http';\nexport default function () { http.get(__ENV.BASE_URL); }\n";
    let gated = "import http from 'k6/http';\nexport const options = {\n  thresholds: { http_req_failed: ['rate<0.01'] },\n};\nexport default function () { http.get(__ENV.BASE_URL); }\n";
    let run = |script: &str, command: &str| {
        let w = workflow(command);
        common::assess_files(&[
            ("Dockerfile", DOCKERFILE),
            ("k6/load.js", script),
            (".github/workflows/load.yml", w.as_str()),
        ])
    };
    let g13 = |a: &shipready::Assessment| a.gates.iter().find(|g| g.id == "G-13").map(|g| g.status);
    let a = run(gated, "k6 run k6/load.js");
    expect(&a, "TST-10", State::Present, &[]);
    assert_eq!(g13(&a), Some(GateStatus::Pass));
    expect(
        &run(plain, "k6 run k6/load.js"),
        "TST-10",
        State::Partial,
        &["the k6 script k6/load.js sets no thresholds"],
    );
    let a = run(gated, "k6 run --no-thresholds k6/load.js");
    expect(&a, "TST-10", State::Partial, &["--no-thresholds"]);
    assert_eq!(g13(&a), Some(GateStatus::Fail));
}

/// With no policy file, a README that sends reporters to an organisation-wide policy is a
/// mention: the policy exists elsewhere, and its content cannot be checked here.
#[test]
fn readme_pointing_to_a_policy_elsewhere_is_a_mention() {
    let readme = "# tool\n\n## Security\n\nShould you discover any security issues, please refer to the [security\nprocess](https://github.com/example/.github/blob/main/SECURITY.md)\n";
    let a = common::assess_files(&[("README.md", readme)]);
    expect(
        &a,
        "SEC-28",
        State::Mentioned,
        &["kept outside this repository"],
    );
    assert_eq!(practice(&a, "SEC-28").evidence[0].location.line, 6);
    let a = common::assess_files(&[("README.md", "# tool\n\nNo policy here.\n")]);
    assert_eq!(practice(&a, "SEC-28").state, State::Absent);
}

/// A step with `continue-on-error: true` whose failure a later step turns into a failed job
/// (`if: steps.precommit.outcome == 'failure'` then `exit 1`, as the FastAPI template does
/// so that formatting fixes can be pushed first) still gates; without that step, or when the
/// later step only prints, it does not.
#[test]
fn a_failure_checked_later_still_blocks() {
    let workflow = |last: &str| {
        format!(
            "on: [pull_request]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Type check\n        id: typecheck\n        run: mypy --strict app\n        continue-on-error: true\n      - run: git status --porcelain\n{last}"
        )
    };
    let checked = workflow(
        "      - name: Error out\n        if: steps.typecheck.outcome == 'failure'\n        run: exit 1\n",
    );
    let a = common::assess_files(&[(".github/workflows/lint.yml", &checked)]);
    expect(&a, "AUT-09", State::Present, &[]);

    for last in [
        "",
        "      - if: steps.typecheck.outcome == 'failure'\n        run: echo type errors\n",
        "      - if: steps.other.outcome == 'failure'\n        run: exit 1\n",
    ] {
        let a = common::assess_files(&[(".github/workflows/lint.yml", &workflow(last))]);
        expect(&a, "AUT-09", State::Partial, &["continue-on-error: true"]);
    }
}

/// The test files cited are ones named as tests; an empty package marker
/// (`tests/__init__.py`) shows no test, however early it sorts.
#[test]
fn cited_test_files_are_named_as_tests() {
    let a = common::assess_files(&[
        ("app/__init__.py", ""),
        ("app/main.py", "def add(a, b):\n    return a + b\n"),
        ("tests/__init__.py", ""),
        ("tests/api/__init__.py", ""),
        ("tests/conftest.py", "import pytest\n"),
        (
            "tests/api/test_items.py",
            "from app.main import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        ),
    ]);
    let cited: Vec<&str> = practice(&a, "TST-01")
        .evidence
        .iter()
        .filter(|e| e.summary.starts_with("test file"))
        .map(|e| e.location.path.as_str())
        .collect();
    assert_eq!(cited.first(), Some(&"tests/api/test_items.py"));
    assert!(
        !cited.iter().any(|p| p.ends_with("__init__.py")),
        "{cited:?}"
    );
}

/// Playwright's `--fail-on-flaky-tests` makes a test that passes only on retry fail the run:
/// partial credit for the pass-rate gate, as in the FastAPI template's `playwright.yml:83`.
#[test]
fn failing_on_flaky_tests_is_a_partial_pass_rate_gate() {
    let workflow = |flags: &str| {
        format!(
            "on: [pull_request]\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: bunx playwright test{flags} --trace=retain-on-failure\n"
        )
    };
    let a = common::assess_files(&[(
        ".github/workflows/e2e.yml",
        &workflow(" --fail-on-flaky-tests"),
    )]);
    expect(
        &a,
        "TST-08",
        State::Partial,
        &["a test that passes only on retry fails the run"],
    );
    let at = &practice(&a, "TST-08").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/e2e.yml", 7)
    );
    let a = common::assess_files(&[(".github/workflows/e2e.yml", &workflow(""))]);
    assert_eq!(practice(&a, "TST-08").state, State::Absent);
}

/// Without SECURITY.md, a documentation page with a "Reporting a Security Issue" section and a
/// private channel below it (dispatch's `docs/docs/support.mdx`) is a partial policy; the same
/// heading that sends reporters to the public issue tracker is none.
#[test]
fn a_security_section_in_the_docs_is_a_partial_policy() {
    let page = |channel: &str| {
        format!(
            "---\ntitle: Support\n---\n\n## General Support\n\nUse the issue tracker.\n\n## Reporting a Security Issue\n\nDo not open a public issue.\n\n{channel}\n\nWe answer within 48 hours.\n"
        )
    };
    let private = page("Report it via our bug bounty program at https://hackerone.com/acme.");
    let a = common::assess_files(&[
        ("app.py", "print('hi')\n"),
        ("docs/docs/support.mdx", &private),
    ]);
    expect(
        &a,
        "SEC-28",
        State::Partial,
        &[
            "docs/docs/support.mdx:9 says how to report a vulnerability privately (docs/docs/support.mdx:13) and a response timeframe (docs/docs/support.mdx:15)",
            "no SECURITY.md",
        ],
    );
    let public = page("Open an issue on GitHub and label it security.");
    let a = common::assess_files(&[
        ("app.py", "print('hi')\n"),
        ("docs/docs/support.mdx", &public),
    ]);
    assert_eq!(practice(&a, "SEC-28").state, State::Absent);
}

/// `TLS` in a Go test name counts only as the acronym: `TestMaybeGarbageCollectNoTTLStrategy`
/// (argo-rollouts) holds the letters, not the word.
#[test]
fn tls_in_test_names_is_the_acronym_only() {
    let tests = "package app\n\nfunc TestMaybeGarbageCollectNoTTLStrategy(t *testing.T) {}\n\nfunc TestServeTLS(t *testing.T) {}\n";
    let a = common::assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("app/gc_test.go", tests),
    ]);
    let lines: Vec<usize> = practice(&a, "TST-13")
        .evidence
        .iter()
        .filter(|e| e.location.path == "app/gc_test.go")
        .map(|e| e.location.line)
        .collect();
    assert_eq!(lines, [5]);

    let only_ttl = "package app\n\nfunc TestNoTTLStrategy(t *testing.T) {}\n";
    let a = common::assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("app/gc_test.go", only_ttl),
    ]);
    assert_eq!(practice(&a, "TST-13").state, State::Absent);
}

/// SEC-16: a final stage built on an earlier stage inherits that stage's USER and base image,
/// as the root-container audit already read it.
#[test]
fn sec16_final_stage_inherits_the_user_of_the_stage_it_builds_on() {
    let dockerfile = "FROM python:3.12-slim AS base\nRUN useradd app\nUSER app\n\nFROM base AS app\nCOPY . /app\nCMD [\"python\", \"-m\", \"app\"]\n";
    let a = assess_files(&[("Dockerfile", dockerfile), ("app/main.py", "print(1)\n")]);
    expect(&a, "SEC-16", State::Present, &[]);
    let user = &practice(&a, "SEC-16").evidence[0];
    assert_eq!((user.location.line, user.snippet.as_str()), (3, "USER app"));
    assert!(a.findings.iter().all(|f| f.id != "root-container"));

    let distroless = "FROM gcr.io/distroless/python3-debian12:nonroot AS runtime\n\nFROM runtime\nCOPY app /app\nCMD [\"/app/main.py\"]\n";
    let a = assess_files(&[("Dockerfile", distroless), ("app/main.py", "print(1)\n")]);
    expect(&a, "SEC-16", State::Present, &[]);
}

/// SAST breadth compares the languages of the repository's own code with what its analysers
/// cover: CodeQL's `languages:` (written out, from the matrix, or left to detection) and the
/// language a single-language tool such as gosec or bandit reads.
#[test]
fn sast_breadth_follows_the_languages_of_the_code() {
    let go_files: Vec<(String, String)> = (0..6)
        .map(|n| (format!("cmd/tool/part{n}.go"), "package main\n".to_string()))
        .collect();
    let ui_files: Vec<(String, String)> = (0..4)
        .map(|n| (format!("ui/src/view{n}.tsx"), "export {}\n".to_string()))
        .collect();
    let codeql = |with: &str, matrix: &str| {
        format!(
            "name: codeql\non:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n{matrix}    steps:\n      - uses: actions/checkout@v4\n      - uses: github/codeql-action/init@v3\n{with}      - uses: github/codeql-action/analyze@v3\n"
        )
    };
    let run = |workflow: &str, with_ui: bool| {
        let mut files: Vec<(&str, &str)> = vec![
            ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
            (".github/workflows/scan.yml", workflow),
        ];
        files.extend(go_files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        if with_ui {
            files.push(("ui/package.json", "{\"name\": \"ui\"}\n"));
            files.extend(ui_files.iter().map(|(p, t)| (p.as_str(), t.as_str())));
        }
        assess_files(&files)
    };
    // One language, named: covered. Whether CodeQL's alerts block merges is SEC-04's
    // question; breadth asks only what is analysed.
    let named = codeql("        with:\n          languages: go\n", "");
    let a = run(&named, false);
    expect(&a, "SEC-05", State::Present, &[]);
    let at = &practice(&a, "SEC-05").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/scan.yml", 13)
    );

    // A second language the list leaves out is named with its files.
    let a = run(&named, true);
    expect(
        &a,
        "SEC-05",
        State::Partial,
        &["no static analyser covers JavaScript/TypeScript (4 source files)"],
    );

    // From the matrix, and left to detection: both languages covered.
    let matrix = codeql(
        "        with:\n          languages: ${{ matrix.language }}\n",
        "    strategy:\n      matrix:\n        language: [go, javascript-typescript]\n",
    );
    expect(&run(&matrix, true), "SEC-05", State::Present, &[]);
    expect(&run(&codeql("", ""), true), "SEC-05", State::Present, &[]);

    // A blocking gosec on pull requests covers a Go-only repository in full; bandit does not.
    let step = |command: &str| {
        format!(
            "name: lint\non: [pull_request]\njobs:\n  sast:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {command}\n"
        )
    };
    expect(
        &run(&step("gosec ./..."), false),
        "SEC-05",
        State::Present,
        &[],
    );
    let from_module = run(
        &step("go run github.com/securego/gosec/v2/cmd/gosec@latest ./..."),
        false,
    );
    expect(&from_module, "SEC-04", State::Present, &[]);
    expect(&from_module, "SEC-05", State::Present, &[]);
    expect(
        &run(&step("bandit -r src -ll"), false),
        "SEC-05",
        State::Absent,
        &["cover none of the repository's languages: Go (6 source files)"],
    );
}

/// SEC-15: Ubuntu's chiseled images (the .NET `-chiseled` and `-chiseled-extra` tags,
/// Canonical's `ubuntu/chiselled-*`) carry no shell or package manager, as distroless images
/// do: a minimal base, where the full `aspnet` image of a debug Dockerfile is not.
#[test]
fn chiseled_ubuntu_images_are_minimal_bases() {
    let runtime = |base: &str| {
        format!(
            "FROM mcr.microsoft.com/dotnet/sdk:10.0 AS builder\nWORKDIR /app\nCOPY . .\n\
             RUN dotnet publish -c release -o /cartservice\n\n\
             # https://mcr.microsoft.com/product/dotnet/runtime-deps\nFROM {base}\n\n\
             WORKDIR /app\nCOPY --from=builder /cartservice .\nUSER 1000\n\
             ENTRYPOINT [\"/app/cartservice\"]\n"
        )
    };
    for base in [
        "mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@sha256:b857c8cb8d929183cfe4c6dd9994abba92a2639dd2dbaf06005379f815991604",
        "mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled-extra",
        "ubuntu/chiselled-jre:8-22.04_edge",
    ] {
        let found = assess_files(&[("src/cartservice/src/Dockerfile", &runtime(base))]);
        expect(&found, "SEC-15", State::Present, &[]);
        let cited = &practice(&found, "SEC-15").evidence[0];
        assert_eq!(
            (cited.state, cited.location.line),
            (State::Present, 7),
            "{base}"
        );
    }
    let full = runtime("mcr.microsoft.com/dotnet/aspnet:10.0");
    let found = assess_files(&[("src/cartservice/src/Dockerfile", &full)]);
    expect(
        &found,
        "SEC-15",
        State::Absent,
        &["full OS bases: mcr.microsoft.com/dotnet/aspnet:10.0"],
    );
}

/// Files that count by their path alone count whatever their kind: a JMeter plan (not read
/// as text) is a load test that exists (TST-10 Mentioned).
#[test]
fn files_named_by_signals_count_unread() {
    let a = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (
            "app/main.py",
            "from fastapi import FastAPI\napp = FastAPI()\n",
        ),
        (
            "src/test/jmeter/petclinic_test_plan.jmx",
            "<?xml version=\"1.0\"?>\n<jmeterTestPlan/>\n",
        ),
    ]);
    expect(&a, "TST-10", State::Mentioned, &[]);
    assert_eq!(
        practice(&a, "TST-10").evidence[0].location.path,
        "src/test/jmeter/petclinic_test_plan.jmx"
    );
}

/// kubevious/cli validates Kubernetes manifests, Helm charts and Kustomize trees: a
/// configuration scan on every pull request (SEC-18).
#[test]
fn kubevious_validates_manifests() {
    let workflow = "on: [pull_request]\njobs:\n  validate:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Validate manifests\n        uses: kubevious/cli@v1.0.64\n        with:\n          manifests: kubernetes-manifests\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n";
    let a = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("kubernetes-manifests/web.yaml", deployment),
        (".github/workflows/kubevious.yaml", workflow),
    ]);
    expect(&a, "SEC-18", State::Present, &[]);
    let at = &practice(&a, "SEC-18").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/kubevious.yaml", 8)
    );
}

/// SEC-16: an image without a non-root USER deployed by manifests that set
/// `runAsNonRoot: true` is partial credit, and the reason says what the manifests do; without
/// such manifests it runs as root.
#[test]
fn sec16_manifests_that_refuse_root() {
    let dockerfile = "FROM golang:1.23 AS build\nCOPY . .\nRUN go build -o /app .\n\nFROM alpine:3.20\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  template:\n    spec:\n      securityContext:\n        runAsNonRoot: true\n        runAsUser: 1000\n      containers:\n        - name: cart\n          image: cart\n";
    let with = assess_files(&[
        ("src/cart/Dockerfile", dockerfile),
        ("kubernetes-manifests/cart.yaml", deployment),
    ]);
    expect(
        &with,
        "SEC-16",
        State::Partial,
        &[
            "images without a non-root USER: src/cart/Dockerfile:5",
            "manifests set runAsNonRoot",
        ],
    );
    let without = assess_files(&[("src/cart/Dockerfile", dockerfile)]);
    expect(
        &without,
        "SEC-16",
        State::Absent,
        &["containers run as root: src/cart/Dockerfile:5"],
    );
}
