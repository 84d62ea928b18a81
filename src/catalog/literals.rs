//! Literals a regular expression's every match must contain.
//!
//! Almost every catalog pattern contains text that any match must include:
//! `\bsentry_sdk\.init\(` cannot match a file without `sentry_sdk.init(`, and
//! `^\s*(ruff|flake8)\b` cannot match one without `ruff` or `flake8`. Those required literals
//! are found in each pattern's syntax tree, where parts with few alternatives multiply into
//! longer literals (`os\.(Getenv|LookupEnv)\(` needs `os.getenv(` or `os.lookupenv(`). The
//! [`Prefilter`] searches a text for all of them in one pass, so that only the patterns whose
//! literals occur are run as regular expressions.
//!
//! The filter is sound: a pattern is skipped only when none of its required literals occurs
//! (compared ignoring ASCII case, as the patterns are, or exactly for [`Case::Exact`]
//! patterns). A pattern without a literal of at least [`MIN_LITERAL`] bytes is always run.

mod search;
mod windows;

pub use search::Prefilter;

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shorter required literals occur in nearly every file and would filter nothing.
pub const MIN_LITERAL: usize = 3;

/// Literals any match of a pattern must contain: at least one of them occurs in the text.
#[derive(Clone, Debug, PartialEq)]
enum Required {
    /// Nothing is known; the pattern must always run.
    Anything,
    /// At least one of these byte strings (lower-case when case is ignored) occurs in every
    /// match.
    OneOf(Vec<Vec<u8>>),
}

/// Words found in nearly every source file of some language: a requirement made only of these
/// filters nothing, however long they are, so any other requirement of the pattern is
/// preferred (`from\s+pytm\s+import` is searched for by `pytm`, not `import`).
const COMMON_WORDS: &[&[u8]] = &[
    b"import",
    b"from",
    b"def",
    b"class",
    b"return",
    b"function",
    b"const",
    b"require",
    b"export",
    b"package",
    b"func",
    b"public",
    b"static",
    b"self",
    b"this",
    b"test_",
    b"async",
    b"await",
    b"print",
    b"module",
    b"include",
];

impl Required {
    /// How selective the requirement is: whether it is more than common words and long
    /// enough to search for, then its shortest literal, then fewer alternatives.
    fn quality(&self) -> (bool, usize, std::cmp::Reverse<usize>) {
        match self {
            Required::Anything => (false, 0, std::cmp::Reverse(0)),
            Required::OneOf(options) => {
                let shortest = options.iter().map(Vec::len).min().unwrap_or(0);
                let rare = shortest >= MIN_LITERAL
                    && !options.iter().all(|o| COMMON_WORDS.contains(&o.as_slice()));
                (rare, shortest, std::cmp::Reverse(options.len()))
            }
        }
    }
}

/// Parses a pattern as the signal index compiles it and returns the literals one of which
/// every match contains, or `None` when it has none worth searching for.
///
/// # Errors
/// The parser's message when the pattern is not a valid regular expression.
pub fn required_literals(pattern: &str) -> Result<Option<Vec<Vec<u8>>>, String> {
    literals_in(pattern, Case::Ignored)
}

/// How the patterns are compiled, which the literals must follow: the parse has to see what
/// the compiled pattern will match (a `(?u:k)` that ignores case also matches the Kelvin sign,
/// so it yields no literal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// As the catalog's patterns: bytes, ASCII classes, ignoring case, multi-line. Literals
    /// are kept in lower case.
    Ignored,
    /// As `regex::Regex::new` compiles a pattern: Unicode text, case as written.
    Exact,
}

fn literals_in(pattern: &str, case: Case) -> Result<Option<Vec<Vec<u8>>>, String> {
    let mut parser = regex_syntax::ParserBuilder::new();
    if case == Case::Ignored {
        // Without Unicode, ignoring case folds ASCII letters only, which comparing the
        // literals ignoring ASCII case already does; parsing with the flag spells every
        // letter out as a class and costs a fifth of the catalog's compile time.
        parser
            .case_insensitive(enables_unicode(pattern))
            .unicode(false)
            .utf8(false)
            .multi_line(true);
    }
    let hir = parser.build().parse(pattern).map_err(|e| e.to_string())?;
    Ok(match required(&hir, case) {
        Required::OneOf(options) if options.iter().all(|o| o.len() >= MIN_LITERAL) => Some(options),
        _ => None,
    })
}

/// Whether an inline flag group may switch Unicode on (`(?u)`, `(?iu:`): then ignoring case
/// also folds non-ASCII letters (`k` matches the Kelvin sign). Errs towards yes.
fn enables_unicode(pattern: &str) -> bool {
    pattern.match_indices("(?").any(|(at, _)| {
        pattern[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '-')
            .any(|c| c == 'u')
    })
}

