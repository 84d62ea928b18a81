#![no_main]

//! A workflow that runs Maven and Gradle over a fuzzed build file: the goals and tasks the
//! build binds are read into the steps, never run.

use libfuzzer_sys::fuzz_target;
use shipready::inventory::{FileKind, Inventory, RepoFile, classify};

const WORKFLOW: &str = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./mvnw -B verify && mvn -f sub/pom.xml package\n      - run: ./gradlew build -x test\n";

fuzz_target!(|text: &str| {
    let file = |path: &str, kind, text: &str| RepoFile {
        path: path.to_string(),
        kind,
        text: Some(text.to_string()),
    };
    let mut files = vec![file(
        ".github/workflows/ci.yml",
        FileKind::GithubWorkflow,
        WORKFLOW,
    )];
    for path in ["pom.xml", "sub/pom.xml", "build.gradle", "build.gradle.kts"] {
        files.push(file(path, classify(path), text));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let inventory = Inventory::new("/nonexistent".into(), files, Vec::new());
    let pipelines = shipready::pipeline::build(&inventory);
    // Each step gains at most 64 goals or tasks beyond the workflow's own commands.
    for (_, _, step) in pipelines.steps() {
        assert!(
            step.commands.len() <= 64 + 8,
            "{} commands",
            step.commands.len()
        );
    }
});
