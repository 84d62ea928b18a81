//! Migrations written to stress the readers: text past the SQL read limit, operation lists
//! and SQL strings far longer than any call, and blocks nested thousands deep. Each is read
//! whole or cut on purpose, never reported with an empty name, and assessed in linear time.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod hostile_support;

use common::{MIGRATION_RULES, span, spans};
use hostile_support::{assess_within, past_the_first_hundred, read_in_part, repository, write};
use shipready::findings::Finding;

fn migration_findings(root: &std::path::Path) -> Vec<Finding> {
    assess_within(root)
        .findings
        .into_iter()
        .filter(|f| MIGRATION_RULES.contains(&f.id.as_str()))
        .collect()
}

#[test]
fn a_statement_cut_at_the_sql_read_limit_is_not_reported() {
    // Every index is on a table the file creates; the one statement the 1 MiB limit cuts
    // (`CREATE INDEX i<n>` without its ON) named no table and was reported with an empty one.
    let repo = repository();
    let mut sql = String::new();
    for n in 0..30_000 {
        sql.push_str(&format!("CREATE TABLE t{n} (id int);\n"));
    }
    for n in 0..30_000 {
        sql.push_str(&format!("CREATE INDEX i{n} ON t{n}(id);\n"));
    }
    write(repo.path(), "migrations/001_tables.sql", sql);
    assert_eq!(spans(&migration_findings(repo.path())), vec![]);
}

