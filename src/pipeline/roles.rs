//! What a job does for the release: does it deploy, and to which environment; is its work
//! real or only printed.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use schemars::JsonSchema;
use serde::Serialize;

use super::targets::{CLUSTER_COMMANDS, deploy_target};
use super::{Job, Pipeline};
use crate::source::Location;

/// The environment a job or pipeline serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Production,
    Staging,
    Preview,
    /// An environment for the project's own tooling: test environments, benchmarks, cleanup,
    /// notifications. GitHub environments often exist only to scope such a job's secrets.
    Internal,
    Unspecified,
}

impl Scope {
    /// Reads an environment from a name: `production`, `prod-eu`, `deploy-staging.yml`, `review/x`.
    pub fn from_name(name: &str) -> Option<Scope> {
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let has = |options: &[&str]| words.iter().any(|w| options.contains(w));
        if has(&["production", "prod", "live", "prd"]) {
            Some(Scope::Production)
        } else if has(&[
            "staging",
            "stage",
            "stg",
            "preprod",
            "uat",
            "qa",
            "dev",
            "development",
            "sandbox",
            "nonprod",
        ]) {
            Some(Scope::Staging)
        } else if has(&["review", "preview", "pr", "ephemeral"]) {
            Some(Scope::Preview)
        } else if has(&[
            "test",
            "tests",
            "testing",
            "testenv",
            "testenvs",
            "pytest",
            "e2e",
            "perf",
            "performance",
            "load",
            "loadtest",
            "benchmark",
            "benchmarks",
            "cleanup",
            "teardown",
            "notify",
            "notifier",
            "notifications",
            "slack",
            "discord",
        ]) {
            Some(Scope::Internal)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::Production => "production",
            Scope::Staging => "staging",
            Scope::Preview => "preview",
            Scope::Internal => "internal",
            Scope::Unspecified => "unspecified",
        }
    }
}

/// The environment a job serves: its `environment:` first, then its own name, then the name
/// and file name of its pipeline, then the branches it runs on, then the names of the places
/// it deploys to ([`deploy_target`]).
pub fn job_scope(pipeline: &Pipeline, job: &Job) -> Scope {
    named_scope(pipeline, job)
        .or_else(|| deploy_target(job).map(|(scope, _)| scope))
        .unwrap_or(Scope::Unspecified)
}

/// The environment the names of a job and its pipeline say it serves: its `environment:`,
/// its own name, the name and file name of its pipeline, the branches it runs on.
pub fn named_scope(pipeline: &Pipeline, job: &Job) -> Option<Scope> {
    let file = pipeline.path.rsplit('/').next().unwrap_or(&pipeline.path);
    // A pipeline that runs only on pushes to, say, `production` or `staging` serves that
    // environment.
    let branches = || {
        let scopes: Vec<Scope> = pipeline
            .triggers
            .push_branches
            .iter()
            .filter_map(|b| Scope::from_name(b))
            .collect();
        (!scopes.is_empty() && scopes.len() == pipeline.triggers.push_branches.len())
            .then(|| scopes[0])
    };
    job.environment
        .as_ref()
        .and_then(|(name, _)| Scope::from_name(name))
        .or_else(|| Scope::from_name(&job.id))
        .or_else(|| Scope::from_name(&job.name))
        .or_else(|| Scope::from_name(&pipeline.name))
        .or_else(|| Scope::from_name(file))
        .or_else(branches)
}

pub(super) static DEPLOY_COMMANDS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bhelm\s+(upgrade|install)\b",
        r"(?i)\bkubectl\s+(apply|set\s+image|rollout\s+restart|replace)\b",
        r"(?i)\bargocd\s+app\s+sync\b",
        r"(?i)\bflux\s+reconcile\b",
        r"(?i)\baws\s+ecs\s+update-service\b",
        r"(?i)\baws\s+deploy\s+create-deployment\b",
        r"(?i)\baws\s+lambda\s+update-function-code\b",
        r"(?i)\bgcloud\s+(run|app|functions)\s+deploy\b",
        r"(?i)\baz\s+(webapp|containerapp|functionapp)\s+(deploy|update|up)\b",
        r"(?i)\b(serverless|sls)\s+deploy\b",
        r"(?i)\bfly(ctl)?\s+deploy\b",
        r"(?i)\bterraform\s+apply\b",
        r"(?i)\btofu\s+apply\b",
        r"(?i)\bpulumi\s+up\b",
        r"(?i)\bcdk\s+deploy\b",
        r"(?i)\bansible-playbook\b",
        r"(?i)\bvercel\b.*--prod\b",
        r"(?i)\bnetlify\s+deploy\b",
        r"(?i)\bgit\s+push\s+heroku\b",
        r"(?i)\bheroku\s+(container:release|releases)\b",
        r"(?i)\bdocker\s+stack\s+deploy\b",
        r"(?i)\bkamal\s+deploy\b",
        r"(?i)\brailway\s+up\b",
        r"(?i)\bcap\s+\w+\s+deploy\b",
        r"(?i)\bapi\.render\.com/deploy\b",
        r"(?i)\bskaffold\s+(run|deploy)\b",
        r"(?i)\bcf\s+push\b",
        r"(?i)\bwrangler\s+(deploy|publish)\b",
        r"(?i)\bfastapi\s+deploy\b",
        r"(?i)\bvercel\b.*\sdeploy\b",
        r"(?i)\bsupabase\s+functions\s+deploy\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

