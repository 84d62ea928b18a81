//! Production paths: for every job that deploys to production, the controls in front of it
//! (tests, scans, SBOM, backup before migrating, approval) and after it (health check, smoke
//! test, automatic rollback, deployment record), each present, unable to stop the release,
//! or missing, with the place it was found.

mod patterns;
mod roles;

use std::collections::BTreeSet;

use regex::RegexSet;
use schemars::JsonSchema;
use serde::Serialize;

use super::{Facts, blocking};
use crate::pipeline::{
    Command, Job, Pipeline, Step, downstream, is_deploy_command, is_host_deploy_command,
    is_simulated, job_scope, upstream,
};
use crate::source::Location;
use patterns::{BACKUP, HEALTH, MIGRATE, NOTIFY, ROLLBACK, SMOKE, practices_of};
pub use roles::job_roles;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// In place and able to stop the release.
    Present,
    /// Runs, but its failure does not stop the release.
    NonBlocking,
    /// Depends on a platform setting the files cannot show.
    Unverified,
    /// Only printed or simulated.
    Simulated,
    Missing,
    NotApplicable,
}

impl ControlStatus {
    pub fn label(self) -> &'static str {
        match self {
            ControlStatus::Present => "present",
            ControlStatus::NonBlocking => "non-blocking",
            ControlStatus::Unverified => "unverified",
            ControlStatus::Simulated => "simulated",
            ControlStatus::Missing => "missing",
            ControlStatus::NotApplicable => "n/a",
        }
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PathControl {
    pub control: String,
    pub status: ControlStatus,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ProductionPath {
    pub pipeline: String,
    pub job: String,
    pub environment: String,
    pub location: Location,
    /// The deploy job only prints or sleeps.
    pub simulated: bool,
    pub controls: Vec<PathControl>,
}

/// Controls in front of production and the catalog practices whose signals find them.
const BEFORE: &[(&str, &[&str])] = &[
    ("tests", &["TST-02", "TST-07"]),
    ("SAST", &["SEC-04"]),
    ("dependency scan", &["SEC-06", "SEC-09"]),
    ("image scan", &["SEC-12"]),
    ("SBOM", &["SEC-11"]),
];

/// A step seen from the deploy job, with whether its failure stops the deploy.
struct Seen<'a> {
    pipeline: &'a Pipeline,
    job: &'a Job,
    step: &'a Step,
    guards: bool,
}

fn location_of(step: &Step, command: Option<&Command>) -> Location {
    command
        .map(|c| c.location.clone())
        .unwrap_or_else(|| step.location.clone())
}

/// The best finding for a control among the steps: blocking first.
fn find_control(
    facts: &Facts,
    seen: &[Seen],
    practices: &[&str],
    regex: Option<&RegexSet>,
) -> Option<PathControl> {
    let mut best: Option<PathControl> = None;
    for s in seen {
        let mut hits: Vec<Option<&Command>> = practices_of(facts, s.step)
            .into_iter()
            .filter(|(id, _)| practices.contains(id))
            .map(|(_, c)| c)
            .collect();
        if let Some(regex) = regex {
            hits.extend(
                s.step
                    .commands
                    .iter()
                    .filter(|c| regex.is_match(&c.text))
                    .map(Some),
            );
        }
        for command in hits {
            let location = location_of(s.step, command);
            let reason = blocking::non_blocking_reason(s.pipeline, s.job, s.step, command);
            let (status, detail) = if is_simulated(s.job) {
                (
                    ControlStatus::Simulated,
                    format!("job {} only prints or sleeps", s.job.id),
                )
            } else if let Some(reason) = reason {
                (ControlStatus::NonBlocking, reason)
            } else if !s.guards {
                (
                    ControlStatus::NonBlocking,
                    format!(
                        "job {} in {} runs first, but the deploy does not wait for it to succeed",
                        s.job.id, s.pipeline.path
                    ),
                )
            } else {
                (
                    ControlStatus::Present,
                    format!("job {} in {}", s.job.id, s.pipeline.path),
                )
            };
            let better = best.as_ref().is_none_or(|b| status < b.status);
            if better {
                best = Some(PathControl {
                    control: String::new(),
                    status,
                    detail,
                    location: Some(location),
                });
            }
        }
    }
    best
}

fn missing(detail: &str) -> PathControl {
    PathControl {
        control: String::new(),
        status: ControlStatus::Missing,
        detail: detail.to_string(),
        location: None,
    }
}

fn named(mut control: PathControl, name: &str) -> PathControl {
    control.control = name.to_string();
    control
}

/// Index of the step that deploys, so the steps before it count as gates and after it as
/// verification.
fn deploy_step(job: &Job) -> usize {
    let by_command = job.steps.iter().position(|s| {
        s.commands
            .iter()
            .any(|c| is_deploy_command(&c.text) || is_host_deploy_command(&c.text))
    });
    let by_action = || {
        job.steps
            .iter()
            .position(|s| s.uses.as_deref().is_some_and(|u| u.contains("deploy")))
    };
    by_command
        .or_else(by_action)
        .unwrap_or(job.steps.len().saturating_sub(1))
}

/// Checks that run on pull requests or in the merge queue guard a deploy on push to a
/// branch only if branch protection requires them, which files cannot show.
fn merge_time_control(facts: &Facts, practices: &[&str]) -> Option<PathControl> {
    let merge_time: Vec<Seen> = facts
        .pipelines
        .pipelines
        .iter()
        .filter(|p| p.triggers.pull_request || p.triggers.merge_group)
        .flat_map(|p| {
            p.jobs.iter().flat_map(move |j| {
                j.steps.iter().map(move |step| Seen {
                    pipeline: p,
                    job: j,
                    step,
                    guards: true,
                })
            })
        })
        .collect();
    let found = find_control(facts, &merge_time, practices, None)?;
    let gate = merge_time
        .iter()
        .find(|s| {
            found
                .location
                .as_ref()
                .is_some_and(|l| l.path == s.pipeline.path)
        })
        .map(|s| s.pipeline.path.clone())
        .unwrap_or_default();
    let (status, detail) = match found.status {
        ControlStatus::Present => (
            ControlStatus::Unverified,
            format!(
                "runs on pull requests in {gate}; the deploy on push waits for it only if branch protection requires that check"
            ),
        ),
        ControlStatus::NonBlocking => (
            ControlStatus::NonBlocking,
            format!(
                "runs on pull requests in {gate}, but cannot fail: {}",
                found.detail
            ),
        ),
        _ => return None,
    };
    Some(PathControl {
        control: String::new(),
        status,
        detail,
        location: found.location,
    })
}

pub fn production_paths(facts: &Facts) -> Vec<ProductionPath> {
    let mut out = Vec::new();
    // What pull-request pipelines check is the same for every deploy; work it out once.
    let mut merge_time: std::collections::HashMap<&str, Option<PathControl>> =
        std::collections::HashMap::new();
    for (pipeline, job) in facts.production_deploys() {
        let at = deploy_step(job);
        let mut before: Vec<Seen> = upstream(facts.pipelines, pipeline, job)
            .into_iter()
            .flat_map(|u| {
                u.job.steps.iter().map(move |step| Seen {
                    pipeline: u.pipeline,
                    job: u.job,
                    step,
                    guards: u.guards,
                })
            })
            .collect();
        before.extend(job.steps.iter().take(at).map(|step| Seen {
            pipeline,
            job,
            step,
            guards: true,
        }));
        // The deploy step and what follows it in the same job, then the jobs that wait for it.
        let from_deploy = || {
            job.steps.iter().skip(at).map(|step| Seen {
                pipeline,
                job,
                step,
                guards: true,
            })
        };
        let mut after: Vec<Seen> = from_deploy().collect();
        after.extend(downstream(pipeline, job).into_iter().flat_map(|j| {
            j.steps.iter().map(move |step| Seen {
                pipeline,
                job: j,
                step,
                guards: true,
            })
        }));

        let mut controls = Vec::new();
        for (name, practices) in BEFORE {
            let on_path = find_control(facts, &before, practices, None);
            let found = on_path
                .clone()
                .filter(|c| c.status == ControlStatus::Present)
                .or_else(|| template_control(pipeline, job, name))
                .or(on_path)
                .or_else(|| {
                    let on_push = pipeline.triggers.push && !pipeline.triggers.tags_only;
                    on_push
                        .then(|| {
                            merge_time
                                .entry(*name)
                                .or_insert_with(|| merge_time_control(facts, practices))
                                .clone()
                        })
                        .flatten()
                })
                .unwrap_or_else(|| missing(&format!("no {name} before this deploy")));
            controls.push(named(found, name));
        }
        let whole_job: Vec<Seen> = from_deploy().collect();
        controls.push(named(
            backup_control(facts, &before, &whole_job),
            "backup before migration",
        ));
        controls.push(named(approval_control(pipeline, job), "approval"));
        let health = find_control(facts, &after, &[], Some(&HEALTH))
            .unwrap_or_else(|| missing("nothing checks the service's health after the deploy"));
        controls.push(named(health, "health check"));
        let smoke = find_control(facts, &after, &["DEP-11"], Some(&SMOKE))
            .unwrap_or_else(|| missing("no smoke test after the deploy"));
        controls.push(named(smoke, "smoke test"));
        let rollback = find_control(facts, &after, &["DEP-09"], Some(&ROLLBACK))
            .unwrap_or_else(|| missing("a failed deploy is not rolled back automatically"));
        controls.push(named(rollback, "automatic rollback"));
        controls.push(named(
            record_control(facts, job, &after),
            "deployment record",
        ));

        out.push(ProductionPath {
            pipeline: pipeline.path.clone(),
            job: job.id.clone(),
            environment: environment_label(pipeline, job),
            location: job.location.clone(),
            simulated: is_simulated(job),
            controls,
        });
    }
    out
}

/// GitLab's security templates add their jobs to the `test` stage; a deploy in a later stage
/// runs after them, but they allow failure unless a job of the same name overrides that.
fn template_control(pipeline: &Pipeline, job: &Job, control: &str) -> Option<PathControl> {
    let template = match control {
        "SAST" => "SAST",
        "dependency scan" => "Dependency-Scanning",
        "image scan" => "Container-Scanning",
        _ => return None,
    };
    let (name, location) = pipeline.templates.iter().find(|(t, _)| {
        t.rsplit('/')
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case(template))
    })?;
    let stage_of = |s: &str| pipeline.stages.iter().position(|x| x == s);
    let after_test = match (job.stage.as_deref().and_then(stage_of), stage_of("test")) {
        (Some(deploy), Some(test)) => deploy > test,
        _ => false,
    };
    if !after_test {
        return None;
    }
    let jobs = crate::pipeline::template_jobs(template);
    let blocking = pipeline
        .jobs
        .iter()
        .any(|j| jobs.contains(&j.id.as_str()) && !j.allow_failure);
    let (status, detail) = if blocking {
        (
            ControlStatus::Present,
            format!("GitLab template {name}, with allow_failure: false set on its job"),
        )
    } else {
        (
            ControlStatus::NonBlocking,
            format!(
                "GitLab template {name} runs in the test stage, but its jobs allow failure by default"
            ),
        )
    };
    Some(PathControl {
        control: String::new(),
        status,
        detail,
        location: Some(location.clone()),
    })
}

