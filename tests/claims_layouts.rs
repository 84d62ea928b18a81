//! Report claims on layouts that real repositories use and that a narrower reading got
//! wrong: Sentry's documented Django set-up, keys stored on one line, a job guarded to pull
//! request events, and health checks on the database rather than the application.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{DOCKERFILE, assess_files, expect, practice};
use shipready::evidence::State;

/// Sentry's own Django snippet passes a list of integrations, each a call, before
/// `release=`: the release is still set. A call without one stays Partial.
#[test]
fn sentry_release_after_nested_calls_is_seen() {
    let with_release = "import sentry_sdk\nfrom sentry_sdk.integrations.django import DjangoIntegration\n\n\
        sentry_sdk.init(\n    dsn=get_dsn(),\n    integrations=[\n        DjangoIntegration(),\n    ],\n    \
        traces_sampler=sampler(rate=float(0.1)),\n    environment=environment,\n    release=release,\n)\n";
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("app/sentry.py", with_release)]);
    expect(&found, "MON-08", State::Present, &[]);
    assert_eq!(practice(&found, "MON-08").evidence[0].location.line, 4);

    let without = with_release.replace("    release=release,\n", "");
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("app/sentry.py", &without)]);
    expect(&found, "MON-08", State::Partial, &["sets no release"]);

    let browser = "Sentry.init({\n  dsn: DSN,\n  integrations: [Sentry.replayIntegration({ maskAllText: true })],\n  \
        release: process.env.RELEASE,\n});\n";
    let found = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("web/src/sentry.js", browser),
        (
            "web/package.json",
            "{\"dependencies\": {\"@sentry/browser\": \"8.0.0\"}}\n",
        ),
    ]);
    expect(&found, "MON-08", State::Present, &[]);
}

/// A private key kept on one line with escaped line ends (a quoted `.env` value, a JSON
/// service-account key) is a committed key. In a sample file it is Partial, as any key in
/// an example file; in a deployment folder it fails the check.
#[test]
fn one_line_private_keys_are_committed_secrets() {
    let body = "MIIEpAIBAAKCAQEA1pt0ZoOuPEVPJJS+5r884zcjZLkZZ2GcPwr79XOLDbOi46on\\nCm9x";
    let header = ["-----BEGIN RSA ", "PRIVATE KEY-----"].concat();
    let sample = format!("DEBUG=true\nclient_private_key='{header}\\n{body}\\n-----END RSA'\n");
    let found = assess_files(&[("app.py", "print('hi')\n"), (".env.sample", &sample)]);
    expect(&found, "SEC-02", State::Partial, &["example"]);
    let cited = &practice(&found, "SEC-02").evidence[0].location;
    assert_eq!((cited.path.as_str(), cited.line), (".env.sample", 2));

    let header = ["-----BEGIN ", "PRIVATE KEY-----"].concat();
    let key = format!(
        "{{\n  \"type\": \"service_account\",\n  \"private_key\": \"{header}\\n{body}\\n-----END PRIVATE KEY-----\\n\"\n}}\n"
    );
    let found = assess_files(&[("app.py", "print('hi')\n"), ("deploy/gcp-key.json", &key)]);
    expect(&found, "SEC-02", State::Absent, &[]);
}

/// A `workflow_run` workflow that also runs on `pull_request` may check out the pull request
/// in a job that only pull request events can start: no secrets are exposed there.
#[test]
fn checkouts_guarded_to_pull_request_events_are_not_untrusted() {
    let workflow = |guard: &str| {
        format!(
            "name: Docs\non:\n  workflow_run:\n    workflows: [Tests]\n    types: [completed]\n  \
             pull_request:\n    branches: [main]\njobs:\n  preview:\n    runs-on: ubuntu-latest\n    \
             if: {guard}\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          \
             ref: \"refs/pull/${{{{ github.event.number }}}}/merge\"\n      - run: make docs\n"
        )
    };
    let untrusted = |guard: &str| {
        let text = workflow(guard);
        assess_files(&[
            ("app.py", "print('hi')\n"),
            (".github/workflows/docs.yml", &text),
        ])
        .findings
        .iter()
        .filter(|f| f.id == "untrusted-checkout")
        .map(|f| (f.location.line, f.message.clone()))
        .collect::<Vec<_>>()
    };
    assert_eq!(untrusted("github.event.pull_request"), []);
    assert_eq!(untrusted("${{ github.event_name == 'pull_request' }}"), []);
    let reported = untrusted("github.event.workflow_run.conclusion == 'success'");
    assert_eq!(
        reported,
        [(
            15,
            "`workflow_run` workflow checks out the pull request head".to_string()
        )]
    );
    assert_eq!(
        untrusted("github.event_name == 'pull_request' || always()").len(),
        1
    );
}

