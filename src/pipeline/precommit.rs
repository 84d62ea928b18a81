//! `pre-commit run` (or `prek run`) in a CI step runs the hooks of `.pre-commit-config.yaml`:
//! a semgrep or ruff hook there is as much a CI check as a step that calls the tool. Each hook
//! the command runs becomes a command of the step, located at the hook's `id:` line. The
//! config is read, never run.

use std::sync::LazyLock;

use regex::Regex;

use super::Command;
use crate::inventory::Inventory;
use crate::parse::yaml::Node;
use crate::source::Location;

const CONFIGS: &[&str] = &[".pre-commit-config.yaml", ".pre-commit-config.yml"];

/// What the hooks of well-known hook repositories run, where it is not their id. A hook that
/// rewrites files fails the run when it changed any, so formatters count as checks.
const ENTRIES: &[(&str, &str)] = &[
    ("ruff", "ruff check"),
    ("ruff-check", "ruff check"),
    ("ruff-format", "ruff format --check"),
    ("black", "black --check"),
    ("isort", "isort --check-only"),
    ("prettier", "prettier --check"),
    ("detect-secrets", "detect-secrets-hook"),
    ("golangci-lint", "golangci-lint run"),
    ("golangci-lint-full", "golangci-lint run"),
];

/// `pre-commit run`, also through a runner (`uv run pre-commit run`, `python -m pre_commit
/// run`), with what follows it on the command line.
static RUN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s;&|(/])(?:pre-commit|pre_commit|prek)\s+run\b([^;&|\n]*)").ok()
});

/// The pre-commit configuration, read once for all the steps that run it.
pub(super) struct Config {
    path: &'static str,
    documents: Vec<Node>,
}

impl Config {
    /// The repository's configuration, if it has one that parses.
    pub(super) fn load(inventory: &Inventory) -> Option<Self> {
        let (path, text) = CONFIGS.iter().find_map(|path| {
            let text = inventory.get(path)?.text.as_deref()?;
            Some((*path, text))
        })?;
        let documents = crate::parse::yaml::parse(text).ok()?;
        Some(Self { path, documents })
    }
}

/// Whether `command` runs pre-commit at all, so that the configuration is read only then.
pub(super) fn runs_hooks(command: &str) -> bool {
    RUN.as_ref().is_some_and(|run| run.is_match(command))
}

/// The hooks each `pre-commit run` in `command` runs, as commands.
pub(super) fn hooks(command: &str, config: &Config) -> Vec<Command> {
    let Some(run) = RUN.as_ref() else {
        return Vec::new();
    };
    // `SKIP=semgrep,mypy pre-commit run` leaves those hooks out.
    let skipped: Vec<&str> = command
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("SKIP="))
        .flat_map(|ids| ids.trim_matches(|c| c == '"' || c == '\'').split(','))
        .collect();
    run.captures_iter(command)
        .flat_map(|found| {
            let rest = found.get(1).map_or("", |m| m.as_str());
            hooks_of_run(rest, config)
        })
        .filter(|(id, _)| !skipped.contains(&id.as_str()))
        .map(|(_, command)| command)
        .collect()
}

/// The hooks one `pre-commit run <rest>` runs, each with its id.
fn hooks_of_run(rest: &str, config: &Config) -> Vec<(String, Command)> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    // `pre-commit run ruff` runs one hook; `--hook-stage manual` only the manual ones.
    let only = words.first().filter(|w| !w.starts_with('-')).copied();
    let stage = words
        .iter()
        .enumerate()
        .find_map(|(i, w)| match *w {
            "--hook-stage" => words.get(i + 1).copied(),
            _ => w.strip_prefix("--hook-stage="),
        })
        .unwrap_or("pre-commit");
    let (path, documents) = (config.path, &config.documents);
    let mut out = Vec::new();
    for document in documents {
        let default_stages = document.get("default_stages");
        for repo in document.get("repos").map(Node::items).unwrap_or_default() {
            for hook in repo.get("hooks").map(Node::items).unwrap_or_default() {
                let Some(id_node) = hook.get("id") else {
                    continue;
                };
                let Some(id) = id_node.as_str() else {
                    continue;
                };
                if only.is_some_and(|o| o != id) || !runs_at(hook, default_stages, stage) {
                    continue;
                }
                let known = ENTRIES
                    .iter()
                    .find(|(hook, _)| *hook == id)
                    .map(|(_, e)| *e);
                let program = match hook.get("entry").and_then(Node::as_str) {
                    Some(entry) => entry,
                    _ => known.unwrap_or(id),
                };
                let mut text = program.to_string();
                for arg in hook.get("args").map(Node::items).unwrap_or_default() {
                    if let Some(arg) = arg.as_str() {
                        text.push(' ');
                        text.push_str(arg);
                    }
                }
                let span = id_node.span;
                out.push((
                    id.to_string(),
                    Command {
                        text,
                        location: Location::line(path, span.line, span.column, span.end_column),
                    },
                ));
            }
        }
    }
    out
}

/// Whether a hook runs at `stage`: its own `stages:`, else the config's `default_stages:`,
/// else every stage but `manual`. `commit` is the old name of `pre-commit`.
fn runs_at(hook: &Node, default_stages: Option<&Node>, stage: &str) -> bool {
    match hook.get("stages").or(default_stages) {
        Some(stages) => stages
            .strings()
            .iter()
            .any(|s| *s == stage || (stage == "pre-commit" && *s == "commit")),
        None => stage != "manual",
    }
}
