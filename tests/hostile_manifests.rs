//! Hostile sizes of ordinary files: package manifests with tens of thousands of dependencies
//! and an Alembic versions folder with thousands of heads. Each case finishes in bounded time,
//! still locates what it reports and still assesses the rest.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod hostile_support;

use hostile_support::*;
use shipready::Assessment;
use shipready::inventory::Ecosystem;
use shipready::parse::manifests;

/// A Dockerfile makes the repository deployable, so error tracking applies and the report
/// shows the dependency that points at it.
const DOCKERFILE: &str =
    "FROM python:3.12-slim\nCOPY app /app\nCMD [\"python\", \"/app/main.py\"]\n";

/// The line and column the report cites for a dependency, from the error-tracking practice.
fn cited(assessment: &Assessment, path: &str, dependency: &str) -> (usize, usize) {
    let summary = format!("dependency {dependency} declared");
    let practice = assessment
        .practices
        .iter()
        .find(|p| p.id == "MON-08")
        .expect("error tracking is assessed");
    let evidence = practice
        .evidence
        .iter()
        .find(|e| e.location.path == path && e.summary == summary)
        .unwrap_or_else(|| panic!("no {summary:?} in {path}: {:#?}", practice.evidence));
    (evidence.location.line, evidence.location.column)
}

fn dependency_count(path: &str, ecosystem: Ecosystem, text: &str) -> usize {
    manifests::parse(path, ecosystem, text).unwrap().len()
}

#[test]
fn requirements_with_a_hundred_thousand_lines_are_located_in_time() {
    let repo = repository();
    write(repo.path(), "Dockerfile", DOCKERFILE);
    let count = 140_000;
    let mut text: String = (0..count).map(|i| format!("pkg{i}==1.0\n")).collect();
    text.push_str("sentry-sdk==2.0\n");
    assert!(text.len() > 1_900_000 && text.len() < 2 << 20);
    write(repo.path(), "requirements.txt", &text);

    let assessment = assess_within(repo.path());

    assert_eq!(
        cited(&assessment, "requirements.txt", "sentry-sdk"),
        (count + 1, 1)
    );
    let pinning = assessment.practices.iter().find(|p| p.id == "AUT-04");
    let reason = pinning.and_then(|p| p.reason.clone()).unwrap_or_default();
    assert!(reason.contains("no lockfile for python"), "{reason}");
    assert_good_workflow_assessed(&assessment);
    assert_eq!(
        dependency_count("requirements.txt", Ecosystem::Python, &text),
        count + 1
    );
}

#[test]
fn package_json_with_thirty_thousand_dependencies_is_located_in_time() {
    let repo = repository();
    write(repo.path(), "Dockerfile", DOCKERFILE);
    let count = 30_000;
    let mut text = String::from("{\n  \"name\": \"app\",\n  \"dependencies\": {\n");
    for i in 0..count {
        text.push_str(&format!("    \"pkg{i}\": \"1.0.0\",\n"));
    }
    text.push_str("    \"@sentry/node\": \"8.0.0\"\n  }\n}\n");
    write(repo.path(), "package.json", &text);

    let assessment = assess_within(repo.path());

    // Three lines open the file, then one line per dependency.
    assert_eq!(
        cited(&assessment, "package.json", "@sentry/node"),
        (count + 4, 6)
    );
    assert_good_workflow_assessed(&assessment);
    assert_eq!(
        dependency_count("package.json", Ecosystem::Npm, &text),
        count + 1
    );
}

