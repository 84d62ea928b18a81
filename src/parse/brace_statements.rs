//! Methods and statements of migration classes written in PHP and C#, whose statements end
//! with `;` and whose bodies sit in braces: a method found by its declaration, the statements of a
//! body, and whether a body does anything at all. Strings and comments are skipped with
//! [`super::calls`], and every scan is linear in what it reads.

use super::calls::{
    MAX_CALL_BYTES, Syntax, call_end, floor_boundary, inner_end, skip_quoted_or_comment,
    split_top_level,
};

/// Where any of `needles` starts in `text[from..to]` outside strings and comments, in text
/// order, with the index of the needle found; matches do not overlap.
pub(super) fn find_in_code(
    text: &str,
    range: (usize, usize),
    needles: &[&str],
    syntax: Syntax,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    scan_code(text, range, needles, syntax, |at, needle| {
        out.push((at, needle));
        true
    });
    out
}

/// The first match of [`find_in_code`], found without reading further.
pub(super) fn first_in_code(
    text: &str,
    range: (usize, usize),
    needles: &[&str],
    syntax: Syntax,
) -> Option<(usize, usize)> {
    let mut first = None;
    scan_code(text, range, needles, syntax, |at, needle| {
        first = Some((at, needle));
        false
    });
    first
}

/// Calls `found` with each match of `needles` outside strings and comments until it returns
/// false.
fn scan_code(
    text: &str,
    (from, to): (usize, usize),
    needles: &[&str],
    syntax: Syntax,
    mut found: impl FnMut(usize, usize) -> bool,
) {
    let bytes = text.as_bytes();
    let to = to.min(bytes.len());
    let mut i = from;
    while i < to {
        if let Some(end) = skip_quoted_or_comment(bytes, i, to, syntax) {
            i = end;
            continue;
        }
        let matched = needles
            .iter()
            .position(|n| !n.is_empty() && bytes[i..to].starts_with(n.as_bytes()));
        match matched {
            Some(index) => {
                if !found(i, index) {
                    return;
                }
                i += needles[index].len();
            }
            None => i += 1,
        }
    }
}

