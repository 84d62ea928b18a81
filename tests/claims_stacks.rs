//! Ruby, PHP and .NET builds and CI gates credited for what their own tools show: a test runner
//! called through a versioned PHP interpreter, PHPStan and the PHP linters, a Rake task and the
//! .NET SDK, frozen Bundler installs, test data factories and test reports, each claim pinned
//! to its state and the line it cites.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod stacks;

use common::{assess_files, expect, practice};
use shipready::evidence::State;
use stacks::*;

/// PHPUnit run through the interpreter of the matrix's PHP version (`php8.3`,
/// `php${{ matrix.php }}`) runs the tests; so does `vendor/bin/phpunit` without `./`.
#[test]
fn phpunit_through_a_versioned_php_interpreter_runs_the_tests() {
    let workflow = |command: &str| {
        format!(
            "name: test-php\non:\n  pull_request:\n  push:\n    branches: [main]\njobs:\n  build:\n    \
             runs-on: ubuntu-22.04\n    strategy:\n      matrix:\n        php: ['8.1', '8.2', '8.3']\n    steps:\n    \
             - uses: actions/checkout@v4\n    - uses: shivammathur/setup-php@v2\n      with:\n        \
             php-version: ${{{{ matrix.php }}}}\n    - run: composer install --prefer-dist --no-interaction\n    \
             - name: Run tests\n      run: {command}\n"
        )
    };
    for command in [
        "php${{ matrix.php }} ./vendor/bin/phpunit",
        "php8.3 vendor/bin/phpunit",
        "php -d memory_limit=-1 vendor/bin/pest --parallel",
        "vendor/bin/phpunit",
        "php artisan test",
    ] {
        let text = workflow(command);
        let a = laravel_with(&[(".github/workflows/test-php.yml", &text)]);
        expect(&a, "TST-02", State::Present, &[]);
        assert_eq!(
            cited(&a, "TST-02"),
            (".github/workflows/test-php.yml".to_string(), 19),
            "{command}"
        );
    }
    for command in [
        "composer require --dev phpunit/phpunit",
        "echo vendor/bin/phpunit",
        "phpx vendor/bin/phpunit-watcher",
    ] {
        let text = workflow(command);
        let a = laravel_with(&[(".github/workflows/test-php.yml", &text)]);
        assert_eq!(practice(&a, "TST-02").state, State::Absent, "{command}");
    }
}

/// PHPStan run in CI (by path, or through the composer script named for it) is a type-check
/// gate; its configuration alone is only mentioned, and installing it runs nothing.
#[test]
fn phpstan_in_ci_is_a_type_check_gate() {
    let workflow = |command: &str| {
        format!(
            "name: analyse-php\non:\n  pull_request:\njobs:\n  build:\n    runs-on: ubuntu-22.04\n    steps:\n    \
             - uses: actions/checkout@v4\n    - run: composer install --no-interaction\n    - run: {command}\n"
        )
    };
    let config = (
        "phpstan.neon.dist",
        "includes:\n    - ./vendor/larastan/larastan/extension.neon\nparameters:\n    level: 1\n",
    );
    for command in [
        "vendor/bin/phpstan analyse --memory-limit=2G",
        "php8.3 ./vendor/bin/phpstan",
        "composer check-static",
        "./vendor/bin/psalm --no-progress",
    ] {
        let text = workflow(command);
        let a = laravel_with(&[config, (".github/workflows/analyse-php.yml", &text)]);
        expect(&a, "AUT-09", State::Present, &[]);
        assert_eq!(
            cited(&a, "AUT-09"),
            (".github/workflows/analyse-php.yml".to_string(), 10),
            "{command}"
        );
    }
    let text = workflow("composer require --dev phpstan/phpstan");
    let a = laravel_with(&[config, (".github/workflows/analyse-php.yml", &text)]);
    expect(&a, "AUT-09", State::Mentioned, &[]);
    assert_eq!(cited(&a, "AUT-09"), ("phpstan.neon.dist".to_string(), 1));
}

