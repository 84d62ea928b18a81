//! Suppressions: the repository's owners say a finding does not apply, and why.
//!
//! Two sources: a comment on the finding's line or the line above,
//! `# shipready: ignore[finding-id, other-id] reason`, and `[[suppress]]` entries in
//! `.shipready.toml` at the repository root (`id`, optional `path` glob, `reason`, optional
//! `expires = "YYYY-MM-DD"`). A reason is required: a suppression without one is reported as
//! an `invalid-suppression` finding and not applied. An expired entry stops applying the day
//! after its date, measured against the date the caller passes (the CLI passes today, so output
//! depends on the date only in repositories that set expiries); without a date nothing expires.
//! Suppressed findings stay in the report, marked with the reason.

use std::collections::HashMap;
use std::sync::LazyLock;

use globset::Glob;
use regex::Regex;
use regex::bytes::{RegexSet, RegexSetBuilder};
use serde::Deserialize;

use super::{Finding, Rule, Severity, Suppression, SuppressionKind, line_location};
use crate::evidence::Confidence;
use crate::inventory::Inventory;
use crate::source::{self, Location};

pub const INVALID_RULE: Rule = Rule {
    id: "invalid-suppression",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "suppression without a reason, or with an unreadable expiry",
    help: "give every suppression a reason (`# shipready: ignore[id] why it does not apply`, \
           or `reason = \"...\"` in .shipready.toml) and write expiries as YYYY-MM-DD",
    practices: &[],
};

/// The configuration file read from the repository root.
pub const CONFIG_FILE: &str = ".shipready.toml";

static INLINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"shipready:\s*ignore\[([^\]]*)\]\s*(.*)$").ok());

#[derive(Deserialize, Default)]
struct Config {
    #[serde(default)]
    suppress: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    path: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
}

/// The longest path glob compiled. Real ones name a folder or a few files; a longer one is
/// reported as too large to match, as one whose compiled form exceeds the regex size limit.
const MAX_GLOB_BYTES: usize = 4096;

/// How many path globs are matched together. A set of a few hundred globs compiles to a small
/// automaton that reads a path once; thousands in one can pass the regular expression
/// engine's size limit.
const GLOBS_PER_SET: usize = 256;

/// Compiles the regular expressions of globs into one set, as `globset` compiles one glob.
fn glob_set<'g>(globs: impl IntoIterator<Item = &'g Glob>) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(globs.into_iter().map(Glob::regex))
        .dot_matches_new_line(true)
        .size_limit(10 << 20)
        .build()
}

/// The usable entries of one rule, with their path globs matched together.
#[derive(Default)]
struct RuleEntries {
    /// The first entry without a path, which applies to every finding of the rule.
    everywhere: Option<usize>,
    /// Sets of path globs, each with the entry of each of its globs, in file order.
    sets: Vec<(RegexSet, Vec<usize>)>,
    /// Globs not yet in a set, with their entries.
    pending: Vec<(Glob, usize)>,
    /// Entries whose glob is too long to compile.
    too_large: Vec<usize>,
    /// The first entry that applies to each path a finding of the rule is in.
    first_by_path: HashMap<String, Option<usize>>,
}

impl RuleEntries {
    /// Adds the entry at `index`, limited to paths that `glob` matches.
    fn add(&mut self, glob: Glob, index: usize) {
        self.pending.push((glob, index));
    }

    /// Compiles the globs into sets, and gives the entries of those too large to compile.
    fn compile(&mut self) -> Vec<usize> {
        let mut too_large = std::mem::take(&mut self.too_large);
        let pending = std::mem::take(&mut self.pending);
        for chunk in pending.chunks(GLOBS_PER_SET) {
            if let Ok(set) = glob_set(chunk.iter().map(|(glob, _)| glob)) {
                self.sets
                    .push((set, chunk.iter().map(|(_, i)| *i).collect()));
                continue;
            }
            // One glob too large spoils its set: the others are matched one by one.
            for (glob, index) in chunk {
                match glob_set([glob]) {
                    Ok(set) => self.sets.push((set, vec![*index])),
                    Err(_) => too_large.push(*index),
                }
            }
        }
        too_large
    }

