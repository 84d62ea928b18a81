//! Where comments and string literals open and end in migration source text of several
//! languages: Python and Ruby `#` comments, `//` and `/* */`, quoted strings with escapes,
//! Python's triple quotes, JavaScript template strings, C#'s raw and verbatim strings and PHP's
//! heredocs. The readers of [`super::calls`] step over these while matching brackets.

use super::calls::Syntax;

/// Where the comment or string literal opening at `i` ends (exclusive), or `None` when
/// neither opens there.
#[inline]
pub(super) fn skip_quoted_or_comment(
    bytes: &[u8],
    i: usize,
    limit: usize,
    syntax: Syntax,
) -> Option<usize> {
    use Syntax::{CSharp, JavaScript, Php, Python, Ruby};
    let c = bytes[i];
    if !may_open(c) {
        return None;
    }
    let to_line_end = |from: usize| (from..limit).find(|&j| bytes[j] == b'\n').unwrap_or(limit);
    match (syntax, c) {
        (Python | Ruby | Php, b'#') => Some(to_line_end(i)),
        (JavaScript | Php | CSharp, b'/') if bytes.get(i + 1) == Some(&b'/') => {
            Some(to_line_end(i))
        }
        (JavaScript | Php | CSharp, b'/') if bytes.get(i + 1) == Some(&b'*') => Some(
            (i + 2..limit.saturating_sub(1))
                .find(|&j| bytes[j] == b'*' && bytes[j + 1] == b'/')
                .map_or(limit, |j| j + 2),
        ),
        (Php, b'<') => heredoc(bytes, i, limit).map(|h| h.end),
        (CSharp, b'"') if quote_run(bytes, i, limit) >= 3 => Some(raw_string_end(bytes, i, limit)),
        (CSharp, b'"') if is_verbatim(bytes, i) => Some(
            (i + 1..limit)
                .find(|&j| bytes[j] == b'"')
                .map_or(limit, |j| j + 1),
        ),
        (_, b'"' | b'\'') | (JavaScript, b'`') => {
            let triple = syntax == Python && bytes[i..limit].starts_with(&[c, c, c]);
            let mut j = i + if triple { 3 } else { 1 };
            while j < limit {
                if bytes[j] == b'\\' {
                    j += 2;
                } else if triple && bytes[j..limit].starts_with(&[c, c, c]) {
                    return Some(j + 3);
                } else if !triple && bytes[j] == c {
                    return Some(j + 1);
                } else {
                    j += 1;
                }
            }
            Some(limit)
        }
        _ => None,
    }
}

/// Whether a comment or string literal may open at byte `b` in some syntax
/// ([`skip_quoted_or_comment`]).
#[inline]
pub(super) fn may_open(b: u8) -> bool {
    matches!(b, b'#' | b'/' | b'<' | b'"' | b'\'' | b'`')
}

/// How many `"` follow one another from `i`.
pub(super) fn quote_run(bytes: &[u8], i: usize, limit: usize) -> usize {
    bytes[i..limit].iter().take_while(|&&b| b == b'"').count()
}

/// The end of the C# raw string opened at `i`: the next run of as many quotes as opened it.
fn raw_string_end(bytes: &[u8], i: usize, limit: usize) -> usize {
    let opening = quote_run(bytes, i, limit);
    let mut j = i + opening;
    while j < limit {
        if bytes[j] == b'"' {
            let run = quote_run(bytes, j, limit);
            if run >= opening {
                return j + run;
            }
            j += run;
        } else {
            j += 1;
        }
    }
    limit
}

/// Whether the C# string opening at `i` is verbatim (`@"`, `$@"`, `@$"`). A doubled quote
/// inside one reads as the end of one string and the start of the next, which skips the
/// same text.
fn is_verbatim(bytes: &[u8], i: usize) -> bool {
    let before = |n: usize| i.checked_sub(n).map(|at| bytes[at]);
    before(1) == Some(b'@') || (before(1) == Some(b'$') && before(2) == Some(b'@'))
}

/// A PHP heredoc or nowdoc: the range of its body and where its closing identifier ends.
pub(super) struct Heredoc {
    pub body: (usize, usize),
    pub end: usize,
}

/// The heredoc (`<<<SQL`, `<<<"SQL"`) or nowdoc (`<<<'SQL'`) opened at `i`, closed by a line
/// that starts, after any indentation, with its identifier; unclosed, it runs to `limit`.
pub(super) fn heredoc(bytes: &[u8], i: usize, limit: usize) -> Option<Heredoc> {
    if !bytes[i..limit].starts_with(b"<<<") {
        return None;
    }
    let mut j = i + 3;
    while j < limit && matches!(bytes[j], b' ' | b'\t') {
        j += 1;
    }
    let quote = (j < limit)
        .then(|| bytes[j])
        .filter(|b| matches!(b, b'\'' | b'"'));
    if quote.is_some() {
        j += 1;
    }
    let start = j;
    while j < limit && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    let identifier = &bytes[start..j];
    if identifier.is_empty() || identifier[0].is_ascii_digit() {
        return None;
    }
    if let Some(quote) = quote {
        if j >= limit || bytes[j] != quote {
            return None;
        }
        j += 1;
    }
    let line_end = (j..limit).find(|&k| bytes[k] == b'\n')?;
    let body_start = line_end + 1;
    let mut line = body_start;
    while line < limit {
        let mut k = line;
        while k < limit && matches!(bytes[k], b' ' | b'\t') {
            k += 1;
        }
        let after = k + identifier.len();
        if bytes[k..limit].starts_with(identifier)
            && !bytes
                .get(after)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            return Some(Heredoc {
                body: (body_start, line),
                end: after.min(limit),
            });
        }
        line = (k..limit)
            .find(|&n| bytes[n] == b'\n')
            .map_or(limit, |n| n + 1);
    }
    Some(Heredoc {
        body: (body_start, limit),
        end: limit,
    })
}