/// A package.json whose `"scripts": {}` is empty gives developers no command. CI building a
/// .NET solution runs what its build file describes; a Rake task is Ruby's Makefile target.
#[test]
fn empty_scripts_script_nothing_and_sdk_or_rake_builds_do() {
    let package = "{\n  \"name\": \"eshop\",\n  \"version\": \"1.0.0\",\n  \"directories\": {\n    \"test\": \"tests\"\n  },\n  \
        \"scripts\": {},\n  \"devDependencies\": {\n    \"@playwright/test\": \"^1.42.1\"\n  }\n}\n";
    let project = (
        "src/Catalog.API/Catalog.API.csproj",
        "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n",
    );
    let a = assess_files(&[("package.json", package), project]);
    expect(&a, "AUT-03", State::Absent, &[]);
    let scripted = package.replace(
        "\"scripts\": {},",
        "\"scripts\": {\n    \"test\": \"playwright test\"\n  },",
    );
    let a = assess_files(&[("package.json", &scripted), project]);
    expect(&a, "AUT-03", State::Partial, &[]);
    assert_eq!(cited(&a, "AUT-03"), ("package.json".to_string(), 7));
    // The evidence ends on the line it cites, not in the first script below it.
    assert_eq!(practice(&a, "AUT-03").evidence[0].location.end_line, 7);

    let workflow = "name: eShop Pull Request Validation\non:\n  pull_request:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-dotnet@v4\n      - name: Build\n        \
        run: dotnet build eShop.Web.slnf\n";
    let a = assess_files(&[
        ("package.json", package),
        project,
        (".github/workflows/pr-validation.yml", workflow),
    ]);
    expect(&a, "AUT-03", State::Present, &[]);
    assert_eq!(
        cited(&a, "AUT-03"),
        (".github/workflows/pr-validation.yml".to_string(), 11)
    );

    let gemfile = (
        "Gemfile",
        "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\n",
    );
    let rakefile = (
        "Rakefile",
        "require_relative \"config/application\"\n\nRails.application.load_tasks\n",
    );
    let a = assess_files(&[gemfile, rakefile]);
    expect(&a, "AUT-03", State::Partial, &[]);
    assert_eq!(cited(&a, "AUT-03"), ("Rakefile".to_string(), 1));
    let lint = "name: Lint\non:\n  pull_request:\njobs:\n  importmap:\n    runs-on: ubuntu-24.04\n    steps:\n      \
        - uses: actions/checkout@v4\n      - uses: ruby/setup-ruby@v1\n        with:\n          bundler-cache: true\n      \
        - run: bundle exec rake importmap:verify\n";
    let a = assess_files(&[gemfile, rakefile, (".github/workflows/lint.yml", lint)]);
    expect(&a, "AUT-03", State::Present, &[]);
    assert_eq!(
        cited(&a, "AUT-03"),
        (".github/workflows/lint.yml".to_string(), 12)
    );
}

/// Laravel's model factories and fakerphp/faker, factory_bot in a Gemfile, and Bogus in .NET
/// tests generate test data.
#[test]
fn php_ruby_and_dotnet_factories_generate_test_data() {
    let factory = "<?php\n\nnamespace Database\\Factories\\Entities\\Models;\n\nclass PageFactory extends Factory\n{\n}\n";
    let a = laravel_with(&[(
        "database/factories/Entities/Models/PageFactory.php",
        factory,
    )]);
    expect(&a, "TST-16", State::Present, &[]);
    assert_eq!(
        cited(&a, "TST-16").0,
        "database/factories/Entities/Models/PageFactory.php"
    );
    let composer = LARAVEL[0].1.replace(
        "\"phpunit/phpunit\": \"^10.0\"",
        "\"fakerphp/faker\": \"^1.21\",\n        \"phpunit/phpunit\": \"^10.0\"",
    );
    let a = laravel_with(&[("composer.json", &composer)]);
    expect(&a, "TST-16", State::Present, &[]);
    assert_eq!(cited(&a, "TST-16"), ("composer.json".to_string(), 8));

    let gemfile = "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\n\ngroup :test do\n  gem \"factory_bot_rails\", \"~> 6.5\"\nend\n";
    let a = rails_with(&[("Gemfile", gemfile)]);
    expect(&a, "TST-16", State::Present, &[]);
    assert_eq!(cited(&a, "TST-16"), ("Gemfile".to_string(), 6));

    let test = "using Bogus;\nusing Xunit;\n\nnamespace Ordering.UnitTests;\n\npublic class OrderTests\n{\n}\n";
    let a = aspnet_with(&[("tests/Ordering.UnitTests/OrderTests.cs", test)]);
    expect(&a, "TST-16", State::Present, &[]);
    assert_eq!(
        cited(&a, "TST-16"),
        ("tests/Ordering.UnitTests/OrderTests.cs".to_string(), 1)
    );
}

