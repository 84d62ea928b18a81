//! What starts the builds of a Cloud Build trigger: its push, tag and pull-request filters
//! (from GitHub, Cloud Source Repositories and the other connected repositories), Pub/Sub and
//! webhook events, or a person; and how the triggers of one build add up.

use crate::parse::yaml::Node;
use crate::pipeline::Triggers;

/// The repository event settings of each kind of connected repository, all with `push:` and
/// `pullRequest:` written alike.
const REPOSITORY_EVENTS: &[&str] = &[
    "github",
    "repositoryEventConfig",
    "bitbucketServerTriggerConfig",
    "gitlabEnterpriseEventsConfig",
];

/// What starts the builds of one trigger. Every event it listens to is listed with the
/// trigger's name and file, since the build may be in another file.
pub(super) fn triggers_of(path: &str, trigger: &Node) -> Triggers {
    let name = trigger.get("name").and_then(Node::as_str);
    let origin = match name {
        Some(name) => format!("trigger {name} in {path}"),
        None => format!("trigger in {path}"),
    };
    let files: Vec<String> = [
        ("includedFiles", "files"),
        ("ignoredFiles", "ignored files"),
    ]
    .iter()
    .filter_map(|(key, label)| {
        let globs = trigger.get(key)?.strings();
        (!globs.is_empty()).then(|| format!("{label}: {}", globs.join(", ")))
    })
    .collect();
    let event = |what: &str, filters: Vec<String>| {
        let filters: Vec<String> = filters.into_iter().chain(files.iter().cloned()).collect();
        if filters.is_empty() {
            format!("{what} ({origin})")
        } else {
            format!("{what} [{}] ({origin})", filters.join("; "))
        }
    };
    let mut triggers = Triggers::default();
    let at = |key: &str| trigger.key_node(key).map(|k| super::location_of(path, k));
    if trigger.get("disabled").and_then(Node::as_bool) == Some(true) {
        triggers.events.push(format!("disabled ({origin})"));
        triggers.location = at("disabled");
        return triggers;
    }

    for key in REPOSITORY_EVENTS {
        let Some(config) = trigger.get(key) else {
            continue;
        };
        triggers.location = triggers.location.or_else(|| at(key));
        let declared = |event: &str| config.key_node(event).map(|k| super::location_of(path, k));
        if let Some(push) = config.get("push") {
            let text = |key: &str| push.get(key).and_then(Node::as_str);
            let inverted = push.get("invertRegex").and_then(Node::as_bool) == Some(true);
            let (pushes, filter) = on_push(text("branch"), text("tag"), inverted);
            combine(&mut triggers, pushes);
            triggers.events.push(event("push", filter));
            triggers
                .event_locations
                .extend(declared("push").map(|l| ("push", l)));
        }
        if let Some(pull_request) = config.get("pullRequest") {
            let text = |key: &str| pull_request.get(key).and_then(Node::as_str);
            let inverted = pull_request.get("invertRegex").and_then(Node::as_bool) == Some(true);
            let mut filters: Vec<String> = text("branch")
                .map(|b| branch_filter("base branch", b, inverted))
                .into_iter()
                .collect();
            filters.extend(text("commentControl").map(|c| format!("comment control: {c}")));
            triggers.pull_request = true;
            triggers.events.push(event("pull request", filters));
            let declared = declared("pullRequest").map(|l| ("pull_request", l));
            triggers.event_locations.extend(declared);
        }
    }
    // A Cloud Source Repositories trigger: pushes to the branch or tag its name matches.
    if let Some(template) = trigger.get("triggerTemplate") {
        let text = |key: &str| template.get(key).and_then(Node::as_str);
        let inverted = template.get("invertRegex").and_then(Node::as_bool) == Some(true);
        let (pushes, filter) = on_push(text("branchName"), text("tagName"), inverted);
        triggers.location = triggers.location.or_else(|| at("triggerTemplate"));
        combine(&mut triggers, pushes);
        triggers.events.push(event("push", filter));
        let declared = template
            .key_node("branchName")
            .or(template.key_node("tagName"));
        let declared = declared.map(|k| ("push", super::location_of(path, k)));
        triggers.event_locations.extend(declared);
    }
    for (key, what) in [
        ("pubsubConfig", "Pub/Sub message"),
        ("webhookConfig", "webhook"),
    ] {
        if trigger.get(key).is_some() {
            triggers.location = triggers.location.or_else(|| at(key));
            triggers.external = true;
            triggers.events.push(event(what, Vec::new()));
        }
    }
    // A trigger that listens to no event runs when someone starts it.
    if triggers.events.is_empty() {
        triggers.manual = true;
        triggers.location = at("name");
        triggers.events.push(event("started by hand", Vec::new()));
    }
    let approval = trigger
        .get("approvalConfig")
        .filter(|c| c.get("approvalRequired").and_then(Node::as_bool) == Some(true));
    triggers.approval = approval.and_then(|_| at("approvalConfig"));
    triggers
}

