//! `bot-condition`: a privileged job that trusts whoever acted last to be a bot.
//!
//! `github.actor` (and `github.triggering_actor`) name the account behind the event that
//! started this run, not the author of the pull request. Under `pull_request_target` or
//! `workflow_run`, which run with the repository's token and secrets, an attacker can get a
//! bot to act last on their own pull request (asking Dependabot to rebase it, say), and then
//! `if: github.actor == 'dependabot[bot]'` lets their code through.

use super::{Finding, Rule, Severity, Sources, jobs, steps, triggers};
use crate::evidence::Confidence;
use crate::source::Location;

pub const RULE: Rule = Rule {
    id: "bot-condition",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "a privileged workflow trusts `github.actor` to tell a bot's pull request",
    help: "compare the pull request's author instead (`github.event.pull_request.user.login == \
           'dependabot[bot]'`), which the last actor cannot change",
    practices: &["AUT-06"],
};

/// Triggers whose runs hold the repository's token and secrets while acting on what others
/// wrote.
const PRIVILEGED: &[&str] = &["pull_request_target", "workflow_run"];

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            if !triggers(document).iter().any(|t| PRIVILEGED.contains(t)) {
                continue;
            }
            let job_conditions = jobs(document).iter().map(|(_, job)| job.get("if"));
            let step_conditions = (jobs(document).iter())
                .flat_map(|(_, job)| steps(job))
                .map(|step| step.get("if"));
            for condition in job_conditions.chain(step_conditions).flatten() {
                let Some(text) = condition.as_str() else {
                    continue;
                };
                let Some((at, actor)) = actor_is_bot(text) else {
                    continue;
                };
                // Point at the comparison itself when it sits on the condition's first line.
                let span = condition.span;
                let location = if span.line == span.end_line && !text.contains('\n') {
                    let column = span.column + text[..at].chars().count();
                    Location::line(file.path, span.line, column, column + actor.chars().count())
                } else {
                    file.at(span)
                };
                let message =
                    format!("`{actor}` names whoever acted last, which an attacker can make a bot");
                out.push(Finding::new(&RULE, location, message, file.text));
            }
        }
    }
    out
}

/// Where a condition compares `github.actor` or `github.triggering_actor` with a bot's name
/// (`'dependabot[bot]'`), and the context as written.
fn actor_is_bot(condition: &str) -> Option<(usize, &str)> {
    let lower = condition.to_ascii_lowercase();
    if !lower.contains("[bot]") {
        return None;
    }
    ["github.triggering_actor", "github.actor"]
        .iter()
        .find_map(|context| {
            lower.match_indices(context).find_map(|(at, _)| {
                let end = at + context.len();
                let next = lower[end..].chars().next();
                // Not `github.actor_id` or a longer name.
                if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                    return None;
                }
                // The comparison this context is part of names a bot.
                let rest = lower[end..].trim_start();
                let compared = rest.starts_with("==") || rest.starts_with("!=");
                let operand = rest.get(2..).unwrap_or("").trim_start();
                let bot = operand.starts_with(['\'', '"'])
                    && operand[1..]
                        .split(['\'', '"'])
                        .next()
                        .is_some_and(|name| name.ends_with("[bot]"));
                (compared && bot).then(|| (at, &condition[at..end]))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::actor_is_bot;

    #[test]
    fn comparisons() {
        let found = |c| actor_is_bot(c).map(|(_, actor)| actor);
        assert_eq!(
            found("github.actor == 'dependabot[bot]'"),
            Some("github.actor")
        );
        assert_eq!(
            found("${{ github.triggering_actor == \"renovate[bot]\" }}"),
            Some("github.triggering_actor")
        );
        assert_eq!(
            found("github.actor != 'dependabot[bot]'"),
            Some("github.actor")
        );
        assert_eq!(
            found("github.event.pull_request.user.login == 'dependabot[bot]'"),
            None
        );
        assert_eq!(found("github.actor == 'octocat'"), None);
        assert_eq!(
            found("github.actor_id == '49699333' || x == 'a[bot]'"),
            None
        );
    }
}
