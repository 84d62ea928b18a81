//! GitLab CI as projects write it: script lists shared through anchors and `!reference`,
//! style checks written in the pipeline, and every job in the report's table of roles.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    MESON_PROJECT, assess_files, command, expect, pipeline, pipelines, practice, step_commands,
};
use shipready::assessment::model::GateStatus;
use shipready::evidence::State;
use shipready::pipeline::Pipeline;

/// A C project's pipeline in the manner of dav1d: the test commands are an anchored list that
/// the job's `script:` aliases, so GitLab runs them in the job.
const ANCHORED_TEST_PIPELINE: &str = r#"stages:
  - test

workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH

.test-script: &test-script
  - meson setup build --buildtype release -Dtestdata_tests=true
  - cd build && time meson test -v

test-debian:
  image: registry.videolan.org/dav1d-debian-unstable:20250207200301
  stage: test
  script:
    - *test-script
    - echo "tests passed"
"#;

fn with_project<'a>(files: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = MESON_PROJECT.to_vec();
    all.extend_from_slice(files);
    all
}

#[test]
fn tests_run_through_an_anchored_script_list_are_seen() {
    let files = with_project(&[(".gitlab-ci.yml", ANCHORED_TEST_PIPELINE)]);

    // The aliased list's commands run first, each where it is written.
    let model = pipelines(&files);
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        step_commands(gitlab),
        [vec![
            command(
                "meson setup build --buildtype release -Dtestdata_tests=true",
                ".gitlab-ci.yml",
                10,
            ),
            command("cd build && time meson test -v", ".gitlab-ci.yml", 11),
            command("echo \"tests passed\"", ".gitlab-ci.yml", 18),
        ]]
    );

    let a = assess_files(&files);
    let job = &a.inventory.pipelines[0].jobs[0];
    assert_eq!(job.roles, ["test"]);
    expect(&a, "AUT-01", State::Present, &[]);
    expect(&a, "TST-02", State::Present, &[]);
    assert_eq!(practice(&a, "TST-02").evidence[0].location.line, 11);
    let g01 = a.gates.iter().find(|g| g.id == "G-01").unwrap();
    assert_eq!(g01.status, GateStatus::Pass, "{g01:#?}");
}

#[test]
fn a_reference_to_a_script_in_an_included_file_runs_its_commands_there() {
    let files = with_project(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/templates.yml\n\ntest-release:\n  stage: test\n  script:\n    - meson setup build\n    - !reference [.meson-test, script]\n",
        ),
        (
            "ci/templates.yml",
            ".meson-test:\n  script:\n    - meson test -C build --print-errorlogs\n",
        ),
    ]);
    let model = pipelines(&files);
    assert_eq!(
        step_commands(pipeline(&model, ".gitlab-ci.yml")),
        [vec![
            command("meson setup build", ".gitlab-ci.yml", 7),
            command(
                "meson test -C build --print-errorlogs",
                "ci/templates.yml",
                3
            ),
        ]]
    );
    let a = assess_files(&files);
    assert_eq!(a.inventory.pipelines[0].jobs[0].roles, ["test"]);
}

/// dav1d's style stage: checks written in the pipeline that fail the build on trailing
/// whitespace, and a comparison of a vendored file with its upstream, which is not linting.
const STYLE_STAGE: &str = r#"stages:
  - style
  - build

.debian-common:
  image: registry.videolan.org/dav1d-debian-unstable:20250207200301
  tags:
    - docker

style-check:
  extends: .debian-common
  stage: style
  script:
    - git grep -I -n -P "\t|\r| $" -- . ':(exclude)*/compat/*' && echo "Trailing whitespace" && exit 1
    - git diff --check HEAD^

x86inc-check:
  extends: .debian-common
  stage: style
  script:
    - git remote add x86inc https://code.videolan.org/videolan/x86inc.asm.git
    - git fetch -q x86inc master
    - git diff --exit-code x86inc/master:x86inc.asm src/ext/x86/x86inc.asm
  allow_failure: true

build-debian:
  extends: .debian-common
  stage: build
  script:
    - meson setup build --buildtype release
    - ninja -C build
"#;

#[test]
fn style_checks_that_fail_the_build_are_lint() {
    let a = assess_files(&with_project(&[(".gitlab-ci.yml", STYLE_STAGE)]));
    let jobs = &a.inventory.pipelines[0].jobs;
    let roles = |id: &str| &jobs.iter().find(|j| j.id == id).unwrap().roles;
    assert_eq!(roles("style-check"), &["lint"]);
    assert!(roles("x86inc-check").is_empty());
    assert_eq!(roles("build-debian"), &["build"]);
    expect(&a, "AUT-08", State::Present, &[]);
    let lines: Vec<usize> = (practice(&a, "AUT-08").evidence.iter())
        .map(|e| e.location.line)
        .collect();
    assert_eq!(lines, [14, 15]);
}

