//! The operations list of a Django migration, read as the calls Django runs forward.
//!
//! Generated migrations write `operations = [ ... ]`; hand-written ones also build the list
//! from names assigned at module level (`operations = RENAMES + [ ... ]`,
//! `operations = [*RENAMES, ...]`). Names assigned a list literal in the same file
//! (`RENAMES = [ ... ]`) are read in their place, through `+` and `*` unpacking; a name bound
//! any other way (a call, an import) is not followed.
//!
//! `SeparateDatabaseAndState` runs its `database_operations` against the database and applies
//! its `state_operations` to the model state only; both are read in place of the wrapper, the
//! latter marked [`Operation::state_only`] so they update the fields followed but report
//! nothing.

use super::calls::{Syntax, call_end, find_line_start, top_level_split};
use super::django_fields::field_class;

/// How deep names and wrappers are followed; deeper nesting is not read.
const MAX_DEPTH: usize = 8;

/// How many expressions one file may have read, names followed included.
const MAX_STEPS: usize = 4096;

/// One operation of the list.
pub(super) struct Operation<'t> {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub arguments: Vec<&'t str>,
    /// Listed in `state_operations`: Django changes its model state, not the database.
    pub state_only: bool,
}

/// The byte offset of `piece`, a slice of `text`, within `text`.
pub(super) fn offset_in(text: &str, piece: &str) -> usize {
    (piece.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// Whether an argument is passed by keyword (`name=value`).
fn is_keyword_argument(argument: &str) -> bool {
    let name_end = argument
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(argument.len());
    name_end > 0 && argument[name_end..].trim_start().starts_with('=')
}

impl<'t> Operation<'t> {
    /// The argument `name=`, or else the `position`-th positional argument.
    pub fn parameter(&self, name: &str, position: usize) -> Option<&'t str> {
        let by_name = self.arguments.iter().find_map(|a| {
            let rest = a.strip_prefix(name)?.trim_start().strip_prefix('=')?;
            (!rest.starts_with('=')).then_some(rest.trim())
        });
        by_name.or_else(|| {
            self.arguments
                .iter()
                .filter(|a| !is_keyword_argument(a))
                .nth(position)
                .copied()
        })
    }
}

/// The operations of the migration, in the order Django runs them.
pub(super) fn operation_list(text: &str) -> Vec<Operation<'_>> {
    let Some(line) = find_line_start(text, |l| {
        l.starts_with("operations =") || l.starts_with("operations=")
    }) else {
        return Vec::new();
    };
    let equals = line + text[line..].find('=').unwrap_or(0);
    let mut reader = Reader {
        text,
        out: Vec::new(),
        budget: MAX_STEPS,
    };
    reader.expression(equals + 1, 0, false);
    reader.out
}

/// Reads list expressions of one file, within a budget of steps so that names referring to
/// each other cannot make the reading grow without bound.
struct Reader<'t> {
    text: &'t str,
    out: Vec<Operation<'t>>,
    budget: usize,
}

impl<'t> Reader<'t> {
    /// Whether reading may go on, one step spent.
    fn spend(&mut self, depth: usize) -> bool {
        self.budget = self.budget.saturating_sub(1);
        self.budget > 0 && depth <= MAX_DEPTH
    }

