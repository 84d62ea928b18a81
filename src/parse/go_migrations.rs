//! Go migrations written as code: bun (`Migrations.MustRegister(up, down)`) and goose
//! (`goose.AddMigration(up, down)` and its `Context`, `NoTx` and `Named` forms). Whether a
//! migration can be reverted is whether its down function does anything: `nil`, or a function
//! that only returns `nil`, leaves the schema as the up function made it.

use super::calls::{Syntax, arguments, call_end, inner_end, is_commented, skip_quoted_or_comment};
use super::migrations::Reversibility;
use crate::source::Location;

/// Registration functions, with the position of the down function among their arguments.
const REGISTRATIONS: &[(&str, usize)] = &[
    ("MustRegister", 1),
    ("AddMigration", 1),
    ("AddMigrationContext", 1),
    ("AddMigrationNoTx", 1),
    ("AddMigrationNoTxContext", 1),
    ("AddNamedMigration", 2),
    ("AddNamedMigrationContext", 2),
    ("AddNamedMigrationNoTx", 2),
    ("AddNamedMigrationNoTxContext", 2),
];

/// Go's comments and strings are close enough to JavaScript's for matching brackets.
const GO: Syntax = Syntax::JavaScript;

pub(super) fn reversibility(path: &str, text: &str) -> (Reversibility, Location) {
    let Some((call, down_index)) = registration(text) else {
        return (Reversibility::Unknown, Location::file(path));
    };
    let args = arguments(&text[call..], GO);
    let location = |piece: &str| {
        let start = piece.as_ptr() as usize - text.as_ptr() as usize;
        crate::source::span(path, text, start, start + first_line_len(piece))
    };
    let call_location = crate::source::span(path, text, call, call + first_line_len(&text[call..]));
    let Some(down) = args.get(down_index).copied() else {
        return (
            Reversibility::Irreversible("registers no down migration".into()),
            call_location,
        );
    };
    if down == "nil" {
        return (
            Reversibility::Irreversible("registers nil as its down migration".into()),
            location(down),
        );
    }
    let body = if down.starts_with("func") {
        body_of(down)
    } else if is_identifier(down) {
        named_function(text, down).and_then(body_of)
    } else {
        None
    };
    match body {
        None => (Reversibility::Unknown, location(down)),
        Some(body) if does_nothing(body) => (
            Reversibility::Irreversible(
                "its down migration does nothing (it only returns nil)".into(),
            ),
            location(down),
        ),
        Some(_) => (Reversibility::Reversible, location(down)),
    }
}

