//! PostgreSQL migration rules over SQL text: which statements lock, rewrite or lose data.
//!
//! A small tokenizer ([`super::sql_tokens`]) turns the text into words and punctuation,
//! skipping comments and string literals, so a keyword inside either never matches. Regexes
//! over raw text could not tell those apart. Statements are split at top-level `;` and matched
//! word by word; the input is bounded and every loop advances, so hostile text cannot make this
//! slow or panic.
//!
//! Tables created in the same file are empty when later statements of the file touch them,
//! so nothing done to them is reported: a first migration that creates tables and then adds
//! their foreign keys (as Prisma writes them) is safe.

use std::collections::BTreeSet;

use super::hazards::HazardKind;
use super::sql_tokens::{Token, has, has_pair, skip_words, split_top, table_name, tokenize};

/// Volatile functions: their value differs per row, so a default using them makes
/// PostgreSQL rewrite the table. `now()` and `statement_timestamp()` are only stable — computed
/// once for the `ALTER` — so since PostgreSQL 11 a default using them is instant.
const VOLATILE: &[&str] = &[
    "RANDOM",
    "GEN_RANDOM_UUID",
    "CLOCK_TIMESTAMP",
    "UUID_GENERATE_V4",
    "TIMEOFDAY",
    "NEXTVAL",
];

/// A hazard with byte offsets into the checked text.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlHazard {
    pub kind: HazardKind,
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// What [`check`] found in one text.
#[derive(Debug, Default)]
pub struct SqlReport {
    pub hazards: Vec<SqlHazard>,
    /// The first statement that takes a strong lock on an existing table.
    pub first_strong_lock: Option<(usize, usize)>,
    /// Whether the text sets `lock_timeout`.
    pub sets_lock_timeout: bool,
}

/// Checks every statement of `text`.
pub fn check(text: &str) -> SqlReport {
    let tokens = tokenize(text);
    let mut report = SqlReport::default();
    let mut created = BTreeSet::new();
    for statement in split_top(&tokens, b';') {
        check_statement(statement, &mut created, &mut report);
    }
    report
}

fn push(report: &mut SqlReport, kind: HazardKind, part: &[Token], message: String) {
    let (Some(first), Some(last)) = (part.first(), part.last()) else {
        return;
    };
    report.hazards.push(SqlHazard {
        kind,
        start: first.start,
        end: last.end,
        message,
    });
}

fn strong_lock(report: &mut SqlReport, statement: &[Token]) {
    if report.first_strong_lock.is_none()
        && let (Some(first), Some(last)) = (statement.first(), statement.last())
    {
        report.first_strong_lock = Some((first.start, last.end));
    }
}

fn check_statement(statement: &[Token], created: &mut BTreeSet<String>, report: &mut SqlReport) {
    let words: Vec<&str> = statement.iter().take(4).map(Token::word).collect();
    match words.as_slice() {
        ["SET", ..] | ["SELECT", ..] if has(statement, "LOCK_TIMEOUT") => {
            report.sets_lock_timeout = true;
        }
        // `set_config('lock_timeout', ...)` names it in a literal; any set_config is accepted.
        ["SELECT", ..] if has(statement, "SET_CONFIG") => {
            report.sets_lock_timeout = true;
        }
        ["CREATE", "TABLE", ..] | ["CREATE", "UNLOGGED", "TABLE", ..] => {
            let rest = skip_words(
                &statement[1..],
                &["UNLOGGED", "TABLE", "IF", "NOT", "EXISTS"],
            );
            created.insert(table_name(rest));
        }
        ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE", "INDEX", ..] => {
            let on = statement.iter().position(|t| t.is("ON"));
            let table = on
                .map(|i| table_name(skip_words(&statement[i + 1..], &["ONLY"])))
                .unwrap_or_default();
            if !has(statement, "CONCURRENTLY") && !created.contains(&table) {
                strong_lock(report, statement);
                push(
                    report,
                    HazardKind::IndexLocksWrites,
                    statement,
                    format!("CREATE INDEX on {table} without CONCURRENTLY blocks writes"),
                );
            }
        }
        ["DROP", "TABLE", ..] => {
            let rest = skip_words(&statement[2..], &["IF", "EXISTS"]);
            let table = table_name(rest);
            if !created.contains(&table) {
                strong_lock(report, statement);
                push(
                    report,
                    HazardKind::Destructive,
                    statement,
                    format!("drops table {table}"),
                );
            }
        }
        ["ALTER", "TABLE", ..] => {
            let rest = skip_words(&statement[2..], &["IF", "EXISTS", "ONLY"]);
            let table = table_name(rest);
            if created.contains(&table) {
                return;
            }
            strong_lock(report, statement);
            let skip = if rest.get(1).is_some_and(|t| t.is_punct(b'.')) {
                3
            } else {
                1
            };
            let actions = rest.get(skip..).unwrap_or(&[]);
            for action in split_top(actions, b',') {
                alter_action(&table, action, report);
            }
        }
        _ => {}
    }
}

