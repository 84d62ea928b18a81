//! The scripts of package.json and composer.json that CI steps run by name (`npm run lint`,
//! `yarn test`, `composer check-static`): each is the command its manifest gives, located at
//! the script's key, so `"ts:lint": "tsc --noEmit"` counts as a type check where a step runs
//! `npm run ts:lint`. Manifests are read, never run.

use std::collections::HashMap;

use super::Command;
use crate::source::Location;

/// The manifest whose scripts a package manager runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Manifest {
    PackageJson,
    ComposerJson,
}

impl Manifest {
    pub(super) fn file_name(self) -> &'static str {
        match self {
            Manifest::PackageJson => "package.json",
            Manifest::ComposerJson => "composer.json",
        }
    }
}

/// Words after `yarn`, `pnpm` and `bun` that are the tool's own commands, not scripts.
const BUILT_IN: &[&str] = &[
    "install",
    "i",
    "add",
    "remove",
    "rm",
    "up",
    "upgrade",
    "update",
    "exec",
    "dlx",
    "x",
    "ci",
    "audit",
    "outdated",
    "list",
    "ls",
    "why",
    "init",
    "create",
    "publish",
    "pack",
    "link",
    "unlink",
    "cache",
    "config",
    "set",
    "version",
    "info",
    "import",
    "rebuild",
    "prune",
    "store",
    "patch",
    "licenses",
    "dedupe",
    "workspaces",
    "workspace",
    "global",
    "node",
    "bin",
    "run",
    "build-only",
];

/// Most scripts named in one command.
const MAX_CALLS: usize = 16;

/// The scripts a command runs by name, with the manifest that defines them, in the order the
/// command names them: `npm run lint`, `npm test`, `yarn lint`, `pnpm run -r build`,
/// `bun run check`, `composer lint`, `composer run-script test`.
pub(super) fn calls(text: &str) -> Vec<(Manifest, String)> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for (at, word) in words.iter().enumerate() {
        if out.len() == MAX_CALLS {
            break;
        }
        let tool = word.rsplit('/').next().unwrap_or(word);
        // The first word after the tool that is not an option, and the one after it.
        let mut rest = words[at + 1..]
            .iter()
            .copied()
            .filter(|w| !w.starts_with('-'));
        let (Some(first), second) = (rest.next(), rest.next()) else {
            continue;
        };
        let named = match tool {
            "npm" => match first {
                "run" | "run-script" | "rum" | "urn" => second,
                "test" | "t" | "tst" | "start" | "stop" | "restart" => {
                    Some(if first.starts_with('t') {
                        "test"
                    } else {
                        first
                    })
                }
                _ => None,
            },
            "yarn" | "pnpm" | "bun" => match first {
                "run" => second,
                other if !BUILT_IN.contains(&other) => Some(other),
                _ => None,
            },
            "composer" => match first {
                "run" | "run-script" => second,
                other => Some(other),
            },
            _ => None,
        };
        let manifest = if tool == "composer" {
            Manifest::ComposerJson
        } else {
            Manifest::PackageJson
        };
        if let Some(name) = named {
            out.push((manifest, name.to_string()));
        }
    }
    out
}

/// The scripts a manifest defines, each as the commands it runs, located at its key. A
/// composer script may be a list of commands, and `@name` runs another script (`@php` runs
/// PHP). A manifest that does not parse defines none.
pub(super) fn scripts(path: &str, text: &str, manifest: Manifest) -> HashMap<String, Vec<Command>> {
    let mut out = HashMap::new();
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return out;
    };
    let Some(serde_json::Value::Object(scripts)) = root.get("scripts") else {
        return out;
    };
    // Each key's first place, looked up by name: a manifest may define thousands of scripts.
    let mut keys: HashMap<&str, std::ops::Range<usize>> = HashMap::new();
    for key in crate::parse::json_keys::section_keys(text, &["scripts"]) {
        keys.entry(key.key).or_insert(key.at);
    }
    // Key lines come from one index of the text.
    let _lines = crate::source::LineScope::new(text);
    for (name, value) in scripts {
        let bodies: Vec<&str> = match value {
            serde_json::Value::String(body) => vec![body.as_str()],
            serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str()).collect(),
            _ => continue,
        };
        let location = match keys.get(name.as_str()) {
            Some(at) => crate::source::span(path, text, at.start, at.end),
            None => Location::file(path),
        };
        let commands = bodies
            .into_iter()
            .map(|body| {
                let body = body.trim();
                let text = match (manifest, body.strip_prefix('@')) {
                    (Manifest::ComposerJson, Some("php" | "putenv")) => body[1..].to_string(),
                    (Manifest::ComposerJson, Some(other)) if other.starts_with("php ") => {
                        other.to_string()
                    }
                    (Manifest::ComposerJson, Some(other)) => format!("composer {other}"),
                    _ => body.to_string(),
                };
                Command {
                    text,
                    location: location.clone(),
                }
            })
            .collect();
        out.insert(name.clone(), commands);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(text: &str) -> Vec<String> {
        calls(text).into_iter().map(|(_, name)| name).collect()
    }

    #[test]
    fn finds_the_scripts_a_command_runs() {
        assert_eq!(named("npm run ts:lint && npm test"), ["ts:lint", "test"]);
        assert_eq!(named("npm ci && npm run -s build -- --prod"), ["build"]);
        assert_eq!(
            named("yarn install --frozen-lockfile && yarn lint"),
            ["lint"]
        );
        assert_eq!(named("pnpm -r run check"), ["check"]);
        assert_eq!(
            named("composer install -n && composer check-static"),
            ["install", "check-static"]
        );
        assert!(named("npx playwright test").is_empty());
        assert!(named("npm install").is_empty());
    }

    #[test]
    fn reads_scripts_at_their_keys() {
        let text = "{\n  \"name\": \"app\",\n  \"scripts\": {\n    \"ts:lint\": \"tsc --noEmit\",\n    \
                    \"check-static\": [\"@php vendor/bin/phpstan analyse\", \"@lint\"]\n  }\n}\n";
        let npm = scripts("package.json", text, Manifest::PackageJson);
        let lint = &npm["ts:lint"];
        assert_eq!(lint[0].text, "tsc --noEmit");
        assert_eq!(lint[0].location.line, 4);
        let composer = scripts("composer.json", text, Manifest::ComposerJson);
        let texts: Vec<&str> = composer["check-static"]
            .iter()
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(texts, ["php vendor/bin/phpstan analyse", "composer lint"]);
        assert_eq!(composer["check-static"][0].location.line, 5);
        assert!(scripts("package.json", "{not json", Manifest::PackageJson).is_empty());
    }
}
