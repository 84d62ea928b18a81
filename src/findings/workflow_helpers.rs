//! Helpers shared by the workflow audits: jobs, steps and triggers of a parsed workflow, and
//! locations of text inside a file.

use super::YamlFile;
use crate::parse::yaml::Node;
use crate::source::{self, Location};

/// The jobs of a workflow document, as (name key, job) pairs.
pub(crate) fn jobs(document: &Node) -> &[(Node, Node)] {
    document.get("jobs").map(Node::entries).unwrap_or(&[])
}

/// The steps of a job.
pub(crate) fn steps(job: &Node) -> &[Node] {
    job.get("steps").map(Node::items).unwrap_or(&[])
}

/// The steps of a local action that runs steps of its own (`runs.using: composite`).
pub(crate) fn action_steps(document: &Node) -> &[Node] {
    (document.get("runs"))
        .and_then(|runs| runs.get("steps"))
        .map(Node::items)
        .unwrap_or(&[])
}

/// The lists of steps in a workflow document (one per job) or in a local action's (its
/// `runs.steps`): steps of either run in a job, with the same context.
pub(crate) fn step_lists(document: &Node) -> impl Iterator<Item = &[Node]> {
    let action = action_steps(document);
    (jobs(document).iter().map(|(_, job)| steps(job))).chain((!action.is_empty()).then_some(action))
}

/// The path of the local action a step's `uses: ./folder` names (`folder/action.yml` or
/// `folder/action.yaml`), among `actions`. The folder is relative to the repository's root,
/// from a workflow or from another action alike.
pub(crate) fn local_action<'f>(uses: &str, actions: &[YamlFile<'f>]) -> Option<&'f str> {
    let folder = uses.strip_prefix("./")?.trim_end_matches('/');
    if folder.contains('@') {
        return None;
    }
    let folder = folder.strip_prefix("./").unwrap_or(folder);
    ["action.yml", "action.yaml"].iter().find_map(|name| {
        let path = if folder.is_empty() {
            (*name).to_string()
        } else {
            format!("{folder}/{name}")
        };
        let at = actions
            .binary_search_by(|a| a.path.cmp(path.as_str()))
            .ok()?;
        Some(actions[at].path)
    })
}

/// The event names a workflow runs on, whatever the shape of `on:`.
pub(crate) fn triggers(document: &Node) -> Vec<&str> {
    let Some(on) = document.get("on") else {
        return Vec::new();
    };
    if on.is_map() {
        on.entries()
            .iter()
            .filter_map(|(k, _)| k.as_str())
            .collect()
    } else {
        on.strings()
    }
}

/// The action a step or job calls, without its `@ref`, lower-cased.
pub(crate) fn action_name(uses: &str) -> String {
    uses.split('@').next().unwrap_or(uses).to_ascii_lowercase()
}

/// Whether `text` is a full 40-character commit SHA.
pub(crate) fn is_commit_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The location of the first occurrence of `needle` between lines `from` and `to`
/// (1-based, inclusive) of `text`.
pub(crate) fn locate_in_text(
    path: &str,
    text: &str,
    from: usize,
    to: usize,
    needle: &str,
) -> Option<Location> {
    source::lines_between(text, from, to).find_map(|(number, line)| {
        let byte = line.find(needle)?;
        let column = line[..byte].chars().count() + 1;
        Some(Location {
            path: path.to_string(),
            line: number,
            column,
            end_line: number,
            end_column: column + needle.chars().count(),
        })
    })
}

/// A whole line of `text` as a location, without its indentation.
pub(crate) fn line_location(path: &str, text: &str, line: usize) -> Location {
    let raw = source::line_of(text, line);
    let indent = raw.chars().take_while(|c| c.is_whitespace()).count();
    Location::line(path, line, indent + 1, raw.chars().count() + 1)
}

/// The version an action reference names, as (major, minor): the `@v4.4` of the reference,
/// or, after a commit pin, the `# v4.4.1` comment on the `uses:` line.
pub(crate) fn action_version(reference: Option<&str>, line: &str) -> Option<(u32, Option<u32>)> {
    let comment = line.split_once('#').map(|(_, c)| c.trim());
    [reference, comment].into_iter().flatten().find_map(|v| {
        let v = v.strip_prefix('v')?;
        let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
        Some((parts.next()??, parts.next().flatten()))
    })
}
