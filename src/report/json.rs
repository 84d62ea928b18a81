//! The JSON report: the assessment as it is, with `schema_version`.

use crate::Assessment;

pub fn render(assessment: &Assessment) -> String {
    let mut out = serde_json::to_string_pretty(assessment)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// The JSON Schema of the report, generated from the same types that serialise it.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Assessment);
    let mut out = serde_json::to_string_pretty(&schema).unwrap_or_default();
    out.push('\n');
    out
}