    /// Reads the expression starting at `from`: lists, names and parenthesised terms joined
    /// by `+` on the same line.
    fn expression(&mut self, from: usize, depth: usize, state_only: bool) {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let mut at = from;
        while self.spend(depth) {
            at += text[at..].len() - text[at..].trim_start_matches([' ', '\t', '+', '\\']).len();
            match bytes.get(at) {
                Some(b'[') => {
                    let close = call_end(bytes, at, Syntax::Python);
                    self.list(
                        (at + 1, super::calls::inner_end(text, close)),
                        depth,
                        state_only,
                    );
                    at = close;
                }
                Some(b'(') => {
                    // Inside parentheses the terms may run over several lines.
                    let close = call_end(bytes, at, Syntax::Python);
                    for term in plus_terms(text, at + 1, super::calls::inner_end(text, close)) {
                        self.expression(offset_in(text, term), depth + 1, state_only);
                    }
                    at = close;
                }
                Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                    let end = (at..bytes.len())
                        .find(|&i| !(bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_'))
                        .unwrap_or(bytes.len());
                    self.named_list(&text[at..end], depth, state_only);
                    at = end;
                }
                _ => return,
            }
        }
    }

    /// Reads the list assigned to `name` at module level (`NAME = [`), if the file has one.
    fn named_list(&mut self, name: &str, depth: usize, state_only: bool) {
        let text = self.text;
        let assignment = find_line_start(text, |l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.trim_start().strip_prefix('='))
                .is_some_and(|value| !value.starts_with('='))
        });
        let Some(line) = assignment.filter(|&at| !text[at..].starts_with([' ', '\t'])) else {
            return;
        };
        let equals = line + text[line..].find('=').unwrap_or(0);
        self.expression(equals + 1, depth + 1, state_only);
    }

    /// Reads the elements of a list whose inside is `text[from..to]`.
    fn list(&mut self, (from, to): (usize, usize), depth: usize, state_only: bool) {
        let text = self.text;
        for element in top_level_split(text, from, to, Syntax::Python) {
            if let Some(unpacked) = element.strip_prefix('*') {
                self.expression(offset_in(text, unpacked), depth + 1, state_only);
                continue;
            }
            let Some(open) = element.find('(') else {
                continue;
            };
            let start = offset_in(text, element);
            let operation = Operation {
                start,
                end: start + call_end(element.as_bytes(), open, Syntax::Python),
                name: field_class(element),
                arguments: super::calls::arguments(element, Syntax::Python),
                state_only,
            };
            if operation.name != "SeparateDatabaseAndState" {
                self.out.push(operation);
                continue;
            }
            for (keyword, position, state) in [
                ("database_operations", 0, state_only),
                ("state_operations", 1, true),
            ] {
                if let Some(value) = operation.parameter(keyword, position) {
                    self.expression(offset_in(text, value), depth + 1, state);
                }
            }
        }
    }
}

/// The terms of `text[from..to]` between top-level `+` signs, trimmed.
fn plus_terms(text: &str, from: usize, to: usize) -> Vec<&str> {
    super::calls::split_top_level(text, from, to, Syntax::Python, b'+')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, bool)> {
        operation_list(text)
            .into_iter()
            .map(|o| (o.name, o.state_only))
            .collect()
    }

    #[test]
    fn module_level_lists_are_read_through_plus_and_unpacking() {
        let text = "A = [\n    migrations.RemoveField('m', 'a'),\n]\nB = [migrations.AddField('m', 'b', models.X())]\n\nclass Migration(migrations.Migration):\n    operations = (\n        A\n        + B\n        + [migrations.RunPython(f)]\n    )\n";
        let found: Vec<String> = names(text).into_iter().map(|n| n.0).collect();
        assert_eq!(found, ["RemoveField", "AddField", "RunPython"]);
        let unpacked = "A = [migrations.RemoveField('m', 'a')]\nclass Migration:\n    operations = [*A, migrations.DeleteModel('x')]\n";
        let found: Vec<String> = names(unpacked).into_iter().map(|n| n.0).collect();
        assert_eq!(found, ["RemoveField", "DeleteModel"]);
    }

    #[test]
    fn separate_database_and_state_is_opened() {
        let text = "class Migration:\n    operations = [\n        migrations.SeparateDatabaseAndState(\n            database_operations=[migrations.RunSQL('DROP TABLE t;')],\n            state_operations=[migrations.DeleteModel('T')],\n        ),\n    ]\n";
        assert_eq!(
            names(text),
            [
                ("RunSQL".to_string(), false),
                ("DeleteModel".to_string(), true)
            ]
        );
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for text in [
            "operations = A\nA = A + A\n",
            "operations = A\nA = (A + A + A + A + A + A + A + A + A + A)\n",
            "operations = (",
            "operations = [*",
            "operations = [migrations.SeparateDatabaseAndState(database_operations=",
            "operations = é + [",
        ] {
            let _ = operation_list(text);
        }
    }
}
