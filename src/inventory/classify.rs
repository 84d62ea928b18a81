//! What a file is, decided once from its path alone.

use super::kinds::{Ecosystem, FileKind, MigrationSystem};

const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "js", "mjs", "cjs", "jsx", "ts", "tsx", "go", "rs", "java", "kt", "rb", "php", "cs",
    "scala", "swift", "vue", "svelte", "ex", "exs", "c", "cc", "cpp", "h", "hpp", "lua",
];

const TEXT_EXTENSIONS: &[&str] = &[
    "yml",
    "yaml",
    "json",
    "toml",
    "ini",
    "cfg",
    "conf",
    "md",
    "mdx",
    "rst",
    "txt",
    "sh",
    "bash",
    "hcl",
    "tf",
    "tfvars",
    "sql",
    "xml",
    "gradle",
    "properties",
    "env",
    "example",
    "jsonnet",
    "libsonnet",
    "tpl",
    "mk",
    "nix",
    "adoc",
    "pem",
    "key",
    "p8",
    "ppk",
    "npmrc",
    "pypirc",
    "netrc",
];

/// Names of files that usually hold credentials; read so the secret scan sees them.
fn is_credential_file(name: &str) -> bool {
    ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"]
        .iter()
        .any(|k| name.starts_with(k))
        || name.ends_with("_key")
        || name.ends_with("-key")
        || matches!(name, "credentials" | ".pypirc" | ".netrc" | ".dockercfg")
        || name.starts_with(".npmrc")
}

/// Classifies a repository-relative path (with `/` separators).
/// Suffixes of a template rendered into the file named before them (`web.yaml.erb` renders
/// `web.yaml`).
const TEMPLATE_SUFFIXES: &[&str] = &[
    ".erb",
    ".j2",
    ".jinja",
    ".jinja2",
    ".tmpl",
    ".tpl",
    ".template",
];

