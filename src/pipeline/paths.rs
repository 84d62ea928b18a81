//! What must have run before a job — the jobs it needs (transitively), the earlier GitLab
//! stages, the workflows whose completion starts its workflow, and the local reusable
//! workflows those jobs call — and what runs after it.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::graph::{BitSet, Direction};
use super::reach::{Least, least_reached};
use super::{Job, Pipeline, Pipelines};

/// A job that runs before another, and whether its failure stops the later job.
#[derive(Debug, Clone, Copy)]
pub struct Upstream<'a> {
    pub pipeline: &'a Pipeline,
    pub job: &'a Job,
    /// False when the later job runs whatever this one concluded (a `workflow_run` chain
    /// without a success condition, or a job allowed to fail).
    pub guards: bool,
    /// Where the job sits: its pipeline's index in [`Pipelines::pipelines`] (the list's length
    /// for a pipeline that is not in it) and its own index among that pipeline's jobs. It
    /// names the job without hashing it, for callers that keep something per job.
    pub position: (usize, usize),
}

/// The local reusable-workflow calls between pipelines, worked out on first use.
///
/// Derived from the pipelines' paths and jobs, which must not change once it has been asked.
#[derive(Default)]
pub struct CallIndex {
    cell: OnceLock<Calls>,
}

impl std::fmt::Debug for CallIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallIndex")
    }
}

/// How many calls of reusable workflows away from a job what its callers wait for is
/// searched.
pub const MAX_CALLER_DEPTH: usize = 4;

struct Calls {
    /// Indices of the pipelines read from each path.
    by_path: HashMap<String, Vec<usize>>,
    /// Indices of the pipelines of each name, which `workflow_run` triggers name.
    by_name: HashMap<String, Vec<usize>>,
    /// The jobs that call the workflow at each path, as (pipeline index, job index), in the
    /// order of the pipelines and of their jobs.
    callers: HashMap<String, Vec<(usize, usize)>>,
}

impl CallIndex {
    fn get(&self, pipelines: &Pipelines) -> &Calls {
        self.cell.get_or_init(|| {
            let mut by_path: HashMap<String, Vec<usize>> = HashMap::new();
            let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
            let mut callers: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
            for (index, pipeline) in pipelines.pipelines.iter().enumerate() {
                by_path
                    .entry(pipeline.path.clone())
                    .or_default()
                    .push(index);
                by_name
                    .entry(pipeline.name.clone())
                    .or_default()
                    .push(index);
                for (job_index, job) in pipeline.jobs.iter().enumerate() {
                    if let Some(target) = called_path(job) {
                        callers
                            .entry(target.to_string())
                            .or_default()
                            .push((index, job_index));
                    }
                }
            }
            Calls {
                by_path,
                by_name,
                callers,
            }
        })
    }
}

/// The path of the local reusable workflow a job calls (`uses: ./.github/workflows/x.yml`):
/// jobs naming the same path call the same jobs.
pub fn called_path(job: &Job) -> Option<&str> {
    let target = job.calls.as_deref()?.strip_prefix("./")?;
    target.split('@').next()
}

/// Jobs that run before this one, across pipelines, each listed once with whether its
/// failure stops this job; `job` is one of `pipeline`'s jobs.
pub fn upstream<'a>(
    pipelines: &'a Pipelines,
    pipeline: &'a Pipeline,
    job: &'a Job,
) -> Vec<Upstream<'a>> {
    let position = pipelines
        .pipelines
        .iter()
        .position(|p| std::ptr::eq(p, pipeline))
        .unwrap_or(pipelines.pipelines.len());
    let mut walk = Walk::new(pipelines);
    walk.collect(position, pipeline, job, 0);
    walk.found.out
}

/// Indices of the pipelines named `name`, in order: those a `workflow_run` trigger naming it
/// follows.
pub fn pipelines_named<'a>(pipelines: &'a Pipelines, name: &str) -> &'a [usize] {
    let calls = pipelines.calls.get(pipelines);
    calls.by_name.get(name).map_or(&[][..], Vec::as_slice)
}

