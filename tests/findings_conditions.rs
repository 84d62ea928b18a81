//! Workflow settings that quietly undo a defence: an `if:` that is always true, every secret
//! handed to one step, and the workflow commands GitHub disabled turned back on.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;

/// (rule, line, message) of the findings of `rules` in one workflow.
fn found(workflow: &str, rules: &[&str]) -> Vec<(String, usize, String)> {
    assess_files(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/ci.yml", workflow),
    ])
    .findings
    .into_iter()
    .filter(|f| rules.contains(&f.id.as_str()))
    .map(|f| (f.id, f.location.line, f.message))
    .collect()
}

/// A release job guarded against forks, three ways that leave it unguarded and two that
/// guard it.
#[test]
fn conditions_with_text_around_their_expression_are_always_true() {
    let workflow = r#"name: Release
on: pull_request_target
permissions: {}
jobs:
  release:
    if: ${{ github.event.pull_request.head.repo.fork == false }} && ${{ github.actor != 'dependabot[bot]' }}
    runs-on: ubuntu-24.04
    steps:
      - if: |
          ${{ github.event.pull_request.head.repo.full_name == github.repository }}
        run: ./release.sh
      - if: >-
          ${{ github.event.pull_request.head.repo.full_name == github.repository }}
        run: ./release.sh
      - if: "${{ github.event_name == 'push' }} "
        run: ./publish.sh
      - if: github.event.pull_request.head.repo.fork == false && github.actor != 'x'
        run: ./publish.sh
"#;
    let findings = found(workflow, &["unsound-condition"]);
    let lines: Vec<usize> = findings.iter().map(|f| f.1).collect();
    assert_eq!(lines, [6, 10, 15], "{findings:?}");
    assert!(findings[0].2.contains("text outside"), "{}", findings[0].2);
    assert!(findings[1].2.contains("line end"), "{}", findings[1].2);
    assert!(findings[2].2.contains("spaces"), "{}", findings[2].2);
}

#[test]
fn every_secret_given_to_a_step_is_reported() {
    let workflow = r#"name: Deploy
on: push
permissions: {}
jobs:
  deploy:
    runs-on: ubuntu-24.04
    strategy:
      matrix:
        target: [staging, production]
    steps:
      - run: ./deploy.sh
        env:
          ALL: ${{ toJSON(secrets) }}
          TOKEN: ${{ secrets[format('{0}_TOKEN', matrix.target)] }}
          NAMED: ${{ secrets['DEPLOY_TOKEN'] }}
          PLAIN: ${{ secrets.DEPLOY_TOKEN }}
      # ${{ toJSON(secrets) }} in a comment gives nothing away
"#;
    let findings = found(workflow, &["overprovisioned-secrets"]);
    let lines: Vec<(usize, &str)> = findings.iter().map(|f| (f.1, f.2.as_str())).collect();
    assert_eq!(
        lines,
        [
            (13, "`toJSON(secrets)` gives this step every secret"),
            (
                14,
                "`secrets[...]` with a computed name gives this step every secret"
            ),
        ]
    );
}

#[test]
fn unsecure_workflow_commands_turned_back_on_are_reported() {
    let workflow = r#"name: Legacy
on: pull_request
permissions: {}
env:
  ACTIONS_ALLOW_UNSECURE_COMMANDS: true
jobs:
  build:
    runs-on: ubuntu-24.04
    env:
      ACTIONS_ALLOW_UNSECURE_COMMANDS: "false"
    steps:
      - uses: actions/checkout@v4
      - run: echo "::add-path::$HOME/bin"
        env:
          ACTIONS_ALLOW_UNSECURE_COMMANDS: 'TRUE'
"#;
    let findings = found(workflow, &["insecure-commands"]);
    let lines: Vec<usize> = findings.iter().map(|f| f.1).collect();
    assert_eq!(lines, [5, 15], "{findings:?}");
}

/// A job's container and a service pulled from a private registry with the password written
/// out: the registry account is a real one, unlike the password a service container is
/// started with.
#[test]
fn registry_passwords_written_in_container_credentials_are_reported() {
    let workflow = r#"name: Integration
on: push
permissions: {}
jobs:
  test:
    runs-on: ubuntu-24.04
    container:
      image: registry.example.com/ci/python:3.12
      credentials:
        username: ci
        password: s3cr3t-registry-pass
    services:
      db:
        image: registry.example.com/ci/postgres:16
        credentials:
          username: ci
          password: ${{ secrets.REGISTRY_PASSWORD }}
        env:
          POSTGRES_PASSWORD: postgres
    steps:
      - run: pytest
        env:
          DATABASE_URL: postgres://postgres:postgres@db/test
"#;
    let findings = found(workflow, &["plaintext-credential"]);
    let lines: Vec<(usize, &str)> = findings.iter().map(|f| (f.1, f.2.as_str())).collect();
    assert_eq!(lines, [(11, "`password` holds a literal credential")]);
}

/// Dependabot's pull requests merged automatically under `pull_request_target`: the job
/// trusts whoever acted last; the step checks the pull request's author, which is sound. The
/// same check in a `pull_request` workflow, which holds no secrets, is not reported.
#[test]
fn privileged_workflows_trusting_the_last_actor_to_be_a_bot_are_reported() {
    let workflow = r#"name: Auto-merge
on: pull_request_target
permissions:
  contents: write
jobs:
  automerge:
    if: github.actor == 'dependabot[bot]'
    runs-on: ubuntu-24.04
    steps:
      - if: ${{ github.event.pull_request.user.login == 'dependabot[bot]' }}
        run: gh pr merge --auto --squash "$PR"
"#;
    let findings = found(workflow, &["bot-condition"]);
    let places: Vec<(usize, &str)> = findings.iter().map(|f| (f.1, f.2.as_str())).collect();
    assert_eq!(
        places,
        [(
            7,
            "`github.actor` names whoever acted last, which an attacker can make a bot"
        )]
    );
    let unprivileged = workflow.replace("on: pull_request_target", "on: pull_request");
    assert_eq!(found(&unprivileged, &["bot-condition"]), []);
}
