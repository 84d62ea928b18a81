//! The repository's own actions (`action.yml`) are audited like workflows: a composite
//! action's steps run inside the job that uses it, with that job's event, so untrusted event
//! text expanded into their scripts is code, and so is an input a caller fills with it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;
use shipready::evidence::Confidence;

/// (rule, path, line, confidence, message) of every finding.
fn findings(files: &[(&str, &str)]) -> Vec<(String, String, usize, Confidence, String)> {
    let mut files = files.to_vec();
    files.push(("app.py", "print('hi')\n"));
    assess_files(&files)
        .findings
        .into_iter()
        .map(|f| {
            (
                f.id,
                f.location.path,
                f.location.line,
                f.confidence,
                f.message,
            )
        })
        .collect()
}

fn of_rule<'f>(
    found: &'f [(String, String, usize, Confidence, String)],
    rule: &str,
) -> Vec<&'f (String, String, usize, Confidence, String)> {
    found.iter().filter(|f| f.0 == rule).collect()
}

const ACTION: &str = ".github/actions/greet/action.yml";

/// A composite action that greets a pull request by its title.
const GREET: &str = r#"name: Greet
description: Comment on a pull request
inputs:
  title:
    description: The pull request's title
    required: true
  style:
    description: How to greet
    default: plain
outputs:
  greeting:
    description: What was said
    value: ${{ steps.say.outputs.text }}
runs:
  using: composite
  steps:
    - id: say
      shell: bash
      run: |
        echo "Greeting (${{ inputs.style }}): ${{ inputs.title }}"
        echo "text=Hello ${{ inputs.title }}" >> "$GITHUB_OUTPUT"
    - shell: bash
      run: echo "from ${{ github.event.pull_request.head.ref }}"
    - uses: peter-evans/create-or-update-comment@v4
      with:
        body: hello
    - shell: bash
      run: curl -sSL https://example.com/install.sh | bash
"#;

/// The workflow that uses it, under the privileged trigger, with the title as the input.
const CALLER: &str = r#"name: Greet
on: pull_request_target
jobs:
  greet:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - id: greet
        uses: ./.github/actions/greet
        with:
          title: ${{ github.event.pull_request.title }}
          style: warm
      - run: echo "${{ steps.greet.outputs.greeting }}"
"#;

const WORKFLOW: &str = ".github/workflows/greet.yml";

#[test]
fn untrusted_text_in_a_composite_actions_scripts_is_reported() {
    let found = findings(&[(ACTION, GREET), (WORKFLOW, CALLER)]);
    let injections = of_rule(&found, "template-injection");
    let title = format!(
        "`inputs.title` is expanded into a `run:` script and carries \
         `github.event.pull_request.title` from {WORKFLOW}:11; anyone who can set that runs code"
    );
    let expected = [
        // The input the caller fills with the title, on both lines that expand it; the
        // input filled with a fixed word is not reported.
        (ACTION, 20, Confidence::Medium, title.clone()),
        (ACTION, 21, Confidence::Medium, title),
        // The event's branch name, read straight from the context.
        (
            ACTION,
            23,
            Confidence::High,
            "`github.event.pull_request.head.ref` is expanded into a `run:` script; anyone \
             who can set it runs code"
                .to_string(),
        ),
        // The output the action hands back, built from the title.
        (
            WORKFLOW,
            13,
            Confidence::Medium,
            format!(
                "`steps.greet.outputs.greeting` is expanded into a `run:` script and carries \
                 `github.event.pull_request.title` from {WORKFLOW}:11; anyone who can set that \
                 runs code"
            ),
        ),
    ];
    let got: Vec<(&str, usize, Confidence, String)> = injections
        .iter()
        .map(|f| (f.1.as_str(), f.2, f.3, f.4.clone()))
        .collect();
    assert_eq!(got, expected);

    // The action's other steps are audited as a workflow's are.
    let unpinned = of_rule(&found, "unpinned-uses");
    assert_eq!(
        unpinned
            .iter()
            .map(|f| (f.1.as_str(), f.2))
            .collect::<Vec<_>>(),
        [(ACTION, 24)],
        "{unpinned:?}"
    );
    let piped = of_rule(&found, "curl-pipe-shell");
    assert_eq!(
        piped
            .iter()
            .map(|f| (f.1.as_str(), f.2))
            .collect::<Vec<_>>(),
        [(ACTION, 28)],
        "{piped:?}"
    );
}

