//! Google Cloud Build (`cloudbuild.yaml`) into the pipeline model.
//!
//! A build is one list of steps, each a container image run with `args:` (or a `script:`), so
//! it becomes one job. A step's commands are its script, the script of a shell entrypoint
//! called with `-c`, or else the image's tool called with the arguments
//! (`gcr.io/cloud-builders/docker` with `[build, -t, ...]` is `docker build -t ...`).
//! What starts a build is configured in Google Cloud, not in the file: the triggers say so.

use std::cell::OnceCell;
use std::collections::HashSet;

use super::{
    CiSystem, Command, Job, JobGraph, Pipeline, Step, Triggers, location_of, script_commands,
};
use crate::inventory::Inventory;
use crate::parse::yaml::{self, Node};

/// The repository's folders, gathered once for all Cloud Build files and only if a step
/// names a `dir:`.
pub(super) type Folders<'i> = OnceCell<HashSet<&'i str>>;

pub fn parse_pipeline<'i>(
    path: &str,
    text: &str,
    inventory: &'i Inventory,
    folders: &Folders<'i>,
) -> Result<Pipeline, String> {
    let documents = yaml::parse(text).map_err(|e| format!("invalid YAML at {e}"))?;
    let root = documents
        .first()
        .ok_or_else(|| "empty build file".to_string())?;
    let Some(list) = root.get("steps").filter(|s| !s.items().is_empty()) else {
        return Err("a Cloud Build file must have a list of `steps:`".to_string());
    };
    let lines: Vec<&str> = text.lines().collect();
    let is_folder = |dir: &str| {
        let all = folders.get_or_init(|| {
            (inventory.files.iter())
                .flat_map(|f| f.path.match_indices('/').map(|(at, _)| &f.path[..at]))
                .collect()
        });
        all.contains(dir)
    };
    let steps: Vec<Step> = (list.items().iter())
        .filter(|step| step.is_map())
        .map(|step| parse_step(path, &lines, step, &is_folder))
        .collect();
    let key = root.key_node("steps").unwrap_or(list);
    let job = Job {
        id: "build".to_string(),
        name: "build".to_string(),
        location: location_of(path, key),
        needs: Vec::new(),
        condition: None,
        environment: None,
        allow_failure: false,
        manual: false,
        stage: None,
        schedule_only: false,
        images: (list.items().iter())
            .filter_map(|step| step.get("name"))
            .filter_map(|name| Some((name.as_str()?.to_string(), location_of(path, name))))
            .collect(),
        steps,
        calls: None,
        service_images: Vec::new(),
        matrix: Vec::new(),
        has_timeout: root.get("timeout").is_some(),
        self_hosted: root
            .get("options")
            .is_some_and(|o| o.get("pool").is_some() || o.get("workerPool").is_some()),
        sets_permissions: false,
        serialised: false,
        deploys: std::sync::OnceLock::new(),
        simulated: std::sync::OnceLock::new(),
    };
    Ok(Pipeline {
        system: CiSystem::CloudBuild,
        path: path.to_string(),
        name: path.to_string(),
        triggers: Triggers {
            external: true,
            events: vec!["Cloud Build trigger".to_string()],
            ..Triggers::default()
        },
        jobs: vec![job],
        permissions: None,
        has_concurrency: false,
        stages: Vec::new(),
        templates: Vec::new(),
        demonstration: in_reference_folder(path),
        graph: JobGraph::default(),
    })
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

fn parse_step(path: &str, lines: &[&str], step: &Node, is_folder: &dyn Fn(&str) -> bool) -> Step {
    let image = step.get("name").and_then(Node::as_str).unwrap_or_default();
    let entrypoint = step.get("entrypoint").and_then(Node::as_str);
    let args = step.get("args");
    let arg_values: Vec<&str> = args.map(Node::strings).unwrap_or_default();
    let shell = entrypoint.is_some_and(is_shell);
    let mut commands = if let Some(script) = step.get("script") {
        script_commands(path, lines, script)
    } else if shell && arg_values.first().is_some_and(|a| is_command_flag(a)) {
        let script = args.and_then(|a| a.items().get(1));
        script
            .map(|s| script_commands(path, lines, s))
            .unwrap_or_default()
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
        .map(|d| d.trim_matches('/').to_string())
        .filter(|d| !d.is_empty() && is_folder(d));
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
    }
}

fn is_shell(entrypoint: &str) -> bool {
    let name = entrypoint.rsplit('/').next().unwrap_or(entrypoint);
    matches!(name, "bash" | "sh" | "ash" | "dash" | "zsh")
}

/// `-c`, `-ec`, `-euxc`: shell options ending in the one that takes a script.
fn is_command_flag(arg: &str) -> bool {
    arg.len() >= 2
        && arg.starts_with('-')
        && arg.ends_with('c')
        && arg[1..].bytes().all(|b| b.is_ascii_lowercase())
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

    #[test]
    fn tools_and_shell_flags() {
        assert_eq!(tool_of("gcr.io/cloud-builders/docker"), "docker");
        assert_eq!(
            tool_of("ghcr.io/oras-project/oras:v1.3.2@sha256:46c55ba0eac8"),
            "oras"
        );
        assert_eq!(tool_of("golang:1.22"), "golang");
        assert!(is_command_flag("-c") && is_command_flag("-euxc"));
        assert!(!is_command_flag("-C") && !is_command_flag("build") && !is_command_flag("-"));
        assert!(is_shell("/bin/bash") && is_shell("sh") && !is_shell("gcloud"));
        assert!(in_reference_folder("examples/cloud-run/cloudbuild.yaml"));
        assert!(in_reference_folder("docs/tutorial/cloudbuild.yaml"));
        assert!(!in_reference_folder("release/cloudbuild.yaml"));
        assert!(!in_reference_folder("cloudbuild.yaml"));
    }
}
