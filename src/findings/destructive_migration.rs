//! `destructive-migration`: a migration drops a table or column, renames one, or changes a column's type.
//!
//! The release still running during a deploy reads the old shape and fails; a type change also
//! rewrites the table under an exclusive lock.

use super::{Finding, Rule, Severity, Sources, hazard_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "destructive-migration",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "a migration drops, renames or retypes data",
    help: "expand and contract: add the new column or table, deploy code that writes both, backfill, \
           and drop or rename only after no running release reads the old one",
    practices: &["DEP-22"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    hazard_findings(sources, &RULE, HazardKind::Destructive)
}