/// Callers that fill the input with fixed text, or with a value only a maintainer sets, leave
/// `${{ inputs.title }}` unreported; so does an action no workflow uses.
#[test]
fn inputs_are_reported_only_when_a_caller_fills_them_with_untrusted_text() {
    let trusted = CALLER.replace(
        "${{ github.event.pull_request.title }}",
        "${{ github.sha }}",
    );
    let found = findings(&[(ACTION, GREET), (WORKFLOW, &trusted)]);
    let lines: Vec<usize> = of_rule(&found, "template-injection")
        .iter()
        .map(|f| f.2)
        .collect();
    assert_eq!(lines, [23], "{found:?}");

    let found = findings(&[(ACTION, GREET)]);
    let lines: Vec<usize> = of_rule(&found, "template-injection")
        .iter()
        .map(|f| f.2)
        .collect();
    assert_eq!(lines, [23], "{found:?}");
}

/// An action that passes its input on to another local action: the text is followed into the
/// second one, from whichever file uses it (`uses:` paths start at the repository's root).
#[test]
fn inputs_are_followed_through_an_action_that_uses_another() {
    let outer = r#"name: Outer
inputs:
  title:
    required: true
runs:
  using: composite
  steps:
    - uses: ./.github/actions/inner/
      with:
        label: ${{ inputs.title }}
"#;
    let inner = r#"name: Inner
inputs:
  label:
    required: true
runs:
  using: composite
  steps:
    - shell: bash
      run: gh pr edit --add-label "${{ inputs.label }}"
"#;
    let caller = r#"on: issues
jobs:
  triage:
    runs-on: ubuntu-24.04
    steps:
      - uses: ./.github/actions/outer
        with:
          title: ${{ github.event.issue.title }}
"#;
    let found = findings(&[
        (".github/actions/outer/action.yml", outer),
        (".github/actions/inner/action.yaml", inner),
        (".github/workflows/triage.yml", caller),
    ]);
    let injections = of_rule(&found, "template-injection");
    assert_eq!(injections.len(), 1, "{found:?}");
    let (_, path, line, confidence, message) = injections[0];
    assert_eq!(
        (path.as_str(), *line, *confidence),
        (".github/actions/inner/action.yaml", 9, Confidence::Medium)
    );
    assert!(
        message.contains("`inputs.label`")
            && message.contains("`github.event.issue.title` from .github/workflows/triage.yml:8"),
        "{message}"
    );
}

/// A container action's image is pinned like a `docker://` step, and a key set twice makes
/// GitHub refuse the action.
#[test]
fn container_actions_and_broken_metadata() {
    let docker = r#"name: Lint
runs:
  using: docker
  image: docker://ghcr.io/example/linter:1.2
"#;
    let built = "name: Build\nruns:\n  using: docker\n  image: Dockerfile\n";
    let twice = "name: A\nname: B\nruns:\n  using: node20\n  main: index.js\n";
    let found = findings(&[
        ("lint/action.yml", docker),
        ("build/action.yml", built),
        ("action.yml", twice),
    ]);
    let unpinned = of_rule(&found, "unpinned-uses");
    assert_eq!(
        unpinned
            .iter()
            .map(|f| (f.1.as_str(), f.2))
            .collect::<Vec<_>>(),
        [("lint/action.yml", 4)],
        "{unpinned:?}"
    );
    let duplicate = of_rule(&found, "duplicate-key");
    assert_eq!(duplicate.len(), 1, "{duplicate:?}");
    assert_eq!((duplicate[0].1.as_str(), duplicate[0].2), ("action.yml", 2));
    assert!(
        duplicate[0].4.contains("GitHub cannot load the action"),
        "{}",
        duplicate[0].4
    );
}

