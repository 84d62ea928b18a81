//! The pipeline model: CI files of every supported system reduced to one shape — pipelines,
//! their triggers, jobs, steps and commands, each with its location — plus what later stages
//! ask of it: which jobs deploy and where, which steps cannot fail the build, which pipelines
//! run on a change.

mod build_plugins;
mod cloudbuild;
mod commands;
mod composite;
mod github;
mod gitlab;
mod graph;
mod make;
mod make_runs;
mod package_scripts;
mod paths;
mod precommit;
mod reach;
mod roles;
mod scripts;
mod step_order;
mod targets;
#[cfg(test)]
mod testing;

pub(crate) use commands::script_commands;
pub use scripts::MAX_EXPANDED;
pub(crate) use scripts::join;

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

use crate::inventory::{FileKind, Inventory};
use crate::source::Location;
pub use crate::source::Unparsed;

pub use gitlab::template_jobs;
pub use graph::JobGraph;
pub use paths::{
    CallIndex, MAX_CALLER_DEPTH, Upstream, called_jobs, called_path, callers_of, downstream,
    downstream_indices, least_after, least_before, needed_indices, pipelines_named, upstream,
    upstream_of_any, waits_for_success,
};
pub use reach::Least;
pub use roles::{
    Scope, deploying_step, deploys_a_service, is_deploy_command, is_deploy_job,
    is_host_deploy_command, is_simulated, is_teardown_command, job_scope, named_scope,
    unpushed_image_build,
};
pub use targets::deploy_target;

/// Most bytes of command text that each way of copying commands into steps may copy over a
/// repository: local actions inlined into the steps that use them; the scripts, Make
/// targets, package scripts and pre-commit hooks that steps call; the lists GitLab
/// `!reference` tags bring in and the scripts GitLab jobs inherit. Their budgets count steps,
/// commands, lines or nodes, so one long command copied into thousands of steps would
/// otherwise hold gigabytes, and every check would read each copy again. The real
/// repositories measured copy at most a few tens of kilobytes; a file is read up to 2 MiB,
/// so this leaves room for a few copies of the longest script.
pub const MAX_COPIED_BYTES: usize = 8 << 20;

