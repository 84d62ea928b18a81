//! `duplicate-key`: a key set twice in one mapping of a pipeline file.
//!
//! YAML forbids it, and the two CI systems handle it differently, both badly: GitHub refuses
//! the whole workflow, so none of its jobs run and its checks never report; GitLab keeps the
//! last value without a word, so whatever the first one said is silently ignored.

use super::{Finding, Rule, Severity, Sources, YamlFile};
use crate::evidence::Confidence;
use crate::parse::yaml;

pub const RULE: Rule = Rule {
    id: "duplicate-key",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "a key set twice in one mapping of a pipeline file",
    help: "keep one entry for the key and merge what the two say",
    practices: &["AUT-01"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    let consequence = "GitHub rejects the workflow, so none of its jobs run";
    for file in &sources.workflows {
        report(file, consequence, &mut out);
    }
    let consequence = "GitHub cannot load the action, so every step that uses it fails";
    for file in &sources.actions {
        report(file, consequence, &mut out);
    }
    let consequence = "GitLab keeps only the last value, so the first is silently ignored";
    for file in &sources.gitlab {
        report(file, consequence, &mut out);
    }
    out
}

fn report(file: &YamlFile, consequence: &str, out: &mut Vec<Finding>) {
    for duplicate in yaml::duplicate_keys(&file.documents) {
        let message = format!(
            "`{}` is set again here (first at line {}); {consequence}",
            duplicate.name, duplicate.first_line
        );
        out.push(Finding::new(
            &RULE,
            file.at(duplicate.span),
            message,
            file.text,
        ));
    }
}
