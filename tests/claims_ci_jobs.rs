//! Report claims on what CI jobs do: which runs are tests, integration tests or migration
//! gates, which jobs test across versions, what a job's role is (its own steps, or the jobs
//! of the reusable workflow it calls), and when a gate cannot be decided from files.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess_files, expect, practice};
use shipready::evidence::State;

/// A matrix written out as one GitLab job per architecture (images that differ only in their
/// architecture) or per runtime version (`python:3.11`, `python:3.12`) is a test matrix; two
/// test jobs in unrelated images, or builds of one image told apart by a date stamp, are not.
#[test]
fn test_jobs_in_variants_of_one_image_are_a_matrix() {
    let job = |name: &str, image: &str| {
        format!(
            "{name}:\n  stage: test\n  image: {image}\n  script:\n    - meson setup build\n    - meson test -C build\n\n"
        )
    };
    let run = |jobs: &[(&str, &str)]| {
        let ci: String = jobs.iter().map(|(n, i)| job(n, i)).collect();
        let ci = format!("stages: [test]\n\n{ci}");
        assess_files(&[
            ("meson.build", "project('codec', 'c')\n"),
            (".gitlab-ci.yml", &ci),
        ])
    };
    let arches = run(&[
        (
            "test-amd64",
            "registry.example.org/codec-debian-bookworm:20260101",
        ),
        (
            "test-aarch64",
            "registry.example.org/codec-debian-bookworm-aarch64:20260228141555",
        ),
        (
            "test-armv7",
            "registry.example.org/codec-debian-bookworm-armv7:20260217211228",
        ),
    ]);
    expect(&arches, "TST-06", State::Present, &[]);
    let lines: Vec<usize> = practice(&arches, "TST-06")
        .evidence
        .iter()
        .map(|e| e.location.line)
        .collect();
    assert_eq!(lines, [12, 19]);

    let versions = run(&[("py311", "python:3.11-slim"), ("py312", "python:3.12-slim")]);
    expect(&versions, "TST-06", State::Present, &[]);

    let unrelated = run(&[("unit", "python:3.12"), ("e2e", "node:20")]);
    expect(
        &unrelated,
        "TST-06",
        State::Partial,
        &["single runtime version"],
    );
    let stamps = run(&[
        ("test-a", "registry.example.org/ci:20260101"),
        ("test-b", "registry.example.org/ci:20260202"),
    ]);
    expect(&stamps, "TST-06", State::Partial, &[]);
}

/// A Lighthouse CI run is a test job and a `terraform plan` on pull requests is a validation
/// (lint) job; neither workflow is "maintenance".
#[test]
fn lighthouse_and_terraform_plan_jobs_have_roles() {
    let ui = "name: UI tests\non: pull_request\njobs:\n  tests-ui:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - uses: treosh/lighthouse-ci-action@12.6.2\n        with:\n          \
        configPath: .github/lighthouserc.json\n";
    let plan = "name: Terraform plan\non: pull_request\njobs:\n  terraform-plan:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n      - uses: hashicorp/setup-terraform@v3\n      \
        - run: terraform plan -out=tfplan -lock-timeout=5m\n        working-directory: terraform\n";
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/tests-ui.yml", ui),
        (".github/workflows/terraform-plan.yml", plan),
        ("terraform/main.tf", "terraform {}\n"),
    ]);
    let roles = |path: &str| {
        let pipeline = found
            .inventory
            .pipelines
            .iter()
            .find(|p| p.path == path)
            .unwrap();
        (pipeline.purpose.clone(), pipeline.jobs[0].roles.clone())
    };
    assert_eq!(
        roles(".github/workflows/tests-ui.yml"),
        (vec!["test".to_string()], vec!["test".to_string()])
    );
    assert_eq!(
        roles(".github/workflows/terraform-plan.yml"),
        (vec!["lint".to_string()], vec!["lint".to_string()])
    );
}

