//! The operations an Alembic revision's `upgrade()` performs, read from its `op.*(...)` calls
//! and from the `batch_op.*(...)` calls of its `with op.batch_alter_table("t") as batch_op:`
//! blocks, which take their table from the `with` line.
//!
//! Like [`super::alembic`], this reads text and runs nothing: the body of `def upgrade()` is
//! found by indentation and each call is read up to its balanced closing parenthesis with the
//! helpers of [`super::calls`]. Generated revisions pass literals, which is all the checks
//! need; a call built from variables is read as far as its literals go.
//!
//! NOTE: `op.` inside a docstring of `upgrade()` is read as a call; generated revisions put
//! their docstring at module level, so this costs a false positive only in hand-written ones.

use super::calls::{
    Operation, Syntax, arguments, block_after, calls, created_tables, find_line_start,
    literal_ranges, name_of, sql_hazards,
};
use super::hazards::{Hazard, HazardKind, span};

/// Functions that make a column default differ per row, which rewrites the table.
const VOLATILE_DEFAULTS: &[&str] = &[
    "random(",
    "gen_random_uuid(",
    "clock_timestamp(",
    "uuid_generate_v4(",
];

/// Which positional argument of `op.<name>(...)` names the table; `batch_op.*` calls take
/// it from their `with` line instead.
fn table_position(name: &str) -> usize {
    match name {
        "create_index"
        | "create_foreign_key"
        | "create_check_constraint"
        | "create_unique_constraint"
        | "create_primary_key" => 1,
        _ => 0,
    }
}

/// The `op.*` calls of `upgrade()` and the `batch_op.*` calls of its
/// `with op.batch_alter_table("t") as batch_op:` blocks, in text order.
fn upgrade_operations(text: &str) -> Vec<Operation<'_>> {
    let Some(header) = find_line_start(text, |l| l.starts_with("def upgrade(")) else {
        return Vec::new();
    };
    let body = block_after(text, header);
    let mut out = Vec::new();
    for call in calls(text, body, "op", Syntax::Python) {
        let mut rest = arguments(&text[call.start..call.end], Syntax::Python);
        let position = table_position(call.name);
        let table = if position < rest.len() {
            name_of(rest.remove(position), Syntax::Python)
        } else {
            String::new()
        };
        if call.name == "batch_alter_table" {
            out.extend(batch_operations(text, call.start, call.end, &table));
        }
        out.push(Operation {
            start: call.start,
            end: call.end,
            name: call.name,
            table,
            rest,
            head: &text[call.start..call.end],
            syntax: Syntax::Python,
        });
    }
    out.sort_by_key(|o| o.start);
    out
}

/// The `<alias>.*` calls in the block of `with op.batch_alter_table(...) as <alias>:`.
fn batch_operations<'t>(
    text: &'t str,
    start: usize,
    end: usize,
    table: &str,
) -> Vec<Operation<'t>> {
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let alias = text[end..line_end]
        .trim()
        .strip_prefix("as ")
        .and_then(|a| a.trim().strip_suffix(':'))
        .unwrap_or("")
        .trim();
    if alias.is_empty() {
        return Vec::new();
    }
    let header = text[..start].rfind('\n').map_or(0, |i| i + 1);
    calls(text, block_after(text, header), alias, Syntax::Python)
        .into_iter()
        .map(|call| Operation {
            start: call.start,
            end: call.end,
            name: call.name,
            table: table.to_string(),
            rest: arguments(&text[call.start..call.end], Syntax::Python),
            head: &text[call.start..call.end],
            syntax: Syntax::Python,
        })
        .collect()
}

