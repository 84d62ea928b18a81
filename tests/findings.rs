//! The audits on small fixture repositories: each defect is found at its exact span, and the
//! fixed version of each file gives no finding at all.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use shipready::findings::{Finding, Severity, SuppressionKind};

fn findings(name: &str, today: Option<&str>) -> Vec<Finding> {
    let options = shipready::Options {
        today: today.map(str::to_string),
        ..shipready::Options::default()
    };
    shipready::assess(&common::fixture(&format!("findings/{name}")), &options)
        .expect("fixture assesses")
        .findings
}

/// (path, line, column, end line, end column, id) of every finding.
fn spans(found: &[Finding]) -> Vec<(String, usize, usize, usize, usize, String)> {
    found
        .iter()
        .map(|f| {
            let l = &f.location;
            (
                l.path.clone(),
                l.line,
                l.column,
                l.end_line,
                l.end_column,
                f.id.clone(),
            )
        })
        .collect()
}

fn span(
    path: &str,
    at: (usize, usize, usize, usize),
    id: &str,
) -> (String, usize, usize, usize, usize, String) {
    (path.to_string(), at.0, at.1, at.2, at.3, id.to_string())
}

#[test]
fn workflow_audits_point_at_the_offending_node() {
    let found = findings("workflows-bad", None);
    let triage = ".github/workflows/triage.yml";
    let expected = vec![
        span(
            ".github/workflows/ci.yml",
            (4, 3, 4, 18),
            "excessive-permissions",
        ),
        span(
            ".github/workflows/lint.yml",
            (2, 1, 2, 3),
            "excessive-permissions",
        ),
        span(triage, (5, 14, 5, 23), "excessive-permissions"),
        span(triage, (7, 26, 7, 64), "plaintext-credential"),
        span(triage, (10, 14, 10, 33), "self-hosted-fork-trigger"),
        span(triage, (11, 16, 11, 23), "unpinned-image"),
        span(triage, (14, 16, 14, 27), "unpinned-image"),
        span(triage, (16, 15, 16, 34), "persisted-checkout-credentials"),
        span(triage, (18, 16, 18, 57), "untrusted-checkout"),
        span(triage, (19, 15, 19, 37), "unpinned-uses"),
        span(triage, (22, 21, 22, 35), "plaintext-credential"),
        // The expression itself inside the `run: |` block, and inside github-script.
        span(triage, (24, 24, 24, 55), "template-injection"),
        span(triage, (25, 11, 25, 56), "curl-pipe-shell"),
        span(triage, (29, 26, 29, 58), "template-injection"),
        span(triage, (35, 11, 35, 65), "unpinned-uses"),
        span(triage, (36, 14, 36, 21), "secrets-inherit"),
    ];
    assert_eq!(spans(&found), expected);
}

#[test]
fn fixed_workflows_have_no_findings() {
    assert_eq!(spans(&findings("workflows-good", None)), vec![]);
}

#[test]
fn dockerfile_audits_point_at_the_instruction() {
    let found = findings("docker-bad", None);
    let expected = vec![
        span("Dockerfile", (1, 6, 1, 17), "unpinned-base-image"),
        span("Dockerfile", (2, 15, 2, 31), "plaintext-credential"),
        span("Dockerfile", (3, 5, 3, 51), "curl-pipe-shell"),
        span("Dockerfile", (4, 5, 4, 36), "add-from-url"),
        span("Dockerfile", (5, 1, 5, 12), "missing-healthcheck"),
        span("Dockerfile", (5, 6, 5, 12), "root-container"),
        span("Dockerfile", (5, 6, 5, 12), "unpinned-base-image"),
        // Both apt problems point at the install command, the pip one at `pip install`.
        span("Dockerfile", (9, 23, 9, 38), "package-install-hygiene"),
        span("Dockerfile", (9, 23, 9, 38), "package-install-hygiene"),
        span("Dockerfile", (10, 5, 10, 16), "package-install-hygiene"),
        span("Dockerfile", (11, 5, 11, 14), "secret-build-arg"),
    ];
    assert_eq!(spans(&found), expected);
    let untagged = &found[6];
    assert!(untagged.message.contains("latest"), "{}", untagged.message);
}

