//! SQL and Knex migration rules on real-looking statements: serial columns, index-backed
//! constraints, relations created in the same file, type changes, branches for other
//! databases, and the migration-linting evidence DEP-22 weighs them against.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{MIGRATION_RULES, Span, span, spans};
use shipready::evidence::State;
use shipready::findings::Finding;

const CASES: &str = "migrations-sql-cases";

fn findings(name: &str) -> Vec<Finding> {
    common::assess(name)
        .findings
        .into_iter()
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .collect()
}

/// The migration findings of one file of the SQL cases fixture.
fn in_file(file: &str) -> Vec<Span> {
    let found: Vec<Finding> = findings(CASES)
        .into_iter()
        .filter(|f| f.location.path == file)
        .collect();
    spans(&found)
}

fn message(file: &str, line: usize, id: &str) -> String {
    findings(CASES)
        .into_iter()
        .find(|f| f.location.path == file && f.location.line == line && f.id == id)
        .map(|f| f.message)
        .unwrap_or_else(|| panic!("no {id} at {file}:{line}"))
}

#[test]
fn serial_columns_rewrite_the_table_and_inline_keys_lock_writes() {
    let file = "supabase/migrations/20240301090000_serial_keys.sql";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (1, 1, 1, 60), "missing-lock-timeout"),
            span(file, (1, 28, 1, 60), "index-locks-writes"),
            span(file, (1, 28, 1, 60), "volatile-default"),
            span(file, (2, 28, 2, 52), "volatile-default"),
            // NOT NULL is satisfied by the sequence default.
            span(file, (3, 21, 3, 58), "volatile-default"),
        ]
    );
    assert_eq!(
        message(file, 2, "volatile-default"),
        "adds bigserial column ledger_entries.seq, whose nextval() default fills every row, \
         rewriting the table"
    );
    assert_eq!(
        message(file, 1, "index-locks-writes"),
        "adds column ledger_entries.id with PRIMARY KEY, building its index under an ACCESS \
         EXCLUSIVE lock"
    );
}

#[test]
fn index_backed_constraints_lock_writes_unless_adopting_a_concurrent_index() {
    let file = "supabase/migrations/20240302090000_unique_referrals.sql";
    // Lines 9 and 10 build the index concurrently and adopt it with USING INDEX.
    assert_eq!(
        in_file(file),
        vec![
            span(file, (4, 3, 4, 57), "index-locks-writes"),
            span(file, (5, 21, 5, 41), "index-locks-writes"),
            span(file, (6, 22, 6, 96), "index-locks-writes"),
        ]
    );
    assert_eq!(
        message(file, 6, "index-locks-writes"),
        "adds an EXCLUDE constraint to bookings, building its index under an ACCESS EXCLUSIVE \
         lock"
    );
}

#[test]
fn temporary_tables_and_materialized_views_created_in_the_file_are_exempt() {
    // An index on a new materialized view and drops of temporary tables; with nothing left
    // to report, the missing lock_timeout that rested on them goes too.
    assert_eq!(
        in_file("supabase/migrations/20240303090000_score_views.sql"),
        vec![]
    );
}

#[test]
fn created_tables_are_matched_by_schema() {
    // temporal.transfers is new; public.transfers, named with or without its schema, is not.
    let file = "supabase/migrations/20240304090000_archive_transfers.sql";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (5, 1, 5, 55), "index-locks-writes"),
            span(file, (6, 23, 6, 39), "destructive-migration"),
            span(file, (7, 1, 7, 21), "destructive-migration"),
        ]
    );
}

#[test]
fn type_changes_claim_a_rewrite_only_as_far_as_the_statement_shows() {
    let file = "supabase/migrations/20240305090000_widen_columns.sql";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (2, 22, 2, 50), "destructive-migration"),
            span(file, (3, 22, 3, 57), "destructive-migration"),
            span(file, (4, 22, 4, 52), "destructive-migration"),
        ]
    );
    assert_eq!(
        message(file, 2, "destructive-migration"),
        "changes the type of profiles.about to text, which rewrites the table unless the old \
         type is a varchar"
    );
    assert_eq!(
        message(file, 3, "destructive-migration"),
        "changes the type of profiles.name to varchar(120), which rewrites the table unless the \
         old type is a varchar of at most 120 characters"
    );
    assert_eq!(
        message(file, 4, "destructive-migration"),
        "changes the type of profiles.score to bigint, which rewrites the table unless the old \
         type converts to it without one (binary-compatible)"
    );
}

