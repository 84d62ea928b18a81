//! Google Cloud Build configurations, in YAML or JSON, read as pipelines: steps become
//! commands (a shell entrypoint's `-c` script line by line, otherwise the image's tool with its
//! arguments), make targets are followed from the step's `dir:`, and `waitFor:` decides what
//! runs before a deploy. Trigger definitions are in `cloudbuild_triggers.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    DOCKERFILE, assess_files, command, expect, pipeline, pipelines, practice, step_commands,
};
use shipready::assessment::model::Assessment;
use shipready::evidence::State;
use shipready::evidence::production::ControlStatus;

/// A service built, tested, pushed and deployed to Cloud Run by one build.
const SERVICE_BUILD: &str = r#"steps:
  - name: gcr.io/cloud-builders/docker
    args: ["build", "-t", "europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA", "."]
  - name: python:3.12-slim
    entrypoint: bash
    args:
      - -c
      - |
        pip install -r requirements.txt
        pytest -q tests
  - name: gcr.io/cloud-builders/docker
    args: ["push", "europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA"]
  - name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim
    id: deploy
    entrypoint: gcloud
    args: ["run", "deploy", "api", "--image", "europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA"]
timeout: 1200s
"#;

#[test]
fn a_cloud_build_service_pipeline_builds_tests_publishes_and_deploys() {
    let a = assess_files(&[
        ("cloudbuild.yaml", SERVICE_BUILD),
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask==3.0.0\n"),
        ("app/main.py", "print('hello')\n"),
        ("tests/test_main.py", "def test_ok():\n    assert True\n"),
    ]);
    assert_eq!(a.inventory.ci_systems, ["Cloud Build"]);
    let pipeline = &a.inventory.pipelines[0];
    assert_eq!(pipeline.triggers, ["Cloud Build trigger"]);
    assert_eq!(
        pipeline.jobs[0].roles,
        ["build", "deploy:production", "publish", "test"]
    );

    // The test command is the script's own line; the deploy is the tool with its arguments.
    let tests = practice(&a, "TST-02");
    assert_eq!(tests.state, State::Partial);
    let cited = &tests.evidence[0];
    assert_eq!(
        (cited.location.line, cited.summary.as_str()),
        (10, "`pytest -q tests` in job build of cloudbuild.yaml")
    );
    expect(
        &a,
        "TST-02",
        State::Partial,
        &["runs on triggers configured outside the repository"],
    );
    let deploy = practice(&a, "DEP-01");
    assert_eq!(deploy.state, State::Present);
    assert!(
        deploy
            .evidence
            .iter()
            .any(|e| e.location.line == 16
                && e.summary.starts_with("`gcloud run deploy api --image ")),
        "{:#?}",
        deploy.evidence
    );
    expect(&a, "AUT-16", State::Present, &[]);
    expect(
        &a,
        "AUT-06",
        State::Partial,
        &["the Cloud Build service account's roles live in Google Cloud IAM"],
    );
}

