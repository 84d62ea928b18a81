//! Local composite actions (`uses: ./.github/actions/setup`) inlined into the steps that use
//! them, within a budget.
//!
//! An action whose steps use other local actions is followed a few levels deep, so a handful
//! of small files could otherwise multiply into billions of steps: forty steps each using their
//! own action, four levels deep, are 2.5 million steps, copied again for every workflow step
//! that uses the action. So an action already being expanded is not expanded again inside
//! itself (GitHub would never finish running it: it runs no steps beyond the `uses:` step),
//! each action is expanded once per depth and shared, and the steps inlined over a repository
//! are bounded by [`MAX_INLINED`]. A count alone would let one long command, used by many
//! steps, be copied thousands of times: the text inlined is bounded too
//! ([`super::MAX_COPIED_BYTES`]).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::{MAX_COPIED_BYTES, Step};

/// How many levels of actions using actions are followed, counting the action itself.
const MAX_ACTION_DEPTH: usize = 4;

/// Most steps and commands (each counts one) inlined over a repository, once while expanding
/// actions into each other and once more while copying them into workflow jobs. The largest
/// real repositories hold a few hundred steps in all; the bound keeps generated actions from
/// filling memory while leaving room for an action with a long script used by many jobs.
pub const MAX_INLINED: usize = 200_000;

/// The steps of a repository's local composite actions, expanded, keyed by the action's folder
/// (`.github/actions/setup`), and the budget left for copying them into workflow jobs.
#[derive(Debug)]
pub struct LocalActions {
    expanded: HashMap<String, Rc<[Step]>>,
    budget: Cell<usize>,
    /// Bytes of text that may still be copied into workflow jobs.
    bytes: Cell<usize>,
    /// Actions, by folder, whose expansion left out a local action they use for want of
    /// budget, in folder order.
    cut_actions: Vec<String>,
    /// Whether a step was left without its action's steps for want of budget since
    /// [`LocalActions::take_cut`] was last asked.
    cut: Cell<bool>,
}

impl Default for LocalActions {
    fn default() -> Self {
        LocalActions {
            expanded: HashMap::new(),
            budget: Cell::new(MAX_INLINED),
            bytes: Cell::new(MAX_COPIED_BYTES),
            cut_actions: Vec::new(),
            cut: Cell::new(false),
        }
    }
}

impl LocalActions {
    /// Expands each action's own steps (`raw`, keyed by folder) with the steps of the local
    /// actions they use. Actions are taken in folder order, so which ones the budget reaches
    /// does not depend on hashing.
    pub fn expand(raw: &HashMap<String, Vec<Step>>) -> LocalActions {
        let mut folders: Vec<&str> = raw.keys().map(String::as_str).collect();
        folders.sort_unstable();
        let mut expander = Expander {
            raw,
            shared: HashMap::new(),
            on_path: HashSet::new(),
            budget: MAX_INLINED,
            bytes: MAX_COPIED_BYTES,
            cut: false,
        };
        let mut cut_actions = Vec::new();
        let mut expanded = HashMap::with_capacity(folders.len());
        for folder in folders {
            expander.cut = false;
            expanded.insert(folder.to_string(), expander.expand(folder, 1).steps);
            if expander.cut {
                cut_actions.push(folder.to_string());
            }
        }
        LocalActions {
            expanded,
            budget: Cell::new(MAX_INLINED),
            bytes: Cell::new(MAX_COPIED_BYTES),
            cut_actions,
            cut: Cell::new(false),
        }
    }

    /// The actions, by folder, whose own expansion was cut short by the budget.
    pub fn cut_actions(&self) -> &[String] {
        &self.cut_actions
    }

    /// Whether a step was left without its action's steps for want of budget since this was
    /// last asked.
    pub fn take_cut(&self) -> bool {
        self.cut.replace(false)
    }

    /// The step followed by the expanded steps of the local action it `uses`, if it is one
    /// and the repository's budgets still hold them; a step allowed to fail
    /// (`continue-on-error`) makes the action's steps allowed to fail too.
    pub fn with_inlined(&self, step: Step) -> Vec<Step> {
        let inlined = step
            .uses
            .as_deref()
            .and_then(folder_of)
            .and_then(|f| self.expanded.get(f))
            .map(|steps| (steps, cost_of(steps), bytes_of(steps)));
        let Some((steps, cost, bytes)) = inlined else {
            return vec![step];
        };
        if cost > self.budget.get() || bytes > self.bytes.get() {
            self.cut.set(true);
            return vec![step];
        }
        self.budget.set(self.budget.get() - cost);
        self.bytes.set(self.bytes.get() - bytes);
        let non_blocking = step.non_blocking;
        let mut out = Vec::with_capacity(1 + steps.len());
        out.push(step);
        out.extend(steps.iter().cloned().map(|mut inner| {
            inner.non_blocking |= non_blocking;
            inner
        }));
        out
    }
}

/// The folder of a local action from a step's `uses:` (`./.github/actions/setup/`).
fn folder_of(uses: &str) -> Option<&str> {
    uses.strip_prefix("./").map(|d| d.trim_end_matches('/'))
}

