//! `overprovisioned-secrets`: every secret of the repository handed to one step.
//!
//! `${{ toJSON(secrets) }}` expands to all of them, and `secrets[...]` indexed by a computed
//! name makes GitHub load all of them into the job for it: one compromised tool or log line
//! then leaks every credential, not only the one the step needs.

use super::template_injection::expressions;
use super::{Finding, Rule, Severity, Sources, YamlFile};
use crate::evidence::Confidence;
use crate::parse::yaml::{Node, Value};
use crate::source::Location;

pub const RULE: Rule = Rule {
    id: "overprovisioned-secrets",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "every secret of the repository exposed to one step",
    help: "name each secret the step needs (`${{ secrets.DEPLOY_TOKEN }}`) instead of `toJSON(secrets)` \
           or `secrets[name]`",
    practices: &["AUT-06", "SEC-02"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in sources.workflows.iter().chain(&sources.actions) {
        for document in &file.documents {
            scan(document, file, &mut out);
        }
    }
    out
}

/// Reports each expression in the scalars under `node` that exposes every secret.
fn scan(node: &Node, file: &YamlFile, out: &mut Vec<Finding>) {
    // Nodes are visited from a list, not by recursion: the reader bounds nesting, and this
    // keeps the walk from depending on that bound.
    let mut waiting = vec![node];
    while let Some(node) = waiting.pop() {
        match &node.value {
            Value::Map(entries) => waiting.extend(entries.iter().rev().map(|(_, v)| v)),
            Value::Seq(items) => waiting.extend(items.iter().rev()),
            Value::Scalar { .. } => {
                for (line, column, expression) in expressions(node, file) {
                    if let Some(what) = exposes_every_secret(expression) {
                        let end = column + expression.chars().count();
                        let location = Location::line(file.path, line, column, end);
                        let message = format!("{what} gives this step every secret");
                        out.push(Finding::new(&RULE, location, message, file.text));
                    }
                }
            }
            _ => {}
        }
    }
}

/// How an expression reaches every secret, if it does: `toJSON(secrets)`, or `secrets[...]`
/// indexed by anything but a quoted name.
fn exposes_every_secret(expression: &str) -> Option<&'static str> {
    let compact: String = (expression.chars())
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if compact.contains("tojson(secrets)") {
        return Some("`toJSON(secrets)`");
    }
    let bytes = compact.as_bytes();
    let computed = compact.match_indices("secrets[").any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let whole = !before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
        let quoted = matches!(bytes.get(at + 8), Some(b'\'' | b'"'));
        whole && !quoted
    });
    computed.then_some("`secrets[...]` with a computed name")
}

#[cfg(test)]
mod tests {
    use super::exposes_every_secret;

    #[test]
    fn expressions() {
        assert!(exposes_every_secret("${{ toJSON(secrets) }}").is_some());
        assert!(exposes_every_secret("${{ toJson( secrets ) }}").is_some());
        assert!(exposes_every_secret("${{ secrets[format('{0}_TOKEN', matrix.env)] }}").is_some());
        assert!(exposes_every_secret("${{ secrets[matrix.name] }}").is_some());
        assert!(exposes_every_secret("${{ secrets['NPM_TOKEN'] }}").is_none());
        assert!(exposes_every_secret("${{ secrets.NPM_TOKEN }}").is_none());
        assert!(exposes_every_secret("${{ toJSON(github) }}").is_none());
        assert!(exposes_every_secret("${{ inputs.secrets[0] }}").is_none());
    }
}
