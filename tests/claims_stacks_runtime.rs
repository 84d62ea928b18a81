//! Ruby, PHP and .NET applications credited for what their libraries and configuration show
//! at run time: JSON logs, metrics, tracing, health endpoints, audit trails, hardening, request
//! ids, feature flags, configuration from the environment and database advice, each claim
//! pinned to its state and the line it cites.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod stacks;

use common::expect;
use shipready::evidence::State;
use stacks::*;

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
