//! GitLab CI (`.gitlab-ci.yml`) into the pipeline model: local includes merged, `extends`
//! resolved, anchors and `<<` merge keys already resolved by the YAML reader, GitLab's own
//! templates recorded by name.

mod scripts;

use std::collections::{HashMap, HashSet};

use super::{
    CiSystem, Job, JobGraph, Pipeline, Step, Triggers, Unparsed, location_of, script_commands,
};
use crate::inventory::Inventory;
use crate::parse::yaml::{self, Node, Value};

const RESERVED: &[&str] = &[
    "stages",
    "include",
    "default",
    "variables",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "pages_config",
    "spec",
];

/// Jobs that GitLab's security templates define, by template. A job of that name in the
/// project's file overrides the template's job.
pub const TEMPLATE_JOBS: &[(&str, &[&str])] = &[
    (
        "SAST",
        &[
            "sast",
            "semgrep-sast",
            "nodejs-scan-sast",
            "bandit-sast",
            "gosec-sast",
            "spotbugs-sast",
            "brakeman-sast",
            "eslint-sast",
            "kubesec-sast",
        ],
    ),
    (
        "Secret-Detection",
        &["secret_detection", "secret-detection"],
    ),
    (
        "Dependency-Scanning",
        &[
            "dependency_scanning",
            "gemnasium-dependency_scanning",
            "gemnasium-python-dependency_scanning",
            "gemnasium-maven-dependency_scanning",
        ],
    ),
    ("Container-Scanning", &["container_scanning"]),
    ("DAST", &["dast"]),
    ("SAST-IaC", &["iac-sast", "kics-iac-sast"]),
];

/// Most local files a pipeline includes, as in GitLab.
const MAX_INCLUDES: usize = 150;

