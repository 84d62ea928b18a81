//! `insecure-commands`: the workflow commands GitHub disabled for injection turned back on.
//!
//! `ACTIONS_ALLOW_UNSECURE_COMMANDS: true` re-enables `::set-env` and `::add-path` in a job's
//! output. Anything that prints text someone else wrote (a pull request title in a log line,
//! a test name, a tool's error message) can then set `LD_PRELOAD` or put its own folder first
//! on `PATH` for every later step.

use super::{Finding, Rule, Severity, Sources, jobs, step_lists};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;

pub const RULE: Rule = Rule {
    id: "insecure-commands",
    severity: Severity::Error,
    confidence: Confidence::High,
    summary: "`::set-env` and `::add-path` re-enabled with ACTIONS_ALLOW_UNSECURE_COMMANDS",
    help: "remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to `$GITHUB_ENV` and `$GITHUB_PATH` \
           instead; update the action that still prints `::set-env`",
    practices: &["AUT-06"],
};

const VARIABLE: &str = "ACTIONS_ALLOW_UNSECURE_COMMANDS";

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in sources.workflows.iter().chain(&sources.actions) {
        for document in &file.documents {
            let job_env = jobs(document).iter().map(|(_, job)| job.get("env"));
            let step_env = step_lists(document).flatten().map(|step| step.get("env"));
            let levels = std::iter::once(document.get("env"))
                .chain(job_env)
                .chain(step_env);
            for env in levels.flatten() {
                for (key, value) in env.entries() {
                    if key.as_str() == Some(VARIABLE) && enables(value) {
                        let message = format!(
                            "`{VARIABLE}` lets whatever this job prints set its environment and `PATH`"
                        );
                        out.push(Finding::new(&RULE, file.at(key.span), message, file.text));
                    }
                }
            }
        }
    }
    out
}

/// Whether the variable's value turns the commands on: `true` in any case, or an expression
/// that may be true.
fn enables(value: &Node) -> bool {
    let text = value.as_str().unwrap_or("").trim();
    text.eq_ignore_ascii_case("true") || text.contains("${{")
}
