//! Repository scripts, Make targets and package.json or composer.json scripts that CI steps
//! run (`bash scripts/test.sh`, `./ci/lint.sh`, `make test`, `npm run lint`): their commands are part of the step, so a coverage threshold or a scanner call inside a script
//! counts as much as one written in the workflow. So do the hooks a `pre-commit run` runs
//! ([`super::precommit`]). Scripts are read, never run.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::LazyLock;

use regex::Regex;

use super::make_runs::{IncludingMakefile, MakeRun, MakefileCut};
use super::package_scripts::{self, Manifest};
use super::{Command, MAX_COPIED_BYTES, Pipeline, Unparsed, copied_bound, precommit};
use crate::inventory::Inventory;
use crate::source::Location;

/// How deep scripts calling scripts are followed.
const MAX_DEPTH: usize = 3;
/// Most commands taken from one script, or from the recipes of one make call.
pub(super) const MAX_COMMANDS: usize = 500;

static SCRIPT_CALL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s;&|(])(?:(?:ba|z)?sh\s+(?:-\w+\s+)*|source\s+|\.\s+)?((?:\.{1,2}/)?[\w.\-/]+\.(?:sh|bash))\b").ok()
});

/// Adds to each step the commands of the scripts, Make targets and pre-commit hooks it runs.
///
/// Every step that calls a script gets the script's commands, so a workflow of thousands of
/// steps calling one long script would hold millions of copies: at most [`MAX_EXPANDED`]
/// commands, and [`MAX_COPIED_BYTES`] of their text, are added over the whole repository, in
/// file order. Scripts are split into commands once, and the pre-commit configuration is
/// parsed once.
///
/// What is left out is told in `read_in_part`: each pipeline whose steps lost commands to the
/// budget, each script longer than [`MAX_COMMANDS`], and each Makefile whose recipes were cut
/// (a call running more than [`MAX_COMMANDS`] commands, prerequisites deeper than make's
/// limit, more included files than are read).
pub fn expand(pipelines: &mut [Pipeline], inventory: &Inventory, read_in_part: &mut Vec<Unparsed>) {
    let mut reader = Reader {
        inventory,
        scripts: HashMap::new(),
        recipes: HashMap::new(),
        makefiles: HashMap::new(),
        packages: HashMap::new(),
        precommit: OnceCell::new(),
        budget: MAX_EXPANDED,
        bytes: MAX_COPIED_BYTES,
        cut: false,
        too_deep: false,
        long_scripts: Vec::new(),
        cut_makefiles: Vec::new(),
        told_calls: HashSet::new(),
    };
    for pipeline in pipelines.iter_mut() {
        reader.cut = false;
        reader.too_deep = false;
        for job in &mut pipeline.jobs {
            for step in &mut job.steps {
                let mut expanded = Vec::with_capacity(step.commands.len());
                for command in std::mem::take(&mut step.commands) {
                    let base = step.working_directory.clone().unwrap_or_default();
                    let inner = reader.follow(&command.text, &base, 0, &mut HashSet::new());
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
                    "steps past {MAX_EXPANDED} followed commands or {} followed are read \
                     without the scripts, Make targets and hooks they call",
                    copied_bound()
                ),
            });
        }
        if reader.too_deep {
            read_in_part.push(Unparsed {
                path: pipeline.path.clone(),
                reason: format!(
                    "scripts and Make targets called more than {MAX_DEPTH} calls deep from a step \
                     are not followed"
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
    for (path, cut) in reader.cut_makefiles {
        read_in_part.extend(cut.reasons().into_iter().map(|reason| Unparsed {
            path: path.clone(),
            reason,
        }));
    }
}

/// Most commands [`expand`] adds over a whole repository. The largest real repositories
/// measured hold a few hundred commands in all (sendapp 525, argo-rollouts 451); a generated
/// workflow could otherwise add billions.
pub const MAX_EXPANDED: usize = 50_000;

/// The scripts of one package.json or composer.json, by name.
type PackageScripts = HashMap<String, Rc<[Command]>>;

/// Reads what steps call, each file split into commands once, within the repository's budget.
struct Reader<'i> {
    inventory: &'i Inventory,
    /// The commands of each script read so far, by path, and whether it holds more.
    scripts: HashMap<String, (Rc<[Command]>, bool)>,
    /// The recipes of each make call read so far, by the folder make runs in, the Makefile
    /// and the targets (`api|build/service.mk:test lint`).
    recipes: HashMap<String, Rc<MakeRun>>,
    /// Each Makefile read so far, by the folder make runs in (`api|build/service.mk`), and
    /// whether files it includes were left unread.
    makefiles: HashMap<String, Rc<IncludingMakefile<'i>>>,
    /// The scripts of each package.json and composer.json read so far, by path.
    packages: HashMap<String, Rc<PackageScripts>>,
    precommit: OnceCell<Option<precommit::Config>>,
    /// Commands that may still be added.
    budget: usize,
    /// Bytes of command text that may still be added; once a command does not fit, none is.
    bytes: usize,
    /// Whether a command was left out for want of budget since this was last cleared.
    cut: bool,
    /// Whether a script or Make target that adds commands was called too deep to follow
    /// since this was last cleared.
    too_deep: bool,
    /// Scripts with more commands than are followed, in the order they were first followed.
    long_scripts: Vec<String>,
    /// Makefiles whose recipes were followed in part, in the order they were first cut.
    cut_makefiles: Vec<(String, MakefileCut)>,
    /// The make calls whose cuts are recorded, by the key of [`Reader::recipes`].
    told_calls: HashSet<String>,
}

/// A script or make call that a command runs, found in the repository.
enum Callee {
    Script(String),
    /// The Makefile, the folder make runs in and the targets named.
    Make {
        path: String,
        folder: String,
        targets: Vec<String>,
    },
    /// A script of a package.json or composer.json, by name.
    Package {
        path: String,
        name: String,
    },
}

impl Callee {
    /// What a command's expansion remembers having followed. Make reads the files a Makefile
    /// includes from the folder it runs in, so one Makefile run from two folders (`make -f
    /// ../build/service.mk` in each service) can run different recipes.
    fn key(&self) -> String {
        match self {
            Callee::Script(path) => path.clone(),
            Callee::Make {
                path,
                folder,
                targets,
            } => format!("{folder}|{path}:{}", targets.join(" ")),
            Callee::Package { path, name } => format!("{path}#{name}"),
        }
    }

    /// The folder the callee's commands run in, from the folder `base` it was called in: a
    /// script keeps the step's working directory, recipes run in the Makefile's folder.
    fn folder<'a>(&'a self, base: &'a str) -> &'a str {
        match self {
            Callee::Script(_) | Callee::Package { .. } => base,
            Callee::Make { folder, .. } => folder,
        }
    }
}

impl Reader<'_> {
    /// Takes the first of `wanted` from the budgets, in order, until one does not fit;
    /// returns how many were granted.
    fn take(&mut self, wanted: &[Command]) -> usize {
        let mut granted = 0;
        for command in wanted {
            let Some(left) = self.bytes.checked_sub(command.text.len()) else {
                self.bytes = 0;
                break;
            };
            if self.budget == 0 {
                break;
            }
            self.budget -= 1;
            self.bytes = left;
            granted += 1;
        }
        self.cut |= granted < wanted.len();
        granted
    }

    /// Whether nothing more may be added.
    fn spent(&self) -> bool {
        self.budget == 0 || self.bytes == 0
    }

    fn hooks(&mut self, command: &str) -> Vec<Command> {
        // Once the pipeline is told to be cut, nothing more needs checking.
        if !precommit::runs_hooks(command) || (self.spent() && self.cut) {
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
        let granted = self.take(&hooks);
        hooks.truncate(granted);
        hooks
    }

    /// The scripts and make calls `text` runs that the repository holds, in the order the
    /// command names them, scripts first.
    fn callees(&mut self, text: &str, base: &str) -> Vec<Callee> {
        let Some(regex) = SCRIPT_CALL.as_ref() else {
            return Vec::new();
        };
        let inventory = self.inventory;
        let exists = |p: &String| inventory.get(p).is_some_and(|f| f.text.is_some());
        let mut out = Vec::new();
        for capture in regex.captures_iter(text) {
            let Some(called) = capture.get(1).map(|m| m.as_str()) else {
                continue;
            };
            let found = [join(base, called), join("", called)]
                .into_iter()
                .flatten()
                .find(exists);
            out.extend(found.map(Callee::Script));
        }
        for call in super::make::calls(text) {
            let Some(folder) = join(base, call.directory.as_deref().unwrap_or("")) else {
                continue;
            };
            let names = match call.file.as_deref() {
                Some(file) => vec![file],
                None => vec!["GNUmakefile", "makefile", "Makefile"],
            };
            let found = (names.into_iter())
                .filter_map(|name| join(&folder, name))
                .find(exists);
            if let Some(path) = found {
                out.push(Callee::Make {
                    path,
                    folder,
                    targets: call.targets,
                });
            }
        }
        for (manifest, name) in package_scripts::calls(text) {
            let Some(path) = join(base, manifest.file_name()) else {
                continue;
            };
            if self.package(&path, manifest).contains_key(&name) {
                out.push(Callee::Package { path, name });
            }
        }
        out
    }

    /// The scripts of the package.json or composer.json at `path`, read once.
    fn package(&mut self, path: &str, manifest: Manifest) -> Rc<PackageScripts> {
        if let Some(scripts) = self.packages.get(path) {
            return scripts.clone();
        }
        let text = (self.inventory.get(path))
            .and_then(|f| f.text.as_deref())
            .unwrap_or("");
        let scripts: PackageScripts = (package_scripts::scripts(path, text, manifest).into_iter())
            .map(|(name, commands)| (name, commands.into_iter().take(MAX_COMMANDS).collect()))
            .collect();
        let scripts = Rc::new(scripts);
        self.packages.insert(path.to_string(), scripts.clone());
        scripts
    }

    /// The commands a callee adds, each script split and each Makefile read once.
    fn commands(&mut self, callee: &Callee) -> Rc<[Command]> {
        match callee {
            Callee::Script(path) => self.script(path).0,
            Callee::Make { .. } => self.make_run(callee).commands.clone(),
            Callee::Package { path, name } => {
                let manifest = if path.ends_with("composer.json") {
                    Manifest::ComposerJson
                } else {
                    Manifest::PackageJson
                };
                (self.package(path, manifest).get(name).cloned()).unwrap_or_else(|| Rc::from([]))
            }
        }
    }

    /// The commands of the script at `path`, split once, and whether it holds more.
    fn script(&mut self, path: &str) -> (Rc<[Command]>, bool) {
        if let Some(script) = self.scripts.get(path) {
            return script.clone();
        }
        let body = (self.inventory.get(path))
            .and_then(|f| f.text.as_deref())
            .unwrap_or("");
        let all = script_lines(path, body);
        let long = all.len() > MAX_COMMANDS;
        let commands: Rc<[Command]> = all.into_iter().take(MAX_COMMANDS).collect();
        self.scripts
            .insert(path.to_string(), (commands.clone(), long));
        (commands, long)
    }

    /// What a make call runs, worked out once per call; make calls naming other targets
    /// read the same Makefile.
    fn make_run(&mut self, callee: &Callee) -> Rc<MakeRun> {
        let key = callee.key();
        if let Some(run) = self.recipes.get(&key) {
            return run.clone();
        }
        let Callee::Make {
            path,
            folder,
            targets,
        } = callee
        else {
            return Rc::new(MakeRun::default());
        };
        let inventory = self.inventory;
        let makefile = self
            .makefiles
            .entry(format!("{folder}|{path}"))
            .or_insert_with(|| Rc::new(IncludingMakefile::read(inventory, path, folder)))
            .clone();
        let run = Rc::new(makefile.run(targets, MAX_COMMANDS));
        self.recipes.insert(key, run.clone());
        run
    }

    /// Records, the first time a callee is followed, what of it is left out.
    fn tell_cut(&mut self, callee: &Callee) {
        match callee {
            Callee::Script(path) => {
                if self.script(path).1 && !self.long_scripts.contains(path) {
                    self.long_scripts.push(path.clone());
                }
            }
            Callee::Make { path, targets, .. } => {
                let run = self.make_run(callee);
                if !run.is_cut() || !self.told_calls.insert(callee.key()) {
                    return;
                }
                let index = match self.cut_makefiles.iter().position(|(p, _)| p == path) {
                    Some(index) => index,
                    None => {
                        let cut = (path.clone(), MakefileCut::default());
                        self.cut_makefiles.push(cut);
                        self.cut_makefiles.len() - 1
                    }
                };
                if let Some((_, told)) = self.cut_makefiles.get_mut(index) {
                    told.record(targets, &run);
                }
            }
            Callee::Package { .. } => {}
        }
    }

    /// The commands of the scripts and Make targets `text` runs, and of those they run in
    /// turn, up to [`MAX_DEPTH`] calls deep, each followed once per step command (`visited`).
    fn follow(
        &mut self,
        text: &str,
        base: &str,
        depth: usize,
        visited: &mut HashSet<String>,
    ) -> Vec<Command> {
        let too_deep = depth >= MAX_DEPTH;
        // Once the pipeline is told to be cut, nothing more needs checking.
        let told = if too_deep { self.too_deep } else { self.cut };
        if (too_deep || self.spent()) && told {
            return Vec::new();
        }
        let callees = self.callees(text, base);
        if too_deep || self.spent() {
            // Nothing more is added; whether this command would have added something is
            // checked and told, not followed.
            let left_out = callees
                .iter()
                .any(|c| !visited.contains(&c.key()) && !self.commands(c).is_empty());
            if too_deep {
                self.too_deep |= left_out;
            } else {
                self.cut |= left_out;
            }
            return Vec::new();
        }
        let mut out = Vec::new();
        for callee in &callees {
            if !visited.insert(callee.key()) {
                continue;
            }
            self.tell_cut(callee);
            let commands = self.commands(callee);
            let folder = callee.folder(base);
            for command in commands.iter() {
                if self.take(std::slice::from_ref(command)) == 0 {
                    return out;
                }
                let nested = self.follow(&command.text, folder, depth + 1, visited);
                out.push(command.clone());
                out.extend(nested);
            }
        }
        out
    }
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
