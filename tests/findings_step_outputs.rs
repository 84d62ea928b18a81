//! `template-injection` through a step's outputs: which outputs carry untrusted text, and
//! from where, as the script writes them to `$GITHUB_OUTPUT`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;
use shipready::evidence::Confidence;

/// (line, confidence, message) of every template-injection finding in one workflow.
fn injections(path: &str, workflow: &str) -> Vec<(usize, Confidence, String)> {
    assess_files(&[(path, workflow)])
        .findings
        .into_iter()
        .filter(|f| f.id == "template-injection")
        .map(|f| (f.location.line, f.confidence, f.message))
        .collect()
}

/// What each finding says: the name expanded and, for carried text, the origin it names.
fn carries(found: &[(usize, Confidence, String)]) -> Vec<(usize, String)> {
    found
        .iter()
        .map(|(line, _, message)| {
            let parts: Vec<&str> = message.split('`').collect();
            let origin = message
                .split(" from ")
                .nth(1)
                .and_then(|rest| rest.split(';').next())
                .unwrap_or("");
            let said = match parts.get(5) {
                Some(context) if message.contains(" carries ") => {
                    format!("{} <- {} {}", parts[1], context, origin)
                }
                _ => parts[1].to_string(),
            };
            (*line, said)
        })
        .collect()
}

/// The changelog pattern: the title, branch and body are handed to the script through `env:`
/// (the safe way to read them), and the script writes them to its outputs, which a later
/// step and job then expand with `${{ }}`.
const CHANGELOG: &str = r#"name: Changelog
on:
  pull_request_target:
    types: [opened, edited, synchronize]
env:
  BRANCH: ${{ github.head_ref }}
jobs:
  entry:
    runs-on: ubuntu-24.04
    env:
      BODY: ${{ github.event.pull_request.body }}
    outputs:
      title: ${{ steps.meta.outputs.title }}
    steps:
      - id: meta
        env:
          TITLE: ${{ github.event.pull_request.title }}
        run: |
          echo "Checking $TITLE from $BRANCH"
          echo "title=$TITLE" >> "$GITHUB_OUTPUT"
          echo "branch=${BRANCH}" >> $GITHUB_OUTPUT
          {
            echo "body<<EOF"
            echo "$BODY"
            echo "EOF"
          } >> "$GITHUB_OUTPUT"
      - name: Write the entry
        run: |
          printf '%s\n' "- ${{ steps.meta.outputs.title }}" >> CHANGELOG.md
          git checkout -b "changelog/${{ steps.meta.outputs.branch }}"
          echo "${{ steps.meta.outputs.body }}" > notes.md
  comment:
    needs: entry
    runs-on: ubuntu-24.04
    steps:
      - run: gh pr comment "$NUMBER" --body "Added ${{ needs.entry.outputs.title }}"
        env:
          NUMBER: ${{ github.event.number }}
"#;

#[test]
fn text_bound_in_env_and_written_to_an_output_is_followed() {
    let path = ".github/workflows/changelog.yml";
    let found = injections(path, CHANGELOG);
    // `"$TITLE"` in the script itself (line 19) is the safe use and is not reported; the
    // outputs it is written to are, with the `env:` binding of each as the origin.
    assert_eq!(
        carries(&found),
        [
            (
                29,
                format!("steps.meta.outputs.title <- github.event.pull_request.title {path}:17")
            ),
            (
                30,
                format!("steps.meta.outputs.branch <- github.head_ref {path}:6")
            ),
            (
                31,
                format!("steps.meta.outputs.body <- github.event.pull_request.body {path}:11")
            ),
            (
                36,
                format!("needs.entry.outputs.title <- github.event.pull_request.title {path}:17")
            ),
        ]
    );
    assert!(found.iter().all(|(_, c, _)| *c == Confidence::Medium));
}

/// A label router: each output takes the origin of the expression in its own write; outputs
/// written from trusted text carry nothing, whatever else the step expands.
const ROUTE: &str = r#"name: Route
on:
  pull_request_target:
    types: [labeled]
jobs:
  route:
    runs-on: ubuntu-24.04
    steps:
      - id: names
        env:
          NUMBER: ${{ github.event.number }}
        run: |
          echo "branch=${{ github.event.pull_request.head.ref }}" >> "$GITHUB_OUTPUT"
          echo "label=${{ github.event.label.name }}" >> "$GITHUB_OUTPUT"
          echo "sha=${{ github.event.pull_request.head.sha }}" >> "$GITHUB_OUTPUT"
          echo "number=$NUMBER" >> "$GITHUB_OUTPUT"
          echo "target=$(echo "$NUMBER" | sed 's/^/pr-/')" >> "$GITHUB_OUTPUT"
      - run: |
          ./route.sh "${{ steps.names.outputs.label }}" "${{ steps.names.outputs.branch }}"
          ./check.sh "${{ steps.names.outputs.sha }}" "${{ steps.names.outputs.number }}"
          ./comment.sh "${{ steps.names.outputs.target }}"
