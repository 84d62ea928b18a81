//! `unpinned-uses`: actions and reusable workflows referenced by a tag or branch.
//!
//! A tag can be moved to any commit by whoever controls the action's repository, so the code a
//! workflow runs can change without a commit in this repository. Only a full 40-hex commit SHA
//! is immutable. Local actions (`./...`) are part of the repository and are never reported;
//! `docker://` images must carry an `@sha256:` digest. GitHub's own `actions/*` and `github/*`
//! are exempt: they come from the platform that already runs the workflow, so pinning them adds
//! no new party to trust (pin them anyway under a strict policy; a suppression is not needed).

use super::{Finding, Rule, Severity, Sources, is_commit_sha, jobs, step_lists};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;

pub const RULE: Rule = Rule {
    id: "unpinned-uses",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "third-party action or reusable workflow not pinned to a commit SHA",
    help: "pin to the full 40-character commit SHA and keep the tag in a comment \
           (`uses: owner/action@<sha> # v1.2.3`); let Dependabot or Renovate update it",
    practices: &["AUT-05"],
};

/// Whether a reference must name a release tag to work: the SLSA generator's workflows and
/// actions verify their own ref against a release tag and fail when called by commit SHA.
pub(crate) fn pinned_by_tag_by_design(uses: &str) -> bool {
    let Some((name, reference)) = uses.split_once('@') else {
        return false;
    };
    let version = reference
        .strip_prefix('v')
        .is_some_and(|v| !v.is_empty() && v.split('.').all(|p| p.parse::<u32>().is_ok()));
    version
        && name
            .to_ascii_lowercase()
            .starts_with("slsa-framework/slsa-github-generator/")
}

/// Why a `uses:` reference is mutable, or `None` when it is pinned, local, or one that must
/// name a release tag ([`pinned_by_tag_by_design`]).
pub(crate) fn unpinned(uses: &str) -> Option<String> {
    if pinned_by_tag_by_design(uses) {
        return None;
    }
    if uses.starts_with("./") || uses.starts_with('.') && !uses.contains('@') {
        return None;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return (!image.contains("@sha256:"))
            .then(|| format!("container action `{image}` is not pinned to a digest"));
    }
    let lower = uses.to_ascii_lowercase();
    if lower.starts_with("actions/") || lower.starts_with("github/") {
        return None;
    }
    match uses.split_once('@') {
        Some((name, reference)) if !is_commit_sha(reference) => Some(format!(
            "`{name}` is pinned to `{reference}`, which its owner can move"
        )),
        Some(_) => None,
        None => Some(format!("`{uses}` has no version at all")),
    }
}

fn check(node: Option<&Node>, file: &super::YamlFile, out: &mut Vec<Finding>) {
    let Some(node) = node else { return };
    let Some(uses) = node.as_str() else { return };
    if let Some(message) = unpinned(uses.trim()) {
        out.push(Finding::new(&RULE, file.at(node.span), message, file.text));
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in sources.workflows.iter().chain(&sources.actions) {
        for document in &file.documents {
            for (_, job) in jobs(document) {
                check(job.get("uses"), file, &mut out);
            }
            for step in step_lists(document).flatten() {
                check(step.get("uses"), file, &mut out);
            }
            // A container action runs an image: one named by registry should be pinned too
            // (`image: Dockerfile` builds the action's own).
            let image = (document.get("runs")).and_then(|runs| runs.get("image"));
            if image
                .and_then(Node::as_str)
                .is_some_and(|i| i.trim().starts_with("docker://"))
            {
                check(image, file, &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn references() {
        assert!(unpinned("./.github/actions/setup").is_none());
        assert!(unpinned("actions/checkout@v4").is_none());
        assert!(unpinned("docker/login-action@v3").is_some());
        assert!(unpinned("docker/login-action@0123456789abcdef0123456789abcdef01234567").is_none());
        assert!(unpinned("docker://alpine:3.20").is_some());
        assert!(unpinned("docker://alpine@sha256:abcd").is_none());
        assert!(unpinned("org/repo/.github/workflows/ci.yml@main").is_some());
        // The SLSA generator refuses to run unless it is called by its release tag.
        let slsa =
            "slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml";
        assert!(unpinned(&format!("{slsa}@v2.1.0")).is_none());
        assert!(unpinned(&format!("{slsa}@main")).is_some());
        assert!(unpinned("other/slsa-github-generator/x.yml@v2.1.0").is_some());
    }
}
