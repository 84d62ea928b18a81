//! Report claims on package.json and composer.json scripts that CI runs by name: the script's
//! own command counts, cited at its key in the manifest.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess_files, expect, practice};
use shipready::evidence::State;

/// `npm run ts:lint` runs `tsc --noEmit`: a type check in CI, cited where the script is
/// defined; the same script never run by CI shows nothing.
#[test]
fn a_script_run_by_name_counts_as_its_command() {
    let package = "{\n  \"name\": \"web\",\n  \"private\": true,\n  \"scripts\": {\n    \"build\": \"vite build\",\n    \
        \"ts:lint\": \"tsc --noEmit\"\n  },\n  \"devDependencies\": {\"typescript\": \"^5.6.0\"}\n}\n";
    let workflow = |command: &str| {
        format!(
            "name: JS\non: [push, pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      \
             - uses: actions/checkout@v4\n      - run: npm ci\n      - run: {command}\n"
        )
    };
    let run = |command: &str| {
        assess_files(&[
            ("package.json", package),
            ("package-lock.json", "{\"lockfileVersion\": 3}\n"),
            ("src/main.js", "export const main = () => 1;\n"),
            (".github/workflows/js.yml", &workflow(command)),
        ])
    };
    let checked = run("npm run ts:lint");
    expect(&checked, "AUT-09", State::Present, &[]);
    let cited: Vec<(String, usize)> = (practice(&checked, "AUT-09").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        cited.contains(&("package.json".to_string(), 6)),
        "{cited:?}"
    );

    let built = run("npm run build");
    assert_ne!(practice(&built, "AUT-09").state, State::Present);
}

/// `composer test` runs the script's list, `@name` entries included.
#[test]
fn composer_scripts_run_their_lists() {
    let composer = "{\n  \"require\": {\"php\": \"^8.2\"},\n  \"scripts\": {\n    \"lint\": \"phpcs\",\n    \
        \"test\": [\"@lint\", \"phpunit --colors=never\"]\n  }\n}\n";
    let workflow = "name: PHP\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - run: composer install -n\n      - run: composer test\n";
    let found = assess_files(&[
        ("composer.json", composer),
        ("src/Page.php", "<?php\nclass Page {}\n"),
        ("tests/PageTest.php", "<?php\nclass PageTest {}\n"),
        (".github/workflows/php.yml", workflow),
    ]);
    expect(&found, "TST-02", State::Present, &[]);
    let cited: Vec<(String, usize)> = (practice(&found, "TST-02").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        cited.contains(&("composer.json".to_string(), 5)),
        "{cited:?}"
    );
}
