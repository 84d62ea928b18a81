//! Migration safety for Django, Rails, Knex, sqlx and Alembic batch operations, on fixture
//! repositories laid out as each framework generates them: every finding at its exact span,
//! and nothing reported for the safe migrations beside them.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MIGRATION_RULES, span, spans};
use shipready::findings::Finding;

fn migration_findings(name: &str) -> Vec<Finding> {
    shipready::assess(&common::fixture(name), &shipready::Options::default())
        .expect("fixture assesses")
        .findings
        .into_iter()
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .collect()
}

/// The message of the finding `id` at `path:line`.
fn message(found: &[Finding], path: &str, line: usize, id: &str) -> String {
    found
        .iter()
        .find(|f| f.location.path.ends_with(path) && f.location.line == line && f.id == id)
        .map(|f| f.message.clone())
        .unwrap_or_else(|| panic!("no {id} at {path}:{line}"))
}

/// Asserts that none of `paths` has a migration finding.
fn assert_safe(found: &[Finding], paths: &[&str]) {
    for f in found {
        assert!(
            !paths.contains(&f.location.path.as_str()),
            "unexpected {} at {}: {}",
            f.id,
            f.location,
            f.message
        );
    }
}

#[test]
fn django_operations_are_found_at_their_spans() {
    let found = migration_findings("migrations-django");
    let reshape = "shop/migrations/0003_reshape_order.py";
    let retire = "shop/migrations/0004_retire_customer.py";
    let expected = vec![
        span(reshape, (13, 9, 16, 10), "destructive-migration"),
        span(reshape, (17, 9, 21, 10), "destructive-migration"),
        span(reshape, (22, 9, 26, 10), "destructive-migration"),
        span(reshape, (27, 9, 31, 10), "validating-constraint"),
        span(reshape, (32, 9, 36, 10), "not-null-without-default"),
        span(reshape, (37, 9, 41, 10), "index-locks-writes"),
        span(reshape, (42, 9, 45, 10), "index-locks-writes"),
        span(reshape, (46, 9, 49, 10), "index-locks-writes"),
        span(reshape, (50, 9, 53, 10), "validating-constraint"),
        span(reshape, (55, 41, 55, 72), "not-null-without-default"),
        span(retire, (17, 9, 17, 42), "irreversible-migration"),
        span(retire, (18, 9, 21, 10), "destructive-migration"),
        span(retire, (22, 9, 24, 10), "destructive-migration"),
        span(DROP_ARCHIVES, (17, 21, 17, 50), "destructive-migration"),
        span(DROP_ARCHIVES, (18, 21, 18, 51), "destructive-migration"),
        span(RENAME_COMMENT, (10, 5, 14, 6), "destructive-migration"),
        span(RENAME_COMMENT, (19, 5, 19, 39), "irreversible-migration"),
        span(RENAME_COMMENT, (20, 5, 20, 65), "destructive-migration"),
        span(RENAME_COMMENT, (34, 13, 37, 14), "index-locks-writes"),
        span(ORDER_DETAILS, (37, 9, 41, 10), "not-null-without-default"),
        span(ORDER_DETAILS, (47, 9, 51, 10), "validating-constraint"),
        span(ORDER_DETAILS, (52, 9, 56, 10), "index-locks-writes"),
        span(ORDER_DETAILS, (52, 9, 56, 10), "validating-constraint"),
    ];
    assert_eq!(spans(&found), expected);
    assert_safe(
        &found,
        &[
            "shop/migrations/0001_initial.py",
            "shop/migrations/0002_order_placed_at.py",
        ],
    );
    assert_eq!(
        message(&found, reshape, 22, "destructive-migration"),
        "changes order.total from IntegerField (integer) to DecimalField (numeric), rewriting \
         the table"
    );
    assert_eq!(
        message(&found, reshape, 32, "not-null-without-default"),
        "adds NOT NULL field order.status without a default; Django adds the column without one, \
         which fails on a table with rows"
    );
    // The SQL inside RunSQL(sql="...") is checked at its own column.
    assert_eq!(
        message(&found, reshape, 55, "not-null-without-default"),
        "adds NOT NULL column shop_order.region without a DEFAULT"
    );
    assert_eq!(
        message(&found, retire, 17, "irreversible-migration"),
        "cannot be reverted: RunPython without reverse_code"
    );
}

