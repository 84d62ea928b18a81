//! Which jobs of a pipeline wait for which, worked out once per pipeline so that asking what
//! a job waits for, or what waits for it, costs time in proportion to the answer rather than
//! to the pipeline's jobs multiplied together.
//!
//! A job waits for the jobs its `needs` names. A GitLab job without `needs` waits for every
//! job of the earlier stages instead; those edges would number the jobs squared, so they are
//! never listed: the jobs are kept sorted by stage, and a walk remembers how many leading
//! stages it has already taken in whole.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{CiSystem, Job, Pipeline};

/// The dependency graph of a pipeline's jobs, computed on first use.
///
/// It is derived from the pipeline's jobs and stages, which must not change once it has been
/// asked: a clone starts empty, because a cloned pipeline is often edited.
#[derive(Default)]
pub struct JobGraph {
    cell: OnceLock<Graph>,
}

impl Clone for JobGraph {
    fn clone(&self) -> Self {
        JobGraph::default()
    }
}

/// Derived data: two pipelines with the same jobs are equal whether or not it was computed.
impl PartialEq for JobGraph {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for JobGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobGraph")
    }
}

impl JobGraph {
    pub(super) fn get(&self, pipeline: &Pipeline) -> &Graph {
        self.cell.get_or_init(|| Graph::new(pipeline))
    }
}

/// What a job waits for directly.
#[derive(Debug, Clone, PartialEq, Eq)]
enum WaitsFor {
    /// The jobs at these indices, in the order `needs` names them.
    Jobs(Vec<usize>),
    /// Every job of the stages before this one (a GitLab job without `needs`).
    EarlierStages(usize),
}

#[derive(Debug)]
pub(super) struct Graph {
    /// Index of the first job with each id: a `needs` entry names the first.
    by_id: HashMap<String, usize>,
    /// Position of each stage name in the pipeline's list, the first where it repeats.
    stage_positions: HashMap<String, usize>,
    /// Position in the pipeline's stage list of each job's stage, the first of that name.
    stage: Vec<Option<usize>>,
    waits_for: Vec<WaitsFor>,
    /// The reverse of the `needs` edges: the jobs that name each job.
    needed_by: Vec<Vec<usize>>,
    /// Jobs that have a stage, sorted by stage and then by index.
    staged: StageGroups,
    /// Jobs that wait for every earlier stage, sorted by stage and then by index.
    waiting_on_stages: StageGroups,
}

impl Graph {
    fn new(pipeline: &Pipeline) -> Self {
        let mut by_id = HashMap::with_capacity(pipeline.jobs.len());
        for (index, job) in pipeline.jobs.iter().enumerate() {
            by_id.entry(job.id.clone()).or_insert(index);
        }
        let mut stage_positions = HashMap::with_capacity(pipeline.stages.len());
        for (position, name) in pipeline.stages.iter().enumerate() {
            stage_positions.entry(name.clone()).or_insert(position);
        }
        let stage: Vec<Option<usize>> = pipeline
            .jobs
            .iter()
            .map(|j| {
                j.stage
                    .as_deref()
                    .and_then(|s| stage_positions.get(s).copied())
            })
            .collect();
        let mut graph = Graph {
            by_id,
            stage_positions,
            stage,
            waits_for: Vec::new(),
            needed_by: vec![Vec::new(); pipeline.jobs.len()],
            staged: StageGroups::default(),
            waiting_on_stages: StageGroups::default(),
        };
        graph.waits_for = pipeline
            .jobs
            .iter()
            .map(|job| graph.waits_for_of(pipeline.system, job))
            .collect();
        for (index, waits) in graph.waits_for.iter().enumerate() {
            if let WaitsFor::Jobs(needs) = waits {
                for &needed in needs {
                    graph.needed_by[needed].push(index);
                }
            }
        }
        let stages = pipeline.stages.len();
        graph.staged = StageGroups::new(stages, graph.stage.iter().copied());
        graph.waiting_on_stages = StageGroups::new(
            stages,
            graph.waits_for.iter().map(|w| match w {
                WaitsFor::EarlierStages(stage) => Some(*stage),
                WaitsFor::Jobs(_) => None,
            }),
        );
        graph
    }