/// A release build in the style of sigstore/cosign: a shell step runs `make release`, whose
/// recipe runs goreleaser, configured to write SBOMs.
#[test]
fn goreleaser_sboms_count_when_a_cloud_build_release_runs_goreleaser() {
    let release = "steps:\n  - name: ghcr.io/gythialy/golang-cross:v1.26.4-0\n    entrypoint: /bin/sh\n    dir: go/src/example\n    secretEnv: [GITHUB_TOKEN]\n    args:\n      - '-c'\n      - |\n        gcloud auth configure-docker \\\n        && make release\n";
    let files = [
        ("release/cloudbuild.yaml", release),
        (
            "Makefile",
            "release:\n\tgoreleaser release --clean --timeout 60m\n",
        ),
        (
            ".goreleaser.yml",
            "project_name: example\nbuilds:\n  - main: ./cmd/example\nsboms:\n  - artifacts: archive\n",
        ),
        ("go.mod", "module example.com/example\n\ngo 1.22\n"),
        ("cmd/example/main.go", "package main\n\nfunc main() {}\n"),
    ];
    let a = assess_files(&files);
    let sbom = practice(&a, "SEC-11");
    assert_eq!(sbom.state, State::Present, "{:#?}", sbom);
    let places: Vec<(&str, usize)> = sbom
        .evidence
        .iter()
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert_eq!(places, [("Makefile", 2), (".goreleaser.yml", 4)]);
    expect(&a, "AUT-14", State::Present, &[]);

    // Without a pipeline that runs the release, the configuration alone is Partial.
    let a = assess_files(&files[1..]);
    expect(
        &a,
        "SEC-11",
        State::Partial,
        &["full credit needs a pipeline in the repository that runs the release"],
    );
    // A snapshot build publishes nothing.
    let snapshot = release.replace("make release", "goreleaser release --snapshot");
    let mut files = files;
    files[0].1 = &snapshot;
    expect(&assess_files(&files), "SEC-11", State::Partial, &[]);
}

#[test]
fn a_cloud_build_file_without_steps_is_reported_unparsed() {
    let a = assess_files(&[("cloudbuild.yaml", "timeout: 600s\nimages: [x]\n")]);
    let unparsed = &a.inventory.unparsed;
    assert_eq!(unparsed.len(), 1, "{unparsed:?}");
    assert_eq!(unparsed[0].path, "cloudbuild.yaml");
    assert_eq!(
        unparsed[0].reason,
        "a Cloud Build file must have a list of `steps:`"
    );
}

/// A release that skips the SBOM (or publishing) produces none: the configuration stays
/// Partial. Skipping signing leaves the SBOM.
#[test]
fn goreleaser_runs_that_skip_the_sbom_do_not_count() {
    let workflow = |args: &str| {
        format!(
            "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: goreleaser/goreleaser-action@v6\n        with:\n          args: {args}\n"
        )
    };
    let config = ".goreleaser.yml";
    let sboms = "project_name: example\nsboms:\n  - artifacts: archive\n";
    let state = |args: &str| {
        let text = workflow(args);
        let a = assess_files(&[(".github/workflows/release.yml", &text), (config, sboms)]);
        practice(&a, "SEC-11").state
    };
    assert_eq!(state("release --clean"), State::Present);
    assert_eq!(state("release --clean --skip-sign"), State::Present);
    assert_eq!(state("release --clean --skip=sign,sbom"), State::Partial);
    assert_eq!(state("release --clean --skip publish"), State::Partial);
}

/// Shell options before `-c` (`-eEuo pipefail`, `-e -x`, `-eu`) leave the script a script,
/// with `bash`, `sh` or `/bin/bash` as the entrypoint.
#[test]
fn shell_options_before_the_script_leave_it_a_script() {
    let build = r#"steps:
  - name: python:3.12-slim
    id: unit-tests
    entrypoint: bash
    args:
      - -eEuo
      - pipefail
      - -c
      - |
        pip install -r requirements.txt
        pytest --cov=app --cov-fail-under=80 tests
  - name: node:22
    id: lint
    entrypoint: /bin/bash
    args: ['-e', '-o', 'pipefail', '-x', '-c', 'npm ci && npm run lint']
  - name: alpine:3.20
    entrypoint: sh
    args: ["-eu", "-c", "apk add --no-cache curl\ncurl -fsS https://example.com/health"]
"#;
    let files = [
        ("cloudbuild.yaml", build),
        ("requirements.txt", "flask==3.0.0\n"),
        ("tests/test_app.py", "def test_ok():\n    assert True\n"),
    ];
    let found = pipelines(&files);
    assert_eq!(
        step_commands(pipeline(&found, "cloudbuild.yaml")),
        [
            vec![
                command("pip install -r requirements.txt", "cloudbuild.yaml", 10),
                command(
                    "pytest --cov=app --cov-fail-under=80 tests",
                    "cloudbuild.yaml",
                    11
                ),
            ],
            vec![command("npm ci && npm run lint", "cloudbuild.yaml", 15)],
            vec![
                command("apk add --no-cache curl", "cloudbuild.yaml", 18),
                command(
                    "curl -fsS https://example.com/health",
                    "cloudbuild.yaml",
                    18
                ),
            ],
        ]
    );
    let a = assess_files(&files);
    let cited = &practice(&a, "TST-02").evidence[0];
    assert_eq!(
        (cited.location.line, cited.summary.as_str()),
        (
            11,
            "`pytest --cov=app --cov-fail-under=80 tests` in job build of cloudbuild.yaml"
        )
    );
}