/// The path a template renders, when `path` is a template of YAML or JSON configuration
/// (`config/deploy/web.yaml.erb`, `k8s/deployment.yml.j2`): such a file is read, and the
/// signals for configuration match it as the file it renders. Matched ignoring case.
pub fn rendered_config(path: &str) -> Option<&str> {
    let bytes = path.as_bytes();
    let suffix = TEMPLATE_SUFFIXES.iter().find(|suffix| {
        bytes.len() > suffix.len()
            && bytes[bytes.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    })?;
    let rendered = &path[..path.len() - suffix.len()];
    let name = rendered.rsplit('/').next().unwrap_or(rendered);
    let (stem, extension) = name.rsplit_once('.')?;
    let config = ["yaml", "yml", "json"]
        .iter()
        .any(|e| extension.eq_ignore_ascii_case(e));
    (config && !stem.is_empty()).then_some(rendered)
}

pub fn classify(path: &str) -> FileKind {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let dir = lower.strip_suffix(name).unwrap_or("").trim_end_matches('/');
    let extension = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let yaml = matches!(extension, "yml" | "yaml");

    if dir == ".github/workflows" && yaml {
        return FileKind::GithubWorkflow;
    }
    if matches!(name, "action.yml" | "action.yaml") {
        return FileKind::GithubAction;
    }
    if dir == ".github" && matches!(name, "dependabot.yml" | "dependabot.yaml") {
        return FileKind::Dependabot;
    }
    if matches!(
        name,
        "renovate.json" | "renovate.json5" | ".renovaterc" | ".renovaterc.json"
    ) && matches!(dir, "" | ".github" | ".gitlab")
    {
        return FileKind::Renovate;
    }
    if lower == ".gitlab-ci.yml"
        || (dir.contains(".gitlab") || dir.starts_with("ci")) && yaml && name.contains("gitlab-ci")
    {
        return FileKind::GitlabCi;
    }
    if name.starts_with("cloudbuild") && (yaml || extension == "json") {
        return FileKind::CloudBuild;
    }
    if is_other_ci(&lower, name, dir) {
        return FileKind::OtherCi;
    }
    if name == "dockerfile"
        || (name.starts_with("dockerfile.")
            && !SOURCE_EXTENSIONS.contains(&extension)
            && !matches!(extension, "md" | "txt" | "json" | "yml" | "yaml"))
        || name.ends_with(".dockerfile")
        || name == "containerfile"
        || name.starts_with("containerfile.")
    {
        return FileKind::Dockerfile;
    }
    if (name.starts_with("docker-compose") || name.starts_with("compose.")) && yaml {
        return FileKind::Compose;
    }
    // A project a test suite builds or must reject is test data: its manifest and lockfile
    // are not the repository's, and they are read as any other text.
    if let Some(kind) = package_file(name) {
        return if is_test_fixture(dir) {
            FileKind::Text
        } else {
            kind
        };
    }
    if matches!(
        name,
        ".pre-commit-config.yaml" | ".pre-commit-config.yml" | "lefthook.yml"
    ) {
        return FileKind::PreCommit;
    }
    if name == "alembic.ini" {
        return FileKind::AlembicConfig;
    }
    if let Some(system) = migration_system(&lower, name, dir, extension) {
        return FileKind::Migration(system);
    }
    if matches!(
        name,
        "pytest.ini" | "conftest.py" | "tox.ini" | "noxfile.py" | "phpunit.xml" | ".mocharc.yml"
    ) || name.starts_with("jest.config.")
        || name.starts_with("vitest.config.")
        || name.starts_with("playwright.config.")
        || name.starts_with("cypress.config.")
    {
        return FileKind::TestConfig;
    }
    if matches!(
        name,
        ".coveragerc"
            | "codecov.yml"
            | ".codecov.yml"
            | "codecov.yaml"
            | ".nycrc"
            | ".nycrc.json"
            | "tarpaulin.toml"
    ) {
        return FileKind::CoverageConfig;
    }
    if matches!(
        name,
        "render.yaml"
            | "fly.toml"
            | "procfile"
            | "vercel.json"
            | "netlify.toml"
            | "app.json"
            | "app.yaml"
            | "heroku.yml"
            | "serverless.yml"
            | "appspec.yml"
            | "skaffold.yaml"
            | "railway.json"
            | "railway.toml"
            | "kustomization.yaml"
            | "kustomization.yml"
            | "shipit.yml"
            | "shipit.yaml"
    ) || name.starts_with("task-definition")
    {
        return FileKind::DeployConfig;
    }
    if name == "chart.yaml" || dir.split('/').any(|d| d == "charts") && yaml {
        return FileKind::HelmChart;
    }
    if matches!(extension, "tf" | "tfvars") || name == "pulumi.yaml" || name == "cdk.json" {
        return FileKind::Terraform;
    }
    if is_monitoring(&lower, name, extension) {
        return FileKind::Monitoring;
    }
    if is_ops_doc(&lower, name, dir) {
        return FileKind::OpsDoc;
    }
    if name.starts_with("readme") {
        return FileKind::Readme;
    }
    if SOURCE_EXTENSIONS.contains(&extension) {
        return FileKind::Source;
    }
    if TEXT_EXTENSIONS.contains(&extension)
        || matches!(
            name,
            "makefile"
                | "justfile"
                | "jenkinsfile"
                | ".gitignore"
                | "license"
                | "codeowners"
                | ".dockerignore"
                | ".trivyignore"
                | ".gitleaks.toml"
                | ".secrets.baseline"
                | ".snyk"
                | "gemfile"
                | "directory.build.props"
                | "directory.build.targets"
                | "brewfile"
                | "news"
                | "changes"
                | "history"
                | "changelog"
                | "copying"
                | "notice"
        )
        || name.starts_with(".env")
        || is_credential_file(name)
        || name.starts_with("license")
        || rendered_config(name).is_some()
    {
        return FileKind::Text;
    }
    FileKind::Other
}

fn is_other_ci(lower: &str, name: &str, dir: &str) -> bool {
    matches!(
        lower,
        "jenkinsfile"
            | ".circleci/config.yml"
            | "azure-pipelines.yml"
            | "bitbucket-pipelines.yml"
            | ".drone.yml"
            | ".travis.yml"
            | "buildspec.yml"
            | ".buildkite/pipeline.yml"
            | ".woodpecker.yml"
    ) || (dir == ".tekton" && (name.ends_with(".yaml") || name.ends_with(".yml")))
}

/// Whether a folder holds test fixtures: `testdata` (Go's convention), `__fixtures__`, or a
/// `fixtures` folder inside a test folder (`tests/fixtures/`, `test/unit/fixtures/`).
fn is_test_fixture(dir: &str) -> bool {
    let mut in_tests = false;
    for segment in dir.split('/') {
        match segment {
            "testdata" | "__fixtures__" => return true,
            "fixtures" if in_tests => return true,
            "tests" | "test" | "spec" | "__tests__" => in_tests = true,
            _ => {}
        }
    }
    false
}

fn package_file(name: &str) -> Option<FileKind> {
    use Ecosystem::*;
    let manifest = |e| Some(FileKind::Manifest(e));
    let lock = |e| Some(FileKind::Lockfile(e));
    match name {
        "pyproject.toml" | "setup.py" | "setup.cfg" | "pipfile" => manifest(Python),
        "uv.lock" | "poetry.lock" | "pipfile.lock" | "pdm.lock" => lock(Python),
        "package.json" => manifest(Npm),
        "package-lock.json"
        | "pnpm-lock.yaml"
        | "yarn.lock"
        | "npm-shrinkwrap.json"
        | "bun.lockb"
        | "bun.lock" => lock(Npm),
        "cargo.toml" => manifest(Cargo),
        "cargo.lock" => lock(Cargo),
        "go.mod" => manifest(Go),
        "go.sum" => lock(Go),
        "pom.xml" => manifest(Maven),
        "build.gradle" | "build.gradle.kts" => manifest(Gradle),
        "gradle.lockfile" => lock(Gradle),
        "gemfile" => manifest(Ruby),
        "gemfile.lock" => lock(Ruby),
        "composer.json" => manifest(Php),
        "composer.lock" => lock(Php),
        "packages.lock.json" => lock(Dotnet),
        "directory.packages.props" => manifest(Dotnet),
        _ if name.ends_with(".csproj") || name.ends_with(".fsproj") => manifest(Dotnet),
        _ if name.starts_with("requirements")
            && (name.ends_with(".txt") || name.ends_with(".in")) =>
        {
            manifest(Python)
        }
        _ => None,
    }
}

fn migration_system(
    lower: &str,
    name: &str,
    dir: &str,
    extension: &str,
) -> Option<MigrationSystem> {
    use MigrationSystem::*;
    let segments: Vec<&str> = dir.split('/').collect();
    if extension == "py" && segments.last() == Some(&"versions") && name != "__init__.py" {
        return Some(Alembic);
    }
    if extension == "py"
        && segments.last() == Some(&"migrations")
        && name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(Django);
    }
    if lower.contains("db/migrate/") && extension == "rb" {
        return Some(Rails);
    }
    if lower.contains("prisma/migrations/") && name == "migration.sql" {
        return Some(Prisma);
    }
    if extension == "sql"
        && (name.starts_with('v') || name.starts_with('u') || name.starts_with('r'))
        && name.contains("__")
    {
        return Some(Flyway);
    }
    if (name.contains("changelog") && matches!(extension, "xml" | "yaml" | "yml" | "json" | "sql"))
        && lower.contains("db")
    {
        return Some(Liquibase);
    }
    if extension == "sql" && (name.ends_with(".up.sql") || name.ends_with(".down.sql")) {
        if segments.contains(&"migrations")
            && name
                .split('_')
                .next()
                .is_some_and(|p| p.len() >= 14 && p.chars().all(|c| c.is_ascii_digit()))
        {
            return Some(Sqlx);
        }
        return Some(GolangMigrate);
    }
    if segments.contains(&"migrations")
        && matches!(extension, "js" | "ts")
        && name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(Knex);
    }
    if lower.contains("database/migrations/")
        && extension == "php"
        && name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(Laravel);
    }
    // Entity Framework Core writes each migration beside a `.Designer.cs` of metadata and
    // keeps a `*ModelSnapshot.cs`; neither is a migration.
    if segments.contains(&"migrations")
        && extension == "cs"
        && name.starts_with(|c: char| c.is_ascii_digit())
        && !name.ends_with(".designer.cs")
    {
        return Some(EfCore);
    }
    if segments.contains(&"migrations")
        && extension == "go"
        && name.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(GoCode);
    }
    if extension == "sql"
        && segments
            .iter()
            .any(|s| *s == "migrations" || *s == "migration")
    {
        return Some(Sql);
    }
    None
}

