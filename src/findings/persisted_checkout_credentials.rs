//! `persisted-checkout-credentials`: `actions/checkout` leaves the job's token in
//! `.git/config`, in a job that also uploads artifacts.
//!
//! Checkout persists the token by default so later git commands can push; a job that uploads
//! its working directory as an artifact can publish that token with it. Only uploads that can
//! contain `.git/config` count: a path that is the workspace itself (or one not known before
//! the run), with hidden files included. `actions/upload-artifact` leaves hidden files out
//! since v4.4 unless `include-hidden-files: true`; the version is read from the tag, or from
//! the `# vX.Y.Z` comment beside a commit pin.

use super::{Finding, Rule, Severity, Sources, action_name, step_lists};
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

/// Whether an upload step can carry the checkout's `.git` folder.
fn may_upload_git(step: &Node, text: &str) -> bool {
    let with = step.get("with");
    let hidden = with
        .and_then(|w| w.get("include-hidden-files"))
        .is_some_and(|h| h.as_bool() == Some(true) || h.as_str() == Some("true"));
    if !hidden && leaves_out_hidden_files(step, text) {
        return false;
    }
    let Some(paths) = with.and_then(|w| w.get("path")).and_then(Node::as_str) else {
        return true;
    };
    let included: Vec<&str> = paths
        .lines()
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with('!'))
        .collect();
    included.is_empty() || included.iter().any(|p| is_workspace(p))
}

/// A path that is the workspace root (`.`, `*`, `${{ github.workspace }}`), or an expression
/// whose value is not known before the run.
fn is_workspace(path: &str) -> bool {
    let rest = path
        .strip_prefix("${{ github.workspace }}")
        .or_else(|| path.strip_prefix("${{github.workspace}}"))
        .or_else(|| path.strip_prefix("$GITHUB_WORKSPACE"))
        .unwrap_or(path);
    let rest = rest.trim_start_matches("./").trim_start_matches('/');
    matches!(rest, "" | "." | "*" | "**" | "**/*") || (rest.starts_with("${{") && rest == path)
}

/// `actions/upload-artifact` v4.4 and later leave hidden files out by default.
fn leaves_out_hidden_files(step: &Node, text: &str) -> bool {
    let Some(uses) = step.get("uses") else {
        return false;
    };
    let reference = uses
        .as_str()
        .and_then(|u| u.split_once('@'))
        .map(|(_, r)| r);
    let line = crate::source::line_of(text, uses.span.line);
    match super::action_version(reference, line) {
        Some((major, minor)) => major > 4 || (major == 4 && minor.is_none_or(|m| m >= 4)),
        None => false,
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in sources.workflows.iter().chain(&sources.actions) {
        for document in &file.documents {
            for steps in step_lists(document) {
                let uploads = steps
                    .iter()
                    .any(|s| calls(s, "actions/upload-artifact") && may_upload_git(s, file.text));
                if !uploads {
                    continue;
                }
                for step in steps.iter().filter(|s| calls(s, "actions/checkout")) {
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
