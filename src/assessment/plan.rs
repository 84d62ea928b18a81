//! Recommendations for every gap and the roadmap that schedules them.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    GateResult, GateStatus, Phase, Recommendation, RiskResult, Roadmap, RoadmapItem,
};
use super::readiness::States;
use crate::catalog::{Catalog, GateSeverity, Platform, Practice, Priority};
use crate::evidence::State;

/// Work that must land before other work makes sense (later ← earlier).
const PREREQUISITES: &[(&str, &[&str])] = &[
    // Nothing runs in CI before there is CI.
    ("AUT-02", &["AUT-01"]),
    ("TST-02", &["AUT-01"]),
    ("SEC-01", &["AUT-01"]),
    ("SEC-04", &["AUT-01"]),
    ("SEC-06", &["AUT-01"]),
    ("AUT-12", &["TST-02"]),
    ("DEP-04", &["DEP-03"]),
    ("DEP-06", &["DEP-05"]),
    ("DEP-07", &["DEP-05", "DEP-11", "MON-05"]),
    ("DEP-08", &["DEP-05", "DEP-11", "MON-05"]),
    ("DEP-09", &["DEP-05"]),
    ("DEP-19", &["DEP-16", "TST-05"]),
    ("DEP-20", &["DEP-16"]),
    ("DEP-21", &["DEP-17"]),
    ("DEP-22", &["DEP-20"]),
    ("DEP-23", &["DEP-21"]),
    ("DEP-25", &["DEP-24"]),
    ("DEP-26", &["DEP-24"]),
    ("DEP-12", &["AUT-14"]),
    ("AUT-13", &["AUT-16"]),
    ("SEC-13", &["SEC-06", "SEC-12"]),
    ("SEC-26", &["AUT-16"]),
    ("SEC-27", &["SEC-26"]),
    ("SEC-24", &["SEC-23"]),
    ("TST-08", &["TST-07"]),
    ("TST-10", &["DEP-03"]),
    ("TST-11", &["TST-10"]),
    ("TST-12", &["DEP-05", "MON-10", "MON-12"]),
    ("MON-11", &["MON-10", "MON-17"]),
    ("MON-12", &["MON-05"]),
    ("MON-13", &["MON-12", "MON-10"]),
    ("MON-14", &["DEP-01"]),
];

/// Size factor: more deployable units and languages make every change bigger.
pub fn size_factor(deployable_units: usize, languages: usize) -> f64 {
    let units = deployable_units.max(1) as f64;
    let extra_languages = languages.saturating_sub(1) as f64;
    (1.0 + 0.25 * (units - 1.0) + 0.15 * extra_languages).min(2.5)
}

fn round_up_half(days: f64) -> f64 {
    ((days * 2.0).ceil() / 2.0).max(0.5)
}

pub fn effort(practice: &Practice, state: State, factor: f64) -> f64 {
    let done = match state {
        State::Partial => 0.5,
        State::Mentioned => 0.75,
        _ => 1.0,
    };
    round_up_half(practice.effort_days * done * factor)
}

pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub states: &'a States<'a>,
    pub reasons: &'a BTreeMap<&'a str, Option<String>>,
    pub gates: &'a [GateResult],
    pub risks: &'a [RiskResult],
    /// Core practices that keep the repository from the next level, and the level reached
    /// by the core-practice gates.
    pub next_level_blockers: &'a [String],
    pub gated_level: u8,
    pub size_factor: f64,
    /// The CI platform the recommendations are written for.
    pub platform: Platform,
    /// The one migration system the repository's migrations are written for, by its key.
    pub migrations: Option<&'a str>,
    /// The languages of the repository's code, most first: catalog keys and names.
    pub languages: &'a [(&'a str, &'a str)],
}

/// The languages a practice's advice is worded for: the language the migrations are written
/// in, for a practice about the database, else the languages of the code.
fn languages_for<'a>(ctx: &'a Context, practice: &Practice) -> &'a [(&'a str, &'a str)] {
    const MIGRATION_LANGUAGES: &[(&str, (&str, &str))] = &[
        ("alembic", ("python", "Python")),
        ("django", ("python", "Python")),
        ("rails", ("ruby", "Ruby")),
        ("flyway", ("java", "Java/Kotlin")),
        ("liquibase", ("java", "Java/Kotlin")),
        ("golang-migrate", ("go", "Go")),
        ("go-code", ("go", "Go")),
        ("prisma", ("javascript", "JavaScript/TypeScript")),
        ("knex", ("javascript", "JavaScript/TypeScript")),
        ("sqlx", ("rust", "Rust")),
        ("laravel", ("php", "PHP")),
        ("ef-core", ("csharp", "C#")),
    ];
    if !practice
        .applies_to
        .contains(&crate::catalog::Trait::Database)
    {
        return ctx.languages;
    }
    match (ctx.migrations).and_then(|m| MIGRATION_LANGUAGES.iter().find(|(s, _)| *s == m)) {
        Some((_, language)) => std::slice::from_ref(language),
        None => ctx.languages,
    }
}

