//! The operations of an Entity Framework Core migration (`Migrations/<timestamp>_<Name>.cs`),
//! read from its `Up(MigrationBuilder ...)` method, and whether its `Down` reverts it.
//!
//! EF Core generates every operation as one statement on the method's parameter
//! (`migrationBuilder.DropColumn(name: "Note", table: "Orders");`), its arguments named and
//! its provider's options chained after it (`.Annotation("Npgsql:CreatedConcurrently", true)`).
//! Each statement is read to its `;` with the helpers of [`super::brace_statements`];
//! arguments are taken by name, or by position in hand-written calls. The SQL of
//! `migrationBuilder.Sql(...)` (a string, a verbatim or a raw string) goes through the SQL
//! rules. The `.Designer.cs` beside a migration and the `*ModelSnapshot.cs` of its folder are
//! metadata and never read as migrations.

use std::collections::BTreeSet;

use super::brace_statements::{find_in_code, method, semicolon_end};
use super::calls::{
    Syntax, arguments, call_end, floor_boundary, keyword, literal_ranges, name_of, sql_hazards,
};
use super::database_engines::Engine;
use super::hazards::{Hazard, HazardKind, span};
use super::migrations::Reversibility;
use crate::source::Location;

const CSHARP: Syntax = Syntax::CSharp;

/// Functions that make a column default differ per row, which rewrites the table.
const VOLATILE_DEFAULTS: &[&str] = &[
    "random(",
    "gen_random_uuid(",
    "clock_timestamp(",
    "uuid_generate_v4(",
    "newid(",
];

/// Longest type argument read (`AddColumn<Dictionary<string, string>>`).
const MAX_TYPE_ARGUMENT: usize = 256;

/// Whether a C# file is an Entity Framework Core migration: one that builds a schema.
pub fn is_migration(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"MigrationBuilder").is_some()
}

/// One statement on the migration builder: its span (to the end of any chained options), the
/// operation called, and the range of the call itself.
struct Step<'t> {
    start: usize,
    end: usize,
    name: &'t str,
    call: &'t str,
    /// What is chained after the call: `.Annotation(...)`, `.OldAnnotation(...)`.
    options: &'t str,
}

impl Step<'_> {
    /// The name or literal passed as argument `name`, else as the `position`-th of the
    /// arguments given without a name.
    fn argument(&self, name: &str, position: usize) -> String {
        if let Some(value) = keyword(self.call, name, CSHARP) {
            return name_of(&value, CSHARP);
        }
        let positional: Vec<&str> = arguments(self.call, CSHARP)
            .into_iter()
            .filter(|a| !is_named(a))
            .collect();
        positional
            .get(position)
            .map_or_else(String::new, |a| name_of(a, CSHARP))
    }

    fn keyword(&self, name: &str) -> Option<String> {
        keyword(self.call, name, CSHARP)
    }

    /// The table, with its schema when one is given (`ordering.orders`); the table is
    /// argument `table` of most operations and argument `name` of the table operations.
    fn table(&self) -> String {
        let table = match self.name {
            "CreateTable" | "DropTable" | "RenameTable" => self.argument("name", 0),
            _ => self.argument("table", 1),
        };
        match self.keyword("schema").map(|s| name_of(&s, CSHARP)) {
            Some(schema) if !schema.is_empty() => format!("{schema}.{table}"),
            _ => table,
        }
    }

    /// Whether an option `.Annotation("<name>", true)` is chained after the call.
    fn has_annotation(&self, name: &str) -> bool {
        let options = self.options;
        find_in_code(options, (0, options.len()), &[".Annotation("], CSHARP)
            .into_iter()
            .any(|(at, _)| {
                let arguments = arguments(&options[at..], CSHARP);
                arguments.first().map(|a| name_of(a, CSHARP)).as_deref() == Some(name)
                    && arguments.get(1).map(|v| v.trim()) == Some("true")
            })
    }
}

/// Whether an argument is written `name: value`.
fn is_named(argument: &str) -> bool {
    let name_end = argument
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(argument.len());
    name_end > 0 && argument[name_end..].starts_with(':') && !argument[name_end..].starts_with("::")
}