#[test]
fn every_job_is_in_the_table_of_roles_including_those_without_one() {
    let a = assess_files(&with_project(&[(".gitlab-ci.yml", STYLE_STAGE)]));
    let markdown = shipready::report::markdown::render(&a);
    let table = markdown
        .split("### Jobs and their roles")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").nth(2))
        .expect("a table of roles");
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(
        rows,
        [
            "| `.gitlab-ci.yml:10:1` style-check | lint |  |",
            "| `.gitlab-ci.yml:17:1` x86inc-check | — |  |",
            "| `.gitlab-ci.yml:26:1` build-debian | build |  |",
        ]
    );
    assert!(markdown.contains("| `.gitlab-ci.yml` | .gitlab-ci.yml |"));
    assert!(markdown.contains("a dash means none of its steps was recognised"));
}

/// A service's pipeline in the common shape: `default:` logs in to the registry and names the
/// image every job runs in; one template brings its own image and setup; some jobs opt out.
const DEFAULTS_PIPELINE: &str = r#"stages:
  - build
  - test
  - deploy

default:
  image: docker:27.3
  services:
    - docker:27.3-dind
  before_script:
    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"
  timeout: 30m

.python:
  image: python:3.12-slim@sha256:4f0cfb0ae1bbd9f7c7e1a0d2b6f2c3f1e5d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1
  before_script:
    - pip install -r requirements.txt

build-image:
  stage: build
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" .
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"

unit-tests:
  extends: .python
  stage: test
  script:
    - pytest -q

lint:
  stage: test
  image: python:3.12-slim@sha256:4f0cfb0ae1bbd9f7c7e1a0d2b6f2c3f1e5d5a4b3c2d1e0f9a8b7c6d5e4f3a2b1
  before_script:
    - pip install ruff
  script:
    - ruff check .

changelog:
  stage: test
  inherit:
    default: false
  script:
    - ./scripts/check-changelog.sh

deploy-production:
  stage: deploy
  inherit:
    default: [image, services]
  environment: production
  script:
    - docker pull "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
    - ./scripts/deploy.sh production

downstream:
  stage: deploy
  trigger:
    project: group/deployments
"#;

/// Each command of the job `id`, step after step, as (text, file, line).
fn job_commands(pipeline: &Pipeline, id: &str) -> Vec<(String, String, usize)> {
    let job = pipeline.jobs.iter().find(|j| j.id == id).unwrap();
    (job.steps.iter())
        .flat_map(|s| &s.commands)
        .map(|c| (c.text.clone(), c.location.path.clone(), c.location.line))
        .collect()
}

/// The job's images, its own first and then its services, as (name, file, line).
fn job_images(pipeline: &Pipeline, id: &str) -> Vec<(String, String, usize)> {
    let job = pipeline.jobs.iter().find(|j| j.id == id).unwrap();
    (job.images.iter())
        .map(|(image, at)| (image.clone(), at.path.clone(), at.line))
        .collect()
}

const LOGIN: &str =
    r#"docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY""#;

#[test]
fn a_default_before_script_runs_in_each_job_that_sets_none_cited_where_it_is_written() {
    let model = pipelines(&with_project(&[(".gitlab-ci.yml", DEFAULTS_PIPELINE)]));
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        job_commands(gitlab, "build-image"),
        [
            command(LOGIN, ".gitlab-ci.yml", 11),
            command(
                "docker build -t \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\" .",
                ".gitlab-ci.yml",
                22
            ),
            command(
                "docker push \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"",
                ".gitlab-ci.yml",
                23
            ),
        ]
    );
    assert_eq!(
        job_images(gitlab, "build-image"),
        [
            command("docker:27.3", ".gitlab-ci.yml", 7),
            command("docker:27.3-dind", ".gitlab-ci.yml", 9),
        ]
    );
    let build = gitlab.jobs.iter().find(|j| j.id == "build-image").unwrap();
    assert_eq!(build.service_images, ["docker:27.3-dind"]);
    assert!(build.has_timeout);
}

#[test]
fn a_job_own_before_script_and_image_replace_the_defaults() {
    let model = pipelines(&with_project(&[(".gitlab-ci.yml", DEFAULTS_PIPELINE)]));
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        job_commands(gitlab, "lint"),
        [
            command("pip install ruff", ".gitlab-ci.yml", 35),
            command("ruff check .", ".gitlab-ci.yml", 37),
        ]
    );
    // The job's own image; the default's services still apply, as it sets none.
    let images: Vec<String> = (job_images(gitlab, "lint").into_iter())
        .map(|(image, ..)| image)
        .collect();
    assert!(
        images[0].starts_with("python:3.12-slim@sha256:"),
        "{images:?}"
    );
    assert_eq!(images[1], "docker:27.3-dind");
}