/// Two actions that use each other (GitHub would never finish running them) are each read
/// once: the text reaches both, and each expansion is reported once.
#[test]
fn actions_that_use_each_other_are_read_once() {
    let action = |other: &str| {
        format!(
            "name: Loop\ninputs:\n  ref:\n    required: true\nruns:\n  using: composite\n  steps:\n    \
             - shell: bash\n      run: git fetch origin \"${{{{ inputs.ref }}}}\"\n    \
             - uses: ./.github/actions/{other}\n      with:\n        ref: ${{{{ inputs.ref }}}}\n"
        )
    };
    let (ping, pong) = (action("pong"), action("ping"));
    let caller = "on: pull_request_target\njobs:\n  sync:\n    runs-on: ubuntu-24.04\n    steps:\n      \
                  - uses: ./.github/actions/ping\n        with:\n          ref: ${{ github.head_ref }}\n";
    let found = findings(&[
        (".github/actions/ping/action.yml", &ping),
        (".github/actions/pong/action.yml", &pong),
        (".github/workflows/sync.yml", caller),
    ]);
    let injections: Vec<(&str, usize)> = of_rule(&found, "template-injection")
        .iter()
        .map(|f| (f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        injections,
        [
            (".github/actions/ping/action.yml", 9),
            (".github/actions/pong/action.yml", 9)
        ]
    );
}

/// Two workflows use the greeting action: one greets pull requests by their title under
/// `pull_request_target`, the other greets pushes by their commit. The greeting the action
/// hands back is built from the title only for the first, and is reported only there, with
/// that workflow's own expression as its origin.
#[test]
fn an_output_built_from_an_input_is_handed_back_only_to_callers_that_fill_it_with_untrusted_text() {
    let pushes = CALLER
        .replace("on: pull_request_target", "on: push")
        .replace(
            "${{ github.event.pull_request.title }}",
            "${{ github.sha }}",
        );
    let pushes_path = ".github/workflows/greet-pushes.yml";
    let found = findings(&[(ACTION, GREET), (WORKFLOW, CALLER), (pushes_path, &pushes)]);
    let injections: Vec<(&str, usize)> = of_rule(&found, "template-injection")
        .iter()
        .map(|f| (f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        injections,
        [(ACTION, 20), (ACTION, 21), (ACTION, 23), (WORKFLOW, 13)],
        "{found:?}"
    );
}

/// An input whose default is the event's branch (`default: ${{ github.head_ref }}`): a
/// caller that leaves it out runs the action with the branch, so the action's script that
/// expands it is reported, citing the default, and so is the output built from it in that
/// caller; a caller that fills it with a commit is not.
#[test]
fn an_input_whose_default_is_untrusted_carries_it() {
    let action = r#"name: Fetch
inputs:
  ref:
    description: The branch to fetch
    default: ${{ github.head_ref }}
outputs:
  fetched:
    value: ${{ steps.fetch.outputs.ref }}
runs:
  using: composite
  steps:
    - id: fetch
      shell: bash
      run: |
        git fetch origin "${{ inputs.ref }}"
        echo "ref=${{ inputs.ref }}" >> "$GITHUB_OUTPUT"
"#;
    let caller = |with: &str| {
        format!(
            "on: pull_request\njobs:\n  fetch:\n    runs-on: ubuntu-24.04\n    steps:\n      \
             - id: fetch\n        uses: ./.github/actions/fetch{with}\n      \
             - run: echo \"${{{{ steps.fetch.outputs.fetched }}}}\"\n"
        )
    };
    let by_default = caller("");
    let by_commit = caller("\n        with:\n          ref: ${{ github.sha }}");
    let found = findings(&[
        (".github/actions/fetch/action.yml", action),
        (".github/workflows/default.yml", &by_default),
        (".github/workflows/commit.yml", &by_commit),
    ]);
    let injections = of_rule(&found, "template-injection");
    let at: Vec<(&str, usize)> = injections.iter().map(|f| (f.1.as_str(), f.2)).collect();
    assert_eq!(
        at,
        [
            (".github/actions/fetch/action.yml", 15),
            (".github/actions/fetch/action.yml", 16),
            (".github/workflows/default.yml", 8),
        ]
    );
    let default = "carries `github.head_ref` from .github/actions/fetch/action.yml:5;";
    assert!(
        injections.iter().all(|f| f.4.contains(default)),
        "{injections:#?}"
    );
}

/// A composite action runs with the environment of the step that uses it: a variable that
/// step binds to the pull request's branch is untrusted in the action's steps, through
/// `${{ env.BRANCH }}` and through an output written from `$BRANCH`; the output is handed
/// back only to the step that bound the branch, not to one that binds a trusted ref name.
#[test]
fn variables_of_the_calling_step_reach_the_actions_steps() {
    let action = r#"name: Preview
outputs:
  branch:
    value: ${{ steps.name.outputs.branch }}
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "Deploying ${{ env.BRANCH }}"
    - id: name
      shell: bash
      run: echo "branch=$BRANCH" >> "$GITHUB_OUTPUT"
"#;
    let caller = |on: &str, branch: &str| {
        format!(
            "on: {on}\njobs:\n  preview:\n    runs-on: ubuntu-24.04\n    steps:\n      \
             - id: preview\n        uses: ./.github/actions/preview\n        env:\n          \
             BRANCH: ${{{{ {branch} }}}}\n      \
             - run: echo \"${{{{ steps.preview.outputs.branch }}}}\"\n"
        )
    };
    let pulls = caller("pull_request_target", "github.head_ref");
    let pushes = caller("push", "github.ref_name");
    let found = findings(&[
        (".github/actions/preview/action.yml", action),
        (".github/workflows/pulls.yml", &pulls),
        (".github/workflows/pushes.yml", &pushes),
    ]);
    let injections = of_rule(&found, "template-injection");
    let at: Vec<(&str, usize)> = injections.iter().map(|f| (f.1.as_str(), f.2)).collect();
    assert_eq!(
        at,
        [
            (".github/actions/preview/action.yml", 9),
            (".github/workflows/pulls.yml", 10),
        ]
    );
    let origin = "carries `github.head_ref` from .github/workflows/pulls.yml:9;";
    assert!(
        injections.iter().all(|f| f.4.contains(origin)),
        "{injections:#?}"
    );
}

/// A setup action that writes the branch and a caller's title to `$GITHUB_ENV`: the steps
/// after the one that uses it have both variables. The title is untrusted only after a step
/// that filled the input with untrusted text, not after one that filled it with a commit.
#[test]
fn variables_an_action_writes_to_the_environment_reach_the_steps_after_it() {
    let action = r#"name: Setup
inputs:
  title:
    required: true
runs:
  using: composite
  steps:
    - shell: bash
      run: |
        echo "BRANCH=${{ github.head_ref }}" >> "$GITHUB_ENV"
        echo "TITLE=${{ inputs.title }}" >> "$GITHUB_ENV"
"#;
    let caller = |title: &str| {
        format!(
            "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      \
             - uses: ./.github/actions/setup\n        with:\n          title: ${{{{ {title} }}}}\n      \
             - run: echo \"${{{{ env.BRANCH }}}}\"\n      \
             - run: echo \"${{{{ env.TITLE }}}}\"\n"
        )
    };
    let titled = caller("github.event.pull_request.title");
    let committed = caller("github.sha");
    let found = findings(&[
        (".github/actions/setup/action.yml", action),
        (".github/workflows/titled.yml", &titled),
        (".github/workflows/committed.yml", &committed),
    ]);
    let injections: Vec<(&str, usize)> = of_rule(&found, "template-injection")
        .iter()
        .map(|f| (f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        injections,
        [
            (".github/actions/setup/action.yml", 10),
            (".github/actions/setup/action.yml", 11),
            (".github/workflows/committed.yml", 9),
            (".github/workflows/titled.yml", 9),
            (".github/workflows/titled.yml", 10),
        ],
        "{found:#?}"
    );
}
