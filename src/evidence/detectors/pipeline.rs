//! Detectors over the pipeline model: CI exists, runs on change, is pinned and least
//! privileged.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::RegexSet;

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::pipeline::{CiSystem, Job, Pipeline};
use crate::source::Location;

static TEST_COMMANDS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bpytest\b",
        r"(?i)\b(npm|pnpm|yarn|bun)\s+(run\s+)?test",
        r"(?i)\bjest\b",
        r"(?i)\bvitest\b",
        r"(?i)\bgo\s+test\b",
        r"(?i)\bcargo\s+(test|nextest)\b",
        r"(?i)\bmvn\b.*\b(test|verify)\b",
        r"(?i)\bgradlew?\b.*\b(test|check)\b",
        r"(?i)\btox\b",
        r"(?i)\bnox\b",
        r"(?i)\bmake\s+(test|check)\b",
        r"(?i)\brspec\b",
        r"(?i)\brails\s+test\b",
        r"(?i)\bphpunit\b",
        r"(?i)\bdotnet\s+test\b",
        r"(?i)\bplaywright\s+test\b",
        r"(?i)\bcypress\s+run\b",
        r"(?i)\bmeson\s+test\b",
        r"(?i)\bctest\b",
        r"(?i)\bmanage\.py\s+test\b",
        r"(?i)\bcoverage\s+run\b",
        r"(?i)scripts/test",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

static BUILD_COMMANDS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bdocker\s+(buildx\s+)?build\b",
        r"(?i)\bdocker\s+compose\s+build\b",
        r"(?i)\bmake\b",
        r"(?i)\b(npm|pnpm|yarn|bun)\s+(run\s+)?build\b",
        r"(?i)\bcargo\s+build\b",
        r"(?i)\bgo\s+build\b",
        r"(?i)\bmvn\b",
        r"(?i)\bgradlew?\b",
        r"(?i)\buv\s+(sync|build|run)\b",
        r"(?i)\bpip\s+install\b",
        r"(?i)\bpython\s+-m\s+build\b",
        r"(?i)\bmeson\b",
        r"(?i)\bcmake\b",
        r"(?i)\bdotnet\s+build\b",
        r"(?i)\bninja\b",
        r"(?i)\bbundle\s+exec\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

const BUILD_ACTIONS: &[&str] = &[
    "docker/build-push-action",
    "actions/setup-",
    "astral-sh/setup-uv",
    "dtolnay/rust-toolchain",
    "pnpm/action-setup",
];

pub fn is_test_job(job: &Job) -> bool {
    job.steps
        .iter()
        .any(|s| s.commands.iter().any(|c| TEST_COMMANDS.is_match(&c.text)))
}

fn does_work(job: &Job) -> bool {
    job.steps.iter().any(|s| {
        s.uses
            .as_deref()
            .is_some_and(|u| BUILD_ACTIONS.iter().any(|a| u.starts_with(a)))
            || s.commands
                .iter()
                .any(|c| TEST_COMMANDS.is_match(&c.text) || BUILD_COMMANDS.is_match(&c.text))
    })
}

fn pipeline_location(pipeline: &Pipeline) -> Location {
    pipeline
        .jobs
        .first()
        .map(|j| j.location.clone())
        .unwrap_or_else(|| Location::file(&pipeline.path))
}

/// Pipelines that build or test, those that run tests first: the best evidence of CI.
fn working_pipelines<'a>(facts: &'a Facts) -> Vec<&'a Pipeline> {
    let mut working: Vec<&Pipeline> = facts
        .pipelines
        .pipelines
        .iter()
        .filter(|p| p.jobs.iter().any(does_work))
        .collect();
    working.sort_by_key(|p| !p.jobs.iter().any(is_test_job));
    working
}

pub fn ci_pipeline(facts: &Facts) -> Option<Verdict> {
    let pipelines = &facts.pipelines.pipelines;
    let working = working_pipelines(facts);
    if let Some(first) = working.first() {
        let found = working.iter().take(5).map(|p| {
            let job = p.jobs.iter().find(|j| does_work(j));
            evidence(
                facts,
                State::Present,
                job.map(|j| j.location.clone())
                    .unwrap_or_else(|| pipeline_location(p)),
                format!("pipeline {} builds or tests", p.path),
                None,
            )
        });
        let _ = first;
        return verdict(State::Present, None, found.collect());
    }
    if let Some(other) = facts.pipelines.other_ci.first() {
        let ev = evidence(
            facts,
            State::Present,
            Location::file(other),
            format!("{other} defines a pipeline (system not modelled in detail)"),
            None,
        );
        return verdict(State::Present, None, vec![ev]);
    }
    if let Some(p) = pipelines.first() {
        let reason = "the pipelines found only do housekeeping (no build or test step)".to_string();
        let ev = evidence(
            facts,
            State::Partial,
            pipeline_location(p),
            format!("pipeline {}", p.path),
            Some(reason.clone()),
        );
        return verdict(State::Partial, Some(reason), vec![ev]);
    }
    if let Some(bad) = facts.pipelines.unparsed.first() {
        let reason = format!("{} could not be read: {}", bad.path, bad.reason);
        let ev = evidence(
            facts,
            State::Mentioned,
            Location::file(&bad.path),
            "pipeline file that does not parse",
            Some(reason.clone()),
        );
        return verdict(State::Mentioned, Some(reason), vec![ev]);
    }
    verdict(
        State::Absent,
        Some("no CI pipeline file in the repository".into()),
        Vec::new(),
    )
}

