//! The SQL tokenizer of [`super::sql`]: words (keywords upper-cased, quoted identifiers kept
//! as written), literals and punctuation, with byte offsets. Comments are skipped; string and
//! dollar-quoted literals become one token each, so nothing inside them can match a rule.
//! Input past [`MAX_BYTES`] is ignored and every loop advances, so no text can make it slow
//! or panic.

/// Longest SQL text read; the rest of a larger file is ignored.
pub const MAX_BYTES: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Kind {
    /// A keyword or identifier, upper-cased (quoted identifiers keep their case).
    Word(String),
    /// A string or dollar-quoted literal.
    Literal,
    Punct(u8),
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Token {
    pub(super) fn is(&self, word: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w == word)
    }
    pub(super) fn is_punct(&self, c: u8) -> bool {
        self.kind == Kind::Punct(c)
    }
    pub(super) fn word(&self) -> &str {
        match &self.kind {
            Kind::Word(w) => w,
            _ => "",
        }
    }
}

pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let bytes = &text.as_bytes()[..text.len().min(MAX_BYTES)];
    let n = bytes.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < n && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            let mut depth = 0usize;
            while i < n {
                if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b'\'' {
            i = skip_quoted(bytes, i, b'\'');
            out.push(Token {
                kind: Kind::Literal,
                start,
                end: i,
            });
        } else if c == b'"' {
            i = skip_quoted(bytes, i, b'"');
            let inner = text.get(start + 1..i.saturating_sub(1)).unwrap_or("");
            out.push(Token {
                kind: Kind::Word(inner.to_string()),
                start,
                end: i,
            });
        } else if c == b'$' && dollar_tag(bytes, i).is_some() {
            let tag_end = dollar_tag(bytes, i).unwrap_or(i + 1);
            let tag = &bytes[i..tag_end];
            i = tag_end;
            while i < n && !bytes[i..].starts_with(tag) {
                i += 1;
            }
            i = (i + tag.len()).min(n);
            out.push(Token {
                kind: Kind::Literal,
                start,
                end: i,
            });
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            while i < n
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
            {
                i += 1;
            }
            let word = text.get(start..i).unwrap_or("").to_ascii_uppercase();
            // `E'...'` is one string literal.
            if word == "E" && bytes.get(i) == Some(&b'\'') {
                i = skip_quoted(bytes, i, b'\'');
                out.push(Token {
                    kind: Kind::Literal,
                    start,
                    end: i,
                });
            } else {
                out.push(Token {
                    kind: Kind::Word(word),
                    start,
                    end: i,
                });
            }
        } else {
            i += 1;
            out.push(Token {
                kind: Kind::Punct(c),
                start,
                end: i,
            });
        }
    }
    out
}

/// The end of a quoted run starting at `i`; a doubled quote or a backslash escapes.
fn skip_quoted(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The end of a `$tag$` opening at `i`, if one starts there.
fn dollar_tag(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    (bytes.get(j) == Some(&b'$') && !bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        .then_some(j + 1)
}

/// Splits tokens at `sep` outside parentheses.
pub(super) fn split_top(tokens: &[Token], sep: u8) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Punct(b'(') => depth += 1,
            Kind::Punct(b')') => depth -= 1,
            Kind::Punct(c) if c == sep && depth <= 0 => {
                parts.push(&tokens[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[from..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Skips the words of `skip` at the start of `tokens`, in any number.
pub(super) fn skip_words<'t>(mut tokens: &'t [Token], skip: &[&str]) -> &'t [Token] {
    while tokens.first().is_some_and(|t| skip.contains(&t.word())) {
        tokens = &tokens[1..];
    }
    tokens
}

pub(super) fn has(tokens: &[Token], word: &str) -> bool {
    tokens.iter().any(|t| t.is(word))
}

pub(super) fn has_pair(tokens: &[Token], first: &str, second: &str) -> bool {
    tokens.windows(2).any(|w| w[0].is(first) && w[1].is(second))
}

/// A relation named at the start of `tokens`, in lower case: its schema when the name is
/// qualified, and the name itself.
pub(super) fn qualified_name(tokens: &[Token]) -> (Option<String>, String) {
    let lower = |t: Option<&Token>| t.map(|t| t.word().to_ascii_lowercase()).unwrap_or_default();
    if tokens.get(1).is_some_and(|t| t.is_punct(b'.')) {
        (Some(lower(tokens.first())), lower(tokens.get(2)))
    } else {
        (None, lower(tokens.first()))
    }
}

/// How many tokens the relation name at the start of `tokens` takes (`t` or `s.t`).
pub(super) fn name_length(tokens: &[Token]) -> usize {
    if tokens.get(1).is_some_and(|t| t.is_punct(b'.')) {
        3
    } else {
        1
    }
}

/// The table name a statement names, without its schema and in lower case.
pub(super) fn table_name(tokens: &[Token]) -> String {
    let mut name = tokens
        .first()
        .map(|t| t.word().to_string())
        .unwrap_or_default();
    if tokens.get(1).is_some_and(|t| t.is_punct(b'.')) {
        name = tokens
            .get(2)
            .map(|t| t.word().to_string())
            .unwrap_or_default();
    }
    name.to_ascii_lowercase()
}
