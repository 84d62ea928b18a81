//! Google Cloud Build into the pipeline model: build files (`cloudbuild.yaml`, or the same in
//! JSON, `cloudbuild.json`) and the trigger definitions that start them ([`trigger`]).
//!
//! A build is one list of steps, each a container image run with `args:` (or a `script:`), so
//! it becomes one job. A step's commands are its script, the script of a shell entrypoint
//! called with `-c` (after any other shell options: `-eEuo pipefail -c`), or else the image's
//! tool called with the arguments (`gcr.io/cloud-builders/docker` with `[build, -t, ...]` is
//! `docker build -t ...`). Steps run one after another unless `waitFor:` says otherwise.
//! What starts a build is configured in Google Cloud: unless a trigger definition in the
//! repository names the build, the triggers say it starts outside the repository.

mod events;
mod trigger;

pub(super) use trigger::{Triggered, start_named_builds};

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use super::{
    CiSystem, Command, Job, JobGraph, Pipeline, Step, Triggers, location_of, script_commands,
};
use crate::inventory::Inventory;
use crate::parse::yaml::{self, Node};

/// What one Cloud Build file holds.
pub(super) struct Read {
    /// The builds it defines: the file itself, or the inline `build:` of its triggers.
    pub pipelines: Vec<Pipeline>,
    /// Whether it holds trigger definitions rather than a build: no trigger can run it.
    pub definitions: bool,
    /// The build files its triggers name (`filename:`), with what starts them.
    pub starts: Vec<trigger::Start>,
    /// Its triggers that run no build, each with why.
    pub unassessed: Vec<trigger::Unassessed>,
}

/// What the Cloud Build files of a repository share while they are read: the inventory, and
/// its folders, gathered once and only if a step names a `dir:`.
pub(super) struct Context<'i> {
    inventory: &'i Inventory,
    folders: OnceCell<HashSet<&'i str>>,
}

impl<'i> Context<'i> {
    pub(super) fn new(inventory: &'i Inventory) -> Self {
        Context {
            inventory,
            folders: OnceCell::new(),
        }
    }

    fn is_folder(&self, dir: &str) -> bool {
        let inventory = self.inventory;
        let all = self.folders.get_or_init(|| {
            (inventory.files.iter())
                .flat_map(|f| f.path.match_indices('/').map(|(at, _)| &f.path[..at]))
                .collect()
        });
        all.contains(dir)
    }
}

/// Reads a Cloud Build file: a build (`steps:` at the top) or trigger definitions (`github:`,
/// `triggerTemplate:`, `filename:`, `build:` ... as `gcloud builds triggers import` takes them).
pub(super) fn read(path: &str, text: &str, context: &Context) -> Result<Read, String> {
    let text = yaml_text(path, text);
    let documents = yaml::parse(&text).map_err(|e| format!("invalid YAML at {e}"))?;
    let root = documents
        .first()
        .ok_or_else(|| "empty build file".to_string())?;
    let lines: Vec<&str> = text.lines().collect();
    if root.get("steps").is_none() && trigger::is_trigger(root) {
        return trigger::read(path, &lines, &documents, context);
    }
    let mut pipeline = build_pipeline(path, &lines, root, context)?;
    let documented = documented_substitutions(path, &lines);
    for job in &mut pipeline.jobs {
        job.variables.extend(documented.iter().cloned());
    }
    Ok(Read {
        pipelines: vec![pipeline],
        definitions: false,
        starts: Vec::new(),
        unassessed: Vec::new(),
    })
}

/// The text the YAML reader is given. Cloud Build also takes JSON, which the reader takes as
/// flow collections, except that it refuses a tab after a `:` (`"dir":<tab>"app"`). In JSON a
/// tab can only be whitespace between tokens (strings escape theirs), so it becomes a space,
/// which keeps every line and column where it was.
fn yaml_text<'t>(path: &str, text: &'t str) -> Cow<'t, str> {
    let json = path
        .rsplit_once('.')
        .is_some_and(|(_, extension)| extension.eq_ignore_ascii_case("json"));
    if json && text.contains('\t') {
        Cow::Owned(text.replace('\t', " "))
    } else {
        Cow::Borrowed(text)
    }
}

