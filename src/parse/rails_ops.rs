//! The operations of a Rails migration (`db/migrate/*.rb`), read from its `def change` or
//! `def up` body, and whether Rails can reverse it.
//!
//! Statements are read by [`super::ruby_statements`]; bodies are found by indentation, as
//! Rails generates them. Inside `reversible do |dir|`, a `dir.down` statement is skipped and
//! the body of `dir.up { ... }` is read as forward code; `change_table :t do |t|` blocks are
//! read as the operations they stand for (`t.remove` as `remove_column`).

use super::calls::{
    Operation, Syntax, block_after, created_tables, find_line_start, literal_ranges, name_of,
    sql_hazards,
};
use super::hazards::{Hazard, HazardKind, span};
use super::migrations::Reversibility;
use super::ruby_statements::{Statement, statements};
use crate::source::Location;

/// Column types of `t.<type> :name` inside `change_table`.
const COLUMN_TYPES: &[&str] = &[
    "bigint",
    "binary",
    "boolean",
    "date",
    "datetime",
    "decimal",
    "float",
    "integer",
    "json",
    "jsonb",
    "numeric",
    "string",
    "text",
    "time",
    "timestamp",
    "uuid",
    "column",
];

/// One operation with what follows its arguments; `change_table` block calls are given the
/// names of the operations they stand for.
struct Step<'t> {
    operation: Operation<'t>,
    block: Option<(usize, usize)>,
    heredoc: Option<(usize, usize)>,
    /// Inside `safety_assured`, strong_migrations' mark that a person reviewed the operation.
    reviewed: bool,
}

/// The name a `t.<method>` call of a `change_table` block stands for.
fn table_method(method: &str) -> Option<&'static str> {
    Some(match method {
        "remove" | "remove_references" | "remove_belongs_to" => "remove_column",
        "rename" => "rename_column",
        "change" => "change_column",
        "change_null" => "change_column_null",
        "index" => "add_index",
        "references" | "belongs_to" => "add_reference",
        "check_constraint" => "add_check_constraint",
        "foreign_key" => "add_foreign_key",
        "timestamps" => "add_timestamps",
        m if COLUMN_TYPES.contains(&m) => "add_column",
        _ => return None,
    })
}

fn step<'t>(text: &'t str, s: &Statement<'t>, name: &'t str, table: String) -> Step<'t> {
    let head_end = s.block.or(s.heredoc).map_or(s.end, |(start, _)| start);
    let mut rest = s.arguments.clone();
    let table = if table.is_empty() && !rest.is_empty() {
        name_of(rest.remove(0), Syntax::Ruby)
    } else {
        table
    };
    Step {
        operation: Operation {
            start: s.start,
            end: s.end,
            name,
            table,
            rest,
            head: &text[s.start..head_end.max(s.start)],
            syntax: Syntax::Ruby,
        },
        block: s.block,
        heredoc: s.heredoc,
        reviewed: false,
    }
}

/// The operations of the body `text[from..to]`, `change_table` blocks opened, and the ranges
/// of its `reversible` and `up_only` blocks.
fn steps_in(text: &str, body: (usize, usize)) -> (Vec<Step<'_>>, Vec<(usize, usize)>) {
    let mut out = Vec::new();
    let mut guarded = Vec::new();
    let mut reviewed = Vec::new();
    for s in statements(text, body) {
        let first = out.len();
        match (s.name, s.block) {
            ("reversible" | "up_only", Some(block)) => guarded.push(block),
            ("safety_assured", _) => reviewed.push((s.start, s.end)),
            ("change_table", Some(block)) => {
                let table = name_of(s.arguments.first().copied().unwrap_or(""), Syntax::Ruby);
                let head = &text[s.start..block.0];
                let alias = head.rsplit('|').nth(1).unwrap_or("t").trim();
                for inner in statements(text, block) {
                    let method = inner
                        .name
                        .strip_prefix(alias)
                        .and_then(|m| m.strip_prefix('.'));
                    if let Some(name) = method.and_then(table_method) {
                        out.push(step(text, &inner, name, table.clone()));
                    }
                }
            }
            _ => out.push(step(text, &s, s.name, String::new())),
        }
        for step in &mut out[first..] {
            let at = step.operation.start;
            step.reviewed = reviewed.iter().any(|(s, e)| (*s..*e).contains(&at));
        }
    }
    (out, guarded)
}

