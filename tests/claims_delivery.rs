//! Claims about deployments, releases and monitoring that reading real reports showed
//! wrong, each pinned to the corrected value on a small repository built for it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{DOCKERFILE, expect, practice};
use shipready::evidence::State;

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

/// A release trigger written as a block list counts; a goreleaser snapshot, reached through
/// a Makefile and the file it includes, validates the release but does not make one.
#[test]
fn release_triggers_in_block_lists_and_goreleaser_snapshots() {
    let publish = (
        ".github/workflows/publish.yml",
        "on:\n  release:\n    types:\n      - published\njobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build -t app .\n",
    );
    expect(
        &common::assess_files(&[publish]),
        "AUT-14",
        State::Present,
        &[],
    );

    let validate = |target: &str| {
        format!(
            "on: [pull_request]\njobs:\n  validate:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make {target}\n"
        )
    };
    let makefile = (
        "Makefile",
        "all:\n\tgo build ./...\n\ninclude release/release.mk\n",
    );
    let release_mk = (
        "release/release.mk",
        "release:\n\tgoreleaser release --clean --timeout 120m\n\nsnapshot:\n\tgoreleaser release --skip=sign,publish --snapshot --clean\n",
    );
    let snapshot = validate("snapshot");
    let a = common::assess_files(&[
        makefile,
        release_mk,
        (".github/workflows/validate.yml", snapshot.as_str()),
    ]);
    assert_eq!(practice(&a, "AUT-14").state, State::Absent);
    let release = validate("release");
    let a = common::assess_files(&[
        makefile,
        release_mk,
        (".github/workflows/validate.yml", release.as_str()),
    ]);
    expect(&a, "AUT-14", State::Present, &[]);
    let at = &practice(&a, "AUT-14").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), ("release/release.mk", 2));
}

/// A trace id written into the request's log entry is a correlation id, cited where it is set.
#[test]
fn trace_ids_added_to_log_entries() {
    let otel = "package http\n\nfunc LogTraceID(next http.Handler) http.Handler {\n\treturn http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n\t\ttraceID := trace.SpanFromContext(r.Context()).SpanContext().TraceID().String()\n\t\thttplog.LogEntrySetField(r.Context(), \"traceID\", slog.StringValue(traceID))\n\t\tnext.ServeHTTP(w, r)\n\t})\n}\n";
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), ("pkg/http/otel.go", otel)]);
    expect(
        &a,
        "MON-02",
        State::Partial,
        &["adds a trace id to log entries"],
    );
    assert_eq!(practice(&a, "MON-02").evidence[0].location.line, 6);
}

/// A pull-request workflow that deploys a test environment, with a workflow that removes it
/// when the pull request closes, is a preview environment; without the removal it is partial;
/// a Vercel preview needs none; a pull-request docs build is not one.
#[test]
fn preview_environments_from_the_projects_own_workflows() {
    let deploy = (
        ".github/workflows/test-env-deploy.yml",
        "on:\n  pull_request:\n    types: [labeled, synchronize]\njobs:\n  prepare:\n    name: Deploy test environment for labeled pull requests\n    runs-on: ubuntu-latest\n    steps:\n      - run: aws lambda invoke --function-name deploy out.json\n",
    );
    let cleanup = (
        ".github/workflows/test-env-cleanup.yml",
        "on:\n  pull_request:\n    types: [closed, unlabeled]\njobs:\n  cleanup:\n    name: Remove test environment deployment\n    runs-on: ubuntu-latest\n    steps:\n      - run: aws lambda invoke --function-name cleanup out.json\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), deploy, cleanup]);
    expect(&a, "TST-18", State::Present, &[]);
    let cited: Vec<(&str, usize)> = practice(&a, "TST-18")
        .evidence
        .iter()
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert_eq!(cited, [(deploy.0, 5), (cleanup.0, 5)]);

    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), deploy]);
    expect(&a, "TST-18", State::Partial, &["no workflow removes it"]);

    let vercel = (
        ".github/workflows/ci.yml",
        "on: [pull_request]\njobs:\n  vercel-deploy-preview:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npx vercel deploy --token ${{ secrets.VERCEL_TOKEN }}\n",
    );
    expect(
        &common::assess_files(&[("Dockerfile", DOCKERFILE), vercel]),
        "TST-18",
        State::Present,
        &[],
    );
    let docs = (
        ".github/workflows/deploy-docs-test.yml",
        "on: [pull_request]\njobs:\n  build:\n    name: Deploy docs test build\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm run build\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), docs]);
    assert_eq!(practice(&a, "TST-18").state, State::Absent);
}

