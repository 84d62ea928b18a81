//! `migration-multiple-heads`: an Alembic versions folder has more than one revision that no other revision builds on.
//!
//! `alembic upgrade head` refuses to run with several heads, so the next deploy fails. One
//! finding per head, at its `revision =` line.

use super::{Finding, Rule, Severity, Sources, graph_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::GraphProblemKind;

pub const RULE: Rule = Rule {
    id: "migration-multiple-heads",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "Alembic revisions have more than one head",
    help: "merge the heads with `alembic merge heads -m \"merge\"` and gate pull requests on `alembic check` or a single-head test",
    practices: &["DEP-16", "DEP-20"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    graph_findings(sources, &RULE, GraphProblemKind::MultipleHeads)
}
