//! The built-in catalog: size, shape and internal consistency.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use shipready::catalog::{Catalog, Category, GateSeverity};

#[test]
fn catalog_covers_five_categories_with_the_rubric_counts() {
    let catalog = Catalog::builtin();
    assert_eq!(catalog.practices.len(), 128);
    let mut per_category: BTreeMap<Category, usize> = BTreeMap::new();
    for p in &catalog.practices {
        *per_category.entry(p.category).or_default() += 1;
    }
    assert_eq!(per_category[&Category::Automation], 24);
    assert_eq!(per_category[&Category::Security], 34);
    assert_eq!(per_category[&Category::Testing], 18);
    assert_eq!(per_category[&Category::Deployment], 29);
    assert_eq!(per_category[&Category::Monitoring], 23);
}

#[test]
fn core_practices_per_level_match_the_level_gates() {
    let catalog = Catalog::builtin();
    let count = |level: u8| {
        catalog
            .practices
            .iter()
            .filter(|p| p.core && p.level == level)
            .count()
    };
    assert_eq!([count(1), count(2), count(3), count(4)], [12, 16, 15, 6]);
}

#[test]
fn every_practice_says_what_full_credit_needs_and_what_to_do() {
    for p in &Catalog::builtin().practices {
        assert!(p.full_credit.len() > 20, "{}: full_credit too short", p.id);
        assert!(
            p.recommendation.len() > 20,
            "{}: recommendation too short",
            p.id
        );
        assert!(p.effort_days > 0.0, "{}: effort", p.id);
    }
}

#[test]
fn gates_and_risks() {
    let catalog = Catalog::builtin();
    assert_eq!(catalog.gates.len(), 21);
    assert_eq!(catalog.risks.len(), 20);
    let blocking = catalog
        .gates
        .iter()
        .filter(|g| g.severity == GateSeverity::Blocking)
        .count();
    assert_eq!(
        blocking, 11,
        "G-01..G-11 block a release in the service profile"
    );
}

#[test]
fn a_broken_catalog_is_rejected_with_the_reason() {
    let practice = r#"[[practice]]
id = "X-01"
title = "t"
category = "security"
level = 2
core = false
weight = 2
priority = "P2"
effort_days = 1.0
full_credit = "x"
recommendation = "y"
run = ['(unclosed']
"#;
    let gates = "gate = []\n";
    let risks = "risk = []\n";
    let error = Catalog::from_sources(practice, gates, risks).expect_err("bad regex rejected");
    assert!(
        error.contains("X-01") && error.contains("bad pattern"),
        "{error}"
    );
    let unknown_field = practice.replace("run = ['(unclosed']", "colour = 'red'");
    let error =
        Catalog::from_sources(&unknown_field, gates, risks).expect_err("unknown field rejected");
    assert!(error.contains("colour"), "{error}");
    let unknown_language = practice.replace(
        "run = ['(unclosed']",
        "recommendation_by_language = { cobol = 'z' }",
    );
    let error = Catalog::from_sources(&unknown_language, gates, risks)
        .expect_err("unknown language rejected");
    assert!(error.contains("unknown language cobol"), "{error}");
    // Migration systems are keyed as the JSON schema names them.
    let keyed = |key: &str| {
        practice.replace(
            "run = ['(unclosed']",
            &format!("recommendation_by_migrations = {{ {key} = 'z' }}"),
        )
    };
    for key in ["laravel", "ef-core", "golang-migrate", "go-code"] {
        Catalog::from_sources(&keyed(key), gates, risks).expect("known migration system");
    }
    let error = Catalog::from_sources(&keyed("efcore"), gates, risks)
        .expect_err("unknown migration system rejected");
    assert!(error.contains("unknown migration system efcore"), "{error}");
}

#[test]
fn common_test_runners_count_as_tests_in_ci() {
    let catalog = Catalog::builtin();
    let tst02 = catalog
        .practices
        .iter()
        .position(|p| p.id == "TST-02")
        .expect("TST-02");
    for command in [
        "meson test -C build --num-processes 2",
        "pytest -q",
        "go test ./...",
        "cargo test --locked",
        "coverage run -m pytest tests/",
    ] {
        assert!(
            catalog.index.command_practices(command).contains(&tst02),
            "{command}"
        );
    }
    for command in ["pip install pytest", "echo run the tests"] {
        assert!(
            !catalog.index.command_practices(command).contains(&tst02),
            "{command}"
        );
    }
}