/// The pipeline of one build: `build` is the root of a build file or a trigger's `build:`.
/// What starts it is unknown here: the triggers say it starts outside the repository.
fn build_pipeline(
    path: &str,
    lines: &[&str],
    build: &Node,
    context: &Context,
) -> Result<Pipeline, String> {
    let Some(list) = build.get("steps").filter(|s| !s.items().is_empty()) else {
        return Err("a Cloud Build file must have a list of `steps:`".to_string());
    };
    let nodes: Vec<&Node> = list.items().iter().filter(|s| s.is_map()).collect();
    // A step's `id:` names it for the `waitFor:` of later steps.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut steps = Vec::with_capacity(nodes.len());
    for (index, node) in nodes.iter().enumerate() {
        let mut step = parse_step(path, lines, node, context);
        step.waits_for = node.get("waitFor").map(|names| {
            (names.strings().into_iter())
                .filter_map(|name| ids.get(name).copied())
                .collect()
        });
        if let Some(id) = node.get("id").and_then(Node::as_str) {
            ids.entry(id).or_insert(index);
        }
        steps.push(step);
    }
    let key = build.key_node("steps").unwrap_or(list);
    let job = Job {
        images: (list.items().iter())
            .filter_map(|step| step.get("name"))
            .filter_map(|name| Some((name.as_str()?.to_string(), location_of(path, name))))
            .collect(),
        steps,
        variables: super::variables_of(build.get("substitutions")),
        has_timeout: build.get("timeout").is_some(),
        self_hosted: build
            .get("options")
            .is_some_and(|o| o.get("pool").is_some() || o.get("workerPool").is_some()),
        ..Job::new("build", location_of(path, key))
    };
    Ok(Pipeline {
        system: CiSystem::CloudBuild,
        path: path.to_string(),
        name: path.to_string(),
        triggers: outside_triggers(),
        jobs: vec![job],
        permissions: None,
        has_concurrency: false,
        stages: Vec::new(),
        templates: Vec::new(),
        demonstration: in_reference_folder(path),
        graph: JobGraph::default(),
    })
}

/// The substitutions of the runs that a build file shows as the way to run it: a
/// `gcloud builds submit` in its comments (`gcloud builds submit --config=cloudbuild.yaml
/// --substitutions=_ZONE=us-central1-b,_CLUSTER=demo-app-staging .`) whose `--config` is the
/// file, or that names no other file.
fn documented_substitutions(path: &str, lines: &[&str]) -> Vec<(String, String)> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let mut out = Vec::new();
    for line in lines.iter().filter(|l| l.trim_start().starts_with('#')) {
        let Some((_, call)) = line.split_once("builds submit") else {
            continue;
        };
        let words: Vec<&str> = call
            .split(|c: char| c.is_whitespace() || c == '`' || c == '"' || c == '\'')
            .filter(|w| !w.is_empty())
            .collect();
        // An option's value follows `=` or is the next word.
        let option = |name: &str| {
            words.iter().enumerate().find_map(|(at, word)| {
                let rest = word.strip_prefix(name)?;
                match rest.strip_prefix('=') {
                    Some(value) => Some(value),
                    None if rest.is_empty() => words.get(at + 1).copied(),
                    None => None,
                }
            })
        };
        let config = option("--config").map(|c| c.rsplit('/').next().unwrap_or(c));
        if config.is_some_and(|c| c != file) {
            continue;
        }
        let Some(substitutions) = option("--substitutions") else {
            continue;
        };
        out.extend(substitutions.split(',').filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (!name.is_empty()).then(|| (name.to_string(), value.to_string()))
        }));
    }
    out
}