    /// What `job` waits for directly. It need not be one of the pipeline's jobs: its own
    /// `needs` and stage are read against the pipeline's.
    fn waits_for_of(&self, system: CiSystem, job: &Job) -> WaitsFor {
        if system == CiSystem::GitlabCi && job.needs.is_empty() {
            let position = job
                .stage
                .as_deref()
                .and_then(|s| self.stage_positions.get(s).copied());
            return match position {
                Some(stage) => WaitsFor::EarlierStages(stage),
                None => WaitsFor::Jobs(Vec::new()),
            };
        }
        WaitsFor::Jobs(
            job.needs
                .iter()
                .filter_map(|n| self.by_id.get(n).copied())
                .collect(),
        )
    }

    /// Index of the first job with this id.
    pub(super) fn job_index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Index of `job` among the pipeline's jobs, by identity.
    fn index_of(&self, pipeline: &Pipeline, job: &Job) -> Option<usize> {
        self.job_index(&job.id)
            .filter(|&i| std::ptr::eq(&pipeline.jobs[i], job))
            .or_else(|| pipeline.jobs.iter().position(|j| std::ptr::eq(j, job)))
    }

    /// Indices of the jobs `job` waits for, directly or through others, without `job`
    /// itself, in the order of a depth-first walk that lists each job's direct
    /// predecessors (in `needs` order, or in file order for earlier stages) before going
    /// deeper into the last of them.
    pub(super) fn needed(&self, pipeline: &Pipeline, job: &Job) -> Vec<usize> {
        let root = self.index_of(pipeline, job);
        let mut seen = BitSet::new(pipeline.jobs.len());
        if let Some(root) = root {
            seen.insert(root);
        }
        let mut out = Vec::new();
        let mut stack: Vec<Option<usize>> = vec![root];
        // Every job of the stages before this one has been seen.
        let mut stages_taken = 0;
        let mut batch = Vec::new();
        while let Some(current) = stack.pop() {
            let computed;
            let waits = match current {
                Some(index) => &self.waits_for[index],
                None => {
                    computed = self.waits_for_of(pipeline.system, job);
                    &computed
                }
            };
            match waits {
                WaitsFor::Jobs(needs) => batch.extend_from_slice(needs),
                WaitsFor::EarlierStages(stage) if *stage > stages_taken => {
                    batch.extend_from_slice(self.staged.in_stages(stages_taken, *stage));
                    batch.sort_unstable();
                    stages_taken = *stage;
                }
                WaitsFor::EarlierStages(_) => {}
            }
            for earlier in batch.drain(..) {
                if seen.insert(earlier) {
                    out.push(earlier);
                    stack.push(Some(earlier));
                }
            }
        }
        out
    }

    /// Adds to `out` what the job at `index` waits for directly, given that every job of the
    /// first `stages_taken` stages is taken already (and raising it when this job waits for
    /// more stages).
    pub(super) fn waits_for_into(
        &self,
        index: usize,
        stages_taken: &mut usize,
        out: &mut Vec<usize>,
    ) {
        match self.waits_for.get(index) {
            Some(WaitsFor::Jobs(needs)) => out.extend_from_slice(needs),
            Some(WaitsFor::EarlierStages(stage)) if *stage > *stages_taken => {
                out.extend_from_slice(self.staged.in_stages(*stages_taken, *stage));
                *stages_taken = *stage;
            }
            _ => {}
        }
    }