/// Service containers are not the runtime under test, and a patch release is the same runtime
/// version: neither makes a matrix.
#[test]
fn service_images_and_patch_releases_are_not_a_matrix() {
    let job = |name: &str, redis: &str| {
        format!(
            "  {name}:\n    runs-on: ubuntu-latest\n    services:\n      redis:\n        image: {redis}\n    steps:\n      \
             - uses: actions/setup-python@v5\n        with:\n          python-version: '3.12'\n      - run: pytest\n"
        )
    };
    let workflow = format!(
        "on: pull_request\njobs:\n{}{}",
        job("unit", "redis:7"),
        job("integration", "redis:7.2-alpine")
    );
    let found = assess_files(&[
        ("app.py", "print('hi')\n"),
        (".github/workflows/ci.yml", &workflow),
    ]);
    expect(&found, "TST-06", State::Partial, &[]);

    let ci = "unit:\n  image: python:3.12\n  script:\n    - pytest tests/unit\n\n\
              integration:\n  image: python:3.12.4-slim\n  script:\n    - pytest tests/integration\n";
    let found = assess_files(&[("app.py", "print('hi')\n"), (".gitlab-ci.yml", ci)]);
    expect(&found, "TST-06", State::Partial, &[]);
}

/// A Django project that runs `makemigrations` through a script and fails the job unless
/// Django answers "No changes detected": a model changed without its migration fails the
/// pull request, which is the migration gate.
#[test]
fn makemigrations_checked_by_its_answer_is_a_migration_gate() {
    let check = r#"name: Check migrations
on: [push, pull_request]
jobs:
  check-migrations:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .[dev]
      - name: Run ./bin/makemigrations.sh
        run: |
          if ./bin/makemigrations.sh | grep -q 'No changes detected';
          then
            exit 0;
          else
            exit 1;
          fi
"#;
    let found = assess_files(&[
        ("manage.py", "import django\n"),
        ("app/models.py", "from django.db import models\n"),
        (
            "app/migrations/0001_initial.py",
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n",
        ),
        (
            "bin/makemigrations.sh",
            "#!/usr/bin/env bash\nset -eux\npython manage.py makemigrations\n",
        ),
        (".github/workflows/check-migrations.yml", check),
    ]);
    let gate = practice(&found, "DEP-20");
    assert_eq!(gate.state, State::Present, "{gate:#?}");
    let cited: Vec<(&str, usize)> = gate
        .evidence
        .iter()
        .map(|e| (e.location.path.as_str(), e.location.line))
        .collect();
    assert!(
        cited.contains(&(".github/workflows/check-migrations.yml", 11)),
        "{cited:?}"
    );
}

/// Test scripts kept in the repository's tests folder, or named `test.sh`, run tests: a C
/// library's conformance suite run job by job, a project's `scripts/test.sh`. A setup
/// script named otherwise does not.
#[test]
fn test_scripts_run_by_path_are_tests() {
    let gitlab = "stages: [build, test]\nbuild:\n  stage: build\n  image: debian:12\n  script:\n    \
        - meson setup build\n    - ninja -C build\nconformance:\n  stage: test\n  image: debian:12\n  \
        script:\n    - cd build && ninja\n    - ../tests/conformance.bash -t 1 -c 0 || exit_code=$((exit_code + $?))\n";
    let github = "name: CI\non: pull_request\njobs:\n  unit:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - run: ./scripts/test.sh --fast\n  setup:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/latest.sh\n";
    let found = assess_files(&[
        ("meson.build", "project('codec', 'c')\n"),
        ("src/lib.c", "int f(void) { return 0; }\n"),
        ("tests/conformance.bash", "#!/bin/bash\necho ok\n"),
        ("scripts/test.sh", "#!/bin/sh\necho ok\n"),
        ("scripts/latest.sh", "#!/bin/sh\necho ok\n"),
        (".gitlab-ci.yml", gitlab),
        (".github/workflows/ci.yml", github),
    ]);
    let roles = |path: &str, job: &str| {
        let pipeline = (found.inventory.pipelines.iter())
            .find(|p| p.path == path)
            .unwrap();
        let job = pipeline.jobs.iter().find(|j| j.id == job).unwrap();
        job.roles.clone()
    };
    assert!(roles(".gitlab-ci.yml", "conformance").contains(&"test".to_string()));
    assert!(roles(".github/workflows/ci.yml", "unit").contains(&"test".to_string()));
    assert!(!roles(".github/workflows/ci.yml", "setup").contains(&"test".to_string()));
}

