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
