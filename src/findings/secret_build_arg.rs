//! `secret-build-arg`: a credential passed to a Dockerfile as a build argument.
//!
//! `ARG` values reach the environment of every later `RUN` and are recorded with those layers,
//! so whoever can pull the image can read them back from its history. A build argument named
//! like a credential is reported even without a default; one with a literal default is a
//! `plaintext-credential` instead.

use super::plaintext_credential::{is_credential_name, is_literal};
use super::{Finding, Rule, Severity, Sources, line_location, locate_in_text};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "secret-build-arg",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "credential passed as a build argument",
    help: "pass it as a build secret (`RUN --mount=type=secret,id=name ...` with \
           `docker build --secret id=name,...`) so it never enters a layer or the image history",
    practices: &["SEC-03"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for docker in &sources.dockerfiles {
        let path = &docker.file.path;
        for instruction in docker.file.stages.iter().flat_map(|s| &s.instructions) {
            if instruction.keyword != "ARG" {
                continue;
            }
            for word in instruction.args.split_whitespace() {
                let (name, value) = word.split_once('=').unwrap_or((word, ""));
                if !is_credential_name(name) || is_literal(value) {
                    continue;
                }
                let location =
                    locate_in_text(path, docker.text, instruction.line, instruction.line, name)
                        .unwrap_or_else(|| line_location(path, docker.text, instruction.line));
                out.push(Finding::new(
                    &RULE,
                    location,
                    format!("build argument `{name}` carries a credential"),
                    docker.text,
                ));
            }
        }
    }
    out
}