pub fn recommendations(ctx: &Context) -> Vec<Recommendation> {
    let mut out = Vec::new();
    for practice in &ctx.catalog.practices {
        let Some(state) = ctx.states.get(practice.id.as_str()).copied() else {
            continue;
        };
        if matches!(state, State::Present | State::NotApplicable) {
            continue;
        }
        let gates: Vec<String> = ctx
            .gates
            .iter()
            .filter(|g| g.practices.contains(&practice.id) && g.status != GateStatus::Pass)
            .map(|g| g.id.clone())
            .collect();
        let blocks_release = ctx.gates.iter().any(|g| {
            g.severity == GateSeverity::Blocking
                && g.status == GateStatus::Fail
                && g.practices.contains(&practice.id)
        });
        // A core practice that holds the level at 2 or below is a blocker too.
        let caps_level = ctx.gated_level <= 2 && ctx.next_level_blockers.contains(&practice.id);
        let priority = if blocks_release || caps_level {
            Priority::P1
        } else {
            practice.priority
        };
        let risks: Vec<String> = ctx
            .risks
            .iter()
            .filter(|r| {
                !r.mitigated
                    && r.drivers
                        .iter()
                        .any(|d| d.starts_with(&format!("{} ", practice.id)))
            })
            .map(|r| r.id.clone())
            .collect();
        let days = effort(practice, state, ctx.size_factor);
        out.push(Recommendation {
            practice: practice.id.clone(),
            title: practice.title.clone(),
            category: practice.category,
            priority,
            state,
            effort_days: days,
            effort_range: (round_up_half(days * 0.75), round_up_half(days * 1.5)),
            action: match (&practice.recommendation_when_partial, state) {
                (Some(completion), State::Partial) => completion.clone(),
                _ => (practice.recommendation_for(
                    ctx.platform,
                    ctx.migrations,
                    languages_for(ctx, practice),
                ))
                .into_owned(),
            },
            now: ctx.reasons.get(practice.id.as_str()).cloned().flatten(),
            gates,
            risks,
            after: Vec::new(),
        });
    }
    order(ctx.catalog, out)
}

/// P1 before P2 before P3; within a priority prerequisites first, then most score per day of
/// work, then foundations (lower levels) first.
fn order(catalog: &Catalog, mut items: Vec<Recommendation>) -> Vec<Recommendation> {
    let gap = |r: &Recommendation| {
        let practice = catalog.practice(&r.practice);
        let weight = practice.map(|p| f64::from(p.weight)).unwrap_or(1.0);
        weight * (1.0 - r.state.credit()) / r.effort_days
    };
    items.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then_with(|| gap(b).total_cmp(&gap(a)))
            .then_with(|| level_of(catalog, a).cmp(&level_of(catalog, b)))
            .then_with(|| a.practice.cmp(&b.practice))
    });
    // Move an item after its prerequisites when both are planned.
    let mut ordered: Vec<Recommendation> = Vec::with_capacity(items.len());
    let mut pending = items;
    while !pending.is_empty() {
        let planned: BTreeSet<String> = ordered.iter().map(|r| r.practice.clone()).collect();
        let waiting: BTreeSet<String> = pending.iter().map(|r| r.practice.clone()).collect();
        let ready = pending.iter().position(|r| {
            prerequisites(&r.practice)
                .iter()
                .all(|p| planned.contains(*p) || !waiting.contains(*p))
        });
        let index = ready.unwrap_or(0);
        let mut next = pending.remove(index);
        // A prerequisite of a lower priority that comes first is named, so that the order
        // does not read as a mistake.
        next.after = (ordered.iter())
            .filter(|r| {
                r.priority > next.priority
                    && prerequisites(&next.practice).contains(&r.practice.as_str())
            })
            .map(|r| r.practice.clone())
            .collect();
        ordered.push(next);
    }
    ordered
}

fn level_of(catalog: &Catalog, r: &Recommendation) -> u8 {
    catalog.practice(&r.practice).map(|p| p.level).unwrap_or(4)
}

fn prerequisites(id: &str) -> &'static [&'static str] {
    PREREQUISITES
        .iter()
        .find(|(later, _)| *later == id)
        .map(|(_, before)| *before)
        .unwrap_or(&[])
}

pub const HORIZON_WEEKS: u32 = 12;

