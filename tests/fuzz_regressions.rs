//! Inputs the fuzzers found to crash a parser, kept so the fix stays fixed. Each runs through
//! the same public entry point as its fuzz target.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use shipready::inventory::{Inventory, RepoFile, classify};

/// Runs every migration reader on `text`, as `fuzz/fuzz_targets/migrations.rs` does.
fn every_migration_reader(text: &str) {
    for path in [
        "alembic/versions/a1_fuzz.py",
        "shop/migrations/0002_fuzz.py",
        "db/migrate/20240101000000_fuzz.rb",
        "migrations/20240101000000_fuzz.js",
        "database/migrations/2024_01_01_000000_fuzz.php",
        "src/Shop/Migrations/20240101000000_Fuzz.cs",
        "db/migration/V2__fuzz.sql",
        "supabase/migrations/20240101000000_fuzz.sql",
    ] {
        let inventory = Inventory::new(
            "/nonexistent".into(),
            vec![RepoFile {
                path: path.to_string(),
                kind: classify(path),
                text: Some(text.to_string()),
            }],
            Vec::new(),
        );
        let _ = shipready::parse::migrations::scan(&inventory);
    }
}

#[test]
fn django_operations_closed_by_the_wrong_bracket() {
    let text = std::fs::read_to_string(common::fixture("fuzz/django-unbalanced.py.txt")).unwrap();
    every_migration_reader(&text);
}

/// A bracket or brace left open at the end of the text, whose last character takes more than
/// one byte: the inside of the bracket must end on a character boundary.
#[test]
fn brackets_left_open_before_a_multi_byte_character() {
    every_migration_reader(
        "class Drop < ActiveRecord::Migration[7.1]\n  def change\n    safety_assured { remove_column :orders, :note é",
    );
    every_migration_reader(
        "operations = [\n    migrations.RemoveField(model_name='a', name='b'),\n  ( x + é",
    );
    every_migration_reader("def upgrade():\n    op.drop_column('a', 'b' é");
    every_migration_reader(
        "exports.up = knex => knex.schema.alterTable('a', t => { t.dropColumn('b') é",
    );
}