#[test]
fn a_django_operations_list_longer_than_16_kib_is_read_to_its_end() {
    let repo = repository();
    let mut text = String::from(
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n\n    dependencies = []\n\n    operations = [\n",
    );
    for n in 0..400 {
        text.push_str(&format!(
            "        migrations.AlterModelOptions(name=\"m{n}\", options={{}}),\n"
        ));
    }
    let line = text.lines().count() + 1;
    text.push_str("        migrations.RemoveField(model_name=\"order\", name=\"code\"),\n    ]\n");
    assert!(text.len() > 16 * 1024);
    write(repo.path(), "shop/migrations/0002_late.py", text);
    write(repo.path(), "shop/migrations/__init__.py", "");
    assert_eq!(
        spans(&migration_findings(repo.path())),
        vec![span(
            "shop/migrations/0002_late.py",
            (line, 9, line, 64),
            "destructive-migration"
        )]
    );
}

#[test]
fn sql_strings_longer_than_16_kib_are_read_to_their_end() {
    let repo = repository();
    let filler = "SELECT 1;\n".repeat(3_000);
    let rails = format!(
        "class DropCodes < ActiveRecord::Migration[7.1]\n  def up\n    execute <<~SQL\n{filler}      ALTER TABLE orders DROP COLUMN code;\n    SQL\n  end\nend\n"
    );
    write(
        repo.path(),
        "db/migrate/20240101000000_drop_codes.rb",
        &rails,
    );
    let knex = format!(
        "exports.up = async (knex) => {{\n  await knex.raw(`\n{filler}ALTER TABLE users DROP COLUMN nickname;\n`);\n}};\n"
    );
    write(
        repo.path(),
        "migrations/20240101000000_drop_nickname.js",
        &knex,
    );
    let found = migration_findings(repo.path());
    let destructive: Vec<(&str, usize)> = found
        .iter()
        .filter(|f| f.id == "destructive-migration")
        .map(|f| (f.location.path.as_str(), f.location.line))
        .collect();
    assert_eq!(
        destructive,
        [
            ("db/migrate/20240101000000_drop_codes.rb", 3_004),
            ("migrations/20240101000000_drop_nickname.js", 3_003),
        ]
    );
}

#[test]
fn deeply_nested_ruby_blocks_are_read_in_linear_time() {
    let repo = repository();
    let body = "safety_assured { ".repeat(50_000) + &"}".repeat(50_000);
    let lines = "safety_assured {\n".repeat(20_000) + &"}\n".repeat(20_000);
    for (name, nested) in [("brace", body), ("lines", lines)] {
        write(
            repo.path(),
            &format!("db/migrate/2024010100000{}_{name}.rb", name.len()),
            format!("class X < ActiveRecord::Migration[7.1]\n  def change\n{nested}\n  end\nend\n"),
        );
    }
    let started = std::time::Instant::now();
    let _ = migration_findings(repo.path());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn nested_laravel_closures_and_chains_are_read_in_linear_time() {
    let repo = repository();
    let header =
        "<?php\n\nreturn new class extends Migration\n{\n    public function up(): void\n    {\n";
    let closures = "Schema::table('t', function (Blueprint $t) { DB::statement(\"x\" . "
        .repeat(20_000)
        + &")});".repeat(20_000);
    let chain = format!(
        "Schema::table('t', function ($t) {{ $t->string('c'){} }});",
        "->x(".repeat(50_000) + &")".repeat(50_000)
    );
    let unclosed = "Schema::table('t', function ($t) { $t->dropColumn(<<<SQL\n".repeat(20_000);
    for (name, body) in [
        ("closures", closures),
        ("chain", chain),
        ("heredocs", unclosed),
    ] {
        write(
            repo.path(),
            &format!(
                "database/migrations/2024_01_01_00000{}_{name}.php",
                name.len()
            ),
            format!("{header}{body}\n    }}\n}};\n"),
        );
    }
    let started = std::time::Instant::now();
    let _ = migration_findings(repo.path());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn ef_core_statements_left_open_are_read_in_linear_time() {
    let repo = repository();
    let header = "using Microsoft.EntityFrameworkCore.Migrations;\n\npublic partial class X : Migration\n{\n    protected override void Up(MigrationBuilder b)\n    {\n";
    let generics = "b.AddColumn<".repeat(100_000);
    let nested = "b.Sql(b.Sql(\"x\", ".repeat(30_000);
    let raw = "b.Sql(\"\"\"\n".repeat(30_000);
    for (name, body) in [("Generics", generics), ("Nested", nested), ("Raw", raw)] {
        write(
            repo.path(),
            &format!("Migrations/2024010100000{}_{name}.cs", name.len()),
            format!("{header}{body}\n    }}\n}}\n"),
        );
    }
    let started = std::time::Instant::now();
    let _ = migration_findings(repo.path());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_migration_of_thousands_of_drops_lists_the_first_hundred_and_says_so() {
    // 5,000 dropped columns (150 KB) once became 5,000 findings, each carrying its help and
    // snippet: ten such files at the 2 MiB read limit held 600,000 findings and 830 MB.
    let repo = repository();
    write(
        repo.path(),
        "composer.json",
        r#"{"require": {"laravel/framework": "^11.0"}}"#,
    );
    let mut text = String::from(
        "<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\nuse Illuminate\\Database\\Schema\\Blueprint;\nuse Illuminate\\Support\\Facades\\Schema;\n\nreturn new class extends Migration\n{\n    public function up(): void\n    {\n        Schema::table('users', function (Blueprint $table) {\n",
    );
    let first = text.lines().count() + 1;
    for n in 0..5_000 {
        text.push_str(&format!("            $table->dropColumn('c{n}');\n"));
    }
    text.push_str("        });\n    }\n\n    public function down(): void\n    {\n    }\n};\n");
    let path = "database/migrations/2024_01_01_000000_drop_columns.php";
    write(repo.path(), path, text);
    let assessment = assess_within(repo.path());
    let drops: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "destructive-migration")
        .collect();
    assert_eq!(drops.len(), shipready::findings::MAX_PER_FILE);
    assert_eq!(drops[0].message, "drops column users.c0");
    assert_eq!(drops[0].location.line, first);
    assert_eq!(drops[99].message, "drops column users.c99");
    assert_eq!(drops[99].location.line, first + 99);
    assert_eq!(
        read_in_part(&assessment),
        vec![(
            path.to_string(),
            past_the_first_hundred("destructive-migration")
        )]
    );
    // The practice says the count it gives is a lower bound.
    let safety = (assessment.practices.iter())
        .find(|p| p.id == "DEP-22")
        .and_then(|p| p.reason.clone())
        .unwrap_or_default();
    assert!(
        safety.starts_with("more than 101 unsafe operations in 1 migration file"),
        "{safety}"
    );
}

/// 150 drops a reviewer marked `safety_assured`, then one unmarked: the reviewed ones are
/// bounded apart, so the unmarked drop is still counted against the practice and listed.
#[test]
fn reviewed_operations_past_the_bound_do_not_hide_one_that_counts() {
    let repo = repository();
    write(
        repo.path(),
        "Gemfile",
        "source \"https://rubygems.org\"\ngem \"rails\", \"~> 7.1.3\"\ngem \"pg\"\ngem \"strong_migrations\"\n",
    );
    let mut text = String::from(
        "class DropLots < ActiveRecord::Migration[7.1]\n  def change\n    safety_assured do\n",
    );
    for n in 0..150 {
        text.push_str(&format!("      remove_column :users, :c{n}, :string\n"));
    }
    text.push_str("    end\n    remove_column :users, :danger, :string\n  end\nend\n");
    let path = "db/migrate/20240101000000_drop_lots.rb";
    write(repo.path(), path, text);

    let assessment = assess_within(repo.path());

    let danger: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.message == "removes column users.danger")
        .map(|f| f.location.line)
        .collect();
    assert_eq!(danger, [155]);
    let safety = (assessment.practices.iter())
        .find(|p| p.id == "DEP-22")
        .unwrap();
    assert_eq!(safety.state, shipready::evidence::State::Partial);
    assert_eq!(
        safety.reason.as_deref(),
        Some(
            "1 unsafe operation in 1 migration file despite the zero-downtime tooling found \
             (not counted: more than 101 operations marked safety_assured, reviewed by hand): \
             removes column users.danger (db/migrate/20240101000000_drop_lots.rb:155:5)"
        )
    );
    assert_eq!(
        read_in_part(&assessment),
        vec![(
            path.to_string(),
            "low-confidence findings of `destructive-migration` past the first 100 in this \
             file are not listed"
                .to_string()
        )]
    );
}