/// [`MAX_COPIED_BYTES`] as the report tells it.
pub(crate) fn copied_bound() -> String {
    format!("{} MiB of command text", MAX_COPIED_BYTES >> 20)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CiSystem {
    GithubActions,
    GitlabCi,
    CloudBuild,
}

/// Events that start a pipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Triggers {
    pub pull_request: bool,
    pub pull_request_target: bool,
    pub push: bool,
    /// Push filtered to tags only (a release pipeline).
    pub tags_only: bool,
    pub merge_group: bool,
    pub schedule: bool,
    pub manual: bool,
    /// Called by another workflow (`workflow_call`).
    pub call: bool,
    /// Names of the workflows whose completion starts this one (`workflow_run`).
    pub after_workflows: Vec<String>,
    /// `workflow_run` limited to runs on some branches: runs of pull requests from other
    /// branches do not start this one.
    pub after_branches_only: bool,
    pub release: bool,
    /// Started by triggers configured outside the repository (Cloud Build): which events
    /// start it cannot be known from the files.
    pub external: bool,
    /// Branches a push must be to, when the pipeline filters them.
    pub push_branches: Vec<String>,
    /// Inputs a person fills in when starting the pipeline by hand.
    pub dispatch_inputs: Vec<String>,
    /// Every run waits for a person to approve it before it starts (a Cloud Build trigger's
    /// `approvalConfig`), as declared here.
    pub approval: Option<Location>,
    /// Where the triggers are declared (`on:`), when the system has such a key.
    pub location: Option<Location>,
    /// Where an event (`push`, `pull_request`) is declared when the events come from several
    /// places (the Cloud Build trigger files that start one build), first place first.
    pub event_locations: Vec<(&'static str, Location)>,
    /// Every event with its filters, in file order, for the inventory
    /// (`push [branches: main; paths: src/**]`).
    pub events: Vec<String>,
}

impl Triggers {
    /// Runs only when another workflow calls it (`on: workflow_call` and nothing else), as
    /// declared: its token and its events are the caller's.
    pub fn only_called(&self) -> bool {
        self.call && (self.events.iter()).all(|e| e.split(' ').next() == Some("workflow_call"))
    }

    /// Runs on pull requests or pushes, the changes a gate must see.
    pub fn on_change(&self) -> bool {
        self.pull_request
            || self.pull_request_target
            || self.merge_group
            || (self.push && !self.tags_only)
    }

    /// Whether a run may publish a release: something other than a pull request starts it
    /// (a push, tag, release, schedule, person, another workflow's run, or triggers outside
    /// the repository). Runs for pull requests build code that is not merged and are not
    /// where releases are signed and published. A reusable workflow that no workflow of the
    /// repository calls may be called from anywhere.
    pub fn can_publish(&self) -> bool {
        let pull_requests = self.pull_request || self.pull_request_target || self.merge_group;
        self.push
            || self.release
            || self.schedule
            || self.manual
            || self.external
            || !self.after_workflows.is_empty()
            || (self.call && !pull_requests)
    }

    pub fn merge(&mut self, other: &Triggers) {
        self.pull_request |= other.pull_request;
        self.pull_request_target |= other.pull_request_target;
        self.tags_only = match (self.push, other.push) {
            (true, true) => self.tags_only && other.tags_only,
            (false, true) => other.tags_only,
            _ => self.tags_only,
        };
        self.push |= other.push;
        self.merge_group |= other.merge_group;
        self.schedule |= other.schedule;
        self.manual |= other.manual;
        self.release |= other.release;
    }

    /// Where `event` (`push`, `pull_request`) is declared: its own place when the events
    /// come from several, or else where the triggers are.
    pub fn declared_at(&self, event: &str) -> Option<&Location> {
        (self.event_locations.iter())
            .find(|(declared, _)| *declared == event)
            .map(|(_, location)| location)
            .or(self.location.as_ref())
    }

    /// Describes when a pipeline runs that never runs on a change.
    pub fn describe_off_change(&self) -> &'static str {
        match (self.schedule, self.manual) {
            (true, true) => "runs only on a schedule or by hand",
            (true, false) => "runs only on a schedule",
            (false, true) => "runs only when started by hand",
            _ if self.tags_only || self.release => "runs only on releases",
            _ if self.external => {
                "runs on triggers configured outside the repository, so nothing shows it checks every change"
            }
            _ => "does not run on pull requests or pushes",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub text: String,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub name: String,
    pub value: String,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub name: Option<String>,
    /// `uses:` of a GitHub step, without the `@ref`.
    pub uses: Option<String>,
    /// The full `uses:` value, with its ref.
    pub uses_ref: Option<String>,
    pub inputs: Vec<Input>,
    pub commands: Vec<Command>,
    /// The step may fail without failing the job (`continue-on-error`, GitLab `after_script`).
    pub non_blocking: bool,
    pub location: Location,
    /// `working-directory` of a `run:` step, relative to the repository root.
    pub working_directory: Option<String>,
    /// The earlier steps of its job that this one waits for, by index, when it names them
    /// (Cloud Build `waitFor:`; an empty list starts it at once). `None`: it starts when every
    /// earlier step has finished, as steps do in every other system.
    pub waits_for: Option<Vec<usize>>,
}

impl Step {
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: String,
    pub location: Location,
    pub needs: Vec<String>,
    /// The job's `if:` condition, as written.
    pub condition: Option<String>,
    pub environment: Option<(String, Location)>,
    /// `continue-on-error: true` or GitLab `allow_failure: true`.
    pub allow_failure: bool,
    /// Started by hand (`when: manual`).
    pub manual: bool,
    /// GitLab stage.
    pub stage: Option<String>,
    /// Runs only on schedules (GitLab rules/only).
    pub schedule_only: bool,
    pub steps: Vec<Step>,
    /// A reusable workflow this job calls (`jobs.<id>.uses`).
    pub calls: Option<String>,
    /// Container and service images the job runs.
    pub images: Vec<(String, Location)>,
    pub service_images: Vec<String>,
    /// The axes of the job's matrix (`strategy.matrix`, GitLab `parallel.matrix`).
    pub matrix: Vec<MatrixAxis>,
    pub has_timeout: bool,
    pub self_hosted: bool,
    /// The job's own `permissions:` (GitHub) as written (`id-token: write, contents: read`,
    /// `write-all`), which replace the workflow's.
    pub permissions: Option<String>,
    /// Runs of the job are serialised: `concurrency:` (GitHub) or `resource_group:` (GitLab).
    pub serialised: bool,
    /// The values the repository gives the variables the job's commands read, each name with
    /// every value written for it: GitHub `env:` of the workflow, the job and its steps;
    /// Cloud Build substitutions ([`cloudbuild`]).
    pub variables: Vec<(String, String)>,
    /// Whether the job deploys, worked out once ([`is_deploy_job`]): many checks ask.
    pub deploys: std::sync::OnceLock<bool>,
    /// Whether the job only prints or sleeps, worked out once ([`is_simulated`]): every
    /// piece of evidence from the job asks.
    pub simulated: std::sync::OnceLock<bool>,
}

impl Job {
    /// A job named `id` at `location` that needs nothing, has no steps and sets nothing: the
    /// base that readers and tests fill in (`Job { steps, ..Job::new(id, location) }`).
    pub fn new(id: &str, location: Location) -> Job {
        Job {
            id: id.to_string(),
            name: id.to_string(),
            location,
            needs: Vec::new(),
            condition: None,
            environment: None,
            allow_failure: false,
            manual: false,
            stage: None,
            schedule_only: false,
            steps: Vec::new(),
            calls: None,
            images: Vec::new(),
            service_images: Vec::new(),
            matrix: Vec::new(),
            has_timeout: false,
            self_hosted: false,
            permissions: None,
            serialised: false,
            variables: Vec::new(),
            deploys: std::sync::OnceLock::new(),
            simulated: std::sync::OnceLock::new(),
        }
    }
}

/// One axis of a job matrix: its name, how many values it takes (0 when they come from an
/// expression) and where it is declared.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixAxis {
    pub name: String,
    pub values: usize,
    /// The values written as plain text, in order, at most [`MATRIX_LABELS`] of them (not
    /// maps, lists or expressions).
    pub labels: Vec<String>,
    pub location: Location,
}

/// How many of an axis's values are kept as text.
pub const MATRIX_LABELS: usize = 64;

fn label_of(value: &crate::parse::yaml::Node) -> Option<String> {
    value
        .as_str()
        .filter(|text| !text.contains("${{"))
        .map(str::to_string)
}

/// The axes of a matrix map: keys with a list of values, and the keys of `include:` entries
/// (each entry adds a combination). `exclude:` removes combinations and adds no axis.
pub(crate) fn matrix_axes(path: &str, matrix: &crate::parse::yaml::Node) -> Vec<MatrixAxis> {
    let mut axes: Vec<MatrixAxis> = Vec::new();
    // The first axis of each name, by position in `axes`: `include:` entries can name
    // thousands of distinct keys, and each key looks its axis up here instead of scanning.
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (key, value) in matrix.entries() {
        let Some(name) = key.as_str() else { continue };
        match name {
            "exclude" => {}
            "include" => {
                for entry in value.items() {
                    for (key, _) in entry.entries() {
                        let Some(name) = key.as_str() else { continue };
                        let label = entry.get(name).and_then(label_of);
                        match first_of.get(name).and_then(|&at| axes.get_mut(at)) {
                            Some(axis) => {
                                axis.values += 1;
                                if axis.labels.len() < MATRIX_LABELS {
                                    axis.labels.extend(label);
                                }
                            }
                            None => {
                                first_of.insert(name, axes.len());
                                axes.push(MatrixAxis {
                                    name: name.to_string(),
                                    values: 1,
                                    labels: label.into_iter().collect(),
                                    location: location_of(path, key),
                                });
                            }
                        }
                    }
                }
            }
            _ => {
                first_of.entry(name).or_insert(axes.len());
                axes.push(MatrixAxis {
                    name: name.to_string(),
                    values: value.items().len(),
                    labels: (value.items().iter())
                        .filter_map(label_of)
                        .take(MATRIX_LABELS)
                        .collect(),
                    location: location_of(path, key),
                });
            }
        }
    }
    axes
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub system: CiSystem,
    pub path: String,
    pub name: String,
    pub triggers: Triggers,
    pub jobs: Vec<Job>,
    /// Top-level `permissions:` as written, with its location.
    pub permissions: Option<(String, Location)>,
    pub has_concurrency: bool,
    /// GitLab stages in order (empty for GitHub Actions).
    pub stages: Vec<String>,
    /// GitLab `include: template:` names, e.g. `Security/SAST`.
    pub templates: Vec<(String, Location)>,
    /// A demonstration workflow, not part of the project's CI ([`is_demonstration`]).
    pub demonstration: bool,
    /// Which jobs wait for which, worked out on first use: looking jobs up by id and
    /// following `needs` and stages then cost time in proportion to the answer. Its jobs and
    /// stages must not change after that.
    pub graph: JobGraph,
}

impl Pipeline {
    /// Where every run waits for a person's approval (a Cloud Build trigger's
    /// `approvalConfig`), and what the report says of it: the builds of a file, or of the
    /// trigger holding them inline.
    pub fn approval(&self) -> Option<(&Location, String)> {
        let location = self.triggers.approval.as_ref()?;
        let builds = if self.name == self.path {
            self.path.clone()
        } else {
            format!("{} in {}", self.name, self.path)
        };
        Some((
            location,
            format!("every build of {builds} waits for approval"),
        ))
    }

    /// The first job with this id.
    pub fn job(&self, id: &str) -> Option<&Job> {
        let index = self.graph.get(self).job_index(id)?;
        self.jobs.get(index)
    }
}

/// Whether a workflow is a demonstration rather than part of the project's CI: its file is
/// named `example*`, `demo*` or `sample*`, or its opening comment says it demonstrates
/// something or is not part of the real pipeline.
fn is_demonstration(path: &str, text: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if ["example", "demo", "sample"]
        .iter()
        .any(|p| name.starts_with(p))
    {
        return true;
    }
    let header: String = text
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .take(20)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    [
        "not part of the real",
        "# demo:",
        "demonstrates how",
        "for demonstration",
    ]
    .iter()
    .any(|phrase| header.contains(phrase))
}

#[derive(Debug, Default)]
pub struct Pipelines {
    pub pipelines: Vec<Pipeline>,
    pub unparsed: Vec<Unparsed>,
    /// Files modelled only in part because a bound on what is followed from them was
    /// reached, with what was left out.
    pub read_in_part: Vec<Unparsed>,
    /// Files of CI systems recognised only by name.
    pub other_ci: Vec<String>,
    /// Which jobs call which local reusable workflows, computed on first use.
    pub calls: CallIndex,
}

impl Pipelines {
    /// Every job with its pipeline.
    pub fn jobs(&self) -> impl Iterator<Item = (&Pipeline, &Job)> {
        self.pipelines
            .iter()
            .flat_map(|p| p.jobs.iter().map(move |j| (p, j)))
    }

    /// Every step with its job and pipeline.
    pub fn steps(&self) -> impl Iterator<Item = (&Pipeline, &Job, &Step)> {
        self.jobs()
            .flat_map(|(p, j)| j.steps.iter().map(move |s| (p, j, s)))
    }

    /// The job of the pipeline file at `path` whose definition holds `line`: the last job
    /// that starts at or before it. A line above every job (top-level `env:`) has none.
    /// A file may hold several pipelines (the inline builds of Cloud Build triggers): the job
    /// is the last of any of them.
    pub fn job_at(&self, path: &str, line: usize) -> Option<&Job> {
        (self.pipelines.iter())
            .filter(|p| p.path == path)
            .flat_map(|p| p.jobs.iter())
            .filter(|j| j.location.path == path && j.location.line <= line)
            .max_by_key(|j| j.location.line)
    }

    pub fn systems(&self) -> BTreeSet<CiSystem> {
        self.pipelines.iter().map(|p| p.system).collect()
    }
}

/// The commands `command` runs through make, given the text of the `Makefile` it reads:
/// the Make reader on its own, for fuzzing (the pipeline reaches Makefiles through CI steps).
#[doc(hidden)]
pub fn make_recipes(makefile: &str, command: &str) -> Vec<Command> {
    let files = [("Makefile".to_string(), makefile)];
    make::calls(command)
        .into_iter()
        .flat_map(|call| make::recipes_in(&files, &call.targets, scripts::MAX_COMMANDS).commands)
        .collect()
}

/// Builds the pipeline model from the inventory.
pub fn build(inventory: &Inventory) -> Pipelines {
    let mut out = Pipelines::default();
    let actions = github::local_actions(inventory);
    for folder in actions.cut_actions() {
        out.read_in_part.push(Unparsed {
            path: folder.to_string(),
            reason: format!(
                "local actions it uses are not expanded into it past {} inlined steps and \
                 commands or {}",
                composite::MAX_INLINED,
                copied_bound()
            ),
        });
    }
    let cloud_build = cloudbuild::Context::new(inventory);
    let mut cloud_build_triggers = cloudbuild::Triggered::default();
    for file in &inventory.files {
        let Some(text) = file.text.as_deref() else {
            continue;
        };
        let result = match file.kind {
            FileKind::GithubWorkflow => github::parse_workflow(&file.path, text, &actions),
            FileKind::GitlabCi if file.path.eq_ignore_ascii_case(".gitlab-ci.yml") => {
                gitlab::parse_pipeline(&file.path, text, inventory, &mut out.read_in_part)
            }
            FileKind::CloudBuild => {
                // A Cloud Build file may define several builds, or none but name others.
                match cloudbuild::read(&file.path, text, &cloud_build) {
                    Ok(read) => {
                        for mut pipeline in cloud_build_triggers.take(&file.path, read) {
                            pipeline.demonstration |= is_demonstration(&file.path, text);
                            out.pipelines.push(pipeline);
                        }
                    }
                    Err(reason) => out.unparsed.push(Unparsed {
                        path: file.path.clone(),
                        reason,
                    }),
                }
                continue;
            }
            FileKind::OtherCi => {
                out.other_ci.push(file.path.clone());
                continue;
            }
            _ => continue,
        };
        if actions.take_cut() {
            out.read_in_part.push(Unparsed {
                path: file.path.clone(),
                reason: format!(
                    "steps using local actions past {} inlined steps and commands or {} \
                     inlined are read without the action's steps",
                    composite::MAX_INLINED,
                    copied_bound()
                ),
            });
        }
        match result {
            Ok(mut pipeline) => {
                pipeline.demonstration |= is_demonstration(&file.path, text);
                out.pipelines.push(pipeline);
            }
            Err(reason) => out.unparsed.push(Unparsed {
                path: file.path.clone(),
                reason,
            }),
        }
    }
    cloudbuild::start_named_builds(&mut out, cloud_build_triggers, &cloud_build);
    github::inherit_caller_triggers(&mut out.pipelines);
    github::inherit_workflow_run_triggers(&mut out.pipelines);
    scripts::expand(&mut out.pipelines, inventory, &mut out.read_in_part);
    build_plugins::expand(&mut out.pipelines, inventory, &mut out.read_in_part);
    out
}

/// The variables a map of names to values sets (`env:`, `substitutions:`), those with a
/// scalar value.
pub(crate) fn variables_of(map: Option<&crate::parse::yaml::Node>) -> Vec<(String, String)> {
    (map.map(crate::parse::yaml::Node::entries)
        .unwrap_or_default())
    .iter()
    .filter_map(|(name, value)| Some((name.as_str()?.to_string(), value.as_str()?.to_string())))
    .collect()
}

pub fn location_of_node(path: &str, node: &crate::parse::yaml::Node) -> Location {
    location_of(path, node)
}

pub(crate) fn location_of(path: &str, node: &crate::parse::yaml::Node) -> Location {
    Location {
        path: path.to_string(),
        line: node.span.line,
        column: node.span.column,
        end_line: node.span.end_line.max(node.span.line),
        end_column: if node.span.end_line == node.span.line {
            node.span.end_column
        } else {
            node.span.column
        },
    }
}
