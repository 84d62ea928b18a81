//! The operations of a Laravel migration (`database/migrations/*.php`), read from its `up()`
//! method, and whether its `down()` reverts it.
//!
//! Calls on the `Schema` facade (`create`, `table`, `drop`, `dropIfExists`, `rename`,
//! `dropColumns`, also after `Schema::connection(...)->`) are read to their closing
//! parenthesis with the helpers of [`super::calls`]; the statements inside the closure of
//! `Schema::table` are read by [`super::laravel_blueprint`]. The SQL of
//! `DB::statement` and `DB::unprepared` (a string or a heredoc) goes through the SQL rules.
//! Strings and comments are skipped throughout; a `Schema` call inside another, or a `DB` call
//! inside another, is not read again, which keeps hostile nesting linear.

use std::collections::BTreeSet;

use super::brace_statements::{find_in_code, method};
use super::calls::{
    Syntax, arguments, call_end, floor_boundary, inner_end, literal_ranges, sql_hazards,
};
use super::database_engines::Engine;
use super::hazards::{Hazard, HazardKind, span};
use super::laravel_blueprint::{
    chain, closure_hazards, columns_of, identifier_at, is_identifier_byte, literals, name_in,
    skip_blank,
};
use super::migrations::Reversibility;
use crate::source::Location;

const PHP: Syntax = Syntax::Php;

/// The facades whose calls are read, by their index in [`FACADES`].
const FACADES: [&str; 2] = ["Schema::", "DB::"];
const SCHEMA: usize = 0;
const DB: usize = 1;

/// One call on `Schema` or `DB`: where it starts, where its parentheses open and close, and
/// the method called (lower case; after `connection(...)->`, the method chained there).
struct FacadeCall {
    start: usize,
    open: usize,
    end: usize,
    /// [`SCHEMA`] or [`DB`].
    facade: usize,
    method: String,
}

/// The `Schema::` and `DB::` calls of `text[from..to]`, in text order.
fn facade_calls(text: &str, (from, to): (usize, usize)) -> Vec<FacadeCall> {
    let bytes = text.as_bytes();
    let mut read_to = [0usize; 2];
    let mut out = Vec::new();
    for (at, facade) in find_in_code(text, (from, to), &FACADES, PHP) {
        let preceded = at > 0 && is_identifier_byte(bytes[at - 1]);
        if preceded || at < read_to[facade] {
            continue;
        }
        let name_at = at + FACADES[facade].len();
        let mut method = identifier_at(text, name_at).to_ascii_lowercase();
        let mut open = skip_blank(text, name_at + method.len(), to);
        if method == "connection" && bytes.get(open) == Some(&b'(') {
            let links = chain(
                text,
                floor_boundary(text, call_end(bytes, open, PHP).min(to)),
                to,
            );
            let Some(link) = links.first() else {
                continue;
            };
            method = link.name.clone();
            open = link.arguments.0.saturating_sub(1);
        }
        if open >= to || bytes[open] != b'(' {
            continue;
        }
        let end = floor_boundary(text, call_end(bytes, open, PHP).min(to));
        read_to[facade] = end;
        out.push(FacadeCall {
            start: at,
            open,
            end,
            facade,
            method,
        });
    }
    out
}