/// `dir:` written as `./backend`, `frontend/` or `/workspace/docs` names the repository
/// folder, so `make` there reads that folder's Makefile.
#[test]
fn step_folders_are_read_however_they_are_written() {
    let build = "steps:\n  - name: python:3.12\n    dir: ./backend\n    entrypoint: make\n    args: [test]\n  - name: node:22\n    dir: frontend/\n    entrypoint: bash\n    args: ['-c', 'make test']\n  - name: python:3.12\n    dir: /workspace/docs\n    entrypoint: make\n    args: [html]\n  - name: gcr.io/cloud-builders/go\n    dir: /go/src/example\n    args: [build, ./...]\n";
    let files = [
        ("cloudbuild.yaml", build),
        ("backend/Makefile", "test:\n\tpytest --cov=backend\n"),
        ("frontend/Makefile", "test:\n\tnpx vitest run --coverage\n"),
        (
            "docs/Makefile",
            "html:\n\tsphinx-build -W -b html . _build\n",
        ),
    ];
    let found = pipelines(&files);
    let steps = &pipeline(&found, "cloudbuild.yaml").jobs[0].steps;
    let folders: Vec<Option<&str>> = (steps.iter())
        .map(|s| s.working_directory.as_deref())
        .collect();
    assert_eq!(
        folders,
        [Some("backend"), Some("frontend"), Some("docs"), None]
    );
    assert_eq!(
        step_commands(pipeline(&found, "cloudbuild.yaml"))[..3],
        [
            vec![
                command("make test", "cloudbuild.yaml", 5),
                command("pytest --cov=backend", "backend/Makefile", 2),
            ],
            vec![
                command("make test", "cloudbuild.yaml", 9),
                command("npx vitest run --coverage", "frontend/Makefile", 2),
            ],
            vec![
                command("make html", "cloudbuild.yaml", 13),
                command("sphinx-build -W -b html . _build", "docs/Makefile", 2),
            ],
        ]
    );
}

/// Cloud Build takes JSON too: `cloudbuild.json`, indented with tabs, reads as the YAML file
/// would, each command cited on its own line.
#[test]
fn a_json_build_file_is_read_with_its_lines() {
    let build = "{\n\t\"steps\": [\n\t\t{\n\t\t\t\"name\": \"python:3.12-slim\",\n\t\t\t\"entrypoint\":\t\"bash\",\n\t\t\t\"args\": [\"-c\", \"pip install -r requirements.txt\\npytest -q tests\"]\n\t\t},\n\t\t{\n\t\t\t\"name\": \"gcr.io/google.com/cloudsdktool/cloud-sdk:slim\",\n\t\t\t\"entrypoint\": \"gcloud\",\n\t\t\t\"args\": [\n\t\t\t\t\"run\", \"deploy\", \"api\",\n\t\t\t\t\"--image\", \"europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA\"\n\t\t\t]\n\t\t}\n\t],\n\t\"timeout\": \"1200s\"\n}\n";
    let a = assess_files(&[
        ("cloudbuild-deploy.json", build),
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask==3.0.0\n"),
        ("tests/test_main.py", "def test_ok():\n    assert True\n"),
    ]);
    assert_eq!(a.inventory.ci_systems, ["Cloud Build"]);
    assert!(
        a.inventory.unparsed.is_empty(),
        "{:?}",
        a.inventory.unparsed
    );
    let tests = &practice(&a, "TST-02").evidence[0];
    assert_eq!(
        (
            tests.location.line,
            tests.location.column,
            tests.summary.as_str()
        ),
        (
            6,
            53,
            "`pytest -q tests` in job build of cloudbuild-deploy.json"
        )
    );
    let deploy = practice(&a, "DEP-01");
    assert!(
        deploy
            .evidence
            .iter()
            .any(|e| e.location.line == 11 && e.summary.starts_with("`gcloud run deploy api")),
        "{:#?}",
        deploy.evidence
    );
    assert_eq!(a.inventory.pipelines[0].jobs[0].location.line, 2);
}

