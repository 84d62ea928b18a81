//! GitHub Actions workflows and local composite actions into the pipeline model.

use std::collections::HashMap;

use super::{
    CiSystem, Input, Job, JobGraph, Pipeline, Step, Triggers, location_of, script_commands,
};
use crate::inventory::{FileKind, Inventory};
use crate::parse::yaml::{self, Node, Value};

/// Steps of local composite actions, keyed by the action's folder (`.github/actions/setup`).
pub type LocalActions = HashMap<String, Vec<Step>>;

pub fn local_actions(inventory: &Inventory) -> LocalActions {
    let mut actions = LocalActions::new();
    for file in inventory.of_kind(FileKind::GithubAction) {
        let Some(text) = file.text.as_deref() else {
            continue;
        };
        let Ok(documents) = yaml::parse(text) else {
            continue;
        };
        let Some(root) = documents.first() else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        let steps = root
            .get("runs")
            .and_then(|r| r.get("steps"))
            .map(|s| {
                s.items()
                    .iter()
                    .flat_map(|n| parse_step(&file.path, &lines, n, &LocalActions::new(), None))
                    .collect()
            })
            .unwrap_or_default();
        let folder = file
            .path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        actions.insert(folder, steps);
    }
    // Composite actions may use other local actions; follow them a few levels deep.
    actions
        .keys()
        .map(|k| (k.clone(), expand_local(&actions[k], &actions, 1)))
        .collect()
}

const MAX_ACTION_DEPTH: usize = 4;

fn expand_local(steps: &[Step], raw: &LocalActions, depth: usize) -> Vec<Step> {
    let mut out = Vec::new();
    for step in steps {
        out.push(step.clone());
        let local = step
            .uses
            .as_deref()
            .and_then(|u| u.strip_prefix("./"))
            .map(|d| d.trim_end_matches('/'));
        if let Some(inner) = local
            .and_then(|dir| raw.get(dir))
            .filter(|_| depth < MAX_ACTION_DEPTH)
        {
            out.extend(
                expand_local(inner, raw, depth + 1)
                    .into_iter()
                    .map(|mut s| {
                        s.non_blocking |= step.non_blocking;
                        s
                    }),
            );
        }
    }
    out
}

