//! Hostile GitHub Actions shapes: local composite actions that use themselves or each other,
//! long chains of actions, and thousands of workflows started by each other. Each case
//! finishes in bounded time and keeps what the files really say.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use std::path::Path;

use hostile_support::*;
use shipready::pipeline::{Job, Pipelines};

const ACTION_HEADER: &str = "name: a\nruns:\n  using: composite\n  steps:\n";

/// The pipeline model of a repository already assessed within the hang guard.
fn pipelines_of(root: &Path) -> Pipelines {
    let inventory = shipready::inventory::scan(root).expect("scan");
    shipready::pipeline::build(&inventory)
}

fn job<'p>(pipelines: &'p Pipelines, path: &str) -> &'p Job {
    pipelines
        .pipelines
        .iter()
        .find(|p| p.path == path)
        .and_then(|p| p.jobs.first())
        .unwrap_or_else(|| panic!("no job in {path}"))
}

/// A workflow whose one job uses the local action in `folder`.
fn workflow_using(folder: &str) -> String {
    format!(
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./{folder}\n"
    )
}

#[test]
fn action_using_itself_runs_only_its_own_steps() {
    let repo = repository();
    let mut action = String::from(ACTION_HEADER);
    for _ in 0..40 {
        action.push_str("    - uses: ./.github/actions/a\n");
    }
    action.push_str("    - run: echo from-a\n      shell: bash\n");
    write(repo.path(), ".github/actions/a/action.yml", &action);
    write(
        repo.path(),
        ".github/workflows/use.yml",
        workflow_using(".github/actions/a"),
    );

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    let pipelines = pipelines_of(repo.path());
    let steps = &job(&pipelines, ".github/workflows/use.yml").steps;
    // The workflow's `uses:` step, then the action's 41 steps, none expanded again.
    assert_eq!(steps.len(), 42);
    let echo = steps
        .iter()
        .flat_map(|s| &s.commands)
        .find(|c| c.text == "echo from-a")
        .expect("the action's command");
    assert_eq!(echo.location.path, ".github/actions/a/action.yml");
    assert_eq!(echo.location.line, 45);
}

#[test]
fn actions_using_each_other_stop_at_the_cycle() {
    let repo = repository();
    write(
        repo.path(),
        ".github/actions/a/action.yml",
        format!(
            "{ACTION_HEADER}    - uses: ./.github/actions/b\n    - run: echo from-a\n      shell: bash\n"
        ),
    );
    write(
        repo.path(),
        ".github/actions/b/action.yml",
        format!(
            "{ACTION_HEADER}    - uses: ./.github/actions/a\n    - run: echo from-b\n      shell: bash\n"
        ),
    );
    write(
        repo.path(),
        ".github/workflows/use.yml",
        workflow_using(".github/actions/a"),
    );

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    let pipelines = pipelines_of(repo.path());
    let steps = &job(&pipelines, ".github/workflows/use.yml").steps;
    let uses: Vec<_> = steps.iter().map(|s| s.uses.as_deref()).collect();
    assert_eq!(
        uses,
        [
            Some("./.github/actions/a"),
            Some("./.github/actions/b"),
            Some("./.github/actions/a"),
            None,
            None,
        ]
    );
    let from_b = &steps[3].commands[0];
    assert_eq!(from_b.text, "echo from-b");
    assert_eq!(
        (from_b.location.path.as_str(), from_b.location.line),
        (".github/actions/b/action.yml", 6)
    );
}

/// Four actions, each with `steps` steps using the next: the last holds the commands.
fn write_chain(root: &Path, steps: usize) {
    for k in 0..4 {
        let mut action = String::from(ACTION_HEADER);
        for _ in 0..steps {
            if k < 3 {
                action.push_str(&format!("    - uses: ./.github/actions/a{}\n", k + 1));
            } else {
                action.push_str("    - run: echo x\n      shell: bash\n");
            }
        }
        write(root, &format!(".github/actions/a{k}/action.yml"), action);
    }
    write(
        root,
        ".github/workflows/use.yml",
        workflow_using(".github/actions/a0"),
    );
}

