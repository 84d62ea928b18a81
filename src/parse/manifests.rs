//! Declared dependencies from package manifests, each located on its line.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::inventory::Ecosystem;
use crate::source::Location;

mod msbuild;

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

/// A dependency as a manifest writes it: its name and the bytes of the text that spell it,
/// where the parser knows them.
struct Declared {
    name: String,
    at: Option<Range<usize>>,
}

impl Declared {
    /// A name written at byte `start` of the text, `len` bytes long.
    fn at(name: String, start: usize, len: usize) -> Self {
        Self {
            name,
            at: Some(start..start + len),
        }
    }
}

/// The dependencies a manifest declares, each located where it is declared: the requirement
/// line, the dependency key, the `artifactId`, never a comment or another name that contains
/// it. A TOML or JSON manifest that does not parse is an error with the reason, so the report
/// can list it rather than drop it silently.
pub fn parse(path: &str, ecosystem: Ecosystem, text: &str) -> Result<Vec<Dependency>, String> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let declared: Vec<Declared> = match (ecosystem, name.as_str()) {
        (Ecosystem::Python, "pyproject.toml") => pyproject(text)?,
        (Ecosystem::Python, n) if n.starts_with("requirements") => requirements(text),
        (Ecosystem::Python, "setup.py" | "setup.cfg" | "pipfile") => quoted_requirements(text),
        (Ecosystem::Npm | Ecosystem::Php, _) => package_json(text)?,
        (Ecosystem::Cargo, _) => cargo_toml(text)?,
        (Ecosystem::Go, _) => go_mod(text),
        (Ecosystem::Maven, _) => maven(text),
        (Ecosystem::Gradle, _) => gradle(text),
        (Ecosystem::Ruby, _) => gemfile(text),
        (Ecosystem::Dotnet, _) => msbuild::msbuild(text),
        _ => Vec::new(),
    };
    // Line numbers come from one index of the text, not a count from the top per dependency.
    let _lines = crate::source::LineScope::new(text);
    let mut seen = HashSet::new();
    let out = declared
        .into_iter()
        .filter_map(|dep| {
            let name = dep.name.to_ascii_lowercase();
            if name.is_empty() || !seen.insert(name.clone()) {
                return None;
            }
            let location = match dep.at {
                Some(at) => crate::source::span(path, text, at.start, at.end),
                None => Location::file(path),
            };
            Some(Dependency {
                name,
                ecosystem,
                location,
            })
        })
        .collect();
    Ok(out)
}

/// The byte offset of `part`, a slice of `text`, in `text`.
fn offset_in(text: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// A name that is a slice of `text`, located where it is written.
fn written(text: &str, part: &str, name: String) -> Declared {
    Declared::at(name, offset_in(text, part), part.len())
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

/// The distribution name at the start of a PEP 508 requirement string.
fn requirement_name(spec: &str) -> String {
    spec.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .replace('_', "-")
}

/// A requirement string (`fastapi[standard]>=0.114`, ` Django==5.0`) that is a slice of
/// `text`, located at the name it starts with.
fn requirement(text: &str, spec: &str) -> Declared {
    let spec = spec.trim_start();
    let name = requirement_name(spec);
    Declared::at(name.clone(), offset_in(text, spec), name.len())
}

/// One requirement a line, after options (`-r base.txt`, `--hash=...`) and comments; the
/// `# via pytest` lines pip-compile and uv write name packages without declaring them.
fn requirements(text: &str) -> Vec<Declared> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('-'))
        .map(|line| requirement(text, line))
        .collect()
}

fn quoted_requirements(text: &str) -> Vec<Declared> {
    text.split(['"', '\''])
        .skip(1)
        .step_by(2)
        .filter(|s| {
            s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && !s.contains(' ')
                || s.contains(">=")
                || s.contains("==")
        })
        .map(|spec| requirement(text, spec))
        .filter(|d| d.name.len() > 1)
        .collect()
}

