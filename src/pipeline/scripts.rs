//! Repository scripts and Make targets that CI steps run (`bash scripts/test.sh`,
//! `./ci/lint.sh`, `make test`): their commands are part of the step, so a coverage threshold or a scanner call inside a script
//! counts as much as one written in the workflow. So do the hooks a `pre-commit run` runs
//! ([`super::precommit`]). Scripts are read, never run.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::LazyLock;

use regex::Regex;

use super::{Command, Pipeline, Unparsed, precommit};
use crate::inventory::Inventory;
use crate::source::Location;

/// How deep scripts calling scripts are followed.
const MAX_DEPTH: usize = 3;
/// Most commands taken from one script.
pub(super) const MAX_COMMANDS: usize = 500;

static SCRIPT_CALL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s;&|(])(?:(?:ba|z)?sh\s+(?:-\w+\s+)*|source\s+|\.\s+)?((?:\.{1,2}/)?[\w.\-/]+\.(?:sh|bash))\b").ok()
});

/// Adds to each step the commands of the scripts, Make targets and pre-commit hooks it runs.
///
/// Every step that calls a script gets the script's commands, so a workflow of thousands of
/// steps calling one long script would hold millions of copies: at most [`MAX_EXPANDED`]
/// commands are added over the whole repository, in file order. Scripts are split into
/// commands once, and the pre-commit configuration is parsed once.
///
/// What is left out is told in `read_in_part`: each pipeline whose steps lost commands to the
/// budget, and each script longer than [`MAX_COMMANDS`].
pub fn expand(pipelines: &mut [Pipeline], inventory: &Inventory, read_in_part: &mut Vec<Unparsed>) {
    let mut reader = Reader {
        inventory,
        scripts: HashMap::new(),
        recipes: HashMap::new(),
        precommit: OnceCell::new(),
        budget: MAX_EXPANDED,
        cut: false,
        long_scripts: Vec::new(),
    };
    for pipeline in pipelines.iter_mut() {
        reader.cut = false;
        for job in &mut pipeline.jobs {
            for step in &mut job.steps {
                let mut expanded = Vec::with_capacity(step.commands.len());
                for command in std::mem::take(&mut step.commands) {
                    let base = step.working_directory.clone().unwrap_or_default();
                    let inner = reader.follow(&command.text, &base, 0, &mut Vec::new());
                    expanded.push(command);
                    expanded.extend(inner);
                }
                // `pre-commit run`, in the step or in a script it calls, runs the hooks.
                let mut hooks = Vec::new();
                for command in &expanded {
                    hooks.extend(reader.hooks(&command.text));
                }
                expanded.extend(hooks);
                step.commands = expanded;
            }
            // The commands changed: what the job does is worked out again.
            job.deploys = std::sync::OnceLock::new();
            job.simulated = std::sync::OnceLock::new();
        }
        if reader.cut {
            read_in_part.push(Unparsed {
                path: pipeline.path.clone(),
                reason: format!(
                    "steps past {MAX_EXPANDED} followed commands are read without the scripts, \
                     Make targets and hooks they call"
                ),
            });
        }
    }
    for path in reader.long_scripts {
        read_in_part.push(Unparsed {
            path,
            reason: format!(
                "only its first {MAX_COMMANDS} commands are followed from the steps that run it"
            ),
        });
    }
}

/// Most commands [`expand`] adds over a whole repository. The largest real repositories
/// measured hold a few hundred commands in all (sendapp 525, argo-rollouts 451); a generated
/// workflow could otherwise add billions.
pub const MAX_EXPANDED: usize = 50_000;

/// Reads what steps call, each file split into commands once, within the repository's budget.
struct Reader<'i> {
    inventory: &'i Inventory,
    /// The commands of each script read so far, by path.
    scripts: HashMap<String, Rc<[Command]>>,
    /// The recipes of each Makefile and targets expanded so far, by the folder make runs in
    /// (`api|build/service.mk:test lint`).
    recipes: HashMap<String, Rc<[Command]>>,
    precommit: OnceCell<Option<precommit::Config>>,
    /// Commands that may still be added.
    budget: usize,
    /// Whether a command was left out for want of budget since this was last cleared.
    cut: bool,
    /// Scripts with more commands than are followed, in the order they were first read.
    long_scripts: Vec<String>,
}

