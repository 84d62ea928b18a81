//! Pipelines of small generated shapes, and the definitions of what a job waits for followed
//! literally, for checking the job graph and what is worked out from it.

use super::{CiSystem, Job, JobGraph, Pipeline, Triggers};
use crate::source::Location;

pub(super) fn job(id: &str, stage: Option<&str>, needs: &[&str]) -> Job {
    Job {
        needs: needs.iter().map(|n| n.to_string()).collect(),
        stage: stage.map(str::to_string),
        ..Job::new(id, Location::line("ci.yml", 1, 1, 1))
    }
}

pub(super) fn pipeline(system: CiSystem, stages: &[&str], jobs: Vec<Job>) -> Pipeline {
    Pipeline {
        system,
        path: "ci.yml".to_string(),
        name: "ci".to_string(),
        triggers: Triggers::default(),
        jobs,
        permissions: None,
        has_concurrency: false,
        stages: stages.iter().map(|s| s.to_string()).collect(),
        templates: Vec::new(),
        demonstration: false,
        graph: JobGraph::default(),
    }
}

/// What a job waits for directly, by the definition: the jobs its `needs` name (the first of
/// each id), or for a GitLab job without `needs` every job of the stages before its own.
pub(super) fn waits_for_by_definition<'a>(pipeline: &'a Pipeline, current: &Job) -> Vec<&'a Job> {
    let stage_of = |j: &Job| {
        let s = j.stage.as_deref()?;
        pipeline.stages.iter().position(|x| x == s)
    };
    if pipeline.system == CiSystem::GitlabCi && current.needs.is_empty() {
        match stage_of(current) {
            Some(stage) => pipeline
                .jobs
                .iter()
                .filter(|j| stage_of(j).is_some_and(|p| p < stage))
                .collect(),
            None => Vec::new(),
        }
    } else {
        let first = |n: &String| pipeline.jobs.iter().find(|j| &j.id == n);
        current.needs.iter().filter_map(first).collect()
    }
}

/// The definition, followed literally: a depth-first walk that asks every job what it
/// waits for by scanning the whole pipeline.
pub(super) fn needed_by_definition<'a>(pipeline: &'a Pipeline, root: &Job) -> Vec<&'a Job> {
    let mut out: Vec<&Job> = Vec::new();
    let mut queue: Vec<&Job> = Vec::new();
    let expand = |current: &Job, out: &mut Vec<&'a Job>, queue: &mut Vec<&'a Job>| {
        for earlier in waits_for_by_definition(pipeline, current) {
            if !out.iter().any(|j| std::ptr::eq(*j, earlier)) && !std::ptr::eq(earlier, root) {
                out.push(earlier);
                queue.push(earlier);
            }
        }
    };
    expand(root, &mut out, &mut queue);
    while let Some(current) = queue.pop() {
        expand(current, &mut out, &mut queue);
    }
    out
}

pub(super) fn ids(jobs: &[&Job]) -> Vec<String> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

/// Small pseudo-random pipelines: repeated stage names and job ids, stages not in the
/// list, `needs` naming unknown jobs, the job itself, or a later job (cycles).
pub(super) fn shapes() -> Vec<Pipeline> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound as u64).unwrap_or(0)
    };
    let stage_names = ["build", "test", "deploy", "test", "verify"];
    let mut out = Vec::new();
    for round in 0..300 {
        let system = if round % 3 == 0 {
            CiSystem::GithubActions
        } else {
            CiSystem::GitlabCi
        };
        let count = next(12);
        let jobs: Vec<Job> = (0..count)
            .map(|_| {
                let id = format!("j{}", next(count + 2));
                let stage = match next(6) {
                    5 => None,
                    4 => Some("missing"),
                    s => Some(stage_names[s]),
                };
                let needs: Vec<String> = match next(3) {
                    0 => Vec::new(),
                    _ => (0..next(4))
                        .map(|_| format!("j{}", next(count + 2)))
                        .collect(),
                };
                let needs: Vec<&str> = needs.iter().map(String::as_str).collect();
                job(&id, stage, &needs)
            })
            .collect();
        out.push(pipeline(system, &stage_names[..next(6)], jobs));
    }
    out
}