#[test]
fn rails_operations_and_reversibility_are_found_at_their_spans() {
    let found = migration_findings("migrations-rails");
    let reshape = "db/migrate/20240310080000_reshape_orders.rb";
    let change = "db/migrate/20240315100000_change_total_to_decimal.rb";
    let drop = "db/migrate/20240320100000_drop_legacy_events.rb";
    let remove = "db/migrate/20240325100000_remove_coupon_from_orders.rb";
    let expected = vec![
        span(reshape, (3, 5, 3, 49), "destructive-migration"),
        span(reshape, (4, 5, 4, 43), "destructive-migration"),
        span(reshape, (5, 5, 5, 66), "not-null-without-default"),
        span(reshape, (6, 5, 7, 62), "index-locks-writes"),
        span(reshape, (8, 5, 8, 61), "validating-constraint"),
        span(reshape, (9, 5, 9, 82), "validating-constraint"),
        span(reshape, (10, 5, 10, 47), "validating-constraint"),
        span(reshape, (11, 5, 11, 57), "index-locks-writes"),
        span(reshape, (11, 5, 11, 57), "validating-constraint"),
        span(reshape, (14, 44, 14, 74), "destructive-migration"),
        span(reshape, (19, 7, 19, 38), "destructive-migration"),
        span(reshape, (20, 7, 20, 39), "not-null-without-default"),
        span(change, (3, 5, 3, 69), "destructive-migration"),
        span(change, (3, 5, 3, 69), "irreversible-migration"),
        span(drop, (3, 5, 3, 30), "destructive-migration"),
        // The unique constraint builds its index under the table lock.
        span(drop, (6, 29, 6, 78), "index-locks-writes"),
        span(drop, (7, 7, 7, 70), "index-locks-writes"),
        span(drop, (9, 5, 9, 38), "destructive-migration"),
        span(remove, (3, 5, 3, 35), "destructive-migration"),
        span(remove, (3, 5, 3, 35), "irreversible-migration"),
        span(REVIEWED_REMOVAL, (3, 22, 3, 66), "destructive-migration"),
        span(REVIEWED_COLUMNS, (5, 7, 7, 35), "destructive-migration"),
        span(REVIEWED_COLUMNS, (11, 7, 11, 36), "index-locks-writes"),
        span(WIDEN_NOTES, (4, 7, 4, 43), "destructive-migration"),
    ];
    assert_eq!(spans(&found), expected);
    // A table created in the same migration is empty; guarded operations are safe.
    assert_safe(
        &found,
        &[
            "db/migrate/20240301090000_create_orders.rb",
            "db/migrate/20240305120000_add_region_to_orders.rb",
        ],
    );
    // Only dir.up of the reversible block runs forward.
    assert_eq!(
        message(&found, reshape, 14, "destructive-migration"),
        "changes the type of orders.total to bigint, which rewrites the table unless the old type converts to it without one (binary-compatible)"
    );
    assert_eq!(
        message(&found, change, 3, "destructive-migration"),
        "changes the type of orders.total to decimal, which may rewrite the table"
    );
    assert_eq!(
        message(&found, change, 3, "irreversible-migration"),
        "cannot be reverted: def change calls change_column, which Rails cannot reverse"
    );
    assert_eq!(
        message(&found, remove, 3, "irreversible-migration"),
        "cannot be reverted: def change calls remove_column without the column type, which \
         Rails cannot reverse"
    );
    // The heredoc sets lock_timeout and adds a UNIQUE constraint; only the index is reported.
    assert_eq!(
        message(&found, drop, 7, "index-locks-writes"),
        "CREATE INDEX on customers without CONCURRENTLY blocks writes"
    );
}

