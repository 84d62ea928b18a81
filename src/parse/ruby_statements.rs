//! Ruby statements of a Rails migration body, read without parsing Ruby.
//!
//! Ruby calls often go without parentheses, so a statement is read from its first word to the
//! end of its line, continuing after a trailing comma or a backslash and inside open brackets,
//! through a heredoc (`execute <<~SQL ... SQL`) to its terminator and through a `do` block to
//! the `end` at its own indentation. Statements are bounded by
//! [`MAX_CALL_BYTES`](super::calls::MAX_CALL_BYTES) and every loop advances.

use super::calls::{
    MAX_CALL_BYTES, Syntax, arguments, block_after, find_line_start, floor_boundary,
    skip_quoted_or_comment, top_level_split,
};

/// One Ruby statement: its span, the method called, its arguments and what follows them.
#[derive(Debug)]
pub(super) struct Statement<'t> {
    pub start: usize,
    pub end: usize,
    /// Where reading resumes: past the block or heredoc that belongs to the statement.
    pub resume: usize,
    pub name: &'t str,
    pub arguments: Vec<&'t str>,
    /// The `do ... end` block, when the statement opens one.
    pub block: Option<(usize, usize)>,
    /// The body of a heredoc argument.
    pub heredoc: Option<(usize, usize)>,
}

/// The heredoc terminator opened at `i` (`<<~SQL`, `<<-'SQL'`, `<<SQL`), with the end of the
/// opener.
fn heredoc_opener(text: &str, i: usize) -> Option<(String, usize)> {
    let rest = text[i..].strip_prefix("<<")?;
    let rest = rest.strip_prefix(['~', '-']).unwrap_or(rest);
    let quoted = rest.strip_prefix(['\'', '"']);
    let id: String = quoted
        .unwrap_or(rest)
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let upper = id.starts_with(|c: char| c.is_ascii_uppercase());
    let end = text.len() - rest.len() + id.len() + if quoted.is_some() { 2 } else { 0 };
    upper.then_some((id, end.min(text.len())))
}

/// The statement whose first word starts at `at`.
fn statement(text: &str, at: usize) -> Statement<'_> {
    let bytes = text.as_bytes();
    let limit = floor_boundary(text, at + MAX_CALL_BYTES);
    let name_end = (at..limit)
        .find(|&i| !(bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'!')))
        .unwrap_or(limit);
    let (mut depth, mut last_code, mut i) = (0i32, name_end, name_end);
    let mut pending = None;
    let mut heredoc = None;
    while i < limit {
        let c = bytes[i];
        if c == b'\n' {
            if let Some(id) = pending.take() {
                let body_start = i + 1;
                let terminator = find_line_start(&text[body_start..limit], |l| l == id)
                    .map_or(limit, |s| body_start + s);
                heredoc = Some((body_start, terminator));
                let line = text[terminator..].lines().next().unwrap_or("");
                last_code = terminator + line.trim_end().len();
                i = last_code;
                continue;
            }
            if depth <= 0
                && !matches!(
                    last_code.checked_sub(1).map(|l| bytes[l]),
                    Some(b',' | b'\\')
                )
            {
                break;
            }
        } else if c == b'<' && heredoc_opener(text, i).is_some() {
            if let Some((id, end)) = heredoc_opener(text, i) {
                pending = Some(id);
                i = end;
                last_code = end;
            }
            continue;
        } else if let Some(end) = skip_quoted_or_comment(bytes, i, limit, Syntax::Ruby) {
            if c != b'#' {
                last_code = end;
            }
            i = end;
            continue;
        } else if matches!(c, b'(' | b'[' | b'{') {
            depth += 1;
        } else if matches!(c, b')' | b']' | b'}') {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if c == b';' && depth == 0 {
            break;
        }
        if !c.is_ascii_whitespace() {
            last_code = i + 1;
        }
        i += 1;
    }
    let head = &text[name_end..last_code];
    let opens_block = head.trim_end().ends_with(" do")
        || head.trim_end().ends_with('|') && head.contains(" do |");
    let arguments_end = if opens_block {
        name_end + head.rfind(" do").unwrap_or(head.len())
    } else {
        last_code
    };
    let arguments = if bytes.get(name_end) == Some(&b'(') {
        arguments(&text[name_end..last_code], Syntax::Ruby)
    } else {
        top_level_split(text, name_end, arguments_end, Syntax::Ruby)
    };
    let mut out = Statement {
        start: at,
        end: last_code,
        // Comments read past the last code belong to the statement too.
        resume: floor_boundary(text, i).max(last_code),
        name: &text[at..name_end],
        arguments,
        block: None,
        heredoc,
    };
    if opens_block {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let (start, end) = block_after(text, line_start);
        let closing = text[end..].lines().next().unwrap_or("");
        out.block = Some((start, end));
        out.end = end + closing.trim_end().len();
        out.resume = out.resume.max(out.end);
    }
    out
}

