//! Hostile Dockerfiles: stages whose `FROM` names form a cycle, a stage named after its own
//! base, and tens of thousands of stages each built on the one before. Each case finishes in
//! bounded time and is judged by Docker's rule: `FROM name` means an earlier stage called
//! `name`, and any other name is an image.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;
use shipready::Assessment;
use shipready::assessment::model::PracticeResult;
use shipready::evidence::State;

fn practice<'a>(assessment: &'a Assessment, id: &str) -> &'a PracticeResult {
    assessment
        .practices
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("practice {id} is not in the report"))
}

/// Messages and lines of the findings with rule `id`, in report order.
fn findings(assessment: &Assessment, id: &str) -> Vec<(String, usize)> {
    assessment
        .findings
        .iter()
        .filter(|f| f.id == id)
        .map(|f| (f.message.clone(), f.location.line))
        .collect()
}

/// The one piece of minimal-base-image evidence: which image the final stage runs on.
fn runtime_base(assessment: &Assessment) -> String {
    let evidence = &practice(assessment, "SEC-15").evidence;
    assert_eq!(evidence.len(), 1, "{evidence:?}");
    evidence[0].summary.clone()
}

#[test]
fn two_stages_naming_each_other_finish_and_the_first_base_is_an_image() {
    let repo = repository();
    write(
        repo.path(),
        "Dockerfile",
        "FROM b AS a\nRUN echo a\nFROM a AS b\nRUN echo b\n",
    );

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    // `b` is defined after the stage that names it, so that stage pulls an image `b`.
    assert_eq!(
        runtime_base(&assessment),
        "runtime stage of Dockerfile is based on `b`"
    );
    assert_eq!(practice(&assessment, "SEC-15").state, State::Absent);
    let digest = practice(&assessment, "SEC-14");
    assert_eq!(digest.state, State::Absent);
    assert_eq!(
        digest.reason.as_deref(),
        Some("base images float on `latest` or no tag: b (Dockerfile:1)")
    );
    assert_eq!(
        findings(&assessment, "unpinned-base-image"),
        [("`b` has no tag, so it means `latest`".to_string(), 1)]
    );
    assert_eq!(
        findings(&assessment, "root-container"),
        [(
            "the final stage sets no `USER`, so it runs as root".to_string(),
            3
        )]
    );
}

#[test]
fn three_stages_in_a_cycle_finish_and_the_chain_ends_at_the_first() {
    let repo = repository();
    write(
        repo.path(),
        "Dockerfile",
        "FROM c AS a\nRUN echo a\nFROM a AS b\nRUN echo b\nFROM b AS c\nUSER app\nRUN echo c\n",
    );

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    assert_eq!(
        runtime_base(&assessment),
        "runtime stage of Dockerfile is based on `c`"
    );
    assert_eq!(
        findings(&assessment, "unpinned-base-image"),
        [("`c` has no tag, so it means `latest`".to_string(), 1)]
    );
    assert!(findings(&assessment, "root-container").is_empty());
    assert_eq!(practice(&assessment, "SEC-16").state, State::Present);
}

#[test]
fn a_stage_named_after_its_own_base_builds_on_the_image() {
    let repo = repository();
    write(repo.path(), "Dockerfile", "FROM x AS x\nRUN echo x\n");

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    assert_eq!(
        runtime_base(&assessment),
        "runtime stage of Dockerfile is based on `x`"
    );
    let digest = practice(&assessment, "SEC-14");
    assert_eq!(digest.state, State::Absent);
    assert_eq!(
        digest.reason.as_deref(),
        Some("base images float on `latest` or no tag: x (Dockerfile:1)")
    );
    assert_eq!(
        findings(&assessment, "unpinned-base-image"),
        [("`x` has no tag, so it means `latest`".to_string(), 1)]
    );
}

/// 65,000 stages (1.8 MB), each `FROM` the one before, with a side stage no later stage uses.
/// The first stage's base, user and package installs must reach the last stage, and the side
/// stage must not; each is found by following parents once, not by searching every stage.
#[test]
fn a_chain_of_tens_of_thousands_of_stages_is_followed_in_linear_time() {
    let stages = 65_000;
    let mut text = String::from(
        "FROM python:3.12-slim AS s0\nUSER app\nRUN apt-get install -y curl\n\
         FROM s0 AS tools\nRUN apt-get install -y --no-install-recommends git\n",
    );
    for i in 1..stages {
        text.push_str(&format!("FROM S{} AS s{i}\nRUN x\n", i - 1));
    }
    assert!(text.len() > 1_500_000 && text.len() < 1_900_000);
    let repo = repository();
    write(repo.path(), "Dockerfile", &text);

    let assessment = assess_within(repo.path());

    assert_good_workflow_assessed(&assessment);
    assert_eq!(
        runtime_base(&assessment),
        "runtime stage of Dockerfile is based on `python:3.12-slim`"
    );
    assert_eq!(practice(&assessment, "SEC-15").state, State::Present);
    let digest = practice(&assessment, "SEC-14");
    assert_eq!(digest.state, State::Partial);
    assert_eq!(
        digest.reason.as_deref(),
        Some("base images pinned by tag but not by digest: python:3.12-slim (Dockerfile:1)")
    );
    assert_eq!(findings(&assessment, "unpinned-base-image").len(), 1);
    // `USER app` in the first stage is inherited by the last.
    assert!(findings(&assessment, "root-container").is_empty());
    // Package lists count only in stages that reach the image: the first, not the side stage.
    let installs = findings(&assessment, "package-install-hygiene");
    assert_eq!(
        installs,
        [
            (
                "`apt-get install` without `--no-install-recommends`".to_string(),
                3
            ),
            (
                "apt package lists are not removed in the same `RUN`".to_string(),
                3
            ),
        ]
    );
}