    /// Indices of the jobs that wait for `job`, directly or through others, without `job`
    /// itself, in file order.
    pub(super) fn downstream(&self, pipeline: &Pipeline, job: &Job) -> Vec<usize> {
        let Some(root) = self.index_of(pipeline, job) else {
            return Vec::new();
        };
        let mut seen = BitSet::new(pipeline.jobs.len());
        seen.insert(root);
        let mut stack = vec![root];
        // Every job waiting on earlier stages whose stage is at or after this one is seen.
        let mut stages_from = self.waiting_on_stages.stage_count();
        while let Some(current) = stack.pop() {
            let mut later_stages: &[usize] = &[];
            if let Some(stage) = self.stage[current]
                && stage + 1 < stages_from
            {
                later_stages = self.waiting_on_stages.in_stages(stage + 1, stages_from);
                stages_from = stage + 1;
            }
            for &later in self.needed_by[current].iter().chain(later_stages) {
                if seen.insert(later) {
                    stack.push(later);
                }
            }
        }
        (0..pipeline.jobs.len())
            .filter(|&i| i != root && seen.contains(i))
            .collect()
    }
}

/// Which way [`Graph::successor`] follows the edges between jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    /// From a job to the jobs it waits for.
    Before,
    /// From a job to the jobs that wait for it.
    After,
}

impl Graph {
    /// How many nodes [`Graph::successor`] numbers: the jobs, then one node per stage that
    /// stands for a run of whole stages, so that GitLab's waits on every earlier stage cost
    /// one edge each rather than one per job of those stages.
    pub(super) fn node_count(&self) -> usize {
        self.stage.len() + self.staged.stage_count()
    }

    /// The `edge`-th node `node` leads to in `direction`, if it has that many.
    ///
    /// Before: stage node `k` stands for every job of the first `k + 1` stages, leading to
    /// stage node `k - 1` and then to the jobs of stage `k`; a job without `needs` in stage
    /// `s` leads to stage node `s - 1`. After: stage node `t` stands for every job waiting on
    /// earlier stages whose own stage is `t` or later, leading to stage node `t + 1` and then
    /// to those of stage `t`; a job of stage `s` leads to stage node `s + 1`.
    pub(super) fn successor(
        &self,
        direction: Direction,
        node: usize,
        edge: usize,
    ) -> Option<usize> {
        let jobs = self.stage.len();
        let stages = self.staged.stage_count();
        match (direction, node.checked_sub(jobs)) {
            (Direction::Before, None) => match self.waits_for.get(node)? {
                WaitsFor::Jobs(needs) => needs.get(edge).copied(),
                WaitsFor::EarlierStages(stage) => {
                    (edge == 0 && *stage > 0).then(|| jobs + stage - 1)
                }
            },
            (Direction::Before, Some(stage)) => {
                let further = usize::from(stage > 0);
                if edge < further {
                    return Some(node - 1);
                }
                let in_stage = self.staged.in_stages(stage, stage + 1);
                in_stage.get(edge - further).copied()
            }
            (Direction::After, None) => {
                let needed_by = self.needed_by.get(node)?;
                if let Some(&later) = needed_by.get(edge) {
                    return Some(later);
                }
                let later_stage = self.stage.get(node).copied().flatten()? + 1;
                (edge == needed_by.len() && later_stage < stages).then_some(jobs + later_stage)
            }
            (Direction::After, Some(stage)) => {
                let further = usize::from(stage + 1 < stages);
                if edge < further {
                    return Some(node + 1);
                }
                let in_stage = self.waiting_on_stages.in_stages(stage, stage + 1);
                in_stage.get(edge - further).copied()
            }
        }
    }
}

/// Job indices grouped by stage: the jobs of stages `a..b` are one slice.
#[derive(Debug, Default)]
struct StageGroups {
    /// Job indices sorted by stage, then by index.
    jobs: Vec<usize>,
    /// Where each stage's jobs begin in `jobs`, with one more entry for the end.
    starts: Vec<usize>,
}

