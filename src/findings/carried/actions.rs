//! Untrusted text carried into and out of the repository's own composite actions.
//!
//! A step that uses a local action (`uses: ./.github/actions/greet`) hands it text three
//! ways: the inputs it fills (`with: title: ...`), the defaults of the inputs it leaves out
//! (`default: ${{ github.head_ref }}`), and its environment, which the action's steps run
//! with. The action is walked once with what all the steps that use it hand it; the text is
//! marked with the way it came in ([`Through`]), so that an output built from it, or a
//! variable the action writes to `$GITHUB_ENV` for the steps after it, is handed back only to
//! the steps that hand the same text in the same way, with their own origin.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::{Bindings, Calls, Carried, MAX_CARRIED, Origin, Run, Walked, add, bindings, origin_in};
use crate::findings::{YamlFile, action_steps};
use crate::parse::yaml::Node;

/// How untrusted text comes into a local action from a step that uses it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Through {
    /// An input, lower-cased: what the step fills it with, or its default when the step
    /// leaves it out.
    Input(String),
    /// A variable of the step's environment, which the action's steps run with: the step's
    /// own `env:`, its job's and workflow's, or one written to `$GITHUB_ENV` before it.
    Environment(String),
}

impl Origin {
    /// This origin, for text that came into a local action `through` this way.
    fn through(&self, through: Through) -> Rc<Origin> {
        Rc::new(Origin {
            through: Some(through),
            ..self.clone()
        })
    }
}

/// Walks the steps of the local action in `file` with what the steps that use it hand it,
/// as earlier walks found: records what its steps carry in `walked`, and in `found` the
/// outputs and the variables it hands back with untrusted text and what it hands the local
/// actions it uses.
pub(super) fn walk<'f>(
    file: &YamlFile<'f>,
    actions: &[YamlFile<'f>],
    calls: &Calls,
    walked: &mut Walked,
    found: &mut Calls,
) {
    let mut carried = Carried::new();
    let filled = calls.inputs.get(file.path).into_iter().flatten();
    for (name, origin) in filled.chain(calls.defaults.get(file.path).into_iter().flatten()) {
        let input = name.trim_start_matches("inputs.").to_string();
        let origin = origin.through(Through::Input(input));
        add(&mut carried, name.clone(), origin);
    }
    let variables = calls.environment.get(file.path).into_iter().flatten();
    let environment: Bindings = variables
        .map(|(name, origin)| {
            let origin = origin.through(Through::Environment(name.clone()));
            (name.clone(), Some(origin))
        })
        .collect();
    let run = Run {
        file,
        actions,
        calls,
    };
    let none = Bindings::new();
    let mut writes = Vec::new();
    // GitHub reads an action's metadata as one document.
    if let Some(document) = file.documents.first() {
        let outer = [&environment, &none];
        writes = run.steps(action_steps(document), &mut carried, outer, found);
        let declared = document.get("outputs").map(Node::entries).unwrap_or(&[]);
        for (key, output) in declared {
            let (Some(key), Some(value)) = (key.as_str(), output.get("value")) else {
                continue;
            };
            if let Some(origin) = origin_in(value, file, &carried) {
                let target = found.outputs.entry(file.path.to_string()).or_default();
                let name = format!("outputs.{}", key.to_ascii_lowercase());
                add(target, name, origin);
            }
        }
    }
    // The variables the action leaves untrusted in `$GITHUB_ENV`, each as last written.
    let mut last = HashMap::new();
    for (_, name, origin) in &writes {
        last.insert(name, origin);
    }
    let mut exported: Vec<_> = (last.into_iter())
        .filter_map(|(name, origin)| Some((name, origin.as_ref()?)))
        .collect();
    exported.sort_by(|a, b| a.0.cmp(b.0));
    for (name, origin) in exported {
        let target = found.exported.entry(file.path.to_string()).or_default();
        add(target, name.clone(), origin.clone());
    }
    let key = (file.path.to_string(), String::new());
    if !writes.is_empty() {
        walked.environment.insert(key.clone(), writes);
    }
    walked.jobs.insert(key, carried);
}

/// The variables that hold untrusted text, by name.
pub(super) type Untrusted = BTreeMap<String, Rc<Origin>>;

/// The environment a step runs with outside its own `env:`.
pub(super) struct Outer<'e> {
    /// The variables earlier steps wrote to `$GITHUB_ENV`, the job's and the workflow's
    /// `env:`, nearest first.
    pub layers: [&'e Bindings; 3],
    /// Those of them that hold untrusted text, each as its nearest layer binds it
    /// ([`untrusted_variables`]).
    pub untrusted: &'e Untrusted,
}