/// A migration on the path needs a backup step before it; no migration, no backup needed.
fn backup_control(facts: &Facts, before: &[Seen], deploy: &[Seen]) -> PathControl {
    let all: Vec<&Seen> = before.iter().chain(deploy.iter()).collect();
    let migration = all
        .iter()
        .position(|s| s.step.commands.iter().any(|c| MIGRATE.is_match(&c.text)));
    let Some(migration) = migration else {
        return PathControl {
            control: String::new(),
            status: ControlStatus::NotApplicable,
            detail: "no migration runs on this path".into(),
            location: None,
        };
    };
    let earlier: Vec<Seen> = all[..migration]
        .iter()
        .map(|s| Seen {
            pipeline: s.pipeline,
            job: s.job,
            step: s.step,
            guards: s.guards,
        })
        .collect();
    let migrate_at = all[migration]
        .step
        .commands
        .iter()
        .find(|c| MIGRATE.is_match(&c.text))
        .map(|c| c.location.to_string())
        .unwrap_or_default();
    find_control(facts, &earlier, &["DEP-21"], Some(&BACKUP)).unwrap_or_else(|| {
        missing(&format!(
            "migrations run at {migrate_at} with no backup before them"
        ))
    })
}

fn approval_control(pipeline: &Pipeline, job: &Job) -> PathControl {
    let control = |status, detail: String, location: Option<Location>| PathControl {
        control: String::new(),
        status,
        detail,
        location,
    };
    if job.manual {
        return control(
            ControlStatus::Present,
            format!("job {} runs only when started by hand", job.id),
            Some(job.location.clone()),
        );
    }
    let typed = job
        .condition
        .as_deref()
        .is_some_and(|c| c.contains("inputs.") && c.contains("=="));
    if typed && !pipeline.triggers.dispatch_inputs.is_empty() {
        let detail = format!(
            "job {} runs only when the person starting it types the expected confirmation",
            job.id
        );
        return control(ControlStatus::Present, detail, Some(job.location.clone()));
    }
    if let Some((name, location)) = &job.environment {
        return control(
            ControlStatus::Unverified,
            format!("environment {name}: required reviewers are a repository setting"),
            Some(location.clone()),
        );
    }
    if pipeline.triggers.manual && !pipeline.triggers.push {
        return control(
            ControlStatus::NonBlocking,
            format!("{} is started by hand, with no review step", pipeline.path),
            Some(job.location.clone()),
        );
    }
    control(
        ControlStatus::Missing,
        "the deploy starts automatically, with no approval".to_string(),
        None,
    )
}

