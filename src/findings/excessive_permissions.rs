//! `excessive-permissions`: the workflow's token gets more than its jobs need.
//!
//! Three shapes: no top-level `permissions:` while some job sets none either (the token then
//! has the repository's default, which is read-write on older repositories and organisations;
//! a workflow run only through `workflow_call` gets its caller's token and is not reported);
//! `write-all` at workflow or job level; and write scopes granted at workflow level, where they
//! reach every job instead of the one that needs them (in a workflow of one job the two are the
//! same, so that case is not reported).

use super::{Finding, Rule, Severity, Sources, jobs, triggers};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "excessive-permissions",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "workflow token permissions broader than needed",
    help: "set `permissions: {}` (or `contents: read`) at the top of the workflow and grant \
           each write scope only in the job that needs it",
    practices: &["AUT-06"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            if document.get("jobs").is_none() {
                continue;
            }
            match (
                document.key_node("permissions"),
                document.get("permissions"),
            ) {
                (Some(_), Some(permissions)) => {
                    if permissions.as_str() == Some("write-all") {
                        out.push(Finding::new(
                            &RULE,
                            file.at(permissions.span),
                            "`permissions: write-all` gives every job every write scope"
                                .to_string(),
                            file.text,
                        ));
                    }
                    let shared = jobs(document).len() > 1;
                    for (scope, level) in permissions.entries() {
                        if shared && level.as_str() == Some("write") {
                            let name = scope.as_str().unwrap_or("?");
                            let mut location = file.at(scope.span);
                            location.end_line = level.span.end_line;
                            location.end_column = level.span.end_column;
                            out.push(Finding::new(
                                &RULE,
                                location,
                                format!("`{name}: write` at workflow level reaches every job"),
                                file.text,
                            ));
                        }
                    }
                }
                _ if triggers(document) == ["workflow_call"] => {}
                _ => {
                    let bare: Vec<&str> = jobs(document)
                        .iter()
                        .filter(|(_, job)| job.get("permissions").is_none())
                        .filter_map(|(name, _)| name.as_str())
                        .collect();
                    let anchor = document
                        .key_node("on")
                        .or_else(|| document.entries().first().map(|(key, _)| key));
                    if let (false, Some(anchor)) = (bare.is_empty(), anchor) {
                        out.push(Finding::new(
                            &RULE,
                            file.at(anchor.span),
                            if bare.len() == 1 {
                                format!(
                                    "no top-level `permissions:`; job {} runs with the default \
                                     token",
                                    bare[0]
                                )
                            } else {
                                format!(
                                    "no top-level `permissions:`; jobs {} run with the default \
                                     token",
                                    bare.join(", ")
                                )
                            },
                            file.text,
                        ));
                    }
                }
            }
            for (name, job) in jobs(document) {
                if let Some(permissions) = job.get("permissions")
                    && permissions.as_str() == Some("write-all")
                {
                    out.push(Finding::new(
                        &RULE,
                        file.at(permissions.span),
                        format!(
                            "job {} has `permissions: write-all`",
                            name.as_str().unwrap_or("?")
                        ),
                        file.text,
                    ));
                }
            }
        }
    }
    out
}
