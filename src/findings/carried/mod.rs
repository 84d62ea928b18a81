//! Untrusted text carried beyond the event contexts, for `template-injection`.
//!
//! A step that expands a label name into its script may write it to its outputs; a job may pass
//! those outputs on as its own; a later job may build its matrix from them; a job may hand any
//! of these to a reusable workflow of the same repository as an input, and that workflow may
//! hand them back as its own outputs. Each hop gives the text a new name
//! (`steps.labels.outputs.list`, `needs.find.outputs.labels`, `matrix.version`,
//! `inputs.version`, `needs.call.outputs.version`), and the audit follows the names so that
//! `${{ inputs.version }}` in the called workflow is reported when a caller fills it from
//! `github.event.label.name`. A step may hand any of them to one of the repository's own
//! composite actions, and the action hand them back through its outputs ([`actions`]).
//! Which outputs of a step carry the text, and from where, is decided in
//! [`super::step_outputs`], and which carried name an expression reads in [`names`]; the
//! script's writes are read, not run, so these findings have medium confidence.

mod actions;
mod names;

use std::collections::HashMap;
use std::rc::Rc;

use super::step_outputs::{ANY_VARIABLE, Bindings, bindings, carrying_outputs, environment_writes};
use super::{YamlFile, jobs, local_action, steps};
use crate::parse::yaml::Node;
use actions::{Through, input_defaults};
pub(crate) use names::{carried_in, origin_in, origin_of};

/// Where untrusted text first entered a workflow: the event context and its line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Origin {
    pub context: String,
    pub path: String,
    pub line: usize,
    /// How the text came into the local action being walked from the steps that use it, when
    /// it did: the action hands it back through its outputs only to a step that hands it the
    /// same way, not to every step that uses the action.
    pub through: Option<Through>,
}

/// A name that carries untrusted text into a job, lower-cased (`inputs.version`, `matrix`,
/// `needs.find.outputs.labels`, `steps.extract.outputs`), with where the text came from.
pub(crate) type Carried = Vec<(String, Rc<Origin>)>;

/// How many times the whole repository is walked at most: each walk can carry text one
/// reusable-workflow call further, and real chains are one or two calls long.
const MAX_ROUNDS: usize = 8;

/// Most names one job is followed under; a generated workflow could otherwise make every job
/// carry every output of thousands of others.
pub(crate) const MAX_CARRIED: usize = 64;

/// A variable one step of a job writes to `$GITHUB_ENV`: the step's index among the job's
/// steps, the variable's name, and the origin of the untrusted text it holds, if any.
pub(crate) type EnvironmentWrite = (usize, String, Option<Rc<Origin>>);

/// The names carrying untrusted text in every job of the repository's workflows.
#[derive(Default)]
pub(crate) struct Taint {
    jobs: HashMap<(String, String), Carried>,
    environment: HashMap<(String, String), Vec<EnvironmentWrite>>,
    /// The untrusted variables of the steps that use each local action, by its path.
    called_with: HashMap<String, Carried>,
}

