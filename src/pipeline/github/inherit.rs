//! Triggers a workflow takes from others: a workflow started by another's completion
//! (`workflow_run`), and a reusable workflow called by others (`workflow_call`), run on what
//! starts those.

use std::collections::HashMap;

use crate::pipeline::{Pipeline, Triggers};

/// A workflow started by another's completion (`workflow_run`) runs after every run of that
/// workflow, so on whatever starts it: a coverage upload after the pull-request tests runs for
/// every pull request. Chains are followed a few links deep.
///
/// Workflows are grouped by name and path once per link, so each workflow looks up the ones it
/// follows instead of passing over every workflow (thousands of workflows sharing one name
/// would otherwise take seconds).
pub fn inherit_workflow_run_triggers(pipelines: &mut [Pipeline]) {
    for _ in 0..3 {
        let mut by_workflow: HashMap<String, NamedWorkflows> = HashMap::new();
        for source in pipelines.iter() {
            let events = EventCounts::of(&source.triggers);
            by_workflow
                .entry(source.name.clone())
                .or_default()
                .add(&source.path, events);
            if source.path != source.name {
                by_workflow
                    .entry(source.path.clone())
                    .or_default()
                    .add(&source.path, events);
            }
        }
        let mut changed = false;
        for pipeline in pipelines.iter_mut() {
            let mut followed = EventCounts::default();
            for workflow in &pipeline.triggers.after_workflows {
                if let Some(named) = by_workflow.get(workflow) {
                    followed = followed.plus(named.except(&pipeline.path));
                }
            }
            if followed == EventCounts::default() {
                continue;
            }
            if pipeline.triggers.after_branches_only {
                followed.pull_request = 0;
                followed.pull_request_target = 0;
                followed.merge_group = 0;
            }
            let before = EventCounts::of(&pipeline.triggers);
            pipeline.triggers.merge(&followed.as_triggers());
            changed |= EventCounts::of(&pipeline.triggers) != before;
        }
        if !changed {
            break;
        }
    }
}

/// A workflow that only runs when called (`workflow_call`) runs on whatever starts its callers.
pub fn inherit_caller_triggers(pipelines: &mut [Pipeline]) {
    let mut callers: HashMap<String, EventCounts> = HashMap::new();
    for caller in pipelines.iter() {
        let events = EventCounts::of(&caller.triggers);
        for target in caller
            .jobs
            .iter()
            .filter_map(|j| j.calls.as_deref()?.strip_prefix("./"))
        {
            let counts = callers.entry(target.to_string()).or_default();
            *counts = counts.plus(events);
        }
    }
    for pipeline in pipelines.iter_mut().filter(|p| p.triggers.call) {
        if let Some(events) = callers.get(&pipeline.path) {
            pipeline.triggers.merge(&events.as_triggers());
        }
    }
}

/// The workflows answering to one name (or path), counted whole and by file, so that all of
/// them but a workflow's own file can be merged at once.
#[derive(Default)]
struct NamedWorkflows {
    all: EventCounts,
    by_path: HashMap<String, EventCounts>,
}

impl NamedWorkflows {
    fn add(&mut self, path: &str, events: EventCounts) {
        self.all = self.all.plus(events);
        let of_path = self.by_path.entry(path.to_string()).or_default();
        *of_path = of_path.plus(events);
    }

    /// The events of every workflow but those in the file `path`.
    fn except(&self, path: &str) -> EventCounts {
        match self.by_path.get(path) {
            Some(own) => self.all.minus(*own),
            None => self.all,
        }
    }
}

/// How many of a set of workflows run on each event that [`Triggers::merge`] carries over.
/// Merging is an OR of events (and an AND of "pushes only tags" over the workflows that push),
/// so merging a set's counts gives what merging its workflows one by one gives, and counts can
/// be subtracted where an OR cannot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct EventCounts {
    pull_request: usize,
    pull_request_target: usize,
    push: usize,
    /// Workflows running on pushes of branches, not only of tags.
    push_branches: usize,
    merge_group: usize,
    schedule: usize,
    manual: usize,
    release: usize,
}

impl EventCounts {
    fn of(triggers: &Triggers) -> EventCounts {
        let one = |flag: bool| usize::from(flag);
        EventCounts {
            pull_request: one(triggers.pull_request),
            pull_request_target: one(triggers.pull_request_target),
            push: one(triggers.push),
            push_branches: one(triggers.push && !triggers.tags_only),
            merge_group: one(triggers.merge_group),
            schedule: one(triggers.schedule),
            manual: one(triggers.manual),
            release: one(triggers.release),
        }
    }

    fn plus(self, other: EventCounts) -> EventCounts {
        self.combine(other, usize::saturating_add)
    }

    fn minus(self, other: EventCounts) -> EventCounts {
        self.combine(other, usize::saturating_sub)
    }

    fn combine(self, other: EventCounts, op: fn(usize, usize) -> usize) -> EventCounts {
        EventCounts {
            pull_request: op(self.pull_request, other.pull_request),
            pull_request_target: op(self.pull_request_target, other.pull_request_target),
            push: op(self.push, other.push),
            push_branches: op(self.push_branches, other.push_branches),
            merge_group: op(self.merge_group, other.merge_group),
            schedule: op(self.schedule, other.schedule),
            manual: op(self.manual, other.manual),
            release: op(self.release, other.release),
        }
    }

    /// Triggers that merge like every counted workflow merged in turn.
    fn as_triggers(&self) -> Triggers {
        Triggers {
            pull_request: self.pull_request > 0,
            pull_request_target: self.pull_request_target > 0,
            push: self.push > 0,
            tags_only: self.push > 0 && self.push_branches == 0,
            merge_group: self.merge_group > 0,
            schedule: self.schedule > 0,
            manual: self.manual > 0,
            release: self.release > 0,
            ..Triggers::default()
        }
    }
}
