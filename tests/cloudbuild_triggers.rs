//! Cloud Build trigger definitions (the `gcloud builds triggers import` format) read beside the
//! builds they start: a trigger naming a build file gives it its events and approval, a trigger
//! with its build inline is a pipeline of its own, and a trigger that runs no readable build
//! says why.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{
    DOCKERFILE, assess_files, command, expect, pipeline, pipelines, practice, step_commands,
};
use shipready::assessment::model::Assessment;
use shipready::evidence::State;
use shipready::evidence::production::ControlStatus;
use shipready::pipeline::Pipelines;

/// A build whose trigger definitions (`gcloud builds triggers import` files) sit beside it:
/// one on pull requests to main, one on pushes to main; another trigger runs a build file
/// that is not named like one.
const PULL_REQUEST_TRIGGER: &str = "name: api-pull-request\ndescription: Checks every pull request to main\ngithub:\n  owner: example\n  name: api\n  pullRequest:\n    branch: ^main$\n    commentControl: COMMENTS_ENABLED_FOR_EXTERNAL_CONTRIBUTORS_ONLY\nfilename: cloudbuild.yaml\nincludedFiles:\n  - src/**\n";
const PUSH_TRIGGER: &str = "name: api-main\ngithub:\n  owner: example\n  name: api\n  push:\n    branch: ^main$\nfilename: /cloudbuild.yaml\n";
const RELEASE_TRIGGER: &str = "name: api-release\ngithub:\n  owner: example\n  name: api\n  push:\n    tag: ^v[0-9]+\\.[0-9]+\\.[0-9]+$\nfilename: deploy/release.yaml\nsubstitutions:\n  _REGION: europe-west1\n";
const TESTS_BUILD: &str = "steps:\n  - name: python:3.12-slim\n    entrypoint: bash\n    args: ['-c', 'pip install -r requirements.txt && pytest -q tests']\n";
const RELEASE_BUILD: &str = "steps:\n  - name: gcr.io/cloud-builders/docker\n    args: [build, -t, europe-docker.pkg.dev/$PROJECT_ID/app/api:$TAG_NAME, .]\n  - name: gcr.io/cloud-builders/docker\n    args: [push, europe-docker.pkg.dev/$PROJECT_ID/app/api:$TAG_NAME]\n";

#[test]
fn trigger_definitions_give_the_builds_they_name_their_triggers() {
    let files = [
        ("cloudbuild.yaml", TESTS_BUILD),
        ("cloudbuild-trigger-pr.yaml", PULL_REQUEST_TRIGGER),
        ("cloudbuild-trigger-main.yaml", PUSH_TRIGGER),
        ("cloudbuild-trigger-release.yaml", RELEASE_TRIGGER),
        ("deploy/release.yaml", RELEASE_BUILD),
        ("Dockerfile", DOCKERFILE),
        ("requirements.txt", "flask==3.0.0\n"),
        ("tests/test_main.py", "def test_ok():\n    assert True\n"),
    ];
    let found = pipelines(&files);
    assert!(found.unparsed.is_empty(), "{:#?}", found.unparsed);
    let paths: Vec<&str> = found.pipelines.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["cloudbuild.yaml", "deploy/release.yaml"]);

    let tests = &pipeline(&found, "cloudbuild.yaml").triggers;
    assert!(tests.pull_request && tests.push && !tests.tags_only && !tests.external);
    assert_eq!(tests.push_branches, ["main"]);
    assert_eq!(
        tests.events,
        [
            "push [branch: ^main$] (trigger api-main in cloudbuild-trigger-main.yaml)",
            "pull request [base branch: ^main$; comment control: COMMENTS_ENABLED_FOR_EXTERNAL_CONTRIBUTORS_ONLY; files: src/**] (trigger api-pull-request in cloudbuild-trigger-pr.yaml)",
        ]
    );
    let release = &pipeline(&found, "deploy/release.yaml").triggers;
    assert!(release.push && release.tags_only && !release.pull_request);

    // Pull requests and pushes both run the tests: the trigger files are cited.
    let a = assess_files(&files);
    expect(&a, "AUT-02", State::Present, &[]);
    let cited: Vec<(&str, usize)> = (practice(&a, "AUT-02").evidence.iter())
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert_eq!(
        cited,
        [
            ("cloudbuild-trigger-pr.yaml", 6),
            ("cloudbuild-trigger-main.yaml", 5)
        ]
    );
    let release = (a.inventory.pipelines.iter())
        .find(|p| p.path == "deploy/release.yaml")
        .unwrap();
    assert!(
        release.purpose.iter().any(|p| p == "release"),
        "{release:?}"
    );

    // Pushes alone: the reason names the missing pull-request trigger.
    let a = assess_files(&[files[0], files[2], files[6], files[7]]);
    expect(
        &a,
        "AUT-02",
        State::Partial,
        &["no Cloud Build trigger in the repository runs it on pull requests"],
    );
    // A trigger naming a file the repository does not hold runs no build that is read: its
    // file is listed as not assessed, with why.
    let found = pipelines(&[("cloudbuild-trigger-release.yaml", RELEASE_TRIGGER)]);
    assert!(found.pipelines.is_empty());
    assert_eq!(
        unparsed(&found),
        [(
            "cloudbuild-trigger-release.yaml",
            "`deploy/release.yaml`, the build of trigger api-release, is not a file of the repository"
        )]
    );
}