#[test]
fn knex_operations_in_up_are_found_at_their_spans() {
    let found = migration_findings("migrations-knex");
    let reshape = "migrations/20240410090000_reshape_orders.ts";
    let expected = vec![
        span(reshape, (5, 5, 5, 29), "destructive-migration"),
        span(reshape, (6, 5, 6, 42), "destructive-migration"),
        span(reshape, (7, 5, 7, 38), "destructive-migration"),
        span(reshape, (8, 5, 8, 46), "not-null-without-default"),
        span(reshape, (9, 5, 9, 57), "index-locks-writes"),
        span(reshape, (10, 5, 10, 39), "index-locks-writes"),
        span(reshape, (11, 5, 11, 73), "validating-constraint"),
        span(reshape, (13, 38, 13, 90), "validating-constraint"),
        span(reshape, (14, 9, 14, 47), "destructive-migration"),
        span(reshape, (15, 9, 15, 56), "destructive-migration"),
        span(
            "migrations/20240415080000_backfill_state.js",
            (5, 1, 5, 31),
            "irreversible-migration",
        ),
    ];
    assert_eq!(spans(&found), expected);
    assert_safe(
        &found,
        &[
            "migrations/20240401100000_create_orders.js",
            "migrations/20240405120000_add_region.js",
        ],
    );
    assert_eq!(
        message(&found, reshape, 8, "not-null-without-default"),
        "adds NOT NULL column orders.currency without defaultTo"
    );
    assert_eq!(
        message(&found, reshape, 13, "validating-constraint"),
        "adds a constraint to orders without NOT VALID, scanning it under lock"
    );
}

#[test]
fn alembic_foreign_keys_checks_and_batch_operations_are_found() {
    let found = migration_findings("migrations-alembic");
    let reshape = "alembic/versions/e2_reshape_invoices.py";
    let expected = vec![
        span(reshape, (20, 5, 20, 91), "validating-constraint"),
        span(reshape, (21, 5, 21, 94), "validating-constraint"),
        span(reshape, (27, 9, 27, 46), "destructive-migration"),
        span(reshape, (28, 9, 28, 96), "destructive-migration"),
        span(reshape, (29, 9, 29, 88), "not-null-without-default"),
        span(reshape, (31, 9, 31, 94), "index-locks-writes"),
        span(reshape, (32, 5, 32, 36), "destructive-migration"),
        span(PRIMARY_KEY, (20, 5, 20, 67), "index-locks-writes"),
        span(PRIMARY_KEY, (21, 5, 21, 70), "index-locks-writes"),
    ];
    assert_eq!(spans(&found), expected);
    assert!(
        message(&found, reshape, 20, "validating-constraint")
            .contains("Alembic has no NOT VALID option")
    );
    // The table comes from the `with op.batch_alter_table("invoices")` line.
    assert_eq!(
        message(&found, reshape, 27, "destructive-migration"),
        "drops column invoices.legacy_number"
    );
}

#[test]
fn sqlx_migrations_get_the_sql_rules_and_need_a_down_file() {
    let found = migration_findings("migrations-sqlx");
    let reshape = "migrations/20240503100000_reshape_invoices.up.sql";
    let expected = vec![
        span(reshape, (1, 1, 1, 1), "irreversible-migration"),
        span(reshape, (2, 1, 2, 41), "missing-lock-timeout"),
        span(reshape, (2, 22, 2, 41), "destructive-migration"),
        span(reshape, (3, 22, 3, 82), "volatile-default"),
        span(reshape, (4, 22, 4, 53), "destructive-migration"),
        span(reshape, (5, 1, 5, 67), "index-locks-writes"),
    ];
    assert_eq!(spans(&found), expected);
    assert_safe(
        &found,
        &[
            "migrations/20240501120000_create_invoices.up.sql",
            "migrations/20240502090000_invoice_status.up.sql",
        ],
    );
}

#[test]
fn framework_operations_count_against_zero_downtime_and_reversibility() {
    use shipready::evidence::State;
    let rails = common::assess("migrations-rails");
    common::expect(
        &rails,
        "DEP-22",
        State::Absent,
        &[
            "20 unsafe operations in 6 migration files and nothing lints migrations \
             (not counted: 2 operations marked safety_assured, reviewed by hand)",
            "removes column orders.legacy_code (db/migrate/20240310080000_reshape_orders.rb:3:5)",
        ],
    );
    common::expect(
        &rails,
        "DEP-18",
        State::Partial,
        &["2 of 9 migrations cannot be reversed"],
    );
    let django = common::assess("migrations-django");
    common::expect(
        &django,
        "DEP-22",
        State::Absent,
        &["21 unsafe operations in 5 migration files"],
    );
}

