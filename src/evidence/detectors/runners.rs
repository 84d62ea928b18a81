//! When and where jobs run: scheduled pipelines that rescan or rebuild, and jobs on
//! self-hosted runners.

use std::sync::LazyLock;

use regex::Regex;

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::pipeline::{CiSystem, Job, Pipeline, Step};
use crate::source::Location;

/// Practices whose steps, run on a schedule, find new vulnerabilities in unchanged code:
/// secret scanning, SAST, dependency and container scanning.
const RESCANS: &[&str] = &["SEC-01", "SEC-04", "SEC-05", "SEC-06", "SEC-12"];

/// An image build: run on a schedule, it picks up the base image's security fixes.
static IMAGE_BUILD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(docker|podman)\s+(buildx\s+)?build\b|\bbuildah\s+(bud|build)\b|\bko\s+(build|publish)\b").ok()
});

/// What a step rescans or rebuilds, with the index of the command that does it: a scanner of
/// one of the `rescan` practices, CodeQL (no merge gate, so no SAST practice, but a rescan all
/// the same) or an image build.
fn rescan_in<'f>(
    facts: &'f Facts,
    rescan: &[usize],
    step: &Step,
) -> Option<(&'f str, Option<usize>)> {
    let uses = step.uses.as_deref().unwrap_or("");
    if let Some((practice, command)) = facts
        .step_practices(step)
        .iter()
        .find(|(practice, _)| rescan.contains(practice))
    {
        return Some((facts.catalog.practices[*practice].title.as_str(), *command));
    }
    if uses.starts_with("github/codeql-action/analyze") {
        return Some(("CodeQL analysis", None));
    }
    if uses.starts_with("docker/build-push-action") {
        return Some(("An image build", None));
    }
    let build = IMAGE_BUILD.as_ref()?;
    step.commands
        .iter()
        .position(|c| build.is_match(&c.text))
        .map(|command| ("An image build", Some(command)))
}

/// A scheduled pipeline that rescans or rebuilds earns full credit; schedules that only do
/// housekeeping (stale issues, link checks) earn partial credit, and the reason names them.
pub fn scheduled_rescan(facts: &Facts) -> Option<Verdict> {
    let rescan: Vec<usize> = RESCANS
        .iter()
        .filter_map(|id| facts.catalog.practices.iter().position(|p| p.id == *id))
        .collect();
    let scheduled: Vec<&Pipeline> = facts
        .pipelines
        .pipelines
        .iter()
        .filter(|p| p.triggers.schedule || p.jobs.iter().any(|j| j.schedule_only))
        .collect();
    if scheduled.is_empty() {
        return None;
    }
    // The first step of each job that rescans or rebuilds.
    let found: Vec<_> = scheduled
        .iter()
        .flat_map(|pipeline| pipeline.jobs.iter().map(move |job| (pipeline, job)))
        .filter_map(|(pipeline, job)| {
            job.steps.iter().find_map(|step| {
                let (what, command) = rescan_in(facts, &rescan, step)?;
                let location = command
                    .and_then(|c| step.commands.get(c))
                    .map_or_else(|| step.location.clone(), |c| c.location.clone());
                Some(evidence(
                    facts,
                    State::Present,
                    location,
                    format!("{what} runs on a schedule in {}", pipeline.path),
                    None,
                ))
            })
        })
        .take(5)
        .collect();
    if !found.is_empty() {
        return verdict(State::Present, None, found);
    }
    let names: Vec<String> = scheduled.iter().map(|p| p.path.clone()).collect();
    let cited = scheduled
        .iter()
        .take(5)
        .map(|p| {
            let location = p
                .triggers
                .location
                .clone()
                .unwrap_or_else(|| Location::file(&p.path));
            evidence(
                facts,
                State::Partial,
                location,
                format!("{} runs on a schedule", p.path),
                None,
            )
        })
        .collect();
    verdict(
        State::Partial,
        Some(if names.len() == 1 {
            format!(
                "{} runs on a schedule, but it neither rebuilds an image nor re-runs a vulnerability scan",
                names[0]
            )
        } else {
            format!(
                "{} run on a schedule, but none of them rebuilds an image or re-runs a vulnerability scan",
                examples(&names, 3)
            )
        }),
        cited,
    )
}

/// Jobs on `self-hosted` runners: whether those runners are discarded after each job is set up
/// outside the repository, so a hosted runner elsewhere does not make up for them. Without
/// self-hosted jobs the catalog's signals decide.
pub fn ephemeral_runners(facts: &Facts) -> Option<Verdict> {
    let jobs: Vec<(&Pipeline, &Job)> = facts
        .pipelines
        .pipelines
        .iter()
        .filter(|p| p.system == CiSystem::GithubActions)
        .flat_map(|p| p.jobs.iter().map(move |j| (p, j)))
        .filter(|(_, j)| j.self_hosted)
        .collect();
    if jobs.is_empty() {
        return None;
    }
    let names: Vec<String> = jobs
        .iter()
        .map(|(p, j)| format!("job {} in {}", j.id, p.path))
        .collect();
    let found = jobs
        .iter()
        .take(5)
        .map(|(p, j)| {
            evidence(
                facts,
                State::Partial,
                j.location.clone(),
                format!("job {} in {} runs on a self-hosted runner", j.id, p.path),
                None,
            )
        })
        .collect();
    let deploys = jobs
        .iter()
        .filter(|(_, j)| crate::pipeline::is_deploy_job(j))
        .count();
    let reason = if names.len() == 1 {
        let stakes = if deploys > 0 {
            "; the job deploys, so a runner that keeps state between jobs holds its credentials"
        } else {
            ""
        };
        format!(
            "{} runs on a self-hosted runner; whether that runner is discarded after each job is set up outside the repository{stakes}",
            names[0]
        )
    } else {
        let stakes = if deploys > 0 {
            format!(
                "; {deploys} of them deploy, so a runner that keeps state between jobs holds their credentials"
            )
        } else {
            String::new()
        };
        format!(
            "{} run on self-hosted runners; whether they are discarded after each job is set up outside the repository{stakes}",
            examples(&names, 3)
        )
    };
    verdict(State::Partial, Some(reason), found)
}

