//! Helpers for the hostile-input tests: a small repository with one good workflow, an
//! assessment guarded against hangs, and checks on how a bad file was reported.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use shipready::Assessment;
use tempfile::TempDir;

/// A guard against hangs, not a benchmark: the slowest case takes about 8 s in a debug build
/// on two cores, and more than twice that while other test binaries build beside it.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// A workflow that is valid and ordinary; its presence in the report shows the other files
/// were still assessed.
pub const GOOD_WORKFLOW: &str = "name: CI
on:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: cargo test
";

/// A new repository holding the good workflow.
pub fn repository() -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("hostile-repo")
        .tempdir()
        .expect("temporary folder");
    write(dir.path(), ".github/workflows/ci.yml", GOOD_WORKFLOW);
    dir
}

pub fn write(root: &Path, path: &str, text: impl AsRef<[u8]>) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
    fs::write(path, text).expect("write");
}

/// Runs the assessment on its own thread (with the default 2 MiB stack, smaller than the
/// binary's main thread) and fails if it panics or does not finish within `HANG_GUARD`.
pub fn assess_within(root: &Path) -> Assessment {
    let root = root.to_path_buf();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let result = shipready::assess(&root, &shipready::Options::default());
        let _ = sender.send(result);
    });
    match receiver.recv_timeout(HANG_GUARD) {
        Ok(result) => result.expect("the assessment runs"),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("assessment still running after {HANG_GUARD:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("assessment thread panicked"),
    }
}

/// The reason a file was skipped or left unparsed; fails if it is in neither list.
pub fn reason_for(assessment: &Assessment, path: &str) -> String {
    let inventory = &assessment.inventory;
    let skipped = inventory.skipped.iter().map(|s| (&s.path, &s.reason));
    let unparsed = inventory.unparsed.iter().map(|u| (&u.path, &u.reason));
    skipped
        .chain(unparsed)
        .find(|(p, _)| p.as_str() == path)
        .map(|(_, reason)| reason.clone())
        .unwrap_or_else(|| {
            panic!(
                "{path} is neither skipped nor unparsed; skipped {:?}, unparsed {:?}",
                inventory.skipped, inventory.unparsed
            )
        })
}

pub fn assert_reason(assessment: &Assessment, path: &str, fragment: &str) {
    let reason = reason_for(assessment, path);
    assert!(
        reason.contains(fragment),
        "{path}: reason {reason:?} does not say {fragment:?}"
    );
}

/// The good workflow was parsed into a pipeline.
pub fn assert_good_workflow_assessed(assessment: &Assessment) {
    let paths: Vec<_> = assessment
        .inventory
        .pipelines
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert!(
        paths.contains(&".github/workflows/ci.yml"),
        "the valid workflow was not assessed: {paths:?}"
    );
}

/// The files listed as read in part, with their reasons.
pub fn read_in_part(assessment: &Assessment) -> Vec<(String, String)> {
    (assessment.inventory.read_in_part.iter())
        .map(|u| (u.path.clone(), u.reason.clone()))
        .collect()
}

/// The reason given for findings of `rule` cut at the per-file bound.
pub fn past_the_first_hundred(rule: &str) -> String {
    format!("findings of `{rule}` past the first 100 in this file are not listed")
}

/// A JSON rendering of the whole assessment, to check what a report could show.
pub fn json(assessment: &Assessment) -> String {
    serde_json::to_string(assessment).expect("serialises")
}

/// Makes a FIFO with the system's `mkfifo`; the test harness runs it, not shipready.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

pub fn workflow_of_steps(steps: usize, run: impl Fn(usize) -> String) -> String {
    let mut text =
        String::from("on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n");
    for i in 0..steps {
        text.push_str(&format!("      - run: {}\n", run(i)));
    }
    text
}

/// The commands of each step of the workflow at `path`, as text.
pub fn step_commands(pipelines: &shipready::pipeline::Pipelines, path: &str) -> Vec<Vec<String>> {
    let pipeline = pipelines.pipelines.iter().find(|p| p.path == path).unwrap();
    let steps = &pipeline.jobs[0].steps;
    steps
        .iter()
        .map(|s| s.commands.iter().map(|c| c.text.clone()).collect())
        .collect()
}
