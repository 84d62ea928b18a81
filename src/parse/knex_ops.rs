//! The operations of a Knex migration, read from its exported `up` function.
//!
//! The `up` function runs from its header (`exports.up = ...`, `export async function up`,
//! `export const up`) to the header of `down` or the end of the file. Schema builder calls
//! (`.createTable(`, `.alterTable(`, `.table(`, `.dropTable(`, `.renameTable(`, `.raw(`) are
//! read to their closing parenthesis with the helpers of [`super::calls`]; inside the callback
//! of `alterTable` and `table`, each statement on the builder (`table.string('x')...`) is read
//! to its `;`, or to the end of its line when the next line does not continue the chain.
//! Calls and statements in branches for other databases ([`super::knex_dialects`]) are left
//! out.

use std::collections::BTreeSet;

use super::calls::{
    MAX_CALL_BYTES, Syntax, arguments, call_end, find_line_start, floor_boundary, is_commented,
    literal_ranges, name_of, skip_quoted_or_comment, sql_hazards,
};
use super::hazards::{Hazard, HazardKind, span};
use super::knex_dialects::other_database_ranges;

/// Schema builder methods whose calls are read.
const SCHEMA_METHODS: &[&str] = &[
    "createTable",
    "createTableIfNotExists",
    "alterTable",
    "table",
    "dropTable",
    "dropTableIfExists",
    "renameTable",
    "raw",
];

fn is_header(line: &str, name: &str) -> bool {
    let starts = [
        format!("exports.{name} "),
        format!("exports.{name}="),
        format!("module.exports.{name} "),
        format!("export async function {name}("),
        format!("export function {name}("),
        format!("export const {name} "),
        format!("async function {name}("),
        format!("function {name}("),
        // Methods of `module.exports = { up, down }`.
        format!("{name}: "),
        format!("async {name}("),
    ];
    starts.iter().any(|s| line.starts_with(s.as_str()))
}

/// The byte range of the exported `up` function: to the `down` header or the end.
fn up_range(text: &str) -> Option<(usize, usize)> {
    let start = find_line_start(text, |l| is_header(l, "up"))?;
    let end =
        find_line_start(&text[start..], |l| is_header(l, "down")).map_or(text.len(), |d| start + d);
    Some((start, end))
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The calls of [`SCHEMA_METHODS`] in `text[from..to]`, from the start of their receiver
/// chain (`knex.schema`) to the closing parenthesis, in text order.
fn schema_calls(text: &str, (from, to): (usize, usize)) -> Vec<(usize, usize, &str)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for method in SCHEMA_METHODS {
        let needle = format!(".{method}(");
        let mut search = from;
        while let Some(at) = text[search..to].find(&needle) {
            let dot = search + at;
            search = dot + needle.len();
            if is_commented(text, dot, Syntax::JavaScript) {
                continue;
            }
            let start = (from..dot)
                .rev()
                .take_while(|&i| is_identifier_byte(bytes[i]) || bytes[i] == b'.')
                .last()
                .unwrap_or(dot);
            found.push((start, search - 1, *method));
        }
    }
    found.sort_by_key(|c| c.0);
    // Schema calls chain (`createTable(...).alterTable(...)`) rather than nest; a call inside
    // another of its kind (`raw` inside `raw`, `table` inside `table`) is not read again, which
    // keeps hostile nesting linear.
    let (mut raw_read_to, mut schema_read_to) = (0, 0);
    let mut out = Vec::new();
    for (start, open, method) in found {
        let read_to = if method == "raw" {
            &mut raw_read_to
        } else {
            &mut schema_read_to
        };
        if start < *read_to {
            continue;
        }
        let end = floor_boundary(text, call_end(bytes, open, Syntax::JavaScript).min(to));
        *read_to = end;
        out.push((start, end, method));
    }
    out
}

/// The parameter name of a callback (`(table) => {`, `function (t) {`, `t => ...`).
fn callback_parameter(callback: &str) -> &str {
    let callback = callback.trim_start_matches("async").trim_start();
    let callback = callback.trim_start_matches("function").trim_start();
    let inner = callback.strip_prefix('(').unwrap_or(callback).trim_start();
    let end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(inner.len());
    &inner[..end]
}

