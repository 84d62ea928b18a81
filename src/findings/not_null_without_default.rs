//! `not-null-without-default`: a migration adds a `NOT NULL` column without a default.
//!
//! On a table with rows the statement fails; on PostgreSQL 11+ a constant default makes it
//! instant, so the fix is cheap.

use super::{Finding, Rule, Severity, Sources, hazard_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "not-null-without-default",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "a NOT NULL column is added without a default",
    help: "add the column nullable (or with a constant DEFAULT / server_default), backfill, then set NOT NULL",
    practices: &["DEP-22"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    hazard_findings(sources, &RULE, HazardKind::NotNullWithoutDefault)
}