/// The jobs that call the workflow at `path`, as (pipeline index, job index), in order.
pub fn callers_of<'a>(pipelines: &'a Pipelines, path: &str) -> &'a [(usize, usize)] {
    let calls = pipelines.calls.get(pipelines);
    calls.callers.get(path).map_or(&[][..], Vec::as_slice)
}

/// Every job that runs before some job of `roots`, by pipeline index and then job index: the
/// union of [`upstream`] over them, in one walk. A job many roots wait for is taken once,
/// and what runs before a whole pipeline is searched once per pipeline and depth. A root is
/// among them only if some root waits for it, or itself through a cycle.
pub fn upstream_of_any(pipelines: &Pipelines, roots: &[(usize, usize)]) -> Vec<Vec<bool>> {
    let mut walk = Union {
        pipelines,
        calls: pipelines.calls.get(pipelines),
        listed: (pipelines.pipelines.iter())
            .map(|p| vec![false; p.jobs.len()])
            .collect(),
        expanded: (pipelines.pipelines.iter())
            .map(|p| BitSet::new(p.jobs.len()))
            .collect(),
        stages_taken: vec![0; pipelines.pipelines.len()],
        called: std::collections::HashSet::new(),
        named: std::collections::HashSet::new(),
        searched_at: vec![usize::MAX; pipelines.pipelines.len()],
    };
    let mut by_pipeline: Vec<Vec<usize>> = vec![Vec::new(); pipelines.pipelines.len()];
    for &(pipeline, job) in roots {
        if let Some(list) = by_pipeline.get_mut(pipeline) {
            list.push(job);
        }
    }
    for (index, jobs) in by_pipeline.iter().enumerate() {
        if !jobs.is_empty() {
            walk.needs(index, jobs);
            walk.beyond(index, 0);
        }
    }
    walk.listed
}

/// The walk of [`upstream_of_any`].
struct Union<'a> {
    pipelines: &'a Pipelines,
    calls: &'a Calls,
    /// Jobs found to run before a root.
    listed: Vec<Vec<bool>>,
    /// Jobs listed as [`Walk::add`] lists them, with the jobs of the workflow they call;
    /// within a pipeline, what such a job waits for is expanded too.
    expanded: Vec<BitSet>,
    /// For each pipeline, how many of its leading stages are expanded in whole.
    stages_taken: Vec<usize>,
    /// Paths of called workflows whose jobs are listed.
    called: std::collections::HashSet<&'a str>,
    /// Names of workflows whose jobs are expanded.
    named: std::collections::HashSet<&'a str>,
    /// The least depth each pipeline was searched at for what runs before it as a whole.
    searched_at: Vec<usize>,
}

impl<'a> Union<'a> {
    /// Lists a job as [`Walk::add`] does; false if it was already.
    fn add(&mut self, position: (usize, usize)) -> bool {
        let Some(expanded) = self.expanded.get_mut(position.0) else {
            return false;
        };
        if !expanded.insert(position.1) {
            return false;
        }
        self.list(position);
        let job = (self.pipelines.pipelines.get(position.0)).and_then(|p| p.jobs.get(position.1));
        let Some(path) = job.and_then(called_path) else {
            return true;
        };
        if !self.called.insert(path) {
            return true;
        }
        for &index in self.calls.by_path.get(path).map_or(&[][..], Vec::as_slice) {
            let count = self
                .pipelines
                .pipelines
                .get(index)
                .map_or(0, |p| p.jobs.len());
            for job_index in 0..count {
                self.list((index, job_index));
            }
        }
        true
    }

    fn list(&mut self, position: (usize, usize)) {
        if let Some(listed) = (self.listed.get_mut(position.0)).and_then(|p| p.get_mut(position.1))
        {
            *listed = true;
        }
    }

