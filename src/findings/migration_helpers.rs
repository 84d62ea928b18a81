//! Helpers shared by the migration audits: the hazards and graph problems found by
//! [`crate::parse::migrations`], turned into findings of one rule each.

use super::{Finding, MESSAGE_CHARACTERS, Rule, Sources};
use crate::evidence::Confidence;
use crate::inventory::{FileKind, MigrationSystem};
use crate::parse::hazards::{GraphProblemKind, HazardKind, PREDATES, REVIEWED};

/// The migration system of a repository file, when it is a migration.
pub(crate) fn migration_system(sources: &Sources, path: &str) -> Option<MigrationSystem> {
    match sources.inventory.get(path)?.kind {
        FileKind::Migration(system) => Some(system),
        _ => None,
    }
}

/// Gives each finding the help of its migration's framework, where `help_for` words one:
/// the fix is written in the framework's own terms (an option, a method, a file).
pub(crate) fn framework_help(
    sources: &Sources,
    mut findings: Vec<Finding>,
    help_for: fn(MigrationSystem) -> Option<&'static str>,
) -> Vec<Finding> {
    for finding in &mut findings {
        if let Some(help) = migration_system(sources, &finding.location.path).and_then(help_for) {
            finding.help = help.to_string();
        }
    }
    findings
}

/// The migration hazards of one kind as findings of `rule`.
pub(crate) fn hazard_findings(sources: &Sources, rule: &Rule, kind: HazardKind) -> Vec<Finding> {
    // Hazards come grouped by file: one line index per file keeps snippets linear, and
    // whether the file predates strong_migrations is asked once per file.
    let mut scope: Option<(&str, crate::source::LineScope, bool)> = None;
    sources
        .migrations
        .hazards
        .iter()
        .filter(|h| h.kind == kind)
        .map(|h| {
            let text = sources.text(&h.location.path);
            if scope
                .as_ref()
                .is_none_or(|(path, _, _)| *path != h.location.path)
            {
                // The old scope is closed before the new one opens.
                drop(scope.take());
                let predates = (sources.migrations).predates_strong_migrations(&h.location.path);
                scope = Some((
                    &h.location.path,
                    crate::source::LineScope::new(text),
                    predates,
                ));
            }
            let predates = scope.as_ref().is_some_and(|(_, _, predates)| *predates);
            let mut finding = Finding::new(rule, h.location.clone(), h.message.clone(), text);
            let mark = match (h.reviewed, predates) {
                (true, _) => REVIEWED,
                (false, true) => PREDATES,
                (false, false) => return finding,
            };
            // The mark is kept whole when a long message is cut.
            let room = MESSAGE_CHARACTERS - mark.chars().count();
            if finding.message.chars().count() > room {
                let cut: String = finding.message.chars().take(room - 3).collect();
                finding.message = cut + "...";
            }
            finding.message.push_str(mark);
            finding.confidence = Confidence::Low;
            finding
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
