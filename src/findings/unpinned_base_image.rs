//! `unpinned-base-image`: a `FROM` image named by tag, by `latest` or by no tag at all.
//!
//! Without a digest the same Dockerfile builds a different image whenever the tag moves.
//! Stages of the same file, `scratch`, and images built from `ARG` values are not reported.

use super::{Finding, Rule, Severity, Sources, line_location, locate_in_text};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "unpinned-base-image",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "base image not pinned to a digest",
    help: "pin the base image by digest (`FROM <image>:<tag>@sha256:<digest>`) and let \
           Dependabot or Renovate update it",
    practices: &["SEC-14"],
};

/// Why `image` is mutable, or `None` when it is pinned or not an image.
pub(crate) fn unpinned(image: &str) -> Option<String> {
    if image.is_empty() || image.contains('$') || image.eq_ignore_ascii_case("scratch") {
        return None;
    }
    if image.contains("@sha256:") {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    Some(match last.split_once(':') {
        None => format!("`{image}` has no tag, so it means `latest`"),
        Some((_, "latest")) => format!("`{image}` follows `latest`"),
        Some((_, tag)) => format!("`{image}` is pinned to tag `{tag}`, not a digest"),
    })
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for docker in &sources.dockerfiles {
        let path = &docker.file.path;
        for stage in &docker.file.stages {
            if stage.base_stage().is_some() {
                continue;
            }
            let Some(message) = unpinned(&stage.image) else {
                continue;
            };
            let location = locate_in_text(path, docker.text, stage.line, stage.line, &stage.image)
                .unwrap_or_else(|| line_location(path, docker.text, stage.line));
            out.push(Finding::new(&RULE, location, message, docker.text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn images() {
        assert!(unpinned("python").is_some_and(|m| m.contains("no tag")));
        assert!(unpinned("python:latest").is_some_and(|m| m.contains("latest")));
        assert!(unpinned("localhost:5000/app").is_some_and(|m| m.contains("no tag")));
        assert!(unpinned("python:3.12@sha256:abc").is_none());
        assert!(unpinned("scratch").is_none());
        assert!(unpinned("${BASE}").is_none());
    }
}