/// A matrix on a job that calls a reusable workflow of tests runs those tests once per value:
/// the called workflow's jobs have no matrix of their own, they get the version as an input.
/// The calling job's role is the called jobs'.
#[test]
fn a_matrix_on_a_job_calling_reusable_tests_is_a_test_matrix() {
    let caller = "name: Tests\non: [push, pull_request]\njobs:\n  tests:\n    uses: ./.github/workflows/.tests.yml\n    \
        with:\n      python-version: ${{ matrix.python-version }}\n    strategy:\n      matrix:\n        \
        python-version: ['3.11', '3.12', '3.13']\n";
    let called = "name: Matrix\non:\n  workflow_call:\n    inputs:\n      python-version:\n        type: string\njobs:\n  \
        pytest:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - uses: actions/setup-python@v5\n        with:\n          python-version: ${{ inputs.python-version }}\n      \
        - run: pytest -q\n";
    let found = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"lib\"\nversion = \"1.0\"\n",
        ),
        ("src/lib/__init__.py", "def f():\n    return 1\n"),
        ("tests/test_lib.py", "def test_f():\n    assert True\n"),
        (".github/workflows/tests.yml", caller),
        (".github/workflows/.tests.yml", called),
    ]);
    let matrix = practice(&found, "TST-06");
    assert_eq!(matrix.state, State::Present, "{matrix:#?}");
    // The calling job does what the called jobs do, and so does its workflow.
    let tests = (found.inventory.pipelines.iter())
        .find(|p| p.path == ".github/workflows/tests.yml")
        .unwrap();
    assert_eq!(tests.purpose, ["test"]);
    assert_eq!(tests.jobs[0].roles, ["test"]);
    assert_eq!(
        (
            matrix.evidence[0].location.path.as_str(),
            matrix.evidence[0].location.line
        ),
        (".github/workflows/tests.yml", 10)
    );
}

/// Integration tests selected by a marker or an option of the suite (`pytest -m
/// integration`, `pytest --integration`) run in CI like a suite kept in its own folder.
#[test]
fn integration_tests_selected_by_marker_or_option_run_in_ci() {
    for command in [
        "poetry run pytest --integration -v",
        "pytest -m integration",
    ] {
        let workflow = format!(
            "name: Tests\non: [push, pull_request]\njobs:\n  integration:\n    runs-on: ubuntu-latest\n    steps:\n      \
             - uses: actions/checkout@v4\n      - run: {command}\n"
        );
        let found = assess_files(&[
            ("src/lib/__init__.py", "def f():\n    return 1\n"),
            (
                "tests/integration/test_git.py",
                "def test_clone():\n    assert True\n",
            ),
            (".github/workflows/tests.yml", &workflow),
        ]);
        let integration = practice(&found, "TST-05");
        assert_eq!(
            integration.state,
            State::Present,
            "{command}: {integration:#?}"
        );
    }
}