/// What copying steps costs against the budget: one per step and one per command.
fn cost_of(steps: &[Step]) -> usize {
    steps.iter().map(|s| 1 + s.commands.len()).sum()
}

/// What copying steps costs against the bytes budget: the text of their commands and inputs,
/// which every later check reads again in each copy.
fn bytes_of(steps: &[Step]) -> usize {
    (steps.iter())
        .map(|s| {
            let commands: usize = s.commands.iter().map(|c| c.text.len()).sum();
            let inputs: usize = s.inputs.iter().map(|i| i.value.len()).sum();
            commands + inputs
        })
        .sum()
}

/// One action's expansion, and whether it left out an action because that action was being
/// expanded around it (then it holds only for this path, and is not shared).
struct Expansion {
    steps: Rc<[Step]>,
    cut_cycle: bool,
}

/// An expansion kept for reuse, and whether the budget cut something out of it.
type Shared = (Rc<[Step]>, bool);

/// Expands actions depth first, sharing each path-independent expansion by action and depth.
struct Expander<'r> {
    raw: &'r HashMap<String, Vec<Step>>,
    /// Each expansion by action and depth, with whether the budget cut something out of it.
    shared: HashMap<(&'r str, usize), Shared>,
    /// Actions being expanded around the current one.
    on_path: HashSet<&'r str>,
    budget: usize,
    /// Bytes of text that may still be copied from action to action.
    bytes: usize,
    /// Whether a nested action was left out for want of budget.
    cut: bool,
}

impl<'r> Expander<'r> {
    fn expand(&mut self, folder: &'r str, depth: usize) -> Expansion {
        if let Some((steps, cut)) = self.shared.get(&(folder, depth)) {
            self.cut |= *cut;
            return Expansion {
                steps: steps.clone(),
                cut_cycle: false,
            };
        }
        let Some(own) = self.raw.get(folder) else {
            return Expansion {
                steps: Rc::from(Vec::new()),
                cut_cycle: false,
            };
        };
        // An action's own steps are free at the top; nested ones are copies and count.
        if depth > 1 {
            self.budget = self.budget.saturating_sub(cost_of(own));
            self.bytes = self.bytes.saturating_sub(bytes_of(own));
        }
        self.on_path.insert(folder);
        let cut_around = std::mem::replace(&mut self.cut, false);
        let mut steps = Vec::with_capacity(own.len());
        let mut cut_cycle = false;
        for step in own {
            steps.push(step.clone());
            if depth >= MAX_ACTION_DEPTH {
                continue;
            }
            let Some((inner, _)) = step
                .uses
                .as_deref()
                .and_then(folder_of)
                .and_then(|f| self.raw.get_key_value(f))
            else {
                continue;
            };
            if self.on_path.contains(inner.as_str()) {
                cut_cycle = true;
                continue;
            }
            if self.budget == 0 || self.bytes == 0 {
                self.cut = true;
                continue;
            }
            let nested = self.expand(inner, depth + 1);
            cut_cycle |= nested.cut_cycle;
            let cost = cost_of(&nested.steps);
            let bytes = bytes_of(&nested.steps);
            if cost > self.budget || bytes > self.bytes {
                self.cut = true;
                continue;
            }
            self.budget -= cost;
            self.bytes -= bytes;
            steps.extend(nested.steps.iter().cloned().map(|mut s| {
                s.non_blocking |= step.non_blocking;
                s
            }));
        }
        self.on_path.remove(folder);
        let steps: Rc<[Step]> = Rc::from(steps);
        let cut_here = self.cut;
        self.cut |= cut_around;
        if !cut_cycle {
            self.shared
                .insert((folder, depth), (steps.clone(), cut_here));
        }
        Expansion { steps, cut_cycle }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;

    fn step(uses: Option<&str>) -> Step {
        Step {
            name: None,
            uses: uses.map(str::to_string),
            uses_ref: None,
            inputs: Vec::new(),
            commands: Vec::new(),
            non_blocking: false,
            location: Location {
                path: "action.yml".to_string(),
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            },
            working_directory: None,
            waits_for: None,
        }
    }

    #[test]
    fn inlining_stops_when_the_budget_is_spent() {
        let own = vec![step(None); MAX_INLINED / 3 + 1];
        let raw = HashMap::from([("big".to_string(), own)]);
        let actions = LocalActions::expand(&raw);
        let uses = || step(Some("./big"));
        assert_eq!(actions.with_inlined(uses()).len(), MAX_INLINED / 3 + 2);
        assert_eq!(actions.with_inlined(uses()).len(), MAX_INLINED / 3 + 2);
        assert!(!actions.take_cut());
        // A third copy would pass the budget: the step stays, the action is not inlined,
        // and the cut is told once.
        assert_eq!(actions.with_inlined(uses()).len(), 1);
        assert!(actions.take_cut());
        assert!(!actions.take_cut());
        assert!(actions.cut_actions().is_empty());
    }

    #[test]
    fn an_action_using_itself_is_not_expanded_inside_itself() {
        let raw = HashMap::from([("a".to_string(), vec![step(Some("./a")); 3])]);
        let actions = LocalActions::expand(&raw);
        assert_eq!(actions.with_inlined(step(Some("./a/"))).len(), 4);
    }
}
