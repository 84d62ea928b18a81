//! `missing-healthcheck`: a service image with no `HEALTHCHECK`.
//!
//! A service image is one whose final stage exposes a port or starts a known server. Docker
//! and Compose then cannot tell a hung process from a healthy one. Orchestrators that probe
//! the container themselves (Kubernetes) make this moot, hence the low confidence;
//! `HEALTHCHECK NONE` is an explicit choice and is accepted.

use super::{Finding, Rule, Severity, Sources, line_location};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "missing-healthcheck",
    severity: Severity::Note,
    confidence: Confidence::Low,
    summary: "service image without HEALTHCHECK",
    help: "add `HEALTHCHECK CMD <probe>` to the final stage, or `HEALTHCHECK NONE` when the \
           orchestrator probes the container itself",
    practices: &["DEP-05"],
};

const SERVERS: &[&str] = &[
    "uvicorn",
    "gunicorn",
    "hypercorn",
    "nginx",
    "httpd",
    "caddy",
    "runserver",
    "serve",
    "--port",
    "npm start",
    "node server",
];

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for docker in &sources.dockerfiles {
        if !docker.file.ships_an_image() {
            continue;
        }
        let Some(stage) = docker.file.final_stage() else {
            continue;
        };
        if stage.last("HEALTHCHECK").is_some() {
            continue;
        }
        let exposes = stage.last("EXPOSE").is_some();
        let serves = stage
            .instructions
            .iter()
            .filter(|i| matches!(i.keyword.as_str(), "CMD" | "ENTRYPOINT"))
            .any(|i| {
                let lower = i.args.to_ascii_lowercase();
                SERVERS.iter().any(|s| lower.contains(s))
            });
        if exposes || serves {
            out.push(Finding::new(
                &RULE,
                line_location(&docker.file.path, docker.text, stage.line),
                "service image has no `HEALTHCHECK`".to_string(),
                docker.text,
            ));
        }
    }
    out
}
