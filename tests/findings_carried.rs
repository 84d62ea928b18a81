//! `template-injection` through the names untrusted text travels under: step outputs, job
//! outputs, a matrix built from them and the inputs of a reusable workflow in the same
//! repository.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;
use shipready::evidence::Confidence;

/// A label-driven backport: the caller turns the label into a matrix and hands one value
/// to a reusable workflow, which builds a branch name from it in a script.
const CALLER: &str = r#"name: Backport
on:
  pull_request_target:
    types: [labeled, closed]
jobs:
  find:
    runs-on: ubuntu-24.04
    outputs:
      labels: ${{ steps.extract.outputs.labels }}
      skip: ${{ steps.gate.outputs.skip }}
    steps:
      - id: extract
        run: |
          NAME="${{ github.event.label.name }}"
          echo "labels=[\"${NAME#backport/}\"]" >> "$GITHUB_OUTPUT"
      - id: gate
        run: |
          if echo '${{ toJSON(github.event.pull_request.labels) }}' | grep -q skip; then
            echo "skip=true" >> $GITHUB_OUTPUT
          fi
  pick:
    needs: find
    strategy:
      matrix:
        version: ${{ fromJSON(needs.find.outputs.labels) }}
    uses: ./.github/workflows/pick.yml
    with:
      version: ${{ matrix.version }}
      number: ${{ github.event.pull_request.number }}
  report:
    needs: find
    runs-on: ubuntu-24.04
    steps:
      - run: |
          if [[ "${{ needs.find.outputs.skip }}" == "true" ]]; then exit 0; fi
          echo "labels: ${{ needs.find.outputs.labels }}"
"#;

const CALLED: &str = r#"name: Pick
on:
  workflow_call:
    inputs:
      version:
        type: string
        required: true
      number:
        type: string
        required: true
jobs:
  pick:
    runs-on: ubuntu-24.04
    steps:
      - id: branch
        run: |
          TARGET="release-${{ inputs.version }}"
          git checkout -b "pick-${{ inputs.number }}" "origin/$TARGET"
          echo "target=$TARGET" >> "$GITHUB_OUTPUT"
      - run: gh pr create --base "${{ steps.branch.outputs.target }}"
"#;

/// (path, line, confidence, message) of every template-injection finding.
fn injections(files: &[(&str, &str)]) -> Vec<(String, usize, Confidence, String)> {
    assess_files(files)
        .findings
        .into_iter()
        .filter(|f| f.id == "template-injection")
        .map(|f| (f.location.path, f.location.line, f.confidence, f.message))
        .collect()
}

#[test]
fn label_text_is_followed_into_the_called_workflow() {
    let found = injections(&[
        (".github/workflows/backport.yml", CALLER),
        (".github/workflows/pick.yml", CALLED),
    ]);
    let places: Vec<(&str, usize, Confidence)> = found
        .iter()
        .map(|(path, line, confidence, _)| (path.as_str(), *line, *confidence))
        .collect();
    let caller = ".github/workflows/backport.yml";
    let called = ".github/workflows/pick.yml";
    assert_eq!(
        places,
        vec![
            (caller, 14, Confidence::High),
            (caller, 18, Confidence::High),
            // The job output carries the label; the fixed `skip=true` does not.
            (caller, 36, Confidence::Medium),
            (called, 17, Confidence::Medium),
            (called, 20, Confidence::Medium),
        ]
    );
    let (_, _, _, message) = &found[3];
    assert_eq!(
        message,
        "`inputs.version` is expanded into a `run:` script and carries \
         `github.event.label.name` from .github/workflows/backport.yml:14; \
         anyone who can set that runs code"
    );
}

#[test]
fn inputs_are_trusted_when_no_caller_fills_them_from_event_text() {
    let trusted = CALLER.replace("${{ matrix.version }}", "${{ github.ref_name }}");
    let found = injections(&[
        (".github/workflows/backport.yml", &trusted),
        (".github/workflows/pick.yml", CALLED),
    ]);
    assert!(
        found
            .iter()
            .all(|(path, ..)| path.ends_with("backport.yml")),
        "{found:#?}"
    );
    // On its own, a reusable workflow's inputs are set by whoever calls it with write access.
    assert_eq!(
        injections(&[(".github/workflows/pick.yml", CALLED)]),
        vec![]
    );
}

/// The text report shows the direct injection, which is certain, before the medium-confidence
/// findings it leads to, although their file sorts first.
#[test]
fn the_text_report_lists_certain_injections_first() {
    let caller = CALLER.replace("workflows/pick.yml", "workflows/a-pick.yml");
    let a = assess_files(&[
        (".github/workflows/backport.yml", &caller),
        (".github/workflows/a-pick.yml", CALLED),
    ]);
    let text = shipready::report::text::render(&a);
    let direct = text.find(".github/workflows/backport.yml:14:").unwrap();
    let carried = text.find(".github/workflows/a-pick.yml:17:").unwrap();
    assert!(direct < carried, "{text}");
}