/// A build whose deploy waits only for the image (`waitFor:`), while the tests start at once
/// beside it (`waitFor: ['-']`): the tests are not in front of the deploy. Waiting for them
/// puts them there again.
#[test]
fn steps_that_do_not_wait_for_the_tests_are_not_gated_by_them() {
    let build = "steps:\n  - name: gcr.io/cloud-builders/docker\n    id: image\n    args: [build, -t, europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA, .]\n  - name: python:3.12-slim\n    id: unit-tests\n    waitFor: ['-']\n    entrypoint: bash\n    args: ['-c', 'pip install -r requirements.txt && pytest -q tests']\n  - name: gcr.io/cloud-builders/docker\n    id: push\n    waitFor: [image]\n    args: [push, europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA]\n  - name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim\n    id: deploy\n    waitFor: [push]\n    entrypoint: gcloud\n    args: [run, deploy, api, --image, europe-docker.pkg.dev/$PROJECT_ID/app/api:$SHORT_SHA]\n  - name: curlimages/curl\n    id: smoke\n    waitFor: ['-']\n    args: ['-fsS', 'https://api.example.com/healthz']\n";
    let repository = |build: &str| {
        assess_files(&[
            ("cloudbuild.yaml", build),
            ("Dockerfile", DOCKERFILE),
            ("requirements.txt", "flask==3.0.0\n"),
            ("tests/test_main.py", "def test_ok():\n    assert True\n"),
        ])
    };
    let control = |a: &Assessment, name: &str| {
        let path = &a.production_paths[0];
        let found = path.controls.iter().find(|c| c.control == name).unwrap();
        (found.status, found.location.as_ref().map(|l| l.line))
    };

    let a = repository(build);
    assert_eq!(a.production_paths.len(), 1, "{:#?}", a.production_paths);
    assert_eq!(control(&a, "tests"), (ControlStatus::Missing, None));
    assert_eq!(control(&a, "health check").0, ControlStatus::Missing);

    let gated = build
        .replace("waitFor: [push]", "waitFor: [push, unit-tests]")
        .replace(
            "id: smoke\n    waitFor: ['-']",
            "id: smoke\n    waitFor: [deploy]",
        );
    let a = repository(&gated);
    assert_eq!(control(&a, "tests"), (ControlStatus::Present, Some(9)));
    assert_eq!(
        control(&a, "health check"),
        (ControlStatus::Present, Some(22))
    );
}

