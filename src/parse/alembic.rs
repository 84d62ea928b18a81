//! Alembic revisions read as text: the revision graph.
//!
//! Revisions are Python, but nothing here runs Python or parses it fully: generated revisions
//! assign `revision` and `down_revision` to literals at the top level and call `op.*` with
//! literal arguments, which a line scanner and a bracket matcher read exactly. Running the
//! files would execute repository code; a Python parser would be a large dependency for a few
//! assignments and calls. The operations of `upgrade()` are read by [`super::alembic_ops`].

use std::collections::{BTreeMap, BTreeSet};

use super::hazards::{GraphProblem, GraphProblemKind};
use crate::source::Location;

/// One revision: its id, its parents and where they are written.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub path: String,
    pub id: String,
    pub parents: Vec<String>,
    pub revision_at: Location,
    pub parents_at: Location,
}

/// The string literals of a Python expression (`None`, `"a"`, `("a", "b")`).
pub(super) fn literals(expression: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expression;
    while let Some(open) = rest.find(['"', '\'']) {
        let quote = &rest[open..open + 1];
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            break;
        };
        out.push(after[..close].to_string());
        rest = &after[close + 1..];
    }
    out
}

/// The right-hand side of a top-level `name = ...` or `name: type = ...` line.
fn assignment<'t>(line: &'t str, name: &str) -> Option<&'t str> {
    let rest = line.strip_prefix(name)?;
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(typed) => typed.split_once('=')?.1,
        None => rest.strip_prefix('=')?,
    };
    (!rest.starts_with('=')).then_some(rest.trim())
}

/// The revision declared by one file, if it declares one.
pub fn revision(path: &str, text: &str) -> Option<Revision> {
    let mut id = None;
    let mut parents = None;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let whole = Location::line(path, i + 1, 1, line.chars().count() + 1);
        if let Some(value) = assignment(line, "revision") {
            id = literals(value).into_iter().next().map(|v| (v, whole));
        } else if let Some(value) = assignment(line, "down_revision") {
            // A tuple of merged parents may continue on the following lines.
            let mut value = value.to_string();
            if value.starts_with('(') {
                for next in lines.iter().skip(i + 1).take(20) {
                    if value.contains(')') {
                        break;
                    }
                    value.push_str(next);
                }
            }
            parents = Some((literals(&value), whole));
        }
    }
    let (id, revision_at) = id?;
    let (parents, parents_at) = parents.unwrap_or_else(|| (Vec::new(), revision_at.clone()));
    Some(Revision {
        path: path.to_string(),
        id,
        parents,
        revision_at,
        parents_at,
    })
}

/// Heads, missing parents and cycles of the revisions in one versions folder. Parents may live
/// in another folder (`all` holds every revision id of the repository).
pub fn graph_problems(revisions: &[Revision], all: &BTreeSet<String>) -> Vec<GraphProblem> {
    let mut out = Vec::new();
    let ids: BTreeSet<&str> = revisions.iter().map(|r| r.id.as_str()).collect();
    let referenced: BTreeSet<&str> = revisions
        .iter()
        .flat_map(|r| r.parents.iter().map(String::as_str))
        .collect();
    for r in revisions {
        for parent in r.parents.iter().filter(|p| !all.contains(*p)) {
            out.push(GraphProblem {
                kind: GraphProblemKind::MissingParent,
                location: r.parents_at.clone(),
                message: format!(
                    "revision {} names parent {parent}, which does not exist",
                    r.id
                ),
            });
        }
    }
    let heads: Vec<&Revision> = revisions
        .iter()
        .filter(|r| !referenced.contains(r.id.as_str()))
        .collect();
    if heads.len() > 1 {
        let names: Vec<&str> = heads.iter().map(|r| r.id.as_str()).collect();
        for head in &heads {
            out.push(GraphProblem {
                kind: GraphProblemKind::MultipleHeads,
                location: head.revision_at.clone(),
                message: format!(
                    "revision {} is one of {} heads ({})",
                    head.id,
                    heads.len(),
                    names.join(", ")
                ),
            });
        }
    }
    // A cycle: following parents from a revision comes back to it. Each cycle is reported
    // once, at its smallest revision id.
    let parents: BTreeMap<&str, &Vec<String>> = revisions
        .iter()
        .map(|r| (r.id.as_str(), &r.parents))
        .collect();
    for r in revisions {
        let mut stack: Vec<&str> = r.parents.iter().map(String::as_str).collect();
        let mut seen = BTreeSet::new();
        let mut cycle = false;
        while let Some(id) = stack.pop() {
            if id == r.id {
                cycle = true;
                break;
            }
            if !ids.contains(id) || !seen.insert(id) {
                continue;
            }
            stack.extend(
                parents
                    .get(id)
                    .into_iter()
                    .flat_map(|p| p.iter().map(String::as_str)),
            );
        }
        let smallest = seen.iter().all(|s| *s >= r.id.as_str());
        if cycle && smallest {
            out.push(GraphProblem {
                kind: GraphProblemKind::Cycle,
                location: r.parents_at.clone(),
                message: format!("revision {} is its own ancestor", r.id),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_and_merge_parents() {
        let r = revision(
            "v.py",
            "revision: str = \"b\"\ndown_revision: Union[str, None] = (\n    \"a\",\n    'c',\n)\n",
        )
        .unwrap();
        assert_eq!(
            (r.id.as_str(), r.parents.clone()),
            ("b", vec!["a".to_string(), "c".to_string()])
        );
        let r = revision("v.py", "revision = 'a'\ndown_revision = None\n").unwrap();
        assert!(r.parents.is_empty());
        assert!(revision("v.py", "x = 1\n").is_none());
    }
}
