//! `untrusted-checkout`: a `pull_request_target` or `workflow_run` workflow that checks out the
//! pull request's own code.
//!
//! Those triggers run with the base repository's secrets and a write token; checking out the
//! head commit and then building or testing it runs the contributor's code with them.

use super::{Finding, Rule, Severity, Sources, action_name, jobs, steps, triggers};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;

pub const RULE: Rule = Rule {
    id: "untrusted-checkout",
    severity: Severity::Error,
    confidence: Confidence::Medium,
    summary: "privileged trigger checks out untrusted pull request code",
    help: "run untrusted code under `pull_request` (no secrets), or split the work: build in a \
           `pull_request` workflow and use its artifact, never its code, in the privileged one",
    practices: &["AUT-06"],
};

/// Ref expressions that name the contributor's commit or branch.
const HEAD_REFS: &[&str] = &[
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.merge_commit_sha",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "refs/pull/",
];

/// The triggers that run with the base repository's secrets and a write token.
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run"];

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            let on = triggers(document);
            let privileged: Vec<&str> = PRIVILEGED
                .iter()
                .copied()
                .filter(|p| on.contains(p))
                .collect();
            if privileged.is_empty() {
                continue;
            }
            for (_, job) in jobs(document) {
                let for_job = runs_under(&privileged, job.get("if").and_then(Node::as_str));
                if for_job.is_empty() {
                    continue;
                }
                for step in steps(job) {
                    let is_checkout = step
                        .get("uses")
                        .and_then(Node::as_str)
                        .is_some_and(|u| action_name(u) == "actions/checkout");
                    let Some(reference) = step.get("with").and_then(|w| w.get("ref")) else {
                        continue;
                    };
                    let Some(text) = reference.as_str() else {
                        continue;
                    };
                    if !is_checkout || !HEAD_REFS.iter().any(|h| text.contains(h)) {
                        continue;
                    }
                    let Some(trigger) = runs_under(&for_job, step.get("if").and_then(Node::as_str))
                        .first()
                        .copied()
                    else {
                        continue;
                    };
                    out.push(Finding::new(
                        &RULE,
                        file.at(reference.span),
                        format!("`{trigger}` workflow checks out the pull request head"),
                        file.text,
                    ));
                }
            }
        }
    }
    out
}

/// Which of `triggers` a job or step with this `if:` can run under. Only a condition whose
/// parts must all hold is read: `github.event_name == 'pull_request'` keeps that event
/// alone, `github.event_name != 'workflow_run'` drops one, and a bare
/// `github.event.pull_request` (set only by pull request events) drops `workflow_run`.
/// Anything with `||` or negation may run under every trigger.
fn runs_under<'t>(triggers: &[&'t str], condition: Option<&str>) -> Vec<&'t str> {
    let Some(condition) = condition else {
        return triggers.to_vec();
    };
    let condition = condition.trim();
    let condition = (condition.strip_prefix("${{"))
        .and_then(|c| c.strip_suffix("}}"))
        .unwrap_or(condition);
    // A negation anywhere (`!(a && b)`, `!github.event.pull_request`) may turn any part
    // around; only `!=` is read.
    let negated = condition
        .match_indices('!')
        .any(|(at, _)| !condition[at..].starts_with("!="));
    if condition.contains("||") || negated {
        return triggers.to_vec();
    }
    let mut possible = triggers.to_vec();
    for part in condition.split("&&") {
        // Expressions compare strings ignoring case.
        let part: String = part
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')'))
            .collect::<String>()
            .replace('"', "'")
            .to_ascii_lowercase();
        if let Some(event) = part.strip_prefix("github.event_name==") {
            possible.retain(|t| event == format!("'{t}'"));
        } else if let Some(event) = part.strip_prefix("github.event_name!=") {
            possible.retain(|t| event != format!("'{t}'"));
        } else if part == "github.event.pull_request" {
            possible.retain(|t| *t != "workflow_run");
        }
    }
    possible
}

#[cfg(test)]
mod tests {
    use super::runs_under;

    fn under(condition: &str) -> Vec<&'static str> {
        runs_under(&["pull_request_target", "workflow_run"], Some(condition))
    }

    #[test]
    fn conditions_that_exclude_privileged_events() {
        assert_eq!(under("github.event.pull_request"), ["pull_request_target"]);
        assert_eq!(
            under("${{ github.event_name == 'pull_request' }}"),
            Vec::<&str>::new()
        );
        assert_eq!(
            under("github.event_name == \"workflow_run\" && github.repository == 'a/b'"),
            ["workflow_run"]
        );
        assert_eq!(
            under("github.event_name != 'pull_request_target'"),
            ["workflow_run"]
        );
        let every = ["pull_request_target", "workflow_run"];
        assert_eq!(under("github.event_name == 'pull_request' || true"), every);
        assert_eq!(under("!github.event.pull_request"), every);
        assert_eq!(under("github.actor != 'dependabot[bot]'"), every);
        assert_eq!(
            under(
                "${{ !(github.event.pull_request.head.repo.fork && github.event_name == 'pull_request') \
                 && github.actor != 'dependabot[bot]' }}"
            ),
            every
        );
        assert_eq!(
            under("github.event_name == 'PULL_REQUEST_TARGET'"),
            ["pull_request_target"]
        );
    }
}
