//! Report claims on Ruby repositories: how CI installs the gems Gemfile.lock pins.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{assess_files, expect, practice};
use shipready::evidence::State;

const GEMFILE: &str = "source \"https://rubygems.org\"\n\ngem \"rails\", \"~> 8.0\"\ngem \"pg\"\n";
const LOCK: &str = "GEM\n  remote: https://rubygems.org/\n  specs:\n    pg (1.5.9)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  pg\n";

fn workflow(bundler_cache: &str) -> String {
    format!(
        "name: Lint\non: pull_request\njobs:\n  rubocop:\n    runs-on: ubuntu-latest\n    steps:\n      \
         - uses: actions/checkout@v4\n      - uses: ruby/setup-ruby@v1\n        with:\n          \
         bundler-cache: {bundler_cache}\n      - run: bundle exec rubocop\n"
    )
}

/// ruby/setup-ruby's `bundler-cache: true` installs in Bundler's deployment mode when
/// Gemfile.lock is committed: CI installs what the lockfile pins, cited at the input.
#[test]
fn setup_ruby_bundler_cache_installs_what_the_lockfile_pins() {
    let cached = assess_files(&[
        ("Gemfile", GEMFILE),
        ("Gemfile.lock", LOCK),
        (".github/workflows/lint.yml", &workflow("true")),
    ]);
    expect(&cached, "AUT-04", State::Present, &[]);
    let cited: Vec<(String, usize)> = (practice(&cached, "AUT-04").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        cited.contains(&(".github/workflows/lint.yml".to_string(), 10)),
        "{cited:?}"
    );

    let uncached = assess_files(&[
        ("Gemfile", GEMFILE),
        ("Gemfile.lock", LOCK),
        (".github/workflows/lint.yml", &workflow("false")),
    ]);
    expect(&uncached, "AUT-04", State::Partial, &["frozen mode"]);
}