impl Taint {
    /// Follows untrusted text through `workflows` and the local `actions` they use (both in
    /// path order).
    pub fn new<'f>(workflows: &[YamlFile<'f>], actions: &[YamlFile<'f>]) -> Self {
        let mut calls = Calls::default();
        for action in actions {
            let defaults = input_defaults(action);
            if !defaults.is_empty() {
                calls.defaults.insert(action.path.to_string(), defaults);
            }
        }
        let mut taint = Taint::default();
        for _ in 0..MAX_ROUNDS {
            let (walked, found) = walk(workflows, actions, &calls);
            taint.jobs = walked.jobs;
            taint.environment = walked.environment;
            let before = calls.size();
            merge(&mut calls.inputs, found.inputs);
            merge(&mut calls.outputs, found.outputs);
            merge(&mut calls.environment, found.environment);
            merge(&mut calls.exported, found.exported);
            if calls.size() == before {
                break;
            }
        }
        taint.called_with = calls.environment;
        taint
    }

    /// The names carrying untrusted text in job `job` of the workflow at `path`.
    pub fn job(&self, path: &str, job: &str) -> &[(String, Rc<Origin>)] {
        self.jobs
            .get(&(path.to_string(), job.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The names carrying untrusted text in the steps of the local action at `path`: the
    /// inputs its callers fill with it, and its steps' outputs.
    pub fn action(&self, path: &str) -> &[(String, Rc<Origin>)] {
        self.job(path, "")
    }

    /// The variables the steps that use the local action at `path` run it with that hold
    /// untrusted text, as `env.name` in name order; `env` for a write to `$GITHUB_ENV` that
    /// may have set any variable.
    pub fn action_environment(&self, path: &str) -> Carried {
        let mut reads: Carried = (self.called_with.get(path).into_iter().flatten())
            .map(|(name, origin)| {
                let read = if name == ANY_VARIABLE {
                    "env".to_string()
                } else {
                    format!("env.{}", name.to_ascii_lowercase())
                };
                (read, origin.clone())
            })
            .collect();
        reads.sort_by(|a, b| a.0.cmp(&b.0));
        reads
    }

    /// What the steps of job `job` of the workflow at `path` write to `$GITHUB_ENV`, in step
    /// order; the steps of a local action are job `""` of its file.
    pub fn environment_writes(&self, path: &str, job: &str) -> &[EnvironmentWrite] {
        self.environment
            .get(&(path.to_string(), job.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// What calls to the repository's reusable workflows and local actions carry, by the called
/// file's path: the inputs callers fill with untrusted text (`inputs.version`), the outputs
/// the called workflow or action hands back with it (`outputs.version`), the variables the
/// steps that use an action run it with (`TITLE`, as written) and those the action writes to
/// `$GITHUB_ENV` for the steps after them; and the inputs of actions whose defaults are
/// untrusted, which do not change from walk to walk.
#[derive(Default)]
struct Calls {
    inputs: HashMap<String, Carried>,
    outputs: HashMap<String, Carried>,
    environment: HashMap<String, Carried>,
    exported: HashMap<String, Carried>,
    defaults: HashMap<String, Carried>,
}

impl Calls {
    fn size(&self) -> usize {
        (self.inputs.values())
            .chain(self.outputs.values())
            .chain(self.environment.values())
            .chain(self.exported.values())
            .map(Vec::len)
            .sum()
    }
}

fn merge(known: &mut HashMap<String, Carried>, found: HashMap<String, Carried>) {
    for (path, names) in found {
        let known = known.entry(path).or_default();
        for (name, origin) in names {
            add(known, name, origin);
        }
    }
}

/// What one walk found in each job: the names it carries, and its steps' `$GITHUB_ENV`
/// writes.
#[derive(Default)]
struct Walked {
    jobs: HashMap<(String, String), Carried>,
    environment: HashMap<(String, String), Vec<EnvironmentWrite>>,
}

/// One walk over every job, with what the previous walks found calls to carry: what each job
/// carries, and what this walk finds calls to carry.
fn walk<'f>(
    workflows: &[YamlFile<'f>],
    actions: &[YamlFile<'f>],
    calls: &Calls,
) -> (Walked, Calls) {
    let mut walked = Walked::default();
    let mut found = Calls::default();
    for file in workflows {
        let file_inputs = calls.inputs.get(file.path).cloned().unwrap_or_default();
        for document in &file.documents {
            let list = jobs(document);
            let workflow_env = bindings(document.get("env"), file, &file_inputs);
            let mut outputs: HashMap<&str, Carried> = HashMap::new();
            for (key, job) in in_needs_order(list) {
                let Some(name) = key.as_str() else { continue };
                let mut carried = file_inputs.clone();
                for need in job.get("needs").map(Node::strings).unwrap_or_default() {
                    for (n, origin) in outputs.get(need).into_iter().flatten() {
                        add(&mut carried, n.clone(), origin.clone());
                    }
                }
                matrix(job, file, &mut carried);
                let job_env = bindings(job.get("env"), file, &carried);
                let run = Run {
                    file,
                    actions,
                    calls,
                };
                let outer = [&job_env, &workflow_env];
                let writes = run.steps(steps(job), &mut carried, outer, &mut found);
                let mut own = Vec::new();
                for (k, value) in job.get("outputs").map(Node::entries).unwrap_or(&[]) {
                    let (Some(k), Some(origin)) = (k.as_str(), origin_in(value, file, &carried))
                    else {
                        continue;
                    };
                    let k = k.to_ascii_lowercase();
                    let job = name.to_ascii_lowercase();
                    add(&mut own, format!("needs.{job}.outputs.{k}"), origin);
                }
                if let Some(callee) = job.get("uses").and_then(Node::as_str).and_then(local) {
                    for (k, value) in job.get("with").map(Node::entries).unwrap_or(&[]) {
                        let (Some(k), Some(origin)) =
                            (k.as_str(), origin_in(value, file, &carried))
                        else {
                            continue;
                        };
                        let target = found.inputs.entry(callee.to_string()).or_default();
                        add(target, format!("inputs.{}", k.to_ascii_lowercase()), origin);
                    }
                    let job = name.to_ascii_lowercase();
                    for (output, origin) in calls.outputs.get(callee).into_iter().flatten() {
                        let output = output.trim_start_matches("outputs.");
                        add(
                            &mut own,
                            format!("needs.{job}.outputs.{output}"),
                            origin.clone(),
                        );
                    }
                }
                outputs.insert(name, own);
                let key = (file.path.to_string(), name.to_string());
                if !writes.is_empty() {
                    walked.environment.insert(key.clone(), writes);
                }
                walked.jobs.insert(key, carried);
            }
            let handed_back = workflow_outputs(document, file, &outputs);
            if !handed_back.is_empty() {
                let target = found.outputs.entry(file.path.to_string()).or_default();
                for (name, origin) in handed_back {
                    add(target, name, origin);
                }
            }
        }
    }
    for file in actions {
        actions::walk(file, actions, calls, &mut walked, &mut found);
    }
    (walked, found)
}

/// Walks the steps that run in one job (a workflow job's, or a composite action's for the
/// job that uses it), with what earlier walks found calls to carry.
struct Run<'r, 'f> {
    file: &'r YamlFile<'f>,
    actions: &'r [YamlFile<'f>],
    calls: &'r Calls,
}

impl Run<'_, '_> {
    /// Follows untrusted text through `steps`: adds the step outputs that carry it to
    /// `carried`, records in `found` what the steps hand the local actions they use, and
    /// returns what they write to `$GITHUB_ENV`. `outer` are the job's and the workflow's
    /// `env:` bindings (for a local action's steps, the variables its callers run it with).
    fn steps(
        &self,
        steps: &[Node],
        carried: &mut Carried,
        outer: [&Bindings; 2],
        found: &mut Calls,
    ) -> Vec<EnvironmentWrite> {
        let file = self.file;
        let mut written = Bindings::new();
        let mut writes = Vec::new();
        // Worked out when a step first uses a local action, kept up to date after.
        let mut untrusted: Option<actions::Untrusted> = None;
        for (index, step) in steps.iter().enumerate() {
            let environment = [&written, outer[0], outer[1]];
            let id = (step.get("id").and_then(Node::as_str)).map(str::to_ascii_lowercase);
            if let Some(id) = &id {
                for (name, origin) in carrying_outputs(step, id, file, carried, environment) {
                    add(carried, name, origin);
                }
            }
            let uses = step.get("uses").and_then(Node::as_str);
            let mut step_writes = Vec::new();
            if let Some(action) = uses.and_then(|uses| local_action(uses, self.actions)) {
                let untrusted =
                    untrusted.get_or_insert_with(|| actions::untrusted_variables(environment));
                let outer = actions::Outer {
                    layers: environment,
                    untrusted,
                };
                step_writes = self.call(step, action, id.as_deref(), carried, &outer, found);
            }
            step_writes.extend(environment_writes(step, file, carried, environment));
            for (name, origin) in step_writes {
                if let Some(untrusted) = &mut untrusted {
                    match &origin {
                        Some(origin) => untrusted.insert(name.clone(), origin.clone()),
                        None => untrusted.remove(&name),
                    };
                }
                written.insert(name.clone(), origin.clone());
                writes.push((index, name, origin));
            }
        }
        writes
    }
}

/// The outputs a reusable workflow hands back to its caller with untrusted text
/// (`on.workflow_call.outputs.NAME.value: ${{ jobs.build.outputs.tag }}`), as `outputs.NAME`.
fn workflow_outputs(
    document: &Node,
    file: &YamlFile,
    job_outputs: &HashMap<&str, Carried>,
) -> Carried {
    let Some(declared) = (document.get("on"))
        .and_then(|on| on.get("workflow_call"))
        .and_then(|call| call.get("outputs"))
    else {
        return Vec::new();
    };
    // Inside `on.workflow_call` a job's outputs are read as `jobs.NAME.outputs`.
    let mut by_job = Vec::new();
    let listed = jobs(document).iter().filter_map(|(key, _)| key.as_str());
    for (name, origin) in listed.filter_map(|job| job_outputs.get(job)).flatten() {
        if let Some(rest) = name.strip_prefix("needs.") {
            add(&mut by_job, format!("jobs.{rest}"), origin.clone());
        }
    }
    let mut out = Vec::new();
    for (key, output) in declared.entries() {
        let (Some(key), Some(value)) = (key.as_str(), output.get("value")) else {
            continue;
        };
        if let Some(origin) = origin_in(value, file, &by_job) {
            add(
                &mut out,
                format!("outputs.{}", key.to_ascii_lowercase()),
                origin,
            );
        }
    }
    out
}

/// The jobs of a workflow, each after the jobs it needs, so that one pass sees every job
/// output before it is read; jobs in a `needs:` cycle (which GitHub rejects) come last, in
/// listing order.
fn in_needs_order(list: &[(Node, Node)]) -> Vec<&(Node, Node)> {
    let index: HashMap<&str, usize> = list
        .iter()
        .enumerate()
        .filter_map(|(i, (key, _))| Some((key.as_str()?, i)))
        .collect();
    let needs: Vec<Vec<usize>> = list
        .iter()
        .map(|(_, job)| {
            let names = job.get("needs").map(Node::strings).unwrap_or_default();
            names.iter().filter_map(|n| index.get(n).copied()).collect()
        })
        .collect();
    let mut waiting: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut needed_by: Vec<Vec<usize>> = vec![Vec::new(); list.len()];
    for (job, needed) in needs.iter().enumerate() {
        for &n in needed {
            needed_by[n].push(job);
        }
    }
    let mut ready: Vec<usize> = (0..list.len()).filter(|&j| waiting[j] == 0).rev().collect();
    let mut order = Vec::with_capacity(list.len());
    let mut placed = vec![false; list.len()];
    while let Some(job) = ready.pop() {
        order.push(job);
        placed[job] = true;
        for &later in &needed_by[job] {
            waiting[later] -= 1;
            if waiting[later] == 0 {
                ready.push(later);
            }
        }
    }
    order.extend((0..list.len()).filter(|&j| !placed[j]));
    order.into_iter().map(|j| &list[j]).collect()
}

/// The `script:` of an `actions/github-script` step.
pub(crate) fn script_of(step: &Node) -> Option<&Node> {
    let uses = step.get("uses").and_then(Node::as_str)?;
    (super::action_name(uses) == "actions/github-script")
        .then(|| step.get("with")?.get("script"))
        .flatten()
}

/// The matrix values built from untrusted text: all of them when the matrix or its `include:`
/// is an expression, otherwise each axis whose value is.
fn matrix(job: &Node, file: &YamlFile, carried: &mut Carried) {
    let Some(matrix) = job.get("strategy").and_then(|s| s.get("matrix")) else {
        return;
    };
    if matrix.as_str().is_some() {
        if let Some(origin) = origin_in(matrix, file, carried) {
            add(carried, "matrix".to_string(), origin);
        }
        return;
    }
    for (axis, value) in matrix.entries() {
        let (Some(axis), Some(origin)) = (axis.as_str(), origin_in(value, file, carried)) else {
            continue;
        };
        let name = match axis {
            "include" => "matrix".to_string(),
            "exclude" => continue,
            axis => format!("matrix.{}", axis.to_ascii_lowercase()),
        };
        add(carried, name, origin);
    }
}

/// The workflow file a job's `uses:` calls, when it is one of this repository's
/// (`./.github/workflows/release.yml`).
fn local(uses: &str) -> Option<&str> {
    uses.strip_prefix("./").filter(|path| !path.contains('@'))
}

/// Adds `name` unless it is already carried or the job already carries as many names as a
/// real workflow ever would.
fn add(carried: &mut Carried, name: String, origin: Rc<Origin>) {
    if carried.len() < MAX_CARRIED && !carried.iter().any(|(n, _)| *n == name) {
        carried.push((name, origin));
    }
}
