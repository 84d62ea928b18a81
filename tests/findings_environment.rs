//! `template-injection` through `$GITHUB_ENV`: a variable a step writes there is in every
//! later step of the same job, as `$NAME` and as `${{ env.NAME }}`, and carries the text it
//! was written from.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;
use shipready::evidence::Confidence;

/// (line, confidence, message) of every template-injection finding in one workflow.
fn injections(path: &str, workflow: &str) -> Vec<(usize, Confidence, String)> {
    assess_files(&[("app.py", "print('hi')\n"), (path, workflow)])
        .findings
        .into_iter()
        .filter(|f| f.id == "template-injection")
        .map(|f| (f.location.line, f.confidence, f.message))
        .collect()
}

/// A squash-merge bot: the title reaches the first script safely through `env:`, which writes
/// it to `$GITHUB_ENV`; a later step expands `${{ env.PR_TITLE }}` into its script. Before the
/// write, and after a later step writes a fixed word under the same name, the expression
/// carries nothing; a step whose own `env:` binds the name reads its own value.
const MERGE: &str = r#"name: Merge
on:
  pull_request_target:
    types: [labeled]
jobs:
  merge:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ env.PR_TITLE }}"
      - env:
          TITLE: ${{ github.event.pull_request.title }}
        run: |
          echo "Merging $TITLE"
          echo "PR_TITLE=$TITLE" >> "$GITHUB_ENV"
      - run: git commit -m "${{ env.PR_TITLE }}"
      - env:
          PR_TITLE: fixed
        run: echo "${{ env.PR_TITLE }}"
      - run: echo "PR_TITLE=release" >> $GITHUB_ENV
      - run: echo "${{ env.PR_TITLE }}"
  other:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ env.PR_TITLE }}"
"#;

#[test]
fn a_variable_written_to_github_env_carries_its_text_to_later_steps() {
    let path = ".github/workflows/merge.yml";
    let found = injections(path, MERGE);
    assert_eq!(
        found,
        [(
            15,
            Confidence::Medium,
            format!(
                "`env.PR_TITLE` is expanded into a `run:` script and carries \
                 `github.event.pull_request.title` from {path}:11; anyone who can set that \
                 runs code"
            )
        )]
    );
}

/// A write to `$GITHUB_ENV` replaces the job's own binding of the name for later steps, in
/// both directions: a fixed word hides untrusted text, and untrusted text replaces a fixed
/// word. A multi-line value (`NAME<<EOF`) is read line by line.
#[test]
fn writes_replace_the_jobs_bindings() {
    let workflow = r#"on: issue_comment
jobs:
  reply:
    runs-on: ubuntu-24.04
    env:
      TITLE: ${{ github.event.issue.title }}
      SAFE: fixed
      BODY: ${{ github.event.comment.body }}
    steps:
      - run: |
          echo "TITLE=issue" >> "$GITHUB_ENV"
          echo "SAFE=$BODY" >> "$GITHUB_ENV"
          {
            echo "NOTES<<EOF"
            echo "$BODY"
            echo "EOF"
          } >> "$GITHUB_ENV"
      - run: ./reply.sh "${{ env.TITLE }}" "${{ env.SAFE }}" "${{ env.NOTES }}"
"#;
    let path = ".github/workflows/reply.yml";
    let found = injections(path, workflow);
    let said: Vec<(usize, &str)> = found
        .iter()
        .map(|(line, _, message)| (*line, message.split('`').nth(1).unwrap()))
        .collect();
    assert_eq!(said, [(18, "env.SAFE"), (18, "env.NOTES")], "{found:#?}");
    assert!(found.iter().all(|f| {
        f.2.contains(&format!("`github.event.comment.body` from {path}:8"))
    }));
}

/// A variable written to `$GITHUB_ENV` is in the environment of later steps: a step that
/// writes `$BRANCH` to its outputs passes the branch name on to the next job.
#[test]
fn later_steps_read_written_variables_as_shell_variables() {
    let workflow = r#"on: pull_request_target
jobs:
  name:
    runs-on: ubuntu-24.04
    outputs:
      branch: ${{ steps.pick.outputs.branch }}
    steps:
      - env:
          HEAD: ${{ github.event.pull_request.head.ref }}
        run: echo "BRANCH=$HEAD" >> "$GITHUB_ENV"
      - id: pick
        run: echo "branch=$BRANCH" >> "$GITHUB_OUTPUT"
  push:
    needs: name
    runs-on: ubuntu-24.04
    steps:
      - run: git push origin "HEAD:${{ needs.name.outputs.branch }}"
"#;
    let path = ".github/workflows/push.yml";
    let found = injections(path, workflow);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, 17);
    assert!(found[0].2.contains(&format!(
        "`needs.name.outputs.branch` is expanded into a `run:` script and carries \
         `github.event.pull_request.head.ref` from {path}:9"
    )));
}

/// A write that cannot be read (`printf`, `tee`, a helper script) may set any variable: in a
/// step that reads untrusted text, every later `${{ env.NAME }}` may carry it. In a step that
/// reads none, it carries nothing; neither do a fixed or trusted value, text made at run time
/// from trusted commands, or a line that only reads the file.
#[test]
fn unreadable_writes_may_carry_the_steps_text_and_others_carry_nothing() {
    let workflow = r#"on: issues
jobs:
  t:
    runs-on: ubuntu-latest
    env:
      TITLE: ${{ github.event.issue.title }}
    steps:
      - run: |
          echo "Building $TITLE"
          echo "SHORT_SHA=$(git rev-parse --short HEAD)" >> "$GITHUB_ENV"
          echo "KIND=issue" >> "$GITHUB_ENV"
          cat "$GITHUB_ENV"
      - run: ./export.sh >> "$GITHUB_ENV"
      - run: echo "SHA=${{ github.sha }}" >> "$GITHUB_ENV"
      - run: docker build -t "app:${{ env.SHORT_SHA }}" --label "${{ env.KIND }}-${{ env.SHA }}" .
      - run: printf 'LABEL=%s\n' "$TITLE" >> "$GITHUB_ENV"
      - run: gh issue edit --add-label "${{ env.LABEL }}"
"#;
    let path = ".github/workflows/t.yml";
    let found = injections(path, workflow);
    let said: Vec<(usize, &str)> = found
        .iter()
        .map(|(line, _, message)| (*line, message.split('`').nth(1).unwrap()))
        .collect();
    assert_eq!(said, [(17, "env.LABEL")], "{found:#?}");
    assert!(
        found[0]
            .2
            .contains(&format!("`github.event.issue.title` from {path}:6"))
    );
}
