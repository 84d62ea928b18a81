//! A literal prefilter for many regular expressions at once.
//!
//! Almost every catalog pattern contains text that any match must include:
//! `\bsentry_sdk\.init\(` cannot match a file without `sentry_sdk.init(`, and
//! `^\s*(ruff|flake8)\b` cannot match one without `ruff` or `flake8`. Those required literals
//! are found in each pattern's syntax tree and searched for together with one Aho-Corasick
//! automaton; only the patterns whose literals occur are run as regular expressions. Most files
//! match nothing, so most files cost one linear scan instead of a regex set's overlapping
//! search, and nothing has to be compiled up front beyond the automaton.
//!
//! The filter is sound: a pattern is skipped only when none of its required literals occurs
//! (compared ignoring ASCII case, as the patterns are). A pattern without a literal of at least
//! [`MIN_LITERAL`] bytes is always run.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Shorter required literals occur in nearly every file and would filter nothing.
pub const MIN_LITERAL: usize = 3;

/// Literals any match of a pattern must contain: at least one of them occurs in the text.
#[derive(Clone, Debug, PartialEq)]
enum Required {
    /// Nothing is known; the pattern must always run.
    Anything,
    /// At least one of these (lower-case) byte strings occurs in every match.
    OneOf(Vec<Vec<u8>>),
}

impl Required {
    /// How selective the requirement is: its shortest literal, then fewer alternatives.
    fn quality(&self) -> (usize, std::cmp::Reverse<usize>) {
        match self {
            Required::Anything => (0, std::cmp::Reverse(0)),
            Required::OneOf(options) => (
                options.iter().map(Vec::len).min().unwrap_or(0),
                std::cmp::Reverse(options.len()),
            ),
        }
    }
}

/// Parses a pattern as the signal index compiles it and returns the literals one of which
/// every match contains, or `None` when it has none worth searching for.
///
/// # Errors
/// The parser's message when the pattern is not a valid regular expression.
pub fn required_literals(pattern: &str) -> Result<Option<Vec<Vec<u8>>>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    Ok(match required(&hir) {
        Required::OneOf(options) if options.iter().all(|o| o.len() >= MIN_LITERAL) => Some(options),
        _ => None,
    })
}

fn required(hir: &Hir) -> Required {
    if let Some(exact) = exact(hir) {
        return if exact.is_empty() {
            Required::Anything
        } else {
            Required::OneOf(vec![exact])
        };
    }
    match hir.kind() {
        HirKind::Capture(capture) => required(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required(&repetition.sub),
        HirKind::Alternation(branches) => {
            let mut options = Vec::new();
            for branch in branches {
                match required(branch) {
                    Required::Anything => return Required::Anything,
                    Required::OneOf(more) => options.extend(more),
                }
            }
            options.sort();
            options.dedup();
            Required::OneOf(options)
        }
        HirKind::Concat(parts) => best_in_sequence(parts),
        _ => Required::Anything,
    }
}

/// In a sequence, neighbouring exact parts join into one longer literal (zero-width
/// assertions between them take no room); the most selective requirement of any run or part
/// stands for the whole sequence.
fn best_in_sequence(parts: &[Hir]) -> Required {
    let mut best = Required::Anything;
    let mut run: Vec<u8> = Vec::new();
    let consider = |candidate: Required, best: &mut Required| {
        if candidate.quality() > best.quality() {
            *best = candidate;
        }
    };
    for part in parts {
        if matches!(part.kind(), HirKind::Look(_)) {
            continue;
        }
        if let Some(exact) = exact(part) {
            run.extend(exact);
            continue;
        }
        if !run.is_empty() {
            consider(Required::OneOf(vec![std::mem::take(&mut run)]), &mut best);
        }
        consider(required(part), &mut best);
    }
    if !run.is_empty() {
        consider(Required::OneOf(vec![run]), &mut best);
    }
    best
}

/// The one string a node matches, ignoring ASCII case, in lower case.
fn exact(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(literal) => Some(literal.0.to_ascii_lowercase()),
        HirKind::Class(class) => single_byte(class).map(|b| vec![b]),
        HirKind::Capture(capture) => exact(&capture.sub),
        HirKind::Repetition(repetition) if Some(repetition.min) == repetition.max => {
            let one = exact(&repetition.sub)?;
            Some(one.repeat(repetition.min as usize))
        }
        HirKind::Concat(parts) => {
            let mut joined = Vec::new();
            for part in parts {
                if matches!(part.kind(), HirKind::Look(_)) {
                    return None;
                }
                joined.extend(exact(part)?);
            }
            Some(joined)
        }
        _ => None,
    }
}

