//! What must have run before a job — the jobs it needs (transitively), the earlier GitLab
//! stages, the workflows whose completion starts its workflow, and the local reusable
//! workflows those jobs call — and what runs after it.

use super::{CiSystem, Job, Pipeline, Pipelines};

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
fn needed<'a>(pipeline: &'a Pipeline, job: &'a Job) -> Vec<&'a Job> {
    let mut out: Vec<&Job> = Vec::new();
    let mut queue: Vec<&Job> = vec![job];
    while let Some(current) = queue.pop() {
        let before: Vec<&Job> = match pipeline.system {
            CiSystem::GitlabCi if current.needs.is_empty() => {
                let position = |j: &Job| {
                    j.stage
                        .as_deref()
                        .and_then(|s| pipeline.stages.iter().position(|x| x == s))
                };
                match position(current) {
                    Some(stage) => pipeline
                        .jobs
                        .iter()
                        .filter(|j| position(j).is_some_and(|p| p < stage))
                        .collect(),
                    None => Vec::new(),
                }
            }
            _ => current
                .needs
                .iter()
                .filter_map(|n| pipeline.job(n))
                .collect(),
        };
        for earlier in before {
            if !out.iter().any(|j| std::ptr::eq(*j, earlier)) && !std::ptr::eq(earlier, job) {
                out.push(earlier);
                queue.push(earlier);
            }
        }
    }
    out
}

/// Jobs of a local reusable workflow that a job calls (`uses: ./.github/workflows/x.yml`).
fn called_jobs<'a>(pipelines: &'a Pipelines, job: &Job) -> Vec<(&'a Pipeline, &'a Job)> {
    let Some(target) = job.calls.as_deref().and_then(|c| c.strip_prefix("./")) else {
        return Vec::new();
    };
    let target = target.split('@').next().unwrap_or(target);
    pipelines
        .pipelines
        .iter()
        .filter(|p| p.path == target)
        .flat_map(|p| p.jobs.iter().map(move |j| (p, j)))
        .collect()
}

pub fn upstream<'a>(
    pipelines: &'a Pipelines,
    pipeline: &'a Pipeline,
    job: &'a Job,
) -> Vec<Upstream<'a>> {
    let mut out = Vec::new();
    collect_upstream(pipelines, pipeline, job, true, 0, &mut out);
    out
}

fn collect_upstream<'a>(
    pipelines: &'a Pipelines,
    pipeline: &'a Pipeline,
    job: &'a Job,
    guarded: bool,
    depth: usize,
    out: &mut Vec<Upstream<'a>>,
) {
    if depth > 4 {
        return;
    }
    // A job, and the jobs of the local reusable workflow it calls, run before this one.
    let add =
        |pipeline: &'a Pipeline, earlier: &'a Job, guards: bool, out: &mut Vec<Upstream<'a>>| {
            let called = called_jobs(pipelines, earlier);
            for (p, j, g) in std::iter::once((pipeline, earlier, guards))
                .chain(called.into_iter().map(|(p, j)| (p, j, guards)))
            {
                if !out.iter().any(|x| std::ptr::eq(x.job, j)) {
                    out.push(Upstream {
                        pipeline: p,
                        job: j,
                        guards: g && !j.allow_failure,
                    });
                }
            }
        };
    for earlier in needed(pipeline, job) {
        add(pipeline, earlier, guarded, out);
    }

    // A workflow started by another's completion waits for it only with a success check.
    let success_checked = job
        .condition
        .as_deref()
        .is_some_and(|c| c.contains("conclusion") && c.contains("success"));
    for name in &pipeline.triggers.after_workflows {
        for other in pipelines.pipelines.iter().filter(|p| &p.name == name) {
            for earlier in &other.jobs {
                add(other, earlier, guarded && success_checked, out);
            }
        }
    }

    // A job in a called workflow runs after whatever its caller waits for.
    if pipeline.triggers.call {
        for caller_pipeline in &pipelines.pipelines {
            for caller in caller_pipeline.jobs.iter().filter(|j| {
                called_jobs(pipelines, j)
                    .iter()
                    .any(|(_, c)| std::ptr::eq(*c, job))
            }) {
                collect_upstream(pipelines, caller_pipeline, caller, guarded, depth + 1, out);
            }
        }
    }
}

/// Jobs of the same pipeline that wait for this one, directly or through others.
pub fn downstream<'a>(pipeline: &'a Pipeline, job: &'a Job) -> Vec<&'a Job> {
    pipeline
        .jobs
        .iter()
        .filter(|j| {
            !std::ptr::eq(*j, job) && needed(pipeline, j).iter().any(|n| std::ptr::eq(*n, job))
        })
        .collect()
}
