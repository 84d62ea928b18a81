//! Recommendations in the terms of Ruby, PHP and C#: a Rails, Laravel or ASP.NET Core
//! service is told about bundle-audit, PHPStan or `dotnet test`, not pip-audit and pytest.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::assess_files;
use shipready::assessment::model::Assessment;
use shipready::catalog::{Catalog, Trait};

/// Words that name Python's or JavaScript's own tools.
const PYTHON_OR_JS_TOOLS: &[&str] = &[
    "pytest",
    "pip-audit",
    "structlog",
    "sentry_sdk",
    "mypy",
    "ruff",
    "bandit",
    "factory_boy",
    "xenon",
    "flask",
    "Django",
    "pydantic",
    "npm ",
    "npx ",
    "Jest",
    "pino",
    "helmet",
];

fn action<'a>(a: &'a Assessment, id: &str) -> &'a str {
    &a.recommendations
        .iter()
        .find(|r| r.practice == id)
        .unwrap_or_else(|| panic!("no recommendation for {id}"))
        .action
}

/// Every recommendation of a practice worded for `language` is that wording, and none of
/// them names a Python or JavaScript tool. Advice about the database follows the migration
/// system and is left out.
fn assert_worded_for(a: &Assessment, language: &str) {
    let catalog = Catalog::builtin();
    let mut worded = 0;
    for r in &a.recommendations {
        let practice = catalog.practice(&r.practice).unwrap();
        if practice.applies_to.contains(&Trait::Database) {
            continue;
        }
        let Some(text) = practice.recommendation_by_language.get(language) else {
            continue;
        };
        assert_eq!(&r.action, text, "{}", r.practice);
        for tool in PYTHON_OR_JS_TOOLS {
            assert!(
                !r.action.contains(tool),
                "{}: {tool} in {}",
                r.practice,
                r.action
            );
        }
        worded += 1;
    }
    assert!(
        worded >= 20,
        "only {worded} recommendations worded for {language}"
    );
}

/// Files of one application: a manifest, a Dockerfile that ships it, a workflow that only
/// checks it out, and `n` source files named `path(i)`.
fn application(
    manifest: (&str, &str),
    dockerfile: &str,
    n: usize,
    path: impl Fn(usize) -> String,
    source: &str,
) -> Assessment {
    let workflow = "name: CI\non:\n  pull_request:\njobs:\n  build:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n";
    let mut files: Vec<(String, String)> = vec![
        (manifest.0.into(), manifest.1.into()),
        ("Dockerfile".into(), dockerfile.into()),
        (".github/workflows/ci.yml".into(), workflow.into()),
    ];
    files.extend((0..n).map(|i| (path(i), source.to_string())));
    let files: Vec<(&str, &str)> = (files.iter())
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    assess_files(&files)
}

/// The practices worded per language speak Ruby, PHP and C# too, except those about the
/// database, which are worded per migration system.
#[test]
fn every_practice_worded_per_language_speaks_ruby_php_and_csharp() {
    for practice in &Catalog::builtin().practices {
        let worded = &practice.recommendation_by_language;
        if worded.is_empty() || practice.applies_to.contains(&Trait::Database) {
            continue;
        }
        for language in ["ruby", "php", "csharp"] {
            assert!(
                worded.get(language).is_some_and(|t| t.len() > 20),
                "{} has no {language} advice",
                practice.id
            );
        }
    }
}

#[test]
fn a_rails_service_gets_ruby_advice() {
    let a = application(
        (
            "Gemfile",
            "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\n",
        ),
        "FROM ruby:3.4\nCOPY . /rails\nUSER 1000\nCMD [\"bin/rails\", \"server\"]\n",
        6,
        |i| format!("app/models/model{i}.rb"),
        "class Model < ApplicationRecord\nend\n",
    );
    assert_worded_for(&a, "ruby");
    assert!(action(&a, "TST-02").contains("bin/rails test"));
    assert!(action(&a, "SEC-06").contains("bundle-audit"));
    assert!(action(&a, "MON-01").contains("rails_semantic_logger"));
    assert!(action(&a, "MON-07").contains("c.tracing.instrument :rails"));
    assert!(action(&a, "SEC-15").contains("ruby:3.4-slim"));
}

#[test]
fn a_laravel_service_gets_php_advice() {
    let a = application(
        (
            "composer.json",
            "{\n  \"require\": {\n    \"laravel/framework\": \"^11.0\"\n  }\n}\n",
        ),
        "FROM php:8.3-apache\nCOPY . /var/www/html\nUSER www-data\n",
        6,
        |i| format!("app/Models/Model{i}.php"),
        "<?php\n\nnamespace App\\Models;\n\nclass Model {}\n",
    );
    assert_worded_for(&a, "php");
    assert!(action(&a, "TST-02").contains("vendor/bin/phpunit"));
    assert!(action(&a, "AUT-09").contains("PHPStan"));
    assert!(action(&a, "MON-01").contains("JsonFormatter"));
    assert!(action(&a, "SEC-05").starts_with("Cover PHP, which CodeQL does not analyse"));
}

#[test]
fn an_aspnet_service_gets_csharp_advice() {
    let a = application(
        (
            "src/Api/Api.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n",
        ),
        "FROM mcr.microsoft.com/dotnet/aspnet:9.0\nCOPY publish/ /app\nUSER app\nENTRYPOINT [\"dotnet\", \"/app/Api.dll\"]\n",
        6,
        |i| format!("src/Api/Model{i}.cs"),
        "namespace Api;\n\npublic record Model(int Id);\n",
    );
    assert_worded_for(&a, "csharp");
    assert!(action(&a, "TST-03").contains("XPlat Code Coverage"));
    assert!(action(&a, "AUT-04").contains("--locked-mode"));
    assert!(action(&a, "MON-07").contains("AddOtlpExporter()"));
    assert!(action(&a, "SEC-15").contains("chiseled"));
}

/// A PHP application with a comparable amount of TypeScript gets both languages' advice,
/// each named, on the practices newly worded per language too.
#[test]
fn php_beside_typescript_gets_both() {
    let mut files: Vec<(String, String)> = vec![
        (
            "composer.json".into(),
            "{\n  \"require\": {\n    \"laravel/framework\": \"^11.0\"\n  }\n}\n".into(),
        ),
        ("package.json".into(), "{\"name\": \"wiki\"}\n".into()),
        (
            "Dockerfile".into(),
            "FROM php:8.3-apache\nCOPY . /var/www/html\nUSER www-data\n".into(),
        ),
    ];
    files.extend((0..6).map(|i| (format!("app/Models/Model{i}.php"), "<?php\n".into())));
    files.extend((0..4).map(|i| (format!("resources/js/view{i}.ts"), "export {}\n".into())));
    let files: Vec<(&str, &str)> = (files.iter())
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let a = assess_files(&files);
    for id in ["SEC-30", "MON-04", "SEC-05", "TST-07"] {
        let text = action(&a, id);
        assert!(text.starts_with("PHP: "), "{id}: {text}");
        assert!(text.contains(" JavaScript/TypeScript: "), "{id}: {text}");
    }
}
