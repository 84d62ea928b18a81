//! The findings in SARIF and as GitHub workflow commands, driven through the binary.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use assert_cmd::Command;
use serde_json::Value;

fn run(fixture: &str, format: &str) -> String {
    let output = Command::cargo_bin("shipready")
        .unwrap()
        .args(["assess", "--format", format])
        .arg(common::fixture(&format!("findings/{fixture}")))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn sarif_schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/sarif/sarif-schema-2.1.0.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let schema = sarif_schema();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The validator does reject what is not SARIF 2.1.0.
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0.0", "runs": []})));
    for fixture in [
        "workflows-bad",
        "workflows-good",
        "docker-bad",
        "gitlab-bad",
        "suppressed",
    ] {
        let log: Value = serde_json::from_str(&run(fixture, "sarif")).unwrap();
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{fixture}: {errors:#?}");
    }
}

#[test]
fn sarif_results_carry_rule_region_and_fingerprint() {
    let log: Value = serde_json::from_str(&run("workflows-bad", "sarif")).unwrap();
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "shipready");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let injection = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "template-injection")
        .unwrap();
    let index = injection["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "template-injection");
    assert_eq!(injection["level"], "error");
    let location = &injection["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        ".github/workflows/triage.yml"
    );
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 24);
    assert_eq!(location["region"]["startColumn"], 24);
    assert_eq!(location["region"]["endColumn"], 55);
    assert!(injection["partialFingerprints"]["primaryLocationLineHash"].is_string());
}

#[test]
fn sarif_keeps_suppressed_results_with_their_justification() {
    let log: Value = serde_json::from_str(&run("suppressed", "sarif")).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = results
        .iter()
        .filter_map(|r| {
            let s = &r["suppressions"][0];
            Some((s["kind"].as_str()?, s["justification"].as_str()?))
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("inSource", "internal action, tags are protected"),
            (
                "external",
                "reviewed: the report action is vendored by the platform team"
            ),
        ]
    );
}

#[test]
fn github_commands_annotate_unsuppressed_findings() {
    let out = run("suppressed", "github");
    let lines: Vec<&str> = out.lines().collect();
    // Two unsuppressed `unpinned-uses` and two invalid suppressions; the suppressed are left out.
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines.iter().any(|l| l.starts_with(
        "::warning file=.github/workflows/release.yml,line=9,col=15,endLine=9,endColumn=33,title=shipready unpinned-uses::"
    )));
    let docker = run("docker-bad", "github");
    assert!(docker.contains("::notice file=Dockerfile,line=5,col=1,"));
    assert!(docker.contains("::error file=Dockerfile,line=2,col=15,"));
}

#[test]
fn text_and_markdown_list_findings_compiler_style() {
    let text = run("docker-bad", "text");
    assert!(text.contains("Dockerfile:4:5"), "{text}");
    assert!(text.contains("[add-from-url]"));
    assert!(text.contains("| ADD https://example.com/tool.tar.gz /opt/"));
    assert!(text.contains("ENV API_TOKEN=****"));
    let markdown = run("suppressed", "markdown");
    assert!(markdown.contains("## Findings"));
    assert!(markdown.contains("internal action, tags are protected"));
}

#[test]
fn explain_knows_finding_ids() {
    let output = Command::cargo_bin("shipready")
        .unwrap()
        .args(["explain", "unpinned-base-image"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("unpinned-base-image (warning)"), "{text}");
    assert!(text.contains("Practices: SEC-14"));
}

/// Past the bound of 100 findings of a rule in a file, SARIF says so in a notification of the
/// run (and stays valid), and the workflow commands in a notice on the file.
#[test]
fn findings_left_out_are_told_in_sarif_and_workflow_commands() {
    let repo = tempfile::tempdir().unwrap();
    let mut dockerfile = String::from("FROM python:3.12-slim\n");
    for i in 0..150 {
        dockerfile.push_str(&format!("RUN curl -s https://example.test/{i} | sh\n"));
    }
    std::fs::write(repo.path().join("Dockerfile"), dockerfile).unwrap();
    let output = |format: &str| {
        let output = Command::cargo_bin("shipready")
            .unwrap()
            .args(["assess", "--format", format])
            .arg(repo.path())
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    };
    let reason = "findings of `curl-pipe-shell` past the first 100 in this file are not listed";

    let log: Value = serde_json::from_str(&output("sarif")).unwrap();
    let validator = jsonschema::validator_for(&sarif_schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let pipes = (log["runs"][0]["results"].as_array().unwrap().iter())
        .filter(|r| r["ruleId"] == "curl-pipe-shell")
        .count();
    assert_eq!(pipes, 100);
    let notifications = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notifications.as_array().unwrap().len(), 1);
    assert_eq!(
        notifications[0]["message"]["text"],
        format!("Dockerfile: {reason}")
    );
    assert_eq!(
        notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "Dockerfile"
    );

    let commands = output("github");
    assert!(
        commands.contains(&format!(
            "::notice file=Dockerfile,title=shipready%3A read or listed in part::{reason}\n"
        )),
        "{commands}"
    );
}
