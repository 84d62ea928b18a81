//! Hostile pipelines that multiply what steps call: thousands of steps running the same long
//! script, the same Make target or `pre-commit run` over a long hook list. Each script,
//! recipe list and hook list is read once, and the commands added to steps are bounded over
//! the whole repository ([`MAX_EXPANDED`]), so these finish in bounded time and memory.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use std::path::Path;

use hostile_support::*;
use shipready::pipeline::{MAX_EXPANDED, Pipelines};

/// The pipeline model of the repository at `root`, after a guarded whole assessment.
fn pipelines(root: &Path) -> Pipelines {
    let assessment = assess_within(root);
    assert_good_workflow_assessed(&assessment);
    let (inventory, _) = shipready::inventory::list(root)
        .unwrap()
        .read(|_, _| ((), true));
    shipready::pipeline::build(&inventory)
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

/// `make test` running 600 recipe lines, from the `test` target and the two it needs: the
/// first 500 are followed and the Makefile is named as read in part, saying which call ran
/// past the limit and how the report shows it; `make lint` beside it is read in full.
#[test]
fn a_make_call_running_more_than_is_followed_is_named() {
    let mut makefile =
        String::from("test: unit integration\n\tgo test -coverprofile=c.out ./...\n");
    makefile.push_str("lint:\n\tgolangci-lint run\n");
    for target in ["unit", "integration"] {
        makefile.push_str(&format!("{target}:\n"));
        for i in 0..300 {
            makefile.push_str(&format!("\tgo test ./{target}/pkg{i}/...\n"));
        }
    }
    let repo = repository();
    write(repo.path(), "Makefile", &makefile);
    let workflow = workflow_of_steps(2, |i| ["make test", "make lint"][i].to_string());
    write(repo.path(), ".github/workflows/make.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/make.yml");

    assert_eq!(steps[0].len(), 1 + 500);
    assert_eq!(steps[0][1], "go test ./unit/pkg0/...");
    assert_eq!(steps[0][500], "go test ./integration/pkg199/...");
    assert_eq!(steps[1], ["make lint", "golangci-lint run"]);
    assert_eq!(read_in_part(&pipelines), ["Makefile"]);
    assert_eq!(
        pipelines.read_in_part[0].reason,
        "only the first 500 commands of what `make test` runs are followed from the steps that \
         run it"
    );
    let assessment = assess_within(repo.path());
    let text = shipready::report::text::render(&assessment);
    assert!(text.contains("Read or listed in part"), "{text}");
    assert!(
        text.contains("only the first 500 commands of what `make test` runs"),
        "{text}"
    );
}

/// `make deploy` needing a chain of 20 targets, each with a recipe: the 16 levels below
/// `deploy` are followed and the Makefile says the rest were not; `make check`, whose chain
/// is 16 levels deep, is read in full.
#[test]
fn make_prerequisites_deeper_than_followed_are_named() {
    let mut makefile = String::from("deploy: step0\n\tkubectl apply -f k8s/\n");
    for level in 0..20 {
        makefile.push_str(&format!("step{level}: step{}\n\techo {level}\n", level + 1));
    }
    makefile.push_str("check: step4\n\tpytest -q\n");
    let repo = repository();
    write(repo.path(), "Makefile", &makefile);
    let workflow = workflow_of_steps(2, |i| ["make check", "make deploy"][i].to_string());
    write(repo.path(), ".github/workflows/make.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/make.yml");

    // step4 to step19 is 16 levels below check; step20 has no rule.
    assert_eq!(steps[0].len(), 1 + 17);
    assert_eq!(steps[1].len(), 1 + 17);
    assert_eq!(steps[1][1], "echo 15");
    assert_eq!(read_in_part(&pipelines), ["Makefile"]);
    assert_eq!(
        pipelines.read_in_part[0].reason,
        "targets more than 16 levels of prerequisites below those `make deploy` names are not \
         followed"
    );
}

/// 5,000 steps each running another target of a Makefile of 40,000 rules (1.3 MB): the
/// Makefile is read once, not once for each target named (93 s).
#[test]
fn thousands_of_steps_running_different_make_targets_read_the_makefile_once() {
    let mut makefile = String::new();
    for i in 0..40_000 {
        makefile.push_str(&format!("t{i}:\n\tgo test ./pkg{i}/...\n"));
    }
    let repo = repository();
    write(repo.path(), "Makefile", &makefile);
    let workflow = workflow_of_steps(5_000, |i| format!("make t{}", i * 8));
    write(repo.path(), ".github/workflows/make.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/make.yml");

    assert_eq!(steps.len(), 5_000);
    assert_eq!(steps[4_999], ["make t39992", "go test ./pkg39992/..."]);
    assert!(pipelines.read_in_part.is_empty());
}

/// One rule naming 20,000 targets, with 20,000 prerequisites and a recipe of 20,000 lines
/// (0.5 MB): the rule is shared by its targets (it was copied for each, past 24 GB), and
/// `make t5` is followed to the limit and said to be.
#[test]
fn a_make_rule_of_thousands_of_targets_is_read_once() {
    let names = |prefix: &str| {
        (0..20_000)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut makefile = format!("{}: {}\n", names("t"), names("p"));
    for i in 0..20_000 {
        makefile.push_str(&format!("\techo {i}\n"));
    }
    let repo = repository();
    write(repo.path(), "Makefile", &makefile);
    write(
        repo.path(),
        ".github/workflows/make.yml",
        workflow_of_steps(1, |_| "make t5".to_string()),
    );

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/make.yml");

    assert_eq!(steps[0].len(), 1 + 500);
    assert_eq!(steps[0][500], "echo 499");
    assert_eq!(read_in_part(&pipelines), ["Makefile"]);
}

/// Once the budget is spent, a step calling a script that does not exist, a script of
/// comments only, `make` without a Makefile, or `pre-commit run` without a configuration
/// leaves nothing out: its workflow is read in full (each call was counted as cut without
/// being looked up). A later workflow calling the long script is read in part.
#[test]
fn calls_that_add_nothing_after_the_budget_is_spent_are_not_cut() {
    let mut script = String::from("#!/bin/sh\n");
    for i in 0..500 {
        script.push_str(&format!("pytest -q tests/{i}\n"));
    }
    let repo = repository();
    write(repo.path(), "ci/check.sh", &script);
    write(
        repo.path(),
        "ci/notes.sh",
        "#!/bin/sh\n# nothing to run yet\n",
    );
    // 100 steps of 500 commands spend the budget; the 101st is cut.
    let spend = workflow_of_steps(101, |_| "bash ci/check.sh".to_string());
    write(repo.path(), ".github/workflows/a-spend.yml", spend);
    let calls = [
        "bash ci/missing.sh",
        "./ci/notes.sh",
        "make lint",
        "pre-commit run --all-files",
    ];
    let nothing = workflow_of_steps(calls.len(), |i| calls[i].to_string());
    write(repo.path(), ".github/workflows/b-nothing.yml", nothing);
    let more = workflow_of_steps(1, |_| "bash ci/check.sh".to_string());
    write(repo.path(), ".github/workflows/c-more.yml", more);

    let pipelines = pipelines(repo.path());

    assert_eq!(
        read_in_part(&pipelines),
        [
            ".github/workflows/a-spend.yml",
            ".github/workflows/c-more.yml"
        ]
    );
    let steps = step_commands(&pipelines, ".github/workflows/b-nothing.yml");
    assert!(steps.iter().all(|s| s.len() == 1), "{steps:?}");
}

/// A step running a script that runs a script, and so on four deep: three levels are
/// followed and the workflow says the fourth was not; where the fourth script does not exist,
/// nothing is said.
#[test]
fn scripts_called_deeper_than_followed_are_told() {
    let repo = repository();
    for level in 1..4 {
        write(
            repo.path(),
            &format!("ci/deep{level}.sh"),
            format!("#!/bin/sh\nbash ci/deep{}.sh\n", level + 1),
        );
        write(
            repo.path(),
            &format!("ci/short{level}.sh"),
            format!("#!/bin/sh\nbash ci/short{}.sh\n", level + 1),
        );
    }
    write(repo.path(), "ci/deep4.sh", "#!/bin/sh\npytest -q\n");
    write(
        repo.path(),
        ".github/workflows/deep.yml",
        workflow_of_steps(1, |_| "bash ci/deep1.sh".to_string()),
    );
    write(
        repo.path(),
        ".github/workflows/short.yml",
        workflow_of_steps(1, |_| "bash ci/short1.sh".to_string()),
    );

    let pipelines = pipelines(repo.path());

    let steps = step_commands(&pipelines, ".github/workflows/deep.yml");
    assert_eq!(
        steps[0],
        [
            "bash ci/deep1.sh",
            "bash ci/deep2.sh",
            "bash ci/deep3.sh",
            "bash ci/deep4.sh"
        ]
    );
    assert_eq!(read_in_part(&pipelines), [".github/workflows/deep.yml"]);
    assert_eq!(
        pipelines.read_in_part[0].reason,
        "scripts and Make targets called more than 3 calls deep from a step are not followed"
    );
}

/// A Makefile including 20 files: the first 16 are read for its rules and the Makefile says
/// the others were not, so `make release`, defined in the 18th, runs nothing that is seen.
#[test]
fn makefile_includes_past_those_read_are_told() {
    let repo = repository();
    let mut makefile = String::from("test:\n\tpytest -q\n");
    for i in 0..20 {
        makefile.push_str(&format!("include mk/part{i:02}.mk\n"));
        write(
            repo.path(),
            &format!("mk/part{i:02}.mk"),
            format!("part{i}:\n\techo {i}\n"),
        );
    }
    write(
        repo.path(),
        "mk/part17.mk",
        "release:\n\tgoreleaser release --clean\n",
    );
    write(repo.path(), "Makefile", &makefile);
    let workflow = workflow_of_steps(2, |i| ["make part15", "make release"][i].to_string());
    write(repo.path(), ".github/workflows/make.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/make.yml");

    assert_eq!(steps[0], ["make part15", "echo 15"]);
    assert_eq!(steps[1], ["make release"]);
    assert_eq!(read_in_part(&pipelines), ["Makefile"]);
    assert_eq!(
        pipelines.read_in_part[0].reason,
        "only the first 16 files it includes are read for its rules"
    );
}

/// 3,000 steps each running `mvn verify` on a POM that binds 60 goals would add 180,000
/// commands: steps get the goals until the budget is spent, and the cut is told.
#[test]
fn thousands_of_maven_steps_over_a_pom_of_many_goals() {
    let mut pom = String::from("<project>\n  <build>\n    <plugins>\n");
    for i in 0..60 {
        pom.push_str(&format!(
            "      <plugin>\n        <artifactId>tool{i}-maven-plugin</artifactId>\n        <executions><execution><goals><goal>check</goal></goals></execution></executions>\n      </plugin>\n"
        ));
    }
    pom.push_str("    </plugins>\n  </build>\n</project>\n");
    let repo = repository();
    write(repo.path(), "pom.xml", &pom);
    let workflow = workflow_of_steps(3_000, |i| format!("mvn -B verify -Drun={i}"));
    write(repo.path(), ".github/workflows/build.yml", workflow);

    let pipelines = pipelines(repo.path());
    let steps = step_commands(&pipelines, ".github/workflows/build.yml");
    // The call, the tests it runs and the 60 goals.
    assert_eq!(steps[0].len(), 1 + 1 + 60);
    assert_eq!(steps[0][1..3], ["mvn surefire:test", "mvn tool0:check"]);
    let added: usize = steps.iter().map(|s| s.len() - 1).sum();
    assert_eq!(added, MAX_EXPANDED);
    assert_eq!(steps[2_999], ["mvn -B verify -Drun=2999"]);
    assert_eq!(read_in_part(&pipelines), [".github/workflows/build.yml"]);
    assert!(
        pipelines.read_in_part[0]
            .reason
            .contains("Maven and Gradle builds bind")
    );
}