/// `goreleaser release` in a pipeline that runs only for pull requests publishes nothing, so
/// the SBOMs and signatures goreleaser is configured to make are not produced; on a tag, a
/// release, by hand or from a Cloud Build trigger outside the repository they are.
#[test]
fn goreleaser_releases_count_only_where_the_pipeline_can_publish() {
    let workflow = |on: &str| {
        format!(
            "on:\n{on}\njobs:\n  goreleaser:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: goreleaser/goreleaser-action@v6\n        with:\n          args: release --clean\n"
        )
    };
    let config = (
        ".goreleaser.yml",
        "project_name: example\nsboms:\n  - artifacts: archive\nsigns:\n  - artifacts: checksum\n",
    );
    let states = |on: &str| {
        let text = workflow(on);
        let a = assess_files(&[(".github/workflows/release.yml", &text), config]);
        (practice(&a, "SEC-11").state, practice(&a, "SEC-23").state)
    };
    let partial = (State::Partial, State::Partial);
    let present = (State::Present, State::Present);
    assert_eq!(states("  pull_request:\n    branches: [main]"), partial);
    assert_eq!(states("  pull_request_target:\n  merge_group:"), partial);
    assert_eq!(states("  push:\n    tags: ['v*']"), present);
    assert_eq!(states("  release:\n    types: [published]"), present);
    assert_eq!(states("  workflow_dispatch:"), present);

    // The same release run through Cloud Build: a pull-request trigger publishes nothing.
    let build = "steps:\n  - name: goreleaser/goreleaser-cross:v1.22\n    entrypoint: /bin/bash\n    secretEnv: [GITHUB_TOKEN]\n    args: ['-eEuo', 'pipefail', '-c', 'make release']\n";
    let makefile = "release:\n\tgoreleaser release --clean\n";
    let repository = |trigger: Option<&str>| {
        let mut files = vec![
            ("release/cloudbuild.yaml", build),
            ("Makefile", makefile),
            config,
        ];
        files.extend(trigger.map(|t| ("release/cloudbuild-trigger.yaml", t)));
        let a = assess_files(&files);
        (practice(&a, "SEC-11").state, practice(&a, "SEC-23").state)
    };
    assert_eq!(repository(None), present);
    let on_pull_requests = "name: release-check\ngithub:\n  owner: example\n  name: tool\n  pullRequest:\n    branch: ^main$\nfilename: release/cloudbuild.yaml\n";
    assert_eq!(repository(Some(on_pull_requests)), partial);
    let on_tags =
        on_pull_requests.replace("pullRequest:\n    branch: ^main$", "push:\n    tag: ^v.*$");
    assert_eq!(repository(Some(&on_tags)), present);
}

/// One shared Makefile run from two service folders (`make -f ../build/service.mk`) includes
/// each folder's own `common.mk`: each step runs its own service's recipes.
#[test]
fn a_shared_makefile_run_from_two_folders_reads_each_folders_include() {
    let build = "steps:\n  - name: golang:1.23\n    id: api\n    dir: api\n    entrypoint: bash\n    args: ['-c', 'make -f ../build/service.mk ci']\n  - name: python:3.12\n    id: worker\n    dir: worker\n    entrypoint: bash\n    args: ['-c', 'make -f ../build/service.mk ci']\n";
    let shared = "# Targets every service shares; each service's common.mk defines its checks.\ninclude common.mk\n\n.PHONY: ci\nci: lint unit\n";
    let found = pipelines(&[
        ("cloudbuild.yaml", build),
        ("build/service.mk", shared),
        (
            "api/common.mk",
            "lint:\n\tgolangci-lint run ./...\nunit:\n\tgo test -race ./...\n",
        ),
        (
            "worker/common.mk",
            "lint:\n\truff check .\nunit:\n\tpytest --cov=worker --cov-fail-under=85\n",
        ),
    ]);
    let steps = step_commands(pipeline(&found, "cloudbuild.yaml"));
    assert_eq!(
        steps[0][1..],
        [
            command("golangci-lint run ./...", "api/common.mk", 2),
            command("go test -race ./...", "api/common.mk", 4),
        ]
    );
    assert_eq!(
        steps[1][1..],
        [
            command("ruff check .", "worker/common.mk", 2),
            command(
                "pytest --cov=worker --cov-fail-under=85",
                "worker/common.mk",
                4
            ),
        ]
    );
}

/// A build that deploys to the GKE cluster its substitutions name, run by hand as its
/// comments show.
const CLUSTER_BUILD: &str = r#"# This configuration file is used to build and deploy the app into a
# GKE cluster using Google Cloud Build.
#
# Example invocation:
# `gcloud builds submit --config=cloudbuild.yaml --substitutions=_ZONE=us-central1-b,_CLUSTER=demo-app-staging .`

