//! GitLab CI as projects write it: script lists shared through anchors and `!reference`,
//! style checks written in the pipeline, and every job in the report's table of roles.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    MESON_PROJECT, assess_files, command, expect, pipeline, pipelines, practice, step_commands,
};
use shipready::assessment::model::GateStatus;
use shipready::evidence::State;

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