/// A database started on the runner itself (`sudo systemctl start mysql`, a `docker run` of
/// the image) before the suite is a real backing service, as a `services:` block is.
#[test]
fn a_database_started_on_the_runner_backs_the_tests() {
    for (start, line) in [
        ("sudo systemctl start mysql", 8),
        (
            "docker run -d -p 5432:5432 -e POSTGRES_PASSWORD=test postgres:16",
            8,
        ),
    ] {
        let workflow = format!(
            "name: PHP\non: [push, pull_request]\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      \
             - uses: actions/checkout@v4\n      - run: {start}\n      - run: ./vendor/bin/phpunit\n"
        );
        let found = assess_files(&[
            (
                "composer.json",
                "{\"require\": {\"laravel/framework\": \"^11.0\"}}\n",
            ),
            ("app/Models/Page.php", "<?php\nclass Page {}\n"),
            ("tests/PageTest.php", "<?php\nclass PageTest {}\n"),
            (".github/workflows/test-php.yml", &workflow),
        ]);
        expect(&found, "TST-05", State::Present, &[]);
        let cited: Vec<usize> = (practice(&found, "TST-05").evidence.iter())
            .map(|e| e.location.line)
            .collect();
        assert_eq!(cited, [line], "{start}");
    }
    // A database client is no database.
    let workflow = "name: PHP\non: [push, pull_request]\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      \
        - uses: actions/checkout@v4\n      - run: sudo systemctl start mysql-client-helper\n      - run: ./vendor/bin/phpunit\n";
    let found = assess_files(&[
        ("app/Models/Page.php", "<?php\nclass Page {}\n"),
        (".github/workflows/test-php.yml", workflow),
    ]);
    assert_ne!(practice(&found, "TST-05").state, State::Present);
}

/// CodeQL on every pull request reports to code scanning; whether its alerts block a merge is
/// a repository setting. The SAST gate is then unverified, not failed; a scanner the
/// workflow itself lets fail (`|| true`) fails it.
#[test]
fn sast_blocking_only_through_a_repository_setting_is_unverified() {
    use shipready::assessment::model::GateStatus;
    let codeql = "name: CodeQL\non:\n  pull_request:\n  push:\n    branches: [main]\npermissions:\n  contents: read\n  \
        security-events: write\njobs:\n  analyze:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - uses: github/codeql-action/init@v3\n        with:\n          languages: go\n      \
        - uses: github/codeql-action/analyze@v3\n";
    let bandit = "name: SAST\non: [pull_request, push]\njobs:\n  bandit:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - run: bandit -r src || true\n";
    let gate = |workflow: &str| {
        let found = assess_files(&[
            ("main.go", "package main\n\nfunc main() {}\n"),
            ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
            (".github/workflows/sast.yml", workflow),
        ]);
        let g = found.gates.iter().find(|g| g.id == "G-03").unwrap();
        (g.status, g.reason.clone().unwrap_or_default())
    };
    let (status, reason) = gate(codeql);
    assert_eq!(status, GateStatus::Unverified, "{reason}");
    assert!(reason.contains("repository setting"), "{reason}");
    let (status, reason) = gate(bandit);
    assert_eq!(status, GateStatus::Fail, "{reason}");
}

/// `./mvnw verify` runs what pom.xml binds to the phases up to `verify`: Checkstyle's check
/// is a lint gate and CycloneDX's aggregate SBOM is generated, each cited on the POM's line.
/// `mvn compile` stops before Spotless's `check` (bound to `verify` by default).
#[test]
fn maven_runs_the_goals_its_pom_binds() {
    let pom = "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>org.example</groupId>\n  <artifactId>shop</artifactId>\n  <build>\n    <plugins>\n      <plugin>\n        <artifactId>maven-checkstyle-plugin</artifactId>\n        <executions>\n          <execution>\n            <phase>validate</phase>\n            <goals>\n              <goal>check</goal>\n            </goals>\n          </execution>\n        </executions>\n      </plugin>\n      <plugin>\n        <groupId>org.cyclonedx</groupId>\n        <artifactId>cyclonedx-maven-plugin</artifactId>\n        <executions>\n          <execution>\n            <goals>\n              <goal>makeAggregateBom</goal>\n            </goals>\n          </execution>\n        </executions>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n";
    let workflow = |command: &str| {
        format!(
            "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {command}\n"
        )
    };
    let run = |pom: &str, command: &str| {
        let ci = workflow(command);
        assess_files(&[
            ("pom.xml", pom),
            ("src/main/java/org/example/Shop.java", "class Shop {}\n"),
            (".github/workflows/build.yml", &ci),
        ])
    };
    let verify = run(pom, "./mvnw -B verify");
    expect(&verify, "AUT-08", State::Present, &[]);
    let lint = &practice(&verify, "AUT-08").evidence[0];
    assert_eq!(
        (lint.location.path.as_str(), lint.location.line),
        ("pom.xml", 13)
    );
    assert!(
        lint.summary.contains("`mvn checkstyle:check` in job build"),
        "{}",
        lint.summary
    );
    let sbom = &practice(&verify, "SEC-11").evidence[0];
    assert_eq!(
        (sbom.location.path.as_str(), sbom.location.line),
        ("pom.xml", 24)
    );

    // Every call of a command line counts, not only the first.
    expect(
        &run(pom, "mvn -B clean && mvn -B verify"),
        "AUT-08",
        State::Present,
        &[],
    );

    // Checkstyle at validate runs with compile; the SBOM (package) does not.
    let compile = run(pom, "mvn -B compile");
    expect(&compile, "AUT-08", State::Present, &[]);
    assert!(practice(&compile, "SEC-11").evidence.is_empty());

    let spotless = pom
        .replace("maven-checkstyle-plugin", "spotless-maven-plugin")
        .replace("            <phase>validate</phase>\n", "");
    expect(
        &run(&spotless, "mvn -B compile"),
        "AUT-08",
        State::Absent,
        &[],
    );
    expect(
        &run(&spotless, "mvn -B install"),
        "AUT-08",
        State::Present,
        &[],
    );
}

