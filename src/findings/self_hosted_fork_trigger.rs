//! `self-hosted-fork-trigger`: a self-hosted runner serves events that people outside the
//! project can start.
//!
//! On a public repository a fork's pull request or an issue comment then runs code on the
//! project's own machine, which keeps state between jobs. Whether the repository is public
//! cannot be read from its files, so the confidence is medium.

use super::{Finding, Rule, Severity, Sources, jobs, triggers};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "self-hosted-fork-trigger",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "self-hosted runner on a trigger that forks or outsiders can start",
    help: "use GitHub-hosted or ephemeral runners for `pull_request`, `pull_request_target` and \
           `issue_comment`, or restrict the job to trusted authors",
    practices: &["AUT-06"],
};

const REACHABLE: &[&str] = &["pull_request", "pull_request_target", "issue_comment"];

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            let on = triggers(document);
            let Some(trigger) = on.iter().find(|t| REACHABLE.contains(t)) else {
                continue;
            };
            for (_, job) in jobs(document) {
                let Some(runs_on) = job.get("runs-on") else {
                    continue;
                };
                let labels = runs_on.get("labels").unwrap_or(runs_on).strings();
                if labels.iter().any(|l| l.eq_ignore_ascii_case("self-hosted")) {
                    out.push(Finding::new(
                        &RULE,
                        file.at(runs_on.span),
                        format!("self-hosted runner on `{trigger}`"),
                        file.text,
                    ));
                }
            }
        }
    }
    out
}
