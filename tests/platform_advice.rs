//! Recommendations in the terms of the repository's CI platform: a repository built only by
//! GitLab CI is not told to add `.github/` files, actions or workflow keys it cannot use.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MESON_PROJECT, assess_files};
use shipready::assessment::model::Assessment;
use shipready::catalog::Catalog;

/// Practices whose catalog advice names GitHub-only files, actions or keys.
const GITHUB_WORDED: &[&str] = &[
    "SEC-01", "SEC-07", "SEC-11", "AUT-05", "AUT-06", "AUT-07", "AUT-11", "AUT-17", "AUT-21",
    "AUT-22", "TST-08", "SEC-25", "SEC-26", "SEC-27", "SEC-33", "DEP-12",
];

/// Text that only makes sense in GitHub Actions.
const GITHUB_ONLY: &[&str] = &[
    ".github/",
    "actions/",
    "uses:",
    "permissions:",
    "timeout-minutes",
];

const GITLAB_PIPELINE: &str = r#"stages:
  - build
  - test

.debian-common:
  image: registry.videolan.org/dav1d-debian-unstable:20250207200301
  tags:
    - docker

build-debian:
  extends: .debian-common
  stage: build
  script:
    - meson setup build --buildtype release
    - ninja -C build

test-debian:
  extends: .debian-common
  stage: test
  needs: ["build-debian"]
  script:
    - meson setup build --buildtype release -Dtestdata_tests=true
    - cd build && time meson test -v
"#;

const GITHUB_WORKFLOW: &str = r#"name: CI
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: meson setup build --buildtype release
      - run: meson test -C build -v
      - uses: codecov/codecov-action@v5
"#;

fn assess_with(pipelines: &[(&str, &str)]) -> Assessment {
    let mut files = MESON_PROJECT.to_vec();
    files.extend_from_slice(pipelines);
    assess_files(&files)
}

fn action<'a>(a: &'a Assessment, id: &str) -> &'a str {
    &a.recommendations
        .iter()
        .find(|r| r.practice == id)
        .unwrap_or_else(|| panic!("no recommendation for {id}"))
        .action
}

#[test]
fn a_gitlab_only_repository_gets_gitlab_advice() {
    let a = assess_with(&[(".gitlab-ci.yml", GITLAB_PIPELINE)]);
    let catalog = Catalog::builtin();
    for id in GITHUB_WORDED {
        let action = action(&a, id);
        for text in GITHUB_ONLY {
            assert!(!action.contains(text), "{id} says {text:?}: {action}");
        }
        let gitlab = catalog
            .practice(id)
            .unwrap()
            .gitlab_recommendation
            .as_deref();
        assert_eq!(Some(action), gitlab, "{id}");
    }
    assert!(action(&a, "AUT-11").contains("timeout:"));
    assert!(action(&a, "AUT-21").contains("$CI_PIPELINE_SOURCE == \"schedule\""));
    assert!(action(&a, "SEC-07").contains("renovate.json"));
    assert!(action(&a, "AUT-17").contains("gitlab_branch_protection"));
}

#[test]
fn github_advice_is_unchanged_with_github_actions_alone_or_beside_gitlab() {
    let github = assess_with(&[(".github/workflows/ci.yml", GITHUB_WORKFLOW)]);
    let both = assess_with(&[
        (".github/workflows/ci.yml", GITHUB_WORKFLOW),
        (".gitlab-ci.yml", GITLAB_PIPELINE),
    ]);
    let catalog = Catalog::builtin();
    for a in [&github, &both] {
        for id in GITHUB_WORDED {
            let practice = catalog.practice(id).unwrap();
            assert_eq!(action(a, id), practice.recommendation, "{id}");
        }
    }
}

