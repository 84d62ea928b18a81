//! The kinds of file the inventory tells apart: what each file is, its package ecosystem and
//! its migration system.

use schemars::JsonSchema;
use serde::Serialize;

/// Package ecosystems whose manifests and lockfiles are recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Python,
    Npm,
    Cargo,
    Go,
    Maven,
    Gradle,
    Ruby,
    Php,
    Dotnet,
}

impl Ecosystem {
    /// The `package-ecosystem` value Dependabot uses for this ecosystem.
    pub fn dependabot_name(self) -> &'static str {
        match self {
            Self::Python => "pip",
            Self::Npm => "npm",
            Self::Cargo => "cargo",
            Self::Go => "gomod",
            Self::Maven => "maven",
            Self::Gradle => "gradle",
            Self::Ruby => "bundler",
            Self::Php => "composer",
            Self::Dotnet => "nuget",
        }
    }
}

/// Migration tools recognised by their folder layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationSystem {
    Alembic,
    Django,
    Rails,
    Flyway,
    Liquibase,
    GolangMigrate,
    Prisma,
    Sqlx,
    Knex,
    /// Laravel migrations: PHP classes under `database/migrations/`.
    Laravel,
    /// Entity Framework Core migrations: C# classes in a `Migrations` folder.
    EfCore,
    /// Go migrations written as code (bun/migrate, goose Go migrations).
    GoCode,
    Sql,
}

impl MigrationSystem {
    /// The name the catalog keys advice on (`recommendation_by_migrations`): the system's
    /// name in the JSON schema, kebab-case.
    pub fn key(self) -> &'static str {
        match self {
            Self::Alembic => "alembic",
            Self::Django => "django",
            Self::Rails => "rails",
            Self::Flyway => "flyway",
            Self::Liquibase => "liquibase",
            Self::GolangMigrate => "golang-migrate",
            Self::Prisma => "prisma",
            Self::Sqlx => "sqlx",
            Self::Knex => "knex",
            Self::Laravel => "laravel",
            Self::EfCore => "ef-core",
            Self::GoCode => "go-code",
            Self::Sql => "sql",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    GithubWorkflow,
    /// `action.yml` of a local composite or JavaScript action.
    GithubAction,
    Dependabot,
    Renovate,
    GitlabCi,
    /// A Google Cloud Build configuration (`cloudbuild.yaml`, `cloudbuild-release.yaml`, the
    /// same in JSON), or the trigger definitions that start builds.
    CloudBuild,
    /// A pipeline file of a CI system modelled only by name (Jenkins, CircleCI, ...).
    OtherCi,
    Dockerfile,
    Compose,
    Manifest(Ecosystem),
    Lockfile(Ecosystem),
    TestConfig,
    CoverageConfig,
    DeployConfig,
    HelmChart,
    Terraform,
    AlembicConfig,
    Migration(MigrationSystem),
    Monitoring,
    OpsDoc,
    Readme,
    PreCommit,
    /// Application or test source code.
    Source,
    /// Other text worth reading for content signals (YAML, JSON, TOML, shell, docs).
    Text,
    /// Not read: binaries, images, archives and anything unrecognised.
    Other,
}

impl FileKind {
    /// Whether the file's text is read at all.
    pub fn is_read(self) -> bool {
        self != FileKind::Other
    }

    /// Whether the file is a pipeline that is modelled job by job and step by step, which
    /// takes tens of times its size in memory.
    pub fn is_modelled_pipeline(self) -> bool {
        matches!(
            self,
            Self::GithubWorkflow | Self::GithubAction | Self::GitlabCi | Self::CloudBuild
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::GithubWorkflow => "GitHub Actions workflow",
            Self::GithubAction => "GitHub Actions local action",
            Self::Dependabot => "Dependabot config",
            Self::Renovate => "Renovate config",
            Self::GitlabCi => "GitLab CI pipeline",
            Self::CloudBuild => "Cloud Build pipeline",
            Self::OtherCi => "CI pipeline (other system)",
            Self::Dockerfile => "Dockerfile",
            Self::Compose => "Compose file",
            Self::Manifest(_) => "dependency manifest",
            Self::Lockfile(_) => "lockfile",
            Self::TestConfig => "test config",
            Self::CoverageConfig => "coverage config",
            Self::DeployConfig => "deployment config",
            Self::HelmChart => "Helm chart",
            Self::Terraform => "Terraform",
            Self::AlembicConfig => "Alembic config",
            Self::Migration(_) => "migration",
            Self::Monitoring => "monitoring config",
            Self::OpsDoc => "operations doc",
            Self::Readme => "README",
            Self::PreCommit => "pre-commit config",
            Self::Source => "source",
            Self::Text => "text",
            Self::Other => "other",
        }
    }
}