/// The risky operations of the migration's `up()`. `engine` is the database the application
/// is configured for; hazards that do not hold there are left out.
pub fn operations(path: &str, text: &str, engine: Engine) -> Vec<Hazard> {
    let Some(body) = method(text, "function", "up", PHP).and_then(|m| m.body) else {
        return Vec::new();
    };
    let calls = facade_calls(text, body);
    let table_of = |call: &FacadeCall| {
        let arguments = arguments(&text[call.open..call.end], PHP);
        name_in(arguments.first().copied().unwrap_or(""))
    };
    let created: BTreeSet<String> = calls
        .iter()
        .filter(|c| c.facade == SCHEMA && c.method == "create")
        .map(table_of)
        .collect();
    let mut out = Vec::new();
    for call in &calls {
        let table = table_of(call);
        let mut hazard = |kind, message: String| {
            out.push(Hazard {
                kind,
                location: span(path, text, call.start, call.end),
                message,
                reviewed: false,
            })
        };
        let inner = (call.open + 1, inner_end(text, call.end).max(call.open + 1));
        // A table the migration creates is its own: dropping or renaming it (to clear what a
        // failed run left behind, say) loses nothing a running release reads.
        let is_new = created.contains(&table);
        match (call.facade, call.method.as_str()) {
            (SCHEMA, "drop" | "dropifexists") if !is_new => {
                hazard(HazardKind::Destructive, format!("drops table {table}"));
            }
            (SCHEMA, "rename") if !is_new => {
                let names = literals(text, inner);
                hazard(
                    HazardKind::Destructive,
                    format!(
                        "renames table {table} to {}",
                        names.get(1).copied().unwrap_or("")
                    ),
                );
            }
            (SCHEMA, "dropcolumns") => {
                let names = literals(text, inner);
                let columns = names.get(1..).unwrap_or_default();
                hazard(
                    HazardKind::Destructive,
                    format!("drops columns {}", columns_of(&table, columns)),
                );
            }
            (SCHEMA, "table") if !is_new => {
                let arguments = arguments(&text[call.open..call.end], PHP);
                if let Some(closure) = arguments.get(1) {
                    let from = (closure.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                    let range = (from, from + closure.len());
                    out.extend(closure_hazards(path, text, range, &table));
                }
            }
            (DB, "statement" | "unprepared") => {
                if let Some(&(s, e)) = literal_ranges(&text[inner.0..inner.1], PHP).first() {
                    out.extend(sql_hazards(path, text, (inner.0 + s, inner.0 + e)));
                }
            }
            _ => {}
        }
    }
    out.retain(|h| engine.keeps(h.kind));
    out
}

/// Whether `down()` reverts the migration, and where the answer is written.
pub fn reversibility(path: &str, text: &str) -> (Reversibility, Location) {
    super::brace_statements::down_reversibility(
        (path, text),
        "function",
        ("up", "down"),
        ("up()", "down()"),
        PHP,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(up: &str, down: &str) -> String {
        format!(
            "<?php\n\nuse Illuminate\\Database\\Migrations\\Migration;\n\nreturn new class extends Migration\n{{\n    public function up(): void\n    {{\n{up}\n    }}\n\n    public function down(): void\n    {{\n{down}\n    }}\n}};\n"
        )
    }

    fn found(text: &str) -> Vec<(HazardKind, String)> {
        operations(
            "database/migrations/2024_01_01_000000_x.php",
            text,
            Engine::Unknown,
        )
        .into_iter()
        .map(|h| (h.kind, h.message))
        .collect()
    }

    #[test]
    fn blueprint_statements_on_existing_tables() {
        use HazardKind::*;
        let text = migration(
            "        Schema::table('orders', function (Blueprint $table) {\n            $table->dropColumn(['legacy', 'note']);\n            $table->renameColumn('total', 'amount');\n            $table->string('currency', 3);\n            $table->string('region')->nullable()->index();\n            $table->boolean('paid')->default(false);\n            $table->text('notes')->change();\n            $table->foreignId('customer_id')->nullable()->constrained();\n            // $table->dropColumn('kept');\n        });",
            "        Schema::table('orders', fn (Blueprint $table) => $table->dropColumn('currency'));",
        );
        assert_eq!(
            found(&text),
            [
                (
                    Destructive,
                    "drops columns orders.legacy, orders.note".to_string()
                ),
                (
                    Destructive,
                    "renames column orders.total to amount".to_string()
                ),
                (
                    NotNullWithoutDefault,
                    "adds NOT NULL column orders.currency without a default".to_string()
                ),
                (
                    IndexLocksWrites,
                    "builds an index on orders without CONCURRENTLY, blocking writes".to_string()
                ),
                (
                    Destructive,
                    "changes column orders.notes to text, which may rewrite the table".to_string()
                ),
                (
                    ValidatingConstraint,
                    "adds a foreign key to orders, validated under lock".to_string()
                ),
            ]
        );
    }

    #[test]
    fn new_tables_schema_calls_and_raw_sql() {
        use HazardKind::*;
        let text = migration(
            "        if (Schema::hasTable('invoices')) {\n            Schema::drop('invoices');\n        }\n        Schema::create('invoices', function (Blueprint $table) {\n            $table->id();\n            $table->string('number')->unique();\n        });\n        Schema::table('invoices', function (Blueprint $table) {\n            $table->string('currency');\n        });\n        Schema::dropIfExists('legacy_invoices');\n        Schema::rename('payments', 'settlements');\n        DB::statement(<<<'SQL'\n            ALTER TABLE orders DROP COLUMN coupon\n            SQL);",
            "",
        );
        assert_eq!(
            found(&text),
            [
                (Destructive, "drops table legacy_invoices".to_string()),
                (
                    Destructive,
                    "renames table payments to settlements".to_string()
                ),
                (Destructive, "drops column orders.coupon".to_string()),
            ]
        );
        let mysql = operations(
            "m.php",
            &migration(
                "        Schema::table('t', function ($table) {\n            $table->string('c')->index();\n        });",
                "",
            ),
            Engine::MySql,
        );
        assert!(mysql.is_empty(), "{mysql:?}");
    }

    #[test]
    fn down_methods() {
        let real = migration("", "        Schema::drop('t');");
        let (state, at) = reversibility("m.php", &real);
        assert_eq!(state, Reversibility::Reversible);
        assert_eq!((at.line, at.column, at.end_column), (12, 5, 33));
        let commented = migration(
            "        DB::table('t')->delete();",
            "        // Can't reverse: the old values are gone\n        /* nothing */",
        );
        assert_eq!(
            reversibility("m.php", &commented).0,
            Reversibility::Irreversible("down() is empty".into())
        );
        // A migration emptied once it was no longer needed undoes nothing and needs to.
        let emptied = migration("        // Migration removed, no longer needed", "");
        assert_eq!(
            reversibility("m.php", &emptied).0,
            Reversibility::Reversible
        );
        let throwing = migration("", "        throw new \\RuntimeException('irreversible');");
        assert!(matches!(
            reversibility("m.php", &throwing).0,
            Reversibility::Irreversible(r) if r.contains("throws")
        ));
        let up_only = "<?php\nreturn new class extends Migration {\n    public function up()\n    {\n        Schema::drop('t');\n    }\n};\n";
        let (state, at) = reversibility("m.php", up_only);
        assert!(matches!(state, Reversibility::Irreversible(r) if r.contains("no down()")));
        assert_eq!(at.line, 3);
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "<?php function up() { Schema::table('t', function ($",
            "<?php function up() { Schema::table('t', function ($t) { $t->",
            "<?php function up() { DB::statement(<<<SQL\n",
            "<?php function up() { Schema::connection(",
            "<?php function up() { Schema::connection('x')->",
            "<?php function up() { é Schema::drop(",
            "<?php function down(",
            "<?php function up(): void { $t->string('x')->",
        ] {
            let _ = operations("m.php", text, Engine::Unknown);
            let _ = reversibility("m.php", text);
        }
        let long = "é".repeat(10_000);
        for text in [
            format!(
                "<?php function up() {{ Schema::table('t', function ($t) {{ $t->string('{long}"
            ),
            format!("<?php function up() {{ DB::statement(\"{long}"),
            format!("<?php function up() {{ Schema::table('t', fn ($t) => $t->x() // {long}"),
        ] {
            let _ = operations("m.php", &text, Engine::Unknown);
            let _ = reversibility("m.php", &text);
        }
    }
}
