//! The operations an Alembic revision's `upgrade()` performs, read from its `op.*(...)` calls.
//!
//! Like [`super::alembic`], this reads text and runs nothing: the body of `def upgrade()` is
//! found by indentation and each call is read up to its balanced closing parenthesis, skipping
//! strings and comments, at most 16 KiB long. Generated revisions pass literals,
//! which is all the checks need; a call built from variables is read as far as its literals go.
//!
//! NOTE: `op.` inside a docstring of `upgrade()` is read as a call; generated revisions put
//! their docstring at module level, so this costs a false positive only in hand-written ones.

use std::collections::BTreeSet;

use super::alembic::literals;
use super::hazards::{Hazard, HazardKind, span};
use super::sql;

/// Longest `op.*(...)` call read; a longer one is cut there.
const MAX_CALL_BYTES: usize = 16 * 1024;

/// The byte range of `def upgrade(...)`'s body, read by indentation.
fn upgrade_body(text: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut start = None;
    let mut indent = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let this_indent = line.len() - trimmed.len();
        match start {
            None if trimmed.starts_with("def upgrade(") => {
                start = Some(offset + line.len());
                indent = this_indent;
            }
            // The signature may wrap; its closing `)` line is not the end of the body.
            Some(s)
                if !trimmed.trim().is_empty()
                    && this_indent <= indent
                    && !trimmed.starts_with(')') =>
            {
                return Some((s, offset));
            }
            _ => {}
        }
        offset += line.len();
    }
    start.map(|s| (s, text.len()))
}

