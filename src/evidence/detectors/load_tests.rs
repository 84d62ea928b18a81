//! Load tests: whether the load test CI runs can fail the build.

use std::sync::LazyLock;

use regex::Regex;

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::source::Location;

/// A k6 run fails the build on latency or errors only through thresholds: `--no-thresholds`
/// switches them off, and a script without a `thresholds` option has none. When every k6 run
/// found in CI is one of these, and nothing else gives full credit, the load test is partial.
pub fn load_test_gate(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    static K6_RUN: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"\bk6\s+(run|cloud)\b").ok());
    let k6 = K6_RUN.as_ref()?;
    let mut runs: Vec<(Location, Option<String>)> = Vec::new();
    for (_, _, step) in facts.pipelines.steps() {
        for command in step.commands.iter().filter(|c| k6.is_match(&c.text)) {
            let base = step.working_directory.as_deref().unwrap_or("");
            runs.push((
                command.location.clone(),
                k6_shortfall(facts, &command.text, base),
            ));
        }
    }
    if runs.is_empty() || runs.iter().any(|(_, shortfall)| shortfall.is_none()) {
        return None;
    }
    let is_run = |e: &Evidence| runs.iter().any(|(at, _)| *at == e.location);
    if signals
        .iter()
        .any(|e| e.state == State::Present && !is_run(e))
    {
        return None;
    }
    let reasons: Vec<String> = runs.iter().filter_map(|(_, s)| s.clone()).collect();
    let reason = examples(&reasons, 2);
    let mut found: Vec<Evidence> = runs
        .iter()
        .take(5)
        .map(|(at, shortfall)| {
            evidence(
                facts,
                State::Partial,
                at.clone(),
                "k6 runs in CI without thresholds that can fail it",
                shortfall.clone(),
            )
        })
        .collect();
    found.extend(signals.iter().filter(|e| !is_run(e)).cloned());
    verdict(State::Partial, Some(reason), found)
}

/// Why a k6 command cannot fail on latency or errors, or `None` when it can (or when its
/// script is not found, so nothing is known).
fn k6_shortfall(facts: &Facts, command: &str, base: &str) -> Option<String> {
    if command.contains("--no-thresholds") {
        return Some("k6 runs with --no-thresholds, so no threshold can fail it".into());
    }
    let script = command
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']))
        .find(|w| w.ends_with(".js") || w.ends_with(".ts"))?;
    let (path, text) = [
        crate::pipeline::join(base, script),
        crate::pipeline::join("", script),
    ]
    .into_iter()
    .flatten()
    .find_map(|path| {
        let text = facts.inventory.get(&path)?.text.as_deref()?;
        Some((path, text))
    })?;
    (!text.contains("thresholds")).then(|| {
        format!(
            "the k6 script {path} sets no thresholds, so the run fails only if the script errors"
        )
    })
}