/// Maven and Gradle (through their committed wrappers or not), skaffold's development loop and
/// the package manager's `test` shorthand are the scripted build that developers run too;
/// package.json scripts that CI never calls are only part of it.
#[test]
fn build_wrappers_and_package_scripts_are_scripted_builds() {
    let ci = |command: &str| {
        format!(
            "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {command}\n"
        )
    };
    for (command, manifest, text) in [
        (
            "./mvnw -B verify",
            "pom.xml",
            "<project><artifactId>shop</artifactId></project>\n",
        ),
        (
            "./gradlew build",
            "build.gradle",
            "plugins {\n  id 'java'\n}\n",
        ),
        (
            "skaffold run --default-repo=$REPO",
            "skaffold.yaml",
            "apiVersion: skaffold/v4beta1\nkind: Config\n",
        ),
        (
            "npm test",
            "package.json",
            "{\n  \"scripts\": {\n    \"test\": \"jest\"\n  }\n}\n",
        ),
    ] {
        let workflow = ci(command);
        let a = assess_files(&[(manifest, text), (".github/workflows/ci.yml", &workflow)]);
        expect(&a, "AUT-03", State::Present, &[]);
        let at = &practice(&a, "AUT-03").evidence[0].location;
        assert_eq!(
            (at.path.as_str(), at.line),
            (".github/workflows/ci.yml", 7),
            "{command}"
        );
    }
    let scripts_only = assess_files(&[(
        "package.json",
        "{\n  \"name\": \"api\",\n  \"scripts\": {\n    \"build\": \"tsc\"\n  }\n}\n",
    )]);
    expect(
        &scripts_only,
        "AUT-03",
        State::Partial,
        &["a CI job that calls them earns full credit"],
    );
    let at = &practice(&scripts_only, "AUT-03").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), ("package.json", 3));
    // Maven without the wrapper runs the same build file.
    let plain = ci("mvn -B verify");
    let a = assess_files(&[
        ("pom.xml", "<project/>\n"),
        (".github/workflows/ci.yml", &plain),
    ]);
    expect(&a, "AUT-03", State::Present, &[]);
}

/// The purpose and the roles of the first job of each pipeline, by path.
fn purpose_and_roles(
    a: &shipready::assessment::model::Assessment,
    path: &str,
) -> (Vec<String>, Vec<String>) {
    let pipeline = (a.inventory.pipelines.iter())
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no pipeline {path}"));
    (pipeline.purpose.clone(), pipeline.jobs[0].roles.clone())
}

