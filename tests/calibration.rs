//! The reference calibration of scores and levels.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use shipready::assessment::scoring::{Scored, level_name, overall_score, score_level, totals};
use shipready::catalog::{Catalog, Category};
use shipready::evidence::State;

#[test]
fn reference_category_scores_give_72_and_level_2_intermediate() {
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
    assert_eq!(overall.round(), 72.0);
    assert_eq!(score_level(overall), 2);
    assert_eq!(level_name(2), "Intermediate");
}

/// Every practice present, then non-core practices dropped until the score falls to 85.
fn states_scoring_85(catalog: &Catalog) -> Vec<Scored<'_>> {
    let mut scored: Vec<Scored> = catalog
        .practices
        .iter()
        .map(|p| Scored {
            practice: p,
            state: State::Present,
        })
        .collect();
    for index in 0..scored.len() {
        if totals(&scored).overall.round() <= 85.0 {
            break;
        }
        if !scored[index].practice.core {
            scored[index].state = State::Absent;
        }
    }
    scored
}

#[test]
fn score_85_with_every_core_practice_is_level_3_advanced() {
    let catalog = Catalog::builtin();
    let scored = states_scoring_85(catalog);
    let t = totals(&scored);
    assert_eq!(t.overall.round(), 85.0);
    assert_eq!(t.level, 3);
    assert_eq!(level_name(t.level), "Advanced");
    assert!(t.capped_by.is_empty());
}

#[test]
fn a_missing_core_practice_caps_the_level_and_is_named() {
    let catalog = Catalog::builtin();
    let mut scored = states_scoring_85(catalog);
    for s in scored.iter_mut().filter(|s| s.practice.id == "SEC-01") {
        s.state = State::Absent;
    }
    let t = totals(&scored);
    assert_eq!(t.score_level, 3);
    assert_eq!(t.level, 1);
    assert!(
        t.capped_by.contains(&"SEC-01".to_string()),
        "{:?}",
        t.capped_by
    );
}