    /// Expands what the jobs `from` of the pipeline at `index` wait for, directly or through
    /// others, stopping at jobs already expanded: what they wait for is expanded already.
    fn needs(&mut self, index: usize, from: &[usize]) {
        let Some(pipeline) = self.pipelines.pipelines.get(index) else {
            return;
        };
        let graph = pipeline.graph.get(pipeline);
        let mut stack = from.to_vec();
        let mut earlier = Vec::new();
        while let Some(current) = stack.pop() {
            let Some(taken) = self.stages_taken.get_mut(index) else {
                return;
            };
            graph.waits_for_into(current, taken, &mut earlier);
            for job in earlier.drain(..) {
                if self.add((index, job)) {
                    stack.push(job);
                }
            }
        }
    }

    /// Lists what runs before the whole of the pipeline at `index`, searched `depth` calls
    /// away from the roots, as [`Walk::collect_beyond`] does.
    fn beyond(&mut self, index: usize, depth: usize) {
        let Some(searched) = self.searched_at.get_mut(index) else {
            return;
        };
        if *searched <= depth {
            return;
        }
        *searched = depth;
        let pipelines = self.pipelines;
        let Some(pipeline) = pipelines.pipelines.get(index) else {
            return;
        };
        for name in &pipeline.triggers.after_workflows {
            if !self.named.insert(name) {
                continue;
            }
            for &other in pipelines_named(pipelines, name) {
                let count = pipelines.pipelines.get(other).map_or(0, |p| p.jobs.len());
                for job in 0..count {
                    self.add((other, job));
                }
            }
        }
        if !pipeline.triggers.call || depth + 1 > MAX_CALLER_DEPTH {
            return;
        }
        for &(caller_pipeline, caller) in callers_of(pipelines, &pipeline.path) {
            self.needs(caller_pipeline, &[caller]);
            self.beyond(caller_pipeline, depth + 1);
        }
    }
}

/// The jobs of the local reusable workflow a job calls, by pipeline index and job index: the
/// jobs [`upstream`] lists right after a job it lists that calls a workflow.
pub fn called_jobs<'a>(
    pipelines: &'a Pipelines,
    job: &Job,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let calls = pipelines.calls.get(pipelines);
    let targets = called_path(job).and_then(|path| calls.by_path.get(path));
    targets
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .flat_map(move |&index| {
            let count = pipelines.pipelines.get(index).map_or(0, |p| p.jobs.len());
            (0..count).map(move |job_index| (index, job_index))
        })
}

/// One search for what runs before a job.
struct Walk<'a> {
    pipelines: &'a Pipelines,
    calls: &'a Calls,
    found: Found<'a>,
    /// Callers of reusable workflows whose search has finished, with the least depth it ran
    /// at. Searching a caller again no deeper finds nothing new, so it is skipped: workflows
    /// that call each other many ways would otherwise multiply the work at every level.
    explored: HashMap<(usize, usize), usize>,
}

/// The upstream jobs in the order they were found, with a set per pipeline of those already
/// listed, so that a job reached many ways is checked in constant time.
struct Found<'a> {
    out: Vec<Upstream<'a>>,
    /// Indexed by pipeline position; made when a pipeline's first job is listed.
    listed: Vec<Option<BitSet>>,
}

impl<'a> Found<'a> {
    /// Lists one job unless it is listed already: a job keeps what was first said of it.
    fn insert(&mut self, position: (usize, usize), pipeline: &'a Pipeline, guards: bool) {
        let Some(job) = pipeline.jobs.get(position.1) else {
            return;
        };
        let Some(slot) = self.listed.get_mut(position.0) else {
            return;
        };
        let listed = slot.get_or_insert_with(|| BitSet::new(pipeline.jobs.len()));
        if listed.insert(position.1) {
            self.out.push(Upstream {
                pipeline,
                job,
                guards: guards && !job.allow_failure,
                position,
            });
        }
    }
}

impl<'a> Walk<'a> {
    fn new(pipelines: &'a Pipelines) -> Self {
        let count = pipelines.pipelines.len();
        Walk {
            pipelines,
            calls: pipelines.calls.get(pipelines),
            found: Found {
                out: Vec::new(),
                listed: (0..=count).map(|_| None).collect(),
            },
            explored: HashMap::new(),
        }
    }

