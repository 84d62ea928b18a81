//! PyPI attestations: `pypa/gh-action-pypi-publish` from v1.11.0 signs a PEP 740 attestation
//! of every file it uploads, by default, when it publishes with Trusted Publishing (the job
//! grants `id-token: write` and the step passes no `password:`). The attestation is signed
//! with the workflow's identity and names the build that made the file, so it is a signed
//! release (SEC-23), build provenance (SEC-25) and provenance signed by the hosted platform
//! (SEC-26) at once. Nothing in the step says so: its version, inputs and job do.

use super::{Facts, State, Verdict, evidence, verdict};
use crate::catalog::Practice;
use crate::evidence::Evidence;
use crate::pipeline::{Job, Pipeline, Step};
use crate::source::Location;

const ACTION: &str = "pypa/gh-action-pypi-publish";

/// The first release whose attestations are on unless `attestations: false`.
const ATTESTING: (u32, u32) = (1, 11);

/// The best of the publish steps of pipelines that can release: Present when one attests,
/// otherwise what keeps its attestations out. `None` (the signals stand) when no step
/// publishes to PyPI, when another signal already gives full credit, or when the signals say
/// more than the publish step does.
pub(super) fn attestations(
    facts: &Facts,
    practice: &Practice,
    signals: &[Evidence],
) -> Option<Verdict> {
    if !matches!(practice.id.as_str(), "SEC-23" | "SEC-25" | "SEC-26") {
        return None;
    }
    let best_signal = signals.iter().map(|e| e.state).max();
    if best_signal == Some(State::Present) {
        return None;
    }
    let hosted_only = practice.id == "SEC-26";
    let (state, reason, cited) = facts
        .pipelines
        .steps()
        .filter(|(p, _, _)| !p.demonstration && p.triggers.can_publish())
        .filter(|(_, _, s)| s.uses.as_deref().is_some_and(is_publish_action))
        .map(|(p, j, s)| judge(facts, p, j, s, hosted_only))
        .max_by_key(|(state, _, _)| *state)?;
    if best_signal.is_some_and(|best| best > state) {
        return None;
    }
    verdict(state, reason, vec![cited])
}

fn is_publish_action(uses: &str) -> bool {
    uses.eq_ignore_ascii_case(ACTION)
}

/// What one publish step earns, why it earns no more, and the evidence citing it.
fn judge(
    facts: &Facts,
    pipeline: &Pipeline,
    job: &Job,
    step: &Step,
    hosted_only: bool,
) -> (State, Option<String>, Evidence) {
    let version = version(step.uses_ref.as_deref(), line_of(facts, &step.location));
    let named = match &version {
        Version::Named(name, _) => format!("`{ACTION}` {name}"),
        Version::Unnamed => format!("`{ACTION}`"),
    };
    let place = format!("job {} of {}", job.id, pipeline.path);
    let missing = |text: String| Some(format!("{named} in {place} {text}"));
    let (state, reason) = match version {
        _ if step
            .input("attestations")
            .is_some_and(|i| is_false(&i.value)) =>
        {
            (
                State::Mentioned,
                missing("sets `attestations: false`, so PyPI gets no signed attestations".into()),
            )
        }
        _ if step.input("password").is_some() => (
            State::Mentioned,
            missing(
                "uploads with a password (an API token); attestations are made only with \
                 Trusted Publishing, which needs `id-token: write` and no password"
                    .into(),
            ),
        ),
        _ if !grants_id_token(pipeline, job) => (
            State::Mentioned,
            missing(
                "runs without `id-token: write`, so it cannot use Trusted Publishing, which \
                 attestations need"
                    .into(),
            ),
        ),
        Version::Named(name, Some(release)) if release < ATTESTING => (
            State::Mentioned,
            Some(format!(
                "{place} uses `{ACTION}` {name}, which predates attestations; they are made \
                 by default from v1.11.0"
            )),
        ),
        Version::Unnamed => (
            State::Partial,
            missing(
                "is pinned to a commit that names no version; from v1.11.0 the action signs \
                 attestations by default, so check the release the commit belongs to"
                    .into(),
            ),
        ),
        Version::Named(_, None) => (
            State::Partial,
            missing(
                "names no release; from v1.11.0 the action signs attestations by default, so \
                 check the release the ref stands for"
                    .into(),
            ),
        ),
        _ if hosted_only && job.self_hosted => (
            State::Partial,
            missing(
                "runs on a self-hosted runner: the attestations are signed, but the build \
                 platform that made the files is not GitHub's"
                    .into(),
            ),
        ),
        _ => (State::Present, None),
    };
    let summary = if state == State::Present {
        format!(
            "{named} publishes with Trusted Publishing in {place}: PyPI gets a signed PEP 740 \
             attestation of each file"
        )
    } else {
        format!("{named} publishes to PyPI in {place}")
    };
    let cited = evidence(facts, state, step.location.clone(), summary, reason.clone());
    (state, reason, cited)
}

