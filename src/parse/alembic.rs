//! Alembic revisions read as text: the revision graph.
//!
//! Revisions are Python, but nothing here runs Python or parses it fully: generated revisions
//! assign `revision` and `down_revision` to literals at the top level and call `op.*` with
//! literal arguments, which a line scanner and a bracket matcher read exactly. Running the
//! files would execute repository code; a Python parser would be a large dependency for a few
//! assignments and calls. The operations of `upgrade()` are read by [`super::alembic_ops`].

use std::collections::{BTreeSet, HashMap};

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

/// How many heads a multiple-heads message names before it counts the rest: every head gets
/// its own message, so naming them all would make the messages quadratic in the heads.
const HEADS_NAMED: usize = 5;

/// The most characters of a revision id a message quotes. A finding message is cut to 200
/// characters, so a longer id would be cut anyway; cutting it here keeps one huge id from
/// being copied into every message that names it.
const ID_CHARACTERS: usize = 200;

/// The start of `id` that a message quotes.
fn shown(id: &str) -> &str {
    id.char_indices()
        .nth(ID_CHARACTERS)
        .map_or(id, |(end, _)| &id[..end])
}

/// The heads a multiple-heads message lists: the first few by name, then how many more.
fn head_names(heads: &[&Revision]) -> String {
    let named: Vec<&str> = heads
        .iter()
        .take(HEADS_NAMED)
        .map(|r| shown(&r.id))
        .collect();
    let named = named.join(", ");
    match heads.len().saturating_sub(HEADS_NAMED) {
        0 => named,
        more => format!("{named} and {more} more"),
    }
}

/// Heads, missing parents and cycles of the revisions in one versions folder. Parents may live
/// in another folder (`all` holds every revision id of the repository).
pub fn graph_problems(revisions: &[Revision], all: &BTreeSet<String>) -> Vec<GraphProblem> {
    let mut out = Vec::new();
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
                    "revision {} names parent {}, which does not exist",
                    shown(&r.id),
                    shown(parent)
                ),
            });
        }
    }
    let heads: Vec<&Revision> = revisions
        .iter()
        .filter(|r| !referenced.contains(r.id.as_str()))
        .collect();
    if heads.len() > 1 {
        let names = head_names(&heads);
        for head in &heads {
            out.push(GraphProblem {
                kind: GraphProblemKind::MultipleHeads,
                location: head.revision_at.clone(),
                message: format!(
                    "revision {} is one of {} heads ({names})",
                    shown(&head.id),
                    heads.len()
                ),
            });
        }
    }
    // A cycle: following parents from a revision comes back to it. Each cycle is reported
    // once, at its smallest revision id.
    for smallest in cycles(revisions) {
        let r = &revisions[smallest];
        out.push(GraphProblem {
            kind: GraphProblemKind::Cycle,
            location: r.parents_at.clone(),
            message: format!("revision {} is its own ancestor", shown(&r.id)),
        });
    }
    out
}

/// The revisions (by index) that stand for each cycle of the parent graph: the smallest id of
/// every strongly connected component that holds a cycle. Tarjan's algorithm, iterative, so
/// the cost is linear in revisions and parent links and deep chains cannot exhaust the stack.
fn cycles(revisions: &[Revision]) -> Vec<usize> {
    let index_of: HashMap<&str, usize> = revisions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = revisions
        .iter()
        .map(|r| {
            r.parents
                .iter()
                .filter_map(|p| index_of.get(p.as_str()).copied())
                .collect()
        })
        .collect();
    const UNSEEN: usize = usize::MAX;
    let n = revisions.len();
    let (mut order, mut low) = (vec![UNSEEN; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut next, mut found) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        // Each frame: a revision and how many of its parents have been followed.
        let mut frames = vec![(root, 0usize)];
        order[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut followed)) = frames.last_mut() {
            if let Some(&w) = edges[v].get(*followed) {
                *followed += 1;
                if order[w] == UNSEEN {
                    order[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] != order[v] {
                continue;
            }
            let mut component = Vec::new();
            while let Some(w) = stack.pop() {
                on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            let cyclic = component.len() > 1 || edges[v].contains(&v);
            if cyclic
                && let Some(&smallest) = component
                    .iter()
                    .min_by(|a, b| revisions[**a].id.cmp(&revisions[**b].id))
            {
                found.push(smallest);
            }
        }
    }
    found.sort_by(|a, b| revisions[*a].id.cmp(&revisions[*b].id));
    found
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

    fn revision_with(id: &str, parents: &[&str]) -> Revision {
        let at = Location::file("v.py");
        Revision {
            path: format!("{id}.py"),
            id: id.to_string(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            revision_at: at.clone(),
            parents_at: at,
        }
    }

    /// Each cycle once, at its smallest id; a chain leading into a cycle is not one.
    #[test]
    fn cycles_are_found_once_each() {
        let revisions = [
            revision_with("d", &["b"]),
            revision_with("b", &["c"]),
            revision_with("c", &["b"]),
            revision_with("e", &["e"]),
            revision_with("a", &[]),
            revision_with("f", &["a", "g"]),
            revision_with("g", &["h"]),
            revision_with("h", &["f"]),
        ];
        let ids: Vec<&str> = cycles(&revisions)
            .into_iter()
            .map(|i| revisions[i].id.as_str())
            .collect();
        assert_eq!(ids, ["b", "e", "f"]);
        assert!(cycles(&revisions[4..5]).is_empty());
    }

    #[test]
    fn many_heads_are_named_up_to_a_few_and_counted() {
        let two = [revision_with("c3", &[]), revision_with("d4", &[])];
        let all: BTreeSet<String> = ["c3", "d4"].map(String::from).into();
        let messages: Vec<String> = graph_problems(&two, &all)
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(messages[1], "revision d4 is one of 2 heads (c3, d4)");

        let many: Vec<Revision> = (0..7)
            .map(|i| revision_with(&format!("r{i}"), &[]))
            .collect();
        let problems = graph_problems(&many, &BTreeSet::new());
        assert_eq!(problems.len(), 7);
        assert_eq!(
            problems[6].message,
            "revision r6 is one of 7 heads (r0, r1, r2, r3, r4 and 2 more)"
        );
    }

    #[test]
    fn long_ids_are_quoted_only_as_far_as_a_message_shows() {
        let long = "x".repeat(5_000);
        let revisions = [revision_with(&long, &["missing"])];
        let problems = graph_problems(&revisions, &BTreeSet::new());
        assert_eq!(
            problems[0].message,
            format!(
                "revision {} names parent missing, which does not exist",
                &long[..200]
            )
        );
    }
}
