//! Report claims on layouts that real repositories use and that a narrower reading got
//! wrong: Sentry's documented Django set-up, keys stored on one line, a job guarded to pull
//! request events, health checks on the database rather than the application, and
//! Kubernetes manifests kept as templates (`web.yaml.erb`).

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

    // A search engine's dashboard is a tool beside the application too.
    let dashboards = String::from(
        "services:\n  dashboards:\n    image: opensearchproject/opensearch-dashboards:2.13.0\n    \
         healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:5601/api/status\"]\n  \
         web:\n    build: .\n",
    );
    let found = assess_files(&[("Dockerfile", DOCKERFILE), ("compose.yml", &dashboards)]);
    expect(
        &found,
        "DEP-05",
        State::Absent,
        &[
            "only health checks are on backing services (opensearchproject/opensearch-dashboards:2.13.0 at compose.yml:4)",
        ],
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

/// Kubernetes manifests rendered from ERB templates at deploy time (krane's
/// `config/deploy/web.yaml.erb`) are read as the YAML they render: the repository runs on
/// Kubernetes, and the probes are cited in the template.
#[test]
fn manifests_kept_as_templates_are_read_as_the_yaml_they_render() {
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  <% if environment == 'staging' %>\n  replicas: 3\n  <% end %>\n  \
        template:\n    spec:\n      containers:\n      - name: puma\n        image: registry.example.org/app:<%= current_sha %>\n        \
        readinessProbe:\n          httpGet:\n            path: /internal/ping\n            port: 3000\n";
    let files = |name: &str| {
        assess_files(&[
            (
                "Gemfile",
                "source \"https://rubygems.org\"\n\ngem \"rails\"\ngem \"puma\"\n",
            ),
            (
                "config/routes.rb",
                "Rails.application.routes.draw do\nend\n",
            ),
            (name, web),
        ])
    };
    let templated = files("config/deploy/web.yaml.erb");
    assert!(
        templated
            .inventory
            .traits
            .contains(&"kubernetes".to_string())
    );
    expect(&templated, "DEP-05", State::Present, &[]);
    let cited: Vec<(String, usize)> = (practice(&templated, "DEP-05").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert_eq!(cited, [("config/deploy/web.yaml.erb".to_string(), 14)]);

    // An HTML view template is not configuration.
    let view = files("app/views/deploy/web.html.erb");
    assert!(!view.inventory.traits.contains(&"kubernetes".to_string()));
}