/// A job that runs a release script which tags the version and pushes the tag cuts a
/// release; one that only lists tags does not.
#[test]
fn a_job_tagging_and_pushing_a_version_releases() {
    let workflow = "name: Manual Release Builder\non:\n  workflow_dispatch:\n    inputs:\n      version:\n        required: true\njobs:\n  build-and-release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Run Release Script\n        env:\n          TAG: ${{ inputs.version }}\n        run: bash ./docs/releasing/make-release.sh\n";
    let script = "#!/usr/bin/env bash\nset -euo pipefail\ngit checkout -b \"release/${TAG}\"\ngit commit --allow-empty -m \"Release $TAG\"\ngit tag \"$TAG\"\ngit push --set-upstream origin \"release/${TAG}\"\ngit push --tags\n";
    let path = ".github/workflows/make-release.yaml";
    let a = assess_files(&[(path, workflow), ("docs/releasing/make-release.sh", script)]);
    assert_eq!(
        purpose_and_roles(&a, path),
        (vec!["release".to_string()], vec!["release".to_string()])
    );
    let by_name = script.replace("git push --tags", "git push origin \"$TAG\"");
    let a = assess_files(&[
        (path, workflow),
        ("docs/releasing/make-release.sh", &by_name),
    ]);
    assert_eq!(purpose_and_roles(&a, path).1, ["release"]);

    let listing = script.replace("git tag \"$TAG\"", "git tag --list 'v*'");
    let a = assess_files(&[
        (path, workflow),
        ("docs/releasing/make-release.sh", &listing),
    ]);
    assert_eq!(
        purpose_and_roles(&a, path),
        (vec!["maintenance".to_string()], Vec::new())
    );
}

/// A job named for tests that fetches a remote cluster's credentials and runs `skaffold run`
/// deploys, to a test environment; with a kind cluster of its own it deploys nothing.
#[test]
fn a_test_job_deploying_to_a_remote_cluster_deploys_to_a_test_environment() {
    let workflow = "name: CI\non:\n  push:\n    branches: [main]\njobs:\n  deployment-tests:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          gcloud container clusters get-credentials $PR_CLUSTER --region $REGION\n          skaffold run --namespace=pr${GITHUB_SHA}\n        env:\n          PR_CLUSTER: prs-gke-cluster\n          REGION: us-central1\n      - run: kubectl wait --for=condition=available deployment/frontend\n";
    let path = ".github/workflows/ci.yaml";
    let a = assess_files(&[("Dockerfile", common::DOCKERFILE), (path, workflow)]);
    assert_eq!(
        purpose_and_roles(&a, path),
        (
            vec!["deploy-internal".to_string()],
            vec!["deploy:internal".to_string()]
        )
    );
    assert!(a.production_paths.is_empty());
    let deploys = &practice(&a, "DEP-01").evidence[0];
    assert_eq!(
        (deploys.state, deploys.summary.as_str()),
        (
            State::Present,
            "job deployment-tests in .github/workflows/ci.yaml deploys to internal"
        )
    );

    // A test environment is no environment whose deploys must be serialised.
    let serialised = practice(&a, "DEP-28");
    assert!(serialised.evidence.is_empty(), "{:#?}", serialised.evidence);

    // A deploy to an environment is named before a test deploy.
    let staging = "on:\n  workflow_dispatch:\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - run: skaffold run\n";
    let a = assess_files(&[
        ("Dockerfile", common::DOCKERFILE),
        (path, workflow),
        (".github/workflows/staging.yaml", staging),
    ]);
    let first = &practice(&a, "DEP-01").evidence[0];
    assert_eq!(
        first.summary,
        "job ship in .github/workflows/staging.yaml deploys to staging"
    );

    let local = workflow.replace(
        "gcloud container clusters get-credentials $PR_CLUSTER --region $REGION",
        "kind create cluster",
    );
    let a = assess_files(&[("Dockerfile", common::DOCKERFILE), (path, &local)]);
    assert!(purpose_and_roles(&a, path).1.is_empty());
    expect(&a, "DEP-01", State::Mentioned, &["test jobs"]);
}