/// Reads the pipeline at `path` with its local includes; includes past [`MAX_INCLUDES`] are
/// told in `read_in_part`.
pub fn parse_pipeline(
    path: &str,
    text: &str,
    inventory: &Inventory,
    read_in_part: &mut Vec<Unparsed>,
) -> Result<Pipeline, String> {
    let documents = yaml::parse(text).map_err(|e| format!("invalid YAML at {e}"))?;
    let root = documents
        .first()
        .ok_or_else(|| "empty pipeline file".to_string())?;
    if !root.is_map() {
        return Err("a GitLab CI file must be a mapping of jobs".to_string());
    }

    // Local includes contribute jobs; keys in the main file win.
    let mut sources: Vec<(String, String, Node)> =
        vec![(path.to_string(), text.to_string(), root.clone())];
    let mut templates = Vec::new();
    let mut left_out = false;
    for include in root.get("include").map(include_entries).unwrap_or_default() {
        match include {
            Include::Template(name, node) => templates.push((name, location_of(path, &node))),
            Include::Local(local) => {
                let local = local.trim_start_matches('/');
                // A file included twice adds nothing the second time; GitLab itself allows
                // at most 150 includes.
                if sources.iter().any(|(p, ..)| p == local) {
                    continue;
                }
                if sources.len() > MAX_INCLUDES {
                    left_out = true;
                    continue;
                }
                let Some(file) = inventory.get(local) else {
                    continue;
                };
                let Some(body) = file.text.as_deref() else {
                    continue;
                };
                if let Ok(docs) = yaml::parse(body)
                    && let Some(doc) = docs.into_iter().next()
                {
                    sources.push((local.to_string(), body.to_string(), doc));
                }
            }
        }
    }

    if left_out {
        read_in_part.push(Unparsed {
            path: path.to_string(),
            reason: format!(
                "GitLab rejects a pipeline of more than {MAX_INCLUDES} includes; only the first \
                 {MAX_INCLUDES} local ones are read"
            ),
        });
    }

    // Each job and template by name, the first definition winning; duplicates in later
    // sources are skipped.
    let mut definitions: Vec<(&str, usize, &Node, &Node)> = Vec::new();
    let mut bodies: HashMap<&str, &Node> = HashMap::new();
    for (source, (_, _, doc)) in sources.iter().enumerate() {
        for (key, body) in doc.entries() {
            let Some(name) = key.as_str() else { continue };
            if RESERVED.contains(&name) || !body.is_map() || bodies.contains_key(name) {
                continue;
            }
            bodies.insert(name, body);
            definitions.push((name, source, key, body));
        }
    }

    let all_text: String = sources
        .iter()
        .map(|(_, t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let triggers = Triggers {
        push: true,
        pull_request: all_text.contains("merge_request_event")
            || all_text.contains("merge_requests"),
        schedule: all_text.contains("\"schedule\"") || all_text.contains("schedules"),
        manual: all_text.contains("when: manual"),
        events: vec!["push".to_string()],
        ..Triggers::default()
    };

    let scripts = scripts::ScriptSources::new(&sources);
    let mut resolved = HashMap::new();
    let mut jobs = Vec::new();
    for &(name, source, key, body) in &definitions {
        if name.starts_with('.') {
            continue;
        }
        let merged = resolve_extends(body, &bodies, &mut resolved, 0);
        jobs.push(parse_job(&scripts, source, name, key, &merged));
    }
    if scripts.exhausted() {
        read_in_part.push(Unparsed {
            path: path.to_string(),
            reason: format!(
                "`!reference` tags bring more than {} YAML nodes into the job scripts; the \
                 references past that are left out",
                scripts::REFERENCE_BUDGET
            ),
        });
    }

    Ok(Pipeline {
        system: CiSystem::GitlabCi,
        path: path.to_string(),
        name: path.to_string(),
        triggers,
        jobs,
        permissions: None,
        has_concurrency: false,
        stages: root
            .get("stages")
            .map(|s| s.strings().iter().map(|s| s.to_string()).collect())
            .unwrap_or_else(|| {
                [".pre", "build", "test", "deploy", ".post"]
                    .map(String::from)
                    .to_vec()
            }),
        templates,
        demonstration: false,
        graph: JobGraph::default(),
    })
}

enum Include {
    Template(String, Node),
    Local(String),
}

fn include_entries(node: &Node) -> Vec<Include> {
    let items: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out = Vec::new();
    for item in items {
        if let Some(text) = item.as_str() {
            if !text.starts_with("http") {
                out.push(Include::Local(text.to_string()));
            }
        } else if let Some(template) = item.get("template") {
            if let Some(name) = template.as_str() {
                let name = name
                    .trim_end_matches(".gitlab-ci.yml")
                    .trim_end_matches(".latest")
                    .to_string();
                out.push(Include::Template(name, template.clone()));
            }
        } else if let Some(local) = item.get("local").and_then(Node::as_str) {
            out.push(Include::Local(local.to_string()));
        }
    }
    out
}

/// Applies `extends:` (one name or a list; later parents win), up to ten levels deep.
/// How many `extends:` a job is followed through; GitLab itself stops at eleven.
const MAX_EXTENDS_DEPTH: usize = 10;

/// `body` with the keys of the jobs and templates it `extends:` merged in, its own keys and
/// then earlier parents winning. Each parent is resolved once (`resolved`), so a template that
/// many jobs extend, or that extends the same parent many times over, costs one merge.
fn resolve_extends<'d>(
    body: &'d Node,
    bodies: &HashMap<&'d str, &'d Node>,
    resolved: &mut HashMap<&'d str, Node>,
    depth: usize,
) -> Node {
    let parents = body.get("extends").map(Node::strings).unwrap_or_default();
    if parents.is_empty() || depth > MAX_EXTENDS_DEPTH {
        return body.clone();
    }
    let mut entries: Vec<(Node, Node)> = body
        .entries()
        .iter()
        .filter(|(k, _)| k.as_str() != Some("extends"))
        .cloned()
        .collect();
    let mut keys: HashSet<Option<String>> = entries
        .iter()
        .map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    for parent in parents.iter().rev() {
        let Some((&name, &parent_body)) = bodies.get_key_value(parent) else {
            continue;
        };
        let merged = match resolved.get(name) {
            Some(merged) => merged.clone(),
            None => {
                let merged = resolve_extends(parent_body, bodies, resolved, depth + 1);
                resolved.insert(name, merged.clone());
                merged
            }
        };
        for (key, value) in merged.entries() {
            if keys.insert(key.as_str().map(str::to_string)) {
                entries.push((key.clone(), value.clone()));
            }
        }
    }
    Node {
        value: Value::Map(entries),
        span: body.span,
    }
}

/// The job `name` written in the file at `source`, with its `extends:` already merged into
/// `body`.
fn parse_job(
    scripts: &scripts::ScriptSources,
    source: usize,
    name: &str,
    key: &Node,
    body: &Node,
) -> Job {
    let (path, _) = scripts.file(source);
    let script_step = |field: &str, non_blocking: bool| -> Option<Step> {
        let node = body.get(field)?;
        let commands = scripts
            .lines(source, node)
            .iter()
            .flat_map(|line| script_commands(line.path, line.lines, line.node))
            .collect::<Vec<_>>();
        Some(Step {
            name: Some(field.to_string()),
            uses: None,
            uses_ref: None,
            inputs: Vec::new(),
            location: commands
                .first()
                .map(|c| c.location.clone())
                .unwrap_or_else(|| location_of(path, node)),
            commands,
            non_blocking,
            working_directory: None,
            waits_for: None,
        })
    };
    let steps: Vec<Step> = [
        script_step("before_script", false),
        script_step("script", false),
        script_step("after_script", true),
    ]
    .into_iter()
    .flatten()
    .collect();
    let has_script = body.get("script").is_some() || body.get("trigger").is_some();

    let allow_failure = match body.get("allow_failure") {
        Some(node) => node.as_bool().unwrap_or(true),
        // A job without a script only overrides a template job, whose default is to allow failure.
        None => !has_script,
    };
    let rules_text = body
        .get("rules")
        .map(|r| format!("{:?}", r.value))
        .unwrap_or_default();
    let when_manual = body.get("when").and_then(Node::as_str) == Some("manual")
        || (!rules_text.is_empty()
            && rules_text.contains("manual")
            && !rules_text.contains("on_success"));
    let only = body
        .get("only")
        .map(|o| {
            if o.is_map() {
                o.get("refs")
                    .map(|r| r.strings().join(","))
                    .unwrap_or_default()
            } else {
                o.strings().join(",")
            }
        })
        .unwrap_or_default();
    let schedule_only = only == "schedules"
        || (rules_text.contains("schedule")
            && !rules_text.contains("merge_request")
            && !rules_text.contains("CI_COMMIT_BRANCH")
            && !rules_text.contains("push"));

    let environment = body.get("environment").and_then(|env| {
        let name_node = if env.is_map() { env.get("name")? } else { env };
        Some((
            name_node.as_str()?.to_string(),
            location_of(path, name_node),
        ))
    });
    let image_of = |n: &Node| -> Option<(String, crate::source::Location)> {
        let image = if n.is_map() { n.get("name")? } else { n };
        Some((image.as_str()?.to_string(), location_of(path, image)))
    };
    let mut images: Vec<_> = body.get("image").and_then(image_of).into_iter().collect();
    let services: Vec<_> = body
        .get("services")
        .map(|s| s.items().iter().filter_map(image_of).collect())
        .unwrap_or_default();
    let service_images = services.iter().map(|(i, _)| i.clone()).collect();
    images.extend(services);
    let needs = body
        .get("needs")
        .map(|n| {
            n.items()
                .iter()
                .filter_map(|i| i.as_str().or_else(|| i.get("job").and_then(Node::as_str)))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();

    Job {
        id: name.to_string(),
        name: name.to_string(),
        location: location_of(path, key),
        needs,
        condition: None,
        environment,
        allow_failure,
        manual: when_manual,
        stage: Some(
            body.get("stage")
                .and_then(Node::as_str)
                .unwrap_or("test")
                .to_string(),
        ),
        schedule_only,
        steps,
        calls: None,
        images,
        service_images,
        // `parallel: matrix:` is a list of maps, each a set of combinations.
        matrix: body
            .get("parallel")
            .and_then(|p| p.get("matrix"))
            .map(|m| {
                m.items()
                    .iter()
                    .flat_map(|entry| super::matrix_axes(path, entry))
                    .collect()
            })
            .unwrap_or_default(),
        has_timeout: body.get("timeout").is_some(),
        self_hosted: false,
        sets_permissions: false,
        serialised: body.get("resource_group").is_some(),
        deploys: std::sync::OnceLock::new(),
        simulated: std::sync::OnceLock::new(),
    }
}

/// Job names a GitLab template defines, by the template's short name (`SAST`).
pub fn template_jobs(template: &str) -> &'static [&'static str] {
    TEMPLATE_JOBS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(template))
        .map(|(_, jobs)| *jobs)
        .unwrap_or(&[])
}