fn unparsed(pipelines: &Pipelines) -> Vec<(&str, &str)> {
    (pipelines.unparsed.iter())
        .map(|u| (u.path.as_str(), u.reason.as_str()))
        .collect()
}

/// A trigger naming its own file, or a file of other triggers, names no build: Cloud Build
/// would not find `steps:` there. Nor does it take over the inline builds of that file, which
/// keep their own triggers.
#[test]
fn triggers_naming_trigger_files_run_no_build() {
    let inline = "name: checks\ngithub:\n  pullRequest:\n    branch: ^main$\nbuild:\n  steps:\n    - name: python:3.12-slim\n      entrypoint: bash\n      args: ['-c', 'pytest -q tests']\n";
    let naming = |name: &str, file: &str| {
        format!("name: {name}\ngithub:\n  push:\n    branch: ^main$\nfilename: {file}\n")
    };
    let itself = format!(
        "{inline}---\n{}",
        naming("again", "cloudbuild-triggers.yaml")
    );
    let found = pipelines(&[("cloudbuild-triggers.yaml", &itself)]);
    let checks = &pipeline(&found, "cloudbuild-triggers.yaml").triggers;
    assert!(checks.pull_request && !checks.push, "{:?}", checks.events);
    assert_eq!(
        unparsed(&found),
        [(
            "cloudbuild-triggers.yaml",
            "`cloudbuild-triggers.yaml`, the build of trigger again, holds trigger definitions, not a build"
        )]
    );

    // Two trigger files naming each other, one of them not named like a Cloud Build file.
    let found = pipelines(&[
        ("cloudbuild-a.yaml", &naming("a", "deploy/b.yaml")),
        ("deploy/b.yaml", &naming("b", "cloudbuild-a.yaml")),
    ]);
    assert!(found.pipelines.is_empty());
    assert_eq!(
        unparsed(&found),
        [(
            "cloudbuild-a.yaml",
            "`deploy/b.yaml`, the build of trigger a, holds trigger definitions, not a build"
        )]
    );
    // A file holding one trigger with its build inline is no build file either.
    let found = pipelines(&[
        ("cloudbuild-a.yaml", &naming("a", "deploy/b.yaml")),
        ("deploy/b.yaml", inline),
    ]);
    assert!(found.pipelines.is_empty(), "{:#?}", found.pipelines);
}

/// Triggers name builds outside the repository, folders, files that are not read, other kinds
/// of pipeline, or nothing at all: none is read, and each trigger file says why, once for each
/// file named and with the first few named.
#[test]
fn triggers_naming_no_readable_build_say_why() {
    let naming = |name: &str, file: &str| {
        format!("name: {name}\ngithub:\n  push:\n    branch: ^main$\nfilename: '{file}'\n")
    };
    let mut triggers = String::new();
    for (index, file) in ["../../etc/passwd", "/etc/passwd", "app", "notes.txt"]
        .iter()
        .enumerate()
    {
        triggers.push_str(&naming(&format!("t{index}"), file));
        triggers.push_str("---\n");
    }
    triggers.push_str(&naming("t9", "app"));
    let found = pipelines(&[
        ("cloudbuild-triggers.yaml", &triggers),
        (
            "cloudbuild-ci.yaml",
            &naming("ci", ".github/workflows/ci.yml"),
        ),
        (
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
        ),
        (
            "cloudbuild-auto.yaml",
            "name: auto\ngithub:\n  push:\n    branch: ^main$\nautodetect: true\n",
        ),
        ("app/main.py", "print('hello')\n"),
        ("notes.txt", "steps: []\n"),
    ]);
    assert_eq!(
        unparsed(&found),
        [
            (
                "cloudbuild-auto.yaml",
                "trigger auto has no `build:` and names no build file (the build `autodetect:` finds is not read)"
            ),
            (
                "cloudbuild-ci.yaml",
                "`.github/workflows/ci.yml`, the build of trigger ci, is a GitHub Actions workflow"
            ),
            (
                "cloudbuild-triggers.yaml",
                "`../../etc/passwd`, the build of trigger t0, is outside the repository; `/etc/passwd`, the build of trigger t1, is not a file of the repository; `app`, the build of 2 triggers (t2, t9), is not a file of the repository; and 1 more trigger runs no build that is read"
            ),
        ]
    );
    let workflow = pipeline(&found, ".github/workflows/ci.yml");
    assert!(workflow.triggers.push && workflow.triggers.events == ["push"]);
}