/// Scores the repository as if the given practices were done: score, level, verdict.
pub type Projection<'a> = &'a dyn Fn(&BTreeSet<String>) -> (u32, u8, super::model::Verdict);

/// Schedules recommendations into weeks of `team_size × days_per_week` days, phase by
/// priority; `project` scores the repository with the given practices done.
pub fn roadmap(
    recommendations: &[Recommendation],
    team_size: u32,
    days_per_week: f64,
    project: Projection,
) -> Roadmap {
    let capacity = f64::from(team_size.max(1)) * days_per_week.max(0.5);
    let mut day = 0.0f64;
    let mut done: BTreeSet<String> = BTreeSet::new();
    // Scheduled or left to the backlog: each recommendation once.
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut phases = Vec::new();
    let mut backlog = Vec::new();
    let mut notes = Vec::new();
    let mut milestones = Vec::new();
    let (_, mut level, mut verdict) = project(&done);

    let names = [
        (Priority::P1, "Phase 1: critical blockers"),
        (Priority::P2, "Phase 2: high-priority gaps"),
        (Priority::P3, "Phase 3: hardening and maturity"),
    ];
    for (priority, name) in names {
        let mut items = Vec::new();
        // A lower-priority prerequisite (`after`) is pulled into this phase, just before the
        // work that needs it.
        let mut phase: Vec<&Recommendation> = Vec::new();
        for r in recommendations.iter().filter(|r| r.priority == priority) {
            for needed in &r.after {
                let pulled = recommendations.iter().find(|p| &p.practice == needed);
                if let Some(pulled) =
                    pulled.filter(|p| !phase.iter().any(|q| q.practice == p.practice))
                {
                    phase.push(pulled);
                }
            }
            if !phase.iter().any(|q| q.practice == r.practice) {
                phase.push(r);
            }
        }
        for r in phase {
            if !placed.insert(r.practice.as_str()) {
                continue;
            }
            let week = (day / capacity).floor() as u32 + 1;
            if week > HORIZON_WEEKS {
                backlog.push(r.practice.clone());
                continue;
            }
            items.push(RoadmapItem {
                practice: r.practice.clone(),
                title: r.title.clone(),
                priority: r.priority,
                week,
                start_day: day,
                effort_days: r.effort_days,
            });
            day += r.effort_days;
            done.insert(r.practice.clone());

            // Record the week in which the level or the verdict changes.
            let (_, new_level, new_verdict) = project(&done);
            let finished = ((day / capacity).ceil() as u32).max(1);
            if new_level != level {
                milestones.push(format!(
                    "End of week {finished}: Level {level} → Level {new_level} ({} done)",
                    r.practice
                ));
                level = new_level;
            }
            if new_verdict != verdict {
                milestones.push(format!(
                    "End of week {finished}: {} → {} ({} done)",
                    verdict.label(),
                    new_verdict.label(),
                    r.practice
                ));
                verdict = new_verdict;
            }
        }
        if items.is_empty() {
            continue;
        }
        let first_week = items.first().map(|i| i.week).unwrap_or(1);
        let last_week = ((day / capacity).ceil() as u32).clamp(first_week, HORIZON_WEEKS);
        let (score, level, verdict) = project(&done);
        phases.push(Phase {
            name: name.to_string(),
            first_week,
            last_week,
            items,
            projected_score: score,
            projected_level: level,
            projected_verdict: verdict,
        });
    }

    let p1_days: f64 = recommendations
        .iter()
        .filter(|r| r.priority == Priority::P1)
        .map(|r| r.effort_days)
        .sum();
    if p1_days > 2.0 * capacity {
        let needed = (p1_days / (2.0 * days_per_week.max(0.5))).ceil();
        notes.push(format!(
            "The P1 items need {p1_days} engineer-days, more than two weeks at {capacity} days a week; about {needed} engineers would clear them in two weeks."
        ));
    }
    if !backlog.is_empty() {
        notes.push(format!(
            "{} items fall beyond week {HORIZON_WEEKS} and are listed as backlog.",
            backlog.len()
        ));
    }
    Roadmap {
        team_size: team_size.max(1),
        days_per_week,
        phases,
        milestones,
        backlog,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_factor_is_capped() {
        assert_eq!(size_factor(1, 1), 1.0);
        assert_eq!(size_factor(3, 2), 1.65);
        assert_eq!(size_factor(20, 9), 2.5);
    }

    #[test]
    fn efforts_round_up_to_half_days() {
        assert_eq!(round_up_half(0.3), 0.5);
        assert_eq!(round_up_half(1.2), 1.5);
        assert_eq!(round_up_half(2.0), 2.0);
    }
}
