//! The descriptive parts of the assessment: inventory, key findings, repository size.

use std::collections::BTreeSet;

use super::model::{
    FileGroup, InventoryReport, KeyFinding, KeyFindings, PipelineReport, PracticeResult,
    Recommendation,
};
use crate::evidence::{Facts, State};
use crate::inventory::FileKind;
use crate::pipeline::{
    Pipeline, Scope, is_deploy_command, is_deploy_job, is_host_deploy_command, job_scope,
};

pub fn deployable_units(facts: &Facts) -> usize {
    facts
        .parsed
        .dockerfiles
        .iter()
        .filter(|d| !d.path.contains(".devcontainer"))
        .count()
        .max(1)
}

pub fn languages(facts: &Facts) -> usize {
    facts
        .inventory
        .files
        .iter()
        .filter_map(|f| match f.kind {
            FileKind::Manifest(e) => Some(e),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .len()
        .max(1)
}

fn purposes(facts: &Facts, pipeline: &Pipeline) -> Vec<String> {
    let mut out = BTreeSet::new();
    let text = |p: &Pipeline| {
        p.jobs
            .iter()
            .flat_map(|j| {
                j.steps
                    .iter()
                    .flat_map(|s| s.commands.iter().map(|c| c.text.to_ascii_lowercase()))
            })
            .collect::<Vec<_>>()
    };
    let commands = text(pipeline);
    let has = |needle: &str| commands.iter().any(|c| c.contains(needle));
    for job in &pipeline.jobs {
        if is_deploy_job(job) {
            out.insert(match job_scope(pipeline, job) {
                Scope::Production | Scope::Unspecified => "deploy-production",
                Scope::Staging => "deploy-staging",
                Scope::Preview => "deploy-preview",
                Scope::Internal => "deploy-internal",
            });
        }
    }
    let test_words = [
        "pytest",
        "npm test",
        "npm run test",
        "go test",
        "cargo test",
        "jest",
        "vitest",
        "playwright test",
        "tox",
        "mvn",
        "gradle",
        "scripts/test",
        "make test",
        "meson test",
        "ctest",
    ];
    if test_words.iter().any(|w| has(w)) {
        out.insert("test");
    }
    if has("docker build")
        || has("docker compose build")
        || pipeline.jobs.iter().any(|j| {
            j.steps.iter().any(|s| {
                s.uses
                    .as_deref()
                    .is_some_and(|u| u.starts_with("docker/build-push-action"))
            })
        })
    {
        out.insert("build");
    }
    let catalog = facts.catalog;
    let is_security =
        |index: usize| catalog.practices[index].category == crate::catalog::Category::Security;
    let security = pipeline
        .jobs
        .iter()
        .flat_map(|j| j.steps.iter())
        .any(|step| {
            let by_action = step.uses.as_deref().is_some_and(|u| {
                catalog
                    .practices
                    .iter()
                    .filter(|p| p.category == crate::catalog::Category::Security)
                    .any(|p| p.uses.iter().any(|x| crate::evidence::uses_matches(u, x)))
            });
            by_action
                || step.commands.iter().any(|c| {
                    catalog
                        .index
                        .command_practices(&c.text)
                        .into_iter()
                        .any(is_security)
                })
        });
    if security || !pipeline.templates.is_empty() {
        out.insert("security");
    }
    let publishes = [
        "docker push",
        "ko publish",
        "ko build",
        "goreleaser",
        "npm publish",
        "twine upload",
        "cargo publish",
        "gh release",
        "uv publish",
        "poetry publish",
        "gem push",
        "mvn deploy",
    ];
    let uses_publish = pipeline.jobs.iter().flat_map(|j| j.steps.iter()).any(|st| {
        st.uses.as_deref().is_some_and(|u| {
            u.starts_with("docker/build-push-action")
                || u.starts_with("pypa/gh-action-pypi-publish")
                || u.starts_with("goreleaser/goreleaser-action")
                || u.starts_with("softprops/action-gh-release")
        })
    });
    if publishes.iter().any(|p| has(p)) || uses_publish {
        out.insert("release");
    }
    let pages = pipeline.jobs.iter().flat_map(|j| j.steps.iter()).any(|st| {
        st.uses
            .as_deref()
            .is_some_and(|u| u.starts_with("actions/deploy-pages") || u.contains("gh-pages"))
    }) || (pipeline.system == crate::pipeline::CiSystem::GitlabCi
        && pipeline.jobs.iter().any(|j| j.id == "pages"));
    if pages {
        out.insert("docs");
    }
    if has("alembic upgrade")
        || has("manage.py migrate")
        || has("db:migrate")
        || has("prisma migrate")
        || has("flyway")
    {
        out.insert("migration");
    }
    if pipeline.triggers.release
        || pipeline.triggers.tags_only
        || has("publish")
        || has("semantic-release")
    {
        out.insert("release");
    }
    if pipeline.name.to_ascii_lowercase().contains("rollback") {
        out.insert("rollback");
    }
    // What the jobs were read as doing (the roles table) says what the pipeline is for, so
    // a workflow that only lints and compiles is not listed as maintenance.
    for job in &pipeline.jobs {
        for role in crate::evidence::production::job_roles(facts, pipeline, job) {
            let purpose = match role.split(':').next().unwrap_or("") {
                "test" | "smoke-test" => "test",
                "build" => "build",
                "lint" => "lint",
                "scan" | "sbom" | "attest" => "security",
                "publish" | "release" => "release",
                // A test job migrates its own database or installs with `helm --atomic`; that
                // is not what the pipeline is for.
                _ => continue,
            };
            out.insert(purpose);
        }
    }
    if out.is_empty() {
        out.insert("maintenance");
    }
    out.into_iter().map(str::to_string).collect()
}

pub fn inventory(facts: &Facts) -> InventoryReport {
    let pipelines = facts
        .pipelines
        .pipelines
        .iter()
        .map(|p| PipelineReport {
            path: p.path.clone(),
            system: p.system,
            name: p.name.clone(),
            purpose: purposes(facts, p),
            triggers: p.triggers.events.clone(),
            jobs: p
                .jobs
                .iter()
                .map(|j| super::model::JobReport {
                    id: j.id.clone(),
                    location: j.location.clone(),
                    environment: j.environment.as_ref().map(|(e, _)| e.clone()),
                    roles: crate::evidence::production::job_roles(facts, p, j),
                    simulated: crate::pipeline::is_simulated(j),
                })
                .collect(),
        })
        .collect();
    let mut ci_systems: Vec<String> = facts
        .pipelines
        .systems()
        .into_iter()
        .map(|s| match s {
            crate::pipeline::CiSystem::GithubActions => "GitHub Actions".to_string(),
            crate::pipeline::CiSystem::GitlabCi => "GitLab CI".to_string(),
            crate::pipeline::CiSystem::CloudBuild => "Cloud Build".to_string(),
        })
        .collect();
    ci_systems.extend(facts.pipelines.other_ci.iter().cloned());

    let files = |title: &str, keep: &dyn Fn(&crate::inventory::RepoFile) -> bool| FileGroup {
        kind: title.to_string(),
        paths: facts
            .inventory
            .files
            .iter()
            .filter(|f| keep(f))
            .map(|f| f.path.clone())
            .collect(),
    };
    let group = |title: &str, keep: &dyn Fn(FileKind) -> bool| files(title, &|f| keep(f.kind));
    let groups: Vec<FileGroup> = vec![
        group("Local actions", &|k| k == FileKind::GithubAction),
        group("Dependency updates", &|k| {
            matches!(k, FileKind::Dependabot | FileKind::Renovate)
        }),
        group("Dockerfiles", &|k| k == FileKind::Dockerfile),
        group("Compose files", &|k| k == FileKind::Compose),
        group("Dependency manifests", &|k| {
            matches!(k, FileKind::Manifest(_))
        }),
        // A requirements file that pip-compile or uv wrote is a manifest and a lockfile.
        files("Lockfiles", &|f| f.locks().is_some()),
        group("Test and coverage config", &|k| {
            matches!(k, FileKind::TestConfig | FileKind::CoverageConfig)
        }),
        group("Deployment config", &|k| {
            matches!(
                k,
                FileKind::DeployConfig | FileKind::HelmChart | FileKind::Terraform
            )
        }),
        group("Migrations", &|k| {
            matches!(k, FileKind::Migration(_) | FileKind::AlembicConfig)
        }),
        group("Monitoring", &|k| k == FileKind::Monitoring),
        group("Operations docs", &|k| k == FileKind::OpsDoc),
        group("Pre-commit", &|k| k == FileKind::PreCommit),
    ]
    .into_iter()
    .filter(|g| !g.paths.is_empty())
    .collect();

    InventoryReport {
        files_scanned: facts.inventory.files.len(),
        ci_systems,
        pipelines,
        groups,
        migration_systems: facts
            .parsed
            .migrations
            .systems
            .iter()
            .map(|s| format!("{s:?}"))
            .collect(),
        deploy_targets: deploy_targets(facts),
        traits: facts
            .traits
            .iter()
            .map(|t| format!("{t:?}").to_lowercase())
            .collect(),
        skipped: facts.inventory.skipped.clone(),
        unparsed: unparsed(facts),
        read_in_part: {
            let mut out = facts.pipelines.read_in_part.clone();
            out.sort();
            out.dedup();
            out
        },
    }
}

/// CI files and manifests that were read but could not be modelled, sorted by path.
fn unparsed(facts: &Facts) -> Vec<crate::source::Unparsed> {
    let mut out = facts.pipelines.unparsed.clone();
    out.extend(facts.parsed.unparsed.iter().cloned());
    out.sort();
    out
}

/// Terraform resources that run the application, with the platform they name.
const TERRAFORM_TARGETS: &[(&str, &str)] = &[
    ("azurerm_container_app", "Azure Container Apps"),
    ("azurerm_linux_web_app", "Azure App Service"),
    ("azurerm_windows_web_app", "Azure App Service"),
    ("azurerm_kubernetes_cluster", "Azure Kubernetes Service"),
    ("google_cloud_run_v2_service", "Google Cloud Run"),
    ("google_cloud_run_service", "Google Cloud Run"),
    ("aws_ecs_service", "Amazon ECS"),
    ("aws_lambda_function", "AWS Lambda"),
    ("aws_apprunner_service", "AWS App Runner"),
    ("kubernetes_deployment", "Kubernetes"),
    ("kubernetes_deployment_v1", "Kubernetes"),
];

fn deploy_targets(facts: &Facts) -> Vec<String> {
    let mut out = BTreeSet::new();
    for file in &facts.inventory.files {
        let name = file
            .path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let target = match name.as_str() {
            "render.yaml" => "Render",
            "fly.toml" => "Fly.io",
            "procfile" | "heroku.yml" | "app.json" => "Heroku",
            "vercel.json" => "Vercel",
            "netlify.toml" => "Netlify",
            "serverless.yml" => "Serverless Framework",
            "appspec.yml" => "AWS CodeDeploy",
            "chart.yaml" => "Helm",
            "kustomization.yaml" | "kustomization.yml" => "Kustomize",
            _ if name.starts_with("task-definition") => "Amazon ECS",
            _ if file.kind == FileKind::Terraform => {
                let text = file.text.as_deref().unwrap_or("");
                out.extend(
                    TERRAFORM_TARGETS
                        .iter()
                        .filter(|(resource, _)| text.contains(&format!("resource \"{resource}\"")))
                        .map(|(_, target)| *target),
                );
                "Terraform"
            }
            _ => continue,
        };
        out.insert(target);
    }
    if facts.traits.contains(&crate::catalog::Trait::Kubernetes) {
        out.insert("Kubernetes");
    }
    for (_, job, step) in facts.pipelines.steps() {
        if !is_deploy_job(job) {
            continue;
        }
        for command in step
            .commands
            .iter()
            .filter(|c| is_deploy_command(&c.text) || is_host_deploy_command(&c.text))
        {
            let c = command.text.to_ascii_lowercase();
            let target = if c.contains("fastapi deploy") {
                "FastAPI Cloud"
            } else if c.contains("docker compose") || c.contains("docker-compose") {
                "Docker Compose"
            } else if c.contains("helm") {
                "Helm"
            } else if c.contains("kubectl") {
                "Kubernetes"
            } else if c.contains("gcloud run") {
                "Google Cloud Run"
            } else if c.contains("ecs") {
                "Amazon ECS"
            } else if c.contains("fly") {
                "Fly.io"
            } else if c.contains("terraform") || c.contains("tofu") {
                "Terraform"
            } else if c.contains("argocd") {
                "Argo CD"
            } else if c.contains("ssh") || c.contains("rsync") {
                "Servers over SSH"
            } else if c.contains("vercel") {
                "Vercel"
            } else if c.contains("netlify") {
                "Netlify"
            } else if c.contains("heroku") {
                "Heroku"
            } else if c.contains("gcloud app") {
                "Google App Engine"
            } else if c.contains("az ") {
                "Azure"
            } else if c.contains("serverless") || c.contains("sls ") {
                "Serverless Framework"
            } else if c.contains("wrangler") {
                "Cloudflare Workers"
            } else {
                continue;
            };
            out.insert(target);
        }
    }
    out.into_iter().map(str::to_string).collect()
}

pub fn key_findings(
    practices: &[PracticeResult],
    recommendations: &[Recommendation],
) -> KeyFindings {
    let mut present: Vec<&PracticeResult> = practices
        .iter()
        .filter(|p| p.state == State::Present && !p.evidence.is_empty())
        .collect();
    present.sort_by(|a, b| {
        b.core
            .cmp(&a.core)
            .then(b.weight.cmp(&a.weight))
            .then(a.level.cmp(&b.level))
            .then(a.id.cmp(&b.id))
    });
    let strengths = present
        .iter()
        .take(8)
        .map(|p| KeyFinding {
            practice: p.id.clone(),
            text: format!(
                "{}: {}",
                p.title,
                p.evidence
                    .first()
                    .map(|e| e.summary.clone())
                    .unwrap_or_default()
            ),
            location: p.evidence.first().map(|e| e.location.clone()),
        })
        .collect();
    let gaps = recommendations
        .iter()
        .take(8)
        .map(|r| {
            let practice = practices.iter().find(|p| p.id == r.practice);
            let why = r
                .now
                .clone()
                .unwrap_or_else(|| "no evidence in the repository".to_string());
            KeyFinding {
                practice: r.practice.clone(),
                text: format!("{} ({:?}, {}): {why}", r.title, r.priority, r.state.label()),
                location: practice
                    .and_then(|p| p.evidence.first())
                    .map(|e| e.location.clone()),
            }
        })
        .collect();
    KeyFindings { strengths, gaps }
}