/// The end (exclusive) of the call whose `(` is at `open`, skipping strings and comments.
fn call_end(bytes: &[u8], open: usize) -> usize {
    let limit = (open + MAX_CALL_BYTES).min(bytes.len());
    let mut depth = 0usize;
    let mut i = open;
    while i < limit {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'#' => {
                while i < limit && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let triple = bytes[i..].starts_with(&[q, q, q]);
                i += if triple { 3 } else { 1 };
                while i < limit {
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else if triple && bytes[i..].starts_with(&[q, q, q]) {
                        i += 2;
                        break;
                    } else if !triple && bytes[i] == q {
                        break;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    limit
}

/// The first string literal of `call` as a byte range of its content, triple quotes included.
fn first_literal(call: &str) -> Option<(usize, usize)> {
    let open = call.find(['"', '\''])?;
    let q = &call[open..open + 1];
    let triple = q.repeat(3);
    let (start, closing) = if call[open..].starts_with(&triple) {
        (open + 3, triple.as_str())
    } else {
        (open + 1, q)
    };
    let end = call[start..]
        .find(closing)
        .map_or(call.len(), |e| start + e);
    Some((start, end))
}

/// Arguments of a call's text, split at top-level commas (brackets and strings respected
/// only as far as needed for literal arguments).
fn arguments(call: &str) -> Vec<&str> {
    let inner = call.find('(').map_or("", |o| {
        call[o + 1..].strip_suffix(')').unwrap_or(&call[o + 1..])
    });
    let mut out = Vec::new();
    let (mut depth, mut from, mut quote) = (0i32, 0, None);
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(inner[from..i].trim());
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(inner[from..].trim());
    out
}

fn literal_of(argument: &str) -> String {
    literals(argument).into_iter().next().unwrap_or_default()
}

/// The value passed as `name=` anywhere in `call` (inside `sa.Column(...)` too), up to the
/// next comma or closing bracket at its own depth.
fn keyword(call: &str, name: &str) -> Option<String> {
    let mut search = 0;
    while let Some(found) = call[search..].find(name) {
        let at = search + found;
        search = at + name.len();
        let boundary = call[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        let rest = call[search..].trim_start();
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        if !boundary || value.starts_with('=') {
            continue;
        }
        let mut depth = 0i32;
        let end = value
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' if depth == 0 => return true,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => return true,
                    _ => {}
                }
                false
            })
            .map_or(value.len(), |(i, _)| i);
        return Some(value[..end].trim().to_string());
    }
    None
}

/// The risky operations of `upgrade()`.
pub fn operations(path: &str, text: &str) -> Vec<Hazard> {
    let Some((body_start, body_end)) = upgrade_body(text) else {
        return Vec::new();
    };
    let body = &text[body_start..body_end];
    let mut calls = Vec::new();
    let mut search = 0;
    while let Some(found) = body[search..].find("op.") {
        let at = search + found;
        search = at + 3;
        let name_end = body[search..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(body.len(), |e| search + e);
        let preceded = body[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        // A call commented out (`# op.add_column(...)`) does not run.
        let line_start = body[..at].rfind('\n').map_or(0, |i| i + 1);
        let commented = body[line_start..at].contains('#');
        if preceded || commented || !body[name_end..].starts_with('(') {
            continue;
        }
        let end = call_end(body.as_bytes(), name_end);
        let end = (0..=end.min(body.len()))
            .rev()
            .find(|e| body.is_char_boundary(*e))
            .unwrap_or(name_end);
        calls.push((body_start + at, body_start + end, &body[search..name_end]));
        search = end.max(search);
    }
    let created: BTreeSet<String> = calls
        .iter()
        .filter(|(_, _, name)| *name == "create_table")
        .map(|(s, e, _)| literal_of(arguments(&text[*s..*e]).first().copied().unwrap_or("")))
        .collect();
    let mut out = Vec::new();
    for (start, end, name) in calls {
        let call = &text[start..end];
        let args = arguments(call);
        let table = match name {
            "create_index" => literal_of(args.get(1).copied().unwrap_or("")),
            _ => literal_of(args.first().copied().unwrap_or("")),
        };
        let mut hazard = |kind, message: String| {
            out.push(Hazard {
                kind,
                location: span(path, text, start, end),
                message,
            })
        };
        match name {
            "drop_table" => hazard(HazardKind::Destructive, format!("drops table {table}")),
            "drop_column" => hazard(
                HazardKind::Destructive,
                format!(
                    "drops column {table}.{}",
                    literal_of(args.get(1).copied().unwrap_or(""))
                ),
            ),
            "alter_column" => {
                let column = literal_of(args.get(1).copied().unwrap_or(""));
                if keyword(call, "type_").is_some() {
                    hazard(
                        HazardKind::Destructive,
                        format!("changes the type of {table}.{column}, rewriting the table"),
                    );
                }
                if let Some(new) = keyword(call, "new_column_name") {
                    hazard(
                        HazardKind::Destructive,
                        format!("renames column {table}.{column} to {}", literal_of(&new)),
                    );
                }
                if keyword(call, "nullable").as_deref() == Some("False") {
                    hazard(
                        HazardKind::ValidatingConstraint,
                        format!("sets {table}.{column} NOT NULL, scanning the table under lock"),
                    );
                }
            }
            "add_column" if !created.contains(&table) => {
                let column = literal_of(args.get(1).copied().unwrap_or(""));
                let default = keyword(call, "server_default");
                if keyword(call, "nullable").as_deref() == Some("False") && default.is_none() {
                    hazard(
                        HazardKind::NotNullWithoutDefault,
                        format!("adds NOT NULL column {table}.{column} without a server_default"),
                    );
                }
                let lower = default.unwrap_or_default().to_ascii_lowercase();
                if [
                    "random(",
                    "gen_random_uuid(",
                    "clock_timestamp(",
                    "uuid_generate_v4(",
                ]
                .iter()
                .any(|f| lower.contains(f))
                {
                    hazard(
                        HazardKind::VolatileDefault,
                        format!("adds column {table}.{column} with a volatile server_default"),
                    );
                }
            }
            "create_index"
                if !created.contains(&table)
                    && keyword(call, "postgresql_concurrently").as_deref() != Some("True") =>
            {
                hazard(
                    HazardKind::IndexLocksWrites,
                    format!("creates an index on {table} without postgresql_concurrently=True"),
                );
            }
            "execute" => {
                if let Some((s, e)) = first_literal(call) {
                    let from = start + s;
                    for h in sql::check(&call[s..e]).hazards {
                        out.push(Hazard {
                            kind: h.kind,
                            location: span(path, text, from + h.start, from + h.end),
                            message: h.message,
                        });
                    }
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
    fn hostile_text_does_not_panic() {
        for text in [
            "def upgrade():\n    op.execute(\"\"\"",
            "def upgrade():\n    op.x(é",
            "def upgrade():\n op.(",
        ] {
            let _ = operations("v.py", text);
        }
    }
}