const DROP_ARCHIVES: &str = "shop/migrations/0005_drop_archive_tables.py";
const RENAME_COMMENT: &str = "shop/migrations/0006_rename_order_comment.py";
const ORDER_DETAILS: &str = "shop/migrations/0007_order_details.py";
const REVIEWED_REMOVAL: &str = "db/migrate/20240401100000_remove_coupon_code_from_orders.rb";
const REVIEWED_COLUMNS: &str = "db/migrate/20240402100000_remove_tracking_from_orders.rb";
const WIDEN_NOTES: &str = "db/migrate/20240403100000_widen_order_notes.rb";
const PRIMARY_KEY: &str = "alembic/versions/e3_invoice_primary_key.py";

/// The findings of one file of a fixture, as spans.
fn spans_of(found: &[Finding], path: &str) -> Vec<common::Span> {
    let of_file: Vec<Finding> = found
        .iter()
        .filter(|f| f.location.path == path)
        .cloned()
        .collect();
    spans(&of_file)
}

#[test]
fn django_database_operations_of_separate_database_and_state_are_checked() {
    let found = migration_findings("migrations-django");
    assert_eq!(
        spans_of(&found, DROP_ARCHIVES),
        [
            span(DROP_ARCHIVES, (17, 21, 17, 50), "destructive-migration"),
            span(DROP_ARCHIVES, (18, 21, 18, 51), "destructive-migration"),
        ]
    );
    // The RemoveField of state_operations only changes Django's model state.
    assert_eq!(
        message(&found, DROP_ARCHIVES, 17, "destructive-migration"),
        "drops table shop_order_archive"
    );
}

#[test]
fn django_operations_built_from_module_level_lists_are_checked() {
    let found = migration_findings("migrations-django");
    assert_eq!(
        spans_of(&found, RENAME_COMMENT),
        [
            span(RENAME_COMMENT, (10, 5, 14, 6), "destructive-migration"),
            span(RENAME_COMMENT, (19, 5, 19, 39), "irreversible-migration"),
            span(RENAME_COMMENT, (20, 5, 20, 65), "destructive-migration"),
            span(RENAME_COMMENT, (34, 13, 37, 14), "index-locks-writes"),
        ]
    );
}

#[test]
fn django_blank_string_fields_comments_and_same_column_types_are_not_reported() {
    let found = migration_findings("migrations-django");
    // `[*RETYPE, ...]` is read; CharField to TextField and a field class not known here
    // change no column type; a blank CharField is filled with ''; a comment between the
    // arguments of AddField hides none of them.
    assert_eq!(
        spans_of(&found, ORDER_DETAILS),
        [
            span(ORDER_DETAILS, (37, 9, 41, 10), "not-null-without-default"),
            span(ORDER_DETAILS, (47, 9, 51, 10), "validating-constraint"),
            span(ORDER_DETAILS, (52, 9, 56, 10), "index-locks-writes"),
            span(ORDER_DETAILS, (52, 9, 56, 10), "validating-constraint"),
        ]
    );
    assert_eq!(
        message(&found, ORDER_DETAILS, 47, "validating-constraint"),
        "makes order.quantity a PositiveIntegerField, whose CHECK constraint is validated under \
         lock"
    );
    assert_eq!(
        message(&found, ORDER_DETAILS, 52, "validating-constraint"),
        "adds a foreign key constraint for order.referrer, validated against every row under lock"
    );
}

