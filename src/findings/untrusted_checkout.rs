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

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            let on = triggers(document);
            let Some(trigger) = on
                .iter()
                .find(|t| matches!(**t, "pull_request_target" | "workflow_run"))
            else {
                continue;
            };
            for (_, job) in jobs(document) {
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
                    if is_checkout && HEAD_REFS.iter().any(|h| text.contains(h)) {
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
    }
    out
}
