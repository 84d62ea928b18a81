//! `missing-lock-timeout`: a SQL migration alters, drops or indexes an existing table and never sets
//! `lock_timeout`. Waiting for its lock, the statement blocks every later query on the table.
//! Alembic revisions are not checked: their timeouts are usually set once in `env.py`.

use super::{Finding, Rule, Severity, Sources, hazard_findings};
use crate::evidence::Confidence;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "missing-lock-timeout",
    severity: Severity::Note,
    confidence: Confidence::Medium,
    summary: "a migration takes strong locks without lock_timeout",
    help: "start the migration with `SET lock_timeout = '5s';` so that it fails fast instead of queueing every query behind it",
    practices: &["DEP-22"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    hazard_findings(sources, &RULE, HazardKind::MissingLockTimeout)
}
