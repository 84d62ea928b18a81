//! Declared dependencies from package manifests, each located on its line.

use crate::inventory::Ecosystem;
use crate::source::Location;

#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    /// Lower-cased name as the ecosystem spells it (`sentry-sdk`, `@sentry/node`,
    /// `go.opentelemetry.io/otel`, `io.micrometer:micrometer-registry-prometheus`).
    pub name: String,
    pub ecosystem: Ecosystem,
    pub location: Location,
}

pub fn parse(path: &str, ecosystem: Ecosystem, text: &str) -> Vec<Dependency> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let names: Vec<String> = match (ecosystem, name.as_str()) {
        (Ecosystem::Python, "pyproject.toml") => pyproject(text),
        (Ecosystem::Python, n) if n.starts_with("requirements") => requirements(text),
        (Ecosystem::Python, "setup.py" | "setup.cfg" | "pipfile") => quoted_requirements(text),
        (Ecosystem::Npm | Ecosystem::Php, _) => package_json(text),
        (Ecosystem::Cargo, _) => cargo_toml(text),
        (Ecosystem::Go, _) => go_mod(text),
        (Ecosystem::Maven, _) => maven(text),
        (Ecosystem::Gradle, _) => gradle(text),
        (Ecosystem::Ruby, _) => gemfile(text),
        _ => Vec::new(),
    };
    let mut out: Vec<Dependency> = Vec::new();
    for dep in names {
        let dep = dep.to_ascii_lowercase();
        if dep.is_empty() || out.iter().any(|d| d.name == dep) {
            continue;
        }
        let (line, column) = super::find_line(text, short_name(&dep), 1).unwrap_or((1, 1));
        let location = Location::line(
            path,
            line,
            column,
            column + short_name(&dep).chars().count(),
        );
        out.push(Dependency {
            name: dep,
            ecosystem,
            location,
        });
    }
    out
}

/// The part of a name that appears literally in the manifest (`artifact` of `group:artifact`).
fn short_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The distribution name at the start of a PEP 508 requirement string.
fn requirement_name(spec: &str) -> String {
    spec.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .replace('_', "-")
}

fn requirements(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
        .map(requirement_name)
        .collect()
}

fn quoted_requirements(text: &str) -> Vec<String> {
    text.split(['"', '\''])
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && !s.contains(' ')
                || s.contains(">=")
                || s.contains("==")
        })
        .map(requirement_name)
        .filter(|n| n.len() > 1)
        .collect()
}

fn pyproject(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let strings = |value: Option<&toml::Value>, out: &mut Vec<String>| {
        if let Some(items) = value.and_then(toml::Value::as_array) {
            out.extend(
                items
                    .iter()
                    .filter_map(toml::Value::as_str)
                    .map(requirement_name),
            );
        }
    };
    let project = table.get("project");
    strings(project.and_then(|p| p.get("dependencies")), &mut out);
    for group in [
        project.and_then(|p| p.get("optional-dependencies")),
        table.get("dependency-groups"),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(groups) = group.as_table() {
            for value in groups.values() {
                strings(Some(value), &mut out);
            }
        }
    }
    let tool = table.get("tool");
    strings(
        tool.and_then(|t| t.get("uv"))
            .and_then(|u| u.get("dev-dependencies")),
        &mut out,
    );
    if let Some(poetry) = tool.and_then(|t| t.get("poetry")) {
        let mut tables = vec![poetry.get("dependencies"), poetry.get("dev-dependencies")];
        if let Some(groups) = poetry.get("group").and_then(toml::Value::as_table) {
            tables.extend(groups.values().map(|g| g.get("dependencies")));
        }
        for deps in tables
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
        {
            out.extend(
                deps.keys()
                    .filter(|k| *k != "python")
                    .map(|k| requirement_name(k)),
            );
        }
    }
    out
}

fn package_json(text: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text)
    else {
        return Vec::new();
    };
    [
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
        "require",
        "require-dev",
    ]
    .iter()
    .filter_map(|k| root.get(*k).and_then(|v| v.as_object()))
    .flat_map(|deps| deps.keys().cloned())
    .collect()
}

fn cargo_toml(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let workspace = table.get("workspace").and_then(|w| w.get("dependencies"));
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| table.get(*k))
        .chain(workspace)
        .filter_map(toml::Value::as_table)
        .flat_map(|t| t.keys().cloned())
        .collect()
}

fn go_mod(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("require (") {
            in_block = true;
        } else if in_block && line.starts_with(')') {
            in_block = false;
        } else if line.contains("// indirect") {
            // Indirect requirements are other modules' dependencies, not this project's.
            continue;
        } else if in_block || line.starts_with("require ") {
            let spec = line.trim_start_matches("require ").trim();
            if let Some(module) = spec.split_whitespace().next().filter(|m| m.contains('.')) {
                out.push(module.to_string());
            }
        }
    }
    out
}

fn maven(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut group = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(g) = tag_value(line, "groupId") {
            group = g.to_string();
        } else if let Some(artifact) = tag_value(line, "artifactId") {
            out.push(if group.is_empty() {
                artifact.to_string()
            } else {
                format!("{group}:{artifact}")
            });
        }
    }
    out
}

fn tag_value<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    line.strip_prefix(&format!("<{tag}>"))?.split('<').next()
}

fn gradle(text: &str) -> Vec<String> {
    text.split(['"', '\''])
        .skip(1)
        .step_by(2)
        .filter(|s| s.matches(':').count() >= 1 && !s.contains(' ') && !s.starts_with(':'))
        .filter_map(|s| {
            let mut parts = s.split(':');
            Some(format!("{}:{}", parts.next()?, parts.next()?))
        })
        .collect()
}

fn gemfile(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("gem "))
        .filter_map(|rest| {
            rest.trim()
                .trim_start_matches(['"', '\''])
                .split(['"', '\''])
                .next()
        })
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_dependencies_are_located() {
        let text = "[project]\nname = \"app\"\ndependencies = [\n  \"fastapi[standard]<1.0.0,>=0.114.2\",\n  \"sentry-sdk[fastapi]>=1.40.6\",\n]\n[dependency-groups]\ndev = [\"pytest<8.0.0,>=7.4.3\"]\n";
        let deps = parse("backend/pyproject.toml", Ecosystem::Python, text);
        let names: Vec<_> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["fastapi", "sentry-sdk", "pytest"]);
        assert_eq!(deps[1].location.line, 5);
    }

    #[test]
    fn package_json_and_go_mod() {
        let json = "{\n  \"dependencies\": {\n    \"@sentry/react\": \"^8\"\n  },\n  \"devDependencies\": {\"@playwright/test\": \"1.45\"}\n}";
        let deps = parse("frontend/package.json", Ecosystem::Npm, json);
        assert_eq!(deps[0].name, "@sentry/react");
        assert_eq!(deps[0].location.line, 3);
        let go = "module x\n\nrequire (\n\tgo.opentelemetry.io/otel v1.2.0\n\tgithub.com/lib/pq v1.12.0 // indirect\n)\nrequire github.com/a/b v1\n";
        let names: Vec<_> = parse("go.mod", Ecosystem::Go, go)
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["go.opentelemetry.io/otel", "github.com/a/b"]);
    }

    #[test]
    fn requirements_skip_options_and_comments() {
        let names: Vec<_> = parse(
            "requirements.txt",
            Ecosystem::Python,
            "# x\n-r base.txt\nDjango==5.0\nprometheus_client>=0.2\n",
        )
        .into_iter()
        .map(|d| d.name)
        .collect();
        assert_eq!(names, ["django", "prometheus-client"]);
    }
}
