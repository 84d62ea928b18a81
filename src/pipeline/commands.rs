//! A script value (`run:`, a GitLab `script:` item) split into commands, each located on the
//! file line it came from.

use super::Command;
use crate::source::Location;

/// Splits a script value (`run:`, GitLab `script:` item) into commands, each located on the
/// file line it came from. Lines ending in `\` are joined with the next; comment lines dropped.
pub(crate) fn script_commands(
    path: &str,
    file_lines: &[&str],
    node: &crate::parse::yaml::Node,
) -> Vec<Command> {
    let Some(value) = node.as_str() else {
        return Vec::new();
    };
    let mut finder = LineFinder::new(file_lines, node);
    let mut commands = Vec::new();
    let mut pending: Option<Command> = None;
    for raw in value.lines() {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        let location = match finder.find(trimmed) {
            Some((line, column)) => {
                Location::line(path, line, column, column + trimmed.chars().count())
            }
            None => Location::line(path, node.span.line, node.span.column, node.span.end_column),
        };
        if trimmed.starts_with('#') && pending.is_none() {
            continue;
        }
        let piece = trimmed.trim_end_matches('\\').trim();
        match pending.as_mut() {
            Some(command) => {
                command.text.push(' ');
                command.text.push_str(piece);
            }
            None => {
                pending = Some(Command {
                    text: piece.to_string(),
                    location,
                })
            }
        }
        if !trimmed.ends_with('\\') {
            commands.extend(pending.take());
        }
    }
    commands.extend(pending);
    commands
}

/// Bytes past which a line is not searched for each value on it ([`LineFinder`]).
const LONG_LINE: usize = 64 * 1024;

/// Finds the lines of a script value in its file, in order, within the value's own span.
///
/// The search resumes where the previous line was found, and the bytes it may scan are
/// bounded by a few times the span's size, so a value of many lines packed into one long
/// line (a double-quoted `run: "a\\nb\\n..."`) costs linear time, not quadratic. Lines not
/// found once the budget is spent take the value's own location.
struct LineFinder<'a> {
    lines: &'a [&'a str],
    /// Index of the line the search resumes on, its byte offset and the characters before it.
    line: usize,
    byte: usize,
    chars: usize,
    /// One past the last line index the value spans.
    end: usize,
    budget: usize,
}

impl<'a> LineFinder<'a> {
    fn new(lines: &'a [&'a str], node: &crate::parse::yaml::Node) -> Self {
        let start = node.span.line.saturating_sub(1).min(lines.len());
        let end = node
            .span
            .end_line
            .max(node.span.line)
            .saturating_add(1)
            .min(lines.len());
        let span_bytes: usize = lines[start..end.max(start)]
            .iter()
            .map(|l| l.len() + 1)
            .sum();
        // A value on one very long line may share it with thousands of others (a flow
        // sequence of steps); searching the line for each of them would cost its length every
        // time, so such a value's commands are placed at the value itself.
        let shared_line = node.span.line == node.span.end_line && span_bytes > LONG_LINE;
        // The value starts at its own column: text before it on its first line belongs to
        // other nodes (`steps: [{name: make test}, {run: make test}]`).
        let skip = node.span.column.saturating_sub(1);
        let byte = (lines.get(start))
            .filter(|_| !shared_line)
            .and_then(|line| line.char_indices().nth(skip).map(|(at, _)| at))
            .unwrap_or(0);
        let chars = if byte == 0 { 0 } else { skip };
        Self {
            lines,
            line: start,
            byte,
            chars,
            end: end.max(start),
            budget: if shared_line {
                0
            } else {
                span_bytes.saturating_mul(4).saturating_add(64 * 1024)
            },
        }
    }

    /// The 1-based line and column of `needle` at or after the cursor, moving the cursor
    /// past it.
    fn find(&mut self, needle: &str) -> Option<(usize, usize)> {
        for index in self.line..self.end {
            let line = self.lines[index];
            let from = if index == self.line {
                self.byte.min(line.len())
            } else {
                0
            };
            let Some(rest) = line.get(from..) else {
                continue;
            };
            if self.budget < rest.len() {
                self.budget = 0;
                return None;
            }
            self.budget -= rest.len();
            if let Some(offset) = rest.find(needle) {
                let before = if index == self.line { self.chars } else { 0 };
                let column = before + rest[..offset].chars().count() + 1;
                self.line = index;
                self.byte = from + offset + needle.len();
                self.chars = column - 1 + needle.chars().count();
                return Some((index + 1, column));
            }
        }
        None
    }
}