#[test]
fn no_gitlab_advice_names_github_only_files_actions_or_keys() {
    for practice in &Catalog::builtin().practices {
        let Some(gitlab) = &practice.gitlab_recommendation else {
            // Advice without a GitLab version must already suit a GitLab repository.
            for text in GITHUB_ONLY {
                assert!(
                    !practice.recommendation.contains(text),
                    "{} names {text:?} and has no GitLab advice",
                    practice.id
                );
            }
            continue;
        };
        for text in GITHUB_ONLY.iter().chain(&["${{", "github."]) {
            assert!(
                !gitlab.contains(text),
                "{}: {text:?} in {gitlab}",
                practice.id
            );
        }
    }
}

/// A repository whose migrations are Django's gets the Django commands for the migration
/// practices, not Alembic's; one with Alembic and Django migrations side by side keeps the
/// general advice.
#[test]
fn django_migrations_get_django_advice() {
    let migration = "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    \
        operations = [migrations.RunPython(lambda apps, schema: None)]\n";
    let django = [
        ("manage.py", "import django\n"),
        ("requirements.txt", "Django==5.0\n"),
        ("shop/migrations/0001_initial.py", migration),
        ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app\n"),
    ];
    let found = assess_files(&django);
    let migration_advice: Vec<(&str, &str)> = (found.recommendations.iter())
        .filter(|r| {
            ["DEP-17", "DEP-18", "DEP-19", "DEP-20", "DEP-22"].contains(&r.practice.as_str())
        })
        .map(|r| (r.practice.as_str(), r.action.as_str()))
        .collect();
    assert!(migration_advice.len() >= 3, "{migration_advice:?}");
    for (id, advice) in &migration_advice {
        assert!(!advice.to_lowercase().contains("alembic"), "{id}: {advice}");
        assert!(
            advice.contains("manage.py") || advice.contains("RunPython"),
            "{id}: {advice}"
        );
    }
    assert!(action(&found, "DEP-19").contains("python manage.py migrate <app> zero"));

    let mut both = django.to_vec();
    both.push(("alembic.ini", "[alembic]\nscript_location = alembic\n"));
    both.push((
        "alembic/versions/0001_start.py",
        "revision = '0001'\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
    ));
    let found = assess_files(&both);
    assert!(action(&found, "DEP-19").contains("alembic upgrade head"));
}

/// A repository of `n` Go files in `cmd/tool/` and `m` TypeScript files in `ui/src/`, with a
/// workflow that builds and tests it on pull requests.
fn go_and_ui(n: usize, m: usize) -> Assessment {
    go_and_ui_with(n, m, &[])
}