/// An image tagged with the commit in a pull-request job that never pushes it is no promoted
/// artifact (dispatch's `publish-image-test.yml`); the same tags on a pushed image are.
#[test]
fn sha_tags_on_an_image_that_is_never_pushed_are_only_mentioned() {
    let workflow = |push: &str| {
        format!(
            "on: [pull_request]\njobs:\n  build_image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - id: meta\n        uses: docker/metadata-action@v5\n        with:\n          images: app-test\n          tags: |\n            type=sha,prefix=sha-\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n{push}          tags: ${{{{ steps.meta.outputs.tags }}}}\n"
        )
    };
    let unpushed = workflow("          push: false\n");
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/image-test.yml", &unpushed),
    ]);
    expect(
        &a,
        "AUT-13",
        State::Mentioned,
        &[
            "job build_image builds the image without pushing it (.github/workflows/image-test.yml:16)",
        ],
    );
    let at = &practice(&a, "AUT-13").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        (".github/workflows/image-test.yml", 12)
    );
    // Its metadata step records nothing either.
    expect(
        &a,
        "DEP-12",
        State::Mentioned,
        &["nothing it tags or labels is published"],
    );

    // `push:` left out is `false` for this action.
    let silent = workflow("");
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/image-test.yml", &silent),
    ]);
    expect(
        &a,
        "AUT-13",
        State::Mentioned,
        &["builds the image without pushing it"],
    );

    let pushed = workflow("          push: true\n");
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/image.yml", &pushed),
    ]);
    expect(&a, "AUT-13", State::Partial, &["each environment rebuilds"]);
    assert_eq!(practice(&a, "DEP-12").state, State::Present);

    // A later step that pushes (`docker push`) publishes what the action built and loaded.
    let loaded = format!(
        "{}      - run: docker push app-test:sha-${{{{ github.sha }}}}\n",
        workflow("          load: true\n")
    );
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/image.yml", &loaded),
    ]);
    expect(&a, "AUT-13", State::Partial, &["each environment rebuilds"]);
}

/// A job named `smokeshow` uploads a coverage report (the FastAPI template); it is no smoke
/// test after a deploy. Jobs named `smoke`, `smoke-test` or `smoketests` are.
#[test]
fn smokeshow_is_not_a_smoke_test() {
    let workflow = |job: &str| {
        format!(
            "on:\n  workflow_run:\n    workflows: [Deploy]\n    types: [completed]\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/check.sh\n"
        )
    };
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (".github/workflows/after.yml", &workflow("smokeshow")),
    ]);
    assert!(
        practice(&a, "DEP-11")
            .evidence
            .iter()
            .all(|e| e.location.path != ".github/workflows/after.yml"),
        "{:#?}",
        practice(&a, "DEP-11").evidence
    );
    for job in ["smoke", "smoke-test", "smoketests", "smoke_prod"] {
        let a = common::assess_files(&[
            ("Dockerfile", DOCKERFILE),
            (".github/workflows/after.yml", &workflow(job)),
        ]);
        let at = practice(&a, "DEP-11")
            .evidence
            .iter()
            .find(|e| e.location.path == ".github/workflows/after.yml")
            .map(|e| e.location.line);
        assert_eq!(at, Some(6), "{job}");
    }
}

/// A wrk (or `work`) Lua script that builds requests is a load test nobody is shown to run:
/// mentioned, as dispatch's `tests/performance/signalInstances.lua` is.
#[test]
fn wrk_lua_scripts_are_mentioned_load_tests() {
    let script = "local work = require(\"work\")\nfunction request()\n  return work.format(\"POST\", \"/api\", {}, \"{}\")\nend\n";
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        ("tests/performance/signals.lua", script),
    ]);
    expect(&a, "TST-10", State::Mentioned, &["wrk load-test script"]);
    let at = &practice(&a, "TST-10").evidence[0].location;
    assert_eq!(
        (at.path.as_str(), at.line),
        ("tests/performance/signals.lua", 3)
    );
}