"#;

#[test]
fn each_output_carries_the_origin_of_its_own_write() {
    let path = ".github/workflows/route.yml";
    let found = injections(path, ROUTE);
    assert_eq!(
        carries(&found),
        [
            (13, "github.event.pull_request.head.ref".to_string()),
            (14, "github.event.label.name".to_string()),
            (
                19,
                format!("steps.names.outputs.label <- github.event.label.name {path}:14")
            ),
            (
                19,
                format!(
                    "steps.names.outputs.branch <- github.event.pull_request.head.ref {path}:13"
                )
            ),
            // What a command prints is not followed: it may hold the step's untrusted text.
            (
                21,
                format!(
                    "steps.names.outputs.target <- github.event.pull_request.head.ref {path}:13"
                )
            ),
        ]
    );
}

/// A release channel chosen from the labels: the expression can only give `beta` or
/// `stable`, so neither it nor the outputs of its step carry anything, and a commit hash
/// made at run time in a step without untrusted text carries nothing either.
const RELEASE: &str = r#"name: Release
on:
  pull_request:
    types: [closed]
jobs:
  version:
    if: github.event.pull_request.merged
    runs-on: ubuntu-24.04
    outputs:
      channel: ${{ steps.version.outputs.channel }}
      sha: ${{ steps.version.outputs.sha }}
    steps:
      - id: version
        run: |
          CHANNEL="${{ contains(github.event.pull_request.labels.*.name, 'beta') && 'beta' || 'stable' }}"
          echo "channel=$CHANNEL" >> "$GITHUB_OUTPUT"
          echo "sha=$(git rev-parse --short HEAD)" >> "$GITHUB_OUTPUT"
  publish:
    needs: version
    runs-on: ubuntu-24.04
    steps:
      - run: ./publish.sh --channel "${{ needs.version.outputs.channel }}" --sha "${{ needs.version.outputs.sha }}"
"#;

#[test]
fn outputs_of_a_step_without_untrusted_text_carry_nothing() {
    assert_eq!(injections(".github/workflows/release.yml", RELEASE), []);
}

/// The same values written through `env:` from trusted contexts, beside an untrusted one:
/// only the untrusted one is carried.
#[test]
fn trusted_env_values_carry_nothing_beside_untrusted_ones() {
    let workflow = r#"name: Notes
on: pull_request_target
jobs:
  notes:
    runs-on: ubuntu-24.04
    steps:
      - id: notes
        env:
          TITLE: ${{ github.event.pull_request.title }}
          REF_NAME: ${{ github.ref_name }}
        run: |
          echo "title=$TITLE" >> "$GITHUB_OUTPUT"
          echo "tag=${REF_NAME#v}" >> "$GITHUB_OUTPUT"
          echo "sha=${{ github.sha }}" >> "$GITHUB_OUTPUT"
          echo 'literal=$TITLE' >> "$GITHUB_OUTPUT"
      - run: |
          ./notes.sh "${{ steps.notes.outputs.tag }}" "${{ steps.notes.outputs.sha }}"
          ./notes.sh "${{ steps.notes.outputs.literal }}" "${{ steps.notes.outputs['title'] }}"
"#;
    let path = ".github/workflows/notes.yml";
    let found = injections(path, workflow);
    assert_eq!(
        carries(&found),
        [(
            18,
            format!("steps.notes.outputs['title'] <- github.event.pull_request.title {path}:9")
        )]
    );
}

/// An `actions/github-script` step handed the branch through `env:`: what it returns may hold
/// it, so its outputs carry it.
#[test]
fn a_github_script_step_reading_untrusted_env_carries_it() {
    let workflow = r#"name: Slug
on: pull_request_target
jobs:
  slug:
    runs-on: ubuntu-24.04
    steps:
      - id: slug
        uses: actions/github-script@v7
        env:
          BRANCH: ${{ github.head_ref }}
        with:
          result-encoding: string
          script: return process.env.BRANCH.toLowerCase()
      - run: ./deploy.sh "${{ steps.slug.outputs.result }}"
"#;
    let path = ".github/workflows/slug.yml";
    let found = injections(path, workflow);
    assert_eq!(
        carries(&found),
        [(
            14,
            format!("steps.slug.outputs.result <- github.head_ref {path}:10")
        )]
    );
}