pub fn change_triggers(facts: &Facts) -> Option<Verdict> {
    let working = working_pipelines(facts);
    if working.is_empty() {
        return verdict(
            State::Absent,
            Some("no pipeline builds or tests the code".into()),
            Vec::new(),
        );
    }
    let on_pr = working.iter().find(|p| {
        p.triggers.pull_request || p.triggers.merge_group || p.triggers.pull_request_target
    });
    let on_push = working
        .iter()
        .find(|p| p.triggers.push && !p.triggers.tags_only);
    let ev = |p: &Pipeline, event: &str, what: &str| {
        evidence(
            facts,
            State::Present,
            (p.triggers.declared_at(event).cloned()).unwrap_or_else(|| pipeline_location(p)),
            format!("{} runs on {what}", p.path),
            None,
        )
    };
    match (on_pr, on_push) {
        (Some(pr), Some(push)) => verdict(
            State::Present,
            None,
            vec![
                ev(pr, "pull_request", "pull requests"),
                ev(push, "push", "pushes"),
            ],
        ),
        (Some(pr), None) => {
            let reason =
                "runs on pull requests but not on pushes to the default branch".to_string();
            let cited = ev(pr, "pull_request", "pull requests");
            verdict(State::Partial, Some(reason), vec![cited])
        }
        (None, Some(push)) => {
            let reason = match push.system {
                CiSystem::GitlabCi => "pipelines run on pushes; no rule shows merge request pipelines".to_string(),
                CiSystem::CloudBuild => "runs on pushes; no Cloud Build trigger in the repository runs it on pull requests".to_string(),
                CiSystem::GithubActions if push.triggers.push_branches.is_empty() => "runs on pushes to every branch but not on pull requests, so pull requests from forks are never checked".to_string(),
                CiSystem::GithubActions => "runs on pushes but not on pull requests, so changes are checked only after they merge".to_string(),
            };
            verdict(
                State::Partial,
                Some(reason),
                vec![ev(push, "push", "pushes")],
            )
        }
        (None, None) => {
            let p = working[0];
            let reason = format!("{} {}", p.path, p.triggers.describe_off_change());
            let e = evidence(
                facts,
                State::Mentioned,
                pipeline_location(p),
                format!("pipeline {}", p.path),
                Some(reason.clone()),
            );
            verdict(State::Mentioned, Some(reason), vec![e])
        }
    }
}

fn is_first_party(uses: &str) -> bool {
    let lower = uses.to_ascii_lowercase();
    lower.starts_with("actions/") || lower.starts_with("github/")
}

fn is_sha_pinned(uses_ref: &str) -> bool {
    uses_ref
        .rsplit_once('@')
        .is_some_and(|(_, r)| r.len() == 40 && r.chars().all(|c| c.is_ascii_hexdigit()))
}

pub fn pinned_actions(facts: &Facts) -> Option<Verdict> {
    // Each distinct reference counts once, however many jobs repeat it, at the place it is
    // first seen. The sets answer "seen before?" without scanning the lists, which can hold
    // tens of thousands of references.
    let mut pinned: Vec<(String, Location)> = Vec::new();
    let mut unpinned: Vec<(String, Location)> = Vec::new();
    let mut seen_pinned: HashSet<String> = HashSet::new();
    let mut seen_unpinned: HashSet<String> = HashSet::new();
    let mut record = |reference: String, location: &Location, is_pinned: bool| {
        let (list, seen) = if is_pinned {
            (&mut pinned, &mut seen_pinned)
        } else {
            (&mut unpinned, &mut seen_unpinned)
        };
        if !seen.contains(&reference) {
            seen.insert(reference.clone());
            list.push((reference, location.clone()));
        }
    };
    for (_, _, step) in facts.pipelines.steps() {
        let Some(uses_ref) = step.uses_ref.as_deref() else {
            continue;
        };
        if uses_ref.starts_with("./")
            || uses_ref.starts_with("docker://")
            || is_first_party(uses_ref)
            || crate::findings::pinned_by_tag_by_design(uses_ref)
        {
            continue;
        }
        record(
            uses_ref.to_string(),
            &step.location,
            is_sha_pinned(uses_ref),
        );
    }
    for (_, job) in facts.pipelines.jobs() {
        if let Some(called) = job.calls.as_deref().filter(|c| {
            !c.starts_with("./")
                && !is_first_party(c)
                && !crate::findings::pinned_by_tag_by_design(c)
        }) {
            record(
                format!("workflow {called}"),
                &job.location,
                is_sha_pinned(called),
            );
        }
        for (image, location) in &job.images {
            if !image.contains("${{") && !image.starts_with('$') {
                record(
                    format!("image {image}"),
                    location,
                    image.contains("@sha256:"),
                );
            }
        }
    }
    let pinned: Vec<Location> = pinned.into_iter().map(|(_, l)| l).collect();
    let total = pinned.len() + unpinned.len();
    if total == 0 {
        let reason = "no third-party actions or job images to pin".to_string();
        return verdict(State::Present, Some(reason), Vec::new());
    }
    let names: Vec<String> = unpinned.iter().map(|(u, _)| format!("`{u}`")).collect();
    let found: Vec<Evidence> = unpinned
        .iter()
        .take(10)
        .map(|(u, l)| {
            evidence(
                facts,
                State::Absent,
                l.clone(),
                format!("`{u}` is not pinned to a commit SHA or digest"),
                None,
            )
        })
        .collect();
    if unpinned.is_empty() {
        let first = evidence(
            facts,
            State::Present,
            pinned[0].clone(),
            format!(
                "all {total} third-party actions, workflows and images are pinned to commit SHAs or digests"
            ),
            None,
        );
        verdict(State::Present, None, vec![first])
    } else if pinned.is_empty() {
        let reason = format!(
            "none of {total} third-party references is pinned to a full commit SHA or digest: {}",
            examples(&names, 4)
        );
        verdict(State::Absent, Some(reason), found)
    } else {
        let reason = format!(
            "{} of {total} third-party references are pinned; unpinned: {}",
            pinned.len(),
            examples(&names, 4)
        );
        verdict(State::Partial, Some(reason), found)
    }
}

