//! GitHub Actions workflows and local composite actions into the pipeline model.

use std::collections::HashMap;

use super::composite::LocalActions;
use super::{
    CiSystem, Input, Job, JobGraph, Pipeline, Step, Triggers, location_of, script_commands,
};
use crate::inventory::{FileKind, Inventory};
use crate::parse::yaml::{self, Node, Value};

mod inherit;
mod variables;
pub use inherit::{inherit_caller_triggers, inherit_workflow_run_triggers};
use variables::Scope;

/// Reads every local composite action (`action.yml` under the repository) and expands the
/// local actions its steps use in turn.
pub fn local_actions(inventory: &Inventory) -> LocalActions {
    let no_actions = LocalActions::default();
    let mut raw: HashMap<String, Vec<Step>> = HashMap::new();
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
                    .flat_map(|n| parse_step(&file.path, &lines, n, &no_actions, None))
                    .collect()
            })
            .unwrap_or_default();
        let folder = file
            .path
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default();
        raw.insert(folder, steps);
    }
    LocalActions::expand(&raw)
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
    let workflow_env = super::variables_of(root.get("env"));
    let workflow_lookup = variables::env_of(&workflow_env);
    let jobs = root
        .get("jobs")
        .map(|jobs| {
            jobs.entries()
                .iter()
                .filter_map(|(key, body)| {
                    key.as_str().map(|id| {
                        parse_job(path, &lines, id, (key, body), &workflow_lookup, actions)
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut jobs: Vec<Job> = jobs;
    if !workflow_env.is_empty() {
        for job in &mut jobs {
            job.variables.extend(workflow_env.iter().cloned());
        }
    }
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
        // GitHub has no `!reference`; a tagged list names no events.
        Value::Null | Value::Reference(_) => {}
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
    (key, body): (&Node, &Node),
    workflow_env: &variables::Env,
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
    let job_variables = super::variables_of(body.get("env"));
    let job_env = variables::env_of(&job_variables);
    let matrix = body.get("strategy").and_then(|s| s.get("matrix"));
    let matrix_values = variables::Matrix::new(matrix);
    let steps = body
        .get("steps")
        .map(|s| {
            let items = s.items();
            items
                .iter()
                .enumerate()
                .flat_map(|(i, n)| {
                    let mut steps = parse_step(path, lines, n, actions, directory);
                    if let Some(first) = steps.first_mut() {
                        let step_variables = super::variables_of(n.get("env"));
                        let step_env = variables::env_of(&step_variables);
                        let scope = Scope {
                            env: [&step_env, &job_env, workflow_env],
                            matrix: &matrix_values,
                        };
                        first.commands = scope.fill(std::mem::take(&mut first.commands));
                        if failure_checked_later(n, &items[i + 1..]) {
                            first.non_blocking = false;
                        }
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
        matrix: matrix
            .map(|m| super::matrix_axes(path, m))
            .unwrap_or_default(),
        has_timeout: body.get("timeout-minutes").is_some(),
        self_hosted: runs_on.is_some_and(|r| r.contains("self-hosted")),
        permissions: body.get("permissions").map(describe_permissions),
        serialised: body.get("concurrency").is_some(),
        variables: std::iter::once(body.get("env"))
            .chain(
                body.get("steps")
                    .iter()
                    .flat_map(|s| s.items().iter().map(|n| n.get("env"))),
            )
            .flat_map(super::variables_of)
            .collect(),
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
        waits_for: None,
    };
    // A `run:` located by its first command reads better than the step's `-` marker.
    if let Some(first) = step.commands.first()
        && step.uses.is_none()
    {
        step.location = first.location.clone();
    }
    actions.with_inlined(step)
}
