//! The plugins a Maven or Gradle build runs on its own: `./mvnw verify` runs every goal that
//! pom.xml binds to a phase up to `verify` (Checkstyle's `check`, JaCoCo's `report`,
//! CycloneDX's `makeAggregateBom`), and `./gradlew build` runs the tasks that applied plugins
//! add to `check` (`checkstyleMain`, `spotlessCheck`). Each is added to the step as the
//! command that runs it alone (`mvn checkstyle:check`, `gradle checkstyleMain`), located on
//! the build file's line that binds it, so the catalog's command signals see it. Build files
//! are read, never run.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::{Command, MAX_EXPANDED, Pipeline, Unparsed};
use crate::inventory::Inventory;
use crate::source::Location;

mod gradle;
use gradle::gradle_tasks;

/// Maven's default lifecycle, in order.
const PHASES: &[&str] = &[
    "validate",
    "initialize",
    "generate-sources",
    "process-sources",
    "generate-resources",
    "process-resources",
    "compile",
    "process-classes",
    "generate-test-sources",
    "process-test-sources",
    "generate-test-resources",
    "process-test-resources",
    "test-compile",
    "process-test-classes",
    "test",
    "prepare-package",
    "package",
    "pre-integration-test",
    "integration-test",
    "post-integration-test",
    "verify",
    "install",
    "deploy",
];

/// The phase a goal binds to when its execution names none, for the plugins whose goals
/// the catalog looks for; any other goal is taken to run by `verify`.
const DEFAULT_PHASES: &[(&str, &str, &str)] = &[
    ("jacoco", "prepare-agent", "initialize"),
    ("jacoco", "report", "verify"),
    ("jacoco", "check", "verify"),
    ("checkstyle", "check", "verify"),
    ("spring-javaformat", "validate", "validate"),
    ("cyclonedx", "makeAggregateBom", "package"),
    ("cyclonedx", "makeBom", "package"),
    ("spotless", "check", "verify"),
    ("spotbugs", "check", "verify"),
    ("pmd", "check", "verify"),
    ("pmd", "cpd-check", "verify"),
    ("dependency-check", "check", "verify"),
    ("enforcer", "enforce", "validate"),
];

/// Executions a parent POM gives a plugin the project only names: Spring Boot's parent
/// (3.3 and later) binds CycloneDX's aggregate SBOM to `generate-resources`.
const PARENT_EXECUTIONS: &[(&str, &str, &str, &str)] = &[(
    "spring-boot-starter-parent",
    "cyclonedx",
    "makeAggregateBom",
    "generate-resources",
)];

/// The commands that stand for the tests a Maven or Gradle build runs, at the line of the
/// call that runs them.
const TESTS_BY_MAVEN: &str = "mvn surefire:test";
const TESTS_BY_GRADLE: &str = "gradle test";

/// Most commands one build file adds to a step.
const MAX_GOALS: usize = 64;
/// Deepest element nesting read in a POM.
const MAX_DEPTH: usize = 64;

static MAVEN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s;&|(])(?:\S*/)?mvnw?(?:\.cmd)?\s+([^;&|]*)").ok());
static GRADLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s;&|(])(?:\S*/)?gradlew?(?:\.bat)?\s+([^;&|]*)").ok());

/// A goal or task the build file binds, with where.
#[derive(Clone, Debug, PartialEq)]
struct Bound {
    /// The command that runs it alone.
    text: String,
    /// Index in [`PHASES`] (Maven), or `None` for a Gradle `check` task.
    phase: Option<usize>,
    line: usize,
}