/// A comment bot that looks up the pull request behind an issue comment with github-script:
/// the branch it returns and the title it exports are the pull request author's text, read
/// from the event payload and from the API in JavaScript, not through `${{ }}`.
#[test]
fn a_github_script_step_reading_the_payload_or_a_pull_requests_branch_carries_it() {
    let workflow = r#"name: Deploy on comment
on: issue_comment
jobs:
  deploy:
    if: startsWith(github.event.comment.body, '/deploy')
    runs-on: ubuntu-24.04
    steps:
      - id: pr
        uses: actions/github-script@v7
        with:
          result-encoding: string
          script: |
            const pr = await github.rest.pulls.get({
              owner: context.repo.owner,
              repo: context.repo.repo,
              pull_number: context.issue.number,
            });
            core.setOutput('sha', pr.data.head.sha);
            return pr.data.head.ref;
      - uses: actions/github-script@v7
        with:
          script: |
            core.exportVariable('TITLE', context.payload.issue.title);
            core.exportVariable('KIND', 'comment');
      - run: git fetch origin "${{ steps.pr.outputs.result }}"
      - run: echo "${{ env.TITLE }} ${{ env.KIND }}"
"#;
    let path = ".github/workflows/deploy.yml";
    let found = injections(path, workflow);
    assert_eq!(
        carries(&found),
        [
            (
                25,
                format!("steps.pr.outputs.result <- pr.data.head.ref {path}:19")
            ),
            (
                26,
                format!("env.TITLE <- context.payload.issue.title {path}:23")
            ),
        ]
    );
    assert!(found.iter().all(|(_, c, _)| *c == Confidence::Medium));
}

/// Reading trusted payload fields (the comment's number, the repository's name, a head
/// commit's SHA) carries nothing, and a literal exported value carries nothing even in a
/// step that reads untrusted text.
#[test]
fn a_github_script_step_reading_trusted_fields_carries_nothing() {
    let workflow = r#"on: issue_comment
jobs:
  label:
    runs-on: ubuntu-24.04
    steps:
      - id: look
        uses: actions/github-script@v7
        with:
          script: |
            const number = context.payload.issue.number;
            const name = context.payload.repository.full_name;
            const head = context.payload.pull_request.head.sha;
            const refs = pr.head.refs;
            return `${name}#${number}@${head}`;
      - uses: actions/github-script@v7
        with:
          script: |
            console.log(context.payload.comment.body);
            core.exportVariable('MODE', "fast");
      - run: echo "${{ steps.look.outputs.result }} ${{ env.MODE }}"
"#;
    assert_eq!(injections(".github/workflows/label.yml", workflow), []);
}

/// A preview deployment names its environment after the branch, made into a slug that keeps
/// only letters, digits, `.` and `_`: what the script returns cannot break out of a script.
#[test]
fn a_github_script_step_that_slugifies_the_branch_carries_nothing() {
    let workflow = r#"on: pull_request
jobs:
  prepare:
    runs-on: ubuntu-24.04
    steps:
      - id: slug
        uses: actions/github-script@v7
        with:
          result-encoding: string
          script: |
            const ref = context.payload.pull_request.head.ref
            return ref.toLowerCase()
              .replace(/[^a-z0-9._]/g, '-')
              .slice(0, 63)
      - run: ./deploy.sh "${{ steps.slug.outputs.result }}"
"#;
    assert_eq!(injections(".github/workflows/preview.yml", workflow), []);
    // Without the replacement the branch itself is returned.
    let raw = workflow.replace("              .replace(/[^a-z0-9._]/g, '-')\n", "");
    let found = injections(".github/workflows/preview.yml", &raw);
    assert_eq!(found.len(), 1, "{found:?}");
}

/// A script whose comments are written in Japanese, with a full-width character right before
/// a path that reads a branch: the path is read from the character after it, and the step's
/// output still carries the branch it returns.
#[test]
fn a_github_script_step_with_a_wide_character_before_a_branch_read_is_read() {
    let workflow = r#"on: issue_comment
jobs:
  deploy:
    runs-on: ubuntu-24.04
    steps:
      - id: pr
        uses: actions/github-script@v7
        with:
          result-encoding: string
          script: |
            const pr = await github.rest.pulls.get({
              owner: context.repo.owner,
              repo: context.repo.repo,
              pull_number: context.issue.number,
            });
            // ブランチ：pr.data.head.ref、ラベル：é.head.label
            return pr.data.head.ref;
      - run: git fetch origin "${{ steps.pr.outputs.result }}"
"#;
    let path = ".github/workflows/deploy.yml";
    assert_eq!(
        carries(&injections(path, workflow)),
        [(
            18,
            format!("steps.pr.outputs.result <- pr.data.head.ref {path}:16")
        )]
    );
}
