//! `validating-constraint`: a foreign key or check constraint added without `NOT VALID`, or `SET NOT NULL`, scans
//! the whole table while holding a lock that blocks writes.

use super::{Finding, Rule, Severity, Sources, hazard_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "validating-constraint",
    severity: Severity::Warning,
    confidence: Confidence::Medium,
    summary: "a constraint is validated under an exclusive lock",
    help: "add FOREIGN KEY and CHECK constraints `NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration; \
           for NOT NULL, validate a `CHECK (c IS NOT NULL) NOT VALID` first",
    practices: &["DEP-22"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    hazard_findings(sources, &RULE, HazardKind::ValidatingConstraint)
}
