//! Calls read from migration source text (Python, Ruby, JavaScript and TypeScript, PHP, C#)
//! without parsing the language: a block found by indentation, a call read up to its balanced closing
//! bracket, its arguments split at top-level commas, its keyword arguments and its string
//! literals. Strings and comments are skipped while matching brackets, so a `)` or a `#` inside
//! either never ends a call.
//!
//! Generated migrations pass literals, which is all the checks need. Every scan is bounded (a
//! call is read at most [`MAX_CALL_BYTES`] long, which no file read exceeds) and every loop
//! advances; a reader that goes back into what it has scanned does so a bounded number of
//! times, so hostile text can neither make these slower than linear nor make them panic.

use std::collections::BTreeSet;

use super::hazards::Hazard;
pub(super) use super::quoted::{heredoc, may_open, quote_run, skip_quoted_or_comment};

/// Longest call read: the largest file read, so a call, an `operations` list or a SQL string
/// is read whole however long it is.
pub(super) const MAX_CALL_BYTES: usize = crate::inventory::MAX_FILE_BYTES as usize;

/// The language whose strings and comments a scan skips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Syntax {
    /// `#` comments; `'`, `"` and triple-quoted strings.
    Python,
    /// `#` comments; `'` and `"` strings (heredocs are handled by the Rails reader).
    Ruby,
    /// `//` and `/* */` comments; `'`, `"` and `` ` `` strings.
    JavaScript,
    /// `//`, `#` and `/* */` comments; `'` and `"` strings; heredocs and nowdocs (`<<<SQL`).
    Php,
    /// `//` and `/* */` comments; `'` characters; `"` strings, verbatim `@"..."` strings (where
    /// a backslash escapes nothing) and raw strings opened by three quotes or more.
    CSharp,
}

/// One call found in a text: its byte range, from the receiver (`op.`) to the closing `)`,
/// and the name of the method called.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Call<'t> {
    pub start: usize,
    pub end: usize,
    pub name: &'t str,
}

/// One schema operation of a migration, whichever way its framework writes it: its span, what
/// it does (`drop_column`), the table it works on and its other arguments.
#[derive(Clone, Debug)]
pub(super) struct Operation<'t> {
    pub start: usize,
    pub end: usize,
    pub name: &'t str,
    pub table: String,
    /// The arguments other than the table.
    pub rest: Vec<&'t str>,
    /// The text where keyword arguments are looked up: the call, without any block or
    /// heredoc body that follows it.
    pub head: &'t str,
    pub syntax: Syntax,
}

impl Operation<'_> {
    /// The name (string literal or symbol) passed as the `index`-th argument after the table.
    pub fn argument(&self, index: usize) -> String {
        name_of(self.rest.get(index).copied().unwrap_or(""), self.syntax)
    }

    pub fn keyword(&self, name: &str) -> Option<String> {
        keyword(self.head, name, self.syntax)
    }

    pub fn is_keyword(&self, name: &str, value: &str) -> bool {
        self.keyword(name).as_deref() == Some(value)
    }
}

/// The tables that operations named `create` make: empty while the rest of the same
/// migration touches them, so nothing done to them there is a hazard.
pub(super) fn created_tables<'o, 't: 'o>(
    operations: impl IntoIterator<Item = &'o Operation<'t>>,
    create: &str,
) -> BTreeSet<&'o str> {
    operations
        .into_iter()
        .filter(|o| o.name == create)
        .map(|o| o.table.as_str())
        .collect()
}

/// The largest character boundary of `text` at or before `at`.
pub(super) fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Where the inside of a bracketed run ends, given the run's end from [`call_end`]: before its
/// closing bracket; or, when the bracket never closes within the text or the size limit, at
/// that end moved back to a character boundary.
pub(super) fn inner_end(text: &str, close: usize) -> usize {
    let close = close.min(text.len());
    match close.checked_sub(1).map(|i| text.as_bytes()[i]) {
        Some(b')' | b']' | b'}') => close - 1,
        _ => floor_boundary(text, close),
    }
}