/// A failure step that opens an issue (cosign's nightly conformance run, through
/// actions/github-script or `gh issue create`) notifies people; an `if: failure()` step that
/// only uploads logs does not.
#[test]
fn an_issue_opened_on_failure_is_a_notification() {
    let workflow = |step: &str| {
        format!(
            "on:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  nightly:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n      - name: On failure\n        if: failure()\n{step}"
        )
    };
    for step in [
        "        uses: actions/github-script@v7\n        with:\n          script: |\n            await github.rest.issues.create({ owner, repo, title: 'Nightly failed' });\n",
        "        run: gh issue create --title 'Nightly failed' --body 'cc @org/team'\n",
    ] {
        let a = common::assess_files(&[(".github/workflows/nightly.yml", &workflow(step))]);
        expect(&a, "AUT-22", State::Present, &[]);
        let first = &practice(&a, "AUT-22").evidence[0];
        assert_eq!(first.location.line, 10);
        assert!(
            first.summary.starts_with("a failed run opens an issue"),
            "{}",
            first.summary
        );
    }
    let logs = "        uses: actions/upload-artifact@v4\n        with:\n          name: logs\n          path: logs/\n";
    let a = common::assess_files(&[(".github/workflows/nightly.yml", &workflow(logs))]);
    expect(
        &a,
        "AUT-22",
        State::Partial,
        &["without a notification target"],
    );
}

/// The roles the inventory gives the first job of the pipeline at `path`.
fn roles(a: &shipready::assessment::model::Assessment, path: &str) -> Vec<String> {
    let pipeline = (a.inventory.pipelines.iter())
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no pipeline {path}"));
    pipeline.jobs[0].roles.clone()
}

/// A pull request's preview deployed by one workflow and removed by another when the pull
/// request closes, both through the staging environment's credentials.
const PREVIEW_DEPLOY: &str = "name: Deploy preview\non:\n  pull_request:\n    branches: [main]\nconcurrency:\n  group: ${{ github.workflow }}-${{ github.event.number }}\n  cancel-in-progress: true\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: gke-staging\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          gcloud container clusters get-credentials $CLUSTER --region us-central1\n          skaffold run --namespace=pr${{ github.event.number }}\n";
const PREVIEW_CLEANUP: &str = "name: Clean up preview\non:\n  pull_request_target:\n    types: closed\njobs:\n  cleanup-namespace:\n    runs-on: ubuntu-latest\n    environment: gke-staging\n    steps:\n      - name: Delete PR namespace\n        run: |\n          gcloud container clusters get-credentials $CLUSTER --region us-central1\n          kubectl delete namespace pr${PR_NUMBER} --ignore-not-found\n";

/// A job that only removes what was deployed (a namespace, a Helm release, a Terraform
/// stack) deploys nothing, though it names the environment whose credentials it uses: it has
/// no deploy role, is no staging deploy and its `environment:` records no deployment.
#[test]
fn teardown_jobs_are_not_deploys() {
    let deploy = (".github/workflows/deploy-pr.yml", PREVIEW_DEPLOY);
    let cleanup = (".github/workflows/cleanup.yml", PREVIEW_CLEANUP);
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), deploy, cleanup]);
    assert!(roles(&a, cleanup.0).is_empty());
    assert_eq!(roles(&a, deploy.0), ["deploy:staging"]);
    let cited = |id: &str| -> Vec<(String, usize, State)> {
        (practice(&a, id).evidence.iter())
            .map(|e| (e.location.path.clone(), e.location.line, e.state))
            .collect()
    };
    assert!(
        cited("DEP-01").iter().all(|(path, ..)| path == deploy.0),
        "{:?}",
        cited("DEP-01")
    );
    assert_eq!(cited("DEP-03"), [(deploy.0.to_string(), 9, State::Partial)]);
    assert_eq!(
        cited("DEP-12"),
        [
            (deploy.0.to_string(), 11, State::Present),
            (cleanup.0.to_string(), 8, State::Mentioned)
        ]
    );

    // In one workflow, the deploy job's `environment:` after the teardown job's is cited.
    let both = format!(
        "{PREVIEW_CLEANUP}  deploy:\n    runs-on: ubuntu-latest\n    environment: gke-staging\n    steps:\n      - run: skaffold run\n"
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), (cleanup.0, &both)]);
    let records = &practice(&a, "DEP-12").evidence;
    assert_eq!(
        (records.len(), records[0].location.line, records[0].state),
        (1, 16, State::Present)
    );

    // Deleting the old namespace before applying the new manifests still deploys.
    let replace = PREVIEW_CLEANUP.replace(
        "--ignore-not-found\n",
        "--ignore-not-found\n          kubectl apply -f k8s/ -n pr${PR_NUMBER}\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), (cleanup.0, &replace)]);
    assert_eq!(roles(&a, cleanup.0), ["deploy:staging"]);
    for teardown in [
        "helm uninstall app-pr${PR_NUMBER} --namespace previews",
        "terraform apply -destroy -auto-approve",
        "gcloud run services delete app-pr${PR_NUMBER} --region us-central1 --quiet",
    ] {
        let job = PREVIEW_CLEANUP.replace(
            "kubectl delete namespace pr${PR_NUMBER} --ignore-not-found",
            teardown,
        );
        let a = common::assess_files(&[("Dockerfile", DOCKERFILE), (cleanup.0, &job)]);
        assert!(roles(&a, cleanup.0).is_empty(), "{teardown}");
        expect(&a, "DEP-01", State::Absent, &[]);
    }
}