fn go_and_ui_with(n: usize, m: usize, more: &[(&str, &str)]) -> Assessment {
    let mut files: Vec<(String, String)> = vec![
        ("go.mod".into(), "module example.com/tool\n\ngo 1.22\n".into()),
        (
            ".github/workflows/ci.yml".into(),
            "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: go test ./...\n".into(),
        ),
    ];
    files.extend((0..n).map(|i| (format!("cmd/tool/part{i}.go"), "package main\n".into())));
    if m > 0 {
        files.push(("ui/package.json".into(), "{\"name\": \"ui\"}\n".into()));
        files.extend((0..m).map(|i| (format!("ui/src/view{i}.tsx"), "export {}\n".into())));
    }
    files.extend(more.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    let files: Vec<(&str, &str)> = (files.iter())
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    assess_files(&files)
}

/// Advice names the tools of the language the code is written in: a Go repository is told
/// about govulncheck and `go test -coverprofile`, not pip-audit and pytest.
#[test]
fn go_code_gets_go_advice() {
    let go = go_and_ui(8, 0);
    let sca = action(&go, "SEC-06");
    assert!(
        sca.starts_with("Add a blocking step") && sca.contains("govulncheck ./..."),
        "{sca}"
    );
    assert!(!sca.contains("pip-audit"), "{sca}");
    assert!(action(&go, "TST-03").contains("go test -coverprofile=coverage.out"));
    assert!(action(&go, "SEC-04").contains("gosec ./..."));
    assert!(!action(&go, "SEC-04").contains("bandit"));
}

/// Two languages of comparable size get both languages' advice, each named; a language with
/// under a twentieth of the largest one's files is left out.
#[test]
fn two_languages_get_both_and_a_handful_of_files_none() {
    let both = go_and_ui(8, 4);
    let sca = action(&both, "SEC-06");
    assert!(sca.starts_with("Go: Add a blocking step"), "{sca}");
    assert!(
        sca.contains(" JavaScript/TypeScript: Add a blocking step"),
        "{sca}"
    );
    assert!(sca.contains("npm audit --audit-level=high"), "{sca}");

    let few = go_and_ui(80, 3);
    let sca = action(&few, "SEC-06");
    assert!(
        !sca.contains("npm audit") && sca.contains("govulncheck"),
        "{sca}"
    );
}

/// A language the catalog has no wording for (C, here) keeps the general advice.
#[test]
fn code_without_worded_advice_keeps_the_general_advice() {
    let c = assess_with(&[(".github/workflows/ci.yml", GITHUB_WORKFLOW)]);
    let general = &Catalog::builtin()
        .practices
        .iter()
        .find(|p| p.id == "TST-14")
        .unwrap()
        .recommendation;
    assert_eq!(action(&c, "TST-14"), general);
}

/// Advice about the database is worded for the language its migrations are written in: a Go
/// service with a TypeScript UI and golang-migrate migrations gets Go's advice alone.
#[test]
fn database_advice_follows_the_migrations() {
    let a = go_and_ui_with(
        8,
        4,
        &[
            (
                "db/migrations/000001_init.up.sql",
                "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
            ),
            ("db/migrations/000001_init.down.sql", "DROP TABLE orders;\n"),
        ],
    );
    let rollback = action(&a, "DEP-19");
    assert!(
        rollback.starts_with("Add a CI job with a Postgres service that runs `migrate"),
        "{rollback}"
    );
    assert!(
        !rollback.contains("JavaScript") && !rollback.contains("alembic"),
        "{rollback}"
    );
    // Advice about the code still names both languages.
    assert!(action(&a, "SEC-06").contains("JavaScript/TypeScript: "));
}

/// A practice partly in place gets advice on completing what exists: a Dependabot file that
/// leaves out the Docker base images is extended, not written anew; an absent one is written.
#[test]
fn partial_practices_get_advice_on_completing_what_exists() {
    let dependabot = "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n    schedule:\n      interval: weekly\n";
    let base = [
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1.0\"\n",
        ),
        ("app/main.py", "def main():\n    return 1\n"),
        (
            "Dockerfile",
            "FROM python:3.12-slim\nCOPY . /app\nUSER app\nCMD [\"python\", \"-m\", \"app\"]\n",
        ),
    ];
    let mut with_file = base.to_vec();
    with_file.push((".github/dependabot.yml", dependabot));
    let partial = assess_files(&with_file);
    let advice = action(&partial, "SEC-07");
    assert!(advice.starts_with("Add an `updates:` entry"), "{advice}");
    assert!(
        advice.contains("existing Dependabot configuration"),
        "{advice}"
    );
    let absent = assess_files(&base);
    assert!(action(&absent, "SEC-07").starts_with("Add .github/dependabot.yml"));
}

/// The advice of the database practices for a repository whose migrations are written for one
/// framework.
fn migration_advice(found: &Assessment) -> Vec<(&str, &str)> {
    (found.recommendations.iter())
        .filter(|r| {
            ["DEP-17", "DEP-18", "DEP-19", "DEP-20", "DEP-22"].contains(&r.practice.as_str())
        })
        .map(|r| (r.practice.as_str(), r.action.as_str()))
        .collect()
}

