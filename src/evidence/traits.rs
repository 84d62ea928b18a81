//! Repository traits that decide which practices apply: containers, a database, something
//! deployed, a service that runs once deployed (rather than a tool or a library released as
//! packages), a web UI, infrastructure as code, Kubernetes, CI.

use std::collections::BTreeSet;

use super::TextScans;
use super::signals::text::SignalList;
use crate::catalog::{Catalog, Trait};
use crate::inventory::{FileKind, Inventory};
use crate::parse::Parsed;
use crate::pipeline::{Pipelines, deploys_a_service, is_deploy_job};

const DATABASE_DEPENDENCIES: &[&str] = &[
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "psycopg2",
    "psycopg2-binary",
    "asyncpg",
    "django",
    "alembic",
    "flask-sqlalchemy",
    "flask-migrate",
    "peewee",
    "tortoise-orm",
    "pymysql",
    "mysqlclient",
    "pymongo",
    "motor",
    "prisma",
    "@prisma/client",
    "pg",
    "mysql2",
    "typeorm",
    "sequelize",
    "knex",
    "mongoose",
    "drizzle-orm",
    "diesel",
    "sqlx",
    "sea-orm",
    "tokio-postgres",
    "postgres",
    "rusqlite",
    "gorm.io/gorm",
    "github.com/lib/pq",
    "github.com/jackc/pgx/v5",
    "github.com/jackc/pgx/v4",
    "activerecord",
    "rails",
    "pg",
    "mysql2",
    "org.postgresql:postgresql",
    "org.flywaydb:flyway-core",
    "org.liquibase:liquibase-core",
    "org.springframework.boot:spring-boot-starter-data-jpa",
    "microsoft.entityframeworkcore",
    "microsoft.entityframeworkcore.sqlserver",
    "microsoft.entityframeworkcore.sqlite",
    "npgsql",
    "npgsql.entityframeworkcore.postgresql",
    "pomelo.entityframeworkcore.mysql",
    "mysqlconnector",
    "microsoft.data.sqlclient",
    "mongodb.driver",
    "dapper",
    "aspire.npgsql",
    "aspire.npgsql.entityframeworkcore.postgresql",
    "aspire.microsoft.entityframeworkcore.sqlserver",
    "aspire.hosting.postgresql",
    "aspire.hosting.sqlserver",
    "aspire.hosting.mysql",
];

const DATABASE_IMAGES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "postgis",
    "timescale",
    "cockroach",
];

const WEB_UI_DEPENDENCIES: &[&str] = &[
    "react",
    "react-dom",
    "vue",
    "svelte",
    "@angular/core",
    "next",
    "nuxt",
    "@sveltejs/kit",
    "solid-js",
    "preact",
    "@remix-run/react",
    "astro",
];

/// Frameworks that serve requests: a project built on one runs as a service wherever it is
/// deployed from.
const SERVER_DEPENDENCIES: &[&str] = &[
    "django",
    "flask",
    "fastapi",
    "starlette",
    "aiohttp",
    "tornado",
    "sanic",
    "quart",
    "litestar",
    "falcon",
    "pyramid",
    "express",
    "koa",
    "fastify",
    "@nestjs/core",
    "@hapi/hapi",
    "next",
    "nuxt",
    "@remix-run/node",
    "@sveltejs/kit",
    "hono",
    "rails",
    "sinatra",
    "github.com/gin-gonic/gin",
    "github.com/labstack/echo/v4",
    "github.com/gofiber/fiber/v2",
    "github.com/go-chi/chi/v5",
    "github.com/gorilla/mux",
    "actix-web",
    "axum",
    "rocket",
    "warp",
    "poem",
    "org.springframework.boot:spring-boot-starter-web",
    "org.springframework.boot:spring-boot-starter-webflux",
    "io.quarkus:quarkus-rest",
    "io.micronaut:micronaut-http-server-netty",
    "laravel/framework",
    "symfony/http-kernel",
    "phoenix",
    // The SDK of an ASP.NET Core project, and gRPC served by it.
    "microsoft.net.sdk.web",
    "grpc.aspnetcore",
];

/// An Aspire AppHost describes how an application's services run together and is what
/// `azd up` and `aspire deploy` deploy, as a Kubernetes manifest or a platform file would.
const APP_HOSTS: &[&str] = &["aspire.apphost.sdk", "aspire.hosting.apphost"];

/// Terraform resources that run an application.
const RUNTIME_RESOURCES: &[&str] = &[
    "azurerm_container_app",
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
    "google_cloud_run_v2_service",
    "google_cloud_run_service",
    "google_app_engine_standard_app_version",
    "aws_ecs_service",
    "aws_lambda_function",
    "aws_apprunner_service",
    "aws_elastic_beanstalk_environment",
    "kubernetes_deployment",
    "kubernetes_deployment_v1",
];

