//! Scores and maturity levels.
//!
//! A category score is the weighted credit of its applicable practices. The overall score
//! weights Security & Compliance twice and every other category once: with the reference
//! assessment's category scores (85, 60, 80, 75, 70) that gives 71.7, reported as 72. The level
//! is the lower of the level the score's band implies and the highest level whose core
//! practices are in place, so a high score cannot hide a missing foundation.

use std::collections::BTreeMap;

use crate::catalog::{Category, Practice};
use crate::evidence::State;

/// One practice and the state it was found in.
#[derive(Clone, Copy, Debug)]
pub struct Scored<'a> {
    pub practice: &'a Practice,
    pub state: State,
}

pub fn category_weight(category: Category) -> f64 {
    match category {
        Category::Security => 2.0,
        _ => 1.0,
    }
}

pub fn default_target(category: Category) -> u32 {
    match category {
        Category::Automation | Category::Security | Category::Deployment => 90,
        Category::Testing | Category::Monitoring => 85,
    }
}

pub const LEVEL_NAMES: [&str; 4] = ["Basic", "Intermediate", "Advanced", "Expert"];

pub fn level_name(level: u8) -> &'static str {
    LEVEL_NAMES[(level.clamp(1, 4) - 1) as usize]
}

/// 0-100 for each category with at least one applicable practice.
pub fn category_scores(scored: &[Scored]) -> BTreeMap<Category, f64> {
    let mut sums: BTreeMap<Category, (f64, f64)> = BTreeMap::new();
    for s in scored.iter().filter(|s| s.state != State::NotApplicable) {
        let weight = f64::from(s.practice.weight);
        let entry = sums.entry(s.practice.category).or_default();
        entry.0 += weight * s.state.credit();
        entry.1 += weight;
    }
    sums.into_iter()
        .filter(|(_, (_, total))| *total > 0.0)
        .map(|(c, (got, total))| (c, 100.0 * got / total))
        .collect()
}

/// The weighted mean of the category scores, renormalised over the categories present.
pub fn overall_score(categories: &BTreeMap<Category, f64>) -> f64 {
    let total: f64 = categories.keys().map(|c| category_weight(*c)).sum();
    if total == 0.0 {
        return 0.0;
    }
    categories
        .iter()
        .map(|(c, s)| category_weight(*c) * s)
        .sum::<f64>()
        / total
}

/// The level a score's band implies: below 40 Basic, below 75 Intermediate, below 90
/// Advanced, else Expert. Bands apply to the rounded score shown to the user.
pub fn score_level(score: f64) -> u8 {
    match score.round() as u32 {
        0..=39 => 1,
        40..=74 => 2,
        75..=89 => 3,
        _ => 4,
    }
}

/// The highest level whose core-practice gates hold, and the core practices that stop the
/// next level. Gate(N): every applicable core practice of level ≤ N is at least Partial, and
/// the core practices of levels below N average at least 0.8 credit.
pub fn gated_level(scored: &[Scored]) -> (u8, Vec<String>) {
    let core: Vec<&Scored> = scored
        .iter()
        .filter(|s| s.practice.core && s.state != State::NotApplicable)
        .collect();
    let mut level = 1;
    for n in 2..=4u8 {
        let mut blockers: Vec<String> = core
            .iter()
            .filter(|s| s.practice.level <= n && s.state.credit() < 0.5)
            .map(|s| s.practice.id.clone())
            .collect();
        let lower: Vec<&&Scored> = core.iter().filter(|s| s.practice.level < n).collect();
        let weight: f64 = lower.iter().map(|s| f64::from(s.practice.weight)).sum();
        let credit: f64 = lower
            .iter()
            .map(|s| f64::from(s.practice.weight) * s.state.credit())
            .sum();
        if weight > 0.0 && credit / weight < 0.8 {
            blockers.extend(
                lower
                    .iter()
                    .filter(|s| s.state != State::Present)
                    .map(|s| s.practice.id.clone()),
            );
        }
        if !blockers.is_empty() {
            blockers.sort();
            blockers.dedup();
            return (level, blockers);
        }
        level = n;
    }
    (level, Vec::new())
}

/// Everything a set of practice states scores to.
#[derive(Debug, Clone)]
pub struct Totals {
    pub categories: BTreeMap<Category, f64>,
    pub overall: f64,
    pub score_level: u8,
    pub gated_level: u8,
    pub level: u8,
    /// Core practices that keep the level below what the score implies.
    pub capped_by: Vec<String>,
    /// Core practices that stand between the gated level and the next one.
    pub next_level_blockers: Vec<String>,
}

pub fn totals(scored: &[Scored]) -> Totals {
    let categories = category_scores(scored);
    let overall = overall_score(&categories);
    let band = score_level(overall);
    let (gated, blockers) = gated_level(scored);
    let level = band.min(gated).max(1);
    let capped_by = if gated < band {
        blockers.clone()
    } else {
        Vec::new()
    };
    Totals {
        categories,
        overall,
        score_level: band,
        gated_level: gated,
        level,
        capped_by,
        next_level_blockers: blockers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_calibration_gives_72_and_level_2() {
        let categories: BTreeMap<Category, f64> = [
            (Category::Automation, 85.0),
            (Category::Security, 60.0),
            (Category::Testing, 80.0),
            (Category::Deployment, 75.0),
            (Category::Monitoring, 70.0),
        ]
        .into_iter()
        .collect();
        let overall = overall_score(&categories);
        assert_eq!(overall.round() as u32, 72);
        assert_eq!(score_level(overall), 2);
        assert_eq!(level_name(score_level(overall)), "Intermediate");
    }

    #[test]
    fn bands() {
        assert_eq!(score_level(39.4), 1);
        assert_eq!(score_level(39.6), 2);
        assert_eq!(score_level(74.0), 2);
        assert_eq!(score_level(85.0), 3);
        assert_eq!(score_level(90.0), 4);
    }

    #[test]
    fn missing_category_is_renormalised() {
        let categories: BTreeMap<Category, f64> =
            [(Category::Automation, 80.0), (Category::Security, 50.0)]
                .into_iter()
                .collect();
        assert_eq!(overall_score(&categories), 60.0);
    }
}
