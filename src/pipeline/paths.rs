//! What must have run before a job — the jobs it needs (transitively), the earlier GitLab
//! stages, the workflows whose completion starts its workflow, and the local reusable
//! workflows those jobs call — and what runs after it.

use std::collections::HashSet;

use super::{Job, Pipeline, Pipelines};

/// A job that runs before another, and whether its failure stops the later job.
#[derive(Debug, Clone, Copy)]
pub struct Upstream<'a> {
    pub pipeline: &'a Pipeline,
    pub job: &'a Job,
    /// False when the later job runs whatever this one concluded (a `workflow_run` chain
    /// without a success condition, or a job allowed to fail).
    pub guards: bool,
}

/// Jobs of the same pipeline that this job waits for, directly or through others.
fn needed<'a>(pipeline: &'a Pipeline, job: &Job) -> impl Iterator<Item = &'a Job> {
    let graph = pipeline.graph.get(pipeline);
    graph
        .needed(pipeline, job)
        .into_iter()
        .filter_map(|index| pipeline.jobs.get(index))
}

/// The path of the local reusable workflow a job calls (`uses: ./.github/workflows/x.yml`).
fn called_path(job: &Job) -> Option<&str> {
    let target = job.calls.as_deref()?.strip_prefix("./")?;
    target.split('@').next()
}

/// Jobs of a local reusable workflow that a job calls (`uses: ./.github/workflows/x.yml`).
fn called_jobs<'a>(pipelines: &'a Pipelines, job: &Job) -> Vec<(&'a Pipeline, &'a Job)> {
    let Some(target) = called_path(job) else {
        return Vec::new();
    };
    pipelines
        .pipelines
        .iter()
        .filter(|p| p.path == target)
        .flat_map(|p| p.jobs.iter().map(move |j| (p, j)))
        .collect()
}

/// Jobs that run before this one, across pipelines, each listed once with whether its
/// failure stops this job; `job` is one of `pipeline`'s jobs.
pub fn upstream<'a>(
    pipelines: &'a Pipelines,
    pipeline: &'a Pipeline,
    job: &'a Job,
) -> Vec<Upstream<'a>> {
    let mut found = Found::default();
    collect_upstream(pipelines, pipeline, job, true, 0, &mut found);
    found.out
}

/// The upstream jobs in the order they were found, with the set of those already listed so
/// that a job reached many ways is checked in constant time.
#[derive(Default)]
struct Found<'a> {
    out: Vec<Upstream<'a>>,
    listed: HashSet<*const Job>,
}

impl<'a> Found<'a> {
    /// Lists a job that runs before, and the jobs of the local reusable workflow it calls;
    /// a job already listed keeps what was first said of it.
    fn add(
        &mut self,
        pipelines: &'a Pipelines,
        pipeline: &'a Pipeline,
        earlier: &'a Job,
        guards: bool,
    ) {
        let called = called_jobs(pipelines, earlier);
        for (p, j) in std::iter::once((pipeline, earlier)).chain(called) {
            if self.listed.insert(std::ptr::from_ref(j)) {
                self.out.push(Upstream {
                    pipeline: p,
                    job: j,
                    guards: guards && !j.allow_failure,
                });
            }
        }
    }
}

fn collect_upstream<'a>(
    pipelines: &'a Pipelines,
    pipeline: &'a Pipeline,
    job: &'a Job,
    guarded: bool,
    depth: usize,
    found: &mut Found<'a>,
) {
    if depth > 4 {
        return;
    }
    for earlier in needed(pipeline, job) {
        found.add(pipelines, pipeline, earlier, guarded);
    }

    // A workflow started by another's completion waits for it only with a success check.
    let success_checked = job
        .condition
        .as_deref()
        .is_some_and(|c| c.contains("conclusion") && c.contains("success"));
    for name in &pipeline.triggers.after_workflows {
        for other in pipelines.pipelines.iter().filter(|p| &p.name == name) {
            for earlier in &other.jobs {
                found.add(pipelines, other, earlier, guarded && success_checked);
            }
        }
    }

    // A job in a called workflow runs after whatever its caller waits for. A caller calls
    // this job when it names the path of the workflow that holds the job.
    if pipeline.triggers.call {
        let Some(owner) = owner_path(pipelines, pipeline, job) else {
            return;
        };
        for caller_pipeline in &pipelines.pipelines {
            for caller in caller_pipeline
                .jobs
                .iter()
                .filter(|j| called_path(j) == Some(owner))
            {
                collect_upstream(
                    pipelines,
                    caller_pipeline,
                    caller,
                    guarded,
                    depth + 1,
                    found,
                );
            }
        }
    }
}

/// The path of the pipeline that holds `job`: `pipeline` itself, as callers pass it.
fn owner_path<'a>(pipelines: &'a Pipelines, pipeline: &'a Pipeline, job: &Job) -> Option<&'a str> {
    let holds = |p: &Pipeline| p.jobs.iter().any(|j| std::ptr::eq(j, job));
    if pipeline.job(&job.id).is_some_and(|j| std::ptr::eq(j, job)) || holds(pipeline) {
        return Some(&pipeline.path);
    }
    pipelines
        .pipelines
        .iter()
        .find(|p| holds(p))
        .map(|p| p.path.as_str())
}

/// Jobs of the same pipeline that wait for this one, directly or through others, in file
/// order.
pub fn downstream<'a>(pipeline: &'a Pipeline, job: &'a Job) -> Vec<&'a Job> {
    let graph = pipeline.graph.get(pipeline);
    graph
        .downstream(pipeline, job)
        .into_iter()
        .filter_map(|index| pipeline.jobs.get(index))
        .collect()
}