/// Maven runs the tests from the `test` phase on and Gradle with `test`, `check` or `build`,
/// unless the call skips them (`-DskipTests`, `-Dmaven.test.skip=true`, `-x test`).
#[test]
fn maven_and_gradle_builds_run_the_tests_they_do_not_skip() {
    let ci = |command: &str| {
        format!(
            "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {command}\n"
        )
    };
    let state = |command: &str| {
        let workflow = ci(command);
        let a = assess_files(&[
            (
                "pom.xml",
                "<project>\n  <artifactId>shop</artifactId>\n</project>\n",
            ),
            ("build.gradle", "plugins {\n  id 'java'\n}\n"),
            (
                "src/test/java/org/example/ShopTests.java",
                "class ShopTests {}\n",
            ),
            (".github/workflows/ci.yml", &workflow),
        ]);
        let tests = practice(&a, "TST-02");
        if tests.state == State::Present {
            assert_eq!(tests.evidence[0].location.line, 7, "{command}");
        }
        tests.state
    };
    for runs in [
        "./gradlew build",
        "./gradlew :app:test",
        "mvn -B package",
        "./mvnw install -Pci",
    ] {
        assert_eq!(state(runs), State::Present, "{runs}");
    }
    for skips in [
        "./mvnw -B verify -DskipTests",
        "mvn -B install -Dmaven.test.skip=true",
        "mvn -B compile",
        "./gradlew build -x test",
        "./gradlew assemble",
    ] {
        assert_ne!(state(skips), State::Present, "{skips}");
    }
}

/// A JaCoCo `check` rule with a LINE minimum in pom.xml is the enforced coverage threshold
/// that `mvn verify` applies.
#[test]
fn jacoco_check_rules_are_coverage_thresholds() {
    let pom = "<project>\n  <build>\n    <plugins>\n      <plugin>\n        <groupId>org.jacoco</groupId>\n        <artifactId>jacoco-maven-plugin</artifactId>\n        <executions>\n          <execution>\n            <id>check</id>\n            <goals>\n              <goal>check</goal>\n            </goals>\n            <configuration>\n              <rules>\n                <rule>\n                  <element>BUNDLE</element>\n                  <limits>\n                    <limit>\n                      <counter>LINE</counter>\n                      <value>COVEREDRATIO</value>\n                      <minimum>0.80</minimum>\n                    </limit>\n                  </limits>\n                </rule>\n              </rules>\n            </configuration>\n          </execution>\n        </executions>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n";
    let workflow = "on: [pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./mvnw -B verify\n";
    let a = assess_files(&[
        ("pom.xml", pom),
        (
            "src/test/java/org/example/ShopTests.java",
            "class ShopTests {}\n",
        ),
        (".github/workflows/ci.yml", workflow),
    ]);
    expect(&a, "TST-04", State::Present, &[]);
    let at = &practice(&a, "TST-04").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), ("pom.xml", 21));
}

/// A matrix axis named `environment` lists values to validate against, not the GitHub
/// environment the job deploys to; `environment:` with `name:` on the next line is one.
#[test]
fn a_matrix_axis_named_environment_records_no_deployments() {
    let workflow = |job: &str| {
        format!(
            "name: Lint\non: pull_request\njobs:\n  kubeconform:\n    runs-on: ubuntu-latest\n{job}    steps:\n      \
             - uses: actions/checkout@v4\n      - run: kubeconform -strict config/deploy\n"
        )
    };
    let run = |job: &str| {
        assess_files(&[
            (
                "Dockerfile",
                "FROM ruby:3.4-slim\nUSER app\nCMD [\"puma\"]\n",
            ),
            (
                "k8s/web.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
            ),
            (".github/workflows/lint.yml", &workflow(job)),
        ])
    };
    let axis = run(
        "    strategy:\n      matrix:\n        environment:\n          - staging\n          - production\n",
    );
    assert_ne!(practice(&axis, "DEP-12").state, State::Present);
    let named = run("    environment:\n      name: production\n");
    let cited: Vec<usize> = (practice(&named, "DEP-12").evidence.iter())
        .filter(|e| e.location.path == ".github/workflows/lint.yml")
        .map(|e| e.location.line)
        .collect();
    assert_eq!(cited, [6]);
}