/// A disabled trigger starts no build: it neither holds the build for approval nor lets it
/// run without approval, whichever order the triggers are read in.
#[test]
fn a_disabled_trigger_leaves_the_approval_of_the_others() {
    let build = "steps:\n  - name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim\n    entrypoint: gcloud\n    args: [run, deploy, api]\n";
    let trigger = |name: &str, extra: &str| {
        format!(
            "name: {name}\n{extra}github:\n  push:\n    branch: ^main$\nfilename: cloudbuild-deploy.yaml\n"
        )
    };
    let approved = trigger("approved", "approvalConfig:\n  approvalRequired: true\n");
    let disabled = trigger("disabled", "disabled: true\n");
    for (first, second, approving) in [
        (&approved, &disabled, "cloudbuild-1.yaml"),
        (&disabled, &approved, "cloudbuild-2.yaml"),
    ] {
        let found = pipelines(&[
            ("cloudbuild-1.yaml", first),
            ("cloudbuild-2.yaml", second),
            ("cloudbuild-deploy.yaml", build),
        ]);
        let triggers = &pipeline(&found, "cloudbuild-deploy.yaml").triggers;
        let approval = triggers.approval.as_ref().map(|l| l.path.as_str());
        assert_eq!(approval, Some(approving), "{:?}", triggers.events);
    }
    // Only disabled triggers: the build never runs, and waits for no approval either.
    let found = pipelines(&[
        ("cloudbuild-1.yaml", &disabled),
        ("cloudbuild-deploy.yaml", build),
    ]);
    let triggers = &pipeline(&found, "cloudbuild-deploy.yaml").triggers;
    assert!(triggers.approval.is_none() && !triggers.push);
}

/// A trigger that holds its build (`build:`) is a pipeline of its own, started by its events,
/// no longer a build file "without steps".
#[test]
fn a_trigger_with_its_build_inline_is_a_pipeline() {
    let trigger = "name: docs-preview\ngithub:\n  owner: example\n  name: site\n  pullRequest:\n    branch: .*\nbuild:\n  steps:\n    - name: node:22\n      entrypoint: bash\n      args:\n        - -eEuo\n        - pipefail\n        - -c\n        - |\n          npm ci\n          npm test -- --coverage\n  timeout: 900s\n";
    let found = pipelines(&[("cloudbuild-preview.yaml", trigger)]);
    assert!(found.unparsed.is_empty(), "{:#?}", found.unparsed);
    let preview = pipeline(&found, "cloudbuild-preview.yaml");
    assert_eq!(preview.name, "docs-preview");
    assert!(preview.triggers.pull_request && !preview.triggers.push);
    assert!(!preview.triggers.external);
    assert_eq!(preview.triggers.location.as_ref().unwrap().line, 2);
    let job = &preview.jobs[0];
    assert!(job.has_timeout);
    assert_eq!(job.location.line, 8);
    assert_eq!(
        step_commands(preview),
        [vec![
            command("npm ci", "cloudbuild-preview.yaml", 16),
            command("npm test -- --coverage", "cloudbuild-preview.yaml", 17),
        ]]
    );

    // A trigger with nothing but a build's name runs by hand; a disabled one never runs.
    let manual = "name: rebuild\nsourceToBuild:\n  uri: https://github.com/example/site\n  ref: refs/heads/main\n  repoType: GITHUB\nbuild:\n  steps:\n    - name: node:22\n      args: [npm, test]\n";
    let found = pipelines(&[("cloudbuild-rebuild.yaml", manual)]);
    let rebuild = &pipeline(&found, "cloudbuild-rebuild.yaml").triggers;
    assert!(rebuild.manual && !rebuild.push && !rebuild.pull_request);
    assert_eq!(
        rebuild.events,
        ["started by hand (trigger rebuild in cloudbuild-rebuild.yaml)"]
    );
    let disabled = trigger.replace("github:", "disabled: true\ngithub:");
    let found = pipelines(&[("cloudbuild-preview.yaml", &disabled)]);
    let preview = &pipeline(&found, "cloudbuild-preview.yaml").triggers;
    assert!(!preview.pull_request && !preview.manual && !preview.external);
}

