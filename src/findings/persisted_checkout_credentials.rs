//! `persisted-checkout-credentials`: `actions/checkout` leaves the job's token in
//! `.git/config`, in a job that also uploads artifacts.
//!
//! Checkout persists the token by default so later git commands can push; a job that uploads
//! its working directory (or part of it) as an artifact can publish that token with it.

use super::{Finding, Rule, Severity, Sources, action_name, jobs, steps};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;

pub const RULE: Rule = Rule {
    id: "persisted-checkout-credentials",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "checkout keeps the token on disk in a job that uploads artifacts",
    help: "add `with: persist-credentials: false` to `actions/checkout` unless a later step \
           pushes with git",
    practices: &["AUT-06"],
};

fn calls(step: &Node, action: &str) -> bool {
    step.get("uses")
        .and_then(Node::as_str)
        .is_some_and(|u| action_name(u) == action)
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            for (_, job) in jobs(document) {
                let uploads = steps(job)
                    .iter()
                    .any(|s| calls(s, "actions/upload-artifact"));
                if !uploads {
                    continue;
                }
                for step in steps(job).iter().filter(|s| calls(s, "actions/checkout")) {
                    let persists = step
                        .get("with")
                        .and_then(|w| w.get("persist-credentials"))
                        .is_none_or(|p| p.as_bool() != Some(false) && p.as_str() != Some("false"));
                    if let (true, Some(uses)) = (persists, step.get("uses")) {
                        out.push(Finding::new(
                            &RULE,
                            file.at(uses.span),
                            "checkout persists the job token in a job that uploads artifacts"
                                .to_string(),
                            file.text,
                        ));
                    }
                }
            }
        }
    }
    out
}
