//! `unsound-condition`: an `if:` that is always true because its expression is not the whole
//! value.
//!
//! GitHub evaluates `if:` as one expression only when the value is nothing but that
//! expression. Any other text around a `${{ }}` (`${{ a }} && ${{ b }}`, a space, or the
//! line end a `|` or `>` block keeps) makes the value a string with the expressions
//! substituted in, and a non-empty string is true: the step or job runs whatever the
//! condition says, so a guard against forks or bots guards nothing.

use super::{Finding, Rule, Severity, Sources, jobs, step_lists};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "unsound-condition",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "an `if:` that is always true because text surrounds its `${{ }}`",
    help: "write the condition as one expression, without `${{ }}` (`if: a && b`) or wholly inside \
           one (`if: ${{ a && b }}`); use `>-` instead of `|` for a condition on several lines",
    practices: &["AUT-06"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in sources.workflows.iter().chain(&sources.actions) {
        for document in &file.documents {
            let job_conditions = jobs(document).iter().map(|(_, job)| job.get("if"));
            let step_conditions = step_lists(document).flatten().map(|step| step.get("if"));
            for condition in job_conditions.chain(step_conditions).flatten() {
                let Some(text) = condition.as_str() else {
                    continue;
                };
                if let Some(what) = always_true(text) {
                    let message = format!("this `if:` is always true: {what}");
                    out.push(Finding::new(
                        &RULE,
                        file.at(condition.span),
                        message,
                        file.text,
                    ));
                }
            }
        }
    }
    out
}

/// Why a condition is always true, if it is: it holds a `${{ }}` and other text besides.
fn always_true(condition: &str) -> Option<&'static str> {
    let first = condition.find("${{")?;
    let whole = first == 0
        && condition.ends_with("}}")
        && condition.find("}}") == Some(condition.len() - 2);
    if whole {
        return None;
    }
    let trimmed = condition.trim();
    let padded = trimmed.starts_with("${{")
        && trimmed.ends_with("}}")
        && trimmed.find("}}") == Some(trimmed.len() - 2);
    Some(if !padded {
        "text outside its `${{ }}` makes it a string, and any string is true"
    } else if condition.ends_with('\n') {
        "the line end its `|` or `>` block keeps makes it a string, and any string is true"
    } else {
        "the spaces around its `${{ }}` make it a string, and any string is true"
    })
}

#[cfg(test)]
mod tests {
    use super::always_true;

    #[test]
    fn conditions() {
        assert!(always_true("github.event_name == 'push'").is_none());
        assert!(always_true("${{ github.event_name == 'push' }}").is_none());
        assert!(always_true("${{ a }} && ${{ b }}").is_some());
        assert!(always_true("${{ a }}\n").is_some_and(|w| w.contains("line end")));
        assert!(always_true(" ${{ a }}").is_some_and(|w| w.contains("spaces")));
        assert!(always_true("${{ a }} == 'x'").is_some_and(|w| w.contains("text outside")));
    }
}
