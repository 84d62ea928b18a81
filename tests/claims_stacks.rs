//! Ruby, PHP and .NET applications credited for what their own tools show (a test runner
//! called through a versioned PHP interpreter, PHPStan, a Rake task, the .NET SDK, and the
//! libraries and configuration of Rails, Laravel and ASP.NET Core), each claim pinned to its
//! state and the line it cites.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess_files, expect, practice};
use shipready::assessment::model::Assessment;
use shipready::evidence::State;

/// The path and line of a practice's first piece of evidence.
fn cited(a: &Assessment, id: &str) -> (String, usize) {
    let at = &practice(a, id).evidence[0].location;
    (at.path.clone(), at.line)
}

/// A Laravel application: its manifest and a model.
const LARAVEL: &[(&str, &str)] = &[
    (
        "composer.json",
        "{\n    \"name\": \"acme/wiki\",\n    \"require\": {\n        \"php\": \"^8.1\",\n        \"laravel/framework\": \"^10.10\"\n    },\n    \"require-dev\": {\n        \"phpunit/phpunit\": \"^10.0\"\n    }\n}\n",
    ),
    (
        "app/Models/Page.php",
        "<?php\n\nnamespace App\\Models;\n\nuse Illuminate\\Database\\Eloquent\\Model;\n\nclass Page extends Model\n{\n}\n",
    ),
];

/// The Laravel application with `more` files; one of the same path replaces the base file.
fn laravel_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = LARAVEL.to_vec();
    files.extend_from_slice(more);
    assess_files(&files)
}

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

/// A Rails application shipped as an image.
const RAILS: &[(&str, &str)] = &[
    (
        "Gemfile",
        "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"pg\"\n",
    ),
    (
        "Dockerfile",
        "FROM ruby:3.4-slim\nWORKDIR /rails\nCOPY . .\nUSER 1000:1000\nCMD [\"bin/rails\", \"server\"]\n",
    ),
    (
        "app/models/gem_version.rb",
        "class GemVersion < ApplicationRecord\n  belongs_to :rubygem\nend\n",
    ),
];

/// The Rails application with `more` files; one of the same path replaces the base file.
fn rails_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = RAILS.to_vec();
    files.extend_from_slice(more);
    assess_files(&files)
}

/// An ASP.NET Core service shipped as an image.
fn aspnet_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = vec![
        (
            "src/Ordering.API/Ordering.API.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk.Web\">\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n",
        ),
        (
            "src/Ordering.API/Dockerfile",
            "FROM mcr.microsoft.com/dotnet/aspnet:9.0-noble-chiseled\nWORKDIR /app\nCOPY publish/ .\nENTRYPOINT [\"dotnet\", \"Ordering.API.dll\"]\n",
        ),
        (
            "src/Ordering.API/Apis/OrdersApi.cs",
            "namespace Ordering.API;\n\npublic static class OrdersApi\n{\n}\n",
        ),
        (
            "src/Ordering.API/Model/Order.cs",
            "namespace Ordering.API.Model;\n\npublic record Order(int Id);\n",
        ),
    ];
    files.extend_from_slice(more);
    assess_files(&files)
}

