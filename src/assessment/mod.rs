//! The assessment: practice states from the evidence, then scores, level, gates, risks,
//! recommendations and the roadmap — everything the reports show, in one structure.

pub mod model;
pub mod plan;
pub mod readiness;
pub mod scoring;
mod summary;

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Catalog, Category, Platform, Practice};
use crate::evidence::{Confidence, Evidence, Facts, PracticeEvidence, State, applies};
use crate::inventory::FileKind;
use model::*;
use scoring::Scored;

/// Choices the user makes about the plan.
#[derive(Debug, Clone)]
pub struct Options {
    pub team_size: u32,
    pub days_per_week: f64,
    /// Today as `YYYY-MM-DD`, against which suppression expiries are compared; `None` lets
    /// no suppression expire. Passed in so that the library stays deterministic.
    pub today: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            team_size: 1,
            days_per_week: 4.0,
            today: None,
        }
    }
}

/// Most evidence items kept per practice; the rest add nothing a reader would act on.
const EVIDENCE_PER_PRACTICE: usize = 10;

/// Decides one practice's state, reason and evidence.
fn decide(
    practice: &Practice,
    found: Option<&PracticeEvidence>,
    applicable: bool,
) -> (State, Option<String>, Vec<Evidence>) {
    if !applicable {
        let traits: Vec<String> = practice
            .applies_to
            .iter()
            .map(|t| format!("{t:?}").to_lowercase())
            .collect();
        return (
            State::NotApplicable,
            Some(format!(
                "applies only to repositories with: {}",
                traits.join(", ")
            )),
            Vec::new(),
        );
    }
    let signals: &[Evidence] = found.map_or(&[], |f| f.evidence.as_slice());
    if let Some(verdict) = found.and_then(|f| f.verdict.as_ref()) {
        let mut evidence = verdict.evidence.clone();
        evidence.truncate(EVIDENCE_PER_PRACTICE);
        // Signals past the cut are never shown, so they need not be compared: with thousands
        // of signals (one per migration head) comparing each to all before it is quadratic.
        for e in signals {
            if evidence.len() >= EVIDENCE_PER_PRACTICE {
                break;
            }
            // A signal on a line the verdict already cites adds nothing.
            let cited = |x: &Evidence| {
                x.location.path == e.location.path && x.location.line == e.location.line
            };
            if !evidence.iter().any(cited) {
                evidence.push(e.clone());
            }
        }
        return (verdict.state, verdict.reason.clone(), evidence);
    }
    let state = signals.first().map(|e| e.state).unwrap_or(State::Absent);
    let reason = match signals.first() {
        Some(best) if state != State::Present => best.reason.clone(),
        None => Some("no evidence in the repository".to_string()),
        _ => None,
    };
    // A file can be found both by its name and by its first line, and a script line through
    // every job that runs it: each line is shown once, with the strongest thing said of it
    // (signals come strongest first). What a weaker signal says of the same line would
    // contradict it ("no line gives a path an owner" under a line that does).
    let mut evidence: Vec<Evidence> = Vec::new();
    for e in signals {
        if evidence.len() >= EVIDENCE_PER_PRACTICE {
            break;
        }
        let same_line =
            |x: &Evidence| x.location.path == e.location.path && x.location.line == e.location.line;
        if !evidence.iter().any(same_line) {
            evidence.push(e.clone());
        }
    }
    (state, reason, evidence)
}