/// The end of the statement that starts at `at` in a language whose statements end with `;`
/// (PHP, C#): the end of its last code byte before a top-level `;` or a closing bracket it did
/// not open, read at most [`MAX_CALL_BYTES`] and never past `to`.
pub(super) fn semicolon_end(text: &str, at: usize, to: usize, syntax: Syntax) -> usize {
    let bytes = text.as_bytes();
    let limit = floor_boundary(text, to.min(at.saturating_add(MAX_CALL_BYTES)));
    let (mut depth, mut last_code, mut i) = (0usize, at, at);
    while i < limit {
        let c = bytes[i];
        if let Some(end) = skip_quoted_or_comment(bytes, i, limit, syntax) {
            if !matches!(c, b'/' | b'#') {
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
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last_code = i + 1;
        }
        i += 1;
    }
    floor_boundary(text, last_code.min(limit))
}

/// A method declared in a class: the start of its header line, the range inside its
/// parameter list, and the range of its body (inside the braces, or the expression of an
/// `=> ...;` body); `None` for a method declared without one.
pub(super) struct Method {
    pub header: usize,
    pub parameters: (usize, usize),
    pub body: Option<(usize, usize)>,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_word_at(bytes: &[u8], at: usize, word: &[u8]) -> bool {
    bytes[at..].starts_with(word)
        && (at == 0 || !is_word_byte(bytes[at - 1]))
        && !bytes.get(at + word.len()).is_some_and(|&b| is_word_byte(b))
}

/// The first method declared as `<keyword> <name>(` outside strings and comments, as PHP
/// (`function up(`) and C# (`void Up(`) write them.
pub(super) fn method(text: &str, keyword: &str, name: &str, syntax: Syntax) -> Option<Method> {
    let bytes = text.as_bytes();
    let skip_blank = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    for (at, _) in find_in_code(text, (0, text.len()), &[keyword], syntax) {
        if !is_word_at(bytes, at, keyword.as_bytes()) {
            continue;
        }
        let at_name = skip_blank(at + keyword.len());
        if at_name == at + keyword.len() || !is_word_at(bytes, at_name, name.as_bytes()) {
            continue;
        }
        let open = skip_blank(at_name + name.len());
        if bytes.get(open) != Some(&b'(') {
            continue;
        }
        let close = call_end(bytes, open, syntax);
        let parameters = (open + 1, inner_end(text, close).max(open + 1));
        let header = text[..at].rfind('\n').map_or(0, |n| n + 1);
        // What follows the parameters: a return type (`: void`), then the body.
        let opening = first_in_code(text, (close, text.len()), &["{", "=>", ";"], syntax);
        let body = match opening {
            Some((brace, 0)) => {
                let end = call_end(bytes, brace, syntax);
                Some((brace + 1, inner_end(text, end).max(brace + 1)))
            }
            Some((arrow, 1)) => Some((
                arrow + 2,
                semicolon_end(text, arrow + 2, text.len(), syntax),
            )),
            _ => None,
        };
        return Some(Method {
            header,
            parameters,
            body,
        });
    }
    None
}

/// The location of the line starting at `start`, without its indentation and trailing space.
pub(super) fn line_span(path: &str, text: &str, start: usize) -> crate::source::Location {
    let line = text[start..].lines().next().unwrap_or("");
    let first = start + line.len() - line.trim_start().len();
    super::hazards::span(path, text, first, start + line.trim_end().len())
}

/// What a method body holds, as far as reversing goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BodyKind {
    /// Nothing but comments, or a bare `return`.
    Empty,
    /// Only a `throw` statement.
    Throws,
    Code,
}

/// Whether the body `text[from..to]` of a PHP or C# method does anything.
pub(super) fn body_kind(text: &str, (from, to): (usize, usize), syntax: Syntax) -> BodyKind {
    let statements = split_top_level(text, from, to, syntax, b';');
    let statements: Vec<&str> = statements.into_iter().filter(|s| *s != "return").collect();
    if statements.is_empty() {
        BodyKind::Empty
    } else if statements
        .iter()
        .all(|s| is_word_at(s.as_bytes(), 0, b"throw"))
    {
        BodyKind::Throws
    } else {
        BodyKind::Code
    }
}

/// Whether a migration class's down method reverts its up method, and where the answer is
/// written: Laravel's `up()`/`down()` and EF Core's `Up`/`Down`, found with `keyword` (the
/// word before the name) and named in reasons as `up_name` and `down_name`. A down method
/// that is missing, empty or only throws reverts nothing, unless the up method does nothing
/// either (a migration emptied once it was no longer needed).
pub(super) fn down_reversibility(
    (path, text): (&str, &str),
    keyword: &str,
    (up_name, down_name): (&str, &str),
    (shown_up, shown_down): (&str, &str),
    syntax: Syntax,
) -> (super::migrations::Reversibility, crate::source::Location) {
    use super::migrations::Reversibility;
    let up = method(text, keyword, up_name, syntax);
    let Some(down) = method(text, keyword, down_name, syntax) else {
        let location = up.map_or_else(
            || crate::source::Location::file(path),
            |m| line_span(path, text, m.header),
        );
        let reason = format!("defines {shown_up} but no {shown_down}, so a rollback does nothing");
        return (Reversibility::Irreversible(reason), location);
    };
    let location = line_span(path, text, down.header);
    let kind_of = |body: Option<(usize, usize)>| {
        body.map_or(BodyKind::Empty, |body| body_kind(text, body, syntax))
    };
    let up_does_nothing = up.is_some_and(|up| kind_of(up.body) == BodyKind::Empty);
    match kind_of(down.body) {
        BodyKind::Empty if up_does_nothing => (Reversibility::Reversible, location),
        BodyKind::Empty => (
            Reversibility::Irreversible(format!("{shown_down} is empty")),
            location,
        ),
        BodyKind::Throws => (
            Reversibility::Irreversible(format!("{shown_down} throws instead of reverting")),
            location,
        ),
        BodyKind::Code => (Reversibility::Reversible, location),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_found_past_strings_comments_and_return_types() {
        let text = "<?php\n// function down() {}\n$s = 'function down() {}';\n  public function down(): void\n  {\n    # nothing\n  }\n";
        let down = method(text, "function", "down", Syntax::Php).unwrap();
        assert_eq!(&text[down.header..down.header + 8], "  public");
        let body = down.body.unwrap();
        assert_eq!(body_kind(text, body, Syntax::Php), BodyKind::Empty);
        assert!(method(text, "function", "up", Syntax::Php).is_none());
        let arrow = "<?php function up() => throw new Exception('no');";
        let up = method(arrow, "function", "up", Syntax::Php).unwrap();
        assert_eq!(
            body_kind(arrow, up.body.unwrap(), Syntax::Php),
            BodyKind::Throws
        );
    }

    #[test]
    fn statements_end_at_their_semicolon_or_an_unopened_bracket() {
        let text = "$t->string('a;b')->default(f(1; 2)); $t->x()) ";
        assert_eq!(
            &text[..semicolon_end(text, 0, text.len(), Syntax::Php)],
            "$t->string('a;b')->default(f(1; 2))"
        );
        let rest = 37;
        assert_eq!(
            &text[rest..semicolon_end(text, rest, text.len(), Syntax::Php)],
            "$t->x()"
        );
    }
}
