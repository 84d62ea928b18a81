//! The tasks a Gradle build's `check` (and so `build`) runs because of the plugins it applies.

use std::sync::LazyLock;

use regex::Regex;

use super::{Bound, MAX_GOALS};

/// Gradle plugins whose tasks `check` (and so `build`) runs: plugin id, task.
const GRADLE_CHECK_TASKS: &[(&str, &str)] = &[
    ("checkstyle", "checkstyleMain"),
    ("pmd", "pmdMain"),
    ("com.github.spotbugs", "spotbugsMain"),
    ("com.diffplug.spotless", "spotlessCheck"),
    ("io.spring.javaformat", "checkFormat"),
];

static GRADLE_PLUGIN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"^\s*(?:id\s*\(?\s*["']([\w.\-]+)["']|`?([\w\-]+)`?\s*$)"#).ok());
static GRADLE_APPLY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"^\s*apply\s*\(?\s*plugin\s*[:=]\s*["']([\w.\-]+)["']"#).ok());

/// The tasks `check` runs because of the plugins a Gradle build applies (in its `plugins`
/// block, or with `apply plugin:`), each at the line that applies it. JaCoCo's report runs
/// with the build only when the build wires it to a task that runs (`finalizedBy
/// jacocoTestReport`).
pub(super) fn gradle_tasks(text: &str) -> Vec<Bound> {
    let (Some(in_block), Some(applied)) = (GRADLE_PLUGIN.as_ref(), GRADLE_APPLY.as_ref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut depth_in_plugins: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        // `apply false` declares a plugin for subprojects without applying it here.
        let declared_only = trimmed.contains("apply false") || trimmed.contains("apply(false)");
        let id = match depth_in_plugins {
            _ if declared_only => None,
            Some(_) => (in_block.captures(line))
                .and_then(|c| c.get(1).or_else(|| c.get(2)))
                .map(|m| m.as_str()),
            None => (applied.captures(line))
                .and_then(|c| c.get(1))
                .map(|m| m.as_str()),
        };
        if let Some(id) = id
            && let Some((_, task)) = GRADLE_CHECK_TASKS.iter().find(|(p, _)| *p == id)
        {
            out.push(Bound {
                text: format!("gradle {task}"),
                phase: None,
                line: index + 1,
            });
        }
        if depth_in_plugins.is_none() && trimmed.starts_with("plugins") && trimmed.ends_with('{') {
            depth_in_plugins = Some(0);
        } else if let Some(depth) = depth_in_plugins.as_mut() {
            *depth += trimmed.matches('{').count();
            let closed = trimmed.matches('}').count();
            if closed > *depth {
                depth_in_plugins = None;
            } else {
                *depth -= closed;
            }
        }
    }
    // `test { finalizedBy jacocoTestReport }` runs the report with the tests;
    // `jacocoTestReport { dependsOn test }` only orders it, when something asks for it.
    static WIRED: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r#"\b(finalizedBy|dependsOn)\s*\(?\s*(tasks\.)?["']?jacocoTestReport\b"#).ok()
    });
    if let Some(found) = WIRED.as_ref().and_then(|re| re.find(text)) {
        let at = found.start();
        out.push(Bound {
            text: "gradle jacocoTestReport".to_string(),
            phase: None,
            line: text[..at].bytes().filter(|b| *b == b'\n').count() + 1,
        });
    }
    out.truncate(MAX_GOALS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradle_check_tasks_from_applied_plugins() {
        let groovy = "plugins {\n  id 'java'\n  id 'checkstyle'\n  id(\"com.diffplug.spotless\") version \"6.25.0\"\n}\n\napply plugin: 'pmd'\n\ntest {\n  finalizedBy jacocoTestReport\n}\n";
        let tasks: Vec<(String, usize)> = gradle_tasks(groovy)
            .into_iter()
            .map(|b| (b.text, b.line))
            .collect();
        assert_eq!(
            tasks,
            [
                ("gradle checkstyleMain".to_string(), 3),
                ("gradle spotlessCheck".to_string(), 4),
                ("gradle pmdMain".to_string(), 7),
                ("gradle jacocoTestReport".to_string(), 10),
            ]
        );
        // A word alone on a line outside the plugins block applies nothing.
        assert!(gradle_tasks("tasks {\n  checkstyle\n}\n").is_empty());
        // `apply false` declares a plugin for subprojects; a report that depends on the
        // tests is not run by them.
        let root = "plugins {\n  id 'com.diffplug.spotless' version '6.25.0' apply false\n}\njacocoTestReport {\n  dependsOn test\n}\n";
        assert!(gradle_tasks(root).is_empty());
    }
}
