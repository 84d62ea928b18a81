//! `volatile-default`: a column is added with a default computed per row (`random()`,
//! `gen_random_uuid()`, `clock_timestamp()`), which rewrites the whole table under an exclusive
//! lock. `now()` is stable, evaluated once for the statement, and costs nothing since
//! PostgreSQL 11.

use super::{Finding, Rule, Severity, Sources, hazard_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "volatile-default",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "a column is added with a volatile default",
    help: "add the column without a default (or with a constant one), backfill in batches, then set the default",
    practices: &["DEP-22"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    hazard_findings(sources, &RULE, HazardKind::VolatileDefault)
}