/// The end (exclusive) of the bracketed run whose opening bracket is at `open`.
pub(super) fn call_end(bytes: &[u8], open: usize, syntax: Syntax) -> usize {
    let limit = (open + MAX_CALL_BYTES).min(bytes.len());
    let mut depth = 0usize;
    let mut i = open;
    while i < limit {
        if may_open(bytes[i])
            && let Some(end) = skip_quoted_or_comment(bytes, i, limit, syntax)
        {
            i = end;
            continue;
        }
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    limit
}

/// The content ranges (quotes excluded) of every string literal of `text`, comments skipped;
/// a PHP heredoc's content is its body.
pub(super) fn literal_ranges(text: &str, syntax: Syntax) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(end) = skip_quoted_or_comment(bytes, i, bytes.len(), syntax) else {
            i += 1;
            continue;
        };
        let c = bytes[i];
        if c == b'<' {
            if let Some(heredoc) = heredoc(bytes, i, bytes.len()) {
                out.push(heredoc.body);
            }
        } else if matches!(c, b'"' | b'\'' | b'`') {
            let quotes = match syntax {
                Syntax::Python if bytes[i..].starts_with(&[c, c, c]) => 3,
                Syntax::CSharp if c == b'"' => match quote_run(bytes, i, bytes.len()) {
                    run @ 3.. => run,
                    _ => 1,
                },
                _ => 1,
            };
            let content_end = if end - i >= 2 * quotes && bytes[end - 1] == c {
                end - quotes
            } else {
                end
            };
            out.push((i + quotes, content_end.max(i + quotes)));
        }
        i = end;
    }
    out
}

/// The content of the first string literal of `argument`, or the name of a Ruby symbol
/// (`:orders`), or an empty string.
pub(super) fn name_of(argument: &str, syntax: Syntax) -> String {
    if let Some(&(start, end)) = literal_ranges(argument, syntax).first() {
        return argument[start..end].to_string();
    }
    let symbol = argument.trim().strip_prefix(':').unwrap_or("");
    symbol
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("")
        .to_string()
}

/// Arguments of a call's text, split at top-level commas; each is trimmed.
pub(super) fn arguments(call: &str, syntax: Syntax) -> Vec<&str> {
    let bytes = call.as_bytes();
    let Some(open) = call.find('(') else {
        return Vec::new();
    };
    let close = call_end(bytes, open, syntax);
    top_level_split(call, open + 1, inner_end(call, close), syntax)
}

/// The pieces of `text[from..to]` between top-level commas, trimmed, empty ones dropped.
pub(super) fn top_level_split(text: &str, from: usize, to: usize, syntax: Syntax) -> Vec<&str> {
    split_top_level(text, from, to, syntax, b',')
}

