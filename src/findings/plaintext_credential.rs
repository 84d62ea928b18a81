//! `plaintext-credential`: a password, token or key written as a literal in a pipeline file or
//! a Dockerfile, in `env:`/`with:` of a workflow, the registry `credentials:` of its
//! containers, GitLab `variables:`, or `ENV`/`ARG`.
//!
//! The finding gives the location and the name of the variable, never the value: the message
//! names the kind and the snippet masks the value.

use std::sync::LazyLock;

use regex::Regex;

use super::{Finding, Rule, Severity, Sources, YamlFile, action_steps, jobs, steps};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;
use crate::source::{self, Location};

pub const RULE: Rule = Rule {
    id: "plaintext-credential",
    severity: Severity::Error,
    confidence: Confidence::Medium,
    summary: "credential written in plain text",
    help: "rotate the credential, remove it from the file (and its history), and read it from \
           the CI system's secret store (`${{ secrets.NAME }}`, a masked GitLab variable) or a \
           build secret (`RUN --mount=type=secret`)",
    practices: &["SEC-02", "SEC-03"],
};

static CREDENTIAL_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)$",
    )
    .ok()
});

/// Whether `name` names a credential (and not, say, a path to one, or a switch such as
/// `AUTH_USE_ID_TOKEN` that says whether one is used).
pub(crate) fn is_credential_name(name: &str) -> bool {
    const SWITCHES: &[&str] = &[
        "use", "enable", "enabled", "disable", "disabled", "allow", "require", "skip", "is", "has",
        "should",
    ];
    let name = name.trim();
    let switch = name
        .split(['_', '-'])
        .any(|word| SWITCHES.iter().any(|s| word.eq_ignore_ascii_case(s)));
    !switch && CREDENTIAL_NAME.as_ref().is_some_and(|r| r.is_match(name))
}

/// Whether `value` is written out rather than read from elsewhere.
pub(crate) fn is_literal(value: &str) -> bool {
    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
    value.chars().count() >= 4
        && !value.contains('$')
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "none" | "null"
        )
}

/// A finding at `location` whose snippet has `value` masked.
fn finding(name: &str, value: &str, location: Location, text: &str) -> Finding {
    let mut found = Finding::new(
        &RULE,
        location.clone(),
        format!("`{name}` holds a literal credential"),
        text,
    );
    let line = source::line_of(text, location.line);
    // When the value is not written verbatim on the line (escapes, a block scalar), nothing
    // of the line after the name is shown.
    found.snippet = if value.is_empty() || !line.contains(value) {
        format!("{name}: ****")
    } else {
        source::snippet(&line.replace(value, "****"))
    };
    found
}