pub fn workflow_permissions(facts: &Facts) -> Option<Verdict> {
    let github: Vec<&Pipeline> = facts
        .pipelines
        .pipelines
        .iter()
        .filter(|p| p.system == CiSystem::GithubActions)
        .collect();
    if github.is_empty() {
        let systems = facts.pipelines.systems();
        let mut places = Vec::new();
        if systems.contains(&CiSystem::GitlabCi) {
            places.push("GitLab job token scope and protected variables live in project settings");
        }
        if systems.contains(&CiSystem::CloudBuild) {
            places.push("the Cloud Build service account's roles live in Google Cloud IAM");
        }
        if places.is_empty() {
            places.push(
                "the CI system's credentials and their scopes are set outside the repository",
            );
        }
        let reason = format!("{}; verify them there", places.join(", and "));
        return verdict(State::Partial, Some(reason), Vec::new());
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let mut broad = Vec::new();
    let mut called = 0;
    for p in &github {
        match &p.permissions {
            Some((text, location)) if text.contains("write-all") => {
                broad.push(p.path.clone());
                found.push(evidence(
                    facts,
                    State::Absent,
                    location.clone(),
                    format!("{} grants write-all", p.path),
                    None,
                ));
            }
            Some((text, location)) => {
                // In a workflow of one job, scopes granted at the top reach only that job.
                let shared_writes = p.jobs.len() > 1 && text.contains(": write");
                let state = if shared_writes {
                    State::Partial
                } else {
                    State::Present
                };
                if shared_writes {
                    broad.push(p.path.clone());
                }
                found.push(evidence(
                    facts,
                    state,
                    location.clone(),
                    format!("{} sets permissions: {text}", p.path),
                    None,
                ));
            }
            // Every job sets its own permissions: the workflow default reaches none of them.
            None if !p.jobs.is_empty() && p.jobs.iter().all(|j| j.permissions.is_some()) => {
                found.push(evidence(
                    facts,
                    State::Present,
                    p.jobs[0].location.clone(),
                    format!("every job of {} sets its own permissions", p.path),
                    None,
                ));
            }
            // A workflow run only by another gets its caller's token.
            None if p.triggers.only_called() => called += 1,
            None => missing.push(p.path.clone()),
        }
    }
    let dangerous: Vec<String> = github
        .iter()
        .filter(|p| p.triggers.pull_request_target)
        .filter(|p| {
            p.jobs.iter().any(|j| {
                j.steps
                    .iter()
                    .any(|s| s.input("ref").is_some_and(|r| r.value.contains("head")))
            })
        })
        .map(|p| p.path.clone())
        .collect();
    let judged = github.len() - called;
    if judged == 0 {
        let reason = "every workflow runs only when another calls it (workflow_call), with the \
                      caller's token: the callers' permissions decide";
        return verdict(State::Partial, Some(reason.to_string()), found);
    }
    let mut reasons = Vec::new();
    if !missing.is_empty() {
        reasons.push(format!("{} of {judged} workflows set no top-level permissions and not every job sets its own, so those jobs' token gets the repository default: {}", missing.len(), examples(&missing, 3)));
    }
    if !broad.is_empty() {
        reasons.push(format!(
            "write scopes granted at workflow level reach every job in {}",
            examples(&broad, 3)
        ));
    }
    if !dangerous.is_empty() {
        reasons.push(format!(
            "pull_request_target checks out the pull request's code in {}",
            examples(&dangerous, 3)
        ));
    }
    let state = if reasons.is_empty() {
        State::Present
    } else if missing.len() == judged {
        State::Absent
    } else {
        State::Partial
    };
    verdict(
        state,
        (!reasons.is_empty()).then(|| reasons.join("; ")),
        found,
    )
}
