//! The least of a value over every job a job waits for, or over every job that waits for it,
//! worked out for all the jobs of a pipeline at once.
//!
//! Walking what runs before each job on its own costs the jobs before it, so a pipeline of
//! thousands of jobs in a chain costs millions of steps. A job's answer is instead made from
//! the answers of the jobs it leads to, each computed once: the jobs are taken in the order
//! Tarjan's algorithm finishes their strongly connected components, so `needs` that form a
//! cycle (which the CI systems reject, but files can hold) are one component whose jobs all
//! reach each other.

use super::graph::{Direction, Graph};

/// A value that keeps the lesser of itself and another, such as the strongest place found for
/// a control. The default is what nothing found gives, and is never less than anything.
pub trait Least: Clone + Default {
    fn keep_least(&mut self, other: &Self);

    /// The value as seen from one job further away, for values that prefer nearer jobs.
    fn further(&self) -> Self;
}

const UNSEEN: usize = usize::MAX;

/// For every job, the least of `own` over the jobs `direction` leads to from it, directly or
/// through others, the job itself left out even where a cycle leads back to it. `own` holds
/// one value per job, in the pipeline's order; a job's value is taken [`Least::further`]
/// once for each job between.
///
/// In a cycle every job of the cycle counts as one step from the others, and what lies
/// beyond the cycle one step further than that: the distances are right wherever there is
/// no cycle.
pub(super) fn least_reached<V: Least>(graph: &Graph, direction: Direction, own: &[V]) -> Vec<V> {
    let jobs = own.len();
    let nodes = graph.node_count().max(jobs);
    let mut search = Search {
        order: vec![UNSEEN; nodes],
        low: vec![UNSEEN; nodes],
        component: vec![UNSEEN; nodes],
        open: Vec::new(),
        value: vec![V::default(); nodes],
        out: vec![V::default(); jobs],
        next_order: 0,
        components: 0,
    };
    // Each entry is a node being searched and the next of its edges to follow.
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for start in 0..nodes {
        if search.order[start] != UNSEEN {
            continue;
        }
        search.enter(start);
        calls.push((start, 0));
        while let Some(&mut (node, ref mut edge)) = calls.last_mut() {
            if let Some(next) = graph.successor(direction, node, *edge) {
                *edge += 1;
                if search.order[next] == UNSEEN {
                    search.enter(next);
                    calls.push((next, 0));
                } else if search.component[next] == UNSEEN {
                    search.low[node] = search.low[node].min(search.order[next]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                search.low[parent] = search.low[parent].min(search.low[node]);
            }
            if search.low[node] == search.order[node] {
                search.finish(graph, direction, own, node);
            }
        }
    }
    search.out
}

/// The state of one run of Tarjan's algorithm.
struct Search<V> {
    /// When each node was entered, `UNSEEN` before.
    order: Vec<usize>,
    /// The earliest entered node of the open ones each node's search has reached.
    low: Vec<usize>,
    /// The component each node belongs to, once it is finished.
    component: Vec<usize>,
    /// Nodes entered whose component is not finished, in the order entered.
    open: Vec<usize>,
    /// For each finished node, the least over itself and all it reaches.
    value: Vec<V>,
    /// For each job, the least over all it reaches without itself.
    out: Vec<V>,
    next_order: usize,
    components: usize,
}

impl<V: Least> Search<V> {
    fn enter(&mut self, node: usize) {
        self.order[node] = self.next_order;
        self.low[node] = self.next_order;
        self.next_order += 1;
        self.open.push(node);
    }

    /// Closes the component whose first entered node is `root`: every component it leads to
    /// is finished, so what lies beyond it is known, and each of its jobs reaches the others.
    fn finish(&mut self, graph: &Graph, direction: Direction, own: &[V], root: usize) {
        let Some(start) = self.open.iter().rposition(|&n| n == root) else {
            return;
        };
        let members = self.open.split_off(start);
        let id = self.components;
        self.components += 1;
        for &member in &members {
            self.component[member] = id;
        }
        let jobs = own.len();
        let own_of = |node: usize| own.get(node).cloned().unwrap_or_default();
        // Leaving a job is one step; a stage node stands for jobs at the step it is reached.
        let mut beyond = V::default();
        for &member in &members {
            let mut edge = 0;
            while let Some(next) = graph.successor(direction, member, edge) {
                edge += 1;
                if self.component[next] == id {
                    continue;
                }
                if member < jobs && members.len() == 1 {
                    beyond.keep_least(&self.value[next].further());
                } else {
                    beyond.keep_least(&self.value[next]);
                }
            }
        }
        if let [member] = members[..] {
            let own = own_of(member);
            if let Some(out) = self.out.get_mut(member) {
                *out = beyond.clone();
            }
            beyond.keep_least(&own);
            self.value[member] = beyond;
            return;
        }
        // Each member reaches every other: the least of the others' own values, from the
        // members before it and those after it, all one step away, and what lies beyond.
        let beyond = beyond.further();
        let mut after = vec![V::default(); members.len() + 1];
        for (index, &member) in members.iter().enumerate().rev() {
            let mut least = after[index + 1].clone();
            least.keep_least(&own_of(member).further());
            after[index] = least;
        }
        let mut before = V::default();
        for (index, &member) in members.iter().enumerate() {
            let mut others = beyond.clone();
            others.keep_least(&before);
            others.keep_least(&after[index + 1]);
            let own = own_of(member);
            before.keep_least(&own.further());
            if let Some(out) = self.out.get_mut(member) {
                *out = others.clone();
            }
            others.keep_least(&own);
            self.value[member] = others;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::testing::{needed_by_definition, shapes, waits_for_by_definition};
    use crate::pipeline::{Job, Pipeline};

    /// The least index among some jobs, wherever they are.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct First(Option<usize>);

    impl Least for First {
        fn keep_least(&mut self, other: &Self) {
            if let Some(theirs) = other.0 {
                self.0 = Some(self.0.map_or(theirs, |mine| mine.min(theirs)));
            }
        }

        fn further(&self) -> Self {
            self.clone()
        }
    }

    /// The nearest of some jobs, then the least index.
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Nearest(Option<(usize, usize)>);

    impl Least for Nearest {
        fn keep_least(&mut self, other: &Self) {
            if let Some(theirs) = other.0 {
                self.0 = Some(self.0.map_or(theirs, |mine| mine.min(theirs)));
            }
        }

        fn further(&self) -> Self {
            Nearest(self.0.map(|(distance, index)| (distance + 1, index)))
        }
    }

    fn index_of(pipeline: &Pipeline, job: &Job) -> usize {
        (pipeline.jobs.iter())
            .position(|j| std::ptr::eq(j, job))
            .unwrap_or(usize::MAX)
    }

    /// Every third job, and the last, counts.
    fn counts(index: usize, jobs: usize) -> bool {
        index % 3 == 1 || index + 1 == jobs
    }

    #[test]
    fn the_least_over_what_a_job_waits_for_and_what_waits_for_it_follows_the_definition() {
        for pipeline in shapes() {
            let jobs = pipeline.jobs.len();
            let own: Vec<First> = (0..jobs)
                .map(|i| First(counts(i, jobs).then_some(i)))
                .collect();
            let graph = pipeline.graph.get(&pipeline);
            let before = least_reached(graph, Direction::Before, &own);
            let after = least_reached(graph, Direction::After, &own);
            for (index, job) in pipeline.jobs.iter().enumerate() {
                let needed = needed_by_definition(&pipeline, job);
                let expected = (needed.iter())
                    .map(|j| index_of(&pipeline, j))
                    .filter(|&i| counts(i, jobs))
                    .min();
                assert_eq!(before[index], First(expected), "{pipeline:?} / {index}");
                let expected = (0..jobs)
                    .filter(|&i| i != index && counts(i, jobs))
                    .find(|&i| {
                        let waiting = needed_by_definition(&pipeline, &pipeline.jobs[i]);
                        waiting.iter().any(|j| std::ptr::eq(*j, job))
                    });
                assert_eq!(after[index], First(expected), "{pipeline:?} / {index}");
            }
        }
    }

    /// Without cycles, the nearest job found is the nearest by a breadth-first walk of the
    /// definition, however many stages stand between.
    #[test]
    fn the_nearest_job_a_job_waits_for_is_counted_in_jobs_between() {
        let mut checked = 0;
        for pipeline in shapes() {
            let jobs = pipeline.jobs.len();
            let distances: Vec<Vec<Option<usize>>> = (pipeline.jobs.iter())
                .map(|job| breadth_first(&pipeline, job))
                .collect();
            let cyclic = (0..jobs).any(|i| distances[i][i].is_some());
            if cyclic {
                continue;
            }
            let own: Vec<Nearest> = (0..jobs)
                .map(|i| Nearest(counts(i, jobs).then_some((0, i))))
                .collect();
            let found = least_reached(pipeline.graph.get(&pipeline), Direction::Before, &own);
            for (index, row) in distances.iter().enumerate() {
                let expected = (row.iter().enumerate())
                    .filter(|&(i, _)| counts(i, jobs))
                    .filter_map(|(i, distance)| Some(((*distance)?, i)))
                    .min();
                assert_eq!(found[index], Nearest(expected), "{pipeline:?} / {index}");
            }
            checked += 1;
        }
        assert!(checked > 100, "{checked}");
    }

    /// How many jobs from `job` each job is, by the definition: 1 for what it waits for
    /// directly, and for `job` itself only if a cycle leads back to it.
    fn breadth_first(pipeline: &Pipeline, job: &Job) -> Vec<Option<usize>> {
        let mut distances = vec![None; pipeline.jobs.len()];
        let mut current = vec![job];
        let mut distance = 0;
        while !current.is_empty() {
            distance += 1;
            let mut next = Vec::new();
            for job in current {
                for earlier in waits_for_by_definition(pipeline, job) {
                    let index = index_of(pipeline, earlier);
                    if distances[index].is_none() {
                        distances[index] = Some(distance);
                        next.push(earlier);
                    }
                }
            }
            current = next;
        }
        distances
    }
}