#[test]
fn fixed_dockerfile_has_no_findings() {
    assert_eq!(spans(&findings("docker-good", None)), vec![]);
}

#[test]
fn gitlab_images_scripts_and_variables() {
    let found = findings("gitlab-bad", None);
    let file = ".gitlab-ci.yml";
    let expected = vec![
        span(file, (1, 8, 1, 19), "unpinned-image"),
        span(file, (3, 16, 3, 27), "plaintext-credential"),
        span(file, (8, 13, 8, 20), "unpinned-image"),
        span(file, (10, 7, 10, 53), "curl-pipe-shell"),
    ];
    // `$CI_REGISTRY_IMAGE:latest` is decided elsewhere and is not reported.
    assert_eq!(spans(&found), expected);
}

#[test]
fn secret_values_are_never_shown() {
    let mut everything = findings("workflows-bad", None);
    everything.extend(findings("docker-bad", None));
    everything.extend(findings("gitlab-bad", None));
    let json = serde_json::to_string(&everything).unwrap();
    for secret in [
        "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
        "hunter2hunter2",
        "abcd1234efgh5678",
        "s3cretvalue",
    ] {
        assert!(!json.contains(secret), "{secret} leaked");
    }
    let credential = everything
        .iter()
        .find(|f| f.id == "plaintext-credential")
        .unwrap();
    assert_eq!(credential.snippet, "AWS_SECRET_ACCESS_KEY: ****");
    assert_eq!(credential.severity, Severity::Error);
    assert_eq!(credential.practices, vec!["SEC-02", "SEC-03"]);
}

#[test]
fn suppressions_need_a_reason_and_expire() {
    let found = findings("suppressed", Some("2026-12-04"));
    let summary: Vec<(String, usize, String, Option<SuppressionKind>)> = found
        .iter()
        .map(|f| {
            (
                f.location.path.clone(),
                f.location.line,
                f.id.clone(),
                f.suppressed.as_ref().map(|s| s.kind),
            )
        })
        .collect();
    let ci = ".github/workflows/ci.yml".to_string();
    let release = ".github/workflows/release.yml".to_string();
    assert_eq!(
        summary,
        vec![
            // Comment on the line above, with a reason.
            (
                ci.clone(),
                9,
                "unpinned-uses".into(),
                Some(SuppressionKind::InSource)
            ),
            // Config entry with a path glob and a future expiry.
            (
                ci,
                10,
                "unpinned-uses".into(),
                Some(SuppressionKind::External)
            ),
            // Comment without a reason: reported, not applied.
            (release.clone(), 8, "invalid-suppression".into(), None),
            (release.clone(), 8, "unpinned-uses".into(), None),
            // Config entry that expired on 2020-01-01.
            (release, 9, "unpinned-uses".into(), None),
            // Config entry without a reason.
            (
                ".shipready.toml".into(),
                13,
                "invalid-suppression".into(),
                None
            ),
        ]
    );
    assert_eq!(
        found[0].suppressed.as_ref().map(|s| s.reason.as_str()),
        Some("internal action, tags are protected")
    );
}

#[test]
fn without_a_date_nothing_expires() {
    let found = findings("suppressed", None);
    let expired = found
        .iter()
        .find(|f| f.location.line == 9 && f.location.path.ends_with("release.yml"))
        .unwrap();
    assert!(expired.suppressed.is_some());
}

#[test]
fn package_lists_count_only_in_stages_that_reach_the_image() {
    // Build stages install without removing the apt lists; the final distroless stage
    // copies only the build output, so nothing is reported.
    assert_eq!(spans(&findings("docker-stages", None)), vec![]);
}

