//! Production paths: for every job that deploys to production, the controls in front of it
//! (tests, scans, SBOM, backup before migrating, approval) and after it (health check, smoke
//! test, automatic rollback, deployment record), each present, unable to stop the release,
//! or missing, with the place it was found.

mod controls;
mod patterns;
mod reach;
mod roles;

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Serialize;

use super::Facts;
use crate::pipeline::{
    Job, Pipeline, Pipelines, is_deploy_command, is_host_deploy_command, is_simulated, job_scope,
    upstream_of_any,
};
use crate::source::Location;
use controls::{Best, Control, JobCache, JobControls};
use reach::{Reach, Segment};
pub use roles::job_roles;

/// Whether a command applies database migrations (`alembic upgrade`, `manage.py migrate`).
pub(crate) fn migrates(command: &str) -> bool {
    patterns::MIGRATE.is_match(command)
}

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

/// Controls in front of production, by the name the report gives them.
const BEFORE: &[(&str, Control)] = &[
    ("tests", Control::Tests),
    ("SAST", Control::Sast),
    ("dependency scan", Control::DependencyScan),
    ("image scan", Control::ImageScan),
    ("SBOM", Control::Sbom),
];

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
fn merge_time_control(
    jobs: &JobCache,
    pipelines: &Pipelines,
    control: Control,
) -> Option<PathControl> {
    let merge_time = || {
        (pipelines.pipelines.iter().enumerate())
            .filter(|(_, p)| p.triggers.pull_request || p.triggers.merge_group)
    };
    let mut best = Best::default();
    for (index, pipeline) in merge_time() {
        for job in 0..pipeline.jobs.len() {
            if let Some(job) = jobs.get((index, job)) {
                best.offer_job(job, control, true);
            }
        }
    }
    let found = best.control()?;
    // The first of those pipelines, with a step, read from the file the control was found in.
    let gate = merge_time()
        .map(|(_, p)| p)
        .filter(|p| p.jobs.iter().any(|j| !j.steps.is_empty()))
        .find(|p| found.location.as_ref().is_some_and(|l| l.path == p.path))
        .map(|p| p.path.clone())
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

/// Every production deploy with the controls before and after it.
///
/// What each job shows of the controls is worked out once; the best place for each control
/// before and after every job of a pipeline is then worked out for the whole pipeline at
/// once (see [`reach`]), and a path combines those of its deploy with the deploy's own steps.
pub fn production_paths(facts: &Facts) -> Vec<ProductionPath> {
    let mut out = Vec::new();
    let jobs = JobCache::new(facts);
    let reach = Reach::new(&jobs, facts.pipelines);
    // What pull-request pipelines check is the same for every deploy; work it out once.
    let mut merge_time: HashMap<&str, Option<PathControl>> = HashMap::new();
    let mut templates = TemplateJobs::default();
    // Without a container image there is nothing for an image scan to look at.
    let containers = facts.traits.contains(&crate::catalog::Trait::Containers);
    for (position, pipeline, job) in deploys_at(facts.pipelines) {
        let Some(deploy) = jobs.get(position) else {
            continue;
        };
        let at = deploy_step(job);
        // The steps of the deploy job that finish before the deploy step starts, and those
        // that start after it: in order, unless the steps name what they wait for.
        let (steps_before, steps_after) = (job.steps_before(at), job.steps_after(at));
        // What the deploy needs in its pipeline comes first, then what runs before the
        // whole pipeline, then the deploy's own steps.
        let mut before = reach.needed(position);
        if let Some(beyond) = reach.beyond(position) {
            before.then(beyond);
        }
        // The deploy step and what follows it in the same job, then the jobs that wait for it.
        let after_deploy = |control: Control| {
            let mut best = Best::default();
            let later = |index: usize| index == at || steps_after.get(index) == Some(&true);
            best.offer_steps(deploy, control, later, true);
            reach.offer(&mut best, reach.after(position), control);
            best.control()
        };

        let mut controls = Vec::new();
        for &(name, control) in BEFORE {
            let mut best = before.best(control).clone();
            let earlier = |index: usize| steps_before.get(index) == Some(&true);
            best.offer_steps(deploy, control, earlier, true);
            let on_path = best.control();
            let found = on_path
                .clone()
                .filter(|c| c.status == ControlStatus::Present)
                .or_else(|| template_control(pipeline, position.0, job, name, &mut templates))
                .or(on_path)
                .or_else(|| {
                    let on_push = pipeline.triggers.push && !pipeline.triggers.tags_only;
                    on_push
                        .then(|| {
                            merge_time
                                .entry(name)
                                .or_insert_with(|| {
                                    merge_time_control(&jobs, facts.pipelines, control)
                                })
                                .clone()
                        })
                        .flatten()
                })
                .unwrap_or_else(|| match control {
                    Control::ImageScan if !containers => PathControl {
                        status: ControlStatus::NotApplicable,
                        ..missing("the repository builds no container image")
                    },
                    _ => missing(&format!("no {name} before this deploy")),
                });
            controls.push(named(found, name));
        }
        controls.push(named(
            backup_control(&before, deploy),
            "backup before migration",
        ));
        controls.push(named(approval_control(pipeline, job), "approval"));
        let health = after_deploy(Control::Health)
            .unwrap_or_else(|| missing("nothing checks the service's health after the deploy"));
        controls.push(named(health, "health check"));
        let smoke = after_deploy(Control::Smoke)
            .unwrap_or_else(|| missing("no smoke test after the deploy"));
        controls.push(named(smoke, "smoke test"));
        let rollback = after_deploy(Control::Rollback)
            .unwrap_or_else(|| missing("a failed deploy is not rolled back automatically"));
        controls.push(named(rollback, "automatic rollback"));
        let record = record_control(job)
            .or_else(|| after_deploy(Control::Record))
            .unwrap_or_else(|| missing("no deployment record or notification"));
        controls.push(named(record, "deployment record"));

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

/// Whether some job of a pipeline overrides a GitLab template's job to stop allowing
/// failure, by pipeline index and template, worked out once per pipeline and template.
#[derive(Default)]
struct TemplateJobs {
    blocking: HashMap<(usize, &'static str), bool>,
}

impl TemplateJobs {
    fn blocking(&mut self, pipeline: &Pipeline, index: usize, template: &'static str) -> bool {
        *self.blocking.entry((index, template)).or_insert_with(|| {
            let jobs = crate::pipeline::template_jobs(template);
            pipeline
                .jobs
                .iter()
                .any(|j| jobs.contains(&j.id.as_str()) && !j.allow_failure)
        })
    }
}

/// GitLab's security templates add their jobs to the `test` stage; a deploy in a later stage
/// runs after them, but they allow failure unless a job of the same name overrides that.
fn template_control(
    pipeline: &Pipeline,
    index: usize,
    job: &Job,
    control: &str,
    templates: &mut TemplateJobs,
) -> Option<PathControl> {
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
    let (status, detail) = if templates.blocking(pipeline, index, template) {
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

/// A migration on the path needs a backup before it; no migration, no backup needed.
///
/// `before` is what runs before the deploy. The migration is that of the nearest job the
/// deploy waits for in its pipeline that migrates, and a backup counts in the jobs that job
/// waits for, before its pipeline as a whole, or in its own steps before the migration. If
/// no such job migrates, it is the first migration among the jobs that run before the whole
/// pipeline, or else the deploy's own, and the backups before it count with those of every
/// job the deploy needs.
fn backup_control<'c>(before: &Segment<'c>, deploy: &'c JobControls<'c>) -> PathControl {
    let mut best = before.backup().clone();
    let migrate_at = match (before.migration(), deploy.migration()) {
        (Some(location), _) => location.to_string(),
        (None, Some((step, location))) => {
            let steps_before = deploy.job().steps_before(step);
            let earlier = |index: usize| steps_before.get(index) == Some(&true);
            best.offer_steps(deploy, Control::Backup, earlier, true);
            location.to_string()
        }
        (None, None) => return not_applicable(),
    };
    best.control().unwrap_or_else(|| {
        missing(&format!(
            "migrations run at {migrate_at} with no backup before them"
        ))
    })
}

fn not_applicable() -> PathControl {
    PathControl {
        control: String::new(),
        status: ControlStatus::NotApplicable,
        detail: "no migration runs on this path".into(),
        location: None,
    }
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
    if let Some((location, summary)) = pipeline.approval() {
        return control(ControlStatus::Present, summary, Some(location.clone()));
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

/// GitHub and GitLab record each deploy to a named environment; without one, a step after
/// the deploy must record or announce it.
fn record_control(job: &Job) -> Option<PathControl> {
    let (name, location) = job.environment.as_ref()?;
    Some(PathControl {
        control: String::new(),
        status: ControlStatus::Present,
        detail: format!("GitHub or GitLab records each deploy to environment {name}"),
        location: Some(location.clone()),
    })
}

/// Jobs on some production path: each production deploy and every job it waits for, as
/// (pipeline path, job id), found in one walk from all the deploys.
pub fn jobs_on_production_paths(pipelines: &Pipelines) -> BTreeSet<(String, String)> {
    let deploys: Vec<(usize, usize)> = deploys_at(pipelines)
        .into_iter()
        .map(|(position, _, _)| position)
        .collect();
    let mut marked = upstream_of_any(pipelines, &deploys);
    for (pipeline, job) in deploys {
        if let Some(mark) = marked.get_mut(pipeline).and_then(|p| p.get_mut(job)) {
            *mark = true;
        }
    }
    let mut out = BTreeSet::new();
    for (pipeline, marks) in pipelines.pipelines.iter().zip(&marked) {
        for (job, _) in pipeline.jobs.iter().zip(marks).filter(|(_, m)| **m) {
            out.insert((pipeline.path.clone(), job.id.clone()));
        }
    }
    out
}

/// Deploy jobs whose environment is production, or not named at all (a single deploy
/// target is production).
pub fn production_deploys(pipelines: &Pipelines) -> Vec<(&Pipeline, &Job)> {
    deploys_at(pipelines)
        .into_iter()
        .map(|(_, pipeline, job)| (pipeline, job))
        .collect()
}

/// The production deploys, each with its pipeline's index and its own index in the pipeline.
fn deploys_at(pipelines: &Pipelines) -> Vec<((usize, usize), &Pipeline, &Job)> {
    let mut out = Vec::new();
    for (index, pipeline) in pipelines.pipelines.iter().enumerate() {
        for (job_index, job) in pipeline.jobs.iter().enumerate() {
            let production = matches!(
                job_scope(pipeline, job),
                crate::pipeline::Scope::Production | crate::pipeline::Scope::Unspecified
            );
            if crate::pipeline::is_deploy_job(job) && production {
                out.push(((index, job_index), pipeline, job));
            }
        }
    }
    out
}

/// The environment a deploy job serves, in words: its `environment:`, else the scope its
/// names give, else the scope the place it deploys to is named for, where a deploy that
/// names none counts as production.
pub fn environment_label(pipeline: &Pipeline, job: &Job) -> String {
    if let Some((environment, _)) = &job.environment {
        return environment.clone();
    }
    if let Some(scope) = crate::pipeline::named_scope(pipeline, job) {
        return scope.label().to_string();
    }
    match crate::pipeline::deploy_target(job) {
        Some((scope, target)) => format!("{} (the target it names, `{target}`)", scope.label()),
        None => "production (no environment named)".to_string(),
    }
}
