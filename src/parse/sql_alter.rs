//! The actions of an `ALTER TABLE` on an existing table, one comma-separated action at a
//! time: which add columns that rewrite the table, build indexes or validate constraints under
//! its `ACCESS EXCLUSIVE` lock, or drop, rename or retype what the running release reads.

use super::hazards::HazardKind;
use super::sql::{SqlReport, push};
use super::sql_tokens::{Kind, Token, has, has_pair, skip_words};

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

/// The serial pseudo-types: each is an integer column whose default is `nextval()` of a new
/// sequence, so adding one fills every row with its own value.
const SERIAL: &[&str] = &[
    "SERIAL",
    "SERIAL2",
    "SERIAL4",
    "SERIAL8",
    "SMALLSERIAL",
    "BIGSERIAL",
];

pub(super) fn alter_action(table: &str, action: &[Token], report: &mut SqlReport) {
    let first = action.first().map(Token::word).unwrap_or("");
    let second = action.get(1).map(Token::word).unwrap_or("");
    match first {
        // `ADD CONSTRAINT name <kind> ...` or `ADD <kind> ...`.
        "ADD" if second == "CONSTRAINT" => {
            add_constraint(table, action, action.get(3..).unwrap_or(&[]), report);
        }
        "ADD"
            if matches!(
                second,
                "PRIMARY" | "UNIQUE" | "EXCLUDE" | "FOREIGN" | "CHECK"
            ) =>
        {
            add_constraint(table, action, &action[1..], report);
        }
        "ADD" => add_column(table, action, report),
        "ALTER" => {
            // The column is the word right after `ALTER [COLUMN]`, whatever it is called (a
            // column may be named `type`); the keywords of the change follow it.
            let rest = skip_words(&action[1..], &["COLUMN"]);
            let column = rest
                .first()
                .map(|t| t.word().to_ascii_lowercase())
                .unwrap_or_default();
            let change = rest.get(1..).unwrap_or(&[]);
            if let Some(new_type) = retyped_to(change) {
                let message = retype_message(table, &column, new_type);
                push(report, HazardKind::Destructive, action, message);
            } else if has_pair(change, "SET", "NOT") {
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

/// What follows `TYPE` or `SET DATA TYPE` when a column change opens with either.
fn retyped_to(change: &[Token]) -> Option<&[Token]> {
    match change {
        [type_word, rest @ ..] if type_word.is("TYPE") => Some(rest),
        [set, data, type_word, rest @ ..]
            if set.is("SET") && data.is("DATA") && type_word.is("TYPE") =>
        {
            Some(rest)
        }
        _ => None,
    }
}

/// A table constraint, from its kind on (`PRIMARY KEY (id)`, `CHECK (...)`).
fn add_constraint(table: &str, action: &[Token], constraint: &[Token], report: &mut SqlReport) {
    let kind = constraint.first().map(Token::word).unwrap_or("");
    match kind {
        "FOREIGN" | "CHECK" if !has_pair(action, "NOT", "VALID") => push(
            report,
            HazardKind::ValidatingConstraint,
            action,
            format!("adds a constraint to {table} without NOT VALID, scanning it under lock"),
        ),
        "PRIMARY" | "UNIQUE" | "EXCLUDE" if !adopts_index(constraint) => {
            let kind = match kind {
                "PRIMARY" => "a PRIMARY KEY",
                "UNIQUE" => "a UNIQUE",
                _ => "an EXCLUDE",
            };
            push(
                report,
                HazardKind::IndexLocksWrites,
                action,
                format!(
                    "adds {kind} constraint to {table}, building its index under an ACCESS \
                     EXCLUSIVE lock"
                ),
            );
        }
        _ => {}
    }
}

/// Whether a constraint adopts an index built beforehand, concurrently: `USING INDEX name`.
/// `USING INDEX TABLESPACE` only says where a new index goes.
fn adopts_index(constraint: &[Token]) -> bool {
    has_pair(constraint, "USING", "INDEX") && !has_pair(constraint, "INDEX", "TABLESPACE")
}

/// `ADD [COLUMN] [IF NOT EXISTS] name type [constraints]`.
fn add_column(table: &str, action: &[Token], report: &mut SqlReport) {
    let named = skip_words(&action[1..], &["COLUMN", "IF", "NOT", "EXISTS"]);
    let column = named
        .first()
        .map(|t| t.word().to_ascii_lowercase())
        .unwrap_or_default();
    let serial = named
        .get(1)
        .map(Token::word)
        .filter(|t| SERIAL.contains(t))
        .map(str::to_ascii_lowercase);
    let default = action.iter().position(|t| t.is("DEFAULT"));
    let primary_key = has_pair(action, "PRIMARY", "KEY");
    // A generated or identity column computes its value for every row: never null-failing,
    // but a rewrite of the whole table.
    if has(action, "GENERATED") {
        push(
            report,
            HazardKind::VolatileDefault,
            action,
            format!("adds generated column {table}.{column}, rewriting the table"),
        );
    } else if let Some(serial) = serial {
        push(
            report,
            HazardKind::VolatileDefault,
            action,
            format!(
                "adds {serial} column {table}.{column}, whose nextval() default fills every \
                 row, rewriting the table"
            ),
        );
    } else {
        // A primary key implies NOT NULL.
        if (has_pair(action, "NOT", "NULL") || primary_key) && default.is_none() {
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
    if primary_key || has(action, "UNIQUE") {
        let kind = if primary_key { "PRIMARY KEY" } else { "UNIQUE" };
        push(
            report,
            HazardKind::IndexLocksWrites,
            action,
            format!(
                "adds column {table}.{column} with {kind}, building its index under an ACCESS \
                 EXCLUSIVE lock"
            ),
        );
    }
}

/// What `ALTER COLUMN ... TYPE` does, told as far as the statement shows it. The old type is
/// not in the statement: PostgreSQL keeps the rows when the change is binary-compatible
/// (varchar to text, varchar(n) to a longer or unbounded varchar) and rewrites the table
/// otherwise.
fn retype_message(table: &str, column: &str, after_type: &[Token]) -> String {
    let end = after_type
        .iter()
        .position(|t| t.is("USING") || t.is("COLLATE"))
        .unwrap_or(after_type.len());
    let new_type = &after_type[..end];
    let name = type_text(new_type);
    let words: Vec<&str> = new_type.iter().map(Token::word).collect();
    let length = new_type
        .iter()
        .skip_while(|t| !t.is_punct(b'('))
        .nth(1)
        .map(Token::word)
        .unwrap_or("");
    let varchar = matches!(
        words.as_slice(),
        ["VARCHAR", ..] | ["CHARACTER", "VARYING", ..]
    );
    let unbounded = varchar && !new_type.iter().any(|t| t.is_punct(b'('));
    let using = end < after_type.len() && after_type[end].is("USING");
    if !using && (words == ["TEXT"] || unbounded) {
        format!(
            "changes the type of {table}.{column} to {name}, which rewrites the table unless \
             the old type is a varchar"
        )
    } else if !using && varchar && !length.is_empty() {
        format!(
            "changes the type of {table}.{column} to {name}, which rewrites the table unless \
             the old type is a varchar of at most {length} characters"
        )
    } else {
        format!(
            "changes the type of {table}.{column} to {name}, which rewrites the table unless \
             the old type converts to it without one (binary-compatible)"
        )
    }
}

/// A type as written, in lower case: `character varying(255)`, `numeric(10,2)`.
fn type_text(tokens: &[Token]) -> String {
    let mut out = String::new();
    let mut last_word = false;
    for t in tokens {
        match &t.kind {
            Kind::Word(w) => {
                if last_word {
                    out.push(' ');
                }
                out.push_str(&w.to_ascii_lowercase());
                last_word = true;
            }
            Kind::Punct(c) => {
                out.push(char::from(*c));
                last_word = false;
            }
            Kind::Literal => last_word = false,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::sql::check;
    use super::*;

    fn found(text: &str) -> Vec<(HazardKind, String)> {
        check(text)
            .hazards
            .into_iter()
            .map(|h| (h.kind, h.message))
            .collect()
    }

    #[test]
    fn serial_columns_rewrite_and_inline_keys_build_indexes() {
        use HazardKind::*;
        let kinds = |text| found(text).into_iter().map(|f| f.0).collect::<Vec<_>>();
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN id SERIAL PRIMARY KEY;"),
            [VolatileDefault, IndexLocksWrites]
        );
        assert_eq!(
            kinds("ALTER TABLE t ADD seq smallserial;"),
            [VolatileDefault]
        );
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN c int UNIQUE;"),
            [IndexLocksWrites]
        );
        assert_eq!(
            kinds("ALTER TABLE t ADD COLUMN c int PRIMARY KEY;"),
            [NotNullWithoutDefault, IndexLocksWrites]
        );
    }

    #[test]
    fn index_backed_constraints_lock_unless_adopting_an_index() {
        use HazardKind::*;
        let kinds = |text| found(text).into_iter().map(|f| f.0).collect::<Vec<_>>();
        for text in [
            "ALTER TABLE t ADD CONSTRAINT k UNIQUE (a);",
            "ALTER TABLE t ADD PRIMARY KEY (a);",
            "ALTER TABLE t ADD CONSTRAINT k EXCLUDE USING gist (r WITH &&);",
            "ALTER TABLE t ADD UNIQUE (a) USING INDEX TABLESPACE fast;",
        ] {
            assert_eq!(kinds(text), [IndexLocksWrites], "{text}");
        }
        assert!(kinds("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX i;").is_empty());
        assert!(kinds("ALTER TABLE t ADD CONSTRAINT k PRIMARY KEY USING INDEX i;").is_empty());
    }

    #[test]
    fn type_changes_say_when_they_rewrite() {
        let message = |text| found(text).remove(0).1;
        assert_eq!(
            message("ALTER TABLE t ALTER COLUMN c TYPE text;"),
            "changes the type of t.c to text, which rewrites the table unless the old type \
             is a varchar"
        );
        assert_eq!(
            message("ALTER TABLE t ALTER c TYPE character varying(255);"),
            "changes the type of t.c to character varying(255), which rewrites the table \
             unless the old type is a varchar of at most 255 characters"
        );
        assert_eq!(
            message("ALTER TABLE t ALTER c TYPE bigint USING c::bigint;"),
            "changes the type of t.c to bigint, which rewrites the table unless the old type \
             converts to it without one (binary-compatible)"
        );
    }

    #[test]
    fn a_column_named_type_is_not_the_type_keyword() {
        use HazardKind::*;
        assert!(found("ALTER TABLE t ALTER COLUMN type SET DEFAULT 'catalogue';").is_empty());
        assert!(found("ALTER TABLE t ALTER COLUMN type DROP DEFAULT;").is_empty());
        assert_eq!(
            found("ALTER TABLE t ALTER type SET NOT NULL;"),
            [(
                ValidatingConstraint,
                "SET NOT NULL on t.type scans the table under lock".to_string()
            )]
        );
        let message = |text| found(text).remove(0).1;
        assert!(
            message("ALTER TABLE t ALTER COLUMN type TYPE bigint;").contains("t.type to bigint,")
        );
        assert!(
            message("ALTER TABLE t ALTER type SET DATA TYPE text;").contains("t.type to text,")
        );
    }
}
