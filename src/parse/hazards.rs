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
    /// A person marked the operation as reviewed (strong_migrations' `safety_assured`): it is
    /// still reported, with less confidence that it is a fault, and not counted against the
    /// zero-downtime practice.
    pub reviewed: bool,
}

/// Appended to the finding message of a reviewed operation.
pub const REVIEWED: &str = " (marked safety_assured)";
/// Appended to the finding message of a Rails migration older than
/// `StrongMigrations.start_after`: applied long ago, and left unchecked on purpose.
pub const PREDATES: &str = " (before StrongMigrations.start_after)";

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

pub use crate::source::span;

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