/// Bundler set to frozen or deployment mode before it installs (`bundle config set frozen
/// true`, `BUNDLE_DEPLOYMENT`) refuses to change Gemfile.lock: a frozen install.
#[test]
fn bundler_in_frozen_or_deployment_mode_installs_frozen() {
    let lock = (
        "Gemfile.lock",
        "GEM\n  remote: https://rubygems.org/\n  specs:\n    rails (8.0.2)\n\nBUNDLED WITH\n   2.6.9\n",
    );
    let workflow = |install: &str| {
        format!(
            "name: Tests\non:\n  pull_request:\njobs:\n  rails:\n    runs-on: ubuntu-24.04\n    steps:\n      \
             - uses: actions/checkout@v4\n      - uses: ruby/setup-ruby@v1\n      - run: {install}\n      \
             - run: bin/rails test\n"
        )
    };
    let loose = workflow("bundle install");
    let a = rails_with(&[lock, (".github/workflows/test.yml", &loose)]);
    expect(
        &a,
        "AUT-04",
        State::Partial,
        &["never installs in frozen mode"],
    );
    for install in [
        "bundle config set --local frozen true && bundle install",
        "bundle config set deployment 'true' && bundle install",
        "BUNDLE_DEPLOYMENT=1 bundle install",
    ] {
        let text = workflow(install);
        let a = rails_with(&[lock, (".github/workflows/test.yml", &text)]);
        expect(&a, "AUT-04", State::Present, &[]);
        let frozen: Vec<(String, usize)> = (practice(&a, "AUT-04").evidence.iter())
            .map(|e| (e.location.path.clone(), e.location.line))
            .collect();
        assert!(
            frozen.contains(&(".github/workflows/test.yml".to_string(), 10)),
            "{install}: {frozen:?}"
        );
    }
}

/// PHP_CodeSniffer, PHP-CS-Fixer in dry-run mode and the composer lint script are a lint gate;
/// phpcs.xml alone is only mentioned, and phpcbf, which rewrites the files, checks nothing.
#[test]
fn php_linters_in_ci_are_a_lint_gate() {
    let workflow = |command: &str| {
        format!(
            "name: lint-php\non:\n  pull_request:\njobs:\n  build:\n    runs-on: ubuntu-22.04\n    steps:\n    \
             - uses: actions/checkout@v4\n    - run: composer install --no-interaction\n    - run: {command}\n"
        )
    };
    let config = (
        "phpcs.xml",
        "<?xml version=\"1.0\"?>\n<ruleset name=\"Wiki\">\n    <rule ref=\"PSR12\"/>\n</ruleset>\n",
    );
    for command in [
        "composer lint",
        "./vendor/bin/phpcs",
        "vendor/bin/php-cs-fixer fix --dry-run --diff",
        "vendor/bin/pint --test",
    ] {
        let text = workflow(command);
        let a = laravel_with(&[config, (".github/workflows/lint-php.yml", &text)]);
        expect(&a, "AUT-08", State::Present, &[]);
        assert_eq!(
            cited(&a, "AUT-08"),
            (".github/workflows/lint-php.yml".to_string(), 10),
            "{command}"
        );
    }
    let text = workflow("vendor/bin/phpcbf");
    let a = laravel_with(&[config, (".github/workflows/lint-php.yml", &text)]);
    expect(&a, "AUT-08", State::Mentioned, &[]);
    assert_eq!(cited(&a, "AUT-08"), ("phpcs.xml".to_string(), 1));
}

/// JUnit XML from PHPUnit (on the command line or in phpunit.xml) and TRX from `dotnet test`
/// are test reports, partial until a step publishes them with a pass-rate rule.
#[test]
fn phpunit_junit_and_dotnet_trx_reports_are_test_reports() {
    let workflow = |command: &str| {
        format!(
            "name: tests\non:\n  pull_request:\njobs:\n  test:\n    runs-on: ubuntu-22.04\n    steps:\n    \
             - uses: actions/checkout@v4\n    - run: {command}\n"
        )
    };
    let phpunit = workflow("vendor/bin/phpunit --log-junit junit.xml");
    let a = laravel_with(&[(".github/workflows/tests.yml", &phpunit)]);
    expect(&a, "TST-08", State::Partial, &[]);
    assert_eq!(
        cited(&a, "TST-08"),
        (".github/workflows/tests.yml".to_string(), 9)
    );
    let config = "<phpunit bootstrap=\"vendor/autoload.php\">\n    <logging>\n        \
        <junit outputFile=\"build/junit.xml\"/>\n    </logging>\n</phpunit>\n";
    let a = laravel_with(&[("phpunit.xml", config)]);
    expect(&a, "TST-08", State::Partial, &[]);
    assert_eq!(cited(&a, "TST-08"), ("phpunit.xml".to_string(), 3));

    let dotnet = workflow("dotnet test --logger trx --results-directory TestResults");
    let a = aspnet_with(&[(".github/workflows/tests.yml", &dotnet)]);
    expect(&a, "TST-08", State::Partial, &[]);
    assert_eq!(
        cited(&a, "TST-08"),
        (".github/workflows/tests.yml".to_string(), 9)
    );
}
