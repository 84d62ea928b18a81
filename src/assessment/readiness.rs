//! Production-readiness gates with the GO / NO-GO verdict, and the risk matrix.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{GateResult, GateStatus, RiskResult, Verdict};
use crate::catalog::{Catalog, GatePass, GateSeverity, Trait};
use crate::evidence::State;

/// Practice states by id.
pub type States<'a> = BTreeMap<&'a str, State>;

pub fn gates(
    catalog: &Catalog,
    states: &States,
    reasons: &BTreeMap<&str, Option<String>>,
) -> Vec<GateResult> {
    catalog
        .gates
        .iter()
        .map(|gate| {
            let applicable: Vec<(&str, State)> = gate
                .practices
                .iter()
                .filter_map(|id| states.get(id.as_str()).map(|s| (id.as_str(), *s)))
                .filter(|(_, s)| *s != State::NotApplicable)
                .collect();
            let present = |(_, s): &(&str, State)| *s == State::Present;
            // The first practice is what the gate is about; without it the gate has no subject.
            let primary_applies = gate
                .practices
                .first()
                .and_then(|id| states.get(id.as_str()))
                .is_some_and(|s| *s != State::NotApplicable);
            let status =
                if applicable.is_empty() || (gate.pass == GatePass::All && !primary_applies) {
                    GateStatus::NotApplicable
                } else if match gate.pass {
                    GatePass::All => applicable.iter().all(present),
                    GatePass::Any => applicable.iter().any(present),
                } {
                    GateStatus::Pass
                } else if (gate.unverified_when_partial
                    && applicable.iter().all(|(_, s)| *s >= State::Partial))
                    || applicable.iter().all(|(id, s)| {
                        *s == State::Present
                            || (*s == State::Partial && short_only_of_a_setting(reasons, id))
                    })
                {
                    GateStatus::Unverified
                } else {
                    GateStatus::Fail
                };
            let reason = match status {
                GateStatus::Pass | GateStatus::NotApplicable => None,
                _ => Some(
                    applicable
                        .iter()
                        .filter(|(_, s)| *s != State::Present)
                        .map(|(id, s)| match reasons.get(id).cloned().flatten() {
                            Some(why) => format!("{id} {}: {why}", s.label()),
                            None => format!("{id} {}", s.label()),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            GateResult {
                id: gate.id.clone(),
                title: gate.title.clone(),
                severity: gate.severity,
                status,
                criteria: gate.criteria.clone(),
                practices: gate.practices.clone(),
                reason,
            }
        })
        .collect()
}

/// Whether a Partial practice falls short only because its checks block through a
/// repository setting files cannot show (CodeQL alerts, uploaded SARIF).
fn short_only_of_a_setting(reasons: &BTreeMap<&str, Option<String>>, id: &str) -> bool {
    (reasons.get(id).cloned().flatten())
        .is_some_and(|reason| crate::evidence::blocking::only_platform_gated(&reason))
}

/// NO-GO when a blocking gate fails; CONDITIONAL GO when a blocking gate is unverified or an
/// advisory gate fails; GO otherwise.
pub fn verdict(gates: &[GateResult]) -> Verdict {
    let blocking = |g: &&GateResult| g.severity == GateSeverity::Blocking;
    if gates
        .iter()
        .filter(blocking)
        .any(|g| g.status == GateStatus::Fail)
    {
        Verdict::NoGo
    } else if gates
        .iter()
        .filter(blocking)
        .any(|g| g.status == GateStatus::Unverified)
        || gates
            .iter()
            .any(|g| g.severity == GateSeverity::Advisory && g.status == GateStatus::Fail)
    {
        Verdict::ConditionalGo
    } else {
        Verdict::Go
    }
}

pub fn severity(score: u8) -> &'static str {
    match score {
        0..=4 => "Low",
        5..=9 => "Medium",
        10..=14 => "High",
        _ => "Critical",
    }
}

/// Probability rises with the weighted share of the risk's trigger practices that are missing:
/// one lower than base up to a third missing, base up to two thirds, one higher beyond.
pub fn risks(catalog: &Catalog, states: &States, traits: &BTreeSet<Trait>) -> Vec<RiskResult> {
    let mut out = Vec::new();
    for risk in &catalog.risks {
        if !risk.applies_to.iter().all(|t| traits.contains(t)) {
            continue;
        }
        let triggers: Vec<(&crate::catalog::Practice, State)> = risk
            .triggers
            .iter()
            .filter_map(|id| Some((catalog.practice(id)?, *states.get(id.as_str())?)))
            .filter(|(_, s)| *s != State::NotApplicable)
            .collect();
        if triggers.is_empty() {
            continue;
        }
        let weight: f64 = triggers.iter().map(|(p, _)| f64::from(p.weight)).sum();
        let missing: f64 = triggers
            .iter()
            .map(|(p, s)| f64::from(p.weight) * (1.0 - s.credit()))
            .sum::<f64>()
            / weight;
        let drivers: Vec<String> = triggers
            .iter()
            .filter(|(_, s)| *s != State::Present)
            .map(|(p, s)| format!("{} {} ({})", p.id, p.title, s.label()))
            .collect();
        let base = i32::from(risk.probability);
        let mut probability = if missing <= 1.0 / 3.0 {
            base - 1
        } else if missing <= 2.0 / 3.0 {
            base
        } else {
            base + 1
        };
        if risk.id == "R01" && states.get("SEC-02") == Some(&State::Absent) {
            probability = 5;
        }
        let probability = probability.clamp(1, 5) as u8;
        let mitigated = drivers.is_empty();
        let score = if mitigated {
            0
        } else {
            probability * risk.impact
        };
        out.push(RiskResult {
            id: risk.id.clone(),
            title: risk.title.clone(),
            probability: if mitigated { 0 } else { probability },
            impact: risk.impact,
            score,
            severity: if mitigated {
                "Mitigated".to_string()
            } else {
                severity(score).to_string()
            },
            mitigated,
            drivers,
            mitigation: risk.mitigation.clone(),
        });
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    out
}