const DEPLOY_ACTIONS: &[&str] = &[
    "aws-actions/amazon-ecs-deploy-task-definition",
    "google-github-actions/deploy-cloudrun",
    "google-github-actions/deploy-appengine",
    "azure/webapps-deploy",
    "azure/k8s-deploy",
    "azure/functions-action",
    "superfly/flyctl-actions",
    "amondnet/vercel-action",
    "cloudflare/wrangler-action",
    "appleboy/ssh-action",
    "akhileshns/heroku-deploy",
    "digitalocean/app_action",
    "chrnorm/deployment-action",
];

/// Commands that deploy only when run where the service lives: `docker compose up -d` on a
/// CI runner starts test services, on a self-hosted production host it is the deploy.
static HOST_COMMANDS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bdocker[\s-]compose\b.*\bup\b",
        r"(?i)\bssh\b.*\b(docker|git\s+pull|systemctl|compose)\b",
        r"(?i)\brsync\b.*@",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

/// Commands that remove what was deployed: a namespace or other resources, a Helm release,
/// the infrastructure of a stack, a service.
pub(super) static TEARDOWN_COMMANDS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bkubectl\s+delete\b",
        r"(?i)\bhelm\s+(uninstall|delete|del|un)\b",
        r"(?i)\b(terraform|tofu)\s+destroy\b",
        r"(?i)\b(terraform|tofu)\s+apply\b.*\s-{1,2}destroy\b",
        r"(?i)\b(pulumi|cdk)\s+destroy\b",
        r"(?i)\bgcloud\b[^;&|\n]*\sdelete\b",
        r"(?i)\baws\s+cloudformation\s+delete-stack\b",
        r"(?i)\baws\s+ecs\s+delete-service\b",
        r"(?i)\baz\s+(group|webapp|containerapp|functionapp)\s+delete\b",
        r"(?i)\b(serverless|sls)\s+remove\b",
        r"(?i)\bfly(ctl)?\s+(apps\s+)?destroy\b",
        r"(?i)\bskaffold\s+delete\b",
        r"(?i)\bdocker\s+stack\s+(rm|remove)\b",
        r"(?i)\bkamal\s+remove\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

/// Whether a command deploys something. Removing what was deployed is no deploy:
/// `terraform apply -destroy` destroys, and `kubectl delete ns pr-1; kubectl apply -f k8s/`
/// deploys through its second command only.
pub fn is_deploy_command(command: &str) -> bool {
    // Host commands deploy only in a deploy job; see `is_host_deploy_command`.
    if !DEPLOY_COMMANDS.is_match(command) {
        return false;
    }
    !TEARDOWN_COMMANDS.is_match(command)
        || shell_parts(command)
            .any(|part| DEPLOY_COMMANDS.is_match(part) && !TEARDOWN_COMMANDS.is_match(part))
}

/// Whether a command removes what was deployed: `kubectl delete`, `helm uninstall`,
/// `terraform destroy`, `gcloud run services delete` and the like.
pub fn is_teardown_command(command: &str) -> bool {
    TEARDOWN_COMMANDS.is_match(command)
}

