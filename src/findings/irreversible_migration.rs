//! `irreversible-migration`: a migration that cannot be reverted.
//!
//! The reasons come from [`crate::parse::migrations`]: an Alembic `downgrade()` that is
//! missing, empty or raises; a golang-migrate `.up.sql` without its `.down.sql`; a Flyway
//! versioned migration without its `U` undo; a Rails `ActiveRecord::IrreversibleMigration`, a
//! `def change` calling what Rails cannot invert, or a `def up` without `def down`; a Django
//! `RunPython` without `reverse_code` or `RunSQL` without `reverse_sql`; a Knex migration
//! without a `down`; a Laravel migration whose `down()` is missing, empty or throws; an Entity
//! Framework Core migration whose `Down` is missing, empty or throws.

use super::{Finding, Rule, Severity, Sources, framework_help};
use crate::evidence::Confidence;
use crate::inventory::MigrationSystem;
use crate::parse::migrations::Reversibility;

pub const RULE: Rule = Rule {
    id: "irreversible-migration",
    severity: Severity::Note,
    confidence: Confidence::High,
    summary: "a migration cannot be reverted",
    help: "write the down path (downgrade(), .down.sql, undo migration, reverse_code, def down, down()), or \
           record in docs/migrations.md why this change is forward-fix only",
    practices: &["DEP-18"],
};

/// The fix in the terms of one framework.
fn help_for(system: MigrationSystem) -> Option<&'static str> {
    Some(match system {
        MigrationSystem::Alembic => {
            "implement `downgrade()` so that it undoes `upgrade()`, or record in docs/migrations.md \
             why this change is forward-fix only"
        }
        MigrationSystem::Django => {
            "give `RunPython` a `reverse_code` (`migrations.RunPython.noop` where nothing needs \
             undoing) and `RunSQL` a `reverse_sql`, or record in docs/migrations.md why this change \
             is forward-fix only"
        }
        MigrationSystem::Rails => {
            "define `down` (or keep to operations Rails can reverse in `change`, with `reversible` \
             for the rest), or record in docs/migrations.md why this change is forward-fix only"
        }
        MigrationSystem::Flyway => {
            "add the undo migration `U<version>__<description>.sql` beside the versioned one, or \
             record in docs/migrations.md why this change is forward-fix only"
        }
        MigrationSystem::GolangMigrate | MigrationSystem::Sqlx => {
            "add the `.down.sql` that undoes the `.up.sql`, or record in docs/migrations.md why \
             this change is forward-fix only"
        }
        MigrationSystem::Liquibase => {
            "give the changeSet a `<rollback>`, or record in docs/migrations.md why this change is \
             forward-fix only"
        }
        MigrationSystem::GoCode => {
            "register a down function that undoes the up one, or record in docs/migrations.md why \
             this change is forward-fix only"
        }
        MigrationSystem::Knex => {
            "export a `down` that undoes `up`, or record in docs/migrations.md why this change is \
             forward-fix only"
        }
        MigrationSystem::Laravel => {
            "write a `down()` that undoes `up()`, so that `php artisan migrate:rollback` restores \
             the schema, or record in docs/migrations.md why this change is forward-fix only"
        }
        MigrationSystem::EfCore => {
            "write a `Down` that undoes `Up`, so that `dotnet ef database update <previous>` \
             restores the schema, or record in docs/migrations.md why this change is forward-fix \
             only"
        }
        _ => return None,
    })
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let findings = sources
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
        .collect();
    framework_help(sources, findings, help_for)
}