/// The risky operations of `upgrade()`.
pub fn operations(path: &str, text: &str) -> Vec<Hazard> {
    let operations = upgrade_operations(text);
    let created = created_tables(&operations, "create_table");
    let mut out = Vec::new();
    for operation in &operations {
        let (start, end) = (operation.start, operation.end);
        let call = &text[start..end];
        let table = &operation.table;
        let is_new = created.contains(table.as_str());
        let mut hazard = |kind, message: String| {
            out.push(Hazard {
                kind,
                location: span(path, text, start, end),
                message,
                reviewed: false,
            })
        };
        match operation.name {
            "drop_table" => hazard(HazardKind::Destructive, format!("drops table {table}")),
            "drop_column" => hazard(
                HazardKind::Destructive,
                format!("drops column {table}.{}", operation.argument(0)),
            ),
            "alter_column" => {
                let column = operation.argument(0);
                if operation.keyword("type_").is_some() {
                    hazard(
                        HazardKind::Destructive,
                        format!("changes the type of {table}.{column}, rewriting the table"),
                    );
                }
                if let Some(new) = operation.keyword("new_column_name") {
                    hazard(
                        HazardKind::Destructive,
                        format!(
                            "renames column {table}.{column} to {}",
                            name_of(&new, Syntax::Python)
                        ),
                    );
                }
                if operation.is_keyword("nullable", "False") {
                    hazard(
                        HazardKind::ValidatingConstraint,
                        format!("sets {table}.{column} NOT NULL, scanning the table under lock"),
                    );
                }
            }
            "add_column" if !is_new => {
                let column = operation.argument(0);
                let default = operation.keyword("server_default");
                let not_null = operation.is_keyword("nullable", "False");
                if not_null && default.is_none() {
                    hazard(
                        HazardKind::NotNullWithoutDefault,
                        format!("adds NOT NULL column {table}.{column} without a server_default"),
                    );
                }
                let lower = default.unwrap_or_default().to_ascii_lowercase();
                if VOLATILE_DEFAULTS.iter().any(|f| lower.contains(f)) {
                    hazard(
                        HazardKind::VolatileDefault,
                        format!("adds column {table}.{column} with a volatile server_default"),
                    );
                }
            }
            "create_index"
                if !is_new && !operation.is_keyword("postgresql_concurrently", "True") =>
            {
                hazard(
                    HazardKind::IndexLocksWrites,
                    format!("creates an index on {table} without postgresql_concurrently=True"),
                );
            }
            "create_unique_constraint" if !is_new => hazard(
                HazardKind::IndexLocksWrites,
                format!("adds a unique constraint to {table}, building its index under lock"),
            ),
            "create_primary_key" if !is_new => hazard(
                HazardKind::IndexLocksWrites,
                format!(
                    "adds a primary key to {table}, building its unique index under an ACCESS \
                     EXCLUSIVE lock"
                ),
            ),
            "create_foreign_key" if !is_new => hazard(
                HazardKind::ValidatingConstraint,
                format!(
                    "adds a foreign key from {table} to {}, validated under lock (Alembic has \
                     no NOT VALID option: write the constraint in op.execute with NOT VALID)",
                    operation.argument(1)
                ),
            ),
            "create_check_constraint" if !is_new => hazard(
                HazardKind::ValidatingConstraint,
                format!(
                    "adds a check constraint to {table}, validated under lock (Alembic has no \
                     NOT VALID option: write the constraint in op.execute with NOT VALID)"
                ),
            ),
            "execute" => {
                let literal = literal_ranges(call, Syntax::Python).first().copied();
                if let Some((s, e)) = literal {
                    out.extend(sql_hazards(path, text, (start + s, start + e)));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_read_to_their_closing_parenthesis() {
        let text = "def upgrade():\n    # op.drop_table('t')\n    op.add_column(\n        't',\n        sa.Column('c', sa.Integer(), nullable=False),  # )\n    )\n\n\ndef downgrade():\n    op.drop_table('t')\n";
        let found = operations("v.py", text);
        assert_eq!(found.len(), 1);
        let l = &found[0].location;
        assert_eq!((l.line, l.column, l.end_line, l.end_column), (3, 5, 6, 6));
    }

    #[test]
    fn batch_operations_take_their_table_from_the_with_line() {
        let text = "def upgrade():\n    with op.batch_alter_table(\"orders\", schema=None) as b:\n        b.drop_column(\"note\")\n        b.create_foreign_key(\"fk\", \"users\", [\"user_id\"], [\"id\"])\n    b.drop_column(\"outside\")\n";
        let found = operations("v.py", text);
        let messages: Vec<&str> = found.iter().map(|h| h.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0], "drops column orders.note");
        assert!(messages[1].starts_with("adds a foreign key from orders to users"));
    }

    #[test]
    fn constraints_on_a_table_created_here_are_safe() {
        let text = "def upgrade():\n    op.create_table(\"t\", sa.Column(\"id\"))\n    op.create_foreign_key(\"fk\", \"t\", \"u\", [\"u_id\"], [\"id\"])\n    op.create_check_constraint(\"ck\", \"t\", \"id > 0\")\n    op.create_check_constraint(\"ck\", \"old\", \"id > 0\")\n";
        let found = operations("v.py", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, HazardKind::ValidatingConstraint);
        assert_eq!(found[0].location.line, 5);
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "def upgrade():\n    op.execute(\"\"\"",
            "def upgrade():\n    op.x(é",
            "def upgrade():\n op.(",
            "def upgrade():\n    with op.batch_alter_table(\"t\") as",
            "def upgrade():\n    with op.batch_alter_table(\"t\") as b:\n        b.x(",
        ] {
            let _ = operations("v.py", text);
        }
    }
}
