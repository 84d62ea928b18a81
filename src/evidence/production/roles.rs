//! Job roles: what each job does for the release.

use std::collections::BTreeSet;

use super::patterns::{BACKUP, HEALTH, MIGRATE, ROLLBACK, SMOKE, practices_of};
use crate::evidence::Facts;
use crate::pipeline::{Job, Pipeline, job_scope};

/// What a job does for the release, from what it runs and uses rather than its name:
/// build, test, scan (with kind), SBOM, sign, deploy (with environment), migrate, backup,
/// smoke test, health check, rollback, notify, release. A job that calls a local reusable
/// workflow does what the called jobs' own steps do.
pub fn job_roles(facts: &Facts, pipeline: &Pipeline, job: &Job) -> Vec<String> {
    let mut roles = own_roles(facts, pipeline, job);
    let Some(path) = crate::pipeline::called_path(job) else {
        return roles;
    };
    let pipelines = &facts.pipelines;
    roles.extend(facts.called_roles(path, || {
        let mut called_roles = Vec::new();
        for (p, j) in crate::pipeline::called_jobs(pipelines, job) {
            let called = pipelines.pipelines.get(p);
            if let Some((called, called_job)) = called.and_then(|c| Some((c, c.jobs.get(j)?))) {
                called_roles.extend(own_roles(facts, called, called_job));
            }
        }
        called_roles.sort_unstable();
        called_roles.dedup();
        called_roles
    }));
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// The roles of a job's own steps.
fn own_roles(facts: &Facts, pipeline: &Pipeline, job: &Job) -> Vec<String> {
    const BY_PRACTICE: &[(&str, &str)] = &[
        ("TST-02", "test"),
        ("TST-07", "test"),
        ("SEC-04", "scan:sast"),
        ("SEC-06", "scan:dependency"),
        ("SEC-09", "scan:dependency"),
        ("SEC-12", "scan:container"),
        ("SEC-01", "scan:secrets"),
        ("SEC-20", "scan:iac"),
        ("SEC-18", "scan:iac"),
        ("SEC-21", "scan:dast"),
        ("SEC-11", "sbom"),
        ("SEC-23", "sign"),
        ("SEC-25", "attest"),
        ("SEC-26", "attest"),
        ("SEC-27", "attest"),
        ("DEP-21", "backup"),
        ("DEP-11", "smoke-test"),
        ("DEP-09", "rollback"),
        ("AUT-22", "notify"),
        ("MON-14", "notify"),
        ("AUT-14", "release"),
        ("AUT-16", "publish"),
        ("AUT-08", "lint"),
        ("AUT-19", "lint"),
        ("TST-17", "test"),
        ("AUT-09", "lint"),
    ];
    let mut roles: BTreeSet<String> = BTreeSet::new();
    for step in &job.steps {
        for (id, _) in practices_of(facts, step) {
            if let Some((_, role)) = BY_PRACTICE.iter().find(|(p, _)| *p == id) {
                roles.insert((*role).to_string());
            }
        }
        if step.uses.as_deref().is_some_and(|u| {
            u.starts_with("docker/build-push-action") || u.starts_with("goreleaser/")
        }) || step.commands.iter().any(|c| {
            let t = c.text.to_ascii_lowercase();
            [
                "docker build",
                "docker buildx build",
                "docker compose build",
                "go build",
                "cargo build",
                "npm run build",
                "pnpm build",
                "yarn build",
                "bun run build",
                "dotnet build",
                "dotnet publish",
                "msbuild",
                "ko build",
                "python -m build",
                "uv build",
                "meson compile",
                "ninja",
            ]
            .iter()
            .any(|b| t.contains(b))
        }) {
            roles.insert("build".into());
        }
        for c in &step.commands {
            if MIGRATE.is_match(&c.text) {
                roles.insert("migrate".into());
            }
            if BACKUP.is_match(&c.text) {
                roles.insert("backup".into());
            }
            if HEALTH.is_match(&c.text) {
                roles.insert("health-check".into());
            }
            if SMOKE.is_match(&c.text) {
                roles.insert("smoke-test".into());
            }
            if ROLLBACK.is_match(&c.text) {
                roles.insert("rollback".into());
            }
        }
    }
    if tags_a_release(job) {
        roles.insert("release".into());
    }
    if crate::pipeline::is_deploy_job(job) {
        let scope = match job_scope(pipeline, job) {
            crate::pipeline::Scope::Unspecified => "production",
            scope => scope.label(),
        };
        roles.insert(format!("deploy:{scope}"));
    }
    roles.into_iter().collect()
}

/// Whether a job cuts a release by tagging: a `git tag NAME` (not a listing or deletion) and a
/// `git push` that sends tags (`--tags`, `--follow-tags`, `refs/tags/...`, or the name
/// tagged), as a release script run by the job does.
fn tags_a_release(job: &Job) -> bool {
    let mut tagged: Vec<&str> = Vec::new();
    let mut pushed: Vec<Vec<&str>> = Vec::new();
    let commands = job.steps.iter().flat_map(|s| s.commands.iter());
    for part in commands.flat_map(|c| c.text.split([';', '&', '|', '\n'])) {
        let words: Vec<&str> = (part.split_whitespace())
            .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
            .collect();
        let Some(at) = words
            .iter()
            .position(|w| *w == "git" || w.ends_with("/git"))
        else {
            continue;
        };
        let arguments = words.get(at + 2..).unwrap_or_default();
        match words.get(at + 1).copied() {
            Some("tag") => tagged.extend(tag_created(arguments)),
            Some("push") => pushed.push(arguments.to_vec()),
            _ => {}
        }
    }
    !tagged.is_empty()
        && pushed.iter().any(|arguments| {
            arguments.iter().any(|a| {
                matches!(*a, "--tags" | "--follow-tags")
                    || a.starts_with("refs/tags/")
                    || tagged.contains(a)
            })
        })
}

/// The tag a `git tag` with these arguments creates: its first argument that is no option nor
/// an option's value, unless the options list, delete or verify tags.
fn tag_created<'a>(arguments: &[&'a str]) -> Option<&'a str> {
    const QUERIES: &[&str] = &[
        "-l",
        "--list",
        "-d",
        "--delete",
        "-v",
        "--verify",
        "-n",
        "--contains",
        "--no-contains",
        "--points-at",
        "--merged",
        "--no-merged",
        "--sort",
    ];
    let mut rest = arguments.iter();
    while let Some(argument) = rest.next() {
        let option = argument.split('=').next().unwrap_or(argument);
        if QUERIES.contains(&option) || option.starts_with("--sort") {
            return None;
        }
        if matches!(
            *argument,
            "-m" | "-F" | "-u" | "--message" | "--file" | "--local-user"
        ) {
            rest.next();
        } else if !argument.starts_with('-') {
            return Some(argument);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_created() {
        assert_eq!(tag_created(&["$TAG"]), Some("$TAG"));
        assert_eq!(
            tag_created(&["-a", "-m", "release", "v1.2.3"]),
            Some("v1.2.3")
        );
        assert_eq!(tag_created(&["-l", "v*"]), None);
        assert_eq!(tag_created(&["--delete", "v1.0.0"]), None);
        assert_eq!(tag_created(&["--sort=-creatordate"]), None);
        assert_eq!(tag_created(&[]), None);
    }
}