fn alter_action(table: &str, action: &[Token], report: &mut SqlReport) {
    let first = action.first().map(Token::word).unwrap_or("");
    let second = action.get(1).map(Token::word).unwrap_or("");
    match first {
        "ADD" if matches!(second, "CONSTRAINT" | "FOREIGN" | "CHECK") => {
            let checks = has_pair(action, "FOREIGN", "KEY") || has(action, "CHECK");
            if checks && !has_pair(action, "NOT", "VALID") {
                push(
                    report,
                    HazardKind::ValidatingConstraint,
                    action,
                    format!(
                        "adds a constraint to {table} without NOT VALID, scanning it under lock"
                    ),
                );
            }
        }
        "ADD" if !matches!(second, "PRIMARY" | "UNIQUE" | "EXCLUDE") => {
            let column = skip_words(&action[1..], &["COLUMN", "IF", "NOT", "EXISTS"])
                .first()
                .map(|t| t.word().to_ascii_lowercase())
                .unwrap_or_default();
            let default = action.iter().position(|t| t.is("DEFAULT"));
            // A generated column computes its value for every row: never null-failing, but a
            // rewrite of the whole table.
            if has(action, "GENERATED") {
                push(
                    report,
                    HazardKind::VolatileDefault,
                    action,
                    format!("adds generated column {table}.{column}, rewriting the table"),
                );
                return;
            }
            if has_pair(action, "NOT", "NULL") && default.is_none() {
                push(
                    report,
                    HazardKind::NotNullWithoutDefault,
                    action,
                    format!("adds NOT NULL column {table}.{column} without a DEFAULT"),
                );
            }
            if let Some(d) = default
                && let Some(function) = action[d + 1..]
                    .iter()
                    .take(3)
                    .find(|t| VOLATILE.contains(&t.word()))
            {
                push(
                    report,
                    HazardKind::VolatileDefault,
                    action,
                    format!(
                        "adds column {table}.{column} with volatile default {}(), rewriting the table",
                        function.word().to_ascii_lowercase()
                    ),
                );
            }
        }
        "ALTER" => {
            let rest = skip_words(&action[1..], &["COLUMN"]);
            let column = rest
                .first()
                .map(|t| t.word().to_ascii_lowercase())
                .unwrap_or_default();
            if has(rest, "TYPE") {
                push(
                    report,
                    HazardKind::Destructive,
                    action,
                    format!("changes the type of {table}.{column}, rewriting the table"),
                );
            } else if has_pair(rest, "SET", "NOT") {
                push(
                    report,
                    HazardKind::ValidatingConstraint,
                    action,
                    format!("SET NOT NULL on {table}.{column} scans the table under lock"),
                );
            }
        }
        "DROP" if !matches!(second, "CONSTRAINT" | "DEFAULT") => {
            let column = skip_words(&action[1..], &["COLUMN", "IF", "EXISTS"])
                .first()
                .map(|t| t.word().to_ascii_lowercase())
                .unwrap_or_default();
            push(
                report,
                HazardKind::Destructive,
                action,
                format!("drops column {table}.{column}"),
            );
        }
        "RENAME" if second == "TO" => push(
            report,
            HazardKind::Destructive,
            action,
            format!("renames table {table}"),
        ),
        "RENAME" if second != "CONSTRAINT" => {
            let column = skip_words(&action[1..], &["COLUMN"])
                .first()
                .map(|t| t.word().to_ascii_lowercase())
                .unwrap_or_default();
            push(
                report,
                HazardKind::Destructive,
                action,
                format!("renames column {table}.{column}"),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<HazardKind> {
        check(text).hazards.iter().map(|h| h.kind).collect()
    }

    #[test]
    fn comments_and_strings_never_match() {
        assert!(
            kinds("-- DROP TABLE users;\n/* DROP /* nested */ TABLE x; */ SELECT 'DROP TABLE y';")
                .is_empty()
        );
        assert!(
            kinds("CREATE FUNCTION f() RETURNS void AS $$ DROP TABLE z; $$ LANGUAGE sql;")
                .is_empty()
        );
    }

    #[test]
    fn each_rule_fires_once() {
        use HazardKind::*;
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN c int NOT NULL;"),
            [NotNullWithoutDefault]
        );
        assert!(kinds("ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;").is_empty());
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp();"),
            [VolatileDefault]
        );
        assert!(kinds("ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now();").is_empty());
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN id int NOT NULL DEFAULT nextval('s'::regclass);"),
            [VolatileDefault]
        );
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN c text NOT NULL GENERATED ALWAYS AS (a || b) STORED;"),
            [VolatileDefault]
        );
        assert_eq!(kinds("CREATE INDEX i ON public.t (c);"), [IndexLocksWrites]);
        assert!(kinds("CREATE INDEX CONCURRENTLY i ON t (c);").is_empty());
        assert_eq!(
            kinds("ALTER TABLE t ALTER COLUMN c TYPE bigint;"),
            [Destructive]
        );
        assert_eq!(
            kinds("ALTER TABLE t DROP COLUMN c, RENAME COLUMN a TO b;"),
            [Destructive, Destructive]
        );
        assert!(kinds("ALTER TABLE t DROP CONSTRAINT k;").is_empty());
        assert_eq!(
            kinds("ALTER TABLE t ADD CONSTRAINT k FOREIGN KEY (a) REFERENCES u (id);"),
            [ValidatingConstraint]
        );
        assert!(kinds("ALTER TABLE t ADD CONSTRAINT k CHECK (a > 0) NOT VALID;").is_empty());
        assert_eq!(
            kinds("ALTER TABLE t ALTER COLUMN c SET NOT NULL;"),
            [ValidatingConstraint]
        );
        assert!(kinds("CREATE TABLE t (a int); CREATE INDEX i ON t (a); ALTER TABLE t ADD COLUMN b int NOT NULL;").is_empty());
    }

    #[test]
    fn lock_timeout_and_strong_locks() {
        let r = check("SET lock_timeout = '2s';\nALTER TABLE t DROP COLUMN c;");
        assert!(r.sets_lock_timeout);
        assert_eq!(r.first_strong_lock, Some((25, 52)));
        assert!(
            check("CREATE INDEX CONCURRENTLY i ON t (c);")
                .first_strong_lock
                .is_none()
        );
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for text in [
            "'abc",
            "\"abc",
            "$tag$ never",
            "/* open",
            "E'\\",
            "ALTER TABLE",
            "ALTER TABLE s.",
            "é'",
        ] {
            let _ = check(text);
        }
    }
}