const DATABASE: &str = "  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_DB\n    \
    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n      interval: 5s\n";

/// A compose healthcheck on the database says nothing of the application's health; one on
/// the application's own service in the same file does, and is cited where it is.
#[test]
fn compose_healthchecks_count_only_on_the_application() {
    let database_only = format!(
        "services:\n{DATABASE}  web:\n    build: .\n    depends_on:\n      db:\n        condition: service_healthy\n"
    );
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("compose.yml", &database_only)]);
    expect(
        &found,
        "DEP-05",
        State::Absent,
        &["only health checks are on backing services (postgres:16 at compose.yml:6)"],
    );

    let both = format!(
        "services:\n{DATABASE}  web:\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8000/healthz\"]\n    build:\n      context: .\n"
    );
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("compose.yml", &both)]);
    expect(&found, "DEP-05", State::Present, &[]);
    let cited: Vec<(usize, State)> = practice(&found, "DEP-05")
        .evidence
        .iter()
        .map(|e| (e.location.line, e.state))
        .collect();
    assert_eq!(cited, [(10, State::Present), (6, State::Mentioned)]);
}

/// Terraform probes on a container app or a Kubernetes deployment: a readiness probe is full
/// credit, a liveness probe alone partial.
#[test]
fn terraform_probes_are_health_checks() {
    let app = |probe: &str| {
        format!(
            "resource \"azurerm_container_app\" \"web\" {{\n  template {{\n    container {{\n      \
             name = \"web\"\n      {probe} {{\n        transport = \"HTTP\"\n        port = 8000\n        \
             path = \"/healthcheck\"\n      }}\n    }}\n  }}\n}}\n"
        )
    };
    let liveness = app("liveness_probe");
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("terraform/app.tf", &liveness)]);
    expect(&found, "DEP-05", State::Partial, &["only a liveness probe"]);
    assert_eq!(practice(&found, "DEP-05").evidence[0].location.line, 5);
    // The platform the Terraform runs the application on is a deployment target.
    assert_eq!(
        found.inventory.deploy_targets,
        ["Azure Container Apps", "Terraform"]
    );
    let readiness = app("readiness_probe");
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("terraform/app.tf", &readiness)]);
    expect(&found, "DEP-05", State::Present, &[]);
}

/// A test job that migrates its own database before running the tests, called by the deploy
/// workflow ahead of the deploy: the migration is the tests', not the release's. No backup is
/// asked for before it on the production path, and DEP-17 is not credited.
#[test]
fn migrating_a_test_database_is_not_a_release_migration() {
    let tests = "name: Tests\non:\n  pull_request:\n  workflow_call:\njobs:\n  pytest:\n    \
        runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install -e .[test]\n      \
        - run: python manage.py migrate --settings=tests.settings\n      - run: pytest\n";
    let deploy = "name: Deploy\non:\n  push:\n    tags: ['v*']\njobs:\n  tests:\n    \
        uses: ./.github/workflows/tests.yml\n  deploy:\n    needs: tests\n    runs-on: ubuntu-latest\n    \
        environment: production\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: kubectl apply -f k8s/\n";
    let found = assess_files(&[
        ("manage.py", "import django\n"),
        ("app/models.py", "from django.db import models\n"),
        (
            "app/migrations/0001_initial.py",
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n",
        ),
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/tests.yml", tests),
        (".github/workflows/deploy.yml", deploy),
    ]);
    expect(
        &found,
        "DEP-17",
        State::Mentioned,
        &["job pytest only tests"],
    );
    let path = found
        .production_paths
        .iter()
        .find(|p| p.pipeline == ".github/workflows/deploy.yml")
        .expect("a production path");
    let backup = path
        .controls
        .iter()
        .find(|c| c.control == "backup before migration")
        .expect("a backup control");
    assert_eq!(backup.detail, "no migration runs on this path");
}

