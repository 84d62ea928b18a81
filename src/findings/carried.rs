//! Untrusted text carried beyond the event contexts, for `template-injection`.
//!
//! A step that expands a label name into its script may write it to its outputs; a job may pass
//! those outputs on as its own; a later job may build its matrix from them; and a job may hand
//! any of these to a reusable workflow of the same repository as an input. Each hop gives the
//! text a new name (`steps.labels.outputs`, `needs.find.outputs.labels`, `matrix.version`,
//! `inputs.version`), and the audit follows the names so that `${{ inputs.version }}` in the
//! called workflow is reported when a caller fills it from `github.event.label.name`.
//!
//! A step's outputs count as carrying the text when its script expands it at all: what the
//! script writes to `$GITHUB_OUTPUT` is not followed, so these findings have medium confidence.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use regex::Regex;

use super::template_injection::{expressions, untrusted_context, yields_text};
use super::{YamlFile, jobs, steps};
use crate::parse::yaml::Node;

/// Where untrusted text first entered a workflow: the event context and its line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Origin {
    pub context: String,
    pub path: String,
    pub line: usize,
}

/// A name that carries untrusted text into a job, lower-cased (`inputs.version`, `matrix`,
/// `needs.find.outputs.labels`, `steps.extract.outputs`), with where the text came from.
pub(crate) type Carried = Vec<(String, Rc<Origin>)>;

/// How many times the whole repository is walked at most: each walk can carry text one
/// reusable-workflow call further, and real chains are one or two calls long.
const MAX_ROUNDS: usize = 8;

/// Most names one job is followed under; a generated workflow could otherwise make every job
/// carry every output of thousands of others.
const MAX_CARRIED: usize = 64;

/// The names carrying untrusted text in every job of the repository's workflows.
#[derive(Default)]
pub(crate) struct Taint {
    jobs: HashMap<(String, String), Carried>,
}

impl Taint {
    pub fn new(workflows: &[YamlFile]) -> Self {
        let mut inputs: HashMap<String, Carried> = HashMap::new();
        let mut taint = Taint::default();
        for _ in 0..MAX_ROUNDS {
            let (jobs, called) = walk(workflows, &inputs);
            taint.jobs = jobs;
            let before: usize = inputs.values().map(Vec::len).sum();
            for (path, names) in called {
                let known = inputs.entry(path).or_default();
                for (name, origin) in names {
                    add(known, name, origin);
                }
            }
            if inputs.values().map(Vec::len).sum::<usize>() == before {
                break;
            }
        }
        taint
    }

    /// The names carrying untrusted text in job `job` of the workflow at `path`.
    pub fn job(&self, path: &str, job: &str) -> &[(String, Rc<Origin>)] {
        self.jobs
            .get(&(path.to_string(), job.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// One walk over every job: the names each job carries, and the inputs its calls to local
/// reusable workflows fill with untrusted text, by the called file's path.
fn walk(
    workflows: &[YamlFile],
    inputs: &HashMap<String, Carried>,
) -> (HashMap<(String, String), Carried>, HashMap<String, Carried>) {
    let mut carried_by_job = HashMap::new();
    let mut called: HashMap<String, Carried> = HashMap::new();
    for file in workflows {
        let file_inputs = inputs.get(file.path).cloned().unwrap_or_default();
        for document in &file.documents {
            let list = jobs(document);
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
                for step in steps(job) {
                    let Some(id) = step.get("id").and_then(Node::as_str) else {
                        continue;
                    };
                    let run = step.get("run");
                    let Some(script) = run.or_else(|| script_of(step)) else {
                        continue;
                    };
                    let Some(origin) = origin_in(script, file, &carried) else {
                        continue;
                    };
                    let id = id.to_ascii_lowercase();
                    match run.and_then(Node::as_str).map(written_outputs) {
                        Some(Written::Names(names)) => {
                            for output in names {
                                let name = format!("steps.{id}.outputs.{output}");
                                add(&mut carried, name, origin.clone());
                            }
                        }
                        _ => add(&mut carried, format!("steps.{id}.outputs"), origin),
                    }
                }
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
                outputs.insert(name, own);
                if let Some(callee) = job.get("uses").and_then(Node::as_str).and_then(local) {
                    for (k, value) in job.get("with").map(Node::entries).unwrap_or(&[]) {
                        let (Some(k), Some(origin)) =
                            (k.as_str(), origin_in(value, file, &carried))
                        else {
                            continue;
                        };
                        let target = called.entry(callee.to_string()).or_default();
                        add(target, format!("inputs.{}", k.to_ascii_lowercase()), origin);
                    }
                }
                carried_by_job.insert((file.path.to_string(), name.to_string()), carried);
            }
        }
    }
    (carried_by_job, called)
}

/// Which outputs a shell script may write text into.
#[derive(Debug, PartialEq)]
enum Written {
    /// Only these, lower-cased; every other write sets a fixed value.
    Names(Vec<String>),
    /// Any: a write the audit cannot read (a heredoc, a helper script).
    Any,
}

/// `echo "name=value" >> $GITHUB_OUTPUT` and the older `echo "::set-output name=x::value"`.
static OUTPUT_WRITE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"^\s*echo\s+(?:-[neE]+\s+)?["']?(?:"#,
        r#"([A-Za-z0-9_-]+)=(.*?)["']?\s*>>\s*"?\$\{?GITHUB_OUTPUT\}?"?|"#,
        r#"::set-output\s+name=([A-Za-z0-9_-]+)::(.*?)["']?"#,
        r#")\s*(?:#.*)?$"#
    ))
    .ok()
});

