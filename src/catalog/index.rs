//! The catalog's signals compiled once into matchers: one regex set over commands, one over
//! application code, glob sets over paths. Patterns are matched as bytes with ASCII classes,
//! which keeps hundreds of long patterns cheap to compile and run.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::{Practice, SignalState};

fn builder(pattern: &str) -> RegexBuilder {
    let mut b = RegexBuilder::new(pattern);
    b.case_insensitive(true)
        .multi_line(true)
        .unicode(false)
        .size_limit(50 << 20);
    b
}

pub fn compile(pattern: &str) -> Result<Regex, String> {
    builder(pattern).build().map_err(|e| e.to_string())
}

/// A pattern compiled the first time it is needed: most patterns never match a given
/// repository, and the regex sets already proved that every pattern compiles.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_string(),
            compiled: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| compile(&self.pattern).ok())
            .as_ref()
    }
}

/// Compiles a set; when that fails, names the practice and pattern at fault.
fn checked_set(patterns: &[(&str, &str)]) -> Result<RegexSet, String> {
    let only: Vec<&str> = patterns.iter().map(|(_, p)| *p).collect();
    set(&only).map_err(|error| {
        patterns
            .iter()
            .find_map(|(id, p)| {
                compile(p)
                    .err()
                    .map(|e| format!("practice {id}: bad pattern {p}: {e}"))
            })
            .unwrap_or(error)
    })
}

fn set(patterns: &[&str]) -> Result<RegexSet, String> {
    RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .multi_line(true)
        .unicode(false)
        .size_limit(200 << 20)
        .dfa_size_limit(20 << 20)
        .build()
        .map_err(|e| e.to_string())
}

fn globs<'a>(globs: impl Iterator<Item = &'a str>) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        builder.add(
            GlobBuilder::new(glob)
                .case_insensitive(true)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("bad glob {glob}: {e}"))?,
        );
    }
    builder.build().map_err(|e| e.to_string())
}

/// A compiled signal: which practice it belongs to and the state it gives.
#[derive(Debug)]
pub struct Owner {
    pub practice: usize,
    pub state: SignalState,
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct SignalIndex {
    /// `run` patterns over CI commands.
    pub commands: RegexSet,
    pub command_regexes: Vec<LazyRegex>,
    pub command_owners: Vec<usize>,
    /// `code` patterns over application source.
    pub code: RegexSet,
    pub code_regexes: Vec<LazyRegex>,
    pub code_owners: Vec<Owner>,
    /// `content` signals: glob, then pattern. The set finds which patterns occur in a file;
    /// only those are compiled alone to locate the match.
    pub content: RegexSet,
    pub content_globs: GlobSet,
    pub content_regexes: Vec<LazyRegex>,
    pub content_owners: Vec<Owner>,
    /// `files` signals.
    pub file_globs: GlobSet,
    pub file_owners: Vec<Owner>,
}

impl SignalIndex {
    pub fn build(practices: &[Practice]) -> Result<SignalIndex, String> {
        let mut command_patterns = Vec::new();
        let mut command_owners = Vec::new();
        let mut code_patterns = Vec::new();
        let mut code_owners = Vec::new();
        let mut content_patterns = Vec::new();
        let mut content_owners = Vec::new();
        let mut file_owners = Vec::new();
        for (index, p) in practices.iter().enumerate() {
            for pattern in &p.run {
                command_patterns.push((p.id.as_str(), pattern.as_str()));
                command_owners.push(index);
            }
            for signal in &p.code {
                code_patterns.push((p.id.as_str(), signal.pattern.as_str()));
                code_owners.push(Owner {
                    practice: index,
                    state: signal.state,
                    note: signal.note.clone(),
                });
            }
            for signal in &p.content {
                content_patterns.push((p.id.as_str(), signal.pattern.as_str()));
                content_owners.push(Owner {
                    practice: index,
                    state: signal.state,
                    note: signal.note.clone(),
                });
            }
            for signal in &p.files {
                file_owners.push(Owner {
                    practice: index,
                    state: signal.state,
                    note: signal.note.clone(),
                });
            }
        }
        let lazy =
            |patterns: &[(&str, &str)]| patterns.iter().map(|(_, p)| LazyRegex::new(p)).collect();
        let all_content = practices
            .iter()
            .flat_map(|p| p.content.iter().map(|c| c.glob.as_str()));
        let all_files = practices
            .iter()
            .flat_map(|p| p.files.iter().map(|f| f.glob.as_str()));
        // The three sets are the bulk of start-up time; build them side by side.
        let (commands, (code, content)) = rayon::join(
            || checked_set(&command_patterns),
            || {
                rayon::join(
                    || checked_set(&code_patterns),
                    || checked_set(&content_patterns),
                )
            },
        );
        Ok(SignalIndex {
            commands: commands?,
            command_regexes: lazy(&command_patterns),
            command_owners,
            code: code?,
            code_regexes: lazy(&code_patterns),
            code_owners,
            content: content?,
            content_globs: globs(all_content)?,
            content_regexes: lazy(&content_patterns),
            content_owners,
            file_globs: globs(all_files)?,
            file_owners,
        })
    }

    /// Practices whose `run` patterns match a command. Parts of the command that only print
    /// (`|| echo "Playwright test results missing"`) are not read: naming a tool is not
    /// running it.
    pub fn command_practices(&self, command: &str) -> Vec<usize> {
        let working = without_prints(command);
        let mut out: Vec<usize> = self
            .commands
            .matches(working.as_bytes())
            .iter()
            .map(|i| self.command_owners[i])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A command without its `echo`/`printf` parts, split at `&&`, `||` and `;`.
fn without_prints(command: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = command;
    while !rest.is_empty() {
        let cut = ["&&", "||", ";"]
            .iter()
            .filter_map(|sep| rest.find(sep).map(|i| (i, sep.len())))
            .min();
        let (part, next) = match cut {
            Some((i, len)) => (&rest[..i], &rest[i + len..]),
            None => (rest, ""),
        };
        let first = part.split_whitespace().next().unwrap_or("");
        if !matches!(first, "echo" | "printf" | "#" | "") {
            parts.push(part.trim());
        }
        rest = next;
    }
    parts.join(" ; ")
}

#[cfg(test)]
mod tests {
    use super::without_prints;

    #[test]
    fn print_parts_are_dropped() {
        assert_eq!(
            without_prints("bun run report.ts > r.md || echo \"Playwright Test Results\""),
            "bun run report.ts > r.md"
        );
        assert_eq!(
            without_prints("echo start && pytest -q; printf done"),
            "pytest -q"
        );
        assert_eq!(
            without_prints("curl -fsS https://x | sh"),
            "curl -fsS https://x | sh"
        );
    }
}
