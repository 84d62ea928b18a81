//! `secrets-inherit`: a reusable workflow from another repository receives every secret.
//!
//! `secrets: inherit` passes all of the caller's secrets, including ones the called workflow
//! never needs; a workflow in this repository (`./.github/workflows/...`) is under the same
//! review and is not reported.

use super::{Finding, Rule, Severity, Sources, jobs};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;

pub const RULE: Rule = Rule {
    id: "secrets-inherit",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "all secrets passed to a reusable workflow from another repository",
    help: "list the secrets the called workflow needs under `secrets:` instead of `inherit`",
    practices: &["AUT-06"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            for (_, job) in jobs(document) {
                let Some(uses) = job.get("uses").and_then(Node::as_str) else {
                    continue;
                };
                let Some(secrets) = job.get("secrets") else {
                    continue;
                };
                if !uses.starts_with("./") && secrets.as_str() == Some("inherit") {
                    out.push(Finding::new(
                        &RULE,
                        file.at(secrets.span),
                        format!("every secret is passed to `{uses}`"),
                        file.text,
                    ));
                }
            }
        }
    }
    out
}