/// A C library built with Meson in GitLab CI: the CI calls the same `meson setup` and
/// `meson test` a developer runs, runs its libFuzzer targets as a test suite, and keeps a
/// hand-written NEWS file.
#[test]
fn a_meson_library_builds_fuzzes_and_keeps_news() {
    let ci = "stages: [build, test]\n\nbuild-debian:\n  stage: build\n  image: debian:bookworm\n  script:\n    \
        - meson setup build --buildtype release --werror\n    - ninja -C build\n    - cd build && meson test -v\n\n\
        test-fuzz:\n  stage: test\n  image: debian:bookworm\n  script:\n    \
        - meson setup build -Dfuzzing_engine=libfuzzer\n    \
        - meson test -C build --suite oss-fuzz-asan --suite oss-fuzz-ubsan\n";
    let harness = "#include <stdint.h>\n#include <stddef.h>\n\nint LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {\n    return 0;\n}\n";
    let found = assess_files(&[
        ("meson.build", "project('codec', 'c')\n"),
        ("src/lib.c", "int codec_open(void) { return 0; }\n"),
        ("tests/libfuzzer/codec_fuzzer.c", harness),
        (
            "NEWS",
            "Changes for 1.2.0:\n-----------------\n - Faster decoding\n",
        ),
        (".gitlab-ci.yml", ci),
    ]);
    expect(&found, "AUT-03", State::Present, &[]);
    assert_eq!(practice(&found, "AUT-03").evidence[0].location.line, 7);
    expect(&found, "SEC-22", State::Present, &[]);
    let fuzzing: Vec<(String, usize)> = practice(&found, "SEC-22")
        .evidence
        .iter()
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert_eq!(
        fuzzing,
        [
            (".gitlab-ci.yml".to_string(), 16),
            ("tests/libfuzzer/codec_fuzzer.c".to_string(), 4)
        ]
    );
    expect(&found, "AUT-15", State::Partial, &[]);
    assert_eq!(practice(&found, "AUT-15").evidence[0].location.path, "NEWS");
}

/// Azure Application Insights availability tests are uptime checks declared in code, and a
/// release action told to generate its notes writes them from the merged pull requests.
#[test]
fn azure_web_tests_and_generated_release_notes_are_seen() {
    let uptime = "resource \"azurerm_application_insights_standard_web_test\" \"ping\" {\n  name = \"healthcheck\"\n  \
        geo_locations = [\"us-ca-sjc-azr\"]\n  request {\n    url = \"https://app.example.org/healthcheck\"\n  }\n}\n";
    let release = "name: Release\non:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    \
        permissions:\n      contents: write\n    steps:\n      - uses: softprops/action-gh-release@v2\n        with:\n          \
        generate_release_notes: true\n";
    let found = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("terraform/uptime/main.tf", uptime),
        (".github/workflows/release.yml", release),
    ]);
    expect(&found, "MON-15", State::Present, &[]);
    assert_eq!(practice(&found, "MON-15").evidence[0].location.line, 1);
    expect(&found, "AUT-15", State::Present, &[]);
    assert_eq!(practice(&found, "AUT-15").evidence[0].location.line, 13);
}

/// A deploy job whose environment is chosen at run time (`dev` on main, `prod` on a release
/// tag) may well go through staging: the report says what it cannot read, not that every
/// deploy goes straight to production.
#[test]
fn an_environment_chosen_at_run_time_is_not_called_production_only() {
    let deploy = "name: Deploy\non:\n  push:\n    branches: [main]\n    tags: ['v*']\njobs:\n  setup:\n    \
        runs-on: ubuntu-latest\n    outputs:\n      env_name: ${{ steps.env.outputs.env_name }}\n    steps:\n      \
        - id: env\n        run: |\n          if [[ \"$GITHUB_REF_TYPE\" == tag ]]; then ENV=prod; else ENV=dev; fi\n          \
        echo \"env_name=$ENV\" >> \"$GITHUB_OUTPUT\"\n  deploy:\n    needs: setup\n    runs-on: ubuntu-latest\n    \
        environment: ${{ needs.setup.outputs.env_name }}\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: az containerapp update --name web --image ghcr.io/acme/web:${{ github.sha }}\n";
    let found = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/deploy.yml", deploy),
    ]);
    expect(
        &found,
        "DEP-03",
        State::Mentioned,
        &["job deploy in .github/workflows/deploy.yml chooses its environment at run time"],
    );
    assert_eq!(practice(&found, "DEP-03").evidence[0].location.line, 19);
}

/// A pre-commit configuration with a `ci:` block is run by pre-commit.ci on pull requests;
/// without one, and with no workflow running the hooks, they are local only.
#[test]
fn pre_commit_ci_settings_mean_ci_runs_the_hooks() {
    let hooks = "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks:\n      - id: black\n";
    let with_ci = format!("ci:\n  autofix_commit_msg: \"chore: autofix\"\n\n{hooks}");
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        (".pre-commit-config.yaml", &with_ci),
    ]);
    expect(&found, "AUT-10", State::Present, &[]);
    assert!(
        practice(&found, "AUT-10").evidence[0]
            .summary
            .contains("pre-commit.ci")
    );
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        (".pre-commit-config.yaml", hooks),
    ]);
    expect(&found, "AUT-10", State::Partial, &["local use only"]);
}

