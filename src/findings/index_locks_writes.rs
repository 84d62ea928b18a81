//! `index-locks-writes`: an index on an existing table is built without `CONCURRENTLY`, blocking writes to
//! the table for the whole build. Indexes on tables created by the same migration are empty and
//! not reported.

use super::{Finding, Rule, Severity, Sources, hazard_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "index-locks-writes",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "an index is built without CONCURRENTLY",
    help: "use `CREATE INDEX CONCURRENTLY` (Alembic: `postgresql_concurrently=True` in an autocommit block)",
    practices: &["DEP-22"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    hazard_findings(sources, &RULE, HazardKind::IndexLocksWrites)
}