/// The version a step's `uses:` names: its ref, or for a commit the version in the comment
/// after it (`@<sha> # v1.14.0`). A branch or a major version alone follows the newest
/// release.
#[derive(Debug, PartialEq)]
enum Version {
    /// As written, with the release it is or follows when known (major, minor).
    Named(String, Option<(u32, u32)>),
    Unnamed,
}

fn version(uses: Option<&str>, line: &str) -> Version {
    let Some((_, reference)) = uses.and_then(|u| u.split_once('@')) else {
        return Version::Unnamed;
    };
    let is_commit = reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_commit {
        return Version::Named(reference.to_string(), release_of(reference));
    }
    let comment = line.split_once(" #").map(|(_, c)| c.trim());
    match comment.and_then(|c| c.split_whitespace().next()) {
        Some(tag) if release_of(tag).is_some() => Version::Named(tag.to_string(), release_of(tag)),
        _ => Version::Unnamed,
    }
}

/// What a moving ref (a branch, a major version alone) stands for: the newest release.
const LATEST: (u32, u32) = (u32::MAX, u32::MAX);

/// The release a ref names (`v1.12.4`, `release/v1.12`, `v1`), or follows (`release/v1`,
/// `unstable/v1`, `master`, `main`).
fn release_of(reference: &str) -> Option<(u32, u32)> {
    if matches!(reference, "master" | "main") {
        return Some(LATEST);
    }
    let (branch, version) = match reference.split_once('/') {
        Some((prefix @ ("release" | "unstable"), rest)) => (Some(prefix), rest),
        Some(_) => return None,
        None => (None, reference),
    };
    let mut parts = version.strip_prefix('v').unwrap_or(version).split('.');
    let major: u32 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some(minor) => Some((major, minor.parse().ok()?)),
        // A major version alone moves with its newest release, as a release branch does.
        None if branch.is_some() || major >= 1 => Some((major, u32::MAX)),
        None => None,
    }
}

fn is_false(value: &str) -> bool {
    value.trim().trim_matches(|c| c == '\'' || c == '"') == "false"
}

/// Whether the job's token may ask for an OIDC token: `id-token: write` (or `write-all`) in
/// the job's own permissions, or in the workflow's when the job sets none.
fn grants_id_token(pipeline: &Pipeline, job: &Job) -> bool {
    let permissions = (job.permissions.as_deref())
        .or(pipeline.permissions.as_ref().map(|(text, _)| text.as_str()));
    permissions.is_some_and(|text| {
        text == "write-all" || text.split(", ").any(|scope| scope == "id-token: write")
    })
}

fn line_of<'f>(facts: &'f Facts, location: &Location) -> &'f str {
    (facts.inventory.get(&location.path))
        .and_then(|file| file.text.as_deref())
        .map_or("", |text| crate::source::line_of(text, location.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_named_by_refs() {
        assert_eq!(release_of("v1.14.0"), Some((1, 14)));
        assert_eq!(release_of("release/v1.10"), Some((1, 10)));
        assert_eq!(release_of("release/v1"), Some((1, u32::MAX)));
        assert_eq!(release_of("v1"), Some((1, u32::MAX)));
        assert_eq!(release_of("master"), Some(LATEST));
        assert_eq!(release_of("feature/x"), None);
        assert_eq!(release_of("tag=v1.12.0"), None);
    }

    #[test]
    fn versions_of_pinned_steps() {
        let sha = "pypa/gh-action-pypi-publish@cef221092ed1bacb1cc03d23a2d87d1d172e277b";
        assert_eq!(
            version(Some(sha), &format!("      - uses: {sha} # v1.14.0")),
            Version::Named("v1.14.0".into(), Some((1, 14)))
        );
        assert_eq!(
            version(Some(sha), &format!("      - uses: {sha}")),
            Version::Unnamed
        );
        assert_eq!(
            version(Some(sha), &format!("      - uses: {sha} # pinned")),
            Version::Unnamed
        );
    }
}