/// The simple commands of a command line: what `;`, `&&`, `||`, `|` and line ends separate.
pub(super) fn shell_parts(command: &str) -> impl Iterator<Item = &str> {
    command
        .split([';', '&', '|', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
}

static LOCAL_CLUSTER: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bkind\s+create\s+cluster\b",
        r"(?i)\bk3d\s+cluster\s+create\b",
        r"(?i)\bminikube\s+start\b",
        r"(?i)\bk3s\b",
        r"(?i)\bmicrok8s\b",
        r"(?i)helm/kind-action|engineerd/setup-kind|medyagh/setup-minikube|AbsaOSS/k3d-action|nolar/setup-k3d-k3s",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

/// A job that tests: named for testing, or bringing up a throwaway cluster on the runner.
/// Its `kubectl apply` or `helm install` targets that cluster, not an environment. A job
/// named for testing that fetches the credentials of a cluster elsewhere
/// (`gcloud container clusters get-credentials`, `aws eks update-kubeconfig`) and starts none
/// of its own deploys there, to a test environment.
fn is_test_context(job: &Job) -> bool {
    let named = |n: &str| {
        let n = n.to_ascii_lowercase();
        [
            "test",
            "e2e",
            "lint",
            "check",
            "verify",
            "conformance",
            "smoke",
        ]
        .iter()
        .any(|w| n.contains(w))
    };
    let local = job.steps.iter().any(|s| {
        s.uses.as_deref().is_some_and(|u| LOCAL_CLUSTER.is_match(u))
            || s.commands.iter().any(|c| LOCAL_CLUSTER.is_match(&c.text))
    });
    let remote = (job.steps.iter())
        .flat_map(|s| s.commands.iter())
        .any(|c| CLUSTER_COMMANDS.is_match(&c.text));
    local || ((named(&job.id) || named(&job.name)) && !remote)
}

/// Whether a command deploys from the machine it runs on (compose, ssh, rsync).
pub fn is_host_deploy_command(command: &str) -> bool {
    HOST_COMMANDS.is_match(command)
}

/// Whether a job runs where deploying from the host makes sense: a self-hosted runner, or a
/// job or workflow named for deployment.
fn is_deploy_context(job: &Job) -> bool {
    let named = |n: &str| {
        let n = n.to_ascii_lowercase();
        n.contains("deploy") || n.contains("release") || n.contains("rollout")
    };
    job.self_hosted || named(&job.id) || named(&job.name)
}

/// Whether the job deploys: it names an environment, uses a deployment action or runs a
/// deployment command. Deploying documentation to GitHub Pages is not a release of the service.
pub fn is_deploy_job(job: &Job) -> bool {
    *job.deploys.get_or_init(|| deploys(job))
}

fn deploys(job: &Job) -> bool {
    let pages = job.steps.iter().any(|s| {
        s.uses
            .as_deref()
            .is_some_and(|u| u.starts_with("actions/deploy-pages") || u.contains("gh-pages"))
    }) || job
        .environment
        .as_ref()
        .is_some_and(|(e, _)| e.contains("pages"));
    if pages || (job.environment.is_none() && is_test_context(job)) || tears_down(job) {
        return false;
    }
    // An environment may only hold a notifier's or a test's secrets (`discord-notifier`,
    // `migrations-perf-test`): that job deploys only if its steps do.
    job.environment
        .as_ref()
        .is_some_and(|(e, _)| Scope::from_name(e) != Some(Scope::Internal))
        || runs_a_deployment(job)
}

/// Whether the job only removes what was deployed (`kubectl delete namespace pr-12` when a
/// pull request closes, `terraform destroy`): it deploys nothing, whatever environment it
/// names to reach the cluster.
fn tears_down(job: &Job) -> bool {
    let removes = (job.steps.iter())
        .flat_map(|s| s.commands.iter())
        .any(|c| is_teardown_command(&c.text));
    removes && !runs_a_deployment(job)
}

/// Whether a step of the job deploys: a deployment action, a deployment command, or a host
/// deployment in a job named for deploying.
fn runs_a_deployment(job: &Job) -> bool {
    deploying_step(job).is_some()
}

/// The first step of the job that deploys, by index.
pub fn deploying_step(job: &Job) -> Option<usize> {
    job.steps.iter().position(|s| {
        s.uses
            .as_deref()
            .is_some_and(|u| DEPLOY_ACTIONS.iter().any(|a| u.eq_ignore_ascii_case(a)))
            || s.commands.iter().any(|c| is_deploy_command(&c.text))
            || (is_deploy_context(job)
                && s.commands.iter().any(|c| HOST_COMMANDS.is_match(&c.text)))
    })
}

/// Whether a job puts a running service in place: a deployment action, a deployment command,
/// or a host deployment in a deploy job, outside documentation sites. A job that deploys only
/// by naming an environment may be publishing a package or a release.
pub fn deploys_a_service(pipeline: &Pipeline, job: &Job) -> bool {
    let documentation = |name: &str| {
        let name = name.to_ascii_lowercase();
        name.contains("docs") || name.contains("documentation")
    };
    if [&job.id, &job.name, &pipeline.name, &pipeline.path]
        .iter()
        .any(|n| documentation(n))
        || !is_deploy_job(job)
    {
        return false;
    }
    runs_a_deployment(job)
}

/// Where a job builds a container image that it never pushes: a `docker/build-push-action`
/// step without `push:` or with `push: false`, in a job with no other step that may publish
/// (a push or publish command, a release tool, `make`/script targets that say push, publish
/// or release). The tags such a build gets name an image nobody can pull.
pub fn unpushed_image_build(job: &Job) -> Option<&Location> {
    static MAY_PUBLISH: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\bpush|publish|release|\bcrane\b|\bskopeo\b|\bko\s+(build|resolve|apply)\b",
        )
        .ok()
    });
    let may_publish = MAY_PUBLISH.as_ref()?;
    let mut build = None;
    for step in &job.steps {
        let action = step.uses.as_deref().unwrap_or("");
        if action.eq_ignore_ascii_case("docker/build-push-action") {
            let pushes = step
                .input("push")
                .is_some_and(|p| !p.value.trim().eq_ignore_ascii_case("false"));
            // `outputs:` may export the image for a later job to load and push.
            if pushes || step.input("outputs").is_some() {
                return None;
            }
            build = build.or(Some(
                step.input("push").map_or(&step.location, |p| &p.location),
            ));
        } else if !action.is_empty()
            && !action.starts_with("actions/")
            && !action.starts_with("docker/setup-")
            && !action.starts_with("docker/metadata-action")
            && !action.starts_with("docker/login-action")
        {
            // Another action may publish in ways its name does not show.
            return None;
        }
        if step.commands.iter().any(|c| may_publish.is_match(&c.text)) {
            return None;
        }
    }
    build
}

