//! Release tools whose configuration does the work: goreleaser writes SBOMs and signs
//! artifacts when `.goreleaser.yml` says so (`sboms:`, `signs:`), but only in the pipeline
//! that runs `goreleaser release`, and only where that pipeline can publish: a run for a pull
//! request releases nothing. The configuration alone is Partial; with a pipeline that runs
//! the release on a push, tag, release, schedule, by hand or from triggers outside the
//! repository it is Present. The PyPI publish action's attestations, on by default, are read
//! by [`super::pypi_publish`].

use super::{Facts, State, Verdict, evidence, verdict};
use crate::catalog::Practice;
use crate::evidence::Evidence;
use crate::pipeline::{Command, Step};

/// Present when a goreleaser configuration signal is backed by a pipeline that runs the
/// release; `None` (the signals stand) otherwise, or when something else already gives
/// full credit.
pub(super) fn goreleaser_outputs(
    facts: &Facts,
    practice: &Practice,
    signals: &[Evidence],
) -> Option<Verdict> {
    if signals.iter().any(|e| e.state == State::Present) {
        return None;
    }
    // What `--skip` must not name for the run to produce this practice's output.
    let output = match practice.id.as_str() {
        "SEC-11" => "sbom",
        _ => "sign",
    };
    let config = signals
        .iter()
        .find(|e| e.state == State::Partial && is_goreleaser_config(&e.location.path))?;
    let (pipeline, job, location, what) = facts
        .pipelines
        .steps()
        .filter(|(p, _, _)| !p.demonstration && p.triggers.can_publish())
        .find_map(|(p, j, s)| {
            release_run(s, output).map(|(location, what)| (p, j, location, what))
        })?;
    let run = evidence(
        facts,
        State::Present,
        location,
        format!("`{what}` in job {} of {}", job.id, pipeline.path),
        None,
    );
    let configured = Evidence {
        state: State::Present,
        reason: None,
        ..config.clone()
    };
    verdict(State::Present, None, vec![run, configured])
}

fn is_goreleaser_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, ".goreleaser.yml" | ".goreleaser.yaml")
}

/// Where a step runs a real goreleaser release that produces `output` (not `--snapshot`, and
/// skipping neither publishing nor `output`), and what it runs.
fn release_run(step: &Step, output: &str) -> Option<(crate::source::Location, String)> {
    let produces = |text: &str| !text.contains("--snapshot") && !skips(text, output);
    if step
        .uses
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case("goreleaser/goreleaser-action"))
    {
        let args = step.input("args")?;
        let words: Vec<&str> = args.value.split_whitespace().collect();
        return (words.first() == Some(&"release") && produces(&args.value)).then(|| {
            (
                args.location.clone(),
                format!("goreleaser {}", args.value.trim()),
            )
        });
    }
    step.commands
        .iter()
        .find(|c: &&Command| is_release_command(&c.text) && produces(&c.text))
        .map(|c| (c.location.clone(), c.text.clone()))
}

/// Whether a goreleaser command line skips publishing or `output`: `--skip=publish,sbom`,
/// `--skip publish`, or the older `--skip-publish` and `--skip-sbom`.
fn skips(text: &str, output: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let named = |list: &str| {
        list.trim_matches(|c| c == '\'' || c == '"')
            .split(',')
            .any(|s| s == "publish" || s == output)
    };
    words.iter().enumerate().any(|(i, word)| {
        let word = word.trim_matches(|c| c == '\'' || c == '"');
        match word.strip_prefix("--skip=") {
            Some(list) => named(list),
            None if word == "--skip" => words.get(i + 1).is_some_and(|list| named(list)),
            None => word == "--skip-publish" || word == format!("--skip-{output}"),
        }
    })
}

fn is_release_command(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .any(|pair| pair[0].rsplit('/').next() == Some("goreleaser") && pair[1] == "release")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_commands() {
        assert!(is_release_command(
            "LDFLAGS=\"$(LDFLAGS)\" goreleaser release --parallelism 1 --clean"
        ));
        assert!(is_release_command("./bin/goreleaser release"));
        assert!(!is_release_command("goreleaser check"));
        assert!(!is_release_command("echo goreleaser"));
    }

    #[test]
    fn skipped_outputs() {
        assert!(skips("goreleaser release --clean --skip=sign,sbom", "sbom"));
        assert!(skips("goreleaser release --skip publish", "sign"));
        assert!(skips("goreleaser release --skip-sign", "sign"));
        assert!(!skips("goreleaser release --skip-sign", "sbom"));
        assert!(!skips("goreleaser release --skip=validate --clean", "sbom"));
    }
}