/// The variables of `layers` (nearest first) that hold untrusted text as the nearest layer
/// that binds them has it. A job's steps work this out once, when one first uses a local
/// action, and keep it up to date as later steps write `$GITHUB_ENV`.
pub(super) fn untrusted_variables(layers: [&Bindings; 3]) -> Untrusted {
    let mut out = Untrusted::new();
    for (depth, layer) in layers.iter().enumerate() {
        for (name, origin) in layer.iter() {
            let hidden = layers[..depth]
                .iter()
                .any(|nearer| nearer.contains_key(name));
            if let (false, Some(origin)) = (hidden, origin) {
                out.insert(name.clone(), origin.clone());
            }
        }
    }
    out
}

impl Run<'_, '_> {
    /// Follows a step that uses the local action at `action`: records in `found` the
    /// untrusted text it hands the action, adds to `carried` the outputs the action hands
    /// back to it with untrusted text, when the step has an `id`, and returns the variables
    /// the action writes to `$GITHUB_ENV` with untrusted text, as the step's own writes.
    pub(super) fn call(
        &self,
        step: &Node,
        action: &str,
        id: Option<&str>,
        carried: &mut Carried,
        outer: &Outer,
        found: &mut Calls,
    ) -> Vec<(String, Option<Rc<Origin>>)> {
        let file = self.file;
        // The action runs with the step's own variables, then those it inherits, each in
        // name order.
        let own = bindings(step.get("env"), file, carried);
        let mut variables: Vec<_> = (own.iter())
            .filter_map(|(name, origin)| Some((name, origin.as_ref()?)))
            .collect();
        variables.sort_by(|a, b| a.0.cmp(b.0));
        let inherited = (outer.untrusted.iter()).filter(|(name, _)| !own.contains_key(*name));
        let target = found.environment.entry(action.to_string()).or_default();
        for (name, origin) in variables.into_iter().chain(inherited).take(MAX_CARRIED) {
            add(target, name.clone(), origin.clone());
        }
        for (key, value) in step.get("with").map(Node::entries).unwrap_or(&[]) {
            let (Some(key), Some(origin)) = (key.as_str(), origin_in(value, file, carried)) else {
                continue;
            };
            let target = found.inputs.entry(action.to_string()).or_default();
            add(
                target,
                format!("inputs.{}", key.to_ascii_lowercase()),
                origin,
            );
        }
        let exported = self.calls.exported.get(action).into_iter().flatten();
        let writes = exported
            .filter_map(|(name, origin)| {
                let origin = self.handed_back(step, action, origin, carried, &own, outer)?;
                Some((name.clone(), Some(origin)))
            })
            .collect();
        let Some(id) = id else { return writes };
        for (output, origin) in self.calls.outputs.get(action).into_iter().flatten() {
            let handed_back = self.handed_back(step, action, origin, carried, &own, outer);
            let Some(origin) = handed_back else { continue };
            let output = output.trim_start_matches("outputs.");
            add(carried, format!("steps.{id}.outputs.{output}"), origin);
        }
        writes
    }

    /// What an output (or a variable written to `$GITHUB_ENV`) of the local action at
    /// `action` hands back to `step`, which uses it, when it carries `origin`: that text when the action read it from the event;
    /// when it came through an input, what `step` fills that input with, or the input's
    /// default when `step` leaves it out; when it came through a variable, the variable the
    /// step runs with (its `own` or an `outer` one); nothing when these are trusted.
    fn handed_back(
        &self,
        step: &Node,
        action: &str,
        origin: &Rc<Origin>,
        carried: &Carried,
        own: &Bindings,
        outer: &Outer,
    ) -> Option<Rc<Origin>> {
        match &origin.through {
            None => Some(origin.clone()),
            Some(Through::Environment(name)) => {
                let mut layers = std::iter::once(own).chain(outer.layers);
                layers.find_map(|layer| layer.get(name)).cloned().flatten()
            }
            Some(Through::Input(input)) => {
                let with = step.get("with").map(Node::entries).unwrap_or(&[]);
                let filled = (with.iter())
                    .find(|(key, _)| key.as_str().is_some_and(|k| k.eq_ignore_ascii_case(input)));
                if let Some((_, value)) = filled {
                    return origin_in(value, self.file, carried);
                }
                let name = format!("inputs.{input}");
                let mut defaults = self.calls.defaults.get(action).into_iter().flatten();
                defaults
                    .find(|(default, _)| *default == name)
                    .map(|(_, origin)| origin.clone())
            }
        }
    }
}

/// The inputs of the local action in `file` whose `default:` expands untrusted text
/// (`default: ${{ github.head_ref }}`), as `inputs.NAME`: a step that uses the action without
/// filling them runs it with that text.
pub(super) fn input_defaults(file: &YamlFile) -> Carried {
    let mut out = Carried::new();
    // GitHub reads an action's metadata as one document.
    let inputs = file.documents.first().and_then(|d| d.get("inputs"));
    for (key, input) in inputs.map(Node::entries).unwrap_or(&[]) {
        let (Some(key), Some(default)) = (key.as_str(), input.get("default")) else {
            continue;
        };
        if let Some(origin) = origin_in(default, file, &Carried::new()) {
            add(
                &mut out,
                format!("inputs.{}", key.to_ascii_lowercase()),
                origin,
            );
        }
    }
    out
}