#[test]
fn short_chain_of_actions_is_expanded_in_full() {
    let repo = repository();
    write_chain(repo.path(), 2);

    assess_within(repo.path());

    let pipelines = pipelines_of(repo.path());
    assert!(pipelines.read_in_part.is_empty());
    let steps = &job(&pipelines, ".github/workflows/use.yml").steps;
    // a0 = 2 steps, each followed by a1 = 2 × (1 + a2), a2 = 2 × (1 + a3), a3 = 2.
    assert_eq!(steps.len(), 1 + 2 * (1 + 2 * (1 + 2 * (1 + 2))));
    let echoes = steps.iter().flat_map(|s| &s.commands).count();
    assert_eq!(echoes, 16);
}

#[test]
fn long_chain_of_actions_is_bounded() {
    let repo = repository();
    // Sixty steps over four levels would be 13 million steps.
    write_chain(repo.path(), 60);

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    let pipelines = pipelines_of(repo.path());
    let steps = &job(&pipelines, ".github/workflows/use.yml").steps;
    assert!(steps.len() > 60, "{} steps", steps.len());
    assert!(steps.len() <= 200_000, "{} steps", steps.len());
    // What the budget left out is told: the actions whose expansion it cut (a3 uses none),
    // and not the workflow, which inlines a0 as it was expanded.
    let told: Vec<&str> = (assessment.inventory.read_in_part.iter())
        .map(|u| u.path.as_str())
        .collect();
    assert_eq!(
        told,
        [
            ".github/actions/a0",
            ".github/actions/a1",
            ".github/actions/a2"
        ]
    );
    assert!(
        assessment.inventory.read_in_part[0]
            .reason
            .starts_with("local actions it uses are not expanded into it past 200000")
    );
}

/// A workflow named `W` started by runs of `W`, with many dispatch inputs.
fn workflow_named_w(extra_on: &str) -> String {
    let inputs: String = (0..50)
        .map(|j| format!("      i{j}:\n        description: x\n"))
        .collect();
    format!(
        "name: W\non:\n{extra_on}  workflow_run:\n    workflows: [W]\n  workflow_dispatch:\n    inputs:\n{inputs}jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
}

#[test]
fn many_workflows_started_by_each_other_inherit_triggers() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/w0000.yml",
        workflow_named_w("  pull_request:\n"),
    );
    for i in 1..1000 {
        write(
            repo.path(),
            &format!(".github/workflows/w{i:04}.yml"),
            workflow_named_w(""),
        );
    }
    write(
        repo.path(),
        ".github/workflows/main-only.yml",
        "on:\n  workflow_run:\n    workflows: [W]\n    branches: [main]\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n",
    );

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    let pipelines = pipelines_of(repo.path());
    let triggers = |path: &str| {
        &pipelines
            .pipelines
            .iter()
            .find(|p| p.path == path)
            .expect("the workflow")
            .triggers
    };
    assert!(triggers(".github/workflows/w0999.yml").pull_request);
    assert!(triggers(".github/workflows/w0999.yml").manual);
    // Its own pull-request trigger, not inherited: the others run on pull requests only
    // because it does.
    assert!(triggers(".github/workflows/w0000.yml").pull_request);
    let main_only = triggers(".github/workflows/main-only.yml");
    assert!(!main_only.pull_request);
    assert!(main_only.manual);
}

