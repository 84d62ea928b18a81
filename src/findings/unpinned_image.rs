//! `unpinned-image`: job containers and service images referenced by tag, in GitHub Actions
//! (`container:`, `services:`) and GitLab CI (`image:`, `services:`).
//!
//! A tag is a pointer its publisher can move; only `@sha256:` names fixed content. Images
//! built from variables (`$CI_REGISTRY_IMAGE`, `${{ matrix.image }}`) are not reported: their
//! value is decided elsewhere.

use super::{Finding, Rule, Severity, Sources, YamlFile, jobs};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;

pub const RULE: Rule = Rule {
    id: "unpinned-image",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "CI job or service container image not pinned to a digest",
    help: "reference the image by digest (`image: postgres:16@sha256:<digest>`) and let a \
           dependency bot update it",
    practices: &["AUT-05", "SEC-14"],
};

/// The image named by a `container:`/`image:`/service entry: a string or a map with `image:`
/// (GitHub) or `name:` (GitLab).
fn image_node(node: &Node) -> Option<&Node> {
    if node.as_str().is_some() {
        return Some(node);
    }
    node.get("image").or_else(|| node.get("name"))
}

fn check(node: Option<&Node>, file: &YamlFile, out: &mut Vec<Finding>) {
    let Some(image) = node.and_then(image_node) else {
        return;
    };
    let Some(name) = image.as_str().map(str::trim) else {
        return;
    };
    if name.is_empty() || name.contains('$') || name.contains("@sha256:") {
        return;
    }
    out.push(Finding::new(
        &RULE,
        file.at(image.span),
        format!("image `{name}` is not pinned to a digest"),
        file.text,
    ));
}

fn check_services(node: Option<&Node>, file: &YamlFile, out: &mut Vec<Finding>) {
    let Some(services) = node else { return };
    for (_, service) in services.entries() {
        check(Some(service), file, out);
    }
    for service in services.items() {
        check(Some(service), file, out);
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            for (_, job) in jobs(document) {
                check(job.get("container"), file, &mut out);
                check_services(job.get("services"), file, &mut out);
            }
        }
    }
    for file in &sources.gitlab {
        for document in &file.documents {
            check(document.get("image"), file, &mut out);
            check_services(document.get("services"), file, &mut out);
            for (key, job) in document.entries() {
                if !job.is_map() || key.as_str().is_some_and(|k| k == "default") {
                    if key.as_str() == Some("default") {
                        check(job.get("image"), file, &mut out);
                        check_services(job.get("services"), file, &mut out);
                    }
                    continue;
                }
                check(job.get("image"), file, &mut out);
                check_services(job.get("services"), file, &mut out);
            }
        }
    }
    out
}
