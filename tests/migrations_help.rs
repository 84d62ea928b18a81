//! The help of a migration finding names the fix in its framework's own terms: building an index
//! concurrently means an autocommit block in Alembic, `AddIndexConcurrently` in Django,
//! `disable_ddl_transaction!` in Rails, raw SQL outside the transaction in Laravel and EF Core.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

/// The help of the first finding `id` in each file of the fixture.
fn help_of(fixture: &str, id: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for f in common::assess(fixture).findings {
        if f.id == id && !out.iter().any(|(path, _)| *path == f.location.path) {
            out.push((f.location.path.clone(), f.help.clone()));
        }
    }
    out
}

fn assert_every_help_contains(fixture: &str, id: &str, fragments: &[&str]) {
    let helps = help_of(fixture, id);
    assert!(!helps.is_empty(), "{fixture}: no {id}");
    for (path, help) in helps {
        for fragment in fragments {
            assert!(
                help.contains(fragment),
                "{path}: {help:?} lacks {fragment:?}"
            );
        }
    }
}

#[test]
fn index_help_names_each_frameworks_way_to_build_concurrently() {
    assert_every_help_contains(
        "migrations-alembic",
        "index-locks-writes",
        &["postgresql_concurrently=True", "autocommit_block()"],
    );
    assert_every_help_contains(
        "migrations-django",
        "index-locks-writes",
        &["AddIndexConcurrently", "atomic = False"],
    );
    assert_every_help_contains(
        "migrations-rails",
        "index-locks-writes",
        &["algorithm: :concurrently", "disable_ddl_transaction!"],
    );
    assert_every_help_contains(
        "migrations-knex",
        "index-locks-writes",
        &["knex.raw", "transaction: false"],
    );
    assert_every_help_contains(
        "migrations-laravel",
        "index-locks-writes",
        &[
            "DB::statement('CREATE INDEX CONCURRENTLY ...')",
            "public $withinTransaction = false;",
        ],
    );
    assert_every_help_contains(
        "migrations-ef-core",
        "index-locks-writes",
        &[".IsCreatedConcurrently()", "suppressTransaction: true"],
    );
    // SQL migrations are told about SQL, not about any framework's option.
    let sqlx = help_of("migrations-sqlx", "index-locks-writes");
    assert_eq!(
        sqlx[0].1,
        "build the index with `CREATE INDEX CONCURRENTLY`, in a migration that does not run \
         inside a transaction"
    );
}

#[test]
fn not_null_and_down_path_help_follow_the_framework() {
    assert_every_help_contains(
        "migrations-laravel",
        "not-null-without-default",
        &["`->nullable()`", "`->default(...)`"],
    );
    assert_every_help_contains(
        "migrations-ef-core",
        "not-null-without-default",
        &["`nullable: true`", "`defaultValue:`"],
    );
    assert_every_help_contains(
        "migrations-laravel",
        "irreversible-migration",
        &["`down()`", "php artisan migrate:rollback"],
    );
    assert_every_help_contains(
        "migrations-ef-core",
        "irreversible-migration",
        &["`Down`", "dotnet ef database update <previous>"],
    );
    assert_every_help_contains(
        "migrations-rails",
        "not-null-without-default",
        &["`null: true`", "`default:`"],
    );
}
