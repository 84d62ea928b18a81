//! Cloud Build trigger definitions, in the shape `gcloud builds triggers import` reads: what
//! starts a build (a push to a branch or tag, a pull request, a Pub/Sub message, a webhook, a
//! person) and which build runs (`build:` holds it, `filename:` names a build file of the
//! repository). A trigger with its build inline is a pipeline of its own; a trigger naming a
//! file gives that build its triggers, as every trigger naming the same file does.
//!
//! A trigger may hold its builds for approval (`approvalConfig: {approvalRequired: true}`); a
//! build waits for approval only if every trigger starting it does. Not read: `autodetect:`
//! (the build Cloud Build would find) and substitutions.

use std::collections::{HashMap, HashSet};

use super::{Context, Read, build_pipeline};
use crate::inventory::FileKind;
use crate::parse::yaml::Node;
use crate::pipeline::{CiSystem, Pipeline, Pipelines, Triggers, Unparsed, is_demonstration, join};

/// Keys that only a trigger definition has at its top.
const TRIGGER_KEYS: &[&str] = &[
    "github",
    "triggerTemplate",
    "repositoryEventConfig",
    "bitbucketServerTriggerConfig",
    "gitlabEnterpriseEventsConfig",
    "pubsubConfig",
    "webhookConfig",
    "sourceToBuild",
    "gitFileSource",
    "filename",
    "build",
    "autodetect",
];

/// The repository event settings of each kind of connected repository, all with `push:` and
/// `pullRequest:` written alike.
const REPOSITORY_EVENTS: &[&str] = &[
    "github",
    "repositoryEventConfig",
    "bitbucketServerTriggerConfig",
    "gitlabEnterpriseEventsConfig",
];

/// A build file that a trigger names, and what starts it.
pub(in crate::pipeline) struct Start {
    build_file: String,
    triggers: Triggers,
}

pub(super) fn is_trigger(root: &Node) -> bool {
    TRIGGER_KEYS.iter().any(|key| root.get(key).is_some())
}

/// Every trigger of the file (one a document): the pipelines of inline builds, and the build
/// files named.
pub(super) fn read(
    path: &str,
    lines: &[&str],
    documents: &[Node],
    context: &Context,
) -> Result<Read, String> {
    let mut read = Read {
        pipelines: Vec::new(),
        starts: Vec::new(),
    };
    for trigger in documents.iter().filter(|d| is_trigger(d)) {
        let triggers = triggers_of(path, trigger);
        if let Some(build) = trigger.get("build") {
            let mut pipeline = build_pipeline(path, lines, build, context)
                .map_err(|_| "a Cloud Build trigger's `build:` must have a list of `steps:`")?;
            if let Some(name) = trigger.get("name").and_then(Node::as_str) {
                pipeline.name = name.to_string();
            }
            pipeline.triggers = triggers;
            read.pipelines.push(pipeline);
        } else if let Some(file) = build_file(trigger) {
            read.starts.push(Start {
                build_file: file.to_string(),
                triggers,
            });
        }
    }
    Ok(read)
}

/// The build file a trigger runs, from the repository's root.
fn build_file(trigger: &Node) -> Option<&str> {
    trigger
        .get("filename")
        .or_else(|| trigger.get("gitFileSource").and_then(|s| s.get("path")))
        .and_then(Node::as_str)
}

/// What starts the builds of one trigger. Every event it listens to is listed with the
/// trigger's name and file, since the build may be in another file.
fn triggers_of(path: &str, trigger: &Node) -> Triggers {
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
fn combine(into: &mut Triggers, from: Triggers) {
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
    // Builds wait for approval only if they do whichever trigger starts them.
    if from.approval.is_none() {
        into.approval = None;
    }
}

/// Gives each named build file the triggers of every trigger naming it, in place of the
/// triggers configured outside the repository it had. A named file not yet read as a build
/// (its name did not say it is one) is read now and joins the pipelines in path order.
pub(in crate::pipeline) fn start_named_builds(
    out: &mut Pipelines,
    starts: Vec<Start>,
    context: &Context,
) {
    // Where each build is: among the pipelines read already, or those read here.
    let mut builds: HashMap<String, (bool, usize)> = HashMap::new();
    for (index, pipeline) in out.pipelines.iter().enumerate() {
        if pipeline.system == CiSystem::CloudBuild {
            builds
                .entry(pipeline.path.clone())
                .or_insert((false, index));
        }
    }
    let mut added: Vec<Pipeline> = Vec::new();
    let mut started: HashSet<String> = HashSet::new();
    for start in starts {
        let Some(path) = join("", start.build_file.trim_start_matches('/')) else {
            continue;
        };
        let at = match builds.get(&path) {
            Some(&at) => at,
            None if out.unparsed.iter().any(|u| u.path == path) => continue,
            None => {
                let Some(pipeline) = read_named(&mut out.unparsed, &path, context) else {
                    continue;
                };
                added.push(pipeline);
                builds.insert(path.clone(), (true, added.len() - 1));
                (true, added.len() - 1)
            }
        };
        let pipeline = match at {
            (false, index) => &mut out.pipelines[index],
            (true, index) => &mut added[index],
        };
        if started.insert(path) {
            pipeline.triggers = start.triggers;
        } else {
            combine(&mut pipeline.triggers, start.triggers);
        }
    }
    if !added.is_empty() {
        out.pipelines.extend(added);
        // The pipelines were in path order; a stable sort places the new ones among them.
        out.pipelines.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

/// Reads a file a trigger names as its build, unless it is another kind of pipeline (or a
/// Cloud Build file, read already); a file that is no build is reported unparsed.
fn read_named(unparsed: &mut Vec<Unparsed>, path: &str, context: &Context) -> Option<Pipeline> {
    let file = context.inventory.get(path)?;
    let text = file.text.as_deref()?;
    let pipeline_kind = matches!(
        file.kind,
        FileKind::GithubWorkflow
            | FileKind::GithubAction
            | FileKind::GitlabCi
            | FileKind::CloudBuild
            | FileKind::OtherCi
    );
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    let readable = ["yaml", "yml", "json"]
        .iter()
        .any(|e| extension.eq_ignore_ascii_case(e));
    if pipeline_kind || !readable {
        return None;
    }
    match super::read(path, text, context) {
        Ok(read) if read.starts.is_empty() && read.pipelines.len() == 1 => {
            let mut pipeline = read.pipelines.into_iter().next()?;
            pipeline.demonstration |= is_demonstration(path, text);
            Some(pipeline)
        }
        Ok(_) => None,
        Err(reason) => {
            unparsed.push(Unparsed {
                path: path.to_string(),
                reason: format!("a Cloud Build trigger runs it as a build, but {reason}"),
            });
            None
        }
    }
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