/// Rails' semantic logger writing JSON to stdout, and the .NET JSON console logger, are
/// structured logging; the gem alone is mentioned, lograge without its JSON formatter and
/// Serilog without one are partial.
#[test]
fn ruby_and_dotnet_json_loggers_are_structured_logging() {
    let gemfile = "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"rails_semantic_logger\", \"~> 5.1\"\n";
    let production = "Rails.application.configure do\n  config.log_level = ENV.fetch(\"RAILS_LOG_LEVEL\", \"info\")\n  \
        config.rails_semantic_logger.semantic = true\n  config.rails_semantic_logger.appenders do |appenders|\n    \
        appenders.add(io: $stdout, formatter: :json)\n  end\nend\n";
    let a = rails_with(&[("Gemfile", gemfile)]);
    expect(&a, "MON-01", State::Mentioned, &[]);
    assert_eq!(cited(&a, "MON-01"), ("Gemfile".to_string(), 4));
    let a = rails_with(&[
        ("Gemfile", gemfile),
        ("config/environments/production.rb", production),
    ]);
    expect(&a, "MON-01", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-01"),
        ("config/environments/production.rb".to_string(), 5)
    );
    let lograge = "Rails.application.configure do\n  config.lograge.enabled = true\nend\n";
    let a = rails_with(&[("config/environments/production.rb", lograge)]);
    expect(&a, "MON-01", State::Partial, &["key=value"]);
    assert_eq!(
        cited(&a, "MON-01"),
        ("config/environments/production.rb".to_string(), 2)
    );

    let logging = "<?php\n\nuse Monolog\\Formatter\\JsonFormatter;\n\nreturn [\n    'channels' => [\n        'stderr' => [\n            \
        'driver' => 'monolog',\n            'formatter' => JsonFormatter::class,\n        ],\n    ],\n];\n";
    let a = laravel_with(&[
        (
            "Dockerfile",
            "FROM php:8.3-fpm-alpine\nCOPY . /var/www/html\nUSER www-data\n",
        ),
        ("config/logging.php", logging),
    ]);
    expect(&a, "MON-01", State::Present, &[]);
    assert_eq!(cited(&a, "MON-01"), ("config/logging.php".to_string(), 9));

    let program = |logging: &str| {
        format!(
            "var builder = WebApplication.CreateBuilder(args);\n\n{logging}\n\nvar app = builder.Build();\napp.Run();\n"
        )
    };
    let json = program("builder.Logging.ClearProviders();\nbuilder.Logging.AddJsonConsole();");
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &json)]);
    expect(&a, "MON-01", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-01"),
        ("src/Ordering.API/Program.cs".to_string(), 4)
    );
    let serilog =
        program("builder.Host.UseSerilog((context, logger) => logger.WriteTo.Console());");
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &serilog)]);
    expect(&a, "MON-01", State::Partial, &["no JSON formatter"]);
    let compact = program(
        "builder.Host.UseSerilog((context, logger) => logger.WriteTo.Console(new CompactJsonFormatter()));",
    );
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &compact)]);
    expect(&a, "MON-01", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-01"),
        ("src/Ordering.API/Program.cs".to_string(), 3)
    );
}

/// StatsD calls push metrics to an agent outside the repository: partial. A Prometheus
/// exporter mounted by the application, prometheus-net's endpoint or the OpenTelemetry
/// scraping endpoint expose them; OpenTelemetry metrics with no endpoint are partial.
#[test]
fn statsd_is_partial_and_ruby_and_dotnet_exporters_expose_metrics() {
    let gemfile = "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"dogstatsd-ruby\", \"~> 5.7\"\ngem \"statsd-instrument\", \"~> 3.11\"\n";
    let a = rails_with(&[("Gemfile", gemfile)]);
    expect(&a, "MON-05", State::Mentioned, &[]);
    assert_eq!(cited(&a, "MON-05"), ("Gemfile".to_string(), 4));
    let sessions = "class SessionsController < ApplicationController\n  def create\n    if verified?\n      \
        StatsD.increment \"login.success\"\n    end\n  end\nend\n";
    let a = rails_with(&[
        ("Gemfile", gemfile),
        ("app/controllers/sessions_controller.rb", sessions),
    ]);
    expect(&a, "MON-05", State::Partial, &["StatsD agent"]);
    assert_eq!(
        cited(&a, "MON-05"),
        ("app/controllers/sessions_controller.rb".to_string(), 4)
    );
    let routes = "Rails.application.routes.draw do\n  mount Yabeda::Prometheus::Exporter, at: \"/metrics\"\nend\n";
    let a = rails_with(&[("config/routes.rb", routes)]);
    expect(&a, "MON-05", State::Present, &[]);
    assert_eq!(cited(&a, "MON-05"), ("config/routes.rb".to_string(), 2));

    let program = |setup: &str| {
        format!("var builder = WebApplication.CreateBuilder(args);\n{setup}\napp.Run();\n")
    };
    let otel = program(
        "builder.Services.AddOpenTelemetry()\n    .WithMetrics(metrics => metrics.AddMeter(\"Ordering\"));\nvar app = builder.Build();",
    );
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &otel)]);
    expect(
        &a,
        "MON-05",
        State::Partial,
        &["MapPrometheusScrapingEndpoint"],
    );
    assert_eq!(
        cited(&a, "MON-05"),
        ("src/Ordering.API/Program.cs".to_string(), 3)
    );
    let scraped = otel.replace(
        "var app = builder.Build();",
        "var app = builder.Build();\napp.MapPrometheusScrapingEndpoint();",
    );
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &scraped)]);
    expect(&a, "MON-05", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-05"),
        ("src/Ordering.API/Program.cs".to_string(), 5)
    );
    let prometheus_net =
        program("var app = builder.Build();\napp.UseHttpMetrics();\napp.MapMetrics();");
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &prometheus_net)]);
    expect(&a, "MON-05", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-05"),
        ("src/Ordering.API/Program.cs".to_string(), 3)
    );
}

