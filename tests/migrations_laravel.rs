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

#[test]
fn artisan_rollback_between_two_migrates_tests_the_round_trip() {
    let assessment = common::assess("migrations-laravel");
    common::expect(&assessment, "DEP-19", State::Present, &[]);
    let cited = &common::practice(&assessment, "DEP-19").evidence[0];
    assert_eq!(
        cited.location.to_string(),
        ".github/workflows/migrations.yml:33:14"
    );
    // The round trip runs, but two migrations have nothing to roll back with.
    let gate = (assessment.gates.iter())
        .find(|g| g.id == "G-07")
        .expect("gate G-07");
    assert_eq!(format!("{:?}", gate.status), "Fail");
    assert!(gate.reason.as_deref().unwrap_or("").starts_with(&format!(
        "DEP-18 Partial: 2 of 5 migrations cannot be reversed: {DROP_LEGACY}"
    )));
    // Migrating the CI job's own Postgres service is a test, not a release.
    common::expect(
        &assessment,
        "DEP-17",
        State::Mentioned,
        &["job round-trip runs it against service containers it starts for itself (postgres:16)"],
    );
}

/// A job as BookStack's CI writes it: MySQL installed on the runner, started by hand.
const MYSQL_ROUND_TRIP: &str = "name: test-migrations\non: [push, pull_request]\njobs:\n  build:\n    runs-on: ubuntu-22.04\n    steps:\n      - uses: actions/checkout@v4\n      - name: Start MySQL\n        run: sudo systemctl start mysql\n      - run: composer install --no-interaction\n      - name: Start migration test\n        run: php artisan migrate --force -n --database=mysql_testing\n      - name: Start migration:rollback test\n        run: php artisan migrate:rollback --force -n --database=mysql_testing\n      - name: Start migration rerun test\n        run: php artisan migrate --force -n --database=mysql_testing\n";

#[test]
fn a_rollback_against_mysql_started_on_the_runner_is_a_round_trip_and_not_a_release() {
    let down = std::fs::read_to_string(common::fixture("migrations-laravel").join(RESHAPE))
        .expect("fixture migration");
    let assessment = common::assess_files(&[
        (".github/workflows/test-migrations.yml", MYSQL_ROUND_TRIP),
        (RESHAPE, &down),
    ]);
    common::expect(&assessment, "DEP-19", State::Present, &[]);
    assert_eq!(
        common::practice(&assessment, "DEP-19").evidence[0]
            .location
            .to_string(),
        ".github/workflows/test-migrations.yml:14:14"
    );
    common::expect(
        &assessment,
        "DEP-17",
        State::Mentioned,
        &[
            "job build runs it against a database it starts on the runner (`sudo systemctl start \
           mysql`): a test, not a release",
        ],
    );
    let gate = (assessment.gates.iter())
        .find(|g| g.id == "G-07")
        .expect("gate G-07");
    assert_eq!(format!("{:?}", gate.status), "Pass");
}

#[test]
fn migrate_fresh_drops_everything_and_tests_no_down_method() {
    let down = std::fs::read_to_string(common::fixture("migrations-laravel").join(RESHAPE))
        .expect("fixture migration");
    let fresh = MYSQL_ROUND_TRIP
        .replace("migrate:rollback", "migrate:fresh")
        .replace("migration:rollback", "migration:fresh");
    let assessment = common::assess_files(&[
        (".github/workflows/test-migrations.yml", &fresh),
        (RESHAPE, &down),
    ]);
    common::expect(&assessment, "DEP-19", State::Absent, &[]);
    let refresh = MYSQL_ROUND_TRIP.replace("migrate:rollback", "migrate:refresh");
    let assessment = common::assess_files(&[
        (".github/workflows/test-migrations.yml", &refresh),
        (RESHAPE, &down),
    ]);
    common::expect(&assessment, "DEP-19", State::Present, &[]);
}
