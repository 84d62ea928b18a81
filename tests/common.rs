//! Helpers shared by the integration tests.

#![allow(clippy::expect_used, clippy::unwrap_used)]
#![allow(dead_code)]

use std::path::PathBuf;

use shipready::assessment::model::{Assessment, PracticeResult};
use shipready::evidence::State;
use shipready::findings::Finding;
use shipready::pipeline::{Pipeline, Pipelines};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn assess(name: &str) -> Assessment {
    shipready::assess(&fixture(name), &shipready::Options::default()).expect("fixture assesses")
}

pub fn practice<'a>(a: &'a Assessment, id: &str) -> &'a PracticeResult {
    a.practices
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("practice {id} missing"))
}

/// Asserts the state and that the reason mentions every fragment.
pub fn expect(a: &Assessment, id: &str, state: State, fragments: &[&str]) {
    let p = practice(a, id);
    assert_eq!(
        p.state, state,
        "{id}: state {:?}, reason {:?}, evidence {:#?}",
        p.state, p.reason, p.evidence
    );
    let reason = p.reason.clone().unwrap_or_default();
    for fragment in fragments {
        assert!(
            reason.contains(fragment),
            "{id}: reason {reason:?} lacks {fragment:?}"
        );
    }
}

/// The ids of the migration-safety findings.
pub const MIGRATION_RULES: &[&str] = &[
    "migration-multiple-heads",
    "migration-missing-parent",
    "migration-cycle",
    "irreversible-migration",
    "destructive-migration",
    "not-null-without-default",
    "volatile-default",
    "index-locks-writes",
    "validating-constraint",
    "missing-lock-timeout",
];

/// A finding's path, `(line, column, end_line, end_column)` and id.
pub type Span = (String, (usize, usize, usize, usize), String);

pub fn spans(found: &[Finding]) -> Vec<Span> {
    found
        .iter()
        .map(|f| {
            let l = &f.location;
            (
                l.path.clone(),
                (l.line, l.column, l.end_line, l.end_column),
                f.id.clone(),
            )
        })
        .collect()
}

pub fn span(path: &str, at: (usize, usize, usize, usize), id: &str) -> Span {
    (path.to_string(), at, id.to_string())
}

/// Writes `text` to `path` under `root`, creating its folders.
pub fn write(root: &std::path::Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("a file path")).expect("folders created");
    std::fs::write(path, text).expect("file written");
}

/// Assesses a repository made of `files` (path, text) in a fresh temporary folder.
pub fn assess_files(files: &[(&str, &str)]) -> Assessment {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    shipready::assess(dir.path(), &shipready::Options::default()).expect("repository assesses")
}

/// A Dockerfile that makes a repository deployable (and runs as a non-root user).
pub const DOCKERFILE: &str =
    "FROM python:3.12-slim\nCOPY . /app\nUSER 1000\nCMD [\"python\", \"-m\", \"app\"]\n";

/// The pipeline model of a repository made of `files`.
pub fn pipelines(files: &[(&str, &str)]) -> Pipelines {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    let inventory = shipready::inventory::scan(dir.path()).unwrap();
    shipready::pipeline::build(&inventory)
}

pub fn pipeline<'p>(pipelines: &'p Pipelines, path: &str) -> &'p Pipeline {
    (pipelines.pipelines.iter())
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no pipeline {path}: {:#?}", pipelines.unparsed))
}

/// Each step's commands as (text, file, line).
pub fn step_commands(pipeline: &Pipeline) -> Vec<Vec<(String, String, usize)>> {
    (pipeline.jobs[0].steps.iter())
        .map(|s| {
            (s.commands.iter())
                .map(|c| (c.text.clone(), c.location.path.clone(), c.location.line))
                .collect()
        })
        .collect()
}

pub fn command(text: &str, path: &str, line: usize) -> (String, String, usize) {
    (text.to_string(), path.to_string(), line)
}

/// A small C library built with Meson, with one test: the project that pipeline fixtures build.
pub const MESON_PROJECT: &[(&str, &str)] = &[
    (
        "meson.build",
        "project('dav1d', ['c'], version: '1.5.1')\nsubdir('src')\nsubdir('tests')\n",
    ),
    ("src/lib.c", "int dav1d_version(void) { return 1; }\n"),
    (
        "tests/meson.build",
        "test('version', executable('version', 'version.c'))\n",
    ),
    ("tests/version.c", "int main(void) { return 0; }\n"),
];
