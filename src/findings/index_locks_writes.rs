//! `index-locks-writes`: an index on an existing table is built without `CONCURRENTLY`, blocking writes to
//! the table for the whole build. Indexes on tables created by the same migration are empty and
//! not reported.
//!
//! `CONCURRENTLY` cannot run inside a transaction, and every framework wraps a migration in
//! one, so the help names each framework's way out of it.

use super::{Finding, Rule, Severity, Sources, framework_help, hazard_findings};
use crate::evidence::Confidence;
use crate::inventory::MigrationSystem;
use crate::parse::hazards::HazardKind;

pub const RULE: Rule = Rule {
    id: "index-locks-writes",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "an index is built without CONCURRENTLY",
    help: "build the index with `CREATE INDEX CONCURRENTLY`, outside the migration's transaction (Alembic: \
           `postgresql_concurrently=True` in an autocommit block; Django: `AddIndexConcurrently`; Rails: \
           `algorithm: :concurrently` with `disable_ddl_transaction!`; Laravel and EF Core: the statement \
           as raw SQL outside a transaction)",
    practices: &["DEP-22"],
};

/// The fix in the terms of one framework.
fn help_for(system: MigrationSystem) -> Option<&'static str> {
    Some(match system {
        MigrationSystem::Alembic => {
            "create it with `op.create_index(..., postgresql_concurrently=True)` inside \
             `with op.get_context().autocommit_block():`, since CONCURRENTLY cannot run in a \
             transaction"
        }
        MigrationSystem::Django => {
            "use `AddIndexConcurrently` (from `django.contrib.postgres.operations`), or \
             `CREATE INDEX CONCURRENTLY` in `RunSQL`, in a migration with `atomic = False`"
        }
        MigrationSystem::Rails => {
            "pass `algorithm: :concurrently` to `add_index` (or write `CREATE INDEX CONCURRENTLY` \
             in `execute`) and call `disable_ddl_transaction!` in the migration"
        }
        MigrationSystem::Knex => {
            "write `CREATE INDEX CONCURRENTLY` in `knex.raw` and export \
             `config = { transaction: false }` from the migration"
        }
        MigrationSystem::Laravel => {
            "Laravel's schema builder cannot build an index concurrently: write \
             `DB::statement('CREATE INDEX CONCURRENTLY ...')` in a migration that sets \
             `public $withinTransaction = false;`"
        }
        MigrationSystem::EfCore => {
            "mark the index `.IsCreatedConcurrently()` in the model (Npgsql), which makes the \
             migration build it with CREATE INDEX CONCURRENTLY outside a transaction, or write \
             `migrationBuilder.Sql(\"CREATE INDEX CONCURRENTLY ...\", suppressTransaction: true)`; \
             on SQL Server, `.IsCreatedOnline()`"
        }
        MigrationSystem::Flyway
        | MigrationSystem::Liquibase
        | MigrationSystem::GolangMigrate
        | MigrationSystem::Prisma
        | MigrationSystem::Sqlx
        | MigrationSystem::GoCode
        | MigrationSystem::Sql => {
            "build the index with `CREATE INDEX CONCURRENTLY`, in a migration that does not run \
             inside a transaction"
        }
    })
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let findings = hazard_findings(sources, &RULE, HazardKind::IndexLocksWrites);
    framework_help(sources, findings, help_for)
}