fn required(hir: &Hir, case: Case) -> Required {
    if let Some(set) = alternatives(hir, case) {
        return if set.iter().any(Vec::is_empty) {
            Required::Anything
        } else {
            Required::OneOf(set)
        };
    }
    match hir.kind() {
        HirKind::Capture(capture) => required(&capture.sub, case),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required(&repetition.sub, case),
        HirKind::Alternation(branches) => {
            let mut options = Vec::new();
            for branch in branches {
                match required(branch, case) {
                    Required::Anything => return Required::Anything,
                    Required::OneOf(more) => options.extend(more),
                }
            }
            options.sort();
            options.dedup();
            Required::OneOf(options)
        }
        HirKind::Concat(parts) => best_in_sequence(parts, case),
        _ => Required::Anything,
    }
}

/// In a sequence, neighbouring parts with few alternatives join into longer literals, as
/// every combination of their alternatives (`(app|api)\.get` gives `app.get` and `api.get`);
/// zero-width assertions take no room. The most selective requirement of any such run or
/// of any other part stands for the whole sequence.
fn best_in_sequence(parts: &[Hir], case: Case) -> Required {
    let mut best = Required::Anything;
    let consider = |run: Vec<Vec<u8>>, best: &mut Required| {
        if run.iter().all(|r| !r.is_empty()) {
            let candidate = Required::OneOf(run);
            if candidate.quality() > best.quality() {
                *best = candidate;
            }
        }
    };
    let mut run: Vec<Vec<u8>> = vec![Vec::new()];
    for part in parts {
        if let Some(set) = alternatives(part, case) {
            if run.len() * set.len() > MAX_ALTERNATIVES {
                consider(std::mem::replace(&mut run, set), &mut best);
            } else {
                run = append(std::mem::take(&mut run), set).unwrap_or_default();
            }
            continue;
        }
        consider(std::mem::replace(&mut run, vec![Vec::new()]), &mut best);
        let inner = required(part, case);
        if inner.quality() > best.quality() {
            best = inner;
        }
    }
    consider(run, &mut best);
    best
}

/// At most this many alternatives are followed through a pattern; beyond that a part
/// counts as unknown text.
const MAX_ALTERNATIVES: usize = 24;

/// A part repeated more often than this (`x{1000}`) counts as unknown text, so a hostile
/// catalog pattern cannot make the literals huge.
const MAX_REPEAT: u32 = 32;

/// Every string a node matches (in lower case when case is ignored), when there are at most
/// [`MAX_ALTERNATIVES`] of them.
fn alternatives(hir: &Hir, case: Case) -> Option<Vec<Vec<u8>>> {
    let mut set = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![Vec::new()],
        HirKind::Literal(literal) => vec![match case {
            Case::Ignored => literal.0.to_ascii_lowercase(),
            Case::Exact => literal.0.to_vec(),
        }],
        HirKind::Class(class) => class_bytes(class, case)?
            .into_iter()
            .map(|b| vec![b])
            .collect(),
        HirKind::Capture(capture) => alternatives(&capture.sub, case)?,
        HirKind::Repetition(repetition) => {
            let max = repetition.max.filter(|&max| max <= MAX_REPEAT)?;
            let one = alternatives(&repetition.sub, case)?;
            let mut all = Vec::new();
            let mut power = vec![Vec::new()];
            for count in 0..=max {
                if count >= repetition.min {
                    all.extend(power.iter().cloned());
                    if all.len() > MAX_ALTERNATIVES {
                        return None;
                    }
                }
                if count < max {
                    power = product(&power, &one)?;
                }
            }
            all
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(alternatives(branch, case)?);
                if all.len() > MAX_ALTERNATIVES {
                    return None;
                }
            }
            all
        }
        HirKind::Concat(parts) => {
            let mut all = vec![Vec::new()];
            for part in parts {
                all = append(all, alternatives(part, case)?)?;
            }
            all
        }
    };
    set.sort();
    set.dedup();
    (set.len() <= MAX_ALTERNATIVES).then_some(set)
}

/// [`product`] that reuses `left` when `right` is one string, as every letter of a pattern
/// that ignores case is.
fn append(mut left: Vec<Vec<u8>>, right: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
    match right.as_slice() {
        [one] => {
            for string in &mut left {
                string.extend_from_slice(one);
            }
            Some(left)
        }
        _ => product(&left, &right),
    }
}

/// Every string of `left` followed by every string of `right`, unless there are too many.
fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len() * right.len() > MAX_ALTERNATIVES {
        return None;
    }
    let mut out: Vec<Vec<u8>> = left
        .iter()
        .flat_map(|l| right.iter().map(move |r| [l.as_slice(), r].concat()))
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

