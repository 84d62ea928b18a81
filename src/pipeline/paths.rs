//! What must have run before a job: the jobs it needs (transitively), the earlier GitLab
//! stages, and the workflows whose completion starts its workflow.

use super::{CiSystem, Job, Pipeline, Pipelines};

/// A job that runs before another, and whether its failure stops the later job.
#[derive(Debug, Clone, Copy)]
pub struct Upstream<'a> {
    pub pipeline: &'a Pipeline,
    pub job: &'a Job,
    /// False when the later job runs whatever this one concluded (a `workflow_run` chain
    /// without a success condition).
    pub guards: bool,
}

pub fn upstream<'a>(
    pipelines: &'a Pipelines,
    pipeline: &'a Pipeline,
    job: &'a Job,
) -> Vec<Upstream<'a>> {
    let mut out: Vec<Upstream<'a>> = Vec::new();
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
            if !out.iter().any(|u| std::ptr::eq(u.job, earlier)) && !std::ptr::eq(earlier, job) {
                out.push(Upstream {
                    pipeline,
                    job: earlier,
                    guards: !earlier.allow_failure,
                });
                queue.push(earlier);
            }
        }
    }

    let guarded = job
        .condition
        .as_deref()
        .is_some_and(|c| c.contains("conclusion") && c.contains("success"));
    for name in &pipeline.triggers.after_workflows {
        for other in pipelines.pipelines.iter().filter(|p| &p.name == name) {
            for earlier in &other.jobs {
                out.push(Upstream {
                    pipeline: other,
                    job: earlier,
                    guards: guarded && !earlier.allow_failure,
                });
            }
        }
    }
    out
}