/// The end of the builder statement starting at `at` — a top-level `;`, a closing bracket of
/// the enclosing callback, or the end of a line the next line does not continue with `.` —
/// and where reading stopped (past any trailing comment).
fn statement_end(text: &str, at: usize, to: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let limit = floor_boundary(text, (at + MAX_CALL_BYTES).min(to));
    let (mut depth, mut last_code, mut i) = (0i32, at, at);
    while i < limit {
        let c = bytes[i];
        if let Some(end) = skip_quoted_or_comment(bytes, i, limit, Syntax::JavaScript) {
            if c != b'/' {
                last_code = end;
            }
            i = end;
            continue;
        }
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => break,
            b')' | b']' | b'}' => depth -= 1,
            b';' if depth == 0 => break,
            b'\n' if depth == 0 && !text[i..limit].trim_start().starts_with('.') => break,
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last_code = i + 1;
        }
        i += 1;
    }
    (last_code, floor_boundary(text, i).max(last_code))
}

/// The hazards of the statements on `parameter` inside an `alterTable` callback.
fn builder_hazards(
    path: &str,
    text: &str,
    (from, to): (usize, usize),
    (parameter, table): (&str, &str),
    elsewhere: &[(usize, usize)],
) -> Vec<Hazard> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut search = from;
    while let Some(found) = text[search..to].find(parameter) {
        let at = search + found;
        search = at + parameter.len();
        // The chain may continue on the next line: `table\n  .string('s')`.
        let chained = text[search..to].trim_start();
        let preceded = at > 0 && (is_identifier_byte(bytes[at - 1]) || bytes[at - 1] == b'.');
        if preceded || !chained.starts_with('.') || is_commented(text, at, Syntax::JavaScript) {
            continue;
        }
        let (end, stop) = statement_end(text, at, to);
        search = stop.max(search);
        if is_elsewhere(elsewhere, at) {
            continue;
        }
        let statement = &text[at..end];
        let method: String = chained[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let columns: Vec<&str> = literal_ranges(statement, Syntax::JavaScript)
            .into_iter()
            .map(|(s, e)| &statement[s..e])
            .collect();
        let column = columns.first().copied().unwrap_or("");
        let mut hazard = |kind, message: String| {
            out.push(Hazard {
                kind,
                location: span(path, text, at, end),
                message,
                reviewed: false,
            })
        };
        // A statement that defines a column, as opposed to one that drops, renames or
        // indexes.
        let is_column = !matches!(
            method.as_str(),
            "index" | "unique" | "foreign" | "primary" | "renameColumn"
        ) && !method.starts_with("drop");
        match method.as_str() {
            "dropTimestamps" => hazard(
                HazardKind::Destructive,
                format!("drops columns {table}.created_at and {table}.updated_at"),
            ),
            "dropColumn" | "dropColumns" => hazard(
                HazardKind::Destructive,
                format!("drops column {table}.{}", columns.join(", ")),
            ),
            "renameColumn" => hazard(
                HazardKind::Destructive,
                format!(
                    "renames column {table}.{column} to {}",
                    columns.get(1).copied().unwrap_or("")
                ),
            ),
            _ if is_column && statement.contains(".alter(") => hazard(
                HazardKind::Destructive,
                format!("alters column {table}.{column}, rewriting the table if its type changes"),
            ),
            _ if is_column
                && statement.contains(".notNullable()")
                && !statement.contains(".defaultTo(") =>
            {
                hazard(
                    HazardKind::NotNullWithoutDefault,
                    format!("adds NOT NULL column {table}.{column} without defaultTo"),
                )
            }
            _ => {}
        }
        if method == "index"
            || method == "unique"
            || statement.contains(".index(")
            || statement.contains(".unique(")
        {
            hazard(
                HazardKind::IndexLocksWrites,
                format!("builds an index on {table} without CONCURRENTLY, blocking writes"),
            );
        }
        if method == "foreign" || statement.contains(".references(") {
            hazard(
                HazardKind::ValidatingConstraint,
                format!("adds a foreign key to {table}, validated under lock"),
            );
        }
    }
    out
}

/// Whether `at` lies in code that runs only on another database.
fn is_elsewhere(elsewhere: &[(usize, usize)], at: usize) -> bool {
    elsewhere
        .iter()
        .any(|&(start, end)| (start..end).contains(&at))
}