#[test]
fn rails_statements_inside_blocks_are_read_and_safety_assured_is_noted() {
    use shipready::evidence::Confidence;
    let found = migration_findings("migrations-rails");
    assert_eq!(
        spans_of(&found, REVIEWED_REMOVAL),
        [span(
            REVIEWED_REMOVAL,
            (3, 22, 3, 66),
            "destructive-migration"
        )]
    );
    assert_eq!(
        spans_of(&found, REVIEWED_COLUMNS),
        [
            span(REVIEWED_COLUMNS, (5, 7, 7, 35), "destructive-migration"),
            span(REVIEWED_COLUMNS, (11, 7, 11, 36), "index-locks-writes"),
        ]
    );
    assert_eq!(
        message(&found, REVIEWED_COLUMNS, 5, "destructive-migration"),
        "removes columns orders.tracked_at, orders.tracking_source (marked safety_assured)"
    );
    let confidence = |path: &str, line: usize| {
        found
            .iter()
            .find(|f| f.location.path == path && f.location.line == line)
            .map(|f| f.confidence)
    };
    assert_eq!(confidence(REVIEWED_REMOVAL, 3), Some(Confidence::Low));
    assert_eq!(confidence(REVIEWED_COLUMNS, 11), Some(Confidence::High));
}

#[test]
fn rails_change_column_to_text_does_not_claim_a_rewrite() {
    let found = migration_findings("migrations-rails");
    assert_eq!(
        spans_of(&found, WIDEN_NOTES),
        [span(WIDEN_NOTES, (4, 7, 4, 43), "destructive-migration")]
    );
    assert_eq!(
        message(&found, WIDEN_NOTES, 4, "destructive-migration"),
        "changes the type of orders.notes to text, which rewrites the table unless the old type \
         is varchar (binary-compatible with text)"
    );
}

#[test]
fn alembic_primary_keys_on_existing_tables_build_an_index_under_lock() {
    let found = migration_findings("migrations-alembic");
    assert_eq!(
        spans_of(&found, PRIMARY_KEY),
        [
            span(PRIMARY_KEY, (20, 5, 20, 67), "index-locks-writes"),
            span(PRIMARY_KEY, (21, 5, 21, 70), "index-locks-writes"),
        ]
    );
    assert_eq!(
        message(&found, PRIMARY_KEY, 20, "index-locks-writes"),
        "adds a primary key to invoices, building its unique index under an ACCESS EXCLUSIVE lock"
    );
}

#[test]
fn irreversible_migrations_are_named_by_their_path_in_the_repository() {
    use shipready::evidence::State;
    // Apps often reuse migration file names, so only the path tells them apart.
    common::expect(
        &common::assess("migrations-django"),
        "DEP-18",
        State::Partial,
        &[
            "2 of 7 migrations cannot be reversed: shop/migrations/0004_retire_customer.py, \
             shop/migrations/0006_rename_order_comment.py",
        ],
    );
}

/// Go migrations registered with bun or goose: a down function that only returns nil
/// reverts nothing.
#[test]
fn go_migrations_with_empty_down_functions_cannot_be_reversed() {
    use shipready::evidence::State;
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "pkg/database/migrations/20240101000000_init.go",
        "package migrations\n\nfunc init() {\n\tMigrations.MustRegister(func(ctx context.Context, db *bun.DB) error {\n\t\t_, err := db.NewCreateTable().Model(&User{}).Exec(ctx)\n\t\treturn err\n\t}, func(ctx context.Context, db *bun.DB) error {\n\t\treturn nil\n\t})\n}\n",
    );
    common::write(
        dir.path(),
        "pkg/database/migrations/20240102000000_orders.go",
        "package migrations\n\nfunc init() {\n\tgoose.AddMigrationContext(upOrders, downOrders)\n}\n\nfunc upOrders(ctx context.Context, tx *sql.Tx) error {\n\t_, err := tx.ExecContext(ctx, \"CREATE TABLE orders (id int)\")\n\treturn err\n}\n\nfunc downOrders(ctx context.Context, tx *sql.Tx) error {\n\t_, err := tx.ExecContext(ctx, \"DROP TABLE orders\")\n\treturn err\n}\n",
    );
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    common::expect(
        &a,
        "DEP-18",
        State::Partial,
        &["1 of 2 migrations cannot be reversed: pkg/database/migrations/20240101000000_init.go"],
    );
    let cited: Vec<(usize, String)> = common::practice(&a, "DEP-18")
        .evidence
        .iter()
        .map(|e| (e.location.line, e.summary.clone()))
        .collect();
    assert_eq!(
        cited,
        vec![(
            7,
            "pkg/database/migrations/20240101000000_init.go: its down migration does nothing (it only returns nil)".to_string()
        )]
    );
}