    /// Lists a job that runs before, and the jobs of the local reusable workflow it calls.
    fn add(&mut self, position: (usize, usize), pipeline: &'a Pipeline, guards: bool) {
        self.found.insert(position, pipeline, guards);
        let called = pipeline.jobs.get(position.1).and_then(called_path);
        let Some(targets) = called.and_then(|path| self.calls.by_path.get(path)) else {
            return;
        };
        for &index in targets {
            let Some(target) = self.pipelines.pipelines.get(index) else {
                continue;
            };
            for job_index in 0..target.jobs.len() {
                self.found.insert((index, job_index), target, guards);
            }
        }
    }

    /// Lists what runs before `job` of `pipeline`, the pipeline at `pipeline_index`, searched
    /// `depth` calls of reusable workflows away from the job first asked about.
    fn collect(
        &mut self,
        pipeline_index: usize,
        pipeline: &'a Pipeline,
        job: &'a Job,
        depth: usize,
    ) {
        if depth > MAX_CALLER_DEPTH {
            return;
        }
        let graph = pipeline.graph.get(pipeline);
        for earlier in graph.needed(pipeline, job) {
            self.add((pipeline_index, earlier), pipeline, true);
        }
        let owner = (pipeline.triggers.call)
            .then(|| owner_path(self.pipelines, pipeline, job))
            .flatten();
        self.collect_beyond(pipeline, owner, waits_for_success(job), depth);
    }

    /// Lists what runs before every job of `pipeline`, whatever the job needs: the workflows
    /// whose completion starts it and, for a called workflow, what its callers wait for.
    /// `owner` is the path of the pipeline, needed only when it is called; `success_checked`
    /// says whether the job asked about starts only when the workflow before it succeeded.
    fn collect_beyond(
        &mut self,
        pipeline: &'a Pipeline,
        owner: Option<&str>,
        success_checked: bool,
        depth: usize,
    ) {
        // A workflow started by another's completion waits for it only with a success check.
        let pipelines = self.pipelines;
        for name in &pipeline.triggers.after_workflows {
            for &index in pipelines_named(pipelines, name) {
                let Some(other) = pipelines.pipelines.get(index) else {
                    continue;
                };
                for job_index in 0..other.jobs.len() {
                    self.add((index, job_index), other, success_checked);
                }
            }
        }

        // A job in a called workflow runs after whatever its caller waits for. A caller calls
        // this job when it names the path of the workflow that holds the job.
        let Some(owner) = owner.filter(|_| pipeline.triggers.call) else {
            return;
        };
        let calls = self.calls;
        for &caller_position in calls.callers.get(owner).map_or(&[][..], Vec::as_slice) {
            let (pipeline_index, job_index) = caller_position;
            let Some(caller_pipeline) = pipelines.pipelines.get(pipeline_index) else {
                continue;
            };
            let Some(caller) = caller_pipeline.jobs.get(job_index) else {
                continue;
            };
            let deeper = depth + 1;
            if self
                .explored
                .get(&caller_position)
                .is_some_and(|&done| done <= deeper)
            {
                continue;
            }
            self.collect(pipeline_index, caller_pipeline, caller, deeper);
            let done = self.explored.entry(caller_position).or_insert(deeper);
            *done = (*done).min(deeper);
        }
    }
}