/// Adds to each step that runs Maven or Gradle the goals and tasks its build file binds.
///
/// Thousands of steps each calling a build of many bound goals would hold a copy of them
/// each: at most [`MAX_EXPANDED`] commands are added over the whole repository, in file
/// order, and each pipeline whose steps lost some to that budget is told in `read_in_part`.
pub fn expand(pipelines: &mut [Pipeline], inventory: &Inventory, read_in_part: &mut Vec<Unparsed>) {
    let mut files: HashMap<String, Vec<Bound>> = HashMap::new();
    let mut budget = MAX_EXPANDED;
    for pipeline in pipelines.iter_mut() {
        let mut cut = false;
        for job in &mut pipeline.jobs {
            for step in &mut job.steps {
                let base = step.working_directory.clone().unwrap_or_default();
                let room = MAX_GOALS.min(budget);
                if room == 0 {
                    let calls_a_build =
                        |t: &str| (MAVEN.iter().chain(GRADLE.iter())).any(|re| re.is_match(t));
                    cut |= step.commands.iter().any(|c| calls_a_build(&c.text));
                    continue;
                }
                let mut added = Vec::new();
                for command in &step.commands {
                    if added.len() >= room {
                        break;
                    }
                    added.extend(run_by(command, &base, inventory, &mut files));
                    added.truncate(room);
                }
                if room < MAX_GOALS && !added.is_empty() && added.len() == room {
                    cut = true;
                }
                if !added.is_empty() {
                    budget -= added.len();
                    step.commands.extend(added);
                    job.deploys = std::sync::OnceLock::new();
                    job.simulated = std::sync::OnceLock::new();
                }
            }
        }
        if cut {
            read_in_part.push(Unparsed {
                path: pipeline.path.clone(),
                reason: format!(
                    "steps past {MAX_EXPANDED} followed commands are read without the goals \
                     and tasks their Maven and Gradle builds bind"
                ),
            });
        }
    }
}

/// The commands a Maven or Gradle call in `text` runs through its build file.
fn run_by(
    command: &Command,
    base: &str,
    inventory: &Inventory,
    files: &mut HashMap<String, Vec<Bound>>,
) -> Vec<Command> {
    let text = command.text.as_str();
    let mut out = Vec::new();
    let here = |what: &str| Command {
        text: what.to_string(),
        location: command.location.clone(),
    };
    for call in MAVEN.iter().flat_map(|re| re.captures_iter(text)) {
        let args: Vec<&str> = call[1].split_whitespace().collect();
        // Surefire runs the tests from the `test` phase on, unless they are skipped.
        let skipped = args.iter().any(|a| {
            (a.starts_with("-DskipTests") || a.starts_with("-Dmaven.test.skip"))
                && !a.ends_with("=false")
        });
        let test = PHASES.iter().position(|p| *p == "test");
        let reaches = (args.iter())
            .filter_map(|a| PHASES.iter().position(|p| p == a))
            .max();
        if !skipped && reaches >= test {
            out.push(here(TESTS_BY_MAVEN));
        }
        let file = args
            .windows(2)
            .find(|w| w[0] == "-f" || w[0] == "--file")
            .map(|w| w[1].to_string())
            .unwrap_or_else(|| "pom.xml".to_string());
        let reached = (args.iter())
            .filter_map(|a| PHASES.iter().position(|p| p == a))
            .max();
        if let Some(reached) = reached {
            let path = join(base, &file);
            let bound = files.entry(path.clone()).or_insert_with(|| {
                inventory
                    .get(&path)
                    .and_then(|f| f.text.as_deref())
                    .map_or_else(Vec::new, pom_goals)
            });
            out.extend(
                (bound.iter())
                    .filter(|b| b.phase.is_some_and(|p| p <= reached))
                    .map(|b| bound_command(&path, b)),
            );
        }
    }
    for call in GRADLE.iter().flat_map(|re| re.captures_iter(text)) {
        let args: Vec<&str> = call[1].split_whitespace().collect();
        let task = |names: &[&str]| {
            (args.iter())
                .any(|a| !a.starts_with('-') && names.contains(&a.rsplit(':').next().unwrap_or(a)))
        };
        let runs_check = task(&["build", "check"]);
        // `-x test` (`--exclude-task test`) leaves the tests out of build and check.
        let excluded = args.windows(2).any(|w| {
            matches!(w[0], "-x" | "--exclude-task") && w[1].rsplit(':').next() == Some("test")
        });
        if !excluded && (runs_check || task(&["test"])) {
            out.push(here(TESTS_BY_GRADLE));
        }
        if runs_check {
            for name in ["build.gradle", "build.gradle.kts"] {
                let path = join(base, name);
                let bound = files.entry(path.clone()).or_insert_with(|| {
                    (inventory.get(&path).and_then(|f| f.text.as_deref()))
                        .map_or_else(Vec::new, gradle_tasks)
                });
                out.extend(bound.iter().map(|b| bound_command(&path, b)));
            }
        }
    }
    out
}

