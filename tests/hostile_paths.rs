//! Hostile pipeline shapes for production paths: hundreds of production deploys, each
//! waiting for every job before it through GitLab stages or layers of `needs`. Working out
//! what runs before and after each deploy stays in proportion to the paths reported, and the
//! controls still come from the jobs upstream and downstream.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;
use shipready::Assessment;
use shipready::evidence::production::{ControlStatus, PathControl, ProductionPath};

fn control<'a>(path: &'a ProductionPath, name: &str) -> &'a PathControl {
    path.controls
        .iter()
        .find(|c| c.control == name)
        .unwrap_or_else(|| panic!("{} has no control {name}", path.job))
}

/// The file and line a control was found at.
fn found_at(path: &ProductionPath, name: &str) -> (String, usize) {
    let location = control(path, name)
        .location
        .as_ref()
        .unwrap_or_else(|| panic!("{name} of {} has no location", path.job));
    (location.path.clone(), location.line)
}

fn paths_in<'a>(assessment: &'a Assessment, pipeline: &str) -> Vec<&'a ProductionPath> {
    assessment
        .production_paths
        .iter()
        .filter(|p| p.pipeline == pipeline)
        .collect()
}

/// A GitLab pipeline of one job per stage: unit tests first, then `deploys` production
/// deploys, then a health check. Each job waits for every job of the stages before it.
fn gitlab_one_job_per_stage(deploys: usize) -> String {
    let stages: Vec<String> = (0..deploys + 2).map(|i| format!("s{i}")).collect();
    let mut text = format!("stages: [{}]\n", stages.join(", "));
    text.push_str("unit-tests:\n  stage: s0\n  script:\n    - cargo test --locked\n");
    for i in 1..=deploys {
        text.push_str(&format!(
            "deploy-{i}:\n  stage: s{i}\n  environment: production\n  script:\n    - kubectl apply -f k8s/\n"
        ));
    }
    text.push_str(&format!(
        "verify:\n  stage: s{}\n  script:\n    - curl --fail https://example.com/healthz\n",
        deploys + 1
    ));
    text
}

#[test]
fn hundreds_of_gitlab_deploys_one_per_stage_are_each_followed_in_one_pass() {
    let repo = repository();
    let deploys = 400;
    write(
        repo.path(),
        ".gitlab-ci.yml",
        gitlab_one_job_per_stage(deploys),
    );

    let assessment = assess_within(repo.path());

    let paths = paths_in(&assessment, ".gitlab-ci.yml");
    assert_eq!(paths.len(), deploys);
    let last = paths.last().unwrap();
    assert_eq!(last.job, format!("deploy-{deploys}"));
    let tests = control(last, "tests");
    assert_eq!(tests.status, ControlStatus::Present, "{}", tests.detail);
    assert_eq!(tests.detail, "job unit-tests in .gitlab-ci.yml");
    assert_eq!(found_at(last, "tests"), (".gitlab-ci.yml".to_string(), 5));
    // The health check runs in the last stage, after every deploy.
    let first = paths.first().unwrap();
    assert_eq!(first.job, "deploy-1");
    assert_eq!(
        control(first, "health check").status,
        ControlStatus::Present
    );
    assert_eq!(
        control(first, "health check").detail,
        "job verify in .gitlab-ci.yml"
    );
    assert_good_workflow_assessed(&assessment);
}

/// A GitHub workflow of `deploys` production deploys in layers of ten, each deploy needing
/// the whole layer before it; the first layer needs a test job (one allowed to fail) and a
/// health check needs the last layer.
fn github_layered_needs(deploys: usize) -> String {
    let mut text = String::from(
        "name: deploy
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    continue-on-error: true
    steps:
      - run: cargo test --locked
",
    );
    let layer = |l: usize| -> Vec<String> {
        (l * 10..(l * 10 + 10).min(deploys))
            .map(|i| format!("deploy-{i}"))
            .collect()
    };
    for i in 0..deploys {
        let needs = match i / 10 {
            0 => vec!["test".to_string()],
            l => layer(l - 1),
        };
        text.push_str(&format!(
            "  deploy-{i}:
    runs-on: ubuntu-latest
    environment: production
    needs: [{}]
    steps:
      - run: kubectl apply -f k8s/
",
            needs.join(", ")
        ));
    }
    text.push_str(&format!(
        "  verify:
    runs-on: ubuntu-latest
    needs: [{}]
    steps:
      - run: curl --fail https://example.com/healthz
",
        layer((deploys - 1) / 10).join(", ")
    ));
    text
}

