//! Where a deploy goes when nothing names its environment: the cluster, overlay or values
//! file its commands name, with the variables they read taken at the values the repository
//! gives them.

use std::sync::LazyLock;

use regex::RegexSet;

use super::Job;
use super::roles::{DEPLOY_COMMANDS, Scope, TEARDOWN_COMMANDS, shell_parts};

/// Commands that point the deploying tools at a cluster: the cluster they name is where the
/// deploy goes.
pub(super) static CLUSTER_COMMANDS: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bgcloud\s+container\s+clusters\s+get-credentials\b",
        r"(?i)\baws\s+eks\s+update-kubeconfig\b",
        r"(?i)\baz\s+aks\s+get-credentials\b",
        r"(?i)\bkubectl\s+config\s+use-context\b",
        r"(?i)\bdoctl\s+kubernetes\s+cluster\s+kubeconfig\s+save\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

/// The environment that the places a job deploys to are named for, when no name of the job
/// or its pipeline says: the arguments of its deploy commands and of the commands choosing
/// their cluster (`get-credentials demo-app-staging`, `-f k8s/overlays/staging`), with the
/// variables they read (`$_CLUSTER`) taken at the values the repository gives them. A target
/// named for production makes it production; else one named for staging, else for a preview.
/// Words of test and tooling environments (`load-balancer.yaml`) name no target here.
/// Gives the environment with the word that names it.
pub fn deploy_target(job: &Job) -> Option<(Scope, String)> {
    let mut found: Option<(Scope, String)> = None;
    let commands = job.steps.iter().flat_map(|s| s.commands.iter());
    for part in commands.flat_map(|c| shell_parts(&c.text)) {
        let targets = (DEPLOY_COMMANDS.is_match(part) || CLUSTER_COMMANDS.is_match(part))
            && !TEARDOWN_COMMANDS.is_match(part);
        if !targets {
            continue;
        }
        for word in target_words(part, &job.variables) {
            match Scope::from_name(&word) {
                Some(Scope::Production) => return Some((Scope::Production, word)),
                Some(scope @ (Scope::Staging | Scope::Preview))
                    if found.as_ref().is_none_or(|(f, _)| scope < *f) =>
                {
                    found = Some((scope, word));
                }
                _ => {}
            }
        }
    }
    found
}

/// The words of a command that may name where it deploys: its arguments and the values of
/// its options, and the values `variables` gives the variables it reads. Not the options'
/// own names (`--stage $STAGE` names no stage), expressions worked out at run time
/// (`${{ inputs.environment }}`), variables given no value, redirections (`2>/dev/null`), nor
/// image references and URLs, whose hosts (`us-docker.pkg.dev`) name no environment.
fn target_words(command: &str, variables: &[(String, String)]) -> Vec<String> {
    // Expressions become spaces, in one pass over the command.
    let mut text = String::with_capacity(command.len());
    let mut rest = command;
    while let Some(start) = rest.find("${{") {
        text.push_str(&rest[..start]);
        text.push(' ');
        rest = rest[start..]
            .find("}}")
            .map_or("", |e| &rest[start + e + 2..]);
    }
    text.push_str(rest);
    let mut by_name: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    // A name's distinct values, a few of them: a word reading it is one of those.
    for (name, value) in variables {
        let values = by_name.entry(name.as_str()).or_default();
        if values.len() < 16 && !values.contains(&value.as_str()) {
            values.push(value.as_str());
        }
    }
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        let token = token.trim_matches(|c: char| matches!(c, '"' | '\'' | ';' | '(' | ')'));
        let value = match token.strip_prefix('-') {
            Some(option) => match option.split_once('=') {
                Some((_, value)) => value,
                None => continue,
            },
            None => token,
        };
        let value = value.trim_matches(|c: char| matches!(c, '"' | '\''));
        if value.contains(['<', '>']) || value.starts_with("/dev/") || is_address(value) {
            continue;
        }
        let (literal, read) = split_variables(value);
        for name in read {
            let values = by_name.get(name).map_or(&[][..], Vec::as_slice);
            out.extend(
                (values.iter())
                    .filter(|v| !is_address(v))
                    .map(|v| v.to_string()),
            );
        }
        out.push(literal);
    }
    out
}

/// Whether a word is a URL or an image reference: `https://...`, `gcr.io/project/app`.
fn is_address(word: &str) -> bool {
    word.contains("://")
        || word
            .split_once('/')
            .is_some_and(|(host, _)| host.contains('.') && !host.starts_with('.'))
}

/// A word without the variables it reads (`$NAME`, `${NAME}`, `${NAME:-default}`), and the
/// names of those variables.
fn split_variables(word: &str) -> (String, Vec<&str>) {
    let mut literal = String::new();
    let mut names = Vec::new();
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        literal.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (braced, inner) = match after.strip_prefix('{') {
            Some(inner) => (true, inner),
            None => (false, after),
        };
        let length = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(inner.len());
        if length > 0 {
            names.push(&inner[..length]);
        }
        rest = if braced {
            inner.find('}').map_or("", |end| &inner[end + 1..])
        } else {
            &inner[length..]
        };
    }
    literal.push_str(rest);
    (literal, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;

    fn job_running(command: &str, variables: &[(&str, &str)]) -> Job {
        let at = Location::line("ci.yml", 1, 1, 1);
        let step = crate::pipeline::Step {
            name: None,
            uses: None,
            uses_ref: None,
            inputs: Vec::new(),
            commands: vec![crate::pipeline::Command {
                text: command.to_string(),
                location: at.clone(),
            }],
            non_blocking: false,
            location: at.clone(),
            working_directory: None,
            waits_for: None,
        };
        Job {
            steps: vec![step],
            variables: (variables.iter())
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..Job::new("ship", at)
        }
    }

    #[test]
    fn deploy_targets() {
        let target = |command: &str, variables: &[(&str, &str)]| {
            deploy_target(&job_running(command, variables))
        };
        assert_eq!(
            target(
                "gcloud container clusters get-credentials --zone=$_ZONE $_CLUSTER; skaffold run",
                &[("_ZONE", "us-central1-b"), ("_CLUSTER", "demo-app-staging")]
            ),
            Some((Scope::Staging, "demo-app-staging".to_string()))
        );
        assert_eq!(
            target("kubectl apply -k overlays/dev/ 2>/dev/null", &[]),
            Some((Scope::Staging, "overlays/dev/".to_string()))
        );
        assert_eq!(
            target(
                "helm upgrade --install shop-pr-12 ./chart -f values.prod.yaml",
                &[]
            ),
            Some((Scope::Production, "values.prod.yaml".to_string()))
        );
        // Option names, registry hosts, run-time expressions, unset variables, redirections
        // and commands that are no deploy name no target.
        for command in [
            "serverless deploy --stage $STAGE",
            "skaffold run --default-repo=us-docker.pkg.dev/$PROJECT_ID --tag=$SHA",
            "kubectl apply -f k8s/ -n ${{ inputs.environment }} > /dev/null",
            "echo deploying to staging",
            "kubectl delete namespace staging",
        ] {
            assert_eq!(target(command, &[]), None, "{command}");
        }
        assert_eq!(
            split_variables("pr-${PR_NUMBER:-0}-$ENV.yaml"),
            ("pr--.yaml".to_string(), vec!["PR_NUMBER", "ENV"])
        );
    }
}
