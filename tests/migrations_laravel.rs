//! Laravel migrations (`database/migrations/*.php`) on a fixture application laid out as
//! `php artisan make:migration` writes them: the operations of `up()` at their exact spans,
//! the `down()` methods that revert nothing, and the database the application is configured
//! for deciding which hazards hold.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MIGRATION_RULES, span, spans};
use shipready::evidence::State;
use shipready::findings::Finding;

const RESHAPE: &str = "database/migrations/2024_02_01_100000_reshape_orders_table.php";
const DROP_LEGACY: &str = "database/migrations/2024_02_15_120000_drop_legacy_invoices.php";
const BACKFILL: &str = "database/migrations/2024_03_01_080000_backfill_order_currency.php";

fn migration_findings(assessment: &shipready::assessment::model::Assessment) -> Vec<Finding> {
    (assessment.findings.iter())
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .cloned()
        .collect()
}

#[test]
fn laravel_operations_and_down_methods_are_found_at_their_spans() {
    let assessment = common::assess("migrations-laravel");
    let found = migration_findings(&assessment);
    let expected = vec![
        span(RESHAPE, (12, 13, 12, 56), "destructive-migration"),
        span(RESHAPE, (13, 13, 13, 52), "destructive-migration"),
        span(RESHAPE, (14, 13, 14, 42), "not-null-without-default"),
        span(RESHAPE, (15, 13, 15, 58), "index-locks-writes"),
        span(RESHAPE, (16, 13, 16, 51), "destructive-migration"),
        span(RESHAPE, (17, 13, 17, 70), "validating-constraint"),
        span(DROP_LEGACY, (11, 9, 11, 48), "destructive-migration"),
        span(DROP_LEGACY, (14, 13, 14, 60), "index-locks-writes"),
        span(DROP_LEGACY, (18, 5, 18, 33), "irreversible-migration"),
        span(BACKFILL, (8, 5, 8, 31), "irreversible-migration"),
    ];
    assert_eq!(spans(&found), expected);
    let message = |path: &str, line: usize, id: &str| {
        (found.iter())
            .find(|f| f.location.path == path && f.location.line == line && f.id == id)
            .map(|f| f.message.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        message(RESHAPE, 12, "destructive-migration"),
        "drops columns orders.legacy_code, orders.note"
    );
    assert_eq!(
        message(RESHAPE, 16, "destructive-migration"),
        "changes column orders.amount to biginteger, which may rewrite the table"
    );
    assert_eq!(
        message(DROP_LEGACY, 18, "irreversible-migration"),
        "cannot be reverted: down() is empty"
    );
    assert_eq!(
        message(BACKFILL, 8, "irreversible-migration"),
        "cannot be reverted: defines up() but no down(), so a rollback does nothing"
    );
}

#[test]
fn laravel_migrations_drive_the_database_practices() {
    let assessment = common::assess("migrations-laravel");
    assert_eq!(assessment.inventory.migration_systems, ["Laravel"]);
    common::expect(
        &assessment,
        "DEP-16",
        State::Present,
        &["5 migration files (Laravel)"],
    );
    common::expect(
        &assessment,
        "DEP-18",
        State::Partial,
        &[&format!(
            "2 of 5 migrations cannot be reversed: {DROP_LEGACY}, {BACKFILL}"
        )],
    );
    let reversible = common::practice(&assessment, "DEP-18");
    let cited: Vec<String> = (reversible.evidence.iter())
        .map(|e| e.location.to_string())
        .collect();
    assert_eq!(
        cited,
        [format!("{DROP_LEGACY}:18:5"), format!("{BACKFILL}:8:5")]
    );
    common::expect(
        &assessment,
        "DEP-22",
        State::Absent,
        &[&format!(
            "8 unsafe operations in 2 migration files and nothing lints migrations: drops \
             columns orders.legacy_code, orders.note ({RESHAPE}:12:13)"
        )],
    );
}

#[test]
fn a_mysql_application_is_not_told_about_postgres_locks() {
    let reshape = std::fs::read_to_string(common::fixture("migrations-laravel").join(RESHAPE))
        .expect("fixture migration");
    let config = "<?php\n\nreturn [\n    'default' => env('DB_CONNECTION', 'mysql'),\n    'connections' => [\n        'mysql' => [\n            'driver' => 'mysql',\n            'host' => env('DB_HOST', '127.0.0.1'),\n        ],\n    ],\n];\n";
    let assessment = common::assess_files(&[
        (
            "composer.json",
            "{\"require\": {\"laravel/framework\": \"^11.0\"}}\n",
        ),
        ("config/database.php", config),
        (RESHAPE, &reshape),
    ]);
    let found = migration_findings(&assessment);
    // MySQL builds the index online and fills the new NOT NULL column with ''.
    assert_eq!(
        spans(&found),
        vec![
            span(RESHAPE, (12, 13, 12, 56), "destructive-migration"),
            span(RESHAPE, (13, 13, 13, 52), "destructive-migration"),
            span(RESHAPE, (16, 13, 16, 51), "destructive-migration"),
            span(RESHAPE, (17, 13, 17, 70), "validating-constraint"),
        ]
    );
}
