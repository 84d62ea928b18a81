//! `irreversible-migration`: a migration that cannot be reverted.
//!
//! The reasons come from [`crate::parse::migrations`]: an Alembic `downgrade()` that is
//! missing, empty or raises; a golang-migrate `.up.sql` without its `.down.sql`; a Flyway
//! versioned migration without its `U` undo; a Rails `ActiveRecord::IrreversibleMigration`, a
//! `def change` calling what Rails cannot invert, or a `def up` without `def down`; a Django
//! `RunPython` without `reverse_code` or `RunSQL` without `reverse_sql`; a Knex migration
//! without a `down`.

use super::{Finding, Rule, Severity, Sources};
use crate::evidence::Confidence;
use crate::parse::migrations::Reversibility;

pub const RULE: Rule = Rule {
    id: "irreversible-migration",
    severity: Severity::Note,
    confidence: Confidence::High,
    summary: "a migration cannot be reverted",
    help: "write the down path (downgrade(), .down.sql, undo migration, reverse_code, def down), or record \
           in docs/migrations.md why this change is forward-fix only",
    practices: &["DEP-18"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    sources
        .migrations
        .files
        .iter()
        .filter_map(|f| match &f.reversibility {
            Reversibility::Irreversible(why) => Some(Finding::new(
                &RULE,
                f.location.clone(),
                format!("cannot be reverted: {why}"),
                sources.text(&f.path),
            )),
            _ => None,
        })
        .collect()
}