/// The statements on `receiver` in the body `text[from..to]`, in text order.
fn steps<'t>(text: &'t str, (from, to): (usize, usize), receiver: &str) -> Vec<Step<'t>> {
    let bytes = text.as_bytes();
    let needle = format!("{receiver}.");
    let mut out = Vec::new();
    let mut read_to = from;
    for (at, _) in find_in_code(text, (from, to), &[&needle], CSHARP) {
        let preceded = at > 0
            && (bytes[at - 1].is_ascii_alphanumeric() || matches!(bytes[at - 1], b'_' | b'.'));
        if at < read_to || preceded {
            continue;
        }
        let name_at = at + needle.len();
        let name_end = (name_at..to)
            .find(|&i| !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_'))
            .unwrap_or(to);
        // A type argument, `AddColumn<string>(`, is a short name; looking further for its `>`
        // could read the rest of the file once per statement.
        let mut open = name_end;
        if bytes.get(open) == Some(&b'<') {
            open = (open..to.min(open + MAX_TYPE_ARGUMENT))
                .find(|&i| matches!(bytes[i], b'>' | b'(' | b';' | b'\n'))
                .map_or(to, |i| if bytes[i] == b'>' { i + 1 } else { i });
        }
        if open >= to || bytes[open] != b'(' {
            continue;
        }
        let call_end = floor_boundary(text, call_end(bytes, open, CSHARP).min(to));
        let end = semicolon_end(text, at, to, CSHARP).max(call_end);
        read_to = end;
        out.push(Step {
            start: at,
            end,
            name: &text[name_at..name_end],
            call: &text[open..call_end],
            options: &text[call_end..end],
        });
    }
    out
}

/// The length a character type holds, when it is a varying string: `character varying(200)`,
/// `varchar(max)` (`None` for no limit), with its family.
fn varying(column_type: &str) -> Option<(&'static str, Option<u64>)> {
    let lower = column_type.to_ascii_lowercase();
    let (family, rest) = if let Some(rest) = lower.strip_prefix("character varying") {
        ("varchar", rest)
    } else if let Some(rest) = lower.strip_prefix("varchar") {
        ("varchar", rest)
    } else if let Some(rest) = lower.strip_prefix("nvarchar") {
        ("nvarchar", rest)
    } else {
        return None;
    };
    let length = rest
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    Some((family, length.parse().ok()))
}

/// Whether changing a column from `old` to `new` keeps every value and rewrites nothing: the
/// same type, or a varying string made longer or unlimited (or PostgreSQL's `text`).
fn is_widening(old: &str, new: &str) -> bool {
    let normal = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase()
    };
    if normal(old) == normal(new) {
        return true;
    }
    match (varying(old), varying(new)) {
        (Some(("varchar", _)), None) => normal(new) == "text",
        (Some((family, old)), Some((new_family, new))) => {
            family == new_family && (new.is_none() || old.is_some_and(|o| new >= Some(o)))
        }
        _ => false,
    }
}

/// The risky operations of the migration's `Up`. `engine` is the database its provider
/// targets; hazards that do not hold there are left out.
pub fn operations(path: &str, text: &str, engine: Engine) -> Vec<Hazard> {
    let Some(up) = method(text, "void", "Up", CSHARP) else {
        return Vec::new();
    };
    let Some(body) = up.body else {
        return Vec::new();
    };
    let parameters = &text[up.parameters.0..up.parameters.1];
    let receiver = parameters
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|word| !word.is_empty())
        .unwrap_or("migrationBuilder");
    let steps = steps(text, body, receiver);
    let created: BTreeSet<String> = steps
        .iter()
        .filter(|s| s.name == "CreateTable")
        .map(Step::table)
        .collect();
    let mut out = Vec::new();
    for step in &steps {
        let table = step.table();
        let column = step.argument("name", 0);
        let is_new = created.contains(&table);
        let mut hazard = |kind, message: String| {
            out.push(Hazard {
                kind,
                location: span(path, text, step.start, step.end),
                message,
                reviewed: false,
            })
        };
        match step.name {
            "DropTable" if !is_new => {
                hazard(HazardKind::Destructive, format!("drops table {table}"))
            }
            "RenameTable" if !is_new => hazard(
                HazardKind::Destructive,
                format!("renames table {table} to {}", step.argument("newName", 1)),
            ),
            "DropColumn" => hazard(
                HazardKind::Destructive,
                format!("drops column {table}.{column}"),
            ),
            "RenameColumn" => hazard(
                HazardKind::Destructive,
                format!(
                    "renames column {table}.{column} to {}",
                    step.argument("newName", 2)
                ),
            ),
            "AlterColumn" => {
                let new = step.keyword("type").map(|t| name_of(&t, CSHARP));
                let old = step.keyword("oldType").map(|t| name_of(&t, CSHARP));
                if let (Some(new), Some(old)) = (new, old)
                    && !is_widening(&old, &new)
                {
                    hazard(
                        HazardKind::Destructive,
                        format!(
                            "changes the type of {table}.{column} from {old} to {new}, which \
                             may rewrite the table"
                        ),
                    );
                }
                let made_required = step.keyword("oldNullable").as_deref() == Some("true")
                    && step.keyword("nullable").as_deref() != Some("true");
                if made_required {
                    hazard(
                        HazardKind::ValidatingConstraint,
                        format!("sets {table}.{column} NOT NULL, scanning the table under lock"),
                    );
                }
            }
            _ if is_new => {}
            "AddColumn" => {
                let default_sql = step.keyword("defaultValueSql").map(|d| name_of(&d, CSHARP));
                let fills_rows = step.keyword("defaultValue").is_some()
                    || default_sql.is_some()
                    || step.keyword("computedColumnSql").is_some();
                if step.keyword("nullable").as_deref() != Some("true") && !fills_rows {
                    hazard(
                        HazardKind::NotNullWithoutDefault,
                        format!("adds NOT NULL column {table}.{column} without a default"),
                    );
                }
                if let Some(sql) = default_sql {
                    let lower = sql.to_ascii_lowercase();
                    if VOLATILE_DEFAULTS.iter().any(|f| lower.contains(f)) {
                        hazard(
                            HazardKind::VolatileDefault,
                            format!(
                                "adds column {table}.{column} with volatile default {sql}, \
                                 rewriting the table"
                            ),
                        );
                    }
                }
            }
            "CreateIndex" => {
                let (option, missing) = match engine {
                    Engine::SqlServer => ("SqlServer:Online", "ONLINE = ON"),
                    _ => ("Npgsql:CreatedConcurrently", "CONCURRENTLY"),
                };
                if !step.has_annotation(option) {
                    hazard(
                        HazardKind::IndexLocksWrites,
                        format!(
                            "creates index {column} on {table} without {missing}, blocking writes"
                        ),
                    );
                }
            }
            "AddUniqueConstraint" | "AddPrimaryKey" => hazard(
                HazardKind::IndexLocksWrites,
                format!("adds {column} to {table}, building its index under lock"),
            ),
            "AddForeignKey" | "AddCheckConstraint" => hazard(
                HazardKind::ValidatingConstraint,
                format!("adds {column} to {table}, validating every row under lock"),
            ),
            "Sql" => {
                if let Some(&(s, e)) = literal_ranges(step.call, CSHARP).first() {
                    let from = (step.call.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                    out.extend(sql_hazards(path, text, (from + s, from + e)));
                }
            }
            _ => {}
        }
    }
    out.retain(|h| engine.keeps(h.kind));
    out
}