    /// The first entry, in file order, that applies to a finding in `path`.
    fn first_for(&mut self, path: &str) -> Option<usize> {
        if let Some(first) = self.first_by_path.get(path) {
            return *first;
        }
        let mut first = self.everywhere;
        for (set, entries) in &self.sets {
            // Entries only grow from set to set: a later set cannot hold an earlier one.
            if first.is_some_and(|f| entries.first().is_none_or(|e| *e > f)) {
                break;
            }
            let matched = set.matches(path.as_bytes());
            let earliest = matched.iter().filter_map(|glob| entries.get(glob)).min();
            if let Some(&entry) = earliest {
                first = Some(first.map_or(entry, |f| f.min(entry)));
            }
        }
        self.first_by_path.insert(path.to_string(), first);
        first
    }
}

/// Whether `date` reads as `YYYY-MM-DD`.
fn is_date(date: &str) -> bool {
    let bytes = date.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

/// The rule ids an inline suppression comment names, and its reason.
type Comment = (Vec<String>, String);

/// An inline suppression comment on `line`: the ids of rules it names, each once, and its
/// reason cut to one line of [`super::one_line`]. Names that are no rule's are left out: a
/// comment naming 100,000 of them was searched in full for every finding on the next line.
fn inline(line: &str) -> Option<Comment> {
    let captures = INLINE.as_ref()?.captures(line)?;
    let mut ids: Vec<String> = Vec::new();
    for id in captures.get(1)?.as_str().split(',').map(str::trim) {
        if super::rule(id).is_some() && !ids.iter().any(|i| i == id) {
            ids.push(id.to_string());
        }
    }
    let reason = captures.get(2).map(|r| r.as_str().trim()).unwrap_or("");
    Some((ids, super::one_line(reason)))
}

fn invalid(location: Location, message: String, text: &str) -> Finding {
    Finding::new(&INVALID_RULE, location, message, text)
}

/// The repository's suppressions, read once and applied to each audit's findings in turn.
pub struct Suppressions<'a> {
    inventory: &'a Inventory,
    /// The usable entries of `.shipready.toml`, by rule. Each rule's path globs are matched
    /// together, once for each path its findings are in, so thousands of entries and
    /// thousands of findings of one rule do not match every glob against every finding.
    rules: HashMap<String, RuleEntries>,
    entries: Vec<Entry>,
    /// Each line read for a suppression comment, with what it says: many findings can share
    /// a line (a long tuple, a generated file), and each line is read once.
    comments: HashMap<(String, usize), Option<Comment>>,
    /// Comments without a reason already reported, by path and line.
    reported_comments: std::collections::BTreeSet<(String, usize)>,
    /// `invalid-suppression` findings for the unusable suppressions.
    problems: Vec<Finding>,
}

