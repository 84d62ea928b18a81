//! PostgreSQL migration rules over SQL text: which statements lock, rewrite or lose data.
//!
//! A small tokenizer ([`super::sql_tokens`]) turns the text into words and punctuation,
//! skipping comments and string literals, so a keyword inside either never matches. Regexes
//! over raw text could not tell those apart. Statements are split at top-level `;` and matched
//! word by word; the input is bounded and every loop advances, so hostile text cannot make this
//! slow or panic.
//!
//! Relations created in the same file — tables and materialized views — are new and empty
//! when later statements of the file touch them, and temporary tables are private to the
//! migration's session, so nothing done to either is reported: a first migration that creates
//! tables and then adds their foreign keys (as Prisma writes them) is safe, and dropping a
//! temporary table loses nothing. The ALTER TABLE actions are read by [`super::sql_alter`].

use std::collections::BTreeSet;

use super::hazards::HazardKind;
use super::sql_alter::alter_action;
use super::sql_tokens::{
    Kind, MAX_BYTES, Token, has, name_length, qualified_name, skip_words, split_top, table_name,
    tokenize,
};

/// Most hazards reported for one text: a bound on the size of the report, far above any real
/// migration. A generated file past it is judged the same with the rest left out.
pub const MAX_HAZARDS: usize = 20_000;

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
    /// Hazards found past [`MAX_HAZARDS`] and left out.
    pub omitted: usize,
}

/// The relations a file has created so far.
///
/// Names are compared with their schema. An unqualified name is taken to be in `public`: the
/// default `search_path` is `"$user", public`, and a migration that sets another search path
/// or runs as a role with a schema of its own name is read as if it did not. Temporary tables
/// live in the session's own schema, which PostgreSQL searches before any other, so an
/// unqualified name that matches one created earlier is that temporary table.
#[derive(Debug, Default)]
struct Created {
    /// `schema.name` of permanent tables and materialized views.
    relations: BTreeSet<String>,
    /// Names of temporary tables.
    temporary: BTreeSet<String>,
}

impl Created {
    fn add(&mut self, (schema, name): (Option<String>, String), temporary: bool) {
        if temporary || schema.as_deref() == Some("pg_temp") {
            self.temporary.insert(name);
        } else {
            let schema = schema.unwrap_or_else(|| "public".to_string());
            self.relations.insert(format!("{schema}.{name}"));
        }
    }

    /// Whether the relation is new in this file, or temporary: neither has rows a running
    /// release depends on.
    fn is_exempt(&self, (schema, name): &(Option<String>, String)) -> bool {
        match schema.as_deref() {
            Some("pg_temp") => true,
            Some(schema) => self.relations.contains(&format!("{schema}.{name}")),
            None => {
                self.temporary.contains(name) || self.relations.contains(&format!("public.{name}"))
            }
        }
    }
}

/// Checks every statement of `text`.
pub fn check(text: &str) -> SqlReport {
    let tokens = tokenize(text);
    let mut report = SqlReport::default();
    let mut created = Created {
        temporary: temporary_tables_in_bodies(text, &tokens),
        ..Created::default()
    };
    let mut statements = split_top(&tokens, b';');
    // Text past the read limit is cut off: the statement it cuts is not the one written, so
    // unless it ended with its `;` just before the cut it is not read.
    if text.len() > MAX_BYTES && !tokens.last().is_some_and(|t| t.is_punct(b';')) {
        statements.pop();
    }
    for statement in statements {
        check_statement(statement, &mut created, &mut report);
    }
    report
}

/// The temporary tables that dollar-quoted bodies of `text` (plpgsql functions and `DO`
/// blocks) create. A function run by the migration creates them in the migration's session,
/// and a top-level `DROP TABLE` of the same name later drops those, not a table of the
/// schema. Bodies are read one level deep; a body inside a body is not opened.
fn temporary_tables_in_bodies(text: &str, tokens: &[Token]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for token in tokens.iter().filter(|t| t.kind == Kind::Literal) {
        let Some(literal) = text.get(token.start..token.end) else {
            continue;
        };
        let Some(tag_length) = literal
            .strip_prefix('$')
            .and_then(|rest| rest.find('$'))
            .map(|i| i + 2)
        else {
            continue;
        };
        let tag = &literal[..tag_length];
        let body = literal[tag_length..]
            .strip_suffix(tag)
            .unwrap_or(&literal[tag_length..]);
        let body_tokens = tokenize(body);
        // A plpgsql statement may follow `BEGIN` or a label, so every CREATE is tried.
        for (at, _) in body_tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is("CREATE"))
        {
            if let Some(((_, name), true)) = created_relation(&body_tokens[at..])
                && !name.is_empty()
            {
                names.insert(name);
            }
        }
    }
    names
}