/// The pieces of `text[from..to]` between top-level `separator` bytes (outside brackets,
/// strings and comments), trimmed of space and leading comments, empty ones dropped.
pub(super) fn split_top_level(
    text: &str,
    from: usize,
    to: usize,
    syntax: Syntax,
    separator: u8,
) -> Vec<&str> {
    let bytes = text.as_bytes();
    let to = floor_boundary(text, to);
    let mut out = Vec::new();
    let (mut depth, mut piece, mut i) = (0i32, from, from);
    while i < to {
        // Most bytes of an argument list open no comment or string: those are not looked at
        // more closely.
        if may_open(bytes[i])
            && let Some(end) = skip_quoted_or_comment(bytes, i, to, syntax)
        {
            i = end;
            continue;
        }
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b if b == separator && depth == 0 => {
                out.push(without_leading_comments(&text[piece..i], syntax));
                piece = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(without_leading_comments(&text[piece.min(to)..to], syntax));
    out.retain(|a| !a.is_empty());
    out
}

/// `piece` trimmed, without the comments that open it: a comment after a comma belongs to
/// no argument, and left in place it would hide the keyword that follows it.
fn without_leading_comments(piece: &str, syntax: Syntax) -> &str {
    let mut piece = piece.trim();
    while piece.starts_with(['#', '/']) {
        let Some(end) = skip_quoted_or_comment(piece.as_bytes(), 0, piece.len(), syntax) else {
            break;
        };
        piece = piece[end..].trim();
    }
    piece
}

/// The value passed as keyword `name` anywhere in `call`, nested calls included, up to the
/// next comma or closing bracket at its own depth: `name=value` in Python, `name: value` or
/// `:name => value` in Ruby, `name: value` in JavaScript objects and in PHP and C# named
/// arguments.
pub(super) fn keyword(call: &str, name: &str, syntax: Syntax) -> Option<String> {
    let bytes = call.as_bytes();
    let mut search = 0;
    while let Some(found) = call[search..].find(name) {
        let at = search + found;
        search = at + name.len();
        let boundary = at == 0 || !is_word_byte(bytes[at - 1]);
        let after = call[search..].trim_start();
        let value = match syntax {
            Syntax::Python => after.strip_prefix('=').filter(|v| !v.starts_with('=')),
            Syntax::Ruby if at > 0 && bytes[at - 1] == b':' => after.strip_prefix("=>"),
            Syntax::Ruby | Syntax::JavaScript | Syntax::Php | Syntax::CSharp => call[search..]
                .strip_prefix(':')
                .filter(|v| !v.starts_with(':')),
        };
        let (true, Some(value)) = (boundary, value) else {
            continue;
        };
        let value_start = call.len() - value.len();
        let pieces = top_level_split(call, value_start, value_end(call, value_start), syntax);
        return Some(pieces.first().copied().unwrap_or("").to_string());
    }
    None
}

/// Where a keyword's value starting at `from` ends: a top-level comma or closing bracket.
fn value_end(call: &str, from: usize) -> usize {
    let mut depth = 0i32;
    for (i, c) in call[from..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => return from + i,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    call.len()
}

/// The byte range of the block under the header line starting at `header`, read by
/// indentation: every following line indented deeper than the header, blank lines included.
/// Lines opening with `)` close a wrapped header and belong to it.
pub(super) fn block_after(text: &str, header: usize) -> (usize, usize) {
    let header_line = text[header..].split_inclusive('\n').next().unwrap_or("");
    let indent = header_line.len() - header_line.trim_start().len();
    let start = header + header_line.len();
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        let this_indent = line.len() - trimmed.len();
        if !trimmed.trim().is_empty() && this_indent <= indent && !trimmed.starts_with(')') {
            return (start, offset);
        }
        offset += line.len();
    }
    (start, text.len())
}

/// The start of the first line of `text` whose trimmed form satisfies `is_header`.
pub(super) fn find_line_start(text: &str, is_header: impl Fn(&str) -> bool) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if is_header(line.trim()) {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Whether byte `at` of `text` sits after a line comment opened earlier on its line.
pub(super) fn is_commented(text: &str, at: usize, syntax: Syntax) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..at];
    match syntax {
        Syntax::Python | Syntax::Ruby => before.contains('#'),
        Syntax::JavaScript | Syntax::CSharp => {
            before.contains("//") || before.trim_start().starts_with('*')
        }
        Syntax::Php => {
            before.contains("//") || before.contains('#') || before.trim_start().starts_with('*')
        }
    }
}

/// The calls `<receiver>.<name>(...)` in `text[from..to]`, read to their closing bracket; a
/// call on a commented-out line is not one.
pub(super) fn calls<'t>(
    text: &'t str,
    (from, to): (usize, usize),
    receiver: &str,
    syntax: Syntax,
) -> Vec<Call<'t>> {
    let bytes = text.as_bytes();
    let prefix = format!("{receiver}.");
    let mut out = Vec::new();
    let mut search = from;
    while let Some(found) = text[search..to].find(&prefix) {
        let at = search + found;
        search = at + prefix.len();
        let name_end = (search..to)
            .find(|&i| !is_word_byte(bytes[i]))
            .unwrap_or(to);
        let preceded = at > 0 && (is_word_byte(bytes[at - 1]) || bytes[at - 1] == b'.');
        if preceded || is_commented(text, at, syntax) || bytes.get(name_end) != Some(&b'(') {
            continue;
        }
        let end = floor_boundary(text, call_end(bytes, name_end, syntax).min(to));
        out.push(Call {
            start: at,
            end,
            name: &text[search..name_end],
        });
        search = end.max(search);
    }
    out
}

