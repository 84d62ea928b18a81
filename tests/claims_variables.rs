//! Report claims on commands that read the workflow's variables: a test command chosen by
//! the job's matrix through `env:`, a runner named with the matrix's version, and a script
//! that sets a variable of the same name as an `env:` entry.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess_files, expect, practice};
use shipready::assessment::model::GateStatus;
use shipready::evidence::State;

const GEMFILE: &str = "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"pg\"\n";

fn rails_tests(env_value: &str) -> String {
    format!(
        "name: Tests\non:\n  pull_request:\n  push:\n    branches: [master]\njobs:\n  rails:\n    \
         strategy:\n      matrix:\n        tests:\n          - id: general\n            command: test\n          \
         - id: system\n            command: \"test:system\"\n    runs-on: ubuntu-24.04\n    steps:\n      \
         - uses: actions/checkout@v4\n      - name: Tests\n        run: |\n          \
         # shellcheck disable=SC2086\n          bin/rails $TEST_COMMAND\n        env:\n          \
         TEST_COMMAND: {env_value}\n"
    )
}

/// `bin/rails $TEST_COMMAND`, with the command taken from the matrix, runs `bin/rails test`
/// on every pull request: the tests run in CI, cited at the line that runs them.
#[test]
fn a_test_command_chosen_by_the_matrix_runs_the_tests() {
    let found = assess_files(&[
        ("Gemfile", GEMFILE),
        (
            "app/models/user.rb",
            "class User < ApplicationRecord\nend\n",
        ),
        (
            ".github/workflows/test.yml",
            &rails_tests("${{ matrix.tests.command }}"),
        ),
    ]);
    expect(&found, "TST-02", State::Present, &[]);
    let cited: Vec<(String, usize)> = (practice(&found, "TST-02").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert_eq!(cited, [(".github/workflows/test.yml".to_string(), 21)]);
    let g01 = found.gates.iter().find(|g| g.id == "G-01").unwrap();
    assert_eq!(g01.status, GateStatus::Pass, "{:?}", g01.reason);

    // A command known only at run time is not guessed.
    let computed = assess_files(&[
        ("Gemfile", GEMFILE),
        (
            "app/models/user.rb",
            "class User < ApplicationRecord\nend\n",
        ),
        (
            ".github/workflows/test.yml",
            &rails_tests("${{ inputs.command }}"),
        ),
    ]);
    expect(&computed, "TST-02", State::Absent, &[]);
}

/// A coverage floor kept in `env:` and checked by hand against a variable the script sets
/// itself is read with the script's variable left alone: the threshold is the `env:` value.
#[test]
fn a_variable_the_script_sets_is_not_taken_from_env() {
    let workflow = "name: Test\non: pull_request\njobs:\n  test:\n    env:\n      COVERAGE_TOTAL: 50\n    \
        runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: pytest --cov=app --cov-report=json:coverage.json\n      - name: Coverage total\n        \
        run: |\n          export COVERAGE_TOTAL=$(python -c \"import json;print(json.load(open('coverage.json'))['totals']['percent_covered_display'])\")\n          \
        if [[ $COVERAGE_TOTAL < ${{ env.COVERAGE_TOTAL }} ]]; then\n            exit 1\n          fi\n";
    let found = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1.0\"\n",
        ),
        ("app/main.py", "def main():\n    return 1\n"),
        ("tests/test_main.py", "def test_main():\n    assert True\n"),
        (".github/workflows/test.yml", workflow),
    ]);
    expect(&found, "TST-04", State::Partial, &["the threshold is 50%"]);
}
