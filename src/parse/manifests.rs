//! Declared dependencies from package manifests, each located on its line.

use std::collections::HashSet;

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

/// Deepest bracket nesting accepted in a TOML or JSON manifest. Real manifests stay below
/// 10; the limit keeps hostile files from reaching the parsers' recursion.
pub const MAX_DEPTH: usize = 128;

/// The dependencies a manifest declares. A TOML or JSON manifest that does not parse is an
/// error with the reason, so the report can list it rather than drop it silently.
pub fn parse(path: &str, ecosystem: Ecosystem, text: &str) -> Result<Vec<Dependency>, String> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let names: Vec<String> = match (ecosystem, name.as_str()) {
        (Ecosystem::Python, "pyproject.toml") => pyproject(text)?,
        (Ecosystem::Python, n) if n.starts_with("requirements") => requirements(text),
        (Ecosystem::Python, "setup.py" | "setup.cfg" | "pipfile") => quoted_requirements(text),
        (Ecosystem::Npm | Ecosystem::Php, _) => package_json(text)?,
        (Ecosystem::Cargo, _) => cargo_toml(text)?,
        (Ecosystem::Go, _) => go_mod(text),
        (Ecosystem::Maven, _) => maven(text),
        (Ecosystem::Gradle, _) => gradle(text),
        (Ecosystem::Ruby, _) => gemfile(text),
        _ => Vec::new(),
    };
    let mut seen = HashSet::new();
    let names: Vec<String> = names
        .into_iter()
        .map(|dep| dep.to_ascii_lowercase())
        .filter(|dep| !dep.is_empty() && seen.insert(dep.clone()))
        .collect();
    // Each dependency sits on the first line that mentions it, found for all in one pass.
    let needles: Vec<&str> = names.iter().map(|dep| short_name(dep)).collect();
    let positions = super::first_occurrence::first_occurrences(text, &needles);
    let out = names
        .into_iter()
        .zip(positions)
        .map(|(dep, position)| {
            let (line, column) = position.unwrap_or((1, 1));
            let end = column + short_name(&dep).chars().count();
            Dependency {
                location: Location::line(path, line, column, end),
                name: dep,
                ecosystem,
            }
        })
        .collect();
    Ok(out)
}

/// Rejects TOML or JSON nested deeper than `MAX_DEPTH` before a recursive parser sees it.
/// Brackets in quoted strings and `#` comments do not count; the scan is one pass over the
/// bytes and allocates nothing.
fn check_depth(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    let mut comment = false;
    for byte in text.bytes() {
        if comment {
            comment = byte != b'\n';
            continue;
        }
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if byte == b'\\' && open == b'"' {
                escaped = true;
            } else if byte == open || byte == b'\n' {
                quote = None;
            }
            continue;
        }
        match byte {
            b'"' | b'\'' => quote = Some(byte),
            b'#' => comment = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn toml_table(text: &str) -> Result<toml::Table, String> {
    check_depth(text)?;
    text.parse::<toml::Table>()
        .map_err(|e| format!("invalid TOML: {}", without_snippet(&e.to_string())))
}

/// The toml crate's message is a position line, a quoted snippet of the source and the
/// cause; the snippet can be a megabyte long, so keep the position and the cause only.
fn without_snippet(message: &str) -> String {
    let mut lines = message.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or(message);
    match lines.next_back() {
        Some(cause) if !cause.contains('|') => format!("{first}: {}", cause.trim()),
        _ => first.to_string(),
    }
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

fn pyproject(text: &str) -> Result<Vec<String>, String> {
    let table = toml_table(text)?;
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
    Ok(out)
}

fn package_json(text: &str) -> Result<Vec<String>, String> {
    check_depth(text)?;
    let value = serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(root) = value else {
        return Err("invalid manifest: the top level is not a JSON object".to_string());
    };
    Ok([
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
    .collect())
}

fn cargo_toml(text: &str) -> Result<Vec<String>, String> {
    let table = toml_table(text)?;
    let workspace = table.get("workspace").and_then(|w| w.get("dependencies"));
    Ok(["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| table.get(*k))
        .chain(workspace)
        .filter_map(toml::Value::as_table)
        .flat_map(|t| t.keys().cloned())
        .collect())
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
        let deps = parse("backend/pyproject.toml", Ecosystem::Python, text).unwrap_or_default();
        let names: Vec<_> = deps.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["fastapi", "sentry-sdk", "pytest"]);
        assert_eq!(deps[1].location.line, 5);
    }

    #[test]
    fn package_json_and_go_mod() {
        let json = "{\n  \"dependencies\": {\n    \"@sentry/react\": \"^8\"\n  },\n  \"devDependencies\": {\"@playwright/test\": \"1.45\"}\n}";
        let deps = parse("frontend/package.json", Ecosystem::Npm, json).unwrap_or_default();
        assert_eq!(deps[0].name, "@sentry/react");
        assert_eq!(deps[0].location.line, 3);
        let go = "module x\n\nrequire (\n\tgo.opentelemetry.io/otel v1.2.0\n\tgithub.com/lib/pq v1.12.0 // indirect\n)\nrequire github.com/a/b v1\n";
        let names: Vec<_> = parse("go.mod", Ecosystem::Go, go)
            .unwrap_or_default()
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
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.name)
        .collect();
        assert_eq!(names, ["django", "prometheus-client"]);
    }

    #[test]
    fn deep_nesting_is_an_error_before_the_parsers_recurse() {
        let deep = format!(
            "[tool]\nx = {}1{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let err = parse("pyproject.toml", Ecosystem::Python, &deep).err();
        assert!(err.is_some_and(|e| e.contains("nesting deeper")));
        let json = "{\"a\": ".repeat(50_000) + "1" + &"}".repeat(50_000);
        let err = parse("package.json", Ecosystem::Npm, &json).err();
        assert!(err.is_some_and(|e| e.contains("nesting deeper")));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count_as_nesting() {
        let brackets = "[".repeat(200);
        let toml = format!(
            "# {brackets}\n[dependencies]\nserde = \"1\"\n[package]\ndescription = '{brackets}'\nname = \"a\\\"{brackets}\"\n"
        );
        let deps = parse("Cargo.toml", Ecosystem::Cargo, &toml);
        assert_eq!(deps.map(|d| d.len()), Ok(1));
        let json = format!(
            "{{\"scripts\": {{\"t\": \"\\\"{brackets}\"}}, \"dependencies\": {{\"a\": \"1\"}}}}"
        );
        let deps = parse("package.json", Ecosystem::Npm, &json);
        assert_eq!(deps.map(|d| d.len()), Ok(1));
    }

    #[test]
    fn invalid_manifests_are_errors_with_the_reason() {
        let err = parse("Cargo.toml", Ecosystem::Cargo, "[package\n").err();
        assert!(err.is_some_and(|e| e.starts_with("invalid TOML")));
        let err = parse("package.json", Ecosystem::Npm, "{\"a\": ").err();
        assert!(err.is_some_and(|e| e.starts_with("invalid JSON")));
    }
}