#[test]
fn a_column_named_type_is_not_read_as_a_type_change() {
    // Setting a default on a column called `type` changes nothing; SET NOT NULL on it
    // validates; only `TYPE` or `SET DATA TYPE` after the column name retypes it.
    let file = "supabase/migrations/20240306090000_promotion_type.sql";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (3, 32, 3, 55), "validating-constraint"),
            span(file, (4, 32, 4, 61), "destructive-migration"),
            span(file, (5, 32, 5, 77), "destructive-migration"),
        ]
    );
    assert_eq!(
        message(file, 3, "validating-constraint"),
        "SET NOT NULL on discount_promotion.type scans the table under lock"
    );
    assert!(
        message(file, 4, "destructive-migration")
            .starts_with("changes the type of discount_promotion.type to bigint,")
    );
    assert!(
        message(file, 5, "destructive-migration")
            .starts_with("changes the type of discount_promotion.type to varchar(40),")
    );
}

#[test]
fn temporary_tables_created_in_a_function_body_are_exempt_from_drops() {
    // The function called at top level creates both temporary tables; only the drop of a
    // table the file never created is reported, with the missing lock_timeout it brings.
    let file = "supabase/migrations/20240307090000_recalculate_ceilings.sql";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (20, 1, 20, 37), "destructive-migration"),
            span(file, (20, 1, 20, 37), "missing-lock-timeout"),
        ]
    );
}

#[test]
fn knex_branches_for_other_databases_are_not_reported() {
    // The MySQL and SQL Server cases, `if (client === 'mssql')` and the one-line
    // `if (type === 'mysql')` are left out; the PostgreSQL case and the code after the
    // branches are read.
    let file = "db/migrations/20240310120000_widen_content.js";
    assert_eq!(
        in_file(file),
        vec![
            span(file, (14, 9, 14, 42), "destructive-migration"),
            span(file, (22, 9, 22, 45), "destructive-migration"),
        ]
    );
}

#[test]
fn semgrep_rules_on_migrations_count_as_migration_linting() {
    let a = common::assess("migrations-semgrep");
    common::expect(
        &a,
        "DEP-22",
        State::Partial,
        &["1 unsafe operation in 1 migration file despite the zero-downtime tooling found"],
    );
    let paths: Vec<&str> = common::practice(&a, "DEP-22")
        .evidence
        .iter()
        .map(|e| e.location.path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            ".github/workflows/test-migrations-compatibility.yml",
            ".semgrep/best-practice/concurrent-index.yaml",
            "migrations/000001_add_sku.up.sql",
        ]
    );
    assert_eq!(
        spans(&findings("migrations-semgrep")),
        vec![span(
            "migrations/000001_add_sku.up.sql",
            (2, 22, 2, 66),
            "index-locks-writes"
        )]
    );
}

#[test]
fn strong_migrations_start_after_leaves_older_migrations_uncounted() {
    let a = common::assess("migrations-strong-start");
    common::expect(
        &a,
        "DEP-22",
        State::Partial,
        &[
            "1 unsafe operation in 1 migration file despite the zero-downtime tooling found",
            "not counted: 1 in migrations up to StrongMigrations.start_after 20230825182405, set \
             at config/initializers/strong_migrations.rb:2:1",
            "(db/migrate/20240110090000_index_orders_status.rb:3:5)",
        ],
    );
    // Both findings are still reported; the older one says why it is not counted, with low
    // confidence.
    let found = findings("migrations-strong-start");
    let older = (found.iter())
        .find(|f| f.location.path == "db/migrate/20220110090000_drop_legacy_code.rb")
        .unwrap();
    assert!(
        older
            .message
            .ends_with("(before StrongMigrations.start_after)"),
        "{}",
        older.message
    );
    assert_eq!(older.confidence, shipready::evidence::Confidence::Low);
    let newer = (found.iter())
        .find(|f| f.location.path == "db/migrate/20240110090000_index_orders_status.rb")
        .unwrap();
    assert!(!newer.message.contains("start_after"), "{}", newer.message);
    assert_eq!(
        spans(&findings("migrations-strong-start")),
        vec![
            span(
                "db/migrate/20220110090000_drop_legacy_code.rb",
                (3, 5, 3, 49),
                "destructive-migration"
            ),
            span(
                "db/migrate/20240110090000_index_orders_status.rb",
                (3, 5, 3, 31),
                "index-locks-writes"
            ),
        ]
    );
}

#[test]
fn operations_all_before_strong_migrations_start_after_leave_the_signals_to_decide() {
    let a = common::assess("migrations-strong-start-old");
    common::expect(
        &a,
        "DEP-22",
        State::Present,
        &[
            "1 unsafe operation found, all in migrations up to StrongMigrations.start_after \
             20230825182405 (set at config/initializers/strong_migrations.rb:2:1), which \
             strong_migrations never checked; none after it",
        ],
    );
    assert_eq!(
        spans(&findings("migrations-strong-start-old")),
        vec![span(
            "db/migrate/20220110090000_drop_legacy_code.rb",
            (3, 5, 3, 49),
            "destructive-migration"
        )]
    );
}