/// The risky operations of the exported `up` function.
pub fn operations(path: &str, text: &str) -> Vec<Hazard> {
    let Some(range) = up_range(text) else {
        return Vec::new();
    };
    let calls = schema_calls(text, range);
    let elsewhere = other_database_ranges(text, range);
    let table_of = |start: usize, end: usize| {
        let args = arguments(&text[start..end], Syntax::JavaScript);
        name_of(args.first().copied().unwrap_or(""), Syntax::JavaScript)
    };
    let created: BTreeSet<String> = calls
        .iter()
        .filter(|c| c.2.starts_with("createTable"))
        .map(|c| table_of(c.0, c.1))
        .collect();
    let mut out = Vec::new();
    for &(start, end, method) in &calls {
        if is_elsewhere(&elsewhere, start) {
            continue;
        }
        let table = table_of(start, end);
        let call = &text[start..end];
        match method {
            "dropTable" | "dropTableIfExists" => out.push(Hazard {
                kind: HazardKind::Destructive,
                location: span(path, text, start, end),
                message: format!("drops table {table}"),
                reviewed: false,
            }),
            "renameTable" => out.push(Hazard {
                kind: HazardKind::Destructive,
                location: span(path, text, start, end),
                message: format!(
                    "renames table {table} to {}",
                    literal_ranges(call, Syntax::JavaScript)
                        .get(1)
                        .map_or("", |&(s, e)| &call[s..e])
                ),
                reviewed: false,
            }),
            "alterTable" | "table" if !created.contains(&table) => {
                let args = arguments(call, Syntax::JavaScript);
                let Some(callback) = args.get(1) else {
                    continue;
                };
                let from = (callback.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                let parameter = callback_parameter(callback);
                if !parameter.is_empty() {
                    let range = (from, from + callback.len());
                    let names = (parameter, table.as_str());
                    out.extend(builder_hazards(path, text, range, names, &elsewhere));
                }
            }
            "raw" => {
                if let Some(&(s, e)) = literal_ranges(call, Syntax::JavaScript).first() {
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

    fn kinds(text: &str) -> Vec<HazardKind> {
        operations("migrations/1_x.js", text)
            .iter()
            .map(|h| h.kind)
            .collect()
    }

    #[test]
    fn only_up_counts_and_new_tables_are_exempt() {
        let text = "exports.up = (knex) =>\n  knex.schema.table('t', (t) => {\n    t.dropColumn('a');\n  });\n\nexports.down = (knex) => knex.schema.dropTable('t');\n";
        assert_eq!(kinds(text), [HazardKind::Destructive]);
        let created = "exports.up = (knex) => knex.schema\n  .createTable('t', (t) => { t.increments(); })\n  .alterTable('t', (t) => { t.string('s').notNullable().index(); });\n";
        assert!(kinds(created).is_empty());
    }

    #[test]
    fn builder_statements_run_to_their_end() {
        use HazardKind::*;
        let text = "export async function up(knex: Knex): Promise<void> {\n  await knex.schema.alterTable('t', function (table) {\n    table\n      .string('s')\n      .notNullable();\n    table.integer('n').notNullable().defaultTo(0);\n    // table.dropColumn('x');\n  });\n}\n";
        let found = operations("m.ts", text);
        assert_eq!(
            found.iter().map(|h| h.kind).collect::<Vec<_>>(),
            [NotNullWithoutDefault]
        );
        let l = &found[0].location;
        assert_eq!((l.line, l.column, l.end_line, l.end_column), (3, 5, 5, 21));
    }

    #[test]
    fn object_exports_are_read() {
        let text = "module.exports = {\n  async up(knex) {\n    await knex.schema.table('t', (t) => t.dropTimestamps());\n  },\n  async down(knex) {\n    await knex.schema.dropTable('t');\n  },\n};\n";
        assert_eq!(kinds(text), [HazardKind::Destructive]);
    }

    #[test]
    fn raw_sql_is_checked() {
        let text = "exports.up = async (knex) => {\n  await knex.raw(\"DROP TABLE legacy\");\n};\n";
        let found = operations("m.js", text);
        assert_eq!(found.len(), 1);
        let l = &found[0].location;
        assert_eq!((l.line, l.column, l.end_column), (2, 19, 36));
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "exports.up = (knex) => knex.schema.alterTable('t', (",
            "exports.up = (knex) => knex.raw(`",
            "export async function up(knex) { knex.schema.table(é",
            "exports.up = (k) => k.schema.alterTable('t', t => t.",
        ] {
            let _ = operations("m.js", text);
        }
        let long = "é".repeat(10_000);
        for text in [
            format!("exports.up = (k) => k.schema.table('t', (t) => {{ t.x('{long}"),
            format!("exports.up = (k) => k.schema.table('t', (t) => {{ t.x() // {long}"),
        ] {
            let _ = operations("m.js", &text);
        }
    }
}