/// The triggers of a build that no trigger definition in the repository names: they are
/// configured in Google Cloud.
fn outside_triggers() -> Triggers {
    Triggers {
        external: true,
        events: vec!["Cloud Build trigger".to_string()],
        ..Triggers::default()
    }
}

/// A build file among examples, fixtures or documentation describes someone else's build
/// (Cloud Build files, unlike workflows, may sit in any folder).
fn in_reference_folder(path: &str) -> bool {
    let folders = path.rsplit_once('/').map_or("", |(folders, _)| folders);
    folders.split('/').any(|folder| {
        let folder = folder.to_ascii_lowercase();
        crate::catalog::REFERENCE_FOLDERS.contains(&folder.as_str())
            || matches!(folder.as_str(), "docs" | "doc" | "test" | "tests")
    })
}

fn parse_step(path: &str, lines: &[&str], step: &Node, context: &Context) -> Step {
    let image = step.get("name").and_then(Node::as_str).unwrap_or_default();
    let entrypoint = step.get("entrypoint").and_then(Node::as_str);
    let args = step.get("args");
    let arg_values: Vec<&str> = args.map(Node::strings).unwrap_or_default();
    let shell_script = args
        .filter(|_| entrypoint.is_some_and(is_shell))
        .and_then(|a| shell_script(a.items()));
    let mut commands = if let Some(script) = step.get("script") {
        script_commands(path, lines, script)
    } else if let Some(script) = shell_script {
        script_commands(path, lines, script)
    } else {
        let program = entrypoint.map_or_else(|| tool_of(image), |e| e.to_string());
        let text = std::iter::once(program.as_str())
            .chain(arg_values.iter().copied())
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let at = args.or_else(|| step.get("name")).unwrap_or(step);
        vec![Command {
            text,
            location: location_of(path, at),
        }]
    };
    // `$$` is Cloud Build's escape for a literal `$`.
    for command in &mut commands {
        if command.text.contains("$$") {
            command.text = command.text.replace("$$", "$");
        }
    }
    let id = step.get("id").and_then(Node::as_str);
    // `dir:` is relative to the build's workspace; it names a folder of the repository only
    // when the build runs on the checked-out source, as most do.
    let working_directory = step
        .get("dir")
        .and_then(Node::as_str)
        .and_then(workspace_folder)
        .filter(|d| context.is_folder(d));
    Step {
        name: Some(id.map_or_else(|| tool_of(image), str::to_string)),
        uses: None,
        uses_ref: None,
        inputs: Vec::new(),
        commands,
        non_blocking: step
            .get("allowFailure")
            .and_then(Node::as_bool)
            .unwrap_or(false),
        location: location_of(path, step),
        working_directory,
        waits_for: None,
    }
}

fn is_shell(entrypoint: &str) -> bool {
    let name = entrypoint.rsplit('/').next().unwrap_or(entrypoint);
    matches!(name, "bash" | "sh" | "ash" | "dash" | "zsh")
}

/// The script a shell runs from its arguments: the first one that is not an option, once an
/// option holding `c` came before it (`-c`, `-ec`, `-eEuo pipefail -c`, `-e -x -c`). `-o` and
/// `-O` take the next argument as their value. Without `-c`, the first argument is a script
/// file, not a script.
fn shell_script(args: &[Node]) -> Option<&Node> {
    let mut command = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let text = arg.as_str()?;
        if text == "--" {
            return rest.next().filter(|_| command);
        }
        if text.starts_with("--") {
            continue;
        }
        let letters = text
            .strip_prefix(['-', '+'])
            .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphabetic()));
        let Some(letters) = letters else {
            return command.then_some(arg);
        };
        command |= text.starts_with('-') && letters.contains('c');
        if letters.ends_with(['o', 'O']) {
            rest.next();
        }
    }
    None
}