/// The SQL rules run over the literal at `text[start..end]`, with spans in `text`'s lines.
pub(super) fn sql_hazards(path: &str, text: &str, literal: (usize, usize)) -> Vec<Hazard> {
    super::sql_literals::sql_hazards_joined(path, text, &[literal])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_close_a_call() {
        let python = "f(a, ')', # )\n b)";
        assert_eq!(call_end(python.as_bytes(), 1, Syntax::Python), python.len());
        let js = "f(`)`, /* ) */ // )\n x)";
        assert_eq!(call_end(js.as_bytes(), 1, Syntax::JavaScript), js.len());
    }

    #[test]
    fn arguments_keywords_and_names() {
        let call = "add(:orders, :status, :string, null: false, default: f(1, 2))";
        let args = arguments(call, Syntax::Ruby);
        assert_eq!(args.len(), 5);
        assert_eq!(name_of(args[0], Syntax::Ruby), "orders");
        assert_eq!(
            keyword(call, "null", Syntax::Ruby).as_deref(),
            Some("false")
        );
        assert_eq!(
            keyword(call, "default", Syntax::Ruby).as_deref(),
            Some("f(1, 2)")
        );
        assert_eq!(
            keyword("x(:null => false)", "null", Syntax::Ruby).as_deref(),
            Some("false")
        );
        let python = "Col('c', nullable=False, server_default=sa.text('0'))";
        assert_eq!(
            keyword(python, "nullable", Syntax::Python).as_deref(),
            Some("False")
        );
        assert_eq!(keyword("x(a == b)", "a", Syntax::Python), None);
        let commented = "f(a=1,  # why\n  # and more\n  b=2)";
        assert_eq!(arguments(commented, Syntax::Python), ["a=1", "b=2"]);
        assert_eq!(name_of("\"\"\"doc\"\"\"", Syntax::Python), "doc");
    }

    #[test]
    fn blocks_end_at_a_line_no_deeper_than_their_header() {
        let text = "def up(\n    a,\n):\n    x()\n\n    y()\nz()\n";
        let (start, end) = block_after(text, 0);
        assert_eq!(&text[start..end], "    a,\n):\n    x()\n\n    y()\n");
    }

    #[test]
    fn php_heredocs_nowdocs_and_hash_comments() {
        let text = "f(<<<SQL\n  DROP TABLE t; )\n  SQL, # )\n <<<'X'\nx\nX)";
        assert_eq!(call_end(text.as_bytes(), 1, Syntax::Php), text.len());
        let literals: Vec<&str> = literal_ranges(text, Syntax::Php)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(literals, ["  DROP TABLE t; )\n", "x\n"]);
        // An identifier that only starts a longer word does not close the heredoc.
        let longer = "<<<SQL\nSQLITE\nSQL;";
        assert_eq!(literal_ranges(longer, Syntax::Php), [(7, 14)]);
        assert!(heredoc(b"<<<1X\n", 0, 6).is_none());
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "f('",
            "f(\"\"\"",
            "f(/*",
            "é(`",
            "f(a=",
            "x(:k =>",
            "f(<<<",
            "f(<<<'é",
            "<<<X\n é",
        ] {
            let _ = arguments(text, Syntax::JavaScript);
            let _ = arguments(text, Syntax::Python);
            let _ = keyword(text, "a", Syntax::Python);
            let _ = keyword(text, "k", Syntax::Ruby);
            let _ = literal_ranges(text, Syntax::Python);
            let _ = calls(text, (0, text.len()), "f", Syntax::Ruby);
            let _ = literal_ranges(text, Syntax::Php);
            let _ = arguments(text, Syntax::Php);
        }
    }
}