/// The datadog gem traces what `c.tracing.instrument` enables; configured without an
/// integration it is partial. OpenTelemetry .NET traces exported over OTLP are tracing;
/// `.WithTracing` with no exporter is partial.
#[test]
fn the_datadog_gem_and_opentelemetry_dotnet_trace() {
    let datadog = "require \"datadog/kit/identity\"\n\nDatadog.configure do |c|\n  c.service = \"rubygems.org\"\n  \
        c.tracing.enabled = true\n  c.tracing.instrument :pg, comment_propagation: \"full\"\n  c.tracing.instrument :rails\nend\n";
    let a = rails_with(&[("config/initializers/datadog.rb", datadog)]);
    expect(&a, "MON-07", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-07"),
        ("config/initializers/datadog.rb".to_string(), 6)
    );
    let untraced = "Datadog.configure do |c|\n  c.profiling.enabled = true\nend\n";
    let a = rails_with(&[("config/initializers/datadog.rb", untraced)]);
    expect(&a, "MON-07", State::Partial, &["no tracing integration"]);
    assert_eq!(
        cited(&a, "MON-07"),
        ("config/initializers/datadog.rb".to_string(), 1)
    );

    let defaults = "public static class Extensions\n{\n    public static IHostApplicationBuilder ConfigureOpenTelemetry(this IHostApplicationBuilder builder)\n    {\n        \
        builder.Services.AddOpenTelemetry()\n            .WithTracing(tracing =>\n            {\n                \
        tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();\n            });\n        \
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddOtlpExporter());\n        \
        return builder;\n    }\n}\n";
    let a = aspnet_with(&[("src/ServiceDefaults/Extensions.cs", defaults)]);
    expect(&a, "MON-07", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-07"),
        ("src/ServiceDefaults/Extensions.cs".to_string(), 10)
    );
    let unexported = defaults.replace(
        "        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddOtlpExporter());\n",
        "",
    );
    let a = aspnet_with(&[("src/ServiceDefaults/Extensions.cs", &unexported)]);
    expect(&a, "MON-07", State::Partial, &["no OTLP exporter"]);
    assert_eq!(
        cited(&a, "MON-07"),
        ("src/ServiceDefaults/Extensions.cs".to_string(), 6)
    );
}

/// Rails' `/up` route, Laravel's health route and ASP.NET Core's `MapHealthChecks` are
/// health endpoints no orchestrator is seen using (partial); `AddHealthChecks` alone
/// registers checks that no endpoint serves (mentioned).
#[test]
fn rails_and_aspnet_health_endpoints_are_partial_health_checks() {
    let routes = "Rails.application.routes.draw do\n  resources :rubygems\n  \
        get \"up\" => \"rails/health#show\", as: :rails_health_check\nend\n";
    let a = rails_with(&[("config/routes.rb", routes)]);
    expect(&a, "DEP-05", State::Partial, &["no orchestrator uses it"]);
    assert_eq!(cited(&a, "DEP-05"), ("config/routes.rb".to_string(), 3));

    let bootstrap = "<?php\n\nreturn Application::configure(basePath: dirname(__DIR__))\n    ->withRouting(\n        \
        web: __DIR__.'/../routes/web.php',\n        health: '/up',\n    )\n    ->create();\n";
    let a = laravel_with(&[
        (
            "Dockerfile",
            "FROM php:8.3-fpm-alpine\nCOPY . /var/www/html\nUSER www-data\n",
        ),
        ("bootstrap/app.php", bootstrap),
    ]);
    expect(&a, "DEP-05", State::Partial, &[]);
    assert_eq!(cited(&a, "DEP-05"), ("bootstrap/app.php".to_string(), 6));

    let registered = "var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddHealthChecks()\n    \
        .AddCheck(\"self\", () => HealthCheckResult.Healthy(), [\"live\"]);\nvar app = builder.Build();\napp.Run();\n";
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", registered)]);
    expect(
        &a,
        "DEP-05",
        State::Mentioned,
        &["no endpoint serving them"],
    );
    assert_eq!(
        cited(&a, "DEP-05"),
        ("src/Ordering.API/Program.cs".to_string(), 2)
    );
    let mapped = registered.replace(
        "app.Run();",
        "app.MapHealthChecks(\"/health\");\napp.Run();",
    );
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", &mapped)]);
    expect(&a, "DEP-05", State::Partial, &["no orchestrator uses it"]);
    assert_eq!(
        cited(&a, "DEP-05"),
        ("src/Ordering.API/Program.cs".to_string(), 5)
    );
}

