//! `root-container`: the image a Dockerfile ships runs as root.
//!
//! The final stage sets no `USER` (and neither does a stage of this file it builds on), or sets
//! `root`/`0`. A base image may set its own user, which cannot be seen from here, so the
//! confidence is medium; images whose tag says `nonroot` are trusted to mean it. Only
//! Dockerfiles the project ships are audited (not dev containers, tests or examples).

use super::{Finding, Rule, Severity, Sources, line_location, locate_in_text};
use crate::evidence::Confidence;
use crate::parse::dockerfile::{Dockerfile, Instruction};

pub const RULE: Rule = Rule {
    id: "root-container",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "container image runs as root",
    help: "create an unprivileged user and end the final stage with `USER <name or uid>` \
           (or start from a `nonroot` base image)",
    practices: &["SEC-16"],
};

/// The last `USER` that applies to the final stage, following the stages of the same file it
/// builds on.
fn effective_user(file: &Dockerfile) -> Option<&Instruction> {
    file.final_lineage()
        .find_map(|(_, stage)| stage.last("USER"))
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for docker in &sources.dockerfiles {
        if !docker.file.ships_an_image() {
            continue;
        }
        let Some(stage) = docker.file.final_stage() else {
            continue;
        };
        let path = &docker.file.path;
        match effective_user(docker.file) {
            Some(user) => {
                let name = user.args.split(':').next().unwrap_or("").trim();
                if matches!(name, "root" | "0") {
                    out.push(Finding::new(
                        &RULE,
                        line_location(path, docker.text, user.line),
                        format!("the final stage runs as `{}`", user.args.trim()),
                        docker.text,
                    ));
                }
            }
            None => {
                if stage.image.to_ascii_lowercase().contains("nonroot") {
                    continue;
                }
                let location =
                    locate_in_text(path, docker.text, stage.line, stage.line, &stage.image)
                        .unwrap_or_else(|| line_location(path, docker.text, stage.line));
                out.push(Finding::new(
                    &RULE,
                    location,
                    "the final stage sets no `USER`, so it runs as root".to_string(),
                    docker.text,
                ));
            }
        }
    }
    out
}
