//! Migration safety on fixture repositories: revision graph problems, reversibility, and the
//! operations that lock, rewrite or drop data, each at its exact span.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MIGRATION_RULES, span, spans};
use shipready::findings::{Finding, Severity};

fn findings(name: &str) -> Vec<Finding> {
    shipready::assess(&common::fixture(name), &shipready::Options::default())
        .expect("fixture assesses")
        .findings
}

#[test]
fn every_unsafe_operation_is_found_at_its_span() {
    let found = findings("findings/migrations-bad");
    let b2 = "alembic/versions/b2_reshape_orders.py";
    let v2 = "db/migration/V2__reshape_customers.sql";
    let expected = vec![
        span(b2, (10, 5, 10, 39), "destructive-migration"),
        span(b2, (11, 5, 11, 64), "destructive-migration"),
        span(b2, (12, 5, 12, 65), "destructive-migration"),
        // The call spans four lines; the `)` inside the comment does not close it.
        span(b2, (13, 5, 16, 6), "not-null-without-default"),
        span(b2, (17, 5, 17, 62), "index-locks-writes"),
        // The SQL inside op.execute("..."), at its own column.
        span(b2, (18, 36, 18, 102), "validating-constraint"),
        span(b2, (21, 1, 21, 25), "irreversible-migration"),
        span(
            "alembic/versions/c3_add_paid.py",
            (5, 1, 5, 16),
            "migration-multiple-heads",
        ),
        span(
            "alembic/versions/d4_add_index.py",
            (4, 1, 4, 16),
            "migration-multiple-heads",
        ),
        span(v2, (1, 1, 1, 1), "irreversible-migration"),
        span(v2, (2, 1, 2, 52), "missing-lock-timeout"),
        span(v2, (2, 23, 2, 52), "not-null-without-default"),
        span(v2, (3, 23, 3, 79), "volatile-default"),
        span(v2, (4, 1, 4, 54), "index-locks-writes"),
        span(v2, (5, 23, 5, 51), "destructive-migration"),
        span(v2, (7, 5, 7, 20), "destructive-migration"),
        span(v2, (8, 5, 8, 34), "destructive-migration"),
        span(v2, (9, 23, 9, 40), "destructive-migration"),
        span(v2, (10, 21, 10, 64), "validating-constraint"),
        span(v2, (11, 21, 11, 53), "validating-constraint"),
        span(v2, (12, 1, 12, 21), "destructive-migration"),
        span(
            "migrations/000001_add_sku.up.sql",
            (1, 1, 1, 1),
            "irreversible-migration",
        ),
        span(
            "other/versions/x1_loop.py",
            (2, 1, 2, 21),
            "migration-cycle",
        ),
        span(
            "other/versions/x1_loop.py",
            (9, 1, 9, 17),
            "irreversible-migration",
        ),
        span(
            "other/versions/x2_loop.py",
            (2, 1, 2, 29),
            "migration-missing-parent",
        ),
        span(
            "other/versions/x2_loop.py",
            (9, 1, 9, 17),
            "irreversible-migration",
        ),
    ];
    let migration: Vec<Finding> = found
        .into_iter()
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .collect();
    assert_eq!(spans(&migration), expected);
}

#[test]
fn messages_name_the_operation_and_practices_follow_the_rule() {
    let found = findings("findings/migrations-bad");
    let message = |path: &str, line: usize, id: &str| {
        found
            .iter()
            .find(|f| f.location.path.ends_with(path) && f.location.line == line && f.id == id)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no {id} at {path}:{line}"))
    };
    assert_eq!(
        message("b2_reshape_orders.py", 12, "destructive-migration"),
        "renames column orders.note to comment"
    );
    assert_eq!(
        message("b2_reshape_orders.py", 11, "destructive-migration"),
        "changes the type of orders.total, rewriting the table"
    );
    assert_eq!(
        message("V2__reshape_customers.sql", 3, "volatile-default"),
        "adds column customers.seen_at with volatile default clock_timestamp(), rewriting the table"
    );
    assert_eq!(
        message("c3_add_paid.py", 5, "migration-multiple-heads"),
        "revision c3 is one of 2 heads (c3, d4)"
    );
    for f in &found {
        let expected: &[&str] = match f.id.as_str() {
            "irreversible-migration" => &["DEP-18"],
            "migration-multiple-heads" | "migration-missing-parent" | "migration-cycle" => {
                &["DEP-16", "DEP-20"]
            }
            id if MIGRATION_RULES.contains(&id) => &["DEP-22"],
            _ => continue,
        };
        assert_eq!(f.practices, expected, "{}", f.id);
        let note = matches!(
            f.id.as_str(),
            "irreversible-migration" | "missing-lock-timeout"
        );
        assert_eq!(f.severity == Severity::Note, note, "{}", f.id);
    }
}

#[test]
fn safe_migrations_have_no_migration_findings() {
    // Concurrent index, NOT NULL with a server default, real downgrades, one head.
    let found = findings("mature-service");
    assert!(
        found
            .iter()
            .all(|f| !MIGRATION_RULES.contains(&f.id.as_str())),
        "{:#?}",
        spans(&found)
    );
}

#[test]
fn unsafe_operations_take_zero_downtime_credit_away() {
    use shipready::evidence::State;
    let bad = common::assess("findings/migrations-bad");
    common::expect(
        &bad,
        "DEP-22",
        State::Absent,
        &[
            "16 unsafe operations in 2 migration files",
            "nothing lints migrations",
            "drops column orders.legacy (alembic/versions/b2_reshape_orders.py:10:5)",
        ],
    );
    // Without unsafe operations the catalog signals decide: timeouts in env.py, no linter.
    let mature = common::assess("mature-service");
    common::expect(
        &mature,
        "DEP-22",
        State::Partial,
        &["nothing lints migrations"],
    );
    // CI runs upgrade, downgrade base and upgrade again against a Postgres service.
    common::expect(&mature, "DEP-19", State::Present, &[]);
    // The same round trip in a job without any database proves nothing about the schema.
    common::expect(
        &bad,
        "DEP-19",
        State::Partial,
        &[
            "job migrations of .github/workflows/ci.yml",
            "starts no database service",
        ],
    );
    common::expect(&mature, "DEP-20", State::Present, &[]);
}

#[test]
fn unsafe_operations_past_a_linter_leave_zero_downtime_partial() {
    use shipready::evidence::State;
    let linted = common::assess("findings/migrations-linted");
    common::expect(
        &linted,
        "DEP-22",
        State::Partial,
        &[
            "1 unsafe operation in 1 migration file despite the zero-downtime tooling found",
            "drops table legacy_events (migrations/000002_drop_legacy.up.sql:2:1)",
        ],
    );
    let found = findings("findings/migrations-linted");
    assert_eq!(
        spans(&found),
        vec![span(
            "migrations/000002_drop_legacy.up.sql",
            (2, 1, 2, 25),
            "destructive-migration"
        )]
    );
}
