//! `migration-cycle`: following `down_revision` from a revision comes back to it.
//!
//! Reported once per cycle, at the `down_revision =` line of its smallest revision id.

use super::{Finding, Rule, Severity, Sources, graph_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::GraphProblemKind;

pub const RULE: Rule = Rule {
    id: "migration-cycle",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "Alembic revisions form a cycle",
    help: "break the cycle so that following `down_revision` always ends at a base revision (`down_revision = None`)",
    practices: &["DEP-16", "DEP-20"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    graph_findings(sources, &RULE, GraphProblemKind::Cycle)
}
