//! Django migrations as real projects write them: fields added with `default=None`, and
//! RunSQL statements split over adjacent string literals.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MIGRATION_RULES, Span, span, spans};
use shipready::findings::Finding;

const CASES: &str = "migrations-django-cases";

fn findings() -> Vec<Finding> {
    common::assess(CASES)
        .findings
        .into_iter()
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .collect()
}

fn in_file(file: &str) -> Vec<Span> {
    let found: Vec<Finding> = findings()
        .into_iter()
        .filter(|f| f.location.path == file)
        .collect();
    spans(&found)
}

fn message(file: &str, line: usize, id: &str) -> String {
    findings()
        .into_iter()
        .find(|f| f.location.path == file && f.location.line == line && f.id == id)
        .map(|f| f.message)
        .unwrap_or_else(|| panic!("no {id} at {file}:{line}"))
}

#[test]
fn default_none_is_no_default_for_a_not_null_field() {
    // Django's effective default is then None, so the column is added NOT NULL without a
    // DEFAULT, even for a blank text field; null=True or a db_default makes it safe.
    let file = "shipping/migrations/0002_method_type.py";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (13, 9, 22, 10), "not-null-without-default"),
            span(file, (23, 9, 27, 10), "not-null-without-default"),
        ]
    );
    assert_eq!(
        message(file, 13, "not-null-without-default"),
        "adds NOT NULL field shippingmethod.type without a default; Django adds the column \
         without one, which fails on a table with rows"
    );
}

#[test]
fn run_sql_split_over_adjacent_literals_is_read_as_one_statement() {
    // The RENAME is found in the second piece; the statements of a list stay apart, so the
    // two halves on line 32 are not joined.
    let file = "shipping/migrations/0003_rename_zone_table.py";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (19, 26, 19, 49), "destructive-migration"),
            span(file, (36, 53, 36, 76), "destructive-migration"),
        ]
    );
    assert_eq!(
        message(file, 19, "destructive-migration"),
        "renames table shipping_shippingzone"
    );
    assert_eq!(
        message(file, 36, "destructive-migration"),
        "drops column shipping_shippingmethod.legacy_rate"
    );
}

#[test]
fn the_initial_migration_is_safe() {
    assert_eq!(in_file("shipping/migrations/0001_initial.py"), vec![]);
}