/// The bytes of a small class (lower-cased when case is ignored: `[Ss]` is then one byte);
/// `["\x27]` is two.
fn class_bytes(class: &Class, case: Case) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new();
    match class {
        Class::Bytes(class) => {
            for range in class.ranges() {
                if usize::from(range.end() - range.start()) >= MAX_CLASS {
                    return None;
                }
                bytes.extend(range.start()..=range.end());
            }
        }
        Class::Unicode(class) => {
            for range in class.iter() {
                if !range.end().is_ascii()
                    || (range.end() as u32 - range.start() as u32) as usize >= MAX_CLASS
                {
                    return None;
                }
                bytes.extend((range.start() as u8)..=(range.end() as u8));
            }
        }
    }
    if case == Case::Ignored {
        bytes.make_ascii_lowercase();
    }
    bytes.sort_unstable();
    bytes.dedup();
    (bytes.len() <= MAX_CLASS).then_some(bytes)
}

/// Classes of more bytes than this (`\d`, `[a-z]`) count as unknown text.
const MAX_CLASS: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(pattern: &str) -> Option<Vec<String>> {
        required_literals(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .map(|options| {
                options
                    .into_iter()
                    .map(|o| String::from_utf8_lossy(&o).into_owned())
                    .collect()
            })
    }

    fn owned(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_longest_required_text_is_chosen() {
        assert_eq!(
            literals(r"\bsentry_sdk\.init\("),
            owned(&["sentry_sdk.init("])
        );
        assert_eq!(
            literals(r"^\s*timeout-minutes:\s*\d"),
            owned(&["timeout-minutes:"])
        );
        assert_eq!(
            literals(r"\bos\.(Getenv|LookupEnv)\("),
            owned(&["os.getenv(", "os.lookupenv("])
        );
        assert_eq!(literals(r"[Ss]ecret_[Kk]ey"), owned(&["secret_key"]));
        assert_eq!(literals(r"\x27/metrics\x27"), owned(&["'/metrics'"]));
    }

    /// A word in every source file filters nothing, however long: a rarer requirement wins,
    /// unless it is too short to search for.
    #[test]
    fn common_words_give_way_to_rarer_text() {
        assert_eq!(literals(r"^\s*from\s+pytm\s+import\b"), owned(&["pytm"]));
        assert_eq!(literals(r"\bimport\s+\w+"), owned(&["import"]));
        assert_eq!(literals(r"\bimport\s+os\b"), owned(&["import"]));
    }

    #[test]
    fn few_alternatives_multiply_into_longer_literals() {
        assert_eq!(
            literals(r#"["\x27]X-(Request|Correlation)-ID["\x27]"#),
            owned(&[
                "\"x-correlation-id\"",
                "\"x-correlation-id'",
                "\"x-request-id\"",
                "\"x-request-id'",
                "'x-correlation-id\"",
                "'x-correlation-id'",
                "'x-request-id\"",
                "'x-request-id'"
            ])
        );
        assert_eq!(
            literals(r"\baudit_?log(ger)?\.(info|warn)\("),
            owned(&[
                "audit_log.info(",
                "audit_log.warn(",
                "audit_logger.info(",
                "audit_logger.warn(",
                "auditlog.info(",
                "auditlog.warn(",
                "auditlogger.info(",
                "auditlogger.warn("
            ])
        );
        // Too many combinations: the longest part that stays within bounds stands in.
        assert_eq!(
            literals(r"(a|b|c|d|e)(f|g|h|i|j)(k|l|m|n|o)_request_id"),
            owned(&["_request_id"])
        );
        // An unbounded or wide part ends a run.
        assert_eq!(
            literals(r"\bHandle(Func)?\(\s*\x22/(health|ready)\x22"),
            owned(&["\"/health\"", "\"/ready\""])
        );
    }

    #[test]
    fn optional_or_short_parts_give_no_literal() {
        assert_eq!(literals(r"(foo)?bar|x"), None);
        assert_eq!(literals(r"\bLimiter\(|\d+"), None);
        assert_eq!(literals(r"^\s*[a-z]+:\s*\d"), None);
        assert_eq!(literals(r"(abc)*"), None);
    }

    #[test]
    fn alternatives_each_need_a_literal() {
        assert_eq!(
            literals(r"\bUnleashClient\(|\bnew\s+Unleash\("),
            owned(&["unleash(", "unleashclient("])
        );
    }

    #[test]
    fn a_bad_pattern_is_an_error() {
        assert!(required_literals("(unclosed").is_err());
        assert!(Prefilter::new(["ok", "(unclosed"]).is_err());
    }

    /// Large repetitions give no literal instead of huge ones.
    #[test]
    fn large_repetitions_count_as_unknown_text() {
        assert_eq!(literals(r"a{100000}"), None);
        assert_eq!(literals(r"ba{0,100000}c"), None);
        assert_eq!(literals(r"token_a{3}"), owned(&["token_aaa"]));
    }
}