/// Parses TOML with the places of its keys and values, after the checks of [`toml_table`]
/// (so an invalid file gives the same reason).
fn toml_document(text: &str) -> Result<Spanned<DeTable<'_>>, String> {
    toml_table(text)?;
    DeTable::parse(text).map_err(|e| format!("invalid TOML: {}", without_snippet(&e.to_string())))
}

/// Where the text of a TOML key or string begins inside `span`, past its quotes.
fn inside_quotes(text: &str, span: Range<usize>) -> usize {
    let raw = text.get(span.clone()).unwrap_or_default();
    span.start + raw.len() - raw.trim_start_matches(['"', '\'']).len()
}

/// The keys of a TOML table of dependencies (Cargo's `[dependencies]`, Poetry's), each
/// located at the key; `python` is Poetry's interpreter constraint, not a package.
fn toml_keys(text: &str, table: &DeTable<'_>, out: &mut Vec<Declared>) {
    for (key, _) in table.iter() {
        let name = key.get_ref().to_string();
        if name == "python" {
            continue;
        }
        let start = inside_quotes(text, key.span());
        out.push(Declared::at(name.clone(), start, name.len()));
    }
}

fn pyproject(text: &str) -> Result<Vec<Declared>, String> {
    let document = toml_document(text)?;
    let table = document.get_ref();
    let mut out = Vec::new();
    let strings = |value: Option<&Spanned<DeValue<'_>>>, out: &mut Vec<Declared>| {
        let Some(items) = value.and_then(|v| v.get_ref().as_array()) else {
            return;
        };
        for item in items.iter() {
            if let Some(spec) = item.get_ref().as_str() {
                let name = requirement_name(spec);
                let start = inside_quotes(text, item.span());
                let written = text.get(start..item.span().end).unwrap_or_default();
                let start = start + written.len() - written.trim_start().len();
                out.push(Declared::at(name.clone(), start, name.len()));
            }
        }
    };
    let project = table.get("project").map(Spanned::get_ref);
    strings(project.and_then(|p| p.get("dependencies")), &mut out);
    for group in [
        project.and_then(|p| p.get("optional-dependencies")),
        table.get("dependency-groups"),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(groups) = group.get_ref().as_table() {
            for (_, value) in groups.iter() {
                strings(Some(value), &mut out);
            }
        }
    }
    let tool = table.get("tool").map(Spanned::get_ref);
    strings(
        tool.and_then(|t| t.get("uv"))
            .and_then(|u| u.get_ref().get("dev-dependencies")),
        &mut out,
    );
    if let Some(poetry) = tool.and_then(|t| t.get("poetry")).map(Spanned::get_ref) {
        let mut tables = vec![poetry.get("dependencies"), poetry.get("dev-dependencies")];
        if let Some(groups) = poetry.get("group").and_then(|g| g.get_ref().as_table()) {
            tables.extend(groups.iter().map(|(_, g)| g.get_ref().get("dependencies")));
        }
        for deps in tables
            .into_iter()
            .flatten()
            .filter_map(|d| d.get_ref().as_table())
        {
            toml_keys(text, deps, &mut out);
        }
    }
    Ok(out)
}

/// The sections of `package.json` (and `composer.json`) that declare dependencies.
const JSON_SECTIONS: &[&str] = &[
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
    "require",
    "require-dev",
];

fn package_json(text: &str) -> Result<Vec<Declared>, String> {
    check_depth(text)?;
    let value = serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| format!("invalid JSON: {e}"))?;
    let serde_json::Value::Object(root) = value else {
        return Err("invalid manifest: the top level is not a JSON object".to_string());
    };
    // Each key where it is first declared, in any of the sections.
    let mut declared: HashMap<&str, Range<usize>> = HashMap::new();
    for key in super::json_keys::section_keys(text, JSON_SECTIONS) {
        declared.entry(key.key).or_insert(key.at);
    }
    Ok(JSON_SECTIONS
        .iter()
        .filter_map(|k| root.get(*k).and_then(|v| v.as_object()))
        .flat_map(|deps| deps.keys())
        .map(|name| Declared {
            at: declared.get(name.as_str()).cloned(),
            name: name.clone(),
        })
        .collect())
}