/// A Django app with migrations and no pipeline: the P1 backup before migrations is planned
/// after the P2 practice it builds on (the pipeline applying the migrations), and both the
/// JSON and the Markdown table say so, so the order does not read as a mistake.
#[test]
fn a_recommendation_planned_after_a_lower_priority_prerequisite_names_it() {
    let found = assess_files(&[
        ("manage.py", "import django\n"),
        ("requirements.txt", "Django==5.0\npsycopg==3.1\n"),
        (
            "conduit/apps/articles/migrations/0001_initial.py",
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n",
        ),
        ("Dockerfile", DOCKERFILE),
    ]);
    let order: Vec<&str> = found
        .recommendations
        .iter()
        .map(|r| r.practice.as_str())
        .collect();
    let backup = order
        .iter()
        .position(|p| *p == "DEP-21")
        .expect("DEP-21 recommended");
    let pipeline = order
        .iter()
        .position(|p| *p == "DEP-17")
        .expect("DEP-17 recommended");
    assert!(pipeline < backup, "{order:?}");
    let dep21 = &found.recommendations[backup];
    assert_eq!(dep21.after, ["DEP-17"]);
    let markdown = shipready::report::markdown::render(&found);
    assert!(
        markdown.contains("| P1, after DEP-17 | DEP-21 "),
        "{markdown}"
    );
    // The roadmap agrees: the prerequisite is pulled into the first phase, just before.
    let first: Vec<&str> = found.roadmap.phases[0]
        .items
        .iter()
        .map(|i| i.practice.as_str())
        .collect();
    let backup = first
        .iter()
        .position(|p| *p == "DEP-21")
        .expect("DEP-21 in phase 1");
    assert_eq!(first[backup - 1], "DEP-17", "{first:?}");
    let later = found.roadmap.phases[1..].iter().flat_map(|p| &p.items);
    assert!(later.into_iter().all(|i| i.practice != "DEP-17"));
    assert!(
        found
            .recommendations
            .iter()
            .filter(|r| r.practice != "DEP-21")
            .all(|r| r.after.is_empty())
    );
}

/// A Django settings module with its `SECRET_KEY` written in: the key that signs sessions and
/// tokens is committed, and "no secrets committed" would be false.
#[test]
fn a_literal_django_secret_key_is_a_committed_secret() {
    let settings = "import os\n\nBASE_DIR = os.path.dirname(__file__)\nSECRET_KEY = '2^f+3@v7$v1f8yt0!s)3-1t$)tlp+xm17=*g))_xoi&&9m#2a&'\nDEBUG = True\n";
    let found = assess_files(&[
        ("manage.py", "import django\n"),
        ("conduit/settings.py", settings),
    ]);
    expect(&found, "SEC-02", State::Absent, &["conduit/settings.py:4"]);
    let from_env = settings.replace(
        "'2^f+3@v7$v1f8yt0!s)3-1t$)tlp+xm17=*g))_xoi&&9m#2a&'",
        "os.environ['SECRET_KEY']",
    );
    let found = assess_files(&[
        ("manage.py", "import django\n"),
        ("conduit/settings.py", &from_env),
    ]);
    expect(&found, "SEC-02", State::Present, &[]);
}

/// A matrix written out as one GitLab job per architecture (images that differ only in their
/// architecture) or per runtime version (`python:3.11`, `python:3.12`) is a test matrix; two
/// test jobs in unrelated images, or builds of one image told apart by a date stamp, are not.
#[test]
fn test_jobs_in_variants_of_one_image_are_a_matrix() {
    let job = |name: &str, image: &str| {
        format!(
            "{name}:\n  stage: test\n  image: {image}\n  script:\n    - meson setup build\n    - meson test -C build\n\n"
        )
    };
    let run = |jobs: &[(&str, &str)]| {
        let ci: String = jobs.iter().map(|(n, i)| job(n, i)).collect();
        let ci = format!("stages: [test]\n\n{ci}");
        assess_files(&[
            ("meson.build", "project('codec', 'c')\n"),
            (".gitlab-ci.yml", &ci),
        ])
    };
    let arches = run(&[
        (
            "test-amd64",
            "registry.example.org/codec-debian-bookworm:20260101",
        ),
        (
            "test-aarch64",
            "registry.example.org/codec-debian-bookworm-aarch64:20260228141555",
        ),
        (
            "test-armv7",
            "registry.example.org/codec-debian-bookworm-armv7:20260217211228",
        ),
    ]);
    expect(&arches, "TST-06", State::Present, &[]);
    let lines: Vec<usize> = practice(&arches, "TST-06")
        .evidence
        .iter()
        .map(|e| e.location.line)
        .collect();
    assert_eq!(lines, [12, 19]);

    let versions = run(&[("py311", "python:3.11-slim"), ("py312", "python:3.12-slim")]);
    expect(&versions, "TST-06", State::Present, &[]);

    let unrelated = run(&[("unit", "python:3.12"), ("e2e", "node:20")]);
    expect(
        &unrelated,
        "TST-06",
        State::Partial,
        &["single runtime version"],
    );
    let stamps = run(&[
        ("test-a", "registry.example.org/ci:20260101"),
        ("test-b", "registry.example.org/ci:20260202"),
    ]);
    expect(&stamps, "TST-06", State::Partial, &[]);
}

