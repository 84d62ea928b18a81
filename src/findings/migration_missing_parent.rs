//! `migration-missing-parent`: a `down_revision` names a revision found in no versions folder of the repository.
//!
//! Alembic cannot build the revision map and every command fails.

use super::{Finding, Rule, Severity, Sources, graph_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::GraphProblemKind;

pub const RULE: Rule = Rule {
    id: "migration-missing-parent",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "an Alembic revision names a parent that does not exist",
    help: "point `down_revision` at an existing revision id (see `alembic history`), or restore the deleted revision",
    practices: &["DEP-16", "DEP-20"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    graph_findings(sources, &RULE, GraphProblemKind::MissingParent)
}