/// The repository folder that a step's `dir:` names, relative to the build's workspace, whose
/// absolute path is `/workspace` (`./app`, `app/` and `/workspace/app` are all `app`). Other
/// absolute paths are outside the workspace; the workspace itself is no folder to record.
fn workspace_folder(dir: &str) -> Option<String> {
    let relative = match dir.strip_prefix("/workspace") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        Some(_) => return None,
        None if dir.starts_with('/') => return None,
        None => dir,
    };
    super::join("", relative.trim_start_matches('/')).filter(|d| !d.is_empty())
}

/// The tool an image runs: the last part of its name without tag or digest
/// (`gcr.io/cloud-builders/docker` is `docker`, `ghcr.io/org/oras:v1@sha256:...` is `oras`).
fn tool_of(image: &str) -> String {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split(':').next().unwrap_or(last).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script_of(args: &str) -> Option<String> {
        let documents = yaml::parse(args).ok()?;
        let script = shell_script(documents.first()?.items())?;
        script.as_str().map(str::to_string)
    }

    #[test]
    fn tools_and_reference_folders() {
        assert_eq!(tool_of("gcr.io/cloud-builders/docker"), "docker");
        assert_eq!(
            tool_of("ghcr.io/oras-project/oras:v1.3.2@sha256:46c55ba0eac8"),
            "oras"
        );
        assert_eq!(tool_of("golang:1.22"), "golang");
        assert!(is_shell("/bin/bash") && is_shell("sh") && !is_shell("gcloud"));
        assert!(in_reference_folder("examples/cloud-run/cloudbuild.yaml"));
        assert!(in_reference_folder("docs/tutorial/cloudbuild.yaml"));
        assert!(!in_reference_folder("release/cloudbuild.yaml"));
        assert!(!in_reference_folder("cloudbuild.yaml"));
    }

    #[test]
    fn shell_options_before_the_script() {
        for args in [
            "['-c', 'make test']",
            "['-ec', 'make test']",
            "['-euxc', 'make test']",
            "['-ce', 'make test']",
            "['-eEuo', 'pipefail', '-c', 'make test']",
            "['-e', '-o', 'pipefail', '-x', '-c', 'make test']",
            "['-eu', '-c', 'make test', 'name']",
            "['+x', '--noprofile', '-c', 'make test']",
            "['-c', '--', 'make test']",
        ] {
            assert_eq!(script_of(args).as_deref(), Some("make test"), "{args}");
        }
        for args in [
            "['scripts/test.sh']",
            "['-e', 'scripts/test.sh', '-c']",
            "['-o', 'c', 'make test']",
            "['-C', 'make test']",
            "[]",
        ] {
            assert_eq!(script_of(args), None, "{args}");
        }
    }

    #[test]
    fn json_with_tabs_after_colons_reads() {
        let text = "{\n\t\"steps\": [{\"name\":\t\"golang\", \"dir\":\t\"app\"}]\n}\n";
        let documents = yaml::parse(&yaml_text("cloudbuild.json", text)).unwrap_or_default();
        let step = documents
            .first()
            .and_then(|d| d.get("steps")?.items().first());
        let dir = step.and_then(|s| s.get("dir"));
        assert_eq!(dir.and_then(Node::as_str), Some("app"));
        assert_eq!(dir.map(|d| (d.span.line, d.span.column)), Some((2, 38)));
        assert_eq!(yaml_text("cloudbuild.yaml", "a:\tb"), "a:\tb");
    }

    #[test]
    fn workspace_folders() {
        for dir in [
            "app",
            "./app",
            "app/",
            "/workspace/app",
            "/workspace/app/",
            "./app/.",
        ] {
            assert_eq!(workspace_folder(dir).as_deref(), Some("app"), "{dir}");
        }
        assert_eq!(
            workspace_folder("services/../app/api").as_deref(),
            Some("app/api")
        );
        for dir in [
            "/workspace",
            ".",
            "./",
            "/go/src/app",
            "/workspaces/app",
            "../app",
        ] {
            assert_eq!(workspace_folder(dir), None, "{dir}");
        }
    }
}