fn record_control(facts: &Facts, job: &Job, after: &[Seen]) -> PathControl {
    if let Some((name, location)) = &job.environment {
        return PathControl {
            control: String::new(),
            status: ControlStatus::Present,
            detail: format!("GitHub or GitLab records each deploy to environment {name}"),
            location: Some(location.clone()),
        };
    }
    find_control(facts, after, &["MON-14", "AUT-22", "DEP-12"], Some(&NOTIFY))
        .unwrap_or_else(|| missing("no deployment record or notification"))
}

/// Jobs on some production path: each production deploy and every job it waits for, as
/// (pipeline path, job id).
pub fn jobs_on_production_paths(
    pipelines: &crate::pipeline::Pipelines,
) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (pipeline, job) in production_deploys(pipelines) {
        out.insert((pipeline.path.clone(), job.id.clone()));
        for u in upstream(pipelines, pipeline, job) {
            out.insert((u.pipeline.path.clone(), u.job.id.clone()));
        }
    }
    out
}

/// Deploy jobs whose environment is production, or not named at all (a single deploy
/// target is production).
pub fn production_deploys(pipelines: &crate::pipeline::Pipelines) -> Vec<(&Pipeline, &Job)> {
    pipelines
        .jobs()
        .filter(|(_, j)| crate::pipeline::is_deploy_job(j))
        .filter(|(p, j)| {
            matches!(
                job_scope(p, j),
                crate::pipeline::Scope::Production | crate::pipeline::Scope::Unspecified
            )
        })
        .collect()
}

/// The environment a deploy job serves, in words: its `environment:`, else the scope its
/// names give, where a deploy that names none counts as production.
pub fn environment_label(pipeline: &Pipeline, job: &Job) -> String {
    job.environment
        .as_ref()
        .map(|(e, _)| e.clone())
        .unwrap_or_else(|| match job_scope(pipeline, job) {
            crate::pipeline::Scope::Unspecified => "production (no environment named)".to_string(),
            scope => scope.label().to_string(),
        })
}