/// How many blocks deep statements are read. Migrations nest three or four (`change`,
/// `reversible`, `dir.up`, `safety_assured`); deeper blocks are left unread.
pub(super) const MAX_BLOCK_DEPTH: usize = 32;

/// Methods whose block is not run as migration code in place: table definitions, which the
/// Rails reader opens itself, and blocks run backwards (`revert`, `dir.down`).
const NOT_DESCENDED: &[&str] = &[
    "create_table",
    "change_table",
    "create_join_table",
    "drop_table",
    "drop_join_table",
    "revert",
];

/// Whether the block of a call to `name` is read statement by statement after it:
/// `reversible`, `up_only`, `safety_assured`, `transaction`, `with_lock_timeout` and any
/// other block the forward code runs.
fn descends_into(name: &str) -> bool {
    !NOT_DESCENDED.contains(&name) && !name.ends_with(".down") && !name.is_empty()
}

/// The inside of a `name { ... }` block: the braces opening right after the method name.
fn brace_block(text: &str, statement: &Statement) -> Option<(usize, usize)> {
    let name_end = statement.start + statement.name.len();
    let after = &text[name_end..statement.end];
    let open = name_end + after.len() - after.trim_start().len();
    if !after.trim_start().starts_with('{') {
        return None;
    }
    let close = super::calls::call_end(text.as_bytes(), open, Syntax::Ruby);
    let inner = super::calls::inner_end(text, close);
    Some((open + 1, inner.max(open + 1)))
}

/// The statements of `text[from..to]`, one per line unless a statement runs on. A
/// `dir.down` statement is left out, the body of `dir.up { ... }` is read in its place, and
/// the statements of other blocks (`reversible`, `safety_assured { ... }`,
/// `transaction do`) are read one by one after the statement that opens them.
///
/// Blocks are opened at most [`MAX_BLOCK_DEPTH`] deep; a block deeper than that is skipped
/// whole, so nesting cannot make the reading slower than linear in the text.
pub(super) fn statements(text: &str, (from, to): (usize, usize)) -> Vec<Statement<'_>> {
    let mut out = Vec::new();
    let mut at = from;
    let mut line_end = from;
    // The ends of the blocks being read, innermost last.
    let mut open_blocks: Vec<usize> = Vec::new();
    while at < to {
        while open_blocks.last().is_some_and(|&end| end <= at) {
            open_blocks.pop();
        }
        // A line holding several statements is searched for its end once.
        if at >= line_end {
            line_end = text[at..to].find('\n').map_or(to, |i| at + i + 1);
        }
        let line = &text[at..line_end];
        let first = at + line.len() - line.trim_start().len();
        if first >= line_end || text[first..].starts_with('#') {
            at = line_end;
            continue;
        }
        let found = statement(text, first);
        let may_descend = open_blocks.len() < MAX_BLOCK_DEPTH;
        if found.name.ends_with(".up") && may_descend {
            let line = &text[first..line_end];
            let body = line
                .find('{')
                .map(|i| i + 1)
                .or_else(|| line.find(" do").map(|i| i + 3))
                .unwrap_or(line.len());
            at = first + body;
            open_blocks.push(found.resume.max(at));
            continue;
        }
        let block = found.block.or_else(|| brace_block(text, &found));
        let next = match block {
            Some((start, end)) if descends_into(found.name) && may_descend => {
                open_blocks.push(end.max(start));
                start
            }
            _ => found.resume,
        };
        at = next.max(first + 1);
        if !found.name.ends_with(".down") && !found.name.is_empty() {
            out.push(found);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        statements(text, (0, text.len()))
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn blocks_are_read_to_a_bounded_depth() {
        let nested = |depth: usize| {
            format!(
                "{}remove_column :orders, :code\n{}",
                "safety_assured {\n".repeat(depth),
                "}\n".repeat(depth)
            )
        };
        let shallow = nested(3);
        assert_eq!(names(&shallow).last(), Some(&"remove_column"));
        let deep = nested(MAX_BLOCK_DEPTH + 1);
        assert!(!names(&deep).contains(&"remove_column"));
        assert_eq!(names(&deep).len(), MAX_BLOCK_DEPTH + 1);
        // A block closed before the limit frees its level for the next one.
        let siblings = format!(
            "{}{}",
            nested(MAX_BLOCK_DEPTH - 1),
            nested(MAX_BLOCK_DEPTH - 1)
        );
        let found = names(&siblings);
        assert_eq!(found.iter().filter(|n| **n == "remove_column").count(), 2);
    }

    #[test]
    fn many_statements_on_one_line_are_read() {
        let line = "add_index :a, :b; ".repeat(3);
        assert_eq!(names(&line), ["add_index"; 3]);
    }
}