fn bound_command(path: &str, bound: &Bound) -> Command {
    Command {
        text: bound.text.clone(),
        location: Location::line(path, bound.line, 1, 1),
    }
}

fn join(base: &str, file: &str) -> String {
    let base = base.trim_start_matches("./").trim_end_matches('/');
    let file = file.trim_start_matches("./");
    if base.is_empty() || base == "." {
        file.to_string()
    } else {
        format!("{base}/{file}")
    }
}

/// The plugin prefix Maven resolves from an artifact id: `maven-checkstyle-plugin` and
/// `checkstyle-maven-plugin` are both `checkstyle`.
fn prefix(artifact: &str) -> &str {
    let artifact = artifact.strip_prefix("maven-").unwrap_or(artifact);
    ["-maven-plugin", "-plugin", "-maven"]
        .iter()
        .find_map(|suffix| artifact.strip_suffix(suffix))
        .unwrap_or(artifact)
}

/// One `<plugin>` of `<project><build><plugins>` as read so far.
#[derive(Default)]
struct Plugin {
    artifact: Option<(String, usize)>,
    executions: Vec<Execution>,
}

#[derive(Default)]
struct Execution {
    phase: Option<String>,
    goals: Vec<(String, usize)>,
}

/// The goals a POM binds in `<project><build><plugins>` (not `<pluginManagement>`, which
/// only configures, nor `<profiles>`, which run only when activated).
fn pom_goals(text: &str) -> Vec<Bound> {
    let mut parent: Option<String> = None;
    let mut plugins: Vec<Plugin> = Vec::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut line = 1;
    let mut at = 0;
    while let Some(open) = text[at..].find('<').map(|i| at + i) {
        let content = &text[at..open];
        line += content.bytes().filter(|b| *b == b'\n').count();
        let content = content.trim();
        if !content.is_empty() {
            let plugin = |depth: usize| {
                stack.len() == depth && stack[..4] == ["project", "build", "plugins", "plugin"]
            };
            match stack.as_slice() {
                ["project", "parent", "artifactId"] => parent = Some(content.to_string()),
                [.., "artifactId"] if plugin(5) => {
                    if let Some(plugin) = plugins.last_mut() {
                        plugin.artifact = Some((content.to_string(), line));
                    }
                }
                [.., "executions", "execution", "phase"] if plugin(7) => {
                    if let Some(execution) =
                        plugins.last_mut().and_then(|p| p.executions.last_mut())
                    {
                        execution.phase = Some(content.to_string());
                    }
                }
                [.., "executions", "execution", "goals", "goal"] if plugin(8) => {
                    if let Some(execution) =
                        plugins.last_mut().and_then(|p| p.executions.last_mut())
                    {
                        execution.goals.push((content.to_string(), line));
                    }
                }
                _ => {}
            }
        }
        let rest = &text[open..];
        // Comments, CDATA, processing instructions and declarations hold no elements.
        let (end, element) = if rest.starts_with("<!--") {
            ("-->", false)
        } else if rest.starts_with("<![CDATA[") {
            ("]]>", false)
        } else if rest.starts_with("<?") {
            ("?>", false)
        } else if rest.starts_with("<!") {
            (">", false)
        } else {
            (">", true)
        };
        let Some(close) = rest.find(end).map(|i| open + i + end.len()) else {
            break;
        };
        let tag = &text[open + 1..close - end.len()];
        line += tag.bytes().filter(|b| *b == b'\n').count();
        at = close;
        if !element {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if stack.last().is_some_and(|top| *top == name.trim()) {
                stack.pop();
            }
            continue;
        }
        if tag.ends_with('/') {
            continue;
        }
        let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or("");
        if stack.len() >= MAX_DEPTH {
            return Vec::new();
        }
        stack.push(name);
        match stack.as_slice() {
            ["project", "build", "plugins", "plugin"] => plugins.push(Plugin::default()),
            [
                "project",
                "build",
                "plugins",
                "plugin",
                "executions",
                "execution",
            ] => {
                if let Some(plugin) = plugins.last_mut() {
                    plugin.executions.push(Execution::default());
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for plugin in &plugins {
        if out.len() >= MAX_GOALS {
            break;
        }
        let Some((artifact, artifact_line)) = &plugin.artifact else {
            continue;
        };
        let prefix = prefix(artifact);
        let phase_of = |goal: &str, phase: &Option<String>| {
            let named = phase.as_deref().or_else(|| {
                (DEFAULT_PHASES.iter())
                    .find(|(p, g, _)| *p == prefix && *g == goal)
                    .map(|(_, _, phase)| *phase)
            });
            PHASES
                .iter()
                .position(|p| Some(*p) == named.or(Some("verify")))
        };
        for execution in &plugin.executions {
            for (goal, goal_line) in &execution.goals {
                out.push(Bound {
                    text: format!("mvn {prefix}:{goal}"),
                    phase: phase_of(goal, &execution.phase),
                    line: *goal_line,
                });
            }
        }
        if plugin.executions.is_empty() {
            for (_, _, goal, phase) in (PARENT_EXECUTIONS.iter())
                .filter(|(from, p, _, _)| parent.as_deref() == Some(*from) && *p == prefix)
            {
                out.push(Bound {
                    text: format!("mvn {prefix}:{goal}"),
                    phase: PHASES.iter().position(|p| p == phase),
                    line: *artifact_line,
                });
            }
        }
    }
    out.truncate(MAX_GOALS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POM: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
  </parent>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <artifactId>maven-pmd-plugin</artifactId>
          <executions><execution><goals><goal>check</goal></goals></execution></executions>
        </plugin>
      </plugins>
    </pluginManagement>
    <plugins>
      <!-- <plugin><artifactId>commented-out-plugin</artifactId></plugin> -->
      <plugin>
        <artifactId>maven-checkstyle-plugin</artifactId>
        <executions>
          <execution>
            <goals>
              <goal>check</goal>
            </goals>
            <phase>validate</phase>
          </execution>
        </executions>
      </plugin>
      <plugin>
        <groupId>org.jacoco</groupId>
        <artifactId>jacoco-maven-plugin</artifactId>
        <executions>
          <execution><goals><goal>prepare-agent</goal></goals></execution>
          <execution><goals><goal>report</goal></goals></execution>
        </executions>
      </plugin>
      <plugin>
        <groupId>org.cyclonedx</groupId>
        <artifactId>cyclonedx-maven-plugin</artifactId>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <build><plugins><plugin>
        <artifactId>spotbugs-maven-plugin</artifactId>
        <executions><execution><goals><goal>check</goal></goals></execution></executions>
      </plugin></plugins></build>
    </profile>
  </profiles>
</project>
"#;

    #[test]
    fn pom_goals_bound_in_build_plugins_only() {
        let goals: Vec<(String, Option<&str>, usize)> = pom_goals(POM)
            .into_iter()
            .map(|b| (b.text, b.phase.map(|p| PHASES[p]), b.line))
            .collect();
        assert_eq!(
            goals,
            [
                ("mvn checkstyle:check".to_string(), Some("validate"), 23),
                (
                    "mvn jacoco:prepare-agent".to_string(),
                    Some("initialize"),
                    33
                ),
                ("mvn jacoco:report".to_string(), Some("verify"), 34),
                (
                    "mvn cyclonedx:makeAggregateBom".to_string(),
                    Some("generate-resources"),
                    39
                ),
            ]
        );
    }

    #[test]
    fn goals_of_a_profile_stay_in_the_profile() {
        let pom = "<project><build><plugins><plugin>\n<artifactId>maven-checkstyle-plugin</artifactId>\n<executions><execution><goals><goal>check</goal></goals></execution></executions>\n</plugin></plugins></build>\n<profiles><profile><build><plugins><plugin>\n<artifactId>spotbugs-maven-plugin</artifactId>\n<executions><execution><goals><goal>check</goal></goals><phase>verify</phase></execution></executions>\n</plugin></plugins></build></profile></profiles></project>\n";
        let goals: Vec<String> = pom_goals(pom).into_iter().map(|b| b.text).collect();
        assert_eq!(goals, ["mvn checkstyle:check"]);
    }

    #[test]
    fn plugin_prefixes() {
        assert_eq!(prefix("maven-checkstyle-plugin"), "checkstyle");
        assert_eq!(prefix("jacoco-maven-plugin"), "jacoco");
        assert_eq!(prefix("dependency-check-maven"), "dependency-check");
        assert_eq!(
            prefix("spring-javaformat-maven-plugin"),
            "spring-javaformat"
        );
    }
}
