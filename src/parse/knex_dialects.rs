//! Code a Knex migration runs only on another database. Migrations written for several
//! databases branch on the configured client — `switch (config.db.type) { case 'mysql': ... }`
//! or `if (knex.client.config.client === 'mssql') { ... }` — and what such a branch does says
//! nothing about PostgreSQL, whose locking the rules describe.
//!
//! A branch counts as another database's only when every label or compared literal names a
//! database that is not PostgreSQL; an unknown name, or a condition that also mentions
//! PostgreSQL, keeps the code in view. Negated comparisons (`!==`) are not read as branches.

use super::calls::{Syntax, call_end, floor_boundary, literal_ranges, skip_quoted_or_comment};

/// Client and dialect names of databases other than PostgreSQL.
const OTHER_DATABASES: &[&str] = &[
    "mysql",
    "mysql2",
    "mariadb",
    "mssql",
    "sqlite",
    "sqlite3",
    "better-sqlite3",
    "oracle",
    "oracledb",
];

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Whether the keyword `word` starts at `i`, not inside a longer identifier.
fn keyword_at(bytes: &[u8], i: usize, word: &str) -> bool {
    bytes[i..].starts_with(word.as_bytes())
        && (i == 0 || !is_identifier_byte(bytes[i - 1]))
        && !bytes
            .get(i + word.len())
            .is_some_and(|&b| is_identifier_byte(b))
}

/// The first byte at or after `i` that is neither whitespace nor in a comment.
fn skip_blank(bytes: &[u8], mut i: usize, to: usize) -> usize {
    while i < to {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if bytes[i] == b'/'
            && let Some(end) = skip_quoted_or_comment(bytes, i, to, Syntax::JavaScript)
        {
            i = end;
        } else {
            break;
        }
    }
    i
}

/// A `case '<name>':` label at `i`: the name and where the label ends.
fn case_label(text: &str, i: usize, to: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    if !keyword_at(bytes, i, "case") {
        return None;
    }
    let open = skip_blank(bytes, i + 4, to);
    if !matches!(bytes.get(open), Some(b'\'' | b'"' | b'`')) {
        return None;
    }
    let close = skip_quoted_or_comment(bytes, open, to, Syntax::JavaScript)?;
    let colon = skip_blank(bytes, close, to);
    (bytes.get(colon) == Some(&b':'))
        .then(|| (text.get(open + 1..close - 1).unwrap_or(""), colon + 1))
}

/// The end of a case body starting at `from`: the next label of the same switch, or the
/// brace that closes it.
fn case_body_end(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < to {
        if let Some(end) = skip_quoted_or_comment(bytes, i, to, Syntax::JavaScript) {
            i = end;
            continue;
        }
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => return i,
            b')' | b']' | b'}' => depth -= 1,
            _ if depth == 0
                && (keyword_at(bytes, i, "case") || keyword_at(bytes, i, "default")) =>
            {
                return i;
            }
            _ => {}
        }
        i += 1;
    }
    to
}

/// Whether an `if` condition compares something to other databases' names only.
fn is_other_database_condition(condition: &str) -> bool {
    let names: Vec<&str> = literal_ranges(condition, Syntax::JavaScript)
        .into_iter()
        .map(|(s, e)| &condition[s..e])
        .collect();
    !names.is_empty()
        && names.iter().all(|n| OTHER_DATABASES.contains(n))
        && condition.contains("==")
        && !condition.contains('!')
}

/// The end of the statement or block that follows an `if (...)` ending at `from`.
fn branch_end(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    let start = skip_blank(bytes, from, to);
    if bytes.get(start) == Some(&b'{') {
        return floor_boundary(text, call_end(bytes, start, Syntax::JavaScript).min(to));
    }
    text[start..to]
        .find(['\n', ';'])
        .map_or(to, |end| start + end)
}

/// The byte ranges of `text[from..to]` that run only on databases other than PostgreSQL.
pub(super) fn other_database_ranges(text: &str, (from, to): (usize, usize)) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    while i < to {
        if let Some(end) = skip_quoted_or_comment(bytes, i, to, Syntax::JavaScript) {
            i = end;
            continue;
        }
        if let Some((name, mut end)) = case_label(text, i, to) {
            // Stacked labels share one body.
            let mut names = vec![name];
            while let Some((name, next)) = case_label(text, skip_blank(bytes, end, to), to) {
                names.push(name);
                end = next;
            }
            let body_end = case_body_end(text, end, to);
            if names.iter().all(|n| OTHER_DATABASES.contains(n)) {
                out.push((end, body_end));
                i = body_end.max(end);
            } else {
                i = end;
            }
            continue;
        }
        if keyword_at(bytes, i, "if") {
            let open = skip_blank(bytes, i + 2, to);
            if bytes.get(open) == Some(&b'(') {
                let close = floor_boundary(text, call_end(bytes, open, Syntax::JavaScript).min(to));
                if is_other_database_condition(&text[open..close]) {
                    let end = branch_end(text, close, to);
                    out.push((close, end));
                    i = end.max(close);
                    continue;
                }
                i = close.max(open + 1);
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(text: &str) -> Vec<&str> {
        other_database_ranges(text, (0, text.len()))
            .into_iter()
            .map(|(s, e)| text[s..e].trim())
            .collect()
    }

    #[test]
    fn switch_cases_of_other_databases_are_skipped() {
        let text = "switch (db.type) {\n  case 'mariadb':\n  case 'mysql':\n    a()\n    break\n  case 'postgres':\n    b()\n    break\n  case 'mssql': {\n    c()\n  }\n  default:\n    d()\n}\n";
        assert_eq!(skipped(text), ["a()\n    break", "{\n    c()\n  }"]);
        let mixed = "switch (t) { case 'mysql': case 'pg': x(); }";
        assert!(skipped(mixed).is_empty());
    }

    #[test]
    fn conditions_on_other_databases_are_skipped() {
        let text = "if (client === 'mysql') {\n  a()\n}\nif (knex.client.config.client === 'mssql') b()\nif (client !== 'sqlite3') { c() }\nif (t === 'mysql' || t === 'postgres') { d() }\n";
        assert_eq!(skipped(text), ["{\n  a()\n}", "b()"]);
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "case",
            "case '",
            "case 'mysql'",
            "if (",
            "if (a === 'mysql')",
            "é case 'x':",
        ] {
            let _ = skipped(text);
        }
    }
}