fn cargo_toml(text: &str) -> Result<Vec<Declared>, String> {
    let document = toml_document(text)?;
    let table = document.get_ref();
    let workspace = table
        .get("workspace")
        .and_then(|w| w.get_ref().get("dependencies"));
    let mut out = Vec::new();
    for deps in ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|k| table.get(*k))
        .chain(workspace)
        .filter_map(|t| t.get_ref().as_table())
    {
        toml_keys(text, deps, &mut out);
    }
    Ok(out)
}

fn go_mod(text: &str) -> Vec<Declared> {
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
                out.push(written(text, module, module.to_string()));
            }
        }
    }
    out
}

/// Each `artifactId`, named `group:artifact` after the `groupId` before it and located at
/// the artifact.
fn maven(text: &str) -> Vec<Declared> {
    let mut out = Vec::new();
    let mut group = "";
    for line in text.lines().map(str::trim) {
        if let Some(g) = tag_value(line, "groupId") {
            group = g;
        } else if let Some(artifact) = tag_value(line, "artifactId") {
            let name = if group.is_empty() {
                artifact.to_string()
            } else {
                format!("{group}:{artifact}")
            };
            out.push(written(text, artifact, name));
        }
    }
    out
}

fn tag_value<'a>(line: &'a str, tag: &str) -> Option<&'a str> {
    line.strip_prefix(&format!("<{tag}>"))?.split('<').next()
}

/// Quoted `group:artifact[:version]` coordinates, each located at the artifact.
fn gradle(text: &str) -> Vec<Declared> {
    text.split(['"', '\''])
        .skip(1)
        .step_by(2)
        .filter(|s| s.matches(':').count() >= 1 && !s.contains(' ') && !s.starts_with(':'))
        .filter_map(|s| {
            let mut parts = s.split(':');
            let group = parts.next()?;
            let artifact = parts.next()?;
            Some(written(text, artifact, format!("{group}:{artifact}")))
        })
        .collect()
}