#[test]
fn six_hundred_github_deploys_in_layers_of_needs_are_each_followed_in_one_pass() {
    let repo = repository();
    let deploys = 600;
    let workflow = ".github/workflows/deploy.yml";
    write(repo.path(), workflow, github_layered_needs(deploys));

    let assessment = assess_within(repo.path());

    let paths = paths_in(&assessment, workflow);
    assert_eq!(paths.len(), deploys);
    let last = paths.last().unwrap();
    assert_eq!(last.job, format!("deploy-{}", deploys - 1));
    // The tests run first, through sixty layers of needs, but may fail.
    let tests = control(last, "tests");
    assert_eq!(tests.status, ControlStatus::NonBlocking, "{}", tests.detail);
    assert!(
        tests.detail.contains("continue-on-error"),
        "{}",
        tests.detail
    );
    assert_eq!(found_at(last, "tests"), (workflow.to_string(), 10));
    let first = paths.first().unwrap();
    assert_eq!(first.job, "deploy-0");
    assert_eq!(
        control(first, "health check").status,
        ControlStatus::Present
    );
    assert_eq!(
        control(first, "health check").detail,
        format!("job verify in {workflow}")
    );
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn fifteen_hundred_github_deploys_in_layers_of_needs_match_each_job_once() {
    let repo = repository();
    let deploys = 1500;
    let workflow = ".github/workflows/deploy.yml";
    write(repo.path(), workflow, github_layered_needs(deploys));

    let assessment = assess_within(repo.path());

    let paths = paths_in(&assessment, workflow);
    assert_eq!(paths.len(), deploys);
    let last = paths.last().unwrap();
    assert_eq!(last.job, format!("deploy-{}", deploys - 1));
    let tests = control(last, "tests");
    assert_eq!(tests.status, ControlStatus::NonBlocking, "{}", tests.detail);
    assert_eq!(tests.detail, "job test sets continue-on-error: true");
    assert_eq!(found_at(last, "tests"), (workflow.to_string(), 10));
    let health = control(paths[deploys / 2], "health check");
    assert_eq!(health.status, ControlStatus::Present);
    assert_eq!(health.detail, format!("job verify in {workflow}"));
    let line = 10 + 6 * deploys + 5;
    assert_eq!(found_at(last, "health check"), (workflow.to_string(), line));
    assert_good_workflow_assessed(&assessment);
}

/// A GitLab pipeline of `deploys` jobs that deploy without naming an environment (so each is
/// a production deploy), in layers of ten that each need the whole layer before; the first
/// layer needs a test job and a backup job, and the last deploy migrates first.
fn gitlab_layered_deploys(deploys: usize) -> String {
    let mut text = String::from(
        "stages: [test, deploy]
unit-tests:
  stage: test
  script:
    - cargo test --locked
backup:
  stage: test
  script:
    - pg_dump app > backup.sql
",
    );
    for i in 0..deploys {
        let needs: Vec<String> = match i / 10 {
            0 => vec!["unit-tests".to_string(), "backup".to_string()],
            l => ((l - 1) * 10..l * 10)
                .map(|j| format!("deploy-{j}"))
                .collect(),
        };
        let migrate = if i + 1 == deploys {
            "    - alembic upgrade head\n"
        } else {
            ""
        };
        text.push_str(&format!(
            "deploy-{i}:\n  stage: deploy\n  needs: [{}]\n  script:\n{migrate}    - kubectl apply -f k8s/\n",
            needs.join(", ")
        ));
    }
    text
}

#[test]
fn fifteen_hundred_gitlab_deploys_in_layers_of_needs_match_each_job_once() {
    let repo = repository();
    let deploys = 1500;
    write(
        repo.path(),
        ".gitlab-ci.yml",
        gitlab_layered_deploys(deploys),
    );

    let assessment = assess_within(repo.path());

    let paths = paths_in(&assessment, ".gitlab-ci.yml");
    assert_eq!(paths.len(), deploys);
    let last = paths.last().unwrap();
    assert_eq!(last.job, format!("deploy-{}", deploys - 1));
    assert_eq!(last.environment, "production (no environment named)");
    let tests = control(last, "tests");
    assert_eq!(tests.status, ControlStatus::Present, "{}", tests.detail);
    assert_eq!(tests.detail, "job unit-tests in .gitlab-ci.yml");
    assert_eq!(found_at(last, "tests"), (".gitlab-ci.yml".to_string(), 5));
    let backup = control(last, "backup before migration");
    assert_eq!(backup.status, ControlStatus::Present, "{}", backup.detail);
    assert_eq!(backup.detail, "job backup in .gitlab-ci.yml");
    assert_eq!(found_at(last, "backup before migration").1, 9);
    // Only the last deploy migrates.
    let first = paths.first().unwrap();
    assert_eq!(
        control(first, "backup before migration").status,
        ControlStatus::NotApplicable
    );
    assert_good_workflow_assessed(&assessment);
}

/// Reusable workflows calling each other four levels deep, `width` workflows a level: the
/// production deploy is called by every workflow of the first level, and each workflow of a
/// later level has one job calling each workflow of the level below. The top level runs on
/// push, after a test job.
fn reusable_workflow_levels(root: &std::path::Path, width: usize) {
    write(
        root,
        ".github/workflows/deploy.yml",
        "name: deploy
on:
  workflow_call:
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: kubectl apply -f k8s/
",
    );
    for level in 1..=4 {
        for index in 0..width {
            let trigger = if level < 4 {
                "  workflow_call:\n"
            } else {
                "  push:\n    branches: [main]\n"
            };
            let mut text = format!("name: l{level}-{index}\non:\n{trigger}jobs:\n");
            let mut needs = "";
            if level == 4 {
                text.push_str(
                    "  checks:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo test --locked\n",
                );
                needs = "    needs: [checks]\n";
            }
            let targets: Vec<String> = match level {
                1 => vec!["deploy.yml".to_string()],
                _ => (0..width)
                    .map(|i| format!("l{}-{i}.yml", level - 1))
                    .collect(),
            };
            for (i, target) in targets.iter().enumerate() {
                text.push_str(&format!(
                    "  call-{i}:\n{needs}    uses: ./.github/workflows/{target}\n"
                ));
            }
            write(
                root,
                &format!(".github/workflows/l{level}-{index}.yml"),
                text,
            );
        }
    }
}

#[test]
fn reusable_workflows_calling_each_other_many_ways_are_each_searched_once() {
    let repo = repository();
    reusable_workflow_levels(repo.path(), 30);

    let assessment = assess_within(repo.path());

    let paths = paths_in(&assessment, ".github/workflows/deploy.yml");
    assert_eq!(paths.len(), 1);
    // The tests run in the workflows four calls away from the deploy.
    let tests = control(paths[0], "tests");
    assert_eq!(tests.status, ControlStatus::Present, "{}", tests.detail);
    assert_eq!(tests.detail, "job checks in .github/workflows/l4-0.yml");
    assert_eq!(
        found_at(paths[0], "tests"),
        (".github/workflows/l4-0.yml".to_string(), 9)
    );
    assert_good_workflow_assessed(&assessment);
}

/// A workflow of 8,000 test jobs in a chain whose last job 4,000 jobs wait for, each calling
/// its own reusable workflow that deploys to production (1.3 MB in 4,001 files). What runs
/// before each called workflow is made from what its caller waits for, worked out once for
/// the caller's workflow (each called workflow's deploy walked the chain again: 3.3 s), and
/// every deploy finds the tests at the end of the chain.
#[test]
fn thousands_of_reusable_deploys_called_after_one_long_chain_are_each_followed_once() {
    let (chain, calls) = (8_000, 4_000);
    let repo = repository();
    let mut main = String::from("on:\n  push:\n    branches: [main]\njobs:\n");
    for i in 0..chain {
        let needs = if i == 0 {
            String::new()
        } else {
            format!("    needs: c{}\n", i - 1)
        };
        main.push_str(&format!(
            "  c{i}:\n    runs-on: ubuntu-latest\n{needs}    steps:\n      - run: pytest -q tests/{i}\n"
        ));
    }
    for i in 0..calls {
        main.push_str(&format!(
            "  call-{i}:\n    needs: c{}\n    uses: ./.github/workflows/deploy-{i}.yml\n",
            chain - 1
        ));
        write(
            repo.path(),
            &format!(".github/workflows/deploy-{i}.yml"),
            format!(
                "on:\n  workflow_call:\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/{i}\n"
            ),
        );
    }
    write(repo.path(), ".github/workflows/main.yml", &main);
    let last_tests = main[..main.find(&format!("  c{}:\n", chain - 1)).unwrap()]
        .matches('\n')
        .count()
        + 5;

    let assessment = assess_within(repo.path());

    assert_eq!(assessment.production_paths.len(), calls);
    for path in &assessment.production_paths {
        let tests = control(path, "tests");
        assert_eq!(tests.status, ControlStatus::Present, "{}", path.pipeline);
        assert_eq!(tests.detail, "job c7999 in .github/workflows/main.yml");
        assert_eq!(
            found_at(path, "tests"),
            (".github/workflows/main.yml".to_string(), last_tests)
        );
    }
    assert_good_workflow_assessed(&assessment);
}

/// A 2 MB workflow of 7,500 production deploys (`kubectl apply` or `helm upgrade`) in layers
/// of ten, each deploy needing the whole layer before it; every fiftieth layer runs the tests
/// first, a test job that may fail starts the chain, and a health check waits for the last
/// layer. The best place for each control before and after every job is worked out once for
/// the whole workflow (each deploy walked the jobs before it: 3.9 s in a release build), and
/// each deploy still finds the nearest tests that can stop it and the health check at the end.
#[test]
fn thousands_of_layered_deploys_find_their_controls_in_one_pass() {
    let (deploys, width) = (7_500, 10);
    let mut text = String::from(
        "name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  unit-tests:\n    runs-on: ubuntu-latest\n    continue-on-error: true\n    steps:\n      - run: cargo test --locked\n",
    );
    for i in 0..deploys {
        let layer = i / width;
        let needs = match layer {
            0 => "unit-tests".to_string(),
            _ => ((layer - 1) * width..layer * width)
                .map(|j| format!("deploy-{j}"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let tests = if layer % 50 == 0 {
            "      - run: pytest -q tests/\n"
        } else {
            ""
        };
        let command = if i % 2 == 0 {
            "kubectl apply -f k8s/"
        } else {
            "helm upgrade --install app ./chart"
        };
        text.push_str(&format!(
            "  deploy-{i}:\n    runs-on: ubuntu-latest\n    environment: production\n    needs: [{needs}]\n    steps:\n{tests}      - run: {command}\n"
        ));
    }
    let last_layer = ((deploys - width)..deploys)
        .map(|j| format!("deploy-{j}"))
        .collect::<Vec<_>>()
        .join(", ");
    text.push_str(&format!(
        "  verify:\n    runs-on: ubuntu-latest\n    needs: [{last_layer}]\n    steps:\n      - run: curl --fail https://example.com/healthz\n"
    ));
    assert!(
        text.len() > 1_900_000 && text.len() < 2_000_000,
        "{}",
        text.len()
    );
    let line_of = |needle: &str| text[..text.find(needle).unwrap()].matches('\n').count() + 1;
    let repo = repository();
    write(repo.path(), ".github/workflows/deploy.yml", &text);

    let assessment = assess_within(repo.path());

    let paths = &assessment.production_paths;
    assert_eq!(paths.len(), deploys);
    let control = |index: usize, name: &str| {
        let path = &paths[index];
        assert_eq!(path.job, format!("deploy-{index}"));
        let control = path.controls.iter().find(|c| c.control == name).unwrap();
        let location = control.location.as_ref().map(|l| l.line);
        (control.status, control.detail.clone(), location)
    };
    // The last deploy is 749 layers in: the nearest tests are those of layer 700, the first
    // job of which the file lists first; the test job at the start may fail.
    let tests_at = line_of("  deploy-7000:\n") + 5;
    assert_eq!(
        control(deploys - 1, "tests"),
        (
            ControlStatus::Present,
            "job deploy-7000 in .github/workflows/deploy.yml".to_string(),
            Some(tests_at)
        )
    );
    // The first layer runs its own tests before deploying; the second waits for them.
    assert_eq!(
        control(12, "tests").1,
        "job deploy-0 in .github/workflows/deploy.yml"
    );
    // The first layer's own tests run before it deploys; the test job before it may fail.
    let (status, detail, _) = control(3, "tests");
    assert_eq!(status, ControlStatus::Present, "{detail}");
    assert_eq!(detail, "job deploy-3 in .github/workflows/deploy.yml");
    let verify_at = line_of("  verify:\n") + 4;
    for index in [0, deploys / 2, deploys - 1] {
        assert_eq!(
            control(index, "health check"),
            (
                ControlStatus::Present,
                "job verify in .github/workflows/deploy.yml".to_string(),
                Some(verify_at)
            )
        );
    }
    assert_eq!(
        control(deploys - 1, "backup before migration").0,
        ControlStatus::NotApplicable
    );
    assert!(assessment.inventory.read_in_part.is_empty());
}

/// 8,000 jobs scanning images on pull requests and 8,000 production deploys that wait for
/// none of them (1.7 MB): each scan's reason names three deploys and counts the rest from a
/// list made once (it listed and formatted every deploy again for each scan: 19.7 s).
#[test]
fn thousands_of_scans_off_every_production_path_name_the_deploys_once() {
    let jobs = 8_000;
    let mut scans = String::from("on: pull_request\njobs:\n");
    let mut deploys = String::from("on:\n  push:\n    branches: [main]\njobs:\n");
    for i in 0..jobs {
        scans.push_str(&format!(
            "  scan-{i}:\n    runs-on: ubuntu-latest\n    steps:\n      - run: trivy image --exit-code 1 app:{i}\n"
        ));
        deploys.push_str(&format!(
            "  deploy-{i}:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/{i}\n"
        ));
    }
    let repo = repository();
    write(repo.path(), ".github/workflows/scan.yml", &scans);
    write(repo.path(), ".github/workflows/deploy.yml", &deploys);
    write(
        repo.path(),
        "Dockerfile",
        "FROM python:3.12-slim\nCMD [\"python\"]\n",
    );

    let assessment = assess_within(repo.path());

    let practice = (assessment.practices.iter())
        .find(|p| p.id == "SEC-12")
        .unwrap();
    assert_eq!(practice.state, shipready::evidence::State::Partial);
    assert_eq!(
        practice.reason.as_deref(),
        Some(
            "no production deploy waits for it; .github/workflows/deploy.yml (job deploy-0), \
             .github/workflows/deploy.yml (job deploy-1), .github/workflows/deploy.yml (job \
             deploy-2) and 7997 more deploy without it"
        )
    );
    assert_eq!(assessment.production_paths.len(), jobs);
}

/// 10,050 production deploys: the first 10,000 paths are listed, and the report says where
/// the list stops (80,000 generated deploys made a report of 130 MB).
#[test]
fn production_paths_past_ten_thousand_are_weighed_but_not_listed() {
    let mut text = String::from("on: push\njobs:\n");
    for i in 0..10_050 {
        text.push_str(&format!(
            "  d{i:05}:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: kubectl apply -f k8s/\n"
        ));
    }
    let repo = repository();
    write(repo.path(), ".github/workflows/deploy.yml", text);

    let assessment = assess_within(repo.path());

    let paths = paths_in(&assessment, ".github/workflows/deploy.yml");
    assert_eq!(paths.len(), shipready::assessment::MAX_PATHS_LISTED);
    assert_eq!(paths.last().unwrap().job, "d09999");
    assert_eq!(
        read_in_part(&assessment),
        vec![(
            ".github/workflows/deploy.yml".to_string(),
            "production paths past the first 10000 of 10050 are not listed, from job d10000 \
             on; practices and gates weigh them all"
                .to_string()
        )]
    );
}
