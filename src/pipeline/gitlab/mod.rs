//! GitLab CI (`.gitlab-ci.yml`) into the pipeline model: local includes merged, `extends`
//! resolved and defaults applied ([`keys`]), anchors and `<<` merge keys already resolved by
//! the YAML reader, GitLab's own templates recorded by name.

mod keys;
mod scripts;

use super::{
    CiSystem, Job, JobGraph, Pipeline, Step, Triggers, Unparsed, location_of, script_commands,
};
use crate::inventory::Inventory;
use crate::parse::yaml::{self, Node, Value};

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

/// Most text read from a pipeline's local includes. A job's model takes up to 150 times its
/// text, and 150 includes at the read limit are 300 MB; the largest real pipelines include
/// about a megabyte.
const MAX_INCLUDED_BYTES: usize = 8 * 1024 * 1024;

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
    let (mut left_out, mut too_large, mut included) = (false, false, 0);
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
                if too_large || included + body.len() > MAX_INCLUDED_BYTES {
                    // Includes are read in order, up to the first that does not fit.
                    too_large = true;
                    continue;
                }
                included += body.len();
                if let Ok(docs) = yaml::parse(body)
                    && let Some(doc) = docs.into_iter().next()
                {
                    sources.push((local.to_string(), body.to_string(), doc));
                }
            }
        }
    }

    if too_large {
        read_in_part.push(Unparsed {
            path: path.to_string(),
            reason: format!(
                "local includes past the first {} MiB of text are not read",
                MAX_INCLUDED_BYTES >> 20
            ),
        });
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

    // Each job and template by name, the first definition winning; duplicates in later
    // sources are skipped.
    let definitions = keys::Definitions::new(&sources);
    let scripts = scripts::ScriptSources::new(&sources, &definitions);
    let jobs: Vec<Job> = definitions
        .jobs()
        .map(|(name, source, key)| {
            let keys = definitions.job(name);
            parse_job(&scripts, source, name, key, &keys)
        })
        .collect();
    if scripts.exhausted() {
        read_in_part.push(Unparsed {
            path: path.to_string(),
            reason: format!(
                "`!reference` tags bring more than {} YAML nodes or {} into the job \
                 scripts; the references past that are left out",
                scripts::REFERENCE_BUDGET,
                crate::pipeline::copied_bound()
            ),
        });
    }
    if scripts.copies_cut() {
        read_in_part.push(Unparsed {
            path: path.to_string(),
            reason: format!(
                "jobs take more than {} script lines from `default:` and the templates they \
                 extend, or more than {}; the jobs past that are read without those scripts",
                scripts::COPIED_LINES,
                crate::pipeline::copied_bound()
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

/// The job `name` whose key is written in the file at `source`, with the keys it ends up with
/// after `extends:` and defaults; each value is located in the file it is written in.
fn parse_job(
    scripts: &scripts::ScriptSources,
    source: usize,
    name: &str,
    key: &Node,
    keys: &keys::JobKeys,
) -> Job {
    let path_of = |value: keys::Keyed| scripts.file(value.source).0;
    let located = |value: keys::Keyed, node: &Node| location_of(path_of(value), node);
    let script_step = |field: &str, non_blocking: bool| -> Option<Step> {
        let value = keys.get(field)?;
        let commands = scripts
            .lines(value)
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
                .unwrap_or_else(|| located(value, value.node)),
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
    let has_script = keys.get("script").is_some() || keys.get("trigger").is_some();

    let allow_failure = match keys.node("allow_failure") {
        Some(node) => node.as_bool().unwrap_or(true),
        // A job without a script only overrides a template job, whose default is to allow failure.
        None => !has_script,
    };
    let rules_text = keys
        .node("rules")
        .map(|r| format!("{:?}", r.value))
        .unwrap_or_default();
    let when_manual = keys.node("when").and_then(Node::as_str) == Some("manual")
        || (!rules_text.is_empty()
            && rules_text.contains("manual")
            && !rules_text.contains("on_success"));
    let only = keys
        .node("only")
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

    let environment = keys
        .name_of("environment")
        .and_then(|name| Some((name.node.as_str()?.to_string(), located(name, name.node))));
    let image_of = |value: keys::Keyed, n: &Node| -> Option<(String, crate::source::Location)> {
        let image = if n.is_map() { n.get("name")? } else { n };
        Some((image.as_str()?.to_string(), located(value, image)))
    };
    let mut images: Vec<_> = (keys.name_of("image").into_iter())
        .filter_map(|name| image_of(name, name.node))
        .collect();
    let services: Vec<_> = keys
        .get("services")
        .map(|value| {
            (value.node.items().iter())
                .filter_map(|service| image_of(value, service))
                .collect()
        })
        .unwrap_or_default();
    let service_images = services.iter().map(|(i, _)| i.clone()).collect();
    images.extend(services);
    let needs = keys
        .node("needs")
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
        location: location_of(scripts.file(source).0, key),
        needs,
        condition: None,
        environment,
        allow_failure,
        manual: when_manual,
        stage: Some(
            keys.node("stage")
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
        matrix: keys
            .get("parallel")
            .and_then(|value| Some((path_of(value), value.node.get("matrix")?)))
            .map(|(path, m)| {
                m.items()
                    .iter()
                    .flat_map(|entry| super::matrix_axes(path, entry))
                    .collect()
            })
            .unwrap_or_default(),
        has_timeout: keys.get("timeout").is_some(),
        self_hosted: false,
        permissions: None,
        serialised: keys.get("resource_group").is_some(),
        variables: super::variables_of(keys.node("variables")),
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