/// A package.json written on one line, with tens of thousands of scripts each running the
/// next, that CI runs by name: every key is located in one pass along the line, and the
/// scripts are followed a few calls deep.
#[test]
fn one_line_package_json_with_forty_thousand_scripts_is_followed_in_time() {
    let repo = repository();
    let count = 40_000;
    let scripts: Vec<String> = (0..count)
        .map(|i| format!("\"s{i}\": \"npm run s{} && eslint .\"", (i + 1) % count))
        .collect();
    let text = format!(
        "{{\"name\": \"app\", \"scripts\": {{{}}}}}",
        scripts.join(", ")
    );
    assert!(!text.contains('\n') && text.len() < 2 << 20);
    write(repo.path(), "package.json", &text);
    let steps: String = (0..3000)
        .map(|i| format!("      - run: npm run s{i}\n"))
        .collect();
    write(
        repo.path(),
        ".github/workflows/lint.yml",
        format!(
            "on: pull_request\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"
        ),
    );

    let assessment = assess_within(repo.path());

    let lint = assessment
        .practices
        .iter()
        .find(|p| p.id == "AUT-08")
        .unwrap();
    let script = (lint.evidence.iter())
        .find(|e| e.location.path == "package.json")
        .unwrap_or_else(|| panic!("{:#?}", lint.evidence));
    // The first step's script, `"s0"`, cited at its key's first character.
    assert_eq!(script.location.line, 1);
    assert_eq!(script.location.column, text.find("\"s0\"").unwrap() + 2);
    let told: Vec<(&str, &str)> = (assessment.inventory.read_in_part.iter())
        .map(|u| (u.path.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, ".github/workflows/lint.yml");
    assert!(told[0].1.contains("more than 3 calls deep"), "{told:?}");
}

#[test]
fn go_mod_with_thirty_thousand_requirements_is_located_in_time() {
    let repo = repository();
    write(repo.path(), "Dockerfile", DOCKERFILE);
    let count = 30_000;
    let mut text = String::from("module example.com/app\n\ngo 1.22\n\nrequire (\n");
    for i in 0..count {
        text.push_str(&format!("\tgithub.com/acme/pkg{i} v1.0.0\n"));
    }
    text.push_str("\tgithub.com/getsentry/sentry-go v0.28.0\n)\n");
    write(repo.path(), "go.mod", &text);

    let assessment = assess_within(repo.path());

    assert_eq!(
        cited(&assessment, "go.mod", "github.com/getsentry/sentry-go"),
        (count + 6, 2)
    );
    assert_good_workflow_assessed(&assessment);
    assert_eq!(dependency_count("go.mod", Ecosystem::Go, &text), count + 1);
}

#[test]
fn alembic_with_thousands_of_heads_names_a_few_and_counts_the_rest() {
    let repo = repository();
    write(
        repo.path(),
        "alembic.ini",
        "[alembic]\nscript_location = alembic\n",
    );
    let heads = 3_000;
    for i in 0..heads {
        write(
            repo.path(),
            &format!("alembic/versions/r{i:06}.py"),
            format!(
                "revision = \"rev{i:06}\"\ndown_revision = None\n\ndef upgrade():\n    pass\n\n\
                 def downgrade():\n    pass\n"
            ),
        );
    }

    let assessment = assess_within(repo.path());

    let findings: Vec<_> = assessment
        .findings
        .iter()
        .filter(|f| f.id == "migration-multiple-heads")
        .collect();
    assert_eq!(findings.len(), heads);
    let last = findings
        .iter()
        .find(|f| f.location.path == "alembic/versions/r002999.py")
        .expect("the last head is reported");
    assert_eq!(
        last.message,
        "revision rev002999 is one of 3000 heads \
         (rev000000, rev000001, rev000002, rev000003, rev000004 and 2995 more)"
    );
    assert_good_workflow_assessed(&assessment);
}

/// Thirty thousand `healthcheck:` lines on one database service: each is placed in its
/// service once, not by walking back over the file, and none counts for the application.
#[test]
fn thousands_of_healthchecks_on_a_database_are_placed_in_one_pass() {
    let compose = format!(
        "services:\n  db:\n    image: postgres:16\n{}",
        "    healthcheck: {test: pg_isready}\n".repeat(30_000)
    );
    let found = common::assess_files(&[
        ("app.py", "print('hi')\n"),
        (
            "Dockerfile",
            "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/app.py\"]\n",
        ),
        ("docker-compose.yml", &compose),
    ]);
    common::expect(
        &found,
        "DEP-05",
        shipready::evidence::State::Absent,
        &["only health checks are on backing services (postgres:16 at docker-compose.yml:4)"],
    );
}
