//! AUT-11: whether pipelines are fast and tidy on all four counts the practice names —
//! dependency caching, job timeouts, cancelling superseded runs, and work run in parallel —
//! rather than on any one of them.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::{evidence, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::pipeline::{Job, Step};

/// The four counts, in the order the reason names the missing ones.
const ASPECTS: [&str; 4] = [
    "dependency caching",
    "job timeouts",
    "cancellation of superseded runs",
    "parallel jobs",
];

/// Inputs of setup actions that cache what they install (`ruby/setup-ruby`'s
/// `bundler-cache: true`, `astral-sh/setup-uv`'s `enable-cache: true`, `actions/setup-node`'s
/// `cache: npm`).
fn caches(name: &str, value: &str) -> bool {
    match name {
        "bundler-cache" | "enable-cache" | "cache" => {
            !value.is_empty() && !matches!(value, "false" | "''" | "\"\"")
        }
        _ => false,
    }
}

/// Setup actions that cache by default from a major version on: `actions/setup-go` from v4,
/// `astral-sh/setup-uv` from v6 (on GitHub's runners).
const CACHING_BY_DEFAULT: &[(&str, u32)] = &[("actions/setup-go", 4), ("astral-sh/setup-uv", 6)];

/// The action a step uses when that action caches by default at the version the step pins
/// (the `@v5` ref, or the `# v5.0.1` comment after a commit pin) and the step does not turn
/// caching off.
fn caches_by_default(facts: &Facts, step: &Step) -> Option<&'static str> {
    let uses = step.uses.as_deref()?;
    let &(action, since) = CACHING_BY_DEFAULT.iter().find(|(a, _)| *a == uses)?;
    if (step.inputs.iter())
        .any(|i| matches!(i.name.as_str(), "cache" | "enable-cache") && i.value.trim() == "false")
    {
        return None;
    }
    let reference = step.uses_ref.as_deref()?.split_once('@')?.1;
    let (major, _) =
        crate::findings::action_version(Some(reference), &facts.snippet(&step.location))?;
    (major >= since).then_some(action)
}

pub fn pipeline_efficiency(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    if facts.pipelines.pipelines.is_empty() {
        return None;
    }
    let mut found: [Option<Evidence>; 4] = Default::default();
    for signal in signals {
        let text = signal.snippet.to_ascii_lowercase();
        let aspect = if text.contains("timeout") {
            1
        } else if text.contains("cancel-in-progress") || text.contains("interruptible") {
            2
        } else if text.contains("cache") {
            0
        } else {
            continue;
        };
        // Each signal shows one of the four in place; what is missing is the verdict's reason.
        found[aspect].get_or_insert_with(|| Evidence {
            state: State::Present,
            reason: None,
            ..signal.clone()
        });
    }
    if found[0].is_none()
        && let Some(input) = (facts.pipelines.steps())
            .flat_map(|(_, _, step)| step.inputs.iter())
            .find(|input| caches(&input.name, input.value.trim()))
    {
        found[0] = Some(evidence(
            facts,
            State::Present,
            input.location.clone(),
            format!(
                "`{}: {}` caches what the setup step installs",
                input.name, input.value
            ),
            None,
        ));
    }
    if found[0].is_none()
        && let Some((step, action)) = (facts.pipelines.steps())
            .find_map(|(_, _, step)| caches_by_default(facts, step).map(|a| (step, a)))
    {
        found[0] = Some(evidence(
            facts,
            State::Present,
            step.location.clone(),
            format!("{action} caches what it installs unless told not to"),
            None,
        ));
    }
    if found[1].is_none()
        && let Some((_, job)) = facts.pipelines.jobs().find(|(_, job)| job.has_timeout)
    {
        found[1] = Some(evidence(
            facts,
            State::Present,
            job.location.clone(),
            format!("job {} of {} has a timeout", job.id, job.location.path),
            None,
        ));
    }
    found[3] = parallel_work(facts);
    let missing: Vec<&str> = (ASPECTS.iter().zip(&found))
        .filter(|(_, f)| f.is_none())
        .map(|(aspect, _)| *aspect)
        .collect();
    if missing.len() == ASPECTS.len() {
        return None;
    }
    let evidence: Vec<Evidence> = found.into_iter().flatten().collect();
    if missing.is_empty() {
        return verdict(State::Present, None, evidence);
    }
    verdict(
        State::Partial,
        Some(format!("no {}", join_or(&missing))),
        evidence,
    )
}

/// Work that runs side by side: a job whose matrix runs two or more variants, two workflows
/// that each pull request starts, or two jobs of one pipeline (of one GitLab stage) that wait
/// for no other job, so both start at once.
fn parallel_work(facts: &Facts) -> Option<Evidence> {
    if let Some(axis) = (facts.pipelines.jobs())
        .flat_map(|(_, job)| job.matrix.iter())
        .find(|axis| axis.values >= 2)
    {
        return Some(evidence(
            facts,
            State::Present,
            axis.location.clone(),
            format!(
                "the matrix runs {} variants of `{}` in parallel",
                axis.values, axis.name
            ),
            None,
        ));
    }
    // Workflows that a pull request starts run side by side.
    let mut on_pull_requests = (facts.pipelines.pipelines.iter()).filter(|p| {
        p.triggers.pull_request
            && (p.jobs.iter()).any(|j| j.steps.iter().any(|s| !s.commands.is_empty()))
    });
    if let (Some(first), Some(second)) = (on_pull_requests.next(), on_pull_requests.next()) {
        return Some(evidence(
            facts,
            State::Present,
            (second.triggers.declared_at("pull_request").cloned())
                .unwrap_or_else(|| crate::source::Location::file(&second.path)),
            format!(
                "{} and {} both run on each pull request, side by side",
                first.path, second.path
            ),
            None,
        ));
    }
    for pipeline in &facts.pipelines.pipelines {
        let mut first_by_stage: HashMap<Option<&str>, &Job> = HashMap::new();
        let starting = (pipeline.jobs.iter())
            .filter(|job| job.needs.is_empty() && job.steps.iter().any(|s| !s.commands.is_empty()));
        for job in starting {
            match first_by_stage.entry(job.stage.as_deref()) {
                Entry::Vacant(slot) => {
                    slot.insert(job);
                }
                Entry::Occupied(first) => {
                    return Some(evidence(
                        facts,
                        State::Present,
                        job.location.clone(),
                        format!(
                            "jobs {} and {} of {} start together and run in parallel",
                            first.get().id,
                            job.id,
                            pipeline.path
                        ),
                        None,
                    ));
                }
            }
        }
    }
    None
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
