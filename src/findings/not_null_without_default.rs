//! `not-null-without-default`: a migration adds a `NOT NULL` column without a default.
//!
//! On a table with rows the statement fails; on PostgreSQL 11+ a constant default makes it
//! instant, so the fix is cheap.

use super::{Finding, Rule, Severity, Sources, framework_help, hazard_findings};
use crate::evidence::Confidence;
use crate::inventory::MigrationSystem;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "not-null-without-default",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "a NOT NULL column is added without a default",
    help: "add the column nullable (or with a constant default), backfill, then set NOT NULL",
    practices: &["DEP-22"],
};

/// The fix in the terms of one framework; SQL migrations keep the rule's help.
fn help_for(system: MigrationSystem) -> Option<&'static str> {
    Some(match system {
        MigrationSystem::Alembic => {
            "add the column with `nullable=True` (or a constant `server_default`), backfill, then \
             set it NOT NULL in a later revision"
        }
        MigrationSystem::Django => {
            "add the field with `null=True` (or a `default=` / `db_default=`), backfill, then make \
             it required in a later migration"
        }
        MigrationSystem::Rails => {
            "add the column with `null: true` (or a constant `default:`), backfill, then \
             `change_column_null` it in a later migration"
        }
        MigrationSystem::Knex => {
            "add the column `.nullable()` (or with `.defaultTo(...)`), backfill, then make it \
             `.notNullable().alter()` in a later migration"
        }
        MigrationSystem::Laravel => {
            "add the column `->nullable()` (or with `->default(...)`), backfill, then make it \
             required with `->change()` in a later migration"
        }
        MigrationSystem::EfCore => {
            "add the column with `nullable: true` (or a `defaultValue:` / `defaultValueSql:`), \
             backfill, then make it required in a later migration"
        }
        _ => return None,
    })
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let findings = hazard_findings(sources, &RULE, HazardKind::NotNullWithoutDefault);
    framework_help(sources, findings, help_for)
}