/// Runs the assessment stage over the gathered evidence.
pub fn assess(
    catalog: &Catalog,
    facts: &Facts,
    found: &BTreeMap<String, PracticeEvidence>,
    repository: &str,
    options: &Options,
) -> Assessment {
    let mut practices = Vec::with_capacity(catalog.practices.len());
    for practice in &catalog.practices {
        let applicable = applies(practice, &facts.traits);
        let (state, reason, evidence) = decide(practice, found.get(&practice.id), applicable);
        practices.push(PracticeResult {
            id: practice.id.clone(),
            title: practice.title.clone(),
            category: practice.category,
            level: practice.level,
            core: practice.core,
            weight: practice.weight,
            state,
            credit: state.credit(),
            reason,
            evidence,
        });
    }

    let states: readiness::States = practices.iter().map(|p| (p.id.as_str(), p.state)).collect();
    let reasons: BTreeMap<&str, Option<String>> = practices
        .iter()
        .map(|p| (p.id.as_str(), p.reason.clone()))
        .collect();
    let scored = |states: &readiness::States| -> Vec<Scored> {
        catalog
            .practices
            .iter()
            .filter_map(|p| {
                Some(Scored {
                    practice: p,
                    state: *states.get(p.id.as_str())?,
                })
            })
            .collect()
    };
    let current = scored(&states);
    let totals = scoring::totals(&current);
    let gates = readiness::gates(catalog, &states, &reasons);
    let verdict = readiness::verdict(&gates);
    let risks = readiness::risks(catalog, &states, &facts.traits);

    let categories = Category::ALL
        .iter()
        .map(|c| {
            let score = totals.categories.get(c).map(|s| s.round() as u32);
            let target = scoring::default_target(*c);
            let in_category: Vec<Scored> = current
                .iter()
                .filter(|s| s.practice.category == *c)
                .copied()
                .collect();
            let band = score
                .map(|s| scoring::score_level(f64::from(s)))
                .unwrap_or(1);
            CategoryResult {
                category: *c,
                title: c.title().to_string(),
                score,
                target,
                gap: score.map(|s| target.saturating_sub(s)).unwrap_or(0),
                level: band.min(scoring::gated_level(&in_category).0).max(1),
            }
        })
        .collect();

    let migrations = only_migration_system(facts);
    // Advice names the tools of the two languages with the most code.
    let languages: Vec<(&str, &str)> = (facts.languages().iter())
        .take(2)
        .map(|(language, _)| (language.key(), language.label()))
        .collect();
    let size_factor =
        plan::size_factor(summary::deployable_units(facts), summary::languages(facts));
    let context = plan::Context {
        catalog,
        states: &states,
        reasons: &reasons,
        gates: &gates,
        risks: &risks,
        next_level_blockers: &totals.next_level_blockers,
        gated_level: totals.gated_level,
        size_factor,
        platform: advice_platform(facts),
        migrations: migrations.as_deref(),
        languages: &languages,
    };
    let recommendations = plan::recommendations(&context);
    let project = |done: &BTreeSet<String>| {
        let projected: readiness::States = states
            .iter()
            .map(|(id, s)| {
                (
                    *id,
                    if done.contains(*id) && *s != State::NotApplicable {
                        State::Present
                    } else {
                        *s
                    },
                )
            })
            .collect();
        let t = scoring::totals(&scored(&projected));
        let g = readiness::gates(catalog, &projected, &reasons);
        (t.overall.round() as u32, t.level, readiness::verdict(&g))
    };
    let roadmap = plan::roadmap(
        &recommendations,
        options.team_size,
        options.days_per_week,
        &project,
    );

    let applicable: Vec<&PracticeResult> = practices
        .iter()
        .filter(|p| p.state != State::NotApplicable)
        .collect();
    let summary = Summary {
        score: totals.overall.round() as u32,
        level: totals.level,
        level_name: scoring::level_name(totals.level).to_string(),
        score_level: totals.score_level,
        capped_by: totals.capped_by.clone(),
        verdict,
        confidence: confidence(&applicable),
        practices_applicable: applicable.len(),
        practices_present: applicable
            .iter()
            .filter(|p| p.state == State::Present)
            .count(),
        practices_partial: applicable
            .iter()
            .filter(|p| matches!(p.state, State::Partial | State::Mentioned))
            .count(),
        practices_missing: applicable
            .iter()
            .filter(|p| p.state == State::Absent)
            .count(),
    };

    let mut inventory = summary::inventory(facts);
    let paths = facts.production_paths();
    if let Some(first) = paths.get(MAX_PATHS_LISTED) {
        inventory.read_in_part.push(crate::source::Unparsed {
            path: first.pipeline.clone(),
            reason: format!(
                "production paths past the first {MAX_PATHS_LISTED} of {} are not listed, from \
                 job {} on; practices and gates weigh them all",
                paths.len(),
                first.job
            ),
        });
        inventory.read_in_part.sort();
    }
    Assessment {
        schema_version: SCHEMA_VERSION.to_string(),
        tool: Tool {
            name: "shipready".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        repository: repository.to_string(),
        summary,
        categories,
        inventory,
        production_paths: paths.iter().take(MAX_PATHS_LISTED).cloned().collect(),
        key_findings: summary::key_findings(&practices, &recommendations),
        practices,
        recommendations,
        roadmap,
        risks,
        gates,
        findings: Vec::new(),
    }
}

/// Production paths listed in a report. Each is a deploy job with a dozen controls: a pipeline
/// of 80,000 generated deploy jobs made a report of 130 MB. Real repositories have a few.
pub const MAX_PATHS_LISTED: usize = 10_000;

/// The CI platform recommendations speak of: GitLab CI when the repository has a GitLab
/// pipeline and no GitHub Actions workflow, so that it is not told to add `.github/` files or
/// actions it cannot run; GitHub Actions otherwise.
fn advice_platform(facts: &Facts) -> Platform {
    let has = |kind: FileKind| facts.inventory.of_kind(kind).next().is_some();
    if has(FileKind::GitlabCi) && !has(FileKind::GithubWorkflow) {
        Platform::Gitlab
    } else {
        Platform::Github
    }
}

/// The migration system a repository's migrations are written for, when there is one (plain
/// SQL files beside it do not count), by its catalog key: advice can then use its commands.
fn only_migration_system(facts: &Facts) -> Option<String> {
    let systems: Vec<_> = (facts.parsed.migrations.systems.iter())
        .filter(|s| **s != crate::inventory::MigrationSystem::Sql)
        .collect();
    match systems.as_slice() {
        [only] => Some(only.key().to_string()),
        _ => None,
    }
}

/// Weighted share of credited practices whose best evidence is high-confidence.
fn confidence(practices: &[&PracticeResult]) -> f64 {
    let credited: Vec<&&PracticeResult> = practices.iter().filter(|p| p.credit > 0.0).collect();
    let total: f64 = credited.iter().map(|p| f64::from(p.weight)).sum();
    if total == 0.0 {
        return 0.0;
    }
    let high: f64 = credited
        .iter()
        .filter(|p| {
            p.evidence
                .first()
                .is_none_or(|e| e.confidence == Confidence::High)
        })
        .map(|p| f64::from(p.weight))
        .sum();
    (100.0 * high / total).round() / 100.0
}