pub fn parse_workflow(path: &str, text: &str, actions: &LocalActions) -> Result<Pipeline, String> {
    let documents = yaml::parse(text).map_err(|e| format!("invalid YAML at {e}"))?;
    let root = documents
        .first()
        .ok_or_else(|| "empty workflow file".to_string())?;
    if !root.is_map() {
        return Err("a workflow must be a mapping with `on:` and `jobs:`".to_string());
    }
    // GitHub refuses a workflow with a repeated key: it never runs, so it earns no credit.
    if let Some(duplicate) = yaml::duplicate_keys(&documents).first() {
        return Err(format!(
            "`{}` is set twice (lines {} and {}); GitHub rejects the workflow, so it never runs",
            duplicate.name, duplicate.first_line, duplicate.span.line
        ));
    }
    let lines: Vec<&str> = text.lines().collect();
    let name = root
        .get("name")
        .and_then(Node::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path).to_string());
    let mut triggers = root.get("on").map(parse_triggers).unwrap_or_default();
    triggers.location = root.key_node("on").map(|key| location_of(path, key));
    let permissions = root
        .key_node("permissions")
        .zip(root.get("permissions"))
        .map(|(key, value)| (describe_permissions(value), location_of(path, key)));
    let jobs = root
        .get("jobs")
        .map(|jobs| {
            jobs.entries()
                .iter()
                .filter_map(|(key, body)| {
                    key.as_str()
                        .map(|id| parse_job(path, &lines, id, key, body, actions))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Pipeline {
        system: CiSystem::GithubActions,
        path: path.to_string(),
        name,
        triggers,
        jobs,
        permissions,
        has_concurrency: root.get("concurrency").is_some(),
        stages: Vec::new(),
        templates: Vec::new(),
        demonstration: false,
        graph: JobGraph::default(),
    })
}

fn parse_triggers(on: &Node) -> Triggers {
    let mut triggers = Triggers::default();
    let add = |event: &str, body: Option<&Node>, t: &mut Triggers| {
        let filters: Vec<String> = [
            "branches",
            "branches-ignore",
            "tags",
            "tags-ignore",
            "paths",
            "paths-ignore",
            "types",
            "workflows",
        ]
        .iter()
        .filter_map(|k| {
            body.and_then(|b| b.get(k))
                .map(|v| format!("{k}: {}", v.strings().join(", ")))
        })
        .collect();
        t.events.push(if filters.is_empty() {
            event.to_string()
        } else {
            format!("{event} [{}]", filters.join("; "))
        });
        match event {
            "pull_request" => t.pull_request = true,
            "pull_request_target" => t.pull_request_target = true,
            "merge_group" => t.merge_group = true,
            "schedule" => t.schedule = true,
            "workflow_dispatch" | "repository_dispatch" => {
                t.manual = true;
                t.dispatch_inputs = body
                    .and_then(|b| b.get("inputs"))
                    .map(|i| {
                        i.entries()
                            .iter()
                            .filter_map(|(k, _)| k.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
            }
            "workflow_call" => t.call = true,
            "release" => t.release = true,
            "workflow_run" => {
                t.after_workflows = body
                    .and_then(|b| b.get("workflows"))
                    .map(|w| w.strings().iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default();
                t.after_branches_only = body.and_then(|b| b.get("branches")).is_some();
            }
            "push" => {
                t.push = true;
                t.push_branches = body
                    .and_then(|b| b.get("branches"))
                    .map(|b| b.strings().iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default();
                let has = |k: &str| body.and_then(|b| b.get(k)).is_some();
                t.tags_only = (has("tags") || has("tags-ignore"))
                    && !has("branches")
                    && !has("branches-ignore")
                    && !has("paths");
            }
            _ => {}
        }
    };
    match &on.value {
        Value::Scalar { text, .. } => add(text, None, &mut triggers),
        Value::Seq(items) => {
            for item in items {
                if let Some(event) = item.as_str() {
                    add(event, None, &mut triggers);
                }
            }
        }
        Value::Map(entries) => {
            for (key, body) in entries {
                if let Some(event) = key.as_str() {
                    add(event, Some(body), &mut triggers);
                }
            }
        }
        Value::Null => {}
    }
    triggers
}

fn describe_permissions(node: &Node) -> String {
    match &node.value {
        Value::Scalar { text, .. } => text.clone(),
        Value::Map(entries) if entries.is_empty() => "{}".to_string(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}: {}",
                    k.as_str().unwrap_or("?"),
                    v.as_str().unwrap_or("?")
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => "{}".to_string(),
    }
}

fn parse_job(
    path: &str,
    lines: &[&str],
    id: &str,
    key: &Node,
    body: &Node,
    actions: &LocalActions,
) -> Job {
    let environment = body.get("environment").and_then(|env| {
        let name_node = if env.is_map() { env.get("name")? } else { env };
        Some((
            name_node.as_str()?.to_string(),
            location_of(path, name_node),
        ))
    });
    let mut images = Vec::new();
    if let Some(container) = body.get("container") {
        let image = if container.is_map() {
            container.get("image")
        } else {
            Some(container)
        };
        if let Some(image) =
            image.and_then(|i| i.as_str().map(|s| (s.to_string(), location_of(path, i))))
        {
            images.push(image);
        }
    }
    let mut service_images = Vec::new();
    if let Some(services) = body.get("services") {
        for (_, service) in services.entries() {
            let image = if service.is_map() {
                service.get("image")
            } else {
                Some(service)
            };
            if let Some(image) =
                image.and_then(|i| i.as_str().map(|s| (s.to_string(), location_of(path, i))))
            {
                service_images.push(image.0.clone());
                images.push(image);
            }
        }
    }
    let directory = body
        .get("defaults")
        .and_then(|d| d.get("run"))
        .and_then(|r| r.get("working-directory"))
        .and_then(Node::as_str);
    let steps = body
        .get("steps")
        .map(|s| {
            let items = s.items();
            items
                .iter()
                .enumerate()
                .flat_map(|(i, n)| {
                    let mut steps = parse_step(path, lines, n, actions, directory);
                    if failure_checked_later(n, &items[i + 1..])
                        && let Some(first) = steps.first_mut()
                    {
                        first.non_blocking = false;
                    }
                    steps
                })
                .collect()
        })
        .unwrap_or_default();
    let runs_on = body.get("runs-on").map(|r| match &r.value {
        Value::Map(_) => r
            .get("labels")
            .map(|l| l.strings().join(" "))
            .unwrap_or_default(),
        _ => r.strings().join(" "),
    });
    Job {
        id: id.to_string(),
        name: body
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or(id)
            .to_string(),
        location: location_of(path, key),
        needs: body
            .get("needs")
            .map(|n| n.strings().iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        condition: body.get("if").and_then(Node::as_str).map(str::to_string),
        environment,
        allow_failure: body.get("continue-on-error").and_then(Node::as_bool) == Some(true),
        manual: false,
        stage: None,
        schedule_only: false,
        steps,
        calls: body.get("uses").and_then(Node::as_str).map(str::to_string),
        images,
        service_images,
        matrix: body
            .get("strategy")
            .and_then(|s| s.get("matrix"))
            .map(|m| super::matrix_axes(path, m))
            .unwrap_or_default(),
        has_timeout: body.get("timeout-minutes").is_some(),
        self_hosted: runs_on.is_some_and(|r| r.contains("self-hosted")),
        sets_permissions: body.get("permissions").is_some(),
        serialised: body.get("concurrency").is_some(),
        deploys: std::sync::OnceLock::new(),
        simulated: std::sync::OnceLock::new(),
    }
}

/// Whether a step that may fail without failing the job (`continue-on-error: true`) fails it
/// after all: a later step runs only when the step's outcome is a failure
/// (`if: steps.precommit.outcome == 'failure'`) and exits non-zero. Such a step's
/// `conclusion` is success, its `outcome` is not.
fn failure_checked_later(step: &Node, later: &[Node]) -> bool {
    if step.get("continue-on-error").and_then(Node::as_bool) != Some(true) {
        return false;
    }
    let Some(id) = step.get("id").and_then(Node::as_str) else {
        return false;
    };
    let Ok(checks) = regex::Regex::new(&format!(
        r#"steps\.{}\.outcome\s*(==\s*['"]failure['"]|!=\s*['"]success['"])"#,
        regex::escape(id)
    )) else {
        return false;
    };
    let exits = |run: &str| {
        run.lines().any(|line| {
            let line = line.trim();
            line == "false"
                || line
                    .strip_prefix("exit")
                    .and_then(|code| code.trim().parse::<u32>().ok())
                    .is_some_and(|code| code != 0)
        })
    };
    later.iter().any(|n| {
        n.get("if")
            .and_then(Node::as_str)
            .is_some_and(|condition| checks.is_match(condition))
            && n.get("run").and_then(Node::as_str).is_some_and(exits)
    })
}

/// One step, followed by the steps of the local composite action it uses, if any.
fn parse_step(
    path: &str,
    lines: &[&str],
    node: &Node,
    actions: &LocalActions,
    default_directory: Option<&str>,
) -> Vec<Step> {
    let uses_ref = node.get("uses").and_then(Node::as_str).map(str::to_string);
    let uses = uses_ref
        .as_deref()
        .map(|u| u.split('@').next().unwrap_or(u).to_string());
    let inputs = node
        .get("with")
        .map(|with| {
            with.entries()
                .iter()
                .filter_map(|(k, v)| {
                    let value = match &v.value {
                        Value::Scalar { text, .. } => text.clone(),
                        Value::Null => String::new(),
                        _ => return None,
                    };
                    Some(Input {
                        name: k.as_str()?.to_string(),
                        value,
                        location: location_of(path, v),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let non_blocking = node.get("continue-on-error").and_then(Node::as_bool) == Some(true);
    let mut step = Step {
        name: node.get("name").and_then(Node::as_str).map(str::to_string),
        uses,
        uses_ref,
        inputs,
        commands: node
            .get("run")
            .map(|r| script_commands(path, lines, r))
            .unwrap_or_default(),
        non_blocking,
        location: location_of(path, node.get("uses").unwrap_or(node)),
        working_directory: node
            .get("working-directory")
            .and_then(Node::as_str)
            .or(default_directory)
            .map(str::to_string),
    };
    // A `run:` located by its first command reads better than the step's `-` marker.
    if let Some(first) = step.commands.first()
        && step.uses.is_none()
    {
        step.location = first.location.clone();
    }
    let mut out = Vec::new();
    let local = step
        .uses
        .as_deref()
        .and_then(|u| u.strip_prefix("./"))
        .map(|d| d.trim_end_matches('/').to_string());
    if let Some(inner) = local.and_then(|dir| actions.get(&dir)) {
        out.push(step);
        out.extend(inner.iter().cloned().map(|mut s| {
            s.non_blocking |= non_blocking;
            s
        }));
    } else {
        out.push(step);
    }
    out
}

/// A workflow started by another's completion (`workflow_run`) runs after every run of that
/// workflow, so on whatever starts it: a coverage upload after the pull-request tests runs for
/// every pull request. Chains are followed a few links deep.
pub fn inherit_workflow_run_triggers(pipelines: &mut [Pipeline]) {
    for _ in 0..3 {
        let sources: Vec<(String, String, Triggers)> = pipelines
            .iter()
            .map(|p| (p.name.clone(), p.path.clone(), p.triggers.clone()))
            .collect();
        let mut changed = false;
        for pipeline in pipelines.iter_mut() {
            let before = pipeline.triggers.clone();
            for (name, path, triggers) in &sources {
                if *path != pipeline.path
                    && pipeline
                        .triggers
                        .after_workflows
                        .iter()
                        .any(|w| w == name || w == path)
                {
                    let mut inherited = triggers.clone();
                    if pipeline.triggers.after_branches_only {
                        inherited.pull_request = false;
                        inherited.pull_request_target = false;
                        inherited.merge_group = false;
                    }
                    pipeline.triggers.merge(&inherited);
                }
            }
            changed |= pipeline.triggers != before;
        }
        if !changed {
            break;
        }
    }
}

/// A workflow that only runs when called (`workflow_call`) runs on whatever starts its callers.
pub fn inherit_caller_triggers(pipelines: &mut [Pipeline]) {
    let calls: Vec<(String, Triggers)> = pipelines
        .iter()
        .flat_map(|p| {
            p.jobs.iter().filter_map(|j| {
                let target = j.calls.as_deref()?.strip_prefix("./")?;
                Some((target.to_string(), p.triggers.clone()))
            })
        })
        .collect();
    for pipeline in pipelines.iter_mut().filter(|p| p.triggers.call) {
        for (target, triggers) in &calls {
            if *target == pipeline.path {
                pipeline.triggers.merge(triggers);
            }
        }
    }
}