/// The start of the first registration call outside comments, and where its down function is.
fn registration(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    REGISTRATIONS
        .iter()
        .filter_map(|(name, index)| {
            let needle = format!(".{name}(");
            text.match_indices(&needle)
                .map(|(at, _)| at)
                .find(|&at| !is_commented(text, at, GO))
                .map(|at| {
                    // From the receiver on: `Migrations.MustRegister(`.
                    let start = (0..at)
                        .rev()
                        .take_while(|&i| bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_')
                        .last()
                        .unwrap_or(at);
                    (start, *index)
                })
        })
        .min()
}

fn first_line_len(piece: &str) -> usize {
    piece.find('\n').unwrap_or(piece.len())
}

fn is_identifier(piece: &str) -> bool {
    !piece.is_empty()
        && piece
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// The text of `func name(...)` declared in the same file, from `func` on.
fn named_function<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let name = name.rsplit('.').next().unwrap_or(name);
    let needle = format!("func {name}(");
    let at = text
        .match_indices(&needle)
        .map(|(at, _)| at)
        .find(|&at| !is_commented(text, at, GO))?;
    Some(&text[at..])
}

/// The inside of a function's body: from the `{` after its signature to the matching `}`.
fn body_of(function: &str) -> Option<&str> {
    let bytes = function.as_bytes();
    // The signature's parentheses come first; the body is the first brace after them.
    let mut i = function.find('(')?;
    i = call_end(bytes, i, GO);
    while i < bytes.len() && bytes[i] != b'{' {
        if bytes[i] == b'(' {
            i = call_end(bytes, i, GO);
        } else {
            i += 1;
        }
    }
    if i >= bytes.len() {
        return None;
    }
    let close = call_end(bytes, i, GO);
    Some(&function[i + 1..inner_end(function, close)])
}

/// Whether a body, without comments, is empty or only `return nil`.
fn does_nothing(body: &str) -> bool {
    let bytes = body.as_bytes();
    let mut code = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let comment = matches!(bytes[i], b'/') && matches!(bytes.get(i + 1), Some(b'/' | b'*'));
        if comment && let Some(end) = skip_quoted_or_comment(bytes, i, bytes.len(), GO) {
            i = end;
            continue;
        }
        code.push(char::from(bytes[i]));
        i += 1;
    }
    let words: Vec<&str> = code.split_whitespace().collect();
    words.is_empty() || words == ["return", "nil"]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str) -> Reversibility {
        reversibility("migrations/1_init.go", text).0
    }

    #[test]
    fn bun_down_functions() {
        let empty = "func init() {\n\tMigrations.MustRegister(func(ctx context.Context, db *bun.DB) error {\n\t\t_, err := db.NewCreateTable().Model(&User{}).Exec(ctx)\n\t\treturn err\n\t}, func(ctx context.Context, db *bun.DB) error {\n\t\t// nothing to undo\n\t\treturn nil\n\t})\n}\n";
        assert_eq!(
            verdict(empty),
            Reversibility::Irreversible(
                "its down migration does nothing (it only returns nil)".into()
            )
        );
        let (_, at) = reversibility("m.go", empty);
        assert_eq!(at.line, 5);
        let working = empty.replace(
            "// nothing to undo\n\t\treturn nil",
            "_, err := db.NewDropTable().Model(&User{}).Exec(ctx)\n\t\treturn err",
        );
        assert_eq!(verdict(&working), Reversibility::Reversible);
        let none = "func init() { Migrations.MustRegister(up, nil) }\n";
        assert_eq!(
            verdict(none),
            Reversibility::Irreversible("registers nil as its down migration".into())
        );
    }

    #[test]
    fn goose_named_down_functions() {
        let text = "func init() {\n\tgoose.AddMigrationContext(upUsers, downUsers)\n}\n\nfunc upUsers(ctx context.Context, tx *sql.Tx) error {\n\t_, err := tx.Exec(\"CREATE TABLE users (id int)\")\n\treturn err\n}\n\nfunc downUsers(ctx context.Context, tx *sql.Tx) error {\n\t_, err := tx.Exec(\"DROP TABLE users\")\n\treturn err\n}\n";
        assert_eq!(verdict(text), Reversibility::Reversible);
        let empty = text.replace(
            "_, err := tx.Exec(\"DROP TABLE users\")\n\treturn err",
            "/* forward only */ return nil",
        );
        assert!(matches!(verdict(&empty), Reversibility::Irreversible(_)));
        let named = "func init() { goose.AddNamedMigration(\"1_init.go\", up, nil) }\n";
        assert!(matches!(verdict(named), Reversibility::Irreversible(_)));
    }

    #[test]
    fn unknown_without_a_registration_or_a_readable_down() {
        assert_eq!(verdict("package migrations\n"), Reversibility::Unknown);
        assert_eq!(
            verdict("// Migrations.MustRegister(up, nil)\npackage m\n"),
            Reversibility::Unknown
        );
        assert_eq!(
            verdict("func init() { goose.AddMigration(up, other.Down) }\n"),
            Reversibility::Unknown
        );
        // Hostile text: unclosed brackets and strings end where the text does.
        for text in [
            "x.MustRegister(",
            "x.MustRegister(a, func() {",
            "x.MustRegister(a, \"",
            "x.AddMigration(a, b",
        ] {
            let _ = verdict(text);
        }
    }
}
