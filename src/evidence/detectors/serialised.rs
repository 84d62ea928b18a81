//! Serialised deploys: whether two runs of a deploy can go out side by side.

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::pipeline::{Job, Pipeline, Scope, is_simulated, job_scope};

/// A deploy job with its pipeline.
type Deploy<'f> = (&'f Pipeline, &'f Job);

/// Production deploys that can run twice at once: neither the workflow nor the job sets a
/// `concurrency:` group (GitLab: a `resource_group:`). Two quick pushes then deploy, and
/// migrate, side by side. A deploy in a group that cancels the run in flight
/// (`cancel-in-progress: true`) can stop half-way. A repository with no production deploy is
/// judged on the deploys it has to staging and previews; a test deploy (`deploy:internal`) is
/// no environment's.
pub fn serialised_deploys(facts: &Facts) -> Option<Verdict> {
    let production = facts.production_deploys();
    let (deploys, to) = if production.is_empty() {
        let real = (facts.deploys().into_iter())
            .filter(|(p, j)| !is_simulated(j) && job_scope(p, j) != Scope::Internal)
            .collect();
        (real, "")
    } else {
        (production, " to production")
    };
    if deploys.is_empty() {
        return None;
    }
    let name = |(p, j): &(&Pipeline, &Job)| format!("job {} in {}", j.id, p.path);
    let (grouped, open): (Vec<Deploy>, Vec<Deploy>) = deploys
        .iter()
        .partition(|(p, j)| p.has_concurrency || j.serialised);
    // A new run that cancels the one in flight can stop a deploy half-way.
    let cancels = |p: &Pipeline| {
        (facts.inventory.get(&p.path))
            .and_then(|f| f.text.as_deref())
            .is_some_and(|t| {
                t.lines().any(|l| {
                    let l = l.trim();
                    !l.starts_with('#')
                        && l.strip_prefix("cancel-in-progress:")
                            .is_some_and(|v| v.trim().starts_with("true"))
                })
            })
    };
    let cancelling: Vec<String> = (grouped.iter())
        .filter(|(p, _)| cancels(p))
        .map(name)
        .collect();
    let mut found: Vec<Evidence> = (open.iter().take(5))
        .map(|d| {
            evidence(
                facts,
                State::Absent,
                d.1.location.clone(),
                format!("{} deploys without a concurrency group", name(d)),
                None,
            )
        })
        .collect();
    found.extend(grouped.iter().take(5).map(|d| {
        let (state, summary) = if cancels(d.0) {
            (
                State::Partial,
                format!(
                    "{} runs in a concurrency group that cancels the run in flight",
                    name(d)
                ),
            )
        } else {
            (
                State::Present,
                format!("{} runs in a concurrency group", name(d)),
            )
        };
        evidence(facts, state, group_at(facts, d.0, d.1), summary, None)
    }));
    let mut reasons = Vec::new();
    if !open.is_empty() {
        let names: Vec<String> = open.iter().map(name).collect();
        let verb = if names.len() == 1 {
            "deploys"
        } else {
            "deploy"
        };
        reasons.push(format!(
            "{} {verb}{to} without a concurrency group, so two runs can deploy (and migrate) at the same time",
            examples(&names, 3)
        ));
    }
    if !cancelling.is_empty() {
        reasons.push(format!(
            "{} {} a deploy in flight when a new run starts (cancel-in-progress: true)",
            examples(&cancelling, 3),
            if cancelling.len() == 1 {
                "cancels"
            } else {
                "cancel"
            }
        ));
    }
    let state = if grouped.is_empty() {
        State::Absent
    } else if reasons.is_empty() {
        State::Present
    } else {
        State::Partial
    };
    verdict(
        state,
        (!reasons.is_empty()).then(|| reasons.join("; ")),
        found,
    )
}

/// Where a serialised job's group is set: its own `concurrency:` (GitLab `resource_group:`)
/// below its key, else its workflow's `concurrency:`, else the job itself (the key may come
/// from a template).
fn group_at(facts: &Facts, pipeline: &Pipeline, job: &Job) -> crate::source::Location {
    let Some(text) = (facts.inventory.get(&pipeline.path)).and_then(|f| f.text.as_deref()) else {
        return job.location.clone();
    };
    let key = |line: &str, keys: &[&str]| keys.iter().any(|k| line.starts_with(k));
    let at = |(index, line): (usize, &str)| {
        let column = line.len() - line.trim_start().len();
        crate::source::Location::line(
            &pipeline.path,
            index + 1,
            column + 1,
            line.trim_end().len() + 1,
        )
    };
    let own = job.serialised && job.location.path == pipeline.path;
    let found = if own {
        // The job's own keys are indented further than its name, up to the next job.
        let indent = |line: &str| line.len() - line.trim_start().len();
        let lines: Vec<&str> = text.lines().collect();
        let first = job.location.line;
        let depth = lines.get(first.saturating_sub(1)).map_or(0, |l| indent(l));
        (lines.iter().enumerate().skip(first))
            .take_while(|(_, l)| {
                l.trim().is_empty() || l.trim_start().starts_with('#') || indent(l) > depth
            })
            .find(|(_, l)| key(l.trim_start(), &["concurrency:", "resource_group:"]))
            .map(|(index, line)| at((index, line)))
    } else {
        (text.lines().enumerate())
            .find(|(_, l)| key(l, &["concurrency:"]))
            .map(at)
    };
    found.unwrap_or_else(|| job.location.clone())
}