/// The outputs a `run:` script may write untrusted text into: those whose value is not a
/// fixed word (`run-tests=false` is one). A script that writes outputs in a way not read
/// here, or never visibly, may write any.
fn written_outputs(script: &str) -> Written {
    let Some(pattern) = OUTPUT_WRITE.as_ref() else {
        return Written::Any;
    };
    let mut names = Vec::new();
    let mut seen = false;
    for line in script.lines() {
        if !line.contains("GITHUB_OUTPUT") && !line.contains("::set-output") {
            continue;
        }
        seen = true;
        let Some(write) = pattern.captures(line) else {
            return Written::Any;
        };
        let (Some(name), Some(value)) = (
            write.get(1).or_else(|| write.get(3)),
            write.get(2).or_else(|| write.get(4)),
        ) else {
            return Written::Any;
        };
        if value.as_str().contains(['$', '`']) {
            names.push(name.as_str().to_ascii_lowercase());
        }
    }
    if seen {
        Written::Names(names)
    } else {
        Written::Any
    }
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

/// Where the first untrusted text expanded anywhere in `node` came from.
fn origin_in(node: &Node, file: &YamlFile, carried: &Carried) -> Option<Rc<Origin>> {
    expressions(node, file).find_map(|(line, _, expression)| {
        if let Some(context) = untrusted_context(expression) {
            return Some(Rc::new(Origin {
                context: context.to_string(),
                path: file.path.to_string(),
                line,
            }));
        }
        carried_in(expression, carried).map(|(_, _, origin)| origin.clone())
    })
}

/// The carried name an expression reads, as written in it, with its entry, unless the
/// expression can only yield a boolean.
pub(crate) fn carried_in<'e, 'c>(
    expression: &'e str,
    carried: &'c [(String, Rc<Origin>)],
) -> Option<(&'e str, &'c str, &'c Rc<Origin>)> {
    if carried.is_empty() || !yields_text(expression) {
        return None;
    }
    let lower = expression.to_ascii_lowercase();
    carried.iter().find_map(|(name, origin)| {
        let start = mention(&lower, name)?;
        let length = expression[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._-*[]'\"".contains(c)))
            .unwrap_or(expression.len() - start);
        Some((&expression[start..start + length], name.as_str(), origin))
    })
}

/// Where `name` occurs in `expression` as a whole context path: not inside a longer
/// identifier, and followed by a property access or nothing of its own.
fn mention(expression: &str, name: &str) -> Option<usize> {
    let identifier = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let bytes = expression.as_bytes();
    expression.match_indices(name).find_map(|(start, _)| {
        let end = start + name.len();
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(end).copied();
        let clean_start = !before.is_some_and(|b| identifier(b) || b == b'.');
        let clean_end = !after.is_some_and(identifier);
        (clean_start && clean_end).then_some(start)
    })
}

/// Adds `name` unless it is already carried or the job already carries as many names as a
/// real workflow ever would.
fn add(carried: &mut Carried, name: String, origin: Rc<Origin>) {
    if carried.len() < MAX_CARRIED && !carried.iter().any(|(n, _)| *n == name) {
        carried.push((name, origin));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Rc<Origin> {
        Rc::new(Origin {
            context: "github.event.label.name".into(),
            path: "a.yml".into(),
            line: 3,
        })
    }

    #[test]
    fn outputs_with_fixed_values_carry_nothing() {
        let fixed = "if [[ x ]]; then\n  echo \"run-tests=false\" >> $GITHUB_OUTPUT\nfi\necho 'go=true' >> \"$GITHUB_OUTPUT\"\n";
        assert_eq!(written_outputs(fixed), Written::Names(vec![]));
        let mixed = "echo \"labels=$DATA\" >> \"$GITHUB_OUTPUT\"\necho \"ok=1\" >> ${GITHUB_OUTPUT}\necho \"::set-output name=tag::${T}\"\n";
        let carried = vec!["labels".to_string(), "tag".to_string()];
        assert_eq!(written_outputs(mixed), Written::Names(carried));
        let grouped =
            "{\n  echo \"notes<<EOF\"\n  echo \"$NOTES\"\n  echo EOF\n} >> \"$GITHUB_OUTPUT\"\n";
        assert_eq!(written_outputs(grouped), Written::Any);
        assert_eq!(
            written_outputs("./scripts/meta.sh \"$TITLE\"\n"),
            Written::Any
        );
    }

    #[test]
    fn names_are_matched_as_whole_paths() {
        let carried = vec![("inputs.version".to_string(), origin())];
        let found = carried_in("${{ inputs.version }}", &carried).map(|(shown, _, _)| shown);
        assert_eq!(found, Some("inputs.version"));
        assert!(carried_in("${{ inputs.version_number }}", &carried).is_none());
        assert!(carried_in("${{ xinputs.version }}", &carried).is_none());
        assert!(carried_in("${{ inputs.version == '1' }}", &carried).is_none());
        let matrix = vec![("matrix".to_string(), origin())];
        let found = carried_in("${{ fromJSON(matrix.Version) }}", &matrix).map(|(s, _, _)| s);
        assert_eq!(found, Some("matrix.Version"));
    }
}