/// A push to the branch or tag a pattern matches, and the filter to list with it.
fn on_push(branch: Option<&str>, tag: Option<&str>, inverted: bool) -> (Triggers, Vec<String>) {
    let mut pushes = Triggers {
        push: true,
        tags_only: branch.is_none() && tag.is_some(),
        ..Triggers::default()
    };
    // A branch list is a filter only when it says which branches; an inverted pattern says
    // which ones not.
    if let Some(branch) = branch.filter(|_| !inverted) {
        pushes.push_branches.push(branch_name(branch));
    }
    let filter = match (branch, tag) {
        (Some(branch), _) => vec![branch_filter("branch", branch, inverted)],
        (None, Some(tag)) => vec![branch_filter("tag", tag, inverted)],
        (None, None) => Vec::new(),
    };
    (pushes, filter)
}

fn branch_filter(label: &str, pattern: &str, inverted: bool) -> String {
    if inverted {
        format!("{label} not matching: {pattern}")
    } else {
        format!("{label}: {pattern}")
    }
}

/// A branch pattern that matches one branch as that branch's name (`^main$` is `main`),
/// others as written.
fn branch_name(pattern: &str) -> String {
    let inner = pattern.strip_prefix('^').unwrap_or(pattern);
    let inner = inner.strip_suffix('$').unwrap_or(inner);
    let plain = !inner.is_empty()
        && (inner.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'));
    if plain { inner } else { pattern }.to_string()
}

/// Adds what starts `from` to `into`: a build runs on the events of all its triggers.
pub(super) fn combine(into: &mut Triggers, from: Triggers) {
    // A push to any branch makes a branch list no filter.
    let any_branch = |t: &Triggers| t.push && !t.tags_only && t.push_branches.is_empty();
    let unfiltered = any_branch(into) || any_branch(&from);
    into.merge(&from);
    into.external |= from.external;
    if unfiltered {
        into.push_branches.clear();
    } else {
        into.push_branches.extend(from.push_branches);
    }
    into.events.extend(from.events);
    into.event_locations.extend(from.event_locations);
    into.location = into.location.take().or(from.location);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_branch_patterns_are_branch_names() {
        assert_eq!(branch_name("^main$"), "main");
        assert_eq!(branch_name("^release/prod$"), "release/prod");
        assert_eq!(branch_name("^release-.*$"), "^release-.*$");
        assert_eq!(branch_name(".*"), ".*");
    }

    #[test]
    fn pushes_of_several_triggers_combine() {
        let mut all = Triggers::default();
        combine(&mut all, on_push(Some("^main$"), None, false).0);
        assert_eq!(all.push_branches, ["main"]);
        combine(&mut all, on_push(None, Some("^v.*$"), false).0);
        assert!(all.push && !all.tags_only);
        assert_eq!(all.push_branches, ["main"]);
        combine(&mut all, on_push(Some("^main$"), None, true).0);
        assert!(all.push_branches.is_empty());

        let mut tags = Triggers::default();
        combine(&mut tags, on_push(None, Some("^v.*$"), false).0);
        assert!(tags.push && tags.tags_only && tags.push_branches.is_empty());
    }
}