#[test]
fn keys_a_job_extends_from_a_template_beat_the_defaults() {
    let model = pipelines(&with_project(&[(".gitlab-ci.yml", DEFAULTS_PIPELINE)]));
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        job_commands(gitlab, "unit-tests"),
        [
            command("pip install -r requirements.txt", ".gitlab-ci.yml", 17),
            command("pytest -q", ".gitlab-ci.yml", 29),
        ]
    );
    let images = job_images(gitlab, "unit-tests");
    assert_eq!((images[0].1.as_str(), images[0].2), (".gitlab-ci.yml", 15));
    assert!(images[0].0.starts_with("python:3.12-slim@sha256:"));
}

#[test]
fn inherit_default_false_takes_no_defaults_and_a_list_takes_only_those_named() {
    let model = pipelines(&with_project(&[(".gitlab-ci.yml", DEFAULTS_PIPELINE)]));
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        job_commands(gitlab, "changelog"),
        [command(
            "./scripts/check-changelog.sh",
            ".gitlab-ci.yml",
            44
        )]
    );
    assert_eq!(job_images(gitlab, "changelog"), []);
    let changelog = gitlab.jobs.iter().find(|j| j.id == "changelog").unwrap();
    assert!(!changelog.has_timeout);

    // The deploy takes the image and services, not the login nor the timeout.
    assert_eq!(
        job_commands(gitlab, "deploy-production"),
        [
            command(
                "docker pull \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"",
                ".gitlab-ci.yml",
                52
            ),
            command("./scripts/deploy.sh production", ".gitlab-ci.yml", 53),
        ]
    );
    assert_eq!(
        job_images(gitlab, "deploy-production"),
        [
            command("docker:27.3", ".gitlab-ci.yml", 7),
            command("docker:27.3-dind", ".gitlab-ci.yml", 9),
        ]
    );
    let deploy = (gitlab.jobs.iter())
        .find(|j| j.id == "deploy-production")
        .unwrap();
    assert!(!deploy.has_timeout);
}

#[test]
fn a_trigger_job_takes_no_image_or_script_from_the_defaults() {
    let model = pipelines(&with_project(&[(".gitlab-ci.yml", DEFAULTS_PIPELINE)]));
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    let downstream = gitlab.jobs.iter().find(|j| j.id == "downstream").unwrap();
    assert!(downstream.steps.is_empty(), "{:?}", downstream.steps);
    assert!(downstream.images.is_empty());
}

#[test]
fn an_unpinned_default_image_is_reported_once_where_it_is_written() {
    let a = assess_files(&with_project(&[(".gitlab-ci.yml", DEFAULTS_PIPELINE)]));
    let unpinned: Vec<(usize, &str)> = (a.findings.iter())
        .filter(|f| f.id == "unpinned-image")
        .map(|f| (f.location.line, f.message.as_str()))
        .collect();
    assert_eq!(
        unpinned,
        [
            (7, "image `docker:27.3` is not pinned to a digest"),
            (9, "image `docker:27.3-dind` is not pinned to a digest"),
        ]
    );
    // The practice counts each image once, however many jobs run it, and cites the unpinned
    // ones at their lines in `default:`.
    expect(
        &a,
        "AUT-05",
        State::Partial,
        &["1 of 3 third-party references are pinned"],
    );
    let pinning = practice(&a, "AUT-05");
    let cited: Vec<(usize, &str)> = (pinning.evidence.iter())
        .map(|e| (e.location.line, e.summary.as_str()))
        .collect();
    assert_eq!(
        cited,
        [
            (
                7,
                "`image docker:27.3` is not pinned to a commit SHA or digest"
            ),
            (
                9,
                "`image docker:27.3-dind` is not pinned to a commit SHA or digest"
            ),
        ]
    );
}

/// The layout GitLab still accepts from before `default:`: `image:` and `before_script:` at
/// the top level.
const TOP_LEVEL_DEFAULTS: &str = r#"image: node:22-alpine

before_script:
  - npm ci

test:
  script:
    - npm test

publish:
  stage: deploy
  image: node:22-alpine@sha256:9d5e3c8f2a1b0c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d
  script:
    - npm publish
"#;