/// A class of one byte, or of one ASCII letter in both cases (`[Ss]`).
fn single_byte(class: &Class) -> Option<u8> {
    let bytes: Vec<u8> = match class {
        Class::Bytes(class) => {
            let count: usize = class
                .ranges()
                .iter()
                .map(|r| usize::from(r.end() - r.start()) + 1)
                .sum();
            if count > 2 {
                return None;
            }
            class.iter().flat_map(|r| r.start()..=r.end()).collect()
        }
        Class::Unicode(class) => {
            let mut bytes = Vec::new();
            for range in class.iter() {
                if !range.end().is_ascii() || (range.end() as u32 - range.start() as u32) > 1 {
                    return None;
                }
                bytes.extend((range.start() as u8)..=(range.end() as u8));
            }
            if bytes.len() > 2 {
                return None;
            }
            bytes
        }
    };
    match bytes.as_slice() {
        [one] => Some(one.to_ascii_lowercase()),
        [a, b] if a.eq_ignore_ascii_case(b) && a != b => Some(a.to_ascii_lowercase()),
        _ => None,
    }
}

/// Finds, for a text, which of many patterns could match it.
#[derive(Debug)]
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// For each literal of the automaton, the patterns that require it.
    owners: Vec<Vec<usize>>,
    /// Patterns without a usable literal, run on every text.
    always: Vec<usize>,
    patterns: usize,
}

impl Prefilter {
    /// Builds the filter for `patterns`, naming the first one that does not parse.
    ///
    /// # Errors
    /// `bad pattern P: reason` for a pattern that is not a valid regular expression.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Prefilter, String> {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        let mut count = 0;
        for (index, pattern) in patterns.into_iter().enumerate() {
            count += 1;
            let required =
                required_literals(pattern).map_err(|e| format!("bad pattern {pattern}: {e}"))?;
            let Some(options) = required else {
                always.push(index);
                continue;
            };
            for literal in options {
                match literals.iter().position(|l| *l == literal) {
                    Some(at) => owners[at].push(index),
                    None => {
                        literals.push(literal);
                        owners.push(vec![index]);
                    }
                }
            }
        }
        let automaton = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&literals)
                    .map_err(|e| e.to_string())?,
            )
        };
        Ok(Prefilter {
            automaton,
            owners,
            always,
            patterns: count,
        })
    }

    /// The patterns that could match `text`, by index, in ascending order.
    pub fn candidates(&self, text: &[u8]) -> Vec<usize> {
        let mut marked = vec![false; self.patterns];
        for &index in &self.always {
            marked[index] = true;
        }
        if let Some(automaton) = &self.automaton {
            let mut seen = vec![false; self.owners.len()];
            for found in automaton.find_overlapping_iter(text) {
                let literal = found.pattern().as_usize();
                if std::mem::replace(&mut seen[literal], true) {
                    continue;
                }
                for &index in &self.owners[literal] {
                    marked[index] = true;
                }
            }
        }
        marked
            .iter()
            .enumerate()
            .filter_map(|(index, m)| m.then_some(index))
            .collect()
    }
}

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
            owned(&["getenv", "lookupenv"])
        );
        assert_eq!(literals(r"[Ss]ecret_[Kk]ey"), owned(&["secret_key"]));
        assert_eq!(literals(r"\x27/metrics\x27"), owned(&["'/metrics'"]));
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

    /// Soundness: every pattern that matches a text is among the candidates.
    #[test]
    fn candidates_include_every_matching_pattern() {
        let patterns = [
            r"\bsentry_sdk\.init\(",
            r"^\s*timeout-minutes:\s*\d",
            r"\bos\.(Getenv|LookupEnv)\(",
            r"\d{3}",
            r"\bUnleashClient\(|\bnew\s+Unleash\(",
        ];
        let filter = Prefilter::new(patterns).unwrap_or_else(|e| panic!("{e}"));
        let text = b"import os\nSENTRY_SDK.Init(dsn)\n  Timeout-Minutes: 5\nnew   unleash(x)";
        let candidates = filter.candidates(text);
        for (index, pattern) in patterns.iter().enumerate() {
            let regex = crate::catalog::index::compile(pattern).unwrap_or_else(|e| panic!("{e}"));
            if regex.is_match(text) {
                assert!(candidates.contains(&index), "{pattern} was filtered out");
            }
        }
        assert_eq!(candidates, vec![0, 1, 3, 4]);
        assert_eq!(filter.candidates(b"nothing here"), vec![3]);
    }
}