#[test]
fn many_jobs_calling_one_reusable_workflow_pass_on_their_triggers() {
    let repo = repository();
    let long = "r".repeat(200);
    let mut caller = String::from("on: [push, pull_request]\njobs:\n");
    for i in 0..500 {
        caller.push_str(&format!(
            "  j{i}:\n    uses: ./.github/workflows/{long}{:04}.yml\n",
            i % 2
        ));
    }
    write(repo.path(), ".github/workflows/caller.yml", caller);
    for i in 0..300 {
        write(
            repo.path(),
            &format!(".github/workflows/{long}{i:04}.yml"),
            "on: workflow_call\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo test\n",
        );
    }

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    let pipelines = pipelines_of(repo.path());
    let triggers = |i: usize| {
        let path = format!(".github/workflows/{long}{i:04}.yml");
        let pipeline = pipelines.pipelines.iter().find(|p| p.path == path);
        pipeline.map(|p| (p.triggers.pull_request, p.triggers.push))
    };
    assert_eq!(triggers(0), Some((true, true)));
    assert_eq!(triggers(1), Some((true, true)));
    assert_eq!(triggers(2), Some((false, false)));
}

/// A composite action of 16,000 steps, each piping a download into a shell and expanding an
/// issue's title: 32,000 findings in one 1.7 MB file, each located through the file's line
/// index (they were counted from the top of the file each time, 27 s in a release build for
/// 18,500 steps). The first hundred of each rule are listed, and the file is said to be read
/// in part.
#[test]
fn thousands_of_findings_in_one_action_are_located_in_one_pass() {
    let mut action = String::from(ACTION_HEADER);
    for i in 0..16_000 {
        action.push_str(&format!(
            "    - shell: bash\n      run: curl -sSL https://example.test/{i} | sh && echo \"${{{{ github.event.issue.title }}}}\"\n"
        ));
    }
    assert!(action.len() < 2_000_000, "{}", action.len());
    let repo = repository();
    write(repo.path(), ".github/actions/many/action.yml", &action);

    let assessment = assess_within(repo.path());

    let count = |id: &str| {
        (assessment.findings.iter())
            .filter(|f| f.id == id && f.location.path == ".github/actions/many/action.yml")
            .count()
    };
    assert_eq!(count("curl-pipe-shell"), 100);
    assert_eq!(count("template-injection"), 100);
    let last = (assessment.findings.iter())
        .rfind(|f| f.id == "template-injection")
        .unwrap();
    assert_eq!(last.location.line, 4 + 2 * 100);
    let path = ".github/actions/many/action.yml".to_string();
    assert_eq!(
        read_in_part(&assessment),
        vec![
            (path.clone(), past_the_first_hundred("curl-pipe-shell")),
            (path, past_the_first_hundred("template-injection")),
        ]
    );
}

/// A job binding 6,000 variables to an issue's title, whose 20,000 steps each use a local
/// action, every other one after writing `$GITHUB_ENV`: the variables each step hands the
/// action are worked out once for the job and kept up to date, not gathered again from all
/// of them at every step.
#[test]
fn thousands_of_steps_handing_a_large_environment_to_an_action_are_read_once() {
    let mut workflow =
        String::from("on: issues\njobs:\n  j:\n    runs-on: ubuntu-latest\n    env:\n");
    for i in 0..6_000 {
        workflow.push_str(&format!(
            "      V{i}: ${{{{ github.event.issue.title }}}}\n"
        ));
    }
    workflow.push_str("    steps:\n");
    for i in 0..10_000 {
        workflow.push_str(&format!(
            "      - run: echo \"W{i}=${{{{ github.sha }}}}\" >> \"$GITHUB_ENV\"\n      \
             - uses: ./.github/actions/a\n      - uses: ./.github/actions/a\n"
        ));
    }
    assert!(workflow.len() < 2_000_000, "{}", workflow.len());
    let repo = repository();
    write(repo.path(), ".github/workflows/many.yml", &workflow);
    write(
        repo.path(),
        ".github/actions/a/action.yml",
        format!("{ACTION_HEADER}    - shell: bash\n      run: echo \"${{{{ env.V1 }}}}\"\n"),
    );

    let assessment = assess_within(repo.path());

    let injections: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "template-injection")
        .map(|f| (f.location.path.as_str(), f.location.line))
        .collect();
    assert_eq!(injections, [(".github/actions/a/action.yml", 6)]);
}