fn gemfile(text: &str) -> Vec<Declared> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("gem "))
        .filter_map(|rest| {
            rest.trim()
                .trim_start_matches(['"', '\''])
                .split(['"', '\''])
                .next()
        })
        .map(|gem| written(text, gem, gem.to_string()))
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

    /// Each dependency's line, column and end column.
    fn located(path: &str, ecosystem: Ecosystem, text: &str) -> Vec<(String, usize, usize, usize)> {
        parse(path, ecosystem, text)
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                let l = d.location;
                (d.name, l.line, l.column, l.end_column)
            })
            .collect()
    }

    #[test]
    fn compiled_requirements_cite_the_pin_not_the_via_comments() {
        let text = "# This file was autogenerated by uv via the following command:\n\
                    #    uv pip compile requirements.in -o requirements.txt\n\
                    iniconfig==2.1.0\n    # via pytest\n\
                    opentelemetry-semantic-conventions==0.60b1\n    # via\n\
                    #   opentelemetry-api\n\
                    #   google_cloud_secret_manager\n\
                    opentelemetry-api==1.39.1\n\
                    pytest==8.4.2 \\\n    --hash=sha256:abc\n\
                    Google_Cloud_Secret_Manager==2.26.0\n";
        assert_eq!(
            located(
                "src/loadgenerator/requirements.txt",
                Ecosystem::Python,
                text
            ),
            [
                ("iniconfig".to_string(), 3, 1, 10),
                ("opentelemetry-semantic-conventions".to_string(), 5, 1, 35),
                ("opentelemetry-api".to_string(), 9, 1, 18),
                ("pytest".to_string(), 10, 1, 7),
                ("google-cloud-secret-manager".to_string(), 12, 1, 28),
            ]
        );
    }

    #[test]
    fn package_json_cites_the_dependency_key_not_a_longer_name_or_a_config_block() {
        let text = "{\n  \"prisma\": {\"seed\": \"ts-node seed.ts\"},\n  \"jest\": {\"preset\": \"ts-jest\"},\n  \"scripts\": {\"test\": \"jest\"},\n  \"dependencies\": {\"@prisma/client\": \"^4\"},\n  \"devDependencies\": {\n    \"@nx/jest\": \"17.2.6\",\n    \"@types/jest\": \"^29\",\n    \"jest\": \"^29.4.1\",\n    \"prisma\": \"^4.16.1\"\n  }\n}\n";
        assert_eq!(
            located("package.json", Ecosystem::Npm, text),
            [
                ("@prisma/client".to_string(), 5, 21, 35),
                ("@nx/jest".to_string(), 7, 6, 14),
                ("@types/jest".to_string(), 8, 6, 17),
                ("jest".to_string(), 9, 6, 10),
                ("prisma".to_string(), 10, 6, 12),
            ]
        );
    }

    #[test]
    fn toml_manifests_cite_the_declaration_not_the_description() {
        let pyproject = "[project]\nname = \"shop\"\ndescription = \"A shop built with Django and pytest\"\n\
                         dependencies = [\n  \"django-countries>=7\",\n  ' Django>=5.0',\n]\n\
                         [tool.poetry.group.dev.dependencies]\n\"pytest-cov\" = \"*\"\npytest = \"^8\"\npython = \"^3.12\"\n";
        assert_eq!(
            located("pyproject.toml", Ecosystem::Python, pyproject),
            [
                ("django-countries".to_string(), 5, 4, 20),
                ("django".to_string(), 6, 5, 11),
                ("pytest".to_string(), 10, 1, 7),
                ("pytest-cov".to_string(), 9, 2, 12),
            ]
        );
        let cargo = "[package]\nname = \"serde-tool\"\n# serde is the format layer\n\
                     [dependencies]\nserde_json = \"1\"\nserde = { version = \"1\" }\n\
                     [dev-dependencies.tempfile]\nversion = \"3\"\n";
        assert_eq!(
            located("Cargo.toml", Ecosystem::Cargo, cargo),
            [
                ("serde".to_string(), 6, 1, 6),
                ("serde_json".to_string(), 5, 1, 11),
                ("tempfile".to_string(), 7, 19, 27),
            ]
        );
    }

    #[test]
    fn line_based_manifests_cite_the_declaring_line() {
        let go = "module example.com/otel-demo\n\n// go.opentelemetry.io/otel is pinned below\nrequire (\n\tgo.opentelemetry.io/otel/sdk v1.45.0\n\tgo.opentelemetry.io/otel v1.45.0\n)\n";
        assert_eq!(
            located("go.mod", Ecosystem::Go, go),
            [
                ("go.opentelemetry.io/otel/sdk".to_string(), 5, 2, 30),
                ("go.opentelemetry.io/otel".to_string(), 6, 2, 26),
            ]
        );
        let pom = "<project>\n  <artifactId>micrometer-demo</artifactId>\n  <dependency>\n    <groupId>io.micrometer</groupId>\n    <artifactId>micrometer-registry-prometheus</artifactId>\n  </dependency>\n</project>\n";
        let located_pom = located("pom.xml", Ecosystem::Maven, pom);
        assert_eq!(
            located_pom[1],
            (
                "io.micrometer:micrometer-registry-prometheus".to_string(),
                5,
                17,
                47
            )
        );
        let gradle = "// uses sentry-android\ndependencies {\n  implementation 'io.sentry:sentry:7.0.0'\n}\n";
        assert_eq!(
            located("build.gradle", Ecosystem::Gradle, gradle),
            [("io.sentry:sentry".to_string(), 3, 29, 35)]
        );
        let gemfile = "# sentry-ruby reports errors\ngem 'sentry-rails'\ngem \"sentry-ruby\"\n";
        assert_eq!(
            located("Gemfile", Ecosystem::Ruby, gemfile),
            [
                ("sentry-rails".to_string(), 2, 6, 18),
                ("sentry-ruby".to_string(), 3, 6, 17),
            ]
        );
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
