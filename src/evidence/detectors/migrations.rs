//! Detectors over the content of schema migrations: operations that lock, rewrite or drop
//! data weaken a zero-downtime strategy whatever the tooling around them says.

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::parse::hazards::HazardKind;

/// DEP-22: the catalog signals say whether a policy or linter exists; unsafe operations in
/// the migrations themselves cap the practice at Partial (tooling exists but let them through)
/// or Absent (nothing guards against them). Without unsafe operations the signals decide.
pub fn migration_safety(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let hazards: Vec<_> = facts
        .parsed
        .migrations
        .hazards
        .iter()
        .filter(|h| h.kind != HazardKind::MissingLockTimeout)
        .collect();
    if hazards.is_empty() {
        return None;
    }
    let files: std::collections::BTreeSet<&str> =
        hazards.iter().map(|h| h.location.path.as_str()).collect();
    let shown: Vec<String> = hazards
        .iter()
        .map(|h| format!("{} ({})", h.message, h.location))
        .collect();
    let guarded = signals.iter().any(|e| e.state >= State::Partial);
    let state = if guarded {
        State::Partial
    } else {
        State::Absent
    };
    let reason = format!(
        "{} unsafe operations in {} migration files{}: {}",
        hazards.len(),
        files.len(),
        if guarded {
            " despite the zero-downtime tooling found"
        } else {
            " and nothing lints migrations"
        },
        examples(&shown, 2)
    );
    let mut found: Vec<Evidence> = signals.to_vec();
    found.extend(hazards.iter().take(5).map(|h| {
        evidence(
            facts,
            State::Absent,
            h.location.clone(),
            h.message.clone(),
            Some("locks, rewrites or drops data the running release uses".into()),
        )
    }));
    verdict(state, Some(reason), found)
}