/// A step's `run: |` block ends with its own lines: the next step's expression is not part of
/// it, so the version read from a file carries nothing.
#[test]
fn a_block_script_does_not_take_in_the_next_step() {
    let workflow = r#"on: pull_request_target
jobs:
  one:
    runs-on: ubuntu-latest
    outputs:
      ver: ${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: |
          echo "version=$(cat VERSION)" >> "$GITHUB_OUTPUT"
      - run: echo "Thanks ${{ github.event.pull_request.title }}"
  two:
    needs: one
    runs-on: ubuntu-latest
    steps:
      - run: ./release.sh "${{ needs.one.outputs.ver }}"
"#;
    let found = injections(&[(".github/workflows/a.yml", workflow)]);
    let places: Vec<(usize, Confidence)> = found.iter().map(|(_, l, c, _)| (*l, *c)).collect();
    assert_eq!(places, [(11, Confidence::High)]);
}

/// A preview slug read back with bracket syntax, in the job and in a later one:
/// `outputs['name']` and `outputs["name"]` are the same property as `outputs.name`.
#[test]
fn outputs_read_with_brackets_are_followed() {
    let workflow = r#"name: Preview
on: pull_request_target
jobs:
  meta:
    runs-on: ubuntu-24.04
    outputs:
      slug: ${{ steps.slug.outputs['preview-slug'] }}
    steps:
      - id: slug
        run: echo "preview-slug=pr-${{ github.event.pull_request.number }}-${{ github.head_ref }}" >> "$GITHUB_OUTPUT"
      - run: echo "Preview at https://${{ steps.slug.outputs["preview-slug"] }}.example.dev"
  deploy:
    needs: meta
    runs-on: ubuntu-24.04
    steps:
      - run: ./deploy.sh "${{ needs.meta.outputs['slug'] }}"
"#;
    let path = ".github/workflows/preview.yml";
    let found = injections(&[(path, workflow)]);
    let seen: Vec<(usize, Confidence, &str)> = found
        .iter()
        .map(|(_, line, confidence, message)| (*line, *confidence, message.as_str()))
        .collect();
    assert_eq!(seen.len(), 3, "{seen:#?}");
    assert_eq!((seen[0].0, seen[0].1), (10, Confidence::High));
    assert_eq!((seen[1].0, seen[1].1), (11, Confidence::Medium));
    assert!(
        seen[1].2.starts_with(
            "`steps.slug.outputs[\"preview-slug\"]` is expanded into a `run:` script and \
             carries `github.head_ref` from .github/workflows/preview.yml:10"
        ),
        "{}",
        seen[1].2
    );
    assert_eq!((seen[2].0, seen[2].1), (16, Confidence::Medium));
    assert!(
        seen[2].2.starts_with("`needs.meta.outputs['slug']`"),
        "{}",
        seen[2].2
    );
}

/// A reusable workflow that makes a preview name from the branch and hands it back as a
/// workflow output: the caller's later job expands it.
const SLUG: &str = r#"name: Slug
on:
  workflow_call:
    outputs:
      name:
        description: Preview name made from the branch
        value: ${{ jobs.slug.outputs.name }}
      sha:
        description: Commit to deploy
        value: ${{ jobs.slug.outputs.sha }}
jobs:
  slug:
    runs-on: ubuntu-24.04
    outputs:
      name: ${{ steps.slug.outputs.name }}
      sha: ${{ steps.slug.outputs.sha }}
    steps:
      - id: slug
        run: |
          echo "name=preview-${{ github.head_ref }}" >> "$GITHUB_OUTPUT"
          echo "sha=${{ github.event.pull_request.head.sha }}" >> "$GITHUB_OUTPUT"
"#;

const PREVIEW: &str = r#"name: Preview
on:
  pull_request_target:
    types: [opened, synchronize]
jobs:
  slug:
    uses: ./.github/workflows/slug.yml
  deploy:
    needs: slug
    runs-on: ubuntu-24.04
    steps:
      - run: ./deploy.sh --name "${{ needs.slug.outputs.name }}" --sha "${{ needs.slug.outputs.sha }}"
"#;

#[test]
fn outputs_of_a_called_workflow_are_followed_back_to_the_caller() {
    let found = injections(&[
        (".github/workflows/preview.yml", PREVIEW),
        (".github/workflows/slug.yml", SLUG),
    ]);
    let places: Vec<(&str, usize, Confidence)> = found
        .iter()
        .map(|(path, line, confidence, _)| (path.as_str(), *line, *confidence))
        .collect();
    assert_eq!(
        places,
        [
            (".github/workflows/preview.yml", 12, Confidence::Medium),
            (".github/workflows/slug.yml", 20, Confidence::High),
        ]
    );
    assert_eq!(
        found[0].3,
        "`needs.slug.outputs.name` is expanded into a `run:` script and carries \
         `github.head_ref` from .github/workflows/slug.yml:20; anyone who can set that runs code"
    );
    // The same caller without the called file in the repository follows nothing back.
    assert_eq!(
        injections(&[(".github/workflows/preview.yml", PREVIEW)]),
        []
    );
}

/// Expressions that can only give fixed words are not reported, directly or through the
/// outputs they are written to; an untrusted value with a fallback still is.
#[test]
fn expressions_that_give_only_fixed_words_carry_nothing() {
    let workflow = r#"name: Triage
on:
  issues:
    types: [opened, labeled]
jobs:
  triage:
    runs-on: ubuntu-24.04
    outputs:
      kind: ${{ steps.kind.outputs.kind }}
      title: ${{ steps.kind.outputs.title }}
    steps:
      - id: kind
        run: |
          echo "kind=${{ github.event.label.name == 'bug' && 'bug' || 'other' }}" >> "$GITHUB_OUTPUT"
          echo "ci=${{ startsWith(github.event.issue.title, '[ci]') }}" >> "$GITHUB_OUTPUT"
          echo "title=${{ github.event.issue.title || 'untitled' }}" >> "$GITHUB_OUTPUT"
      - run: ./triage.sh "${{ steps.kind.outputs.kind }}" "${{ steps.kind.outputs.ci }}"
  notify:
    needs: triage
    runs-on: ubuntu-24.04
    steps:
      - run: |
          ./notify.sh "${{ needs.triage.outputs.title != '' && 'titled' || 'untitled' }}"
          ./notify.sh "${{ needs.triage.outputs.kind }}" "${{ needs.triage.outputs.title || 'untitled' }}"
"#;
    let path = ".github/workflows/triage.yml";
    let found = injections(&[(path, workflow)]);
    let places: Vec<(usize, Confidence)> = found.iter().map(|(_, l, c, _)| (*l, *c)).collect();
    assert_eq!(places, [(16, Confidence::High), (24, Confidence::Medium)]);
    assert!(
        found[1].3.starts_with(
            "`needs.triage.outputs.title` is expanded into a `run:` script and carries \
             `github.event.issue.title` from .github/workflows/triage.yml:16"
        ),
        "{}",
        found[1].3
    );
}

/// `${{ env.NAME }}` expands the variable's text into the script just as the expression it was
/// bound to would: a variable the workflow, the job or the step binds to untrusted text is
/// reported where a script expands it that way, naming where the text came from. Reading it
/// as `"$TITLE"` is the safe way and is not reported; a step binding the name again to a
/// fixed word hides the outer binding; a variable bound to the commit SHA carries nothing.
#[test]
fn env_expressions_carry_the_text_their_variable_is_bound_to() {
    let workflow = r#"on:
  issues:
    types: [opened]
env:
  BODY: ${{ github.event.issue.body }}
jobs:
  triage:
    runs-on: ubuntu-24.04
    env:
      TITLE: ${{ github.event.issue.title }}
      SHA: ${{ github.sha }}
    steps:
      - run: echo "$TITLE"
      - run: echo "${{ env.TITLE }} at ${{ env.SHA }}"
      - env:
          TITLE: fixed
        run: echo "${{ env.TITLE }}"
      - uses: actions/github-script@v7
        with:
          script: console.log("${{ env.BODY }}")
"#;
    let found = injections(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/triage.yml", workflow),
    ]);
    let at: Vec<(usize, Confidence)> = found.iter().map(|f| (f.1, f.2)).collect();
    assert_eq!(
        at,
        [(14, Confidence::Medium), (20, Confidence::Medium)],
        "{found:#?}"
    );
    assert_eq!(
        found[0].3,
        "`env.TITLE` is expanded into a `run:` script and carries `github.event.issue.title` \
         from .github/workflows/triage.yml:10; anyone who can set that runs code"
    );
    assert!(
        found[1]
            .3
            .contains("`github.event.issue.body` from .github/workflows/triage.yml:5")
    );
}

/// Faults found in review: a folded block (`run: >`) is read to its last line; a step's
/// binding that reads a tainted workflow variable (`OTHER: ${{ env.TITLE }}`) carries it.
#[test]
fn folded_blocks_and_bindings_of_bindings_are_followed() {
    let workflow = r#"on: issues
env:
  TITLE: ${{ github.event.issue.title }}
jobs:
  t:
    runs-on: ubuntu-24.04
    steps:
      - run: >
          echo start
          echo ${{ github.event.issue.title }}
      - env:
          OTHER: ${{ env.TITLE }}
        run: echo "${{ env.OTHER }}"
"#;
    let found = injections(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/t.yml", workflow),
    ]);
    let lines: Vec<usize> = found.iter().map(|f| f.1).collect();
    assert_eq!(lines, [10, 13], "{found:#?}");
    assert!(
        found[1]
            .3
            .contains("`github.event.issue.title` from .github/workflows/t.yml:3")
    );
}