/// A job whose every command only prints, sleeps or exits successfully, with no action doing
/// work, does nothing: a "canary" that echoes "deploying 10%" is not a deployment.
pub fn is_simulated(job: &Job) -> bool {
    *job.simulated.get_or_init(|| simulated(job))
}

fn simulated(job: &Job) -> bool {
    let mut commands = job.steps.iter().flat_map(|s| s.commands.iter()).peekable();
    if commands.peek().is_none() {
        return false;
    }
    let working_action = job.steps.iter().any(|s| {
        s.uses
            .as_deref()
            .is_some_and(|u| !u.starts_with("actions/checkout") && !u.starts_with("actions/setup-"))
    });
    !working_action && commands.all(|c| is_inert_command(&c.text))
}

fn is_inert_command(command: &str) -> bool {
    command
        .split(['&', ';', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .all(|part| {
            let word = part.split_whitespace().next().unwrap_or("");
            matches!(
                word,
                "echo" | "printf" | "sleep" | "true" | ":" | "exit" | "set" | "date" | "cat"
            ) && !(word == "exit" && part.split_whitespace().nth(1).is_some_and(|c| c != "0"))
                && !(word == "cat" && part.contains('>'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_from_names() {
        assert_eq!(Scope::from_name("production"), Some(Scope::Production));
        assert_eq!(Scope::from_name("deploy-staging.yml"), Some(Scope::Staging));
        assert_eq!(
            Scope::from_name("review/$CI_COMMIT_REF_SLUG"),
            Some(Scope::Preview)
        );
        assert_eq!(Scope::from_name("Deploy"), None);
        assert_eq!(Scope::from_name("discord-notifier"), Some(Scope::Internal));
        assert_eq!(
            Scope::from_name("migrations-perf-test"),
            Some(Scope::Internal)
        );
        assert_eq!(Scope::from_name("testenvs-cleanup"), Some(Scope::Internal));
        assert_eq!(Scope::from_name("prod-smoke-test"), Some(Scope::Production));
        assert_eq!(Scope::from_name("latest"), None);
        assert_eq!(Scope::from_name("products"), None);
    }

    #[test]
    fn deploy_commands() {
        assert!(is_deploy_command(
            "helm upgrade --install app ./chart --atomic"
        ));
        assert!(is_deploy_command("uv run fastapi deploy"));
        assert!(!is_deploy_command("docker compose up -d db mailpit"));
        assert!(!is_deploy_command("echo deploying 10% of traffic"));
        assert!(!is_deploy_command("terraform apply -destroy -auto-approve"));
        assert!(is_deploy_command(
            "kubectl delete ns pr-1 --ignore-not-found; kubectl apply -f k8s/"
        ));
        assert!(is_teardown_command("helm uninstall app -n previews"));
        assert!(is_teardown_command(
            "gcloud container clusters delete pr-1 --quiet"
        ));
        assert!(!is_teardown_command("gcloud run deploy api --image app"));
    }

    #[test]
    fn inert_commands() {
        assert!(is_inert_command("echo \"deploying 10% of traffic\""));
        assert!(is_inert_command("sleep 30 && echo done"));
        assert!(!is_inert_command("exit 1"));
        assert!(!is_inert_command("kubectl apply -f k8s/"));
    }
}