/// A Lighthouse CI run is a test job and a `terraform plan` on pull requests is a validation
/// (lint) job; neither workflow is "maintenance".
#[test]
fn lighthouse_and_terraform_plan_jobs_have_roles() {
    let ui = "name: UI tests\non: pull_request\njobs:\n  tests-ui:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - uses: treosh/lighthouse-ci-action@12.6.2\n        with:\n          \
        configPath: .github/lighthouserc.json\n";
    let plan = "name: Terraform plan\non: pull_request\njobs:\n  terraform-plan:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n      - uses: hashicorp/setup-terraform@v3\n      \
        - run: terraform plan -out=tfplan -lock-timeout=5m\n        working-directory: terraform\n";
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/tests-ui.yml", ui),
        (".github/workflows/terraform-plan.yml", plan),
        ("terraform/main.tf", "terraform {}\n"),
    ]);
    let roles = |path: &str| {
        let pipeline = found
            .inventory
            .pipelines
            .iter()
            .find(|p| p.path == path)
            .unwrap();
        (pipeline.purpose.clone(), pipeline.jobs[0].roles.clone())
    };
    assert_eq!(
        roles(".github/workflows/tests-ui.yml"),
        (vec!["test".to_string()], vec!["test".to_string()])
    );
    assert_eq!(
        roles(".github/workflows/terraform-plan.yml"),
        (vec!["lint".to_string()], vec!["lint".to_string()])
    );
}

/// A troubleshooting guide is operations notes: partial credit for runbooks, not none.
#[test]
fn a_troubleshooting_guide_is_partial_runbook_evidence() {
    let guide = "# Troubleshooting\n\n## App fails to start\n\nCheck the container logs in Log Analytics.\n";
    let found = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("docs/guides/troubleshooting.md", guide),
    ]);
    expect(
        &found,
        "MON-17",
        State::Partial,
        &["generic operations notes"],
    );
    let found = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("docs/guides/install.md", guide),
    ]);
    expect(&found, "MON-17", State::Absent, &[]);
}

/// A pull-request preview named at run time is no staging: with a fixed production deploy
/// beside it, every deploy that reaches users still goes straight to production.
#[test]
fn a_preview_named_at_run_time_does_not_hide_a_direct_production_deploy() {
    let production = "name: Deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    \
        environment: production\n    steps:\n      - run: az containerapp update --name web --image ghcr.io/acme/web:${{ github.sha }}\n";
    let preview = "name: Preview\non: pull_request\njobs:\n  preview:\n    runs-on: ubuntu-latest\n    \
        environment:\n      name: pr-${{ github.event.number }}\n    steps:\n      \
        - run: az containerapp update --name web-pr --image ghcr.io/acme/web:${{ github.sha }}\n";
    let found = assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/deploy.yml", production),
        (".github/workflows/preview.yml", preview),
    ]);
    expect(
        &found,
        "DEP-03",
        State::Absent,
        &["every deploy goes straight to production"],
    );
}

/// Service containers are not the runtime under test, and a patch release is the same runtime
/// version: neither makes a matrix.
#[test]
fn service_images_and_patch_releases_are_not_a_matrix() {
    let job = |name: &str, redis: &str| {
        format!(
            "  {name}:\n    runs-on: ubuntu-latest\n    services:\n      redis:\n        image: {redis}\n    steps:\n      \
             - uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'\n      - run: pytest\n"
        )
    };
    let workflow = format!(
        "on: pull_request\njobs:\n{}{}",
        job("unit", "redis:7"),
        job("integration", "redis:7.2-alpine")
    );
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/ci.yml", &workflow),
    ]);
    expect(&found, "TST-06", State::Partial, &[]);

    let ci = "unit:\n  image: python:3.12\n  script:\n    - pytest tests/unit\n\n\
              integration:\n  image: python:3.12.4-slim\n  script:\n    - pytest tests/integration\n";
    let found = assess_files(&[("app.py", "print('hi')\n"), (".gitlab-ci.yml", ci)]);
    expect(&found, "TST-06", State::Partial, &[]);
}