/// A deploy that names no environment is a production deploy for every practice, as for the
/// production paths: promotion through staging is judged against it. One whose commands
/// deploy to a place named for staging (a cluster its `env:` names) is a staging deploy;
/// registry hosts such as `us-docker.pkg.dev` name no environment.
#[test]
fn unnamed_deploys_are_production_unless_their_target_is_named_otherwise() {
    let staging = (
        ".github/workflows/staging.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy-staging:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - run: flyctl deploy --config fly.staging.toml\n",
    );
    let release = (
        ".github/workflows/release.yml",
        "on:\n  release:\n    types: [published]\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - run: flyctl deploy --config fly.toml --image registry.fly.io/shop:${{ github.ref_name }}\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), staging, release]);
    assert_eq!(
        (a.production_paths.iter())
            .map(|p| (p.pipeline.as_str(), p.environment.as_str()))
            .collect::<Vec<_>>(),
        [(release.0, "production (no environment named)")]
    );
    expect(
        &a,
        "DEP-03",
        State::Partial,
        &["staging deploys on every push and production on a release"],
    );
    let cited: Vec<&str> = (practice(&a, "DEP-03").evidence.iter())
        .map(|e| e.summary.as_str())
        .collect();
    assert_eq!(
        cited[..2],
        [
            "staging deploy: job deploy-staging in .github/workflows/staging.yml",
            "production deploy: job ship in .github/workflows/release.yml"
        ]
    );

    let cluster = (
        ".github/workflows/cluster.yml",
        "on:\n  push:\n    branches: [main]\nenv:\n  REGION: us-central1\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          gcloud container clusters get-credentials $CLUSTER --region $REGION\n          kubectl set image deployment/shop shop=us-docker.pkg.dev/shop/app:${{ github.sha }} 2>/dev/null\n        env:\n          CLUSTER: shop-staging\n",
    );
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), cluster]);
    assert_eq!(a.inventory.pipelines[0].jobs[0].roles, ["deploy:staging"]);
    assert!(a.production_paths.is_empty());
    let production = cluster.1.replace("shop-staging", "shop-prod");
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), (cluster.0, &production)]);
    assert_eq!(
        a.production_paths[0].environment,
        "production (the target it names, `shop-prod`)"
    );
    let gitlab = "stages: [deploy]\n\nship:\n  stage: deploy\n  variables:\n    KUBE_CONTEXT: shop/agents:shop-staging\n  script:\n    - kubectl config use-context \"$KUBE_CONTEXT\"\n    - kubectl apply -f k8s/\n";
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), (".gitlab-ci.yml", gitlab)]);
    assert_eq!(a.inventory.pipelines[0].jobs[0].roles, ["deploy:staging"]);
    let unnamed = cluster.1.replace("shop-staging", "shop");
    let a = common::assess_files(&[("Dockerfile", DOCKERFILE), (cluster.0, &unnamed)]);
    assert_eq!(
        a.production_paths[0].environment,
        "production (no environment named)"
    );
}

/// With no production deploy in the repository, serialised deploys are judged on the deploys
/// it has: a preview deploy whose workflow sets a concurrency group is serialised (and one
/// that cancels the run in flight only in part). The group's own line is cited.
#[test]
fn serialised_deploys_without_production_read_the_deploys_there_are() {
    let deploy = ".github/workflows/deploy-pr.yml";
    let run =
        |workflow: &str| common::assess_files(&[("Dockerfile", DOCKERFILE), (deploy, workflow)]);
    let cited = |a: &shipready::assessment::model::Assessment| -> Vec<(usize, State, String)> {
        (practice(a, "DEP-28").evidence.iter())
            .map(|e| (e.location.line, e.state, e.snippet.clone()))
            .collect()
    };
    let a = run(PREVIEW_DEPLOY);
    assert!(a.production_paths.is_empty());
    expect(
        &a,
        "DEP-28",
        State::Partial,
        &["job deploy in .github/workflows/deploy-pr.yml cancels a deploy in flight"],
    );
    assert_eq!(
        cited(&a)[0],
        (5, State::Partial, "concurrency:".to_string())
    );

    let a = run(&PREVIEW_DEPLOY.replace("  cancel-in-progress: true\n", ""));
    expect(&a, "DEP-28", State::Present, &[]);

    let open = PREVIEW_DEPLOY.replace(
        "concurrency:\n  group: ${{ github.workflow }}-${{ github.event.number }}\n  cancel-in-progress: true\n",
        "",
    );
    let a = run(&open);
    expect(
        &a,
        "DEP-28",
        State::Absent,
        &["job deploy in .github/workflows/deploy-pr.yml deploys without a concurrency group"],
    );

    // Production deploys, one serialised by its own group: only production is judged.
    let production = "on:\n  push:\n    tags: ['v*']\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: production\n    concurrency:\n      group: production\n    steps:\n      - run: flyctl deploy\n  ship-eu:\n    runs-on: ubuntu-latest\n    environment: production-eu\n    steps:\n      - run: flyctl deploy --region fra\n";
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (deploy, &open),
        (".github/workflows/release.yml", production),
    ]);
    expect(
        &a,
        "DEP-28",
        State::Partial,
        &[
            "job ship-eu in .github/workflows/release.yml deploys to production without a concurrency group",
        ],
    );
    assert_eq!(
        cited(&a)[..2],
        [
            (12, State::Absent, "ship-eu:".to_string()),
            (8, State::Present, "concurrency:".to_string())
        ]
    );
}