pub(super) fn push(report: &mut SqlReport, kind: HazardKind, part: &[Token], message: String) {
    let (Some(first), Some(last)) = (part.first(), part.last()) else {
        return;
    };
    if report.hazards.len() >= MAX_HAZARDS {
        report.omitted += 1;
        return;
    }
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

/// The relation a `CREATE` statement makes, and whether it is temporary: tables of every
/// persistence (`TEMP`, `UNLOGGED`, `GLOBAL TEMPORARY`), with or without `AS SELECT`, and
/// materialized views.
fn created_relation(statement: &[Token]) -> Option<((Option<String>, String), bool)> {
    const PERSISTENCE: &[&str] = &["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"];
    let rest = skip_words(statement.get(1..)?, PERSISTENCE);
    let temporary = statement[1..statement.len() - rest.len()]
        .iter()
        .any(|t| t.is("TEMP") || t.is("TEMPORARY"));
    let rest = match rest {
        [table, rest @ ..] if table.is("TABLE") => rest,
        [materialized, view, rest @ ..] if materialized.is("MATERIALIZED") && view.is("VIEW") => {
            rest
        }
        _ => return None,
    };
    let rest = skip_words(rest, &["IF", "NOT", "EXISTS"]);
    Some((qualified_name(rest), temporary))
}

fn check_statement(statement: &[Token], created: &mut Created, report: &mut SqlReport) {
    let words: Vec<&str> = statement.iter().take(4).map(Token::word).collect();
    match words.as_slice() {
        ["SET", ..] | ["SELECT", ..] if has(statement, "LOCK_TIMEOUT") => {
            report.sets_lock_timeout = true;
        }
        // `set_config('lock_timeout', ...)` names it in a literal; any set_config is accepted.
        ["SELECT", ..] if has(statement, "SET_CONFIG") => {
            report.sets_lock_timeout = true;
        }
        ["CREATE", "INDEX", ..] | ["CREATE", "UNIQUE", "INDEX", ..] => {
            let on = statement.iter().position(|t| t.is("ON"));
            let relation = on
                .map(|i| qualified_name(skip_words(&statement[i + 1..], &["ONLY"])))
                .unwrap_or_default();
            if !relation.1.is_empty()
                && !has(statement, "CONCURRENTLY")
                && !created.is_exempt(&relation)
            {
                strong_lock(report, statement);
                push(
                    report,
                    HazardKind::IndexLocksWrites,
                    statement,
                    format!(
                        "CREATE INDEX on {} without CONCURRENTLY blocks writes",
                        relation.1
                    ),
                );
            }
        }
        ["CREATE", ..] => {
            if let Some((relation, temporary)) = created_relation(statement) {
                created.add(relation, temporary);
            }
        }
        ["DROP", "TABLE", ..] => {
            let rest = skip_words(&statement[2..], &["IF", "EXISTS"]);
            let relation = qualified_name(rest);
            if !relation.1.is_empty() && !created.is_exempt(&relation) {
                strong_lock(report, statement);
                push(
                    report,
                    HazardKind::Destructive,
                    statement,
                    format!("drops table {}", relation.1),
                );
            }
        }
        ["ALTER", "TABLE", ..] => {
            let rest = skip_words(&statement[2..], &["IF", "EXISTS", "ONLY"]);
            let relation = qualified_name(rest);
            if relation.1.is_empty() || created.is_exempt(&relation) {
                return;
            }
            strong_lock(report, statement);
            let table = table_name(rest);
            let actions = rest.get(name_length(rest)..).unwrap_or(&[]);
            for action in split_top(actions, b',') {
                alter_action(&table, action, report);
            }
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
    fn created_relations_are_exempt_by_schema() {
        use HazardKind::*;
        let text = "CREATE MATERIALIZED VIEW IF NOT EXISTS \"public\".\"v\" AS SELECT 1 AS a;\n\
                    CREATE UNIQUE INDEX i ON public.v (a);\n\
                    CREATE TEMP TABLE scratch AS SELECT 1;\n\
                    DROP TABLE IF EXISTS scratch;\n\
                    DROP TABLE pg_temp.other;\n\
                    CREATE TABLE audit.events (id int);\n\
                    CREATE INDEX j ON audit.events (id);\n\
                    ALTER TABLE events ADD COLUMN c int NOT NULL;\n\
                    DROP TABLE public.events;";
        assert_eq!(kinds(text), [NotNullWithoutDefault, Destructive]);
        let r = check("CREATE TEMPORARY TABLE t (a int);\nALTER TABLE t DROP COLUMN a;");
        assert!(r.hazards.is_empty() && r.first_strong_lock.is_none());
    }

    #[test]
    fn temporary_tables_created_in_function_bodies_are_exempt() {
        use HazardKind::*;
        let text = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\n\
                    BEGIN\n  CREATE TEMPORARY TABLE IF NOT EXISTS scratch AS SELECT 1;\n\
                    CREATE TABLE kept (id int);\nEND;\n$body$;\n\
                    SELECT f();\n\
                    DROP TABLE IF EXISTS scratch;\n\
                    DROP TABLE kept;";
        assert_eq!(kinds(text), [Destructive]);
        assert_eq!(
            check(text).hazards[0].message,
            "drops table kept".to_string()
        );
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
    fn a_statement_cut_at_the_read_limit_is_not_read() {
        // Tables created in the text make every whole statement exempt; only a statement cut
        // short could be reported, and it names no table.
        let mut text = String::new();
        let mut n = 0;
        while text.len() <= MAX_BYTES {
            text.push_str(&format!("CREATE TABLE t{n} (id int);\n"));
            n += 1;
        }
        for i in 0..n {
            text.push_str(&format!("CREATE INDEX i{i} ON t{i} (id);\n"));
        }
        assert!(check(&text).hazards.is_empty());
        // A statement ending at the limit with its `;` is read.
        let statement = "DROP TABLE users;";
        let mut text = " ".repeat(MAX_BYTES - statement.len());
        text.push_str(statement);
        text.push_str(" DROP TABLE orders;");
        assert_eq!(kinds(&text), [HazardKind::Destructive]);
    }

    #[test]
    fn hazards_past_the_limit_are_counted_not_kept() {
        let text = "DROP TABLE t;\n".repeat(MAX_HAZARDS + 5);
        let report = check(&text);
        assert_eq!((report.hazards.len(), report.omitted), (MAX_HAZARDS, 5));
    }

    #[test]
    fn statements_naming_no_table_are_not_reported() {
        for text in [
            "CREATE INDEX i;",
            "CREATE INDEX i ON;",
            "DROP TABLE;",
            "ALTER TABLE;",
        ] {
            assert!(kinds(text).is_empty(), "{text}");
        }
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
