//! Google Cloud Build configurations read as pipelines: steps become commands (a shell
//! entrypoint's `-c` script line by line, otherwise the image's tool with its arguments),
//! make targets are followed, and the triggers are known to live outside the repository.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{DOCKERFILE, assess_files, expect, practice};
use shipready::evidence::State;

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
