//! Hostile copies: one command a million bytes long, which steps take from a script, a Make
//! recipe, a package script, a pre-commit hook or a local action. The budgets in steps and
//! commands are far from spent, but the text copied is bounded in bytes, and the cut is told.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use std::path::Path;

use hostile_support::*;
use shipready::pipeline::{MAX_COPIED_BYTES, Pipelines};

/// A command of a million bytes: one line that later checks read again in every copy.
fn long_command() -> String {
    format!("echo {}", "a".repeat(1_000_000))
}

/// How many copies of `command` fit in [`MAX_COPIED_BYTES`].
fn copies_that_fit(command: &str) -> usize {
    MAX_COPIED_BYTES / command.len()
}

/// The pipeline model of the repository at `root`, without a whole assessment: with the
/// bound reached, each check reads megabytes of copied text, too slow for an unoptimised
/// build.
fn model(root: &Path) -> Pipelines {
    let inventory = shipready::inventory::scan(root).unwrap();
    shipready::pipeline::build(&inventory)
}

/// The reasons the pipeline model gives for the file at `path` read in part.
fn reasons_for<'p>(pipelines: &'p Pipelines, path: &str) -> Vec<&'p str> {
    (pipelines.read_in_part.iter())
        .filter(|u| u.path == path)
        .map(|u| u.reason.as_str())
        .collect()
}

/// How many commands each step adds to what it runs itself.
fn added_per_step(pipelines: &Pipelines, path: &str) -> Vec<usize> {
    (step_commands(pipelines, path).iter())
        .map(|s| s.len() - 1)
        .collect()
}

/// Forty steps each running a script of one million-byte line would hold 40 MB of copies,
/// each read again by every check: steps get the line until its copies would pass
/// [`MAX_COPIED_BYTES`], though the budget in commands is far from spent, and the cut is
/// told.
#[test]
fn steps_calling_a_script_of_one_long_line_copy_it_within_a_byte_bound() {
    let command = long_command();
    let repo = repository();
    write(repo.path(), "ci.sh", format!("#!/bin/sh\n{command}\n"));
    let workflow = workflow_of_steps(40, |_| "./ci.sh".to_string());
    write(repo.path(), ".github/workflows/check.yml", workflow);

    let pipelines = model(repo.path());
    let fit = copies_that_fit(&command);
    assert_eq!(fit, 8);
    let mut expected = vec![1; fit];
    expected.resize(40, 0);
    assert_eq!(
        added_per_step(&pipelines, ".github/workflows/check.yml"),
        expected
    );
    assert_eq!(
        reasons_for(&pipelines, ".github/workflows/check.yml"),
        [
            "steps past 50000 followed commands or 8 MiB of command text followed are read \
             without the scripts, Make targets and hooks they call"
        ]
    );
}

/// Forty steps each running `make t` or `npm run t` whose recipe or script is one
/// million-byte line: each gets the line until its copies would pass [`MAX_COPIED_BYTES`].
fn assert_long_callee_copied_within_the_byte_bound(file: &str, body: String, call: &str) {
    let repo = repository();
    write(repo.path(), file, body);
    let workflow = workflow_of_steps(40, |_| call.to_string());
    write(repo.path(), ".github/workflows/check.yml", workflow);

    let pipelines = model(repo.path());
    let command = long_command();
    let mut expected = vec![1; copies_that_fit(&command)];
    expected.resize(40, 0);
    assert_eq!(
        added_per_step(&pipelines, ".github/workflows/check.yml"),
        expected
    );
    assert_eq!(
        step_commands(&pipelines, ".github/workflows/check.yml")[0][1],
        command
    );
    let reasons = reasons_for(&pipelines, ".github/workflows/check.yml");
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains("or 8 MiB of command text followed"),
        "{reasons:?}"
    );
}

#[test]
fn steps_calling_a_make_recipe_of_one_long_line_copy_it_within_a_byte_bound() {
    let body = format!("t:\n\t{}\n", long_command());
    assert_long_callee_copied_within_the_byte_bound("Makefile", body, "make t");
}

#[test]
fn steps_calling_a_package_script_of_one_long_line_copy_it_within_a_byte_bound() {
    let body = format!(
        "{{\"name\": \"x\", \"scripts\": {{\"t\": \"{}\"}}}}",
        long_command()
    );
    assert_long_callee_copied_within_the_byte_bound("package.json", body, "npm run t");
}

/// Forty steps using a local composite action whose one step runs a million-byte line: the
/// action's steps are inlined until their text would pass [`MAX_COPIED_BYTES`], far below
/// the bound in steps and commands, and the workflow is told as read in part.
#[test]
fn steps_using_an_action_of_one_long_line_inline_it_within_a_byte_bound() {
    let command = long_command();
    let repo = repository();
    write(
        repo.path(),
        ".github/actions/big/action.yml",
        format!(
            "name: big\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: {command}\n"
        ),
    );
    let mut workflow =
        String::from("on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n");
    for _ in 0..40 {
        workflow.push_str("      - uses: ./.github/actions/big\n");
    }
    write(repo.path(), ".github/workflows/check.yml", workflow);

    let pipelines = model(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/check.yml");
    let fit = copies_that_fit(&command);
    assert_eq!(steps.len(), 40 + fit);
    let inlined = steps
        .iter()
        .filter(|s| s.as_slice() == [command.clone()])
        .count();
    assert_eq!(inlined, fit);
    assert_eq!(
        reasons_for(&pipelines, ".github/workflows/check.yml"),
        [
            "steps using local actions past 200000 inlined steps and commands or 8 MiB of \
             command text inlined are read without the action's steps"
        ]
    );
}

/// Forty steps running `pre-commit run` over a hook whose entry is a million-byte line.
#[test]
fn steps_running_a_hook_of_one_long_line_copy_it_within_a_byte_bound() {
    let command = long_command();
    let repo = repository();
    write(
        repo.path(),
        ".pre-commit-config.yaml",
        format!(
            "repos:\n- repo: local\n  hooks:\n  - id: h\n    name: h\n    entry: {command}\n    language: system\n"
        ),
    );
    let workflow = workflow_of_steps(40, |_| "pre-commit run --all-files".to_string());
    write(repo.path(), ".github/workflows/check.yml", workflow);

    let pipelines = model(repo.path());
    let added = added_per_step(&pipelines, ".github/workflows/check.yml");
    let mut expected = vec![1; copies_that_fit(&command)];
    expected.resize(40, 0);
    assert_eq!(added, expected);
    assert_eq!(
        reasons_for(&pipelines, ".github/workflows/check.yml").len(),
        1
    );
}