/// A Laravel application with a large TypeScript front end is told how to migrate, roll back
/// and lint with artisan, not with Alembic or Knex.
#[test]
fn laravel_migrations_get_laravel_advice() {
    let migration = "<?php\n\nreturn new class extends Migration\n{\n    public function up(): void\n    {\n        Schema::table('orders', function (Blueprint $table) {\n            $table->dropColumn('note');\n        });\n    }\n};\n";
    let mut files: Vec<(String, String)> = vec![
        (
            "composer.json".into(),
            "{\"require\": {\"laravel/framework\": \"^11.0\"}}\n".into(),
        ),
        (
            "database/migrations/2024_01_01_000000_drop_note.php".into(),
            migration.into(),
        ),
        (
            "app/Models/Order.php".into(),
            "<?php\nclass Order {}\n".into(),
        ),
        (
            "resources/js/package.json".into(),
            "{\"name\": \"ui\"}\n".into(),
        ),
    ];
    files.extend((0..12).map(|i| (format!("resources/js/view{i}.ts"), "export {}\n".into())));
    let files: Vec<(&str, &str)> = (files.iter())
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let found = assess_files(&files);
    let advice = migration_advice(&found);
    assert_eq!(advice.len(), 5, "{advice:?}");
    for (id, text) in &advice {
        assert!(
            text.contains("artisan") || text.contains("down()") || text.contains("DB::statement"),
            "{id}: {text}"
        );
        assert!(
            !text.to_lowercase().contains("alembic") && !text.contains("knex"),
            "{id}: {text}"
        );
    }
    assert!(action(&found, "DEP-19").contains("`php artisan migrate:rollback --force`"));
    assert!(action(&found, "DEP-17").contains("`php artisan migrate --force` once per release"));
    assert!(action(&found, "DEP-21").contains("before `php artisan migrate --force`"));
}

/// An Entity Framework Core service is told about migration bundles, `Down` and
/// `dotnet ef database update 0`, and to stop migrating at start-up.
#[test]
fn ef_core_migrations_get_ef_core_advice() {
    let migration = "using Microsoft.EntityFrameworkCore.Migrations;\n\npublic partial class DropNote : Migration\n{\n    protected override void Up(MigrationBuilder migrationBuilder)\n    {\n        migrationBuilder.DropColumn(name: \"Note\", table: \"Orders\");\n    }\n}\n";
    let found = assess_files(&[
        (
            "src/Shop/Shop.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\"></Project>\n",
        ),
        ("src/Shop/Migrations/20240101000000_DropNote.cs", migration),
        (
            "src/Shop/Program.cs",
            "var app = WebApplication.CreateBuilder(args).Build();\napp.Run();\n",
        ),
    ]);
    let advice = migration_advice(&found);
    assert_eq!(advice.len(), 5, "{advice:?}");
    for (id, text) in &advice {
        assert!(
            text.contains("dotnet ef")
                || text.contains("Down")
                || text.contains("migrationBuilder"),
            "{id}: {text}"
        );
        assert!(!text.to_lowercase().contains("alembic"), "{id}: {text}");
    }
    assert!(action(&found, "DEP-19").contains("`dotnet ef database update 0`"));
    assert!(action(&found, "DEP-17").contains("remove `Database.Migrate()`"));
    assert!(action(&found, "DEP-21").contains("before the migration bundle"));
}

/// A rollback path that exists in part (Shipit's rollback command) gets advice on what it
/// lacks, not on writing a rollback workflow from nothing.
#[test]
fn a_partial_rollback_path_is_completed() {
    let shipit = "deploy:\n  override:\n    - krane deploy app production\n\nrollback:\n  override:\n    - krane deploy app production\n";
    let found = assess_files(&[
        (
            "Dockerfile",
            "FROM ruby:3.4-slim\nCOPY . /app\nUSER app\nCMD [\"bin/rails\", \"server\"]\n",
        ),
        (
            "Gemfile",
            "source \"https://rubygems.org\"\n\ngem \"rails\"\n",
        ),
        ("shipit.yml", shipit),
    ]);
    let rollback = (found.practices.iter()).find(|p| p.id == "DEP-10").unwrap();
    assert_eq!(
        rollback.evidence[0].location.line, 5,
        "{:?}",
        rollback.evidence
    );
    let advice = action(&found, "DEP-10");
    assert!(
        advice.starts_with("Complete the rollback path that exists"),
        "{advice}"
    );
}