/// A Cloud Run service's startup probe holds traffic back until it passes: full credit.
#[test]
fn a_startup_probe_holds_traffic_back() {
    let service = "resource \"google_cloud_run_v2_service\" \"api\" {\n  template {\n    containers {\n      \
        startup_probe {\n        http_get {\n          path = \"/readyz\"\n        }\n      }\n    }\n  }\n}\n";
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("infra/main.tf", service)]);
    expect(&found, "DEP-05", State::Present, &[]);
}

/// Calls nested three deep before `release=` still leave the release seen; a newsletter is not
/// a changelog.
#[test]
fn deeper_sentry_calls_and_newsletters() {
    let sentry = "import logging, os\nimport sentry_sdk\n\nsentry_sdk.init(dsn=DSN, integrations=[LoggingIntegration(\
        event_level=getattr(logging, os.getenv(\"SENTRY_LEVEL\", \"ERROR\")))], release=os.environ[\"GIT_SHA\"])\n";
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("app/sentry.py", sentry)]);
    expect(&found, "MON-08", State::Present, &[]);
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        ("NEWSLETTER.md", "# Issue 1\n"),
    ]);
    expect(&found, "AUT-15", State::Absent, &[]);
}

/// A Django project that runs `makemigrations` through a script and fails the job unless
/// Django answers "No changes detected": a model changed without its migration fails the
/// pull request, which is the migration gate.
#[test]
fn makemigrations_checked_by_its_answer_is_a_migration_gate() {
    let check = r#"name: Check migrations
on: [push, pull_request]
jobs:
  check-migrations:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .[dev]
      - name: Run ./bin/makemigrations.sh
        run: |
          if ./bin/makemigrations.sh | grep -q 'No changes detected';
          then
            exit 0;
          else
            exit 1;
          fi
"#;
    let found = assess_files(&[
        ("manage.py", "import django\n"),
        ("app/models.py", "from django.db import models\n"),
        (
            "app/migrations/0001_initial.py",
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n",
        ),
        (
            "bin/makemigrations.sh",
            "#!/usr/bin/env bash\nset -eux\npython manage.py makemigrations\n",
        ),
        (".github/workflows/check-migrations.yml", check),
    ]);
    let gate = practice(&found, "DEP-20");
    assert_eq!(gate.state, State::Present, "{gate:#?}");
    let cited: Vec<(&str, usize)> = gate
        .evidence
        .iter()
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert!(
        cited.contains(&(".github/workflows/check-migrations.yml", 11)),
        "{cited:?}"
    );
}

/// Test scripts kept in the repository's tests folder, or named `test.sh`, run tests: a C
/// library's conformance suite run job by job, a project's `scripts/test.sh`. A setup
/// script named otherwise does not.
#[test]
fn test_scripts_run_by_path_are_tests() {
    let gitlab = "stages: [build, test]\nbuild:\n  stage: build\n  image: debian:12\n  script:\n    \
        - meson setup build\n    - ninja -C build\nconformance:\n  stage: test\n  image: debian:12\n  \
        script:\n    - cd build && ninja\n    - ../tests/conformance.bash -t 1 -c 0 || exit_code=$((exit_code + $?))\n";
    let github = "name: CI\non: pull_request\njobs:\n  unit:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - run: ./scripts/test.sh --fast\n  setup:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/latest.sh\n";
    let found = assess_files(&[
        ("meson.build", "project('codec', 'c')\n"),
        ("src/lib.c", "int f(void) { return 0; }\n"),
        ("tests/conformance.bash", "#!/bin/bash\necho ok\n"),
        ("scripts/test.sh", "#!/bin/sh\necho ok\n"),
        ("scripts/latest.sh", "#!/bin/sh\necho ok\n"),
        (".gitlab-ci.yml", gitlab),
        (".github/workflows/ci.yml", github),
    ]);
    let roles = |path: &str, job: &str| {
        let pipeline = (found.inventory.pipelines.iter())
            .find(|p| p.path == path)
            .unwrap();
        let job = pipeline.jobs.iter().find(|j| j.id == job).unwrap();
        job.roles.clone()
    };
    assert!(roles(".gitlab-ci.yml", "conformance").contains(&"test".to_string()));
    assert!(roles(".github/workflows/ci.yml", "unit").contains(&"test".to_string()));
    assert!(!roles(".github/workflows/ci.yml", "setup").contains(&"test".to_string()));
}