/// Whether `Down` reverts the migration, and where the answer is written.
pub fn reversibility(path: &str, text: &str) -> (Reversibility, Location) {
    super::brace_statements::down_reversibility(
        (path, text),
        "void",
        ("Up", "Down"),
        ("Up", "Down"),
        CSHARP,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(up: &str, down: &str) -> String {
        format!(
            "using Microsoft.EntityFrameworkCore.Migrations;\n\n#nullable disable\n\nnamespace Shop.Migrations\n{{\n    public partial class Change : Migration\n    {{\n        protected override void Up(MigrationBuilder migrationBuilder)\n        {{\n{up}\n        }}\n\n        protected override void Down(MigrationBuilder migrationBuilder)\n        {{\n{down}\n        }}\n    }}\n}}\n"
        )
    }

    fn found(text: &str, engine: Engine) -> Vec<(HazardKind, String)> {
        operations("Migrations/20240101000000_Change.cs", text, engine)
            .into_iter()
            .map(|h| (h.kind, h.message))
            .collect()
    }

    #[test]
    fn generated_operations_on_existing_tables() {
        use HazardKind::*;
        let text = migration(
            "            migrationBuilder.DropColumn(\n                name: \"Note\",\n                schema: \"ordering\",\n                table: \"orders\");\n\n            migrationBuilder.AlterColumn<string>(\n                name: \"Code\",\n                table: \"Coupons\",\n                type: \"character varying(64)\",\n                nullable: false,\n                defaultValue: \"\",\n                oldClrType: typeof(string),\n                oldType: \"character varying(32)\",\n                oldNullable: true);\n\n            migrationBuilder.AlterColumn<long>(\n                name: \"Total\",\n                table: \"Orders\",\n                type: \"bigint\",\n                nullable: false,\n                oldClrType: typeof(int),\n                oldType: \"integer\");\n\n            migrationBuilder.AddColumn<int>(\n                name: \"Points\",\n                table: \"Buyers\",\n                type: \"integer\",\n                nullable: false);\n\n            migrationBuilder.CreateIndex(\n                name: \"IX_Orders_Code\",\n                table: \"Orders\",\n                column: \"Code\");\n\n            migrationBuilder.CreateIndex(\n                name: \"IX_Orders_Date\",\n                table: \"Orders\",\n                column: \"Date\")\n                .Annotation(\"Npgsql:CreatedConcurrently\", true);\n\n            // migrationBuilder.DropTable(name: \"Orders\");",
            "",
        );
        assert_eq!(
            found(&text, Engine::PostgreSql),
            [
                (Destructive, "drops column ordering.orders.Note".to_string()),
                (
                    ValidatingConstraint,
                    "sets Coupons.Code NOT NULL, scanning the table under lock".to_string()
                ),
                (
                    Destructive,
                    "changes the type of Orders.Total from integer to bigint, which may rewrite \
                     the table"
                        .to_string()
                ),
                (
                    NotNullWithoutDefault,
                    "adds NOT NULL column Buyers.Points without a default".to_string()
                ),
                (
                    IndexLocksWrites,
                    "creates index IX_Orders_Code on Orders without CONCURRENTLY, blocking writes"
                        .to_string()
                ),
            ]
        );
        assert_eq!(found(&text, Engine::MySql).len(), 3);
    }

    #[test]
    fn new_tables_raw_sql_and_hand_written_calls() {
        use HazardKind::*;
        let text = migration(
            "            migrationBuilder.CreateTable(\n                name: \"Buyers\",\n                columns: table => new\n                {\n                    Id = table.Column<int>(type: \"integer\", nullable: false)\n                });\n            migrationBuilder.CreateIndex(name: \"IX_Buyers_Id\", table: \"Buyers\", column: \"Id\");\n            migrationBuilder.Sql(\"\"\"\n                ALTER TABLE orders DROP COLUMN coupon;\n                \"\"\");\n            migrationBuilder.RenameColumn(\"Total\", \"Orders\", \"Amount\");",
            "",
        );
        assert_eq!(
            found(&text, Engine::Unknown),
            [
                (Destructive, "drops column orders.coupon".to_string()),
                (
                    Destructive,
                    "renames column Orders.Total to Amount".to_string()
                ),
            ]
        );
    }

    #[test]
    fn down_methods() {
        let real = migration(
            "",
            "            migrationBuilder.DropTable(name: \"Buyers\");",
        );
        let (state, at) = reversibility("m.cs", &real);
        assert_eq!(state, Reversibility::Reversible);
        assert_eq!((at.line, at.column, at.end_column), (14, 9, 72));
        let empty = migration(
            "            migrationBuilder.DropTable(name: \"Buyers\");",
            "            // Nothing to undo.",
        );
        assert_eq!(
            reversibility("m.cs", &empty).0,
            Reversibility::Irreversible("Down is empty".into())
        );
        let throwing = migration("", "            throw new NotSupportedException();");
        assert!(matches!(
            reversibility("m.cs", &throwing).0,
            Reversibility::Irreversible(r) if r.contains("throws")
        ));
        let up_only = "public partial class X : Migration\n{\n    protected override void Up(MigrationBuilder b)\n    {\n        b.DropTable(\"t\");\n    }\n}\n";
        let (state, at) = reversibility("m.cs", up_only);
        assert!(matches!(state, Reversibility::Irreversible(r) if r.contains("no Down")));
        assert_eq!(at.line, 3);
        assert_eq!(
            found(up_only, Engine::Unknown),
            [(HazardKind::Destructive, "drops table t".to_string())]
        );
    }

    #[test]
    fn widening_strings_is_no_type_change() {
        assert!(is_widening(
            "character varying(32)",
            "character varying(64)"
        ));
        assert!(is_widening("character varying(200)", "text"));
        assert!(is_widening("nvarchar(100)", "nvarchar(max)"));
        assert!(!is_widening(
            "character varying(64)",
            "character varying(32)"
        ));
        assert!(!is_widening("integer", "bigint"));
        assert!(is_widening("integer", "integer"));
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "void Up(MigrationBuilder b) { b.AddColumn<",
            "void Up(MigrationBuilder b) { b.Sql(\"\"\"",
            "void Up(MigrationBuilder b) { b.Sql(@\"",
            "void Up(MigrationBuilder b) { b.CreateIndex(name: ",
            "void Up(MigrationBuilder b) { b.X().Annotation(",
            "void Up(MigrationBuilder é) { é.DropTable(",
            "void Down(",
            "void Up(",
        ] {
            let _ = operations("m.cs", text, Engine::Unknown);
            let _ = reversibility("m.cs", text);
        }
        let long = "é".repeat(10_000);
        for text in [
            format!("void Up(MigrationBuilder b) {{ b.Sql(\"{long}"),
            format!("void Up(MigrationBuilder b) {{ b.AddColumn<{long}"),
            format!("void Up(MigrationBuilder b) {{ b.DropTable(name: \"t\") // {long}"),
        ] {
            let _ = operations("m.cs", &text, Engine::Unknown);
            let _ = reversibility("m.cs", &text);
        }
    }
}