/// The bodies Rails runs forward: `def change` and `def up`.
fn forward_bodies(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if matches!(line.trim(), "def change" | "def up" | "def self.up") {
            out.push(block_after(text, offset));
        }
        offset += line.len();
    }
    out
}

/// The columns named by the arguments of `remove_columns :t, :a, :b` (or
/// `*%i[a b]`), as `t.a, t.b`.
fn column_list(table: &str, arguments: &[&str]) -> String {
    let mut names = Vec::new();
    for argument in arguments {
        let words = argument.trim_start_matches('*');
        if let Some(inner) = words
            .strip_prefix("%i[")
            .or_else(|| words.strip_prefix("%w["))
            .and_then(|w| w.strip_suffix(']'))
        {
            names.extend(inner.split_whitespace().map(str::to_string));
        } else if !argument.contains(':') || argument.starts_with(':') {
            names.push(name_of(argument, Syntax::Ruby));
        }
    }
    names.retain(|n| !n.is_empty());
    names
        .iter()
        .map(|n| format!("{table}.{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What `change_column` does, as far as the migration shows: the old type is not written
/// there, and whether PostgreSQL rewrites the table depends on it.
fn type_change(table: &str, o: &Operation) -> String {
    let (column, new_type) = (o.argument(0), o.argument(1));
    if new_type == "text" {
        format!(
            "changes the type of {table}.{column} to text, which rewrites the table unless the \
             old type is varchar (binary-compatible with text)"
        )
    } else {
        format!("changes the type of {table}.{column} to {new_type}, which may rewrite the table")
    }
}

/// The risky operations of a migration's forward bodies.
pub fn operations(path: &str, text: &str) -> Vec<Hazard> {
    let steps: Vec<Step> = forward_bodies(text)
        .into_iter()
        .flat_map(|body| steps_in(text, body).0)
        .collect();
    let created = created_tables(steps.iter().map(|s| &s.operation), "create_table");
    let mut out = Vec::new();
    for step in &steps {
        let first = out.len();
        let o = &step.operation;
        let table = &o.table;
        let is_new = created.contains(table.as_str());
        let mut hazard = |kind, message: String| {
            out.push(Hazard {
                kind,
                location: span(path, text, o.start, o.end),
                message,
                reviewed: false,
            })
        };
        let not_null_without_default =
            o.is_keyword("null", "false") && o.keyword("default").is_none();
        match o.name {
            "remove_column" => hazard(
                HazardKind::Destructive,
                format!("removes column {table}.{}", o.argument(0)),
            ),
            "remove_columns" => hazard(
                HazardKind::Destructive,
                format!("removes columns {}", column_list(table, &o.rest)),
            ),
            "drop_table" => hazard(HazardKind::Destructive, format!("drops table {table}")),
            "rename_column" => hazard(
                HazardKind::Destructive,
                format!(
                    "renames column {table}.{} to {}",
                    o.argument(0),
                    o.argument(1)
                ),
            ),
            "rename_table" => hazard(
                HazardKind::Destructive,
                format!("renames table {table} to {}", o.argument(0)),
            ),
            "change_column" => hazard(HazardKind::Destructive, type_change(table, o)),
            _ if is_new => {}
            "add_column" if not_null_without_default => hazard(
                HazardKind::NotNullWithoutDefault,
                format!(
                    "adds NOT NULL column {table}.{} without a default",
                    o.argument(0)
                ),
            ),
            "add_timestamps" if !o.is_keyword("null", "true") && o.keyword("default").is_none() => {
                hazard(
                    HazardKind::NotNullWithoutDefault,
                    format!("adds NOT NULL timestamps to {table} without a default"),
                )
            }
            "add_index" if !o.is_keyword("algorithm", ":concurrently") => hazard(
                HazardKind::IndexLocksWrites,
                format!("adds an index on {table} without algorithm: :concurrently"),
            ),
            "add_reference" | "add_belongs_to" => {
                let column = o.argument(0);
                let index = o.keyword("index").unwrap_or_default();
                if index != "false" && !index.contains(":concurrently") {
                    hazard(
                        HazardKind::IndexLocksWrites,
                        format!("adds reference {table}.{column} with an index built under lock"),
                    );
                }
                let foreign_key = o.keyword("foreign_key").is_some_and(|f| f != "false");
                if foreign_key && !o.is_keyword("validate", "false") {
                    hazard(
                        HazardKind::ValidatingConstraint,
                        format!("adds reference {table}.{column} with a validated foreign key"),
                    );
                }
                if not_null_without_default {
                    hazard(
                        HazardKind::NotNullWithoutDefault,
                        format!("adds NOT NULL reference {table}.{column} without a default"),
                    );
                }
            }
            "add_foreign_key" | "add_check_constraint" if !o.is_keyword("validate", "false") => {
                hazard(
                    HazardKind::ValidatingConstraint,
                    format!(
                        "{} on {table} validates existing rows under lock (pass validate: false, \
                         then validate in a later migration)",
                        o.name
                    ),
                )
            }
            "change_column_null" if o.rest.get(1) == Some(&"false") => hazard(
                HazardKind::ValidatingConstraint,
                format!(
                    "sets {table}.{} NOT NULL, scanning the table under lock",
                    o.argument(0)
                ),
            ),
            _ => {}
        }
        if o.name == "execute" {
            let literal = step.heredoc.or_else(|| {
                literal_ranges(o.head, Syntax::Ruby)
                    .first()
                    .map(|(s, e)| (o.start + s, o.start + e))
            });
            out.extend(literal.map_or_else(Vec::new, |l| sql_hazards(path, text, l)));
        }
        if step.reviewed {
            for hazard in &mut out[first..] {
                hazard.reviewed = true;
            }
        }
    }
    out
}

/// Why Rails cannot run an operation of `def change` backwards, if it cannot.
fn irreversible_in_change(step: &Step) -> Option<&'static str> {
    let o = &step.operation;
    match o.name {
        "change_column" => Some("change_column"),
        "execute" => Some("execute outside a reversible block"),
        "remove_column" if o.rest.len() < 2 && o.keyword("type").is_none() => {
            Some("remove_column without the column type")
        }
        "remove_columns" if o.keyword("type").is_none() => Some("remove_columns without type:"),
        "drop_table" if step.block.is_none() => Some("drop_table without a block"),
        "change_column_default" if o.keyword("to").is_none() => {
            Some("change_column_default without from: and to:")
        }
        _ => None,
    }
}

/// Whether Rails can reverse the migration, and where the answer is written.
pub fn reversibility(path: &str, text: &str) -> (Reversibility, Location) {
    let line_span = |start: usize| {
        let line = text[start..].lines().next().unwrap_or("");
        let first = start + line.len() - line.trim_start().len();
        span(path, text, first, start + line.trim_end().len())
    };
    if let Some(at) = find_line_start(text, |l| {
        l.contains("raise ActiveRecord::IrreversibleMigration")
    }) {
        let reason = "raises ActiveRecord::IrreversibleMigration".to_string();
        return (Reversibility::Irreversible(reason), line_span(at));
    }
    if let Some(header) = find_line_start(text, |l| l == "def change") {
        let (steps, guarded) = steps_in(text, block_after(text, header));
        for step in &steps {
            let o = &step.operation;
            let inside = guarded.iter().any(|(s, e)| (*s..*e).contains(&o.start));
            if let (false, Some(what)) = (inside, irreversible_in_change(step)) {
                let reason = format!("def change calls {what}, which Rails cannot reverse");
                return (
                    Reversibility::Irreversible(reason),
                    span(path, text, o.start, o.end),
                );
            }
        }
    }
    let up = find_line_start(text, |l| l == "def up" || l == "def self.up");
    let down = find_line_start(text, |l| l == "def down" || l == "def self.down");
    if let (Some(at), None) = (up, down) {
        let reason = "defines up but no down".to_string();
        return (Reversibility::Irreversible(reason), line_span(at));
    }
    (Reversibility::Reversible, Location::file(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<HazardKind> {
        operations("db/migrate/1_x.rb", text)
            .iter()
            .map(|h| h.kind)
            .collect()
    }

    fn change(body: &str) -> String {
        format!("class X < ActiveRecord::Migration[7.1]\n  def change\n{body}\n  end\nend\n")
    }

    #[test]
    fn only_forward_bodies_count() {
        let text = "class X < ActiveRecord::Migration[7.1]\n  def up\n    remove_column :orders, :a, :string\n  end\n\n  def down\n    drop_table :orders\n    add_index :orders, :a\n  end\nend\n";
        assert_eq!(kinds(text), [HazardKind::Destructive]);
        assert_eq!(reversibility("m.rb", text).0, Reversibility::Reversible);
    }

    #[test]
    fn keywords_decide_the_safe_forms() {
        use HazardKind::*;
        assert_eq!(
            kinds(&change("    add_column :t, :c, :integer, null: false")),
            [NotNullWithoutDefault]
        );
        assert!(
            kinds(&change(
                "    add_column :t, :c, :integer, null: false, default: 0"
            ))
            .is_empty()
        );
        assert!(kinds(&change("    add_index :t, :c, algorithm: :concurrently")).is_empty());
        assert!(kinds(&change("    add_foreign_key :t, :u, validate: false")).is_empty());
        assert_eq!(
            kinds(&change("    add_timestamps :t")),
            [NotNullWithoutDefault]
        );
        assert!(kinds(&change("    add_timestamps :t, null: true")).is_empty());
        assert_eq!(
            kinds(&change("    change_column_null :t, :c, false")),
            [ValidatingConstraint]
        );
        assert!(kinds(&change("    change_column_null :t, :c, true")).is_empty());
        assert!(
            kinds(&change(
                "    # remove_column :t, :c\n    add_column :t, :note, :text"
            ))
            .is_empty()
        );
    }

    #[test]
    fn forward_blocks_are_read_and_backward_ones_are_not() {
        let text = change(
            "    revert do\n      remove_column :t, :old, :text\n    end\n    reversible do |dir|\n      dir.down do\n        drop_table :t\n      end\n    end\n    transaction do\n      drop_table :legacy\n    end",
        );
        let found = operations("m.rb", &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, "drops table legacy");
    }

    #[test]
    fn execute_heredocs_are_checked_as_sql_at_their_lines() {
        let text =
            change("    execute <<~SQL\n      DROP TABLE legacy;\n    SQL\n    drop_table :other");
        let found = operations("m.rb", &text);
        let at: Vec<_> = found
            .iter()
            .map(|h| (h.location.line, h.location.column, h.location.end_column))
            .collect();
        assert_eq!(at, [(4, 7, 24), (6, 5, 22)]);
        let (state, location) = reversibility("m.rb", &text);
        assert!(matches!(state, Reversibility::Irreversible(r) if r.contains("execute")));
        assert_eq!((location.line, location.end_line), (3, 5));
    }

    #[test]
    fn reversibility_of_change_and_up() {
        let block = change("    drop_table :t do |t|\n      t.string :name\n    end");
        assert_eq!(reversibility("m.rb", &block).0, Reversibility::Reversible);
        let bare = change("    drop_table :t");
        assert!(matches!(
            reversibility("m.rb", &bare).0,
            Reversibility::Irreversible(r) if r.contains("drop_table without a block")
        ));
        let up_only = "class X < ActiveRecord::Migration[7.1]\n  def up\n    add_column :t, :c, :text\n  end\nend\n";
        let (state, location) = reversibility("m.rb", up_only);
        assert!(matches!(state, Reversibility::Irreversible(r) if r.contains("no down")));
        assert_eq!(
            (location.line, location.column, location.end_column),
            (2, 3, 9)
        );
        let raising = "  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\n";
        assert!(matches!(
            reversibility("m.rb", raising).0,
            Reversibility::Irreversible(r) if r.contains("raises")
        ));
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "def change\n  execute <<~SQL\n",
            "def change\n  add_column(:t, \"",
            "def change\n  change_table :t do |",
            "def change\n  reversible do |dir|\n    dir.up {",
            "def up\n  é <<X",
        ] {
            let _ = operations("m.rb", text);
            let _ = reversibility("m.rb", text);
        }
        // Statements longer than the read limit end on a character boundary.
        let long = "é".repeat(10_000);
        for text in [
            format!("def change\n  execute \"{long}"),
            format!("def change\n  add_column :t, <<~X\n{long}"),
            format!("def change\n  x({long}\n  # {long}"),
        ] {
            let _ = operations("m.rb", &text);
            let _ = reversibility("m.rb", &text);
        }
    }
}
