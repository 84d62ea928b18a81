//! What a migration can do to a running database: the operations that lock a table, rewrite
//! it or lose data, found in SQL files and in Alembic revisions alike and reported as findings.

use crate::source::Location;

/// The kind of risk an operation carries; each kind is one finding id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HazardKind {
    /// Drops, renames or retypes data that the running release still reads.
    Destructive,
    /// Adds a `NOT NULL` column without a default: fails on a table that has rows.
    NotNullWithoutDefault,
    /// Adds a column whose default is computed per row, which rewrites the table.
    VolatileDefault,
    /// Builds an index without `CONCURRENTLY`, blocking writes for the whole build.
    IndexLocksWrites,
    /// Adds a constraint or `SET NOT NULL` that scans the table under an exclusive lock.
    ValidatingConstraint,
    /// Takes strong locks without a `lock_timeout`, so it can queue behind a long query
    /// and block every other query meanwhile.
    MissingLockTimeout,
}

/// One risky operation at one place.
#[derive(Clone, Debug, PartialEq)]
pub struct Hazard {
    pub kind: HazardKind,
    pub location: Location,
    /// What the operation does, in words (`drops column orders.status`).
    pub message: String,
}

/// Appended to the message of an operation a person marked as reviewed (strong_migrations'
/// `safety_assured`). The operation is still reported, with less confidence that it is a
/// fault.
// NOTE: the mark travels in the message because every reader builds hazards field by field;
// the migration findings read it back and lower their confidence.
pub const REVIEWED: &str = " (marked safety_assured)";

/// Problems of an Alembic revision graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GraphProblemKind {
    MultipleHeads,
    MissingParent,
    Cycle,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GraphProblem {
    pub kind: GraphProblemKind,
    pub location: Location,
    pub message: String,
}

/// The location of bytes `start..end` of `text` (end exclusive), in lines and characters.
pub fn span(path: &str, text: &str, start: usize, end: usize) -> Location {
    let (line, column) = position(text, start);
    let (end_line, end_column) = position(text, end);
    Location {
        path: path.to_string(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// The 1-based line and character column of byte `at` of `text` (clamped to the text and to
/// a character boundary).
fn position(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = crate::source::lines_before(text, at) + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_lines_and_characters() {
        let text = "ab\ncdé f\n";
        let l = span("x", text, 3, 9);
        assert_eq!((l.line, l.column, l.end_line, l.end_column), (2, 1, 2, 6));
        let l = span("x", text, 0, 100);
        assert_eq!((l.end_line, l.end_column), (3, 1));
    }
}