/// DEP-11: after the deploy step, a step named for a smoke test that can fail the job verifies
/// the deploy; waiting for the rollout to become available is only part of it; a smoke test
/// before the deploy checks nothing deployed.
#[test]
fn checks_after_the_deploy_step_verify_it() {
    let workflow = |after: &str, before: &str| {
        format!(
            "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - uses: actions/checkout@v4\n{before}      - name: Deploy\n        run: kubectl apply -f k8s/\n{after}"
        )
    };
    let wait = "      - name: Wait for pods\n        run: kubectl wait --for=condition=available --timeout=600s deployment/web\n";
    let smoke = "      - name: Smoke Test\n        run: |\n          ERRORS=$(kubectl logs -l app=loadgenerator | grep -c ERROR)\n          if [ \"$ERRORS\" -gt 0 ]; then exit 1; fi\n";
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
    let run = |ci: &str| {
        common::assess_files(&[
            ("Dockerfile", common::DOCKERFILE),
            ("k8s/web.yaml", deployment),
            (".github/workflows/deploy.yml", ci),
        ])
    };

    let waits = run(&workflow(wait, ""));
    expect(
        &waits,
        "DEP-11",
        State::Partial,
        &["nothing checks what it serves"],
    );
    assert_eq!(practice(&waits, "DEP-11").evidence[0].location.line, 14);

    let both = run(&workflow(&format!("{wait}{smoke}"), ""));
    expect(&both, "DEP-11", State::Present, &[]);
    let first = &practice(&both, "DEP-11").evidence[0];
    assert_eq!(first.location.line, 18);
    assert!(
        first
            .summary
            .contains("step `Smoke Test` checks the deploy"),
        "{}",
        first.summary
    );

    let before = run(&workflow("", smoke));
    expect(&before, "DEP-11", State::Absent, &[]);
}

/// TST-18: a deploy into a namespace named for the pull request's number, with a workflow
/// that deletes it when the pull request closes, is a preview environment even when neither
/// job is named for previews.
#[test]
fn namespaces_per_pull_request_are_previews() {
    let deploy = "name: deploy-pr\non:\n  pull_request:\njobs:\n  deployment-tests:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Deploy\n        run: |\n          NAMESPACE=\"pr${PR_NUMBER}\"\n          kubectl create namespace $NAMESPACE\n          skaffold run --namespace=$NAMESPACE\n        env:\n          PR_NUMBER: ${{ github.event.number }}\n";
    let cleanup = "name: cleanup\non:\n  pull_request_target:\n    types: closed\njobs:\n  cleanup-namespace:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Delete namespace\n        run: kubectl delete namespace pr${PR_NUMBER}\n        env:\n          PR_NUMBER: ${{ github.event.number }}\n";
    let a = common::assess_files(&[
        ("Dockerfile", DOCKERFILE),
        (
            "skaffold.yaml",
            "apiVersion: skaffold/v4beta1\nkind: Config\n",
        ),
        (".github/workflows/deploy-pr.yaml", deploy),
        (".github/workflows/cleanup.yaml", cleanup),
    ]);
    expect(&a, "TST-18", State::Present, &[]);
    let cited: Vec<(&str, usize)> = practice(&a, "TST-18")
        .evidence
        .iter()
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert_eq!(
        cited,
        [
            (".github/workflows/deploy-pr.yaml", 5),
            (".github/workflows/cleanup.yaml", 6)
        ]
    );
}