pub fn detect_traits(
    catalog: &Catalog,
    inventory: &Inventory,
    parsed: &Parsed,
    pipelines: &Pipelines,
    scans: &TextScans,
) -> BTreeSet<Trait> {
    let mut traits = BTreeSet::new();
    // Examples and fixtures describe other people's setups, not this repository's.
    let own = |path: &str| !super::signals::is_reference_material(path);
    let has = |kind: FileKind| {
        inventory
            .files
            .iter()
            .any(|f| f.kind == kind && own(&f.path))
    };
    let depends = |names: &[&str]| {
        parsed
            .dependencies
            .iter()
            .any(|d| names.contains(&d.name.as_str()))
    };

    let kubernetes = has(FileKind::HelmChart)
        || inventory.texts().any(|(f, t)| {
            own(&f.path)
                && {
                    let path = crate::inventory::rendered_config(&f.path).unwrap_or(&f.path);
                    path.ends_with(".yaml") || path.ends_with(".yml")
                }
                && t.contains("apiVersion:")
                && t.lines().any(|l| {
                    let l = l.trim();
                    l.starts_with("kind:")
                        && [
                            "Deployment",
                            "StatefulSet",
                            "DaemonSet",
                            "CronJob",
                            "Rollout",
                            "Ingress",
                        ]
                        .iter()
                        .any(|k| l.ends_with(k))
                })
        });
    if kubernetes {
        traits.insert(Trait::Kubernetes);
    }
    let shipped_dockerfiles = parsed.dockerfiles.iter().any(|d| d.ships_an_image());
    if shipped_dockerfiles || has(FileKind::Compose) || kubernetes {
        traits.insert(Trait::Containers);
    }
    let compose_database = inventory
        .of_kind(FileKind::Compose)
        .filter_map(|f| f.text.as_deref())
        .any(|t| {
            t.lines().any(|l| {
                l.trim_start().starts_with("image:")
                    && DATABASE_IMAGES.iter().any(|i| l.contains(i))
            })
        });
    if !parsed.migrations.systems.is_empty() || depends(DATABASE_DEPENDENCIES) || compose_database {
        traits.insert(Trait::Database);
    }
    let deploys = pipelines.jobs().any(|(_, j)| is_deploy_job(j));
    let app_host = depends(APP_HOSTS);
    if deploys || has(FileKind::DeployConfig) || kubernetes || shipped_dockerfiles || app_host {
        traits.insert(Trait::Deployable);
    }
    // What is deployed runs as a service unless everything shows a package or a release:
    // no image, manifest, platform config or runtime resource, no deployment of a running
    // service, and no framework that serves requests.
    let runtime_resource = inventory.of_kind(FileKind::Terraform).any(|f| {
        own(&f.path)
            && f.text.as_deref().is_some_and(|t| {
                RUNTIME_RESOURCES
                    .iter()
                    .any(|r| t.contains(&format!("resource \"{r}\"")))
            })
    });
    // Application code that answers a health check (`@app.get("/healthz")`,
    // `http.HandleFunc("/healthz", ...)`) serves requests, whatever framework it uses.
    let health = catalog.practices.iter().position(|p| p.id == "DEP-05");
    let answers_health_checks = health.is_some_and(|health| {
        let owners = &catalog.index.code_owners;
        scans
            .signals(inventory, SignalList::Code)
            .any(|(file, hit)| {
                own(&file.path) && owners.get(hit.signal).is_some_and(|o| o.practice == health)
            })
    });
    let service = answers_health_checks
        || shipped_dockerfiles
        || kubernetes
        || has(FileKind::Compose)
        || has(FileKind::DeployConfig)
        || runtime_resource
        || depends(SERVER_DEPENDENCIES)
        || app_host
        || pipelines.jobs().any(|(p, j)| deploys_a_service(p, j));
    if service && traits.contains(&Trait::Deployable) {
        traits.insert(Trait::Service);
    }
    let ui_tests = inventory.files.iter().any(|f| {
        let name = f.path.rsplit('/').next().unwrap_or("");
        name.starts_with("playwright.config.") || name.starts_with("cypress.config.")
    });
    if depends(WEB_UI_DEPENDENCIES) || ui_tests {
        traits.insert(Trait::WebUi);
    }
    if has(FileKind::Terraform)
        || has(FileKind::HelmChart)
        || inventory
            .files
            .iter()
            .any(|f| f.path.ends_with("kustomization.yaml"))
    {
        traits.insert(Trait::Iac);
    }
    if !pipelines.pipelines.is_empty() || !pipelines.other_ci.is_empty() {
        traits.insert(Trait::Ci);
    }
    if inventory
        .files
        .iter()
        .any(|f| matches!(f.kind, FileKind::Manifest(_)))
    {
        traits.insert(Trait::Dependencies);
    }
    traits
}
