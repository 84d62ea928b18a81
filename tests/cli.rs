//! The binary end to end: formats, output file, exit codes, catalog and explain.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use assert_cmd::Command;
use common::fixture;

fn shipready() -> Command {
    let mut command = Command::cargo_bin("shipready").expect("binary builds");
    command.env("NO_COLOR", "1");
    command
}

#[test]
fn text_summary_names_score_level_and_verdict() {
    let output = shipready()
        .args(["assess"])
        .arg(fixture("mature-service"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("Overall"), "{text}");
    assert!(text.contains("Level "), "{text}");
    assert!(text.contains("Security & Compliance"), "{text}");
    assert!(!text.contains('\u{1b}'), "NO_COLOR must strip escapes");
}

#[test]
fn markdown_report_has_the_consultant_sections_in_order() {
    let output = shipready()
        .args(["assess", "--format", "markdown"])
        .arg(fixture("partial-reasons"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let headings = [
        "# CI/CD Maturity and Production-Readiness Assessment",
        "## Executive summary",
        "## Key findings",
        "## Inventory",
        "## 1. Automation & Integration",
        "## 2. Security & Compliance",
        "## 5. Monitoring & Observability",
        "## Gap analysis",
        "## Recommendations",
        "## Roadmap",
        "## Production-readiness gates",
        "### Success criteria",
        "## Risk matrix",
        "## Conclusion",
    ];
    let mut at = 0;
    for heading in headings {
        let found = text[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} missing or out of order"));
        at += found + heading.len();
    }
    assert!(
        text.contains("`.github/workflows/ci.yml:23:"),
        "evidence cites file:line:column"
    );
}

#[test]
fn json_report_validates_against_the_shipped_schema() {
    let output = shipready()
        .args(["assess", "--format", "json"])
        .arg(fixture("gitlab-pipeline"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(report["schema_version"], "1.0");
    let schema_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/assessment.schema.json"
    ))
    .expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn committed_schema_matches_the_report_types() {
    let output = shipready().arg("schema").output().expect("runs");
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/assessment.schema.json"
    ))
    .expect("schema file");
    assert_eq!(
        String::from_utf8(output.stdout).expect("utf-8"),
        committed,
        "run `shipready schema > schema/assessment.schema.json`"
    );
}

#[test]
fn output_file_receives_the_report() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = folder.path().join("report.md");
    let output = shipready()
        .args(["assess", "--format", "markdown", "--output"])
        .arg(&path)
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(&path).expect("report written");
    assert!(written.starts_with("# CI/CD Maturity"));
}

#[test]
fn policy_failures_exit_with_one() {
    let low = shipready()
        .args(["assess", "--fail-under", "90"])
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(low.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&low.stderr).contains("below --fail-under 90"));
    let no_go = shipready()
        .args(["assess", "--fail-on", "no-go"])
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(no_go.status.code(), Some(1));
    let passes = shipready()
        .args(["assess", "--fail-under", "1"])
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(passes.status.code(), Some(0));
}

#[test]
fn unusable_input_exits_with_two_and_names_the_path() {
    let missing = shipready()
        .args(["assess", "/nonexistent/shipready-repo"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/shipready-repo"));
    let bad_score = shipready()
        .args(["assess", "--fail-under", "101", "."])
        .output()
        .expect("runs");
    assert_eq!(bad_score.status.code(), Some(2));
    let bad_format = shipready()
        .args(["assess", "--format", "pdf", "."])
        .output()
        .expect("runs");
    assert_eq!(bad_format.status.code(), Some(2));
    let folder = tempfile::tempdir().expect("temp dir");
    let missing_folder = folder.path().join("no/such/folder/report.json");
    let no_folder = shipready()
        .args(["assess", "--output"])
        .arg(&missing_folder)
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(no_folder.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_folder.stderr).contains("does not exist"));
}

/// A folder with nothing to read (a wrong path, a checkout that failed) is an error, not a
/// report that scores an empty repository with full confidence.
#[test]
fn a_folder_with_no_files_exits_with_two() {
    let folder = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(folder.path().join(".git")).expect("git folder");
    std::fs::create_dir_all(folder.path().join("node_modules/left-pad")).expect("vendored");
    std::fs::write(folder.path().join("node_modules/left-pad/index.js"), "x\n").expect("file");
    let output = shipready()
        .args(["assess", "--format", "json"])
        .arg(folder.path())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("no files to assess"), "{error}");
    assert!(error.contains("skipped: node_modules (vendored"), "{error}");
}

#[test]
fn catalog_and_explain() {
    let listing = shipready().arg("catalog").output().expect("runs");
    assert_eq!(listing.status.code(), Some(0));
    let text = String::from_utf8(listing.stdout).expect("utf-8");
    assert!(
        text.contains("128 practices, 21 gates, 20 risks"),
        "{}",
        text.lines().last().unwrap_or("")
    );

    let explained = shipready()
        .args(["explain", "sec-12"])
        .output()
        .expect("runs");
    assert_eq!(explained.status.code(), Some(0));
    let text = String::from_utf8(explained.stdout).expect("utf-8");
    assert!(text.starts_with("SEC-12 "));
    assert!(text.contains("Gates: G-05"));

    let unknown = shipready()
        .args(["explain", "XYZ-99"])
        .output()
        .expect("runs");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("shipready catalog"));
}

#[test]
fn output_to_a_device_or_through_a_link_never_replaces_it() {
    // Renaming a temporary file over /dev/null would turn the device into a regular file.
    let output = shipready()
        .args(["assess", "--format", "json", "--output", "/dev/null"])
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let metadata = std::fs::metadata("/dev/null").expect("/dev/null exists");
    assert!(
        !metadata.is_file(),
        "/dev/null was replaced by a regular file"
    );

    let folder = tempfile::tempdir().expect("temp dir");
    let real = folder.path().join("real.md");
    std::fs::write(&real, "old").expect("write");
    let link = folder.path().join("link.md");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let output = shipready()
        .args(["assess", "--format", "markdown", "--output"])
        .arg(&link)
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert!(
        std::fs::read_to_string(&real)
            .expect("target")
            .starts_with("# CI/CD Maturity")
    );

    let into_folder = shipready()
        .args(["assess", "--output"])
        .arg(folder.path())
        .arg(fixture("bare-app"))
        .output()
        .expect("runs");
    assert_eq!(into_folder.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&into_folder.stderr).contains("is a folder"));
}
