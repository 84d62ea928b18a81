//! Hostile pipelines that multiply what steps call: thousands of steps running the same long
//! script, the same Make target or `pre-commit run` over a long hook list. Each script,
//! recipe list and hook list is read once, and the commands added to steps are bounded over
//! the whole repository ([`MAX_EXPANDED`]), so these finish in bounded time and memory.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use std::path::Path;

use hostile_support::*;
use shipready::pipeline::{MAX_EXPANDED, Pipelines};

fn workflow_of_steps(steps: usize, run: impl Fn(usize) -> String) -> String {
    let mut text =
        String::from("on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n");
    for i in 0..steps {
        text.push_str(&format!("      - run: {}\n", run(i)));
    }
    text
}

/// The pipeline model of the repository at `root`, after a guarded whole assessment.
fn pipelines(root: &Path) -> Pipelines {
    let assessment = assess_within(root);
    assert_good_workflow_assessed(&assessment);
    let (inventory, _) = shipready::inventory::list(root)
        .unwrap()
        .read(|_, _| ((), true));
    shipready::pipeline::build(&inventory)
}

/// The commands of each step of the workflow at `path`, as text.
fn step_commands(pipelines: &Pipelines, path: &str) -> Vec<Vec<String>> {
    let pipeline = pipelines.pipelines.iter().find(|p| p.path == path).unwrap();
    let steps = &pipeline.jobs[0].steps;
    steps
        .iter()
        .map(|s| s.commands.iter().map(|c| c.text.clone()).collect())
        .collect()
}

/// 5,000 steps each running a 500-line script would hold 2.5 million copies of its lines:
/// steps get the script's commands until the budget is spent, then only their own.
#[test]
fn thousands_of_steps_calling_one_long_script() {
    let mut script = String::from("#!/bin/sh\nset -eu\npytest -q tests\n");
    for i in 0..497 {
        script.push_str(&format!("echo step {i}\n"));
    }
    let repo = repository();
    write(repo.path(), "ci/check.sh", &script);
    let workflow = workflow_of_steps(5_000, |i| format!("bash ci/check.sh {i}"));
    write(repo.path(), ".github/workflows/check.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/check.yml");

    assert_eq!(steps[0].len(), 1 + 499);
    assert_eq!(
        steps[0][..3],
        ["bash ci/check.sh 0", "set -eu", "pytest -q tests"]
    );
    assert_eq!(steps[4_999], ["bash ci/check.sh 4999"]);
    let added: usize = steps.iter().map(|s| s.len() - 1).sum();
    assert_eq!(added, MAX_EXPANDED);
    // The cut is told: the workflow is read in part, the 499-command script is not.
    assert_eq!(read_in_part(&pipelines), [".github/workflows/check.yml"]);
    assert!(
        pipelines.read_in_part[0]
            .reason
            .contains("50000 followed commands")
    );
}

/// The paths the pipeline model says it read only in part.
fn read_in_part(pipelines: &Pipelines) -> Vec<&str> {
    (pipelines.read_in_part.iter())
        .map(|u| u.path.as_str())
        .collect()
}

/// A script of 600 commands run by one step: its first 500 are followed and the script is
/// named as read in part; a short script beside it is not.
#[test]
fn a_script_longer_than_what_is_followed_is_named() {
    let mut script = String::from(
        "#!/bin/sh
set -eu
",
    );
    for i in 0..599 {
        script.push_str(&format!(
            "echo line {i}
"
        ));
    }
    let repo = repository();
    write(repo.path(), "ci/long.sh", &script);
    write(
        repo.path(),
        "ci/short.sh",
        "#!/bin/sh
pytest -q
",
    );
    let workflow = workflow_of_steps(2, |i| {
        if i == 0 {
            "bash ci/long.sh"
        } else {
            "bash ci/short.sh"
        }
        .to_string()
    });
    write(repo.path(), ".github/workflows/check.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/check.yml");

    assert_eq!(steps[0].len(), 1 + 500);
    assert_eq!(steps[0][500], "echo line 498");
    assert_eq!(steps[1], ["bash ci/short.sh", "pytest -q"]);
    assert_eq!(read_in_part(&pipelines), ["ci/long.sh"]);
    assert_eq!(
        pipelines.read_in_part[0].reason,
        "only its first 500 commands are followed from the steps that run it"
    );
}

/// 5,000 steps each running `make test` against a Makefile of 20,000 rules: the recipes of
/// `test` are worked out once (the Makefile was read again for every step).
#[test]
fn thousands_of_steps_running_the_same_make_target() {
    let mut makefile = String::from("test:\n\tpytest -q tests\n");
    for i in 0..20_000 {
        makefile.push_str(&format!("t{i}:\n\techo {i}\n"));
    }
    let repo = repository();
    write(repo.path(), "Makefile", &makefile);
    let workflow = workflow_of_steps(5_000, |i| format!("make test V={i}"));
    write(repo.path(), ".github/workflows/make.yml", workflow);

    let steps = step_commands(&pipelines(repo.path()), ".github/workflows/make.yml");

    assert_eq!(steps.len(), 5_000);
    assert!(
        steps
            .iter()
            .enumerate()
            .all(|(i, s)| *s == [format!("make test V={i}"), "pytest -q tests".to_string()])
    );
}

/// 5,000 commands added in all stay within the budget: nothing is said to be read in part.
#[test]
fn steps_within_the_budget_are_read_in_full() {
    let repo = repository();
    write(repo.path(), "Makefile", "test:\n\tpytest -q tests\n");
    let workflow = workflow_of_steps(5_000, |i| format!("make test V={i}"));
    write(repo.path(), ".github/workflows/make.yml", workflow);

    let pipelines = pipelines(repo.path());

    assert!(
        pipelines.read_in_part.is_empty(),
        "{:?}",
        pipelines.read_in_part
    );
}

/// 1,000 steps running `pre-commit run` over 1,000 hooks: the configuration is parsed once
/// (it was parsed again for every step), and hooks are added until the budget is spent.
#[test]
fn thousands_of_steps_running_pre_commit_over_a_long_hook_list() {
    let mut config = String::from("repos:\n  - repo: local\n    hooks:\n");
    for i in 0..1_000 {
        config.push_str(&format!(
            "      - id: h{i}\n        name: h{i}\n        entry: tool{i} --check\n        language: system\n"
        ));
    }
    let repo = repository();
    write(repo.path(), ".pre-commit-config.yaml", &config);
    let workflow = workflow_of_steps(1_000, |_| "pre-commit run --all-files".to_string());
    write(repo.path(), ".github/workflows/lint.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/lint.yml");

    assert_eq!(steps[0].len(), 1 + 1_000);
    assert_eq!(steps[0][1], "tool0 --check");
    assert_eq!(steps[999], ["pre-commit run --all-files"]);
    let added: usize = steps.iter().map(|s| s.len() - 1).sum();
    assert_eq!(added, MAX_EXPANDED);
    assert_eq!(read_in_part(&pipelines), [".github/workflows/lint.yml"]);
}