/// Checks the credential-named entries of `map`; values in `throwaway` are the credentials
/// of a service container the job starts itself, not secrets.
fn check_map(map: Option<&Node>, file: &YamlFile, throwaway: &[&str], out: &mut Vec<Finding>) {
    let Some(map) = map else { return };
    for (key, value) in map.entries() {
        let Some(name) = key.as_str() else { continue };
        // GitLab's long form: `NAME: { value: ..., description: ... }`.
        let value = value.get("value").unwrap_or(value);
        let Some(text) = value.as_str() else { continue };
        let bare = text.trim().trim_matches(|c| c == '"' || c == '\'');
        // `user:password` for a service the job starts, as well as the password alone.
        let of_service = !throwaway.is_empty()
            && bare
                .split(':')
                .all(|part| throwaway.contains(&part) || part.len() < 4);
        if is_credential_name(name) && is_literal(text) && !of_service {
            out.push(finding(name, text, file.at(value.span), file.text));
        }
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            // Workflow-level values reach every job, so any job's services count.
            let services: Vec<&str> = jobs(document)
                .iter()
                .flat_map(|(_, job)| service_values(job))
                .collect();
            check_map(document.get("env"), file, &services, &mut out);
            for (_, job) in jobs(document) {
                // `VAULT_DEV_ROOT_TOKEN_ID: root` on a service container and `VAULT_TOKEN:
                // root` in the job: the job talks to a server it started for the run.
                let throwaway = service_values(job);
                check_map(job.get("env"), file, &throwaway, &mut out);
                // The registry login for the job's and its services' images is a real
                // account's, whatever the job starts.
                let container = job.get("container").into_iter();
                let services = job.get("services").into_iter().flat_map(Node::entries);
                for image in container.chain(services.map(|(_, service)| service)) {
                    check_map(image.get("credentials"), file, &[], &mut out);
                }
                for step in steps(job) {
                    check_map(step.get("env"), file, &throwaway, &mut out);
                    check_map(step.get("with"), file, &throwaway, &mut out);
                }
            }
        }
    }
    for file in &sources.actions {
        for step in file.documents.iter().flat_map(action_steps) {
            check_map(step.get("env"), file, &[], &mut out);
            check_map(step.get("with"), file, &[], &mut out);
        }
    }
    for file in &sources.gitlab {
        for document in &file.documents {
            check_map(document.get("variables"), file, &[], &mut out);
            for (_, job) in document.entries() {
                check_map(job.get("variables"), file, &[], &mut out);
            }
        }
    }
    for docker in &sources.dockerfiles {
        for instruction in docker.file.stages.iter().flat_map(|s| &s.instructions) {
            if !matches!(instruction.keyword.as_str(), "ENV" | "ARG") {
                continue;
            }
            for (name, value) in assignments(&instruction.args) {
                if !is_credential_name(name) || !is_literal(value) {
                    continue;
                }
                let path = &docker.file.path;
                let location = super::locate_in_text(
                    path,
                    docker.text,
                    instruction.line,
                    instruction.line + 20,
                    value,
                )
                .unwrap_or_else(|| super::line_location(path, docker.text, instruction.line));
                out.push(finding(name, value, location, docker.text));
            }
        }
    }
    out
}

/// The values a job's service containers are configured with (`services.<name>.env`).
fn service_values(job: &Node) -> Vec<&str> {
    let Some(services) = job.get("services") else {
        return Vec::new();
    };
    services
        .entries()
        .iter()
        .filter_map(|(_, service)| service.get("env"))
        .flat_map(|env| env.entries().iter().filter_map(|(_, value)| value.as_str()))
        .map(|value| value.trim())
        .filter(|value| is_literal(value))
        .collect()
}

/// `NAME=value` pairs of an `ENV`/`ARG` line, or the legacy `ENV NAME value` form.
fn assignments(args: &str) -> Vec<(&str, &str)> {
    let args = args.trim();
    if !args
        .split_whitespace()
        .next()
        .is_some_and(|w| w.contains('='))
    {
        return match args.split_once(char::is_whitespace) {
            Some((name, value)) => vec![(name, value.trim())],
            None => Vec::new(),
        };
    }
    args.split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(n, v)| (n, v.trim_matches(|c| c == '"' || c == '\'')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        assert!(is_credential_name("AWS_SECRET_ACCESS_KEY"));
        assert!(is_credential_name("password"));
        assert!(is_credential_name("GITHUB_TOKEN"));
        assert!(!is_credential_name("PASSWORD_FILE"));
        assert!(!is_credential_name("VITE_AUTH_PROVIDER_USE_ID_TOKEN"));
        assert!(!is_credential_name("ENABLE_API_KEY"));
        assert!(is_credential_name("USER_TOKEN"));
        assert!(is_literal("hunter2"));
        assert!(!is_literal("${{ secrets.PASSWORD }}"));
        assert!(!is_literal("$DB_PASSWORD"));
        assert!(!is_literal("true"));
    }

    #[test]
    fn values_not_written_verbatim_are_masked_whole() {
        let text = "env:\n  PASSWORD: \"hunter\\x32hunter\"\n";
        let location = Location::line("w.yml", 2, 13, 30);
        let found = finding("PASSWORD", "hunter2hunter", location, text);
        assert_eq!(found.snippet, "PASSWORD: ****");
        let control = finding("TOKEN\u{1b}[31m", "x", Location::file("w.yml"), "");
        assert!(!control.message.contains('\u{1b}'));
    }

    #[test]
    fn dockerfile_assignments() {
        assert_eq!(assignments("A=1 B=\"two\""), vec![("A", "1"), ("B", "two")]);
        assert_eq!(assignments("API_KEY abc def"), vec![("API_KEY", "abc def")]);
    }
}