/// An Azure Container Apps environment whose Terraform sends the containers' logs to a Log
/// Analytics workspace ships logs centrally; a workspace alone, with nothing sent to it, is a
/// store without shipping.
#[test]
fn logs_routed_to_log_analytics_in_terraform_are_shipped() {
    let workspace =
        "resource \"azurerm_log_analytics_workspace\" \"main\" {\n  name = \"logs\"\n}\n";
    let environment = "resource \"azurerm_container_app_environment\" \"main\" {\n  name = \"apps\"\n  \
        logs_destination           = \"log-analytics\"\n  log_analytics_workspace_id = var.workspace_id\n}\n";
    let base = [("app.py", "print('hi')\n"), ("Dockerfile", DOCKERFILE)];
    let mut files = base.to_vec();
    files.push(("terraform/monitor.tf", workspace));
    let found = assess_files(&files);
    assert_eq!(practice(&found, "MON-03").state, State::Partial);
    files.push(("terraform/app/environment.tf", environment));
    let found = assess_files(&files);
    let shipped = practice(&found, "MON-03");
    assert_eq!(shipped.state, State::Present, "{shipped:#?}");
    assert_eq!(
        (
            shipped.evidence[0].location.path.as_str(),
            shipped.evidence[0].location.line
        ),
        ("terraform/app/environment.tf", 3)
    );
}

/// A command-line tool released as binaries and a library published to PyPI are deployable
/// (they release through an environment) but run as no service: health checks, rollback,
/// alerting and SLOs do not apply, and neither do their gates. The same release job in a
/// Flask application, a job that runs `kubectl apply`, or code that answers health checks
/// makes it a service.
#[test]
fn packages_and_tools_released_are_not_services() {
    let release = "name: Release\non:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    \
        environment: production\n    permissions:\n      contents: write\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: goreleaser release --clean\n";
    let pypi = "name: Publish\non:\n  release:\n    types: [published]\njobs:\n  upload:\n    runs-on: ubuntu-latest\n    \
        environment: pypi\n    permissions:\n      id-token: write\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: pipx run build\n      - uses: pypa/gh-action-pypi-publish@release/v1\n";
    let tool = assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
        (".github/workflows/release.yml", release),
    ]);
    let library = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"lib\"\nversion = \"1.0\"\ndependencies = [\"requests\"]\n",
        ),
        ("src/lib/__init__.py", "def f():\n    return 1\n"),
        (".github/workflows/publish.yml", pypi),
    ]);
    for (name, found) in [("tool", &tool), ("library", &library)] {
        for id in ["DEP-05", "DEP-09", "MON-08", "MON-10", "MON-12", "TST-10"] {
            assert_eq!(
                practice(found, id).state,
                State::NotApplicable,
                "{name} {id}"
            );
        }
        // Releasing stays assessed.
        assert_ne!(
            practice(found, "DEP-01").state,
            State::NotApplicable,
            "{name}"
        );
        for gate in ["G-09", "G-10", "G-11"] {
            let status = found.gates.iter().find(|g| g.id == gate).unwrap().status;
            assert_eq!(
                status,
                shipready::assessment::model::GateStatus::NotApplicable,
                "{name} {gate}"
            );
        }
    }

    let web = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"web\"\nversion = \"1.0\"\ndependencies = [\"flask\"]\n",
        ),
        ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
        (".github/workflows/publish.yml", pypi),
    ]);
    assert_ne!(practice(&web, "DEP-05").state, State::NotApplicable);
    let kubectl = release.replace("goreleaser release --clean", "kubectl apply -f deploy/");
    let cluster = assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("go.mod", "module example.com/svc\n\ngo 1.22\n"),
        (".github/workflows/release.yml", &kubectl),
    ]);
    assert_ne!(practice(&cluster, "MON-10").state, State::NotApplicable);
    // A Go program on the standard library that answers health checks is a server, released
    // the same way.
    let server = assess_files(&[
        (
            "main.go",
            "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/healthz\", ok)\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
        ),
        ("go.mod", "module example.com/svc\n\ngo 1.22\n"),
        (".github/workflows/release.yml", release),
    ]);
    assert_ne!(practice(&server, "DEP-05").state, State::NotApplicable);
}

/// goreleaser's action asked only to install the tool releases nothing: the release is the
/// later `gh release create`, and the jobs that only build with it are no release jobs.
#[test]
fn an_action_that_only_installs_its_tool_does_not_release() {
    let workflow = "name: Deploy\non:\n  push:\n    tags: ['v*']\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - uses: goreleaser/goreleaser-action@v6\n        with:\n          install-only: true\n      \
        - run: goreleaser build --snapshot --clean\n  release:\n    needs: build\n    runs-on: ubuntu-latest\n    \
        permissions:\n      contents: write\n    steps:\n      - run: gh release create \"$GITHUB_REF_NAME\" dist/*\n";
    let found = assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
        (".github/workflows/deploy.yml", workflow),
    ]);
    let releases = practice(&found, "AUT-14");
    let cited: Vec<usize> = (releases.evidence.iter())
        .filter(|e| e.location.path == ".github/workflows/deploy.yml")
        .map(|e| e.location.line)
        .collect();
    assert!(cited.contains(&20) && !cited.contains(&10), "{releases:#?}");
}