fn is_monitoring(lower: &str, name: &str, extension: &str) -> bool {
    let yaml = matches!(extension, "yml" | "yaml");
    (yaml
        && (name.starts_with("prometheus")
            || name.starts_with("alertmanager")
            || name.contains("alert")
            || name.contains("rules") && lower.contains("prometheus")
            || name.contains("slo")
            || name.starts_with("otel")
            || name.contains("collector")))
        || (extension == "json" && lower.contains("dashboard"))
        || lower.contains("grafana/") && (yaml || extension == "json")
}

fn is_ops_doc(lower: &str, name: &str, dir: &str) -> bool {
    let doc = name.ends_with(".md")
        || name.ends_with(".mdx")
        || name.ends_with(".rst")
        || name.ends_with(".adoc")
        || name.ends_with(".txt");
    name == "codeowners"
        || doc
            && (name.starts_with("security")
                || name.starts_with("runbook")
                || name.starts_with("incident")
                || name.starts_with("deploy")
                || name.starts_with("postmortem")
                || name.starts_with("oncall")
                || name.starts_with("on-call")
                || name.starts_with("disaster")
                || name.starts_with("contributing"))
        || doc
            && (lower.contains("runbook")
                || lower.contains("playbook")
                || lower.contains("postmortem")
                || dir.contains("incident"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_pipeline_files() {
        assert_eq!(
            classify(".github/workflows/ci.yml"),
            FileKind::GithubWorkflow
        );
        assert_eq!(
            classify(".github/actions/setup/action.yml"),
            FileKind::GithubAction
        );
        assert_eq!(classify(".github/dependabot.yml"), FileKind::Dependabot);
        assert_eq!(classify(".gitlab-ci.yml"), FileKind::GitlabCi);
        assert_eq!(classify("Jenkinsfile"), FileKind::OtherCi);
        assert_eq!(classify("docs/workflows/ci.yml"), FileKind::Text);
        for path in [
            "cloudbuild.yaml",
            "release/cloudbuild.yml",
            "cloudbuild.json",
            "deploy/cloudbuild-prod.json",
        ] {
            assert_eq!(classify(path), FileKind::CloudBuild, "{path}");
        }
    }

    #[test]
    fn fixture_projects_are_not_manifests() {
        for path in [
            "tests/fixtures/invalid_lock/poetry.lock",
            "packages/cli/test/unit/fixtures/app/package.json",
            "internal/config/testdata/go.mod",
            "src/__fixtures__/yarn.lock",
        ] {
            assert!(
                !matches!(
                    classify(path),
                    FileKind::Manifest(_) | FileKind::Lockfile(_)
                ),
                "{path}"
            );
        }
        assert_eq!(
            classify("packages/fixtures/package.json"),
            FileKind::Manifest(Ecosystem::Npm)
        );
        assert_eq!(
            classify("test/package.json"),
            FileKind::Manifest(Ecosystem::Npm)
        );
    }

    #[test]
    fn classifies_containers_manifests_and_migrations() {
        assert_eq!(classify("backend/Dockerfile"), FileKind::Dockerfile);
        assert_eq!(classify("Dockerfile.prod"), FileKind::Dockerfile);
        assert_eq!(classify("cmd/cosign/cli/dockerfile.go"), FileKind::Source);
        assert_eq!(classify("docker-compose.override.yml"), FileKind::Compose);
        assert_eq!(
            classify("backend/pyproject.toml"),
            FileKind::Manifest(Ecosystem::Python)
        );
        assert_eq!(
            classify("requirements-dev.txt"),
            FileKind::Manifest(Ecosystem::Python)
        );
        assert_eq!(
            classify("frontend/package-lock.json"),
            FileKind::Lockfile(Ecosystem::Npm)
        );
        assert_eq!(
            classify("backend/app/alembic/versions/e2412789c190_init.py"),
            FileKind::Migration(MigrationSystem::Alembic)
        );
        assert_eq!(
            classify("app/migrations/0001_initial.py"),
            FileKind::Migration(MigrationSystem::Django)
        );
        assert_eq!(
            classify("db/migrate/20240101_create_users.rb"),
            FileKind::Migration(MigrationSystem::Rails)
        );
        assert_eq!(
            classify("src/main/resources/db/migration/V1__init.sql"),
            FileKind::Migration(MigrationSystem::Flyway)
        );
        assert_eq!(
            classify("migrations/000001_init.up.sql"),
            FileKind::Migration(MigrationSystem::GolangMigrate)
        );
        assert_eq!(
            classify("database/migrations/2014_10_12_000000_create_users_table.php"),
            FileKind::Migration(MigrationSystem::Laravel)
        );
        assert_eq!(
            classify("src/Ordering.Infrastructure/Migrations/20230925222426_Initial.cs"),
            FileKind::Migration(MigrationSystem::EfCore)
        );
        for generated in [
            "src/Ordering.Infrastructure/Migrations/20230925222426_Initial.Designer.cs",
            "src/Ordering.Infrastructure/Migrations/OrderingContextModelSnapshot.cs",
        ] {
            assert_eq!(classify(generated), FileKind::Source, "{generated}");
        }
    }

    #[test]
    fn classifies_operations_files() {
        assert_eq!(classify("SECURITY.md"), FileKind::OpsDoc);
        assert_eq!(classify("docs/runbooks/rollback.md"), FileKind::OpsDoc);
        assert_eq!(classify(".github/CODEOWNERS"), FileKind::OpsDoc);
        assert_eq!(classify("fly.toml"), FileKind::DeployConfig);
        for template in [
            "config/deploy/web.yaml.erb",
            "k8s/app.YML.j2",
            "cfg/x.json.tmpl",
        ] {
            assert_eq!(classify(template), FileKind::Text, "{template}");
        }
        assert_eq!(classify("app/views/index.html.erb"), FileKind::Other);
        assert_eq!(
            rendered_config("config/deploy/web.yaml.erb"),
            Some("config/deploy/web.yaml")
        );
        assert_eq!(rendered_config("deploy/.yaml.erb"), None);
        assert_eq!(rendered_config("notes.txt.tpl"), None);
        assert_eq!(
            classify("deploy/prometheus/alerts.yml"),
            FileKind::Monitoring
        );
        assert_eq!(classify("logo.png"), FileKind::Other);
        assert_eq!(classify("NEWS"), FileKind::Text);
        assert_eq!(classify("docs/CHANGES"), FileKind::Text);
    }
}