#[test]
fn repository_text_in_messages_cannot_drive_a_terminal() {
    let repo = tempfile::tempdir().unwrap();
    let workflows = repo.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    // A YAML escape puts a real ESC character into the action name.
    std::fs::write(
        workflows.join("ci.yml"),
        "on: push\npermissions: {}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: \"evil/a\\e[2J@v1\"\n",
    )
    .unwrap();
    let assessment =
        shipready::assess(repo.path(), &shipready::Options::default()).expect("assesses");
    let finding = assessment
        .findings
        .iter()
        .find(|f| f.id == "unpinned-uses")
        .expect("unpinned action reported");
    assert!(!finding.message.contains('\u{1b}'), "{:?}", finding.message);
    let text = shipready::report::text::render(&assessment);
    assert!(!text.contains("\u{1b}[2J"));
    let annotations = shipready::report::github::render(&assessment);
    assert_eq!(annotations.lines().count(), 1, "{annotations}");
}

/// The terminal summary shows the most serious findings first, at most three of one rule, and
/// names every rule whose findings it leaves out, with their number.
#[test]
fn terminal_summary_caps_each_rule_and_counts_the_rest() {
    let assessment = shipready::assess(
        &common::fixture("findings/migrations-bad"),
        &shipready::Options::default(),
    )
    .expect("assesses");
    let painted = shipready::report::text::render(&assessment);
    let text = regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .unwrap()
        .replace_all(&painted, "")
        .into_owned();
    let shown: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("warning[").or_else(|| l.split_once("error[")))
        .filter_map(|(_, rest)| rest.split_once(']').map(|(id, _)| id))
        .collect();
    let mut per_rule = std::collections::BTreeMap::new();
    for id in &shown {
        *per_rule.entry(*id).or_insert(0) += 1;
    }
    assert!(per_rule.values().all(|n| *n <= 3), "{per_rule:?}");
    let active = assessment
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    let notes = text.lines().filter(|l| l.contains(": note[")).count();
    let hidden = active - shown.len() - notes;
    assert!(
        hidden > 0,
        "the fixture has more findings than the summary shows"
    );
    assert!(
        text.contains(&format!("{hidden} more: ")),
        "no count of the {hidden} hidden findings in\n{text}"
    );
    assert!(text.contains("every finding: --format markdown, json or sarif"));
}

/// The credentials of a service container the job starts for the run (a dev-mode Vault's
/// root token, a throwaway Postgres password) are not secrets; a literal token that no
/// service of the job sets still is.
#[test]
fn service_container_credentials_are_not_plaintext_secrets() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        ".github/workflows/e2e.yml",
        "on: [pull_request]
permissions: {}
env:
  DATABASE_CREDENTIALS: postgres:postgres
jobs:
  e2e:
    runs-on: ubuntu-latest
    services:
      vault:
        image: hashicorp/vault@sha256:0000000000000000000000000000000000000000000000000000000000000000
        env:
          VAULT_DEV_ROOT_TOKEN_ID: root
      db:
        image: postgres@sha256:0000000000000000000000000000000000000000000000000000000000000000
        env:
          POSTGRES_PASSWORD: postgres
    env:
      VAULT_TOKEN: \"root\"
      DEPLOY_TOKEN: \"s3cr3t-value-1\"
    steps:
      - run: make e2e
        env:
          DB_PASSWORD: postgres
",
    );
    let found = shipready::assess(dir.path(), &shipready::Options::default())
        .unwrap()
        .findings;
    let credentials: Vec<(usize, &str)> = found
        .iter()
        .filter(|f| f.id == "plaintext-credential")
        .map(|f| (f.location.line, f.message.as_str()))
        .collect();
    assert_eq!(
        credentials,
        vec![(19, "`DEPLOY_TOKEN` holds a literal credential")]
    );
}