/// Operations a reviewer marked `safety_assured` stay findings, with low confidence, but do
/// not count against the practice.
#[test]
fn operations_marked_safety_assured_are_reported_but_not_counted() {
    let a = common::assess("migrations-strong-reviewed");
    common::expect(
        &a,
        "DEP-22",
        State::Present,
        &[
            "1 unsafe operation found, all in migrations up to StrongMigrations.start_after \
           20230825182405 (set at config/initializers/strong_migrations.rb:2:1), which \
           strong_migrations never checked; after it, only 1 marked safety_assured, reviewed \
           by hand",
        ],
    );
    let reviewed = findings("migrations-strong-reviewed")
        .into_iter()
        .find(|f| f.location.path == "db/migrate/20240301090000_remove_orders_coupon.rb")
        .expect("the reviewed removal is still a finding");
    assert_eq!(reviewed.id, "destructive-migration");
    assert_eq!(reviewed.confidence, shipready::evidence::Confidence::Low);
    assert!(
        reviewed.message.ends_with("(marked safety_assured)"),
        "{}",
        reviewed.message
    );
}

/// Plain SQL migrations without a down-file convention: nothing to reverse them with unless a
/// forward-fix policy is written down.
#[test]
fn migrations_without_down_files_need_a_documented_forward_fix_policy() {
    let repo = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| common::write(repo.path(), path, text);
    write(
        "supabase/migrations/20240101000000_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    );
    let reason = |repo: &std::path::Path| {
        let a = shipready::assess(repo, &shipready::Options::default()).unwrap();
        let p = common::practice(&a, "DEP-18");
        (p.state, p.reason.clone().unwrap_or_default())
    };
    assert_eq!(
        reason(repo.path()),
        (
            State::Absent,
            "the migration system has no down migrations, and no forward-fix policy is documented"
                .to_string()
        )
    );
    write(
        "docs/migrations.md",
        "# Migrations\n\nWe roll forward: a bad migration is fixed by a forward-fix migration.\n",
    );
    assert_eq!(
        reason(repo.path()),
        (
            State::Partial,
            "the migration system has no down migrations; a forward-fix policy is documented"
                .to_string()
        )
    );
}

/// `supabase db push` in the production deploy applies the migrations from the pipeline.
#[test]
fn supabase_db_push_in_the_production_deploy_applies_migrations() {
    let repo = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| common::write(repo.path(), path, text);
    write(
        "supabase/migrations/20240101000000_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n",
    );
    write(
        ".github/workflows/deploy-production.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - uses: actions/checkout@v4\n      - run: supabase db push --linked\n",
    );
    let a = shipready::assess(repo.path(), &shipready::Options::default()).unwrap();
    let p = common::practice(&a, "DEP-17");
    assert_eq!(p.state, State::Present, "{:?} {:#?}", p.reason, p.evidence);
    assert_eq!(
        (
            p.evidence[0].location.path.as_str(),
            p.evidence[0].location.line
        ),
        (".github/workflows/deploy-production.yml", 10)
    );
}

/// A database schema kept in schema.sql files, with no migration tool, is the partial credit
/// the catalog describes: the practice says so and cites the files, rather than reading
/// "no migration tool was found" above partial evidence.
#[test]
fn schema_files_edited_in_place_are_partial() {
    let schema =
        "CREATE TABLE IF NOT EXISTS vets (\n  id INT PRIMARY KEY,\n  name VARCHAR(30)\n);\n";
    let a = common::assess_files(&[
        (
            "pom.xml",
            "<project>\n  <dependencies>\n    <dependency>\n      <groupId>org.springframework.boot</groupId>\n      <artifactId>spring-boot-starter-data-jpa</artifactId>\n    </dependency>\n    <dependency>\n      <groupId>com.mysql</groupId>\n      <artifactId>mysql-connector-j</artifactId>\n    </dependency>\n  </dependencies>\n</project>\n",
        ),
        ("src/main/resources/db/mysql/schema.sql", schema),
        ("src/main/resources/db/postgres/schema.sql", schema),
    ]);
    common::expect(
        &a,
        "DEP-16",
        State::Partial,
        &["schema files edited in place"],
    );
    let cited: Vec<&str> = common::practice(&a, "DEP-16")
        .evidence
        .iter()
        .map(|e| e.location.path.as_str())
        .collect();
    assert_eq!(
        cited,
        [
            "src/main/resources/db/mysql/schema.sql",
            "src/main/resources/db/postgres/schema.sql"
        ]
    );
}