/// Per-pull-request environments built by the project's own workflows: a pull-request
/// workflow whose job deploys a preview, review or test environment, and a workflow that
/// tears it down when the pull request closes. Platform previews (Vercel, Netlify, GitLab
/// review apps) stay with the catalog's signals.
pub fn preview_environments(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    // A job's id, name and environment, its workflow's file name, and the pull request's
    // number where its commands use it (`--namespace pr${PR_NUMBER}`) as "pull request".
    let words = |p: &Pipeline, j: &Job, extended: bool| {
        let environment = j.environment.as_ref().map_or("", |(e, _)| e.as_str());
        if !extended {
            return format!("{} {} {}", j.id, j.name, environment).to_ascii_lowercase();
        }
        let file = p.path.rsplit('/').next().unwrap_or(&p.path);
        let numbered = (j.steps.iter()).flat_map(|s| s.commands.iter()).any(|c| {
            let t = c.text.to_ascii_lowercase();
            [
                "pr_number",
                "github.event.number",
                "pull_request.number",
                "pull_requests[0].number",
            ]
            .iter()
            .any(|w| t.contains(w))
        });
        let numbered = if numbered { " pull request" } else { "" };
        format!("{} {} {} {}{}", j.id, j.name, environment, file, numbered).to_ascii_lowercase()
    };
    let per_request = |text: &str| {
        [
            "preview",
            "review",
            "ephemeral",
            "test env",
            "testenv",
            "pull request",
            "pr-",
        ]
        .iter()
        .any(|w| text.contains(w))
    };
    let on_pull_request: Vec<(&Pipeline, &Job)> = facts
        .pipelines
        .jobs()
        .filter(|(p, _)| p.triggers.pull_request || p.triggers.pull_request_target)
        .collect();
    let removes = |text: &str| {
        [
            "cleanup",
            "clean-up",
            "teardown",
            "tear down",
            "destroy",
            "remove",
            "delete",
        ]
        .iter()
        .any(|w| text.contains(w))
    };
    // Jobs named for what they do first; then those whose workflow or commands say it.
    let deploys = |extended: bool| {
        on_pull_request.iter().find(|(p, j)| {
            let text = words(p, j, extended);
            text.contains("deploy") && per_request(&text) && !removes(&text)
        })
    };
    let deploy = deploys(false).or_else(|| deploys(true))?;
    if signals.iter().any(|e| e.state == State::Present) {
        return None;
    }
    let teardowns = |extended: bool| {
        on_pull_request.iter().find(|(p, j)| {
            let text = words(p, j, extended);
            removes(&text)
                && per_request(&text)
                && facts
                    .inventory
                    .get(&p.path)
                    .and_then(|f| f.text.as_deref())
                    .is_some_and(|t| t.contains("closed"))
        })
    };
    let teardown = teardowns(false).or_else(|| teardowns(true));
    let (p, j) = deploy;
    // Vercel and Netlify keep one immutable preview per commit and manage its lifetime.
    let platform = j.steps.iter().any(|s| {
        s.uses
            .iter()
            .chain(s.commands.iter().map(|c| &c.text))
            .any(|t| {
                let t = t.to_ascii_lowercase();
                t.contains("vercel") || t.contains("netlify")
            })
    });
    if platform {
        let summary = format!(
            "job {} of {} publishes a Vercel or Netlify preview for each pull request; the platform keeps and expires it",
            j.id, p.path
        );
        let e = evidence(facts, State::Present, j.location.clone(), summary, None);
        return verdict(State::Present, None, vec![e]);
    }
    let mut found = vec![evidence(
        facts,
        State::Present,
        j.location.clone(),
        format!(
            "job {} of {} deploys an environment for a pull request",
            j.id, p.path
        ),
        None,
    )];
    let Some((tp, tj)) = teardown else {
        let reason = format!(
            "job {} of {} deploys an environment per pull request, but no workflow removes it when the pull request closes",
            j.id, p.path
        );
        found[0].state = State::Partial;
        return verdict(State::Partial, Some(reason), found);
    };
    found.push(evidence(
        facts,
        State::Present,
        tj.location.clone(),
        format!(
            "job {} of {} removes it when the pull request closes",
            tj.id, tp.path
        ),
        None,
    ));
    verdict(State::Present, None, found)
}
