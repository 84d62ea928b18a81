//! Code detectors: practices whose state needs analysis rather than a signal match. Each
//! returns a verdict that replaces what the generic signals found, or `None` to leave them.

mod containers;
mod coverage;
mod deploy;
mod disclosure;
mod efficiency;
mod health;
mod load_tests;
mod matrix;
mod migrations;
mod pipeline;
mod post_deploy;
mod pypi_publish;
mod quality;
mod release_tools;
mod runners;
mod sast;
mod serialised;
mod supply;

pub(crate) use migrations::starts_local_database;

use super::{Confidence, Evidence, Facts, State, Verdict};
use crate::catalog::Practice;
use crate::source::Location;

pub fn run(
    name: &str,
    practice: &Practice,
    facts: &Facts,
    signals: &[Evidence],
) -> Option<Verdict> {
    match name {
        "ci_pipeline" => pipeline::ci_pipeline(facts),
        "change_triggers" => pipeline::change_triggers(facts),
        "pinned_actions" => pipeline::pinned_actions(facts),
        "pipeline_efficiency" => efficiency::pipeline_efficiency(facts, signals),
        "workflow_permissions" => pipeline::workflow_permissions(facts),
        "deploy_gated" => deploy::deploy_gated(facts),
        "automated_deploy" => deploy::automated_deploy(facts, signals),
        "staging_promotion" => deploy::staging_promotion(facts, signals),
        "production_approval" => deploy::production_approval(facts),
        "lockfiles" => supply::lockfiles(facts),
        "committed_secrets" => supply::committed_secrets(facts),
        "dependency_updates" => supply::dependency_updates(facts),
        "base_image_digest" => containers::base_image_digest(facts),
        "minimal_base_image" => containers::minimal_base_image(facts),
        "non_root_container" => containers::non_root_container(facts, signals),
        "multi_stage_build" => containers::multi_stage_build(facts),
        "test_suite" => quality::test_suite(facts),
        "coverage_threshold" => coverage::coverage_threshold(facts, practice),
        "versioned_migrations" => quality::versioned_migrations(facts, signals),
        "reversible_migrations" => quality::reversible_migrations(facts, signals),
        "migration_safety" => migrations::migration_safety(facts, signals),
        "migration_round_trip" => migrations::migration_round_trip(facts, signals),
        "repository_hygiene" => quality::repository_hygiene(facts),
        "security_policy" => disclosure::security_policy(facts),
        "scheduled_rescan" => runners::scheduled_rescan(facts),
        "ephemeral_runners" => runners::ephemeral_runners(facts),
        "serialised_deploys" => serialised::serialised_deploys(facts),
        "deployment_records" => deploy::deployment_records(facts, signals),
        "test_matrix" => matrix::test_matrix(facts, signals),
        "load_test_gate" => load_tests::load_test_gate(facts, signals),
        "preview_environments" => runners::preview_environments(facts, signals),
        "health_checks" => health::health_checks(facts, signals),
        "sast_breadth" => sast::sast_breadth(facts, practice),
        "post_deploy_checks" => post_deploy::post_deploy_checks(facts, signals),
        "release_tool_outputs" => release_tools::goreleaser_outputs(facts, practice, signals)
            .or_else(|| pypi_publish::attestations(facts, practice, signals)),
        _ => None,
    }
}

fn evidence(
    facts: &Facts,
    state: State,
    location: Location,
    summary: impl Into<String>,
    reason: Option<String>,
) -> Evidence {
    Evidence {
        state,
        snippet: facts.snippet(&location),
        location,
        summary: summary.into(),
        reason,
        confidence: Confidence::High,
    }
}

fn verdict(state: State, reason: Option<String>, evidence: Vec<Evidence>) -> Option<Verdict> {
    Some(Verdict {
        state,
        reason,
        evidence,
    })
}

/// "a, b and 3 more" for reasons that name examples.
pub(super) fn examples(items: &[String], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}