/// A trigger that holds its builds until someone approves them (`approvalConfig`) is the
/// production deploy's approval, as long as every trigger starting the build does.
#[test]
fn a_trigger_that_holds_builds_for_approval_gates_the_deploy() {
    let deploy = "steps:\n  - name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim\n    entrypoint: gcloud\n    args: [run, deploy, api, --image, europe-docker.pkg.dev/$PROJECT_ID/app/api:$TAG_NAME]\n";
    let approved = "name: api-production\ngithub:\n  owner: example\n  name: api\n  push:\n    tag: ^v.*$\napprovalConfig:\n  approvalRequired: true\nfilename: cloudbuild-deploy.yaml\n";
    let repository = |triggers: &[(&str, &str)]| {
        let mut files = vec![
            ("cloudbuild-deploy.yaml", deploy),
            ("Dockerfile", DOCKERFILE),
        ];
        files.extend_from_slice(triggers);
        assess_files(&files)
    };
    let approval = |a: &Assessment| {
        let path = &a.production_paths[0];
        let found = path
            .controls
            .iter()
            .find(|c| c.control == "approval")
            .unwrap();
        (found.status, found.location.as_ref().map(|l| l.line))
    };

    let a = repository(&[("cloudbuild-trigger-production.yaml", approved)]);
    expect(&a, "DEP-04", State::Present, &[]);
    let cited = &practice(&a, "DEP-04").evidence[0];
    assert_eq!(
        (
            cited.location.path.as_str(),
            cited.location.line,
            cited.summary.as_str()
        ),
        (
            "cloudbuild-trigger-production.yaml",
            7,
            "every build of cloudbuild-deploy.yaml waits for approval"
        )
    );
    assert_eq!(approval(&a), (ControlStatus::Present, Some(7)));

    // Another trigger runs the same deploy without approval.
    let unapproved = approved
        .replace("api-production", "api-hotfix")
        .replace("approvalConfig:\n  approvalRequired: true\n", "");
    let a = repository(&[
        ("cloudbuild-trigger-production.yaml", approved),
        ("cloudbuild-trigger-hotfix.yaml", &unapproved),
    ]);
    assert_ne!(practice(&a, "DEP-04").state, State::Present);
    assert_eq!(approval(&a).0, ControlStatus::Missing);
}

/// A trigger file holding two triggers' builds inline, pull-request checks and an approved
/// deploy: each build and its job are named for its trigger, the approval is the deploy
/// trigger's alone, and a line of the second build belongs to its job.
#[test]
fn inline_builds_of_one_file_are_told_apart_by_their_triggers() {
    let triggers = "name: api-pr\ngithub:\n  pullRequest:\n    branch: ^main$\nbuild:\n  steps:\n    - name: python:3.12-slim\n      entrypoint: bash\n      args: ['-c', 'pytest -q tests']\n---\nname: api-deploy\ngithub:\n  push:\n    branch: ^main$\napprovalConfig:\n  approvalRequired: true\nbuild:\n  steps:\n    - name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim\n      entrypoint: gcloud\n      args: [run, deploy, api, --image, europe-docker.pkg.dev/p/app/api:$SHORT_SHA]\n";
    let files = [
        ("cloudbuild-triggers.yaml", triggers),
        ("Dockerfile", DOCKERFILE),
        ("tests/test_main.py", "def test_ok():\n    assert True\n"),
    ];
    let found = pipelines(&files);
    let jobs: Vec<(&str, &str, bool)> = (found.pipelines.iter())
        .map(|p| {
            (
                p.name.as_str(),
                p.jobs[0].id.as_str(),
                p.approval().is_some(),
            )
        })
        .collect();
    assert_eq!(
        jobs,
        [
            ("api-pr", "api-pr", false),
            ("api-deploy", "api-deploy", true)
        ]
    );
    let job = found.job_at("cloudbuild-triggers.yaml", 21).unwrap();
    assert_eq!(job.id, "api-deploy");

    let a = assess_files(&files);
    let cited = &practice(&a, "DEP-04").evidence[0];
    assert_eq!(
        (cited.location.line, cited.summary.as_str()),
        (
            15,
            "every build of api-deploy in cloudbuild-triggers.yaml waits for approval"
        )
    );
}