impl Reader<'_> {
    /// Takes up to `wanted` commands from the budget; returns how many were granted.
    fn take(&mut self, wanted: usize) -> usize {
        let granted = wanted.min(self.budget);
        self.budget -= granted;
        self.cut |= granted < wanted;
        granted
    }

    fn hooks(&mut self, command: &str) -> Vec<Command> {
        if !precommit::runs_hooks(command) {
            return Vec::new();
        }
        if self.budget == 0 {
            self.cut = true;
            return Vec::new();
        }
        let inventory = self.inventory;
        let config = self
            .precommit
            .get_or_init(|| precommit::Config::load(inventory));
        let Some(config) = config.as_ref() else {
            return Vec::new();
        };
        let mut hooks = precommit::hooks(command, config);
        let granted = self.take(hooks.len());
        hooks.truncate(granted);
        hooks
    }

    /// The commands of `path`, split once.
    fn script(&mut self, path: &str, body: &str) -> Rc<[Command]> {
        if let Some(commands) = self.scripts.get(path) {
            return commands.clone();
        }
        let all = script_lines(path, body);
        if all.len() > MAX_COMMANDS {
            self.long_scripts.push(path.to_string());
        }
        let commands: Rc<[Command]> = all.into_iter().take(MAX_COMMANDS).collect();
        self.scripts.insert(path.to_string(), commands.clone());
        commands
    }

    fn follow(
        &mut self,
        text: &str,
        base: &str,
        depth: usize,
        visited: &mut Vec<String>,
    ) -> Vec<Command> {
        let Some(regex) = SCRIPT_CALL.as_ref() else {
            return Vec::new();
        };
        if depth >= MAX_DEPTH {
            return Vec::new();
        }
        if self.budget == 0 {
            // Nothing more is added; whether this command would have added something is
            // told, not followed.
            self.cut |= regex.is_match(text) || !super::make::calls(text).is_empty();
            return Vec::new();
        }
        let inventory = self.inventory;
        let mut out = Vec::new();
        for capture in regex.captures_iter(text) {
            let Some(called) = capture.get(1).map(|m| m.as_str()) else {
                continue;
            };
            let Some(path) = [join(base, called), join("", called)]
                .into_iter()
                .flatten()
                .find(|p| inventory.get(p).is_some_and(|f| f.text.is_some()))
            else {
                continue;
            };
            if visited.contains(&path) {
                continue;
            }
            visited.push(path.clone());
            let Some(body) = inventory.get(&path).and_then(|f| f.text.as_deref()) else {
                continue;
            };
            // A script keeps the step's working directory, so paths inside it resolve from
            // there.
            let commands = self.script(&path, body);
            for command in commands.iter() {
                if self.take(1) == 0 {
                    return out;
                }
                let nested = self.follow(&command.text, base, depth + 1, visited);
                out.push(command.clone());
                out.extend(nested);
            }
        }
        for call in super::make::calls(text) {
            let Some(folder) = join(base, call.directory.as_deref().unwrap_or("")) else {
                continue;
            };
            let names = match call.file.as_deref() {
                Some(file) => vec![file],
                None => vec!["GNUmakefile", "makefile", "Makefile"],
            };
            let Some(path) = names
                .into_iter()
                .filter_map(|name| join(&folder, name))
                .find(|p| inventory.get(p).is_some_and(|f| f.text.is_some()))
            else {
                continue;
            };
            // Make reads the files a Makefile includes from the folder it runs in, so one
            // Makefile run from two folders (`make -f ../build/service.mk` in each service)
            // can run different recipes.
            let key = format!("{folder}|{path}:{}", call.targets.join(" "));
            if visited.contains(&key) {
                continue;
            }
            visited.push(key.clone());
            let recipes = match self.recipes.get(&key) {
                Some(recipes) => recipes.clone(),
                None => {
                    let recipes = make_recipes(inventory, &path, &folder, &call.targets);
                    self.recipes.insert(key.clone(), recipes.clone());
                    recipes
                }
            };
            // Recipes run in the Makefile's folder.
            for command in recipes.iter() {
                if self.take(1) == 0 {
                    return out;
                }
                let nested = self.follow(&command.text, &folder, depth + 1, visited);
                out.push(command.clone());
                out.extend(nested);
            }
        }
        out
    }
}

/// The recipes `targets` run in the Makefile at `path`, with the files it includes (named
/// relative to `folder`, where make runs).
fn make_recipes(
    inventory: &Inventory,
    path: &str,
    folder: &str,
    targets: &[String],
) -> Rc<[Command]> {
    let Some(body) = inventory.get(path).and_then(|f| f.text.as_deref()) else {
        return Rc::from(Vec::new());
    };
    let mut files = vec![(path.to_string(), body)];
    for name in super::make::includes(body).into_iter().take(16) {
        if let Some(included) = join(folder, name)
            && let Some(text) = inventory.get(&included).and_then(|f| f.text.as_deref())
            && !files.iter().any(|(p, _)| *p == included)
        {
            files.push((included, text));
        }
    }
    super::make::recipes_in(&files, targets, MAX_COMMANDS).into()
}

/// Joins a relative script path onto a folder, resolving `.` and `..`; `None` if it leaves
/// the repository.
pub(crate) fn join(base: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = if relative.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn script_lines(path: &str, body: &str) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    let mut pending: Option<Command> = None;
    for (index, raw) in body.lines().enumerate() {
        let trimmed = raw.trim();
        if pending.is_none() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        let piece = trimmed.trim_end_matches('\\').trim();
        match pending.as_mut() {
            Some(command) => {
                command.text.push(' ');
                command.text.push_str(piece);
            }
            None => {
                let column = raw.len() - raw.trim_start().len() + 1;
                let location =
                    Location::line(path, index + 1, column, column + trimmed.chars().count());
                pending = Some(Command {
                    text: piece.to_string(),
                    location,
                });
            }
        }
        if !trimmed.ends_with('\\') {
            out.extend(pending.take());
        }
    }
    out.extend(pending);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths_inside_the_repository() {
        assert_eq!(
            join("backend", "scripts/test.sh").as_deref(),
            Some("backend/scripts/test.sh")
        );
        assert_eq!(
            join("backend/scripts", "../ci/a.sh").as_deref(),
            Some("backend/ci/a.sh")
        );
        assert_eq!(join("", "../../etc/passwd.sh"), None);
    }

    #[test]
    fn finds_script_calls() {
        let Some(regex) = SCRIPT_CALL.as_ref() else {
            panic!("pattern")
        };
        let calls: Vec<&str> = regex
            .captures_iter("uv run bash scripts/tests-start.sh \"x\" && ./ci/lint.sh")
            .filter_map(|c| c.get(1))
            .map(|m| m.as_str())
            .collect();
        assert_eq!(calls, ["scripts/tests-start.sh", "./ci/lint.sh"]);
    }
}
