//! Positions in repository files: every claim the report makes points at one of these.

use schemars::JsonSchema;
use serde::Serialize;

/// A file that was read but could not be modelled (a CI file or a manifest), with the reason.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Unparsed {
    pub path: String,
    pub reason: String,
}

/// A place in a repository file. Lines and columns are 1-based; columns count characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
pub struct Location {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Location {
    /// A location that covers a whole file, used when the evidence is the file's existence.
    pub fn file(path: &str) -> Self {
        Self {
            path: path.to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }

    pub fn line(path: &str, line: usize, column: usize, end_column: usize) -> Self {
        Self {
            path: path.to_string(),
            line,
            column,
            end_line: line,
            end_column,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.line, self.column)
    }
}

/// Cuts a line of source down to a one-line snippet fit for a report: trimmed, control
/// characters replaced (repository content must never drive the terminal) and at most 120
/// characters long.
pub fn snippet(line: &str) -> String {
    let mut out: String = line
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(121)
        .collect();
    if out.chars().count() > 120 {
        out = out.chars().take(117).collect::<String>() + "...";
    }
    out
}

/// The text of line `n` (1-based) of `text`, without its line end.
pub fn line_of(text: &str, n: usize) -> &str {
    text.lines().nth(n.saturating_sub(1)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_strips_control_characters_and_caps_length() {
        assert_eq!(snippet("  run: echo \u{1b}[31mred  "), "run: echo  [31mred");
        let long = "x".repeat(300);
        assert_eq!(snippet(&long).chars().count(), 120);
        assert!(snippet(&long).ends_with("..."));
    }

    #[test]
    fn line_of_is_one_based() {
        assert_eq!(line_of("a\nb\nc", 2), "b");
        assert_eq!(line_of("a", 5), "");
    }
}