#[test]
fn top_level_image_and_before_script_are_defaults_too() {
    let model = pipelines(&[
        (".gitlab-ci.yml", TOP_LEVEL_DEFAULTS),
        (
            "package.json",
            "{\"name\": \"app\", \"scripts\": {\"test\": \"node --test\"}}\n",
        ),
    ]);
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        job_commands(gitlab, "test"),
        [
            command("npm ci", ".gitlab-ci.yml", 4),
            command("npm test", ".gitlab-ci.yml", 8),
            // `npm test` runs package.json's test script.
            command("node --test", "package.json", 1),
        ]
    );
    assert_eq!(
        job_images(gitlab, "test"),
        [command("node:22-alpine", ".gitlab-ci.yml", 1)]
    );
    assert_eq!(
        job_commands(gitlab, "publish"),
        [
            command("npm ci", ".gitlab-ci.yml", 4),
            command("npm publish", ".gitlab-ci.yml", 14),
        ]
    );
    assert_eq!(job_images(gitlab, "publish")[0].2, 12);
}

#[test]
fn default_wins_over_the_same_key_at_the_top_level() {
    let text = "image: node:20\ndefault:\n  image: node:22\ntest:\n  script:\n    - npm test\n";
    let model = pipelines(&[(".gitlab-ci.yml", text)]);
    assert_eq!(
        job_images(pipeline(&model, ".gitlab-ci.yml"), "test"),
        [command("node:22", ".gitlab-ci.yml", 3)]
    );
}

#[test]
fn defaults_and_templates_from_an_included_file_are_cited_in_that_file() {
    let files = with_project(&[
        (
            ".gitlab-ci.yml",
            "include:\n  - local: ci/common.yml\n\nbuild:\n  extends: .meson\n  stage: build\n  script:\n    - ninja -C build\n",
        ),
        (
            "ci/common.yml",
            "default:\n  before_script:\n    - meson setup build\n\n.meson:\n  image: registry.example.test/meson:1.6\n",
        ),
    ]);
    let model = pipelines(&files);
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    assert_eq!(
        job_commands(gitlab, "build"),
        [
            command("meson setup build", "ci/common.yml", 3),
            command("ninja -C build", ".gitlab-ci.yml", 8),
        ]
    );
    assert_eq!(
        job_images(gitlab, "build"),
        [command(
            "registry.example.test/meson:1.6",
            "ci/common.yml",
            6
        )]
    );
}

#[test]
fn a_reference_reads_a_script_the_named_template_extends_into() {
    let text = ".install:\n  before_script:\n    - pip install -r requirements.txt\n\n.python:\n  extends: .install\n  image: python:3.12\n\nunit-tests:\n  before_script:\n    - !reference [.python, before_script]\n    - pip install pytest\n  script:\n    - pytest -q\n";
    let model = pipelines(&[(".gitlab-ci.yml", text)]);
    assert_eq!(
        job_commands(pipeline(&model, ".gitlab-ci.yml"), "unit-tests"),
        [
            command("pip install -r requirements.txt", ".gitlab-ci.yml", 3),
            command("pip install pytest", ".gitlab-ci.yml", 12),
            command("pytest -q", ".gitlab-ci.yml", 14),
        ]
    );
}

/// Per-region deploy jobs extending one template: each adds its URL to the template's
/// `environment:` and its entrypoint to the template's `image:`, and turns off the pipeline's
/// variables while the template turns off its defaults. GitLab merges these maps key by key
/// through `extends:`, so each job still deploys to production with the template's image and
/// without the default login.
#[test]
fn maps_a_job_extends_keep_the_keys_it_does_not_set() {
    let text = r#"stages: [deploy]

default:
  before_script:
    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"

.deploy:
  stage: deploy
  inherit:
    default: false
  environment:
    name: production
  image:
    name: registry.example.test/deployer:2
  script:
    - ./deploy.sh

deploy-eu:
  extends: .deploy
  inherit:
    variables: false
  environment:
    url: https://eu.example.test
  image:
    entrypoint: [""]
"#;
    let model = pipelines(&with_project(&[(".gitlab-ci.yml", text)]));
    let gitlab = pipeline(&model, ".gitlab-ci.yml");
    let deploy = gitlab.jobs.iter().find(|j| j.id == "deploy-eu").unwrap();
    let environment = deploy
        .environment
        .as_ref()
        .map(|(name, at)| (name.as_str(), at.line));
    assert_eq!(environment, Some(("production", 12)));
    assert_eq!(
        job_images(gitlab, "deploy-eu"),
        [command(
            "registry.example.test/deployer:2",
            ".gitlab-ci.yml",
            14
        )]
    );
    assert_eq!(
        job_commands(gitlab, "deploy-eu"),
        [command("./deploy.sh", ".gitlab-ci.yml", 16)]
    );
}
