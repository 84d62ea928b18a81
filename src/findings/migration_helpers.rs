//! Helpers shared by the migration audits: the hazards and graph problems found by
//! [`crate::parse::migrations`], turned into findings of one rule each.

use super::{Finding, Rule, Sources};
use crate::parse::hazards::{GraphProblemKind, HazardKind};

/// The migration hazards of one kind as findings of `rule`.
pub(crate) fn hazard_findings(sources: &Sources, rule: &Rule, kind: HazardKind) -> Vec<Finding> {
    sources
        .migrations
        .hazards
        .iter()
        .filter(|h| h.kind == kind)
        .map(|h| {
            let text = sources.text(&h.location.path);
            Finding::new(rule, h.location.clone(), h.message.clone(), text)
        })
        .collect()
}

/// The revision graph problems of one kind as findings of `rule`.
pub(crate) fn graph_findings(
    sources: &Sources,
    rule: &Rule,
    kind: GraphProblemKind,
) -> Vec<Finding> {
    sources
        .migrations
        .graph_problems
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| {
            let text = sources.text(&p.location.path);
            Finding::new(rule, p.location.clone(), p.message.clone(), text)
        })
        .collect()
}
