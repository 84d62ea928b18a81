//! Post-deployment verification: what a deploy job checks after its deploy step.

use std::sync::LazyLock;

use regex::Regex;

use super::{evidence, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};

/// Checks a deploy job makes after its deploy step: a step named for a smoke test or a
/// post-deploy check that can fail the job is verification; waiting for the rollout
/// (`kubectl rollout status`, `kubectl wait --for=condition=available`) checks only that
/// the pods became ready.
pub fn post_deploy_checks(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    static SMOKE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"(?i)\bsmoke\b|smoke[\s_-]?tests?|post[\s_-]?deploy(ment)?[\s_-]?(check|test|verif)|verify[\s_-]+(the[\s_-]+)?deploy").ok()
    });
    static ROLLOUT_WAIT: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"\bkubectl\s+(rollout\s+status\b|wait\b.*--for[=\s]+condition=(available|ready)\b)",
        )
        .ok()
    });
    if signals.iter().any(|e| e.state == State::Present) {
        return None;
    }
    let (smoke, rollout_wait) = (SMOKE.as_ref()?, ROLLOUT_WAIT.as_ref()?);
    let mut smokes = Vec::new();
    let mut waits = Vec::new();
    for (pipeline, job) in facts.pipelines.jobs() {
        if !crate::pipeline::is_deploy_job(job) {
            continue;
        }
        let Some(deploy) = crate::pipeline::deploying_step(job) else {
            continue;
        };
        for step in job.steps.iter().skip(deploy + 1) {
            if step.non_blocking || step.commands.is_empty() {
                continue;
            }
            let name = step.name.as_deref().unwrap_or("");
            if smoke.is_match(name) {
                // Cited where it fails the job, when it says so.
                let fails = (step.commands.iter().rev())
                    .find(|c| c.text.contains("exit 1") || c.text.contains("exit 2"))
                    .map_or(&step.location, |c| &c.location);
                smokes.push(evidence(
                    facts,
                    State::Present,
                    fails.clone(),
                    format!(
                        "step `{name}` checks the deploy of job {} in {}",
                        job.id, pipeline.path
                    ),
                    None,
                ));
            } else if let Some(command) = step
                .commands
                .iter()
                .find(|c| rollout_wait.is_match(&c.text))
            {
                waits.push(evidence(
                    facts,
                    State::Partial,
                    command.location.clone(),
                    format!(
                        "job {} in {} waits for its rollout to become available",
                        job.id, pipeline.path
                    ),
                    None,
                ));
            }
        }
    }
    let mut found: Vec<Evidence> = smokes.iter().chain(&waits).take(6).cloned().collect();
    found.extend(signals.iter().cloned());
    if !smokes.is_empty() {
        return verdict(State::Present, None, found);
    }
    if !waits.is_empty() {
        let reason = "deploys wait for the rollout to become available, but nothing checks what it serves (no smoke test or health request after the deploy)".to_string();
        return verdict(State::Partial, Some(reason), found);
    }
    None
}