steps:
- id: 'Deploy application to cluster'
  name: 'gcr.io/k8s-skaffold/skaffold:v2.16.1'
  entrypoint: 'bash'
  args:
  - '-c'
  - >
    gcloud container clusters get-credentials --zone=$_ZONE $_CLUSTER;
    skaffold run -f=skaffold.yaml --default-repo=gcr.io/$PROJECT_ID;
timeout: '3600s'
"#;

/// A deploy that names no environment is production, unless the place it deploys to is
/// named for another: the cluster a build's substitutions give (from its `substitutions:`,
/// its triggers', or the `gcloud builds submit` its comments show) decides, and then the
/// production paths, the approval and the promotion through staging agree.
#[test]
fn a_build_deploying_to_the_cluster_its_substitutions_name_serves_that_environment() {
    let repository = |files: &[(&str, &str)]| {
        let mut all = vec![
            ("Dockerfile", DOCKERFILE),
            (
                "skaffold.yaml",
                "apiVersion: skaffold/v4beta6\nkind: Config\n",
            ),
        ];
        all.extend_from_slice(files);
        assess_files(&all)
    };
    let a = repository(&[("cloudbuild.yaml", CLUSTER_BUILD)]);
    assert_eq!(a.inventory.pipelines[0].jobs[0].roles, ["deploy:staging"]);
    assert_eq!(a.inventory.pipelines[0].purpose, ["deploy-staging"]);
    assert!(a.production_paths.is_empty(), "{:#?}", a.production_paths);
    expect(&a, "DEP-04", State::Absent, &["no production deploy job"]);
    expect(
        &a,
        "DEP-03",
        State::Partial,
        &["no production deploy is in the repository"],
    );
    let deploy = &practice(&a, "DEP-01").evidence[0];
    assert_eq!(
        deploy.summary,
        "job build in cloudbuild.yaml deploys to staging (the target it names, `demo-app-staging`)"
    );

    // The build's own default names production: production wins over the staging example.
    let production = CLUSTER_BUILD.replace(
        "timeout: '3600s'\n",
        "timeout: '3600s'\nsubstitutions:\n  _CLUSTER: shop-prod\n",
    );
    let a = repository(&[("cloudbuild.yaml", &production)]);
    assert_eq!(a.production_paths.len(), 1);
    assert_eq!(
        a.production_paths[0].environment,
        "production (the target it names, `shop-prod`)"
    );

    // Nothing names the cluster: a deploy that names no environment is production.
    let unnamed = CLUSTER_BUILD.replace("_CLUSTER=demo-app-staging", "_CLUSTER=$CLUSTER");
    let a = repository(&[("cloudbuild.yaml", &unnamed)]);
    assert_eq!(
        a.production_paths[0].environment,
        "production (no environment named)"
    );
    expect(
        &a,
        "DEP-03",
        State::Absent,
        &["every deploy goes straight to production"],
    );

    // An example for another build file says nothing of this one's cluster.
    let other = CLUSTER_BUILD.replace("--config=cloudbuild.yaml", "--config=cloudbuild-ci.yaml");
    let a = repository(&[("cloudbuild.yaml", &other)]);
    assert_eq!(a.production_paths.len(), 1);

    // The substitutions of the trigger that starts the build count as its own.
    let trigger = "name: deploy-shop\ngithub:\n  owner: example\n  name: shop\n  push:\n    branch: ^main$\nfilename: cloudbuild.yaml\nsubstitutions:\n  _ZONE: us-central1-b\n  _CLUSTER: shop-staging\n";
    let a = repository(&[
        ("cloudbuild.yaml", &unnamed),
        ("build/triggers/cloudbuild-deploy.yaml", trigger),
    ]);
    let build = a
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == "cloudbuild.yaml")
        .unwrap();
    assert_eq!(build.jobs[0].roles, ["deploy:staging"]);
    assert!(a.production_paths.is_empty());
}