impl StageGroups {
    fn new(stages: usize, stage_of: impl Iterator<Item = Option<usize>>) -> Self {
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); stages];
        for (index, stage) in stage_of.enumerate() {
            if let Some(group) = stage.and_then(|s| groups.get_mut(s)) {
                group.push(index);
            }
        }
        let mut starts = Vec::with_capacity(stages + 1);
        let mut jobs = Vec::new();
        for group in groups {
            starts.push(jobs.len());
            jobs.extend(group);
        }
        starts.push(jobs.len());
        StageGroups { jobs, starts }
    }

    fn stage_count(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The jobs of stages `from..to`, grouped by stage.
    fn in_stages(&self, from: usize, to: usize) -> &[usize] {
        let start = self.starts.get(from).copied().unwrap_or(self.jobs.len());
        let end = self.starts.get(to).copied().unwrap_or(self.jobs.len());
        self.jobs.get(start..end).unwrap_or(&[])
    }
}

/// A set of job indices, one bit each.
pub(super) struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub(super) fn new(size: usize) -> Self {
        BitSet {
            words: vec![0; size.div_ceil(64)],
        }
    }

    /// Adds `index`; true if it was not there before.
    pub(super) fn insert(&mut self, index: usize) -> bool {
        let Some(word) = self.words.get_mut(index / 64) else {
            return false;
        };
        let bit = 1u64 << (index % 64);
        let added = *word & bit == 0;
        *word |= bit;
        added
    }

    fn contains(&self, index: usize) -> bool {
        self.words
            .get(index / 64)
            .is_some_and(|w| w & (1u64 << (index % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::testing::{ids, job, needed_by_definition, pipeline, shapes};

    #[test]
    fn what_a_job_waits_for_is_found_in_the_order_of_the_definition() {
        for pipeline in shapes() {
            let graph = pipeline.graph.get(&pipeline);
            for job in &pipeline.jobs {
                let expected = needed_by_definition(&pipeline, job);
                let found: Vec<&Job> = graph
                    .needed(&pipeline, job)
                    .into_iter()
                    .map(|i| &pipeline.jobs[i])
                    .collect();
                assert_eq!(ids(&found), ids(&expected), "{pipeline:?} / {}", job.id);
                assert!(
                    found
                        .iter()
                        .zip(&expected)
                        .all(|(a, b)| std::ptr::eq(*a, *b))
                );
            }
        }
    }

    #[test]
    fn what_waits_for_a_job_is_every_job_that_reaches_it() {
        for pipeline in shapes() {
            let graph = pipeline.graph.get(&pipeline);
            for job in &pipeline.jobs {
                let expected: Vec<usize> = (0..pipeline.jobs.len())
                    .filter(|&i| {
                        let other = &pipeline.jobs[i];
                        !std::ptr::eq(other, job)
                            && needed_by_definition(&pipeline, other)
                                .iter()
                                .any(|n| std::ptr::eq(*n, job))
                    })
                    .collect();
                assert_eq!(graph.downstream(&pipeline, job), expected, "{}", job.id);
            }
        }
    }

    #[test]
    fn a_job_outside_the_pipeline_is_read_against_its_jobs() {
        let pipeline = pipeline(
            CiSystem::GitlabCi,
            &["build", "test", "deploy"],
            vec![
                job("compile", Some("build"), &[]),
                job("unit", Some("test"), &[]),
            ],
        );
        let outsider = job("ship", Some("deploy"), &[]);
        let graph = pipeline.graph.get(&pipeline);
        assert_eq!(graph.needed(&pipeline, &outsider), vec![0, 1]);
        assert!(graph.downstream(&pipeline, &outsider).is_empty());
    }

    #[test]
    fn a_job_is_looked_up_by_the_first_of_its_id() {
        let mut first = job("lint", None, &[]);
        first.name = "first".to_string();
        let pipeline = pipeline(
            CiSystem::GithubActions,
            &[],
            vec![job("test", None, &[]), first, job("lint", None, &[])],
        );
        assert_eq!(pipeline.job("lint").map(|j| j.name.as_str()), Some("first"));
        assert!(pipeline.job("deploy").is_none());
    }
}