/// Models audited by the audited or paper_trail gems, or by laravel-auditing, keep a change
/// history: partial audit logging, as django-simple-history is. A column named `audited_at`
/// is not the macro.
#[test]
fn audited_models_are_partial_audit_logging() {
    let model = |body: &str| {
        format!("class ApiKey < ApplicationRecord\n  belongs_to :owner\n{body}\nend\n")
    };
    for (body, line) in [
        ("  audited", 3),
        (
            "  audited only: [:name, :scopes], associated_with: :owner",
            3,
        ),
        ("  has_paper_trail", 3),
    ] {
        let text = model(body);
        let a = rails_with(&[("app/models/api_key.rb", &text)]);
        expect(&a, "MON-04", State::Partial, &["data-change history"]);
        assert_eq!(
            cited(&a, "MON-04"),
            ("app/models/api_key.rb".to_string(), line)
        );
    }
    let text = model("  def touch_audit\n    audited_at = Time.current\n  end");
    let a = rails_with(&[("app/models/api_key.rb", &text)]);
    expect(&a, "MON-04", State::Absent, &[]);

    let auditable = "<?php\n\nnamespace App\\Models;\n\nuse Illuminate\\Database\\Eloquent\\Model;\n\
        use OwenIt\\Auditing\\Contracts\\Auditable;\n\nclass Page extends Model implements Auditable\n{\n    \
        use \\OwenIt\\Auditing\\Auditable;\n}\n";
    let a = laravel_with(&[
        (
            "Dockerfile",
            "FROM php:8.3-fpm-alpine\nCOPY . /var/www/html\nUSER www-data\n",
        ),
        ("app/Models/Page.php", auditable),
    ]);
    expect(&a, "MON-04", State::Partial, &[]);
    assert_eq!(cited(&a, "MON-04"), ("app/Models/Page.php".to_string(), 6));
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

/// Rails' force_ssl (which sends HSTS) and content security policy, ASP.NET Core's HSTS and a
/// CSP header set by a Laravel middleware are security headers; rack-attack throttles, the
/// throttle middleware and ASP.NET Core's rate limiter alone are partial hardening.
#[test]
fn rails_laravel_and_aspnet_hardening_is_seen() {
    let production = "Rails.application.configure do\n  config.force_ssl = true\nend\n";
    let a = rails_with(&[("config/environments/production.rb", production)]);
    expect(&a, "SEC-30", State::Present, &[]);
    assert_eq!(
        cited(&a, "SEC-30"),
        ("config/environments/production.rb".to_string(), 2)
    );
    let rack_attack = "class Rack::Attack\n  throttle(\"clearance/ip\", limit: 100, period: 10.minutes) do |req|\n    \
        req.ip if req.path.start_with?(\"/session\")\n  end\nend\n";
    let a = rails_with(&[("config/initializers/rack_attack.rb", rack_attack)]);
    expect(&a, "SEC-30", State::Partial, &[]);
    assert_eq!(
        cited(&a, "SEC-30"),
        ("config/initializers/rack_attack.rb".to_string(), 2)
    );

    let middleware = "<?php\n\nclass ApplyCspRules\n{\n    public function handle($request, $next)\n    {\n        \
        $response = $next($request);\n        $response->headers->set('Content-Security-Policy', $this->header(), false);\n        \
        return $response;\n    }\n}\n";
    let a = laravel_with(&[
        (
            "Dockerfile",
            "FROM php:8.3-fpm-alpine\nCOPY . /var/www/html\nUSER www-data\n",
        ),
        ("app/Http/Middleware/ApplyCspRules.php", middleware),
    ]);
    expect(&a, "SEC-30", State::Present, &[]);
    assert_eq!(
        cited(&a, "SEC-30"),
        ("app/Http/Middleware/ApplyCspRules.php".to_string(), 8)
    );

    let program = "var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddRateLimiter(o => o.AddFixedWindowLimiter(\"login\", w => w.PermitLimit = 5));\n\
        var app = builder.Build();\nif (!app.Environment.IsDevelopment())\n{\n    app.UseHsts();\n}\napp.Run();\n";
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", program)]);
    expect(&a, "SEC-30", State::Present, &[]);
    assert_eq!(
        cited(&a, "SEC-30"),
        ("src/Ordering.API/Program.cs".to_string(), 6)
    );
}

/// Rails' log tags with the request id put it on every line; a request id added to one
/// request's log payload is partial. A commented-out tag is nothing.
#[test]
fn rails_request_ids_in_logs() {
    let production = |tags: &str| {
        format!("Rails.application.configure do\n  config.log_level = :info\n  {tags}\nend\n")
    };
    let tagged = production("config.log_tags = [ :request_id ]");
    let a = rails_with(&[("config/environments/production.rb", &tagged)]);
    expect(&a, "MON-02", State::Present, &[]);
    assert_eq!(
        cited(&a, "MON-02"),
        ("config/environments/production.rb".to_string(), 3)
    );
    let commented = production("# config.log_tags = [ :request_id ]");
    let a = rails_with(&[("config/environments/production.rb", &commented)]);
    expect(&a, "MON-02", State::Absent, &[]);
    let payload = "ActiveSupport.on_load(:action_controller) do\n  def append_info_to_payload(payload)\n    super\n    \
        payload[:http] = {\n      request_id: request.uuid,\n      method: request.method\n    }\n  end\nend\n";
    let a = rails_with(&[("config/initializers/semantic_logger.rb", payload)]);
    expect(&a, "MON-02", State::Partial, &["some log entries"]);
    assert_eq!(
        cited(&a, "MON-02"),
        ("config/initializers/semantic_logger.rb".to_string(), 5)
    );
}

/// Laravel Pennant imported where flags are checked and .NET feature management registered
/// at startup evaluate feature flags.
#[test]
fn pennant_and_dotnet_feature_management_are_feature_flags() {
    let controller = "<?php\n\nnamespace App\\Http\\Controllers;\n\nuse Laravel\\Pennant\\Feature;\n\nclass PageController\n{\n    \
        public function show()\n    {\n        return Feature::active('new-editor') ? 'new' : 'old';\n    }\n}\n";
    let a = laravel_with(&[
        (
            "Dockerfile",
            "FROM php:8.3-fpm-alpine\nCOPY . /var/www/html\nUSER www-data\n",
        ),
        ("app/Http/Controllers/PageController.php", controller),
    ]);
    expect(&a, "DEP-24", State::Present, &[]);
    assert_eq!(
        cited(&a, "DEP-24"),
        ("app/Http/Controllers/PageController.php".to_string(), 5)
    );
    let program = "var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddFeatureManagement();\nvar app = builder.Build();\napp.Run();\n";
    let a = aspnet_with(&[("src/Ordering.API/Program.cs", program)]);
    expect(&a, "DEP-24", State::Present, &[]);
    assert_eq!(
        cited(&a, "DEP-24"),
        ("src/Ordering.API/Program.cs".to_string(), 2)
    );
}

/// Laravel reads its configuration from the environment through `env('NAME')` in config
/// files, cited at the call.
#[test]
fn laravel_config_read_from_the_environment_is_externalised() {
    let found = laravel_with(&[
        (
            "Dockerfile",
            "FROM php:8.3-fpm-alpine\nCOPY . /var/www\nUSER www-data\n",
        ),
        (
            "app/Config/app.php",
            "<?php\n\nreturn [\n    'env' => env('APP_ENV', 'production'),\n];\n",
        ),
    ]);
    expect(&found, "DEP-14", State::Present, &[]);
    assert_eq!(
        cited(&found, "DEP-14"),
        ("app/Config/app.php".to_string(), 4)
    );
}

/// A Rails application's database practices are worded for Rails migrations, not Alembic's.
#[test]
fn rails_migrations_get_rails_database_advice() {
    let found = rails_with(&[
        (
            "Dockerfile",
            "FROM ruby:3.4-slim\nCOPY . /app\nUSER app\nCMD [\"bin/rails\", \"server\"]\n",
        ),
        (
            "db/migrate/20240101000000_create_pages.rb",
            "class CreatePages < ActiveRecord::Migration[7.1]\n  def change\n    create_table :pages do |t|\n      t.string :title\n    end\n  end\nend\n",
        ),
    ]);
    let action = |id: &str| {
        (found.recommendations.iter())
            .find(|r| r.practice == id)
            .map(|r| r.action.clone())
            .unwrap_or_default()
    };
    assert!(
        action("DEP-19").contains("bin/rails db:rollback"),
        "{}",
        action("DEP-19")
    );
    assert!(
        !action("DEP-19").contains("alembic"),
        "{}",
        action("DEP-19")
    );
}