/// A matrix on a job that calls a reusable workflow of tests runs those tests once per value:
/// the called workflow's jobs have no matrix of their own, they get the version as an input.
/// The calling job's role is the called jobs'.
#[test]
fn a_matrix_on_a_job_calling_reusable_tests_is_a_test_matrix() {
    let caller = "name: Tests\non: [push, pull_request]\njobs:\n  tests:\n    uses: ./.github/workflows/.tests.yml\n    \
        with:\n      python-version: ${{ matrix.python-version }}\n    strategy:\n      matrix:\n        \
        python-version: ['3.11', '3.12', '3.13']\n";
    let called = "name: Matrix\non:\n  workflow_call:\n    inputs:\n      python-version:\n        type: string\njobs:\n  \
        pytest:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - uses: actions/setup-python@v5\n        with:\n          python-version: ${{ inputs.python-version }}\n      \
        - run: pytest -q\n";
    let found = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"lib\"\nversion = \"1.0\"\n",
        ),
        ("src/lib/__init__.py", "def f():\n    return 1\n"),
        ("tests/test_lib.py", "def test_f():\n    assert True\n"),
        (".github/workflows/tests.yml", caller),
        (".github/workflows/.tests.yml", called),
    ]);
    let matrix = practice(&found, "TST-06");
    assert_eq!(matrix.state, State::Present, "{matrix:#?}");
    // The calling job does what the called jobs do, and so does its workflow.
    let tests = (found.inventory.pipelines.iter())
        .find(|p| p.path == ".github/workflows/tests.yml")
        .unwrap();
    assert_eq!(tests.purpose, ["test"]);
    assert_eq!(tests.jobs[0].roles, ["test"]);
    assert_eq!(
        (
            matrix.evidence[0].location.path.as_str(),
            matrix.evidence[0].location.line
        ),
        (".github/workflows/tests.yml", 10)
    );
}

/// Integration tests selected by a marker or an option of the suite (`pytest -m
/// integration`, `pytest --integration`) run in CI like a suite kept in its own folder.
#[test]
fn integration_tests_selected_by_marker_or_option_run_in_ci() {
    for command in [
        "poetry run pytest --integration -v",
        "pytest -m integration",
    ] {
        let workflow = format!(
            "name: Tests\non: [push, pull_request]\njobs:\n  integration:\n    runs-on: ubuntu-latest\n    steps:\n      \
             - uses: actions/checkout@v4\n      - run: {command}\n"
        );
        let found = assess_files(&[
            ("src/lib/__init__.py", "def f():\n    return 1\n"),
            (
                "tests/integration/test_git.py",
                "def test_clone():\n    assert True\n",
            ),
            (".github/workflows/tests.yml", &workflow),
        ]);
        let integration = practice(&found, "TST-05");
        assert_eq!(
            integration.state,
            State::Present,
            "{command}: {integration:#?}"
        );
    }
}

/// CodeQL on every pull request reports to code scanning; whether its alerts block a merge is
/// a repository setting. The SAST gate is then unverified, not failed; a scanner the
/// workflow itself lets fail (`|| true`) fails it.
#[test]
fn sast_blocking_only_through_a_repository_setting_is_unverified() {
    use shipready::assessment::model::GateStatus;
    let codeql = "name: CodeQL\non:\n  pull_request:\n  push:\n    branches: [main]\npermissions:\n  contents: read\n  \
        security-events: write\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - uses: github/codeql-action/init@v3\n        with:\n          languages: go\n      \
        - uses: github/codeql-action/analyze@v3\n";
    let bandit = "name: SAST\non: [pull_request, push]\njobs:\n  bandit:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - run: bandit -r src || true\n";
    let gate = |workflow: &str| {
        let found = assess_files(&[
            ("main.go", "package main\n\nfunc main() {}\n"),
            ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
            (".github/workflows/sast.yml", workflow),
        ]);
        let g = found.gates.iter().find(|g| g.id == "G-03").unwrap();
        (g.status, g.reason.clone().unwrap_or_default())
    };
    let (status, reason) = gate(codeql);
    assert_eq!(status, GateStatus::Unverified, "{reason}");
    assert!(reason.contains("repository setting"), "{reason}");
    let (status, reason) = gate(bandit);
    assert_eq!(status, GateStatus::Fail, "{reason}");
}