impl<'a> Suppressions<'a> {
    /// Reads `.shipready.toml`; its unusable entries become `invalid-suppression` findings.
    /// Entries that expired before `today` are left out.
    pub fn new(inventory: &'a Inventory, today: Option<&str>) -> Self {
        let mut out = Suppressions {
            inventory,
            rules: HashMap::new(),
            entries: Vec::new(),
            comments: HashMap::new(),
            reported_comments: Default::default(),
            problems: Vec::new(),
        };
        let Some(config_text) = inventory.get(CONFIG_FILE).and_then(|f| f.text.as_deref()) else {
            return out;
        };
        let config: Config = match toml::from_str(config_text) {
            Ok(config) => config,
            Err(error) => {
                out.problems.push(invalid(
                    Location::file(CONFIG_FILE),
                    format!("{CONFIG_FILE} cannot be read: {}", error.message()),
                    config_text,
                ));
                return out;
            }
        };
        // A file of thousands of entries, each reported, would otherwise count lines from the
        // top of the file for every report.
        let _config_scope = source::LineScope::new(config_text);
        let headers: Vec<usize> = config_text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("[[suppress]]"))
            .map(|(i, _)| i + 1)
            .collect();
        // Where an entry starts, worked out only when a problem with it is reported.
        let at = |index: usize| {
            headers
                .get(index)
                .map(|line| line_location(CONFIG_FILE, config_text, *line))
                .unwrap_or_else(|| Location::file(CONFIG_FILE))
        };
        let problems = &mut out.problems;
        let rules = &mut out.rules;
        for (index, entry) in config.suppress.iter().enumerate() {
            let reason = entry.reason.as_deref().map(str::trim).unwrap_or("");
            if reason.is_empty() {
                problems.push(invalid(
                    at(index),
                    format!(
                        "suppression of `{}` gives no reason and is not applied",
                        entry.id
                    ),
                    config_text,
                ));
                continue;
            }
            if let Some(expires) = &entry.expires {
                if !is_date(expires) {
                    problems.push(invalid(
                        at(index),
                        format!(
                            "suppression of `{}` has an expiry that is not YYYY-MM-DD",
                            entry.id
                        ),
                        config_text,
                    ));
                    continue;
                }
                if today.is_some_and(|today| today > expires.as_str()) {
                    continue;
                }
            }
            let rule = rules.entry(entry.id.clone()).or_default();
            let path = entry.path.as_deref();
            if path.is_some_and(|glob| glob.len() > MAX_GLOB_BYTES) {
                // Compiling it would take hundreds of megabytes only to find it too large.
                rule.too_large.push(index);
                continue;
            }
            match path.map(Glob::new) {
                Some(Ok(glob)) => rule.add(glob, index),
                Some(Err(_)) => problems.push(invalid(
                    at(index),
                    format!("suppression of `{}` has an unreadable path glob", entry.id),
                    config_text,
                )),
                None => {
                    rule.everywhere.get_or_insert(index);
                }
            }
        }
        // Told after the other problems with the file's entries, in file order.
        let mut too_large: Vec<usize> = rules.values_mut().flat_map(RuleEntries::compile).collect();
        too_large.sort_unstable();
        for index in too_large {
            if let Some(entry) = config.suppress.get(index) {
                problems.push(invalid(
                    at(index),
                    format!(
                        "suppression of `{}` has a path glob too large to match",
                        entry.id
                    ),
                    config_text,
                ));
            }
        }
        // A reason is copied into each finding the entry suppresses: it is cut to one line.
        out.entries = config.suppress;
        for entry in &mut out.entries {
            entry.reason = entry.reason.as_deref().map(|r| super::one_line(r.trim()));
        }
        out
    }

    /// Marks the suppressed `findings`: by a comment on the finding's line or the one above,
    /// else by the first entry of `.shipready.toml` for its rule and path.
    pub fn apply(&mut self, findings: &mut [Finding]) {
        let mut scope: Option<(String, source::LineScope)> = None;
        for finding in findings.iter_mut() {
            let Some(text) =
                (self.inventory.get(&finding.location.path)).and_then(|f| f.text.as_deref())
            else {
                continue;
            };
            if scope
                .as_ref()
                .is_none_or(|(path, _)| *path != finding.location.path)
            {
                // The old scope is closed before the new one opens.
                drop(scope.take());
                scope = Some((finding.location.path.clone(), source::LineScope::new(text)));
            }
            for line in [
                finding.location.line,
                finding.location.line.saturating_sub(1),
            ] {
                if line == 0 {
                    continue;
                }
                let comment = (self.comments)
                    .entry((finding.location.path.clone(), line))
                    .or_insert_with(|| inline(source::line_of(text, line)));
                let Some((ids, reason)) = comment.as_ref() else {
                    continue;
                };
                if !ids.iter().any(|id| id == &finding.id) {
                    continue;
                }
                if reason.is_empty() {
                    let new =
                        (self.reported_comments).insert((finding.location.path.clone(), line));
                    if new {
                        self.problems.push(invalid(
                            line_location(&finding.location.path, text, line),
                            format!("suppression of `{}` gives no reason", finding.id),
                            text,
                        ));
                    }
                    continue;
                }
                finding.suppressed = Some(Suppression {
                    kind: SuppressionKind::InSource,
                    reason: reason.clone(),
                    expires: None,
                });
                break;
            }
        }
        drop(scope);

        for finding in findings.iter_mut() {
            if finding.suppressed.is_some() {
                continue;
            }
            let Some(rule) = self.rules.get_mut(finding.id.as_str()) else {
                continue;
            };
            let first = rule.first_for(&finding.location.path);
            let Some(entry) = first.and_then(|index| self.entries.get(index)) else {
                continue;
            };
            let reason = entry.reason.as_deref().unwrap_or("");
            finding.suppressed = Some(Suppression {
                kind: SuppressionKind::External,
                reason: reason.to_string(),
                expires: entry.expires.clone(),
            });
        }
    }

    /// The `invalid-suppression` findings: unusable entries of `.shipready.toml`, and the
    /// comments without a reason among those `apply` read.
    pub fn problems(self) -> Vec<Finding> {
        self.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_comments() {
        assert_eq!(
            inline("  uses: a/b@v1 # shipready: ignore[unpinned-uses] vendored fork"),
            Some((
                vec!["unpinned-uses".to_string()],
                "vendored fork".to_string()
            ))
        );
        // Names that are no rule's are left out, and each rule is named once.
        assert_eq!(
            inline("# shipready: ignore[a, curl-pipe-shell, b,curl-pipe-shell]"),
            Some((vec!["curl-pipe-shell".to_string()], String::new()))
        );
        assert_eq!(
            inline("# shipready: ignore[unpinned-uses] a\treason"),
            Some((vec!["unpinned-uses".to_string()], "a reason".to_string()))
        );
        assert!(inline("uses: a/b@v1").is_none());
    }

    /// A set of globs matches a path exactly where `globset` matches each glob alone.
    #[test]
    fn globs_matched_together_match_as_each_alone() {
        let globs = [
            ".github/**/*.yml",
            "vendor/**",
            "**/*.Dockerfile",
            "*.yml",
            "src/{a,b}/*.rs",
            "docs/[a-c]?.md",
            "**",
            "a/**/b",
            "caf\u{e9}/*",
            "deploy/k8s/*.yaml",
        ];
        let paths = [
            ".github/workflows/ci.yml",
            "vendor/lib/x.go",
            "vendor",
            "build/app.Dockerfile",
            "ci.yml",
            "nested/ci.yml",
            "src/a/main.rs",
            "src/c/main.rs",
            "docs/b1.md",
            "docs/d1.md",
            "a/b",
            "a/x/y/b",
            "caf\u{e9}/menu",
            "deploy/k8s/api.yaml",
            "deploy/k8s/sub/api.yaml",
            "line\nbreak.yml",
        ];
        let globs: Vec<Glob> = globs.iter().map(|g| Glob::new(g).unwrap()).collect();
        let set = glob_set(&globs).unwrap();
        for path in paths {
            let together = set.matches(path.as_bytes());
            for (index, glob) in globs.iter().enumerate() {
                let alone = glob.compile_matcher().is_match(path);
                assert_eq!(together.matched(index), alone, "{} on {path}", glob.glob());
            }
        }
    }

    #[test]
    fn dates() {
        assert!(is_date("2026-01-31"));
        assert!(!is_date("2026-1-31"));
        assert!(!is_date("tomorrow!!"));
    }
}