/// Whether a job in a workflow started by another's completion runs only when that one
/// succeeded (its condition checks the conclusion for success).
pub fn waits_for_success(job: &Job) -> bool {
    job.condition
        .as_deref()
        .is_some_and(|c| c.contains("conclusion") && c.contains("success"))
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

/// For every job of the pipeline, the least of `own` (one value per job) over the jobs it
/// waits for, directly or through others, without the job itself.
pub fn least_before<V: Least>(pipeline: &Pipeline, own: &[V]) -> Vec<V> {
    least_reached(pipeline.graph.get(pipeline), Direction::Before, own)
}

/// For every job of the pipeline, the least of `own` (one value per job) over the jobs that
/// wait for it, directly or through others, without the job itself.
pub fn least_after<V: Least>(pipeline: &Pipeline, own: &[V]) -> Vec<V> {
    least_reached(pipeline.graph.get(pipeline), Direction::After, own)
}

/// Indices among the pipeline's jobs of those this job waits for, directly or through
/// others, without the job itself.
pub fn needed_indices(pipeline: &Pipeline, job: &Job) -> Vec<usize> {
    pipeline.graph.get(pipeline).needed(pipeline, job)
}

/// Jobs of the same pipeline that wait for this one, directly or through others, in file
/// order.
pub fn downstream<'a>(pipeline: &'a Pipeline, job: &'a Job) -> Vec<&'a Job> {
    downstream_indices(pipeline, job)
        .into_iter()
        .filter_map(|index| pipeline.jobs.get(index))
        .collect()
}

/// Indices among the pipeline's jobs of those [`downstream`] lists, in the same order.
pub fn downstream_indices(pipeline: &Pipeline, job: &Job) -> Vec<usize> {
    pipeline.graph.get(pipeline).downstream(pipeline, job)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::CiSystem;
    use crate::pipeline::testing::{job, pipeline};

    /// Small pseudo-random sets of workflows: names shared by several, `workflow_run`
    /// triggers naming them, reusable workflows called by jobs of others (and of themselves,
    /// so that calls form cycles), and `needs` naming later jobs or missing ones. `needs`
    /// that form a cycle are left out: a job reached through a cycle back to itself counts
    /// among the jobs before it in the union, though not in [`upstream`] of that job alone.
    fn workflow_sets() -> Vec<Pipelines> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap_or(0)
        };
        let mut out = Vec::new();
        for _ in 0..300 {
            let count = 1 + next(6);
            let mut set = Pipelines::default();
            for index in 0..count {
                let jobs = (0..next(6))
                    .map(|j| {
                        let needs: Vec<String> = (0..next(3))
                            .map(|_| format!("j{}", j + 1 + next(4)))
                            .collect();
                        let needs: Vec<&str> = needs.iter().map(String::as_str).collect();
                        let mut job = job(&format!("j{j}"), None, &needs);
                        if next(4) == 0 {
                            job.calls = Some(format!("./.github/workflows/p{}.yml", next(count)));
                        }
                        job.allow_failure = next(5) == 0;
                        job
                    })
                    .collect();
                let mut workflow = pipeline(CiSystem::GithubActions, &[], jobs);
                workflow.path = format!(".github/workflows/p{index}.yml");
                workflow.name = format!("w{}", next(3));
                workflow.triggers.call = next(2) == 0;
                workflow.triggers.after_workflows =
                    (0..next(2)).map(|_| format!("w{}", next(3))).collect();
                set.pipelines.push(workflow);
            }
            out.push(set);
        }
        out
    }

    #[test]
    fn what_runs_before_any_of_several_jobs_is_what_runs_before_each() {
        for set in workflow_sets() {
            let positions: Vec<(usize, usize)> = (set.pipelines.iter().enumerate())
                .flat_map(|(p, pipeline)| (0..pipeline.jobs.len()).map(move |j| (p, j)))
                .collect();
            let roots: Vec<(usize, usize)> = positions.iter().copied().step_by(3).collect();
            let mut expected: Vec<Vec<bool>> = (set.pipelines.iter())
                .map(|p| vec![false; p.jobs.len()])
                .collect();
            for &(p, j) in &roots {
                let pipeline = &set.pipelines[p];
                for u in upstream(&set, pipeline, &pipeline.jobs[j]) {
                    expected[u.position.0][u.position.1] = true;
                }
            }
            assert_eq!(
                upstream_of_any(&set, &roots),
                expected,
                "{:?}",
                set.pipelines
            );
        }
    }
}
