//! Hostile configuration and pipeline shapes that once cost time in the square of their
//! size: a suppressions file of thousands of entries, a matrix `include:` naming thousands
//! of keys, thousands of distinct actions, and a line of thousands of commented-out coverage
//! thresholds. Each finishes in bounded time and reports what a small input would.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;
use shipready::evidence::State;

/// A workflow of `count` steps, each using a distinct third-party action by tag.
fn workflow_of_actions(count: usize) -> String {
    let mut text =
        String::from("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n");
    for i in 0..count {
        text.push_str(&format!("      - uses: owner{i}/action{i}@v1\n"));
    }
    text
}

/// 20,000 entries without a reason: each is read, and the first hundred are reported.
#[test]
fn thousands_of_suppressions_without_a_reason_are_reported_up_to_the_bound() {
    const ENTRIES: usize = 20_000;
    let repo = repository();
    let mut config = String::new();
    for i in 0..ENTRIES {
        config.push_str(&format!("[[suppress]]\nid = \"rule-{i}\"\n"));
    }
    write(repo.path(), ".shipready.toml", config);

    let assessment = assess_within(repo.path());

    let invalid: Vec<_> = assessment
        .findings
        .iter()
        .filter(|f| f.id == "invalid-suppression")
        .collect();
    assert_eq!(invalid.len(), 100);
    assert_eq!(
        read_in_part(&assessment),
        vec![(
            ".shipready.toml".to_string(),
            past_the_first_hundred("invalid-suppression")
        )]
    );
    // Each entry is reported at its own header, two lines after the one before.
    let first = invalid.first().unwrap();
    let last = invalid.last().unwrap();
    assert_eq!(
        (first.location.path.as_str(), first.location.line),
        (".shipready.toml", 1)
    );
    assert_eq!(last.location.line, 2 * 100 - 1);
    assert_eq!(
        last.message,
        "suppression of `rule-99` gives no reason and is not applied"
    );
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn thousands_of_path_suppressions_apply_only_to_their_rule() {
    const ACTIONS: usize = 5_000;
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/many.yml",
        workflow_of_actions(ACTIONS),
    );
    let mut config = String::new();
    // Entries for other rules, each with a glob that matches the workflow's path.
    for i in 0..ACTIONS {
        config.push_str(&format!(
            "[[suppress]]\nid = \"other-{i}\"\npath = \".github/**/*.yml\"\nreason = \"r\"\n"
        ));
    }
    // The first entry for the rule does not match the path; the second does and applies.
    config.push_str(
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \"vendor/**\"\nreason = \"vendored\"\n",
    );
    config.push_str(
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \".github/workflows/many.yml\"\n\
         reason = \"pinned by the mirror\"\n",
    );
    write(repo.path(), ".shipready.toml", config);

    let assessment = assess_within(repo.path());

    let unpinned: Vec<_> = assessment
        .findings
        .iter()
        .filter(|f| f.id == "unpinned-uses")
        .collect();
    // Every finding is matched; the first hundred in the file are listed.
    assert_eq!(unpinned.len(), 100);
    let reasons: Vec<_> = unpinned
        .iter()
        .map(|f| f.suppressed.as_ref().map(|s| s.reason.as_str()))
        .collect();
    assert!(
        reasons.iter().all(|r| *r == Some("pinned by the mirror")),
        "not every unpinned-uses finding is suppressed by the matching entry"
    );
    assert!(
        assessment
            .findings
            .iter()
            .all(|f| f.id != "invalid-suppression")
    );
    assert_good_workflow_assessed(&assessment);
}

/// 20,000 suppressions of one rule, each for another vendored folder, and 5,000 findings of
/// that rule in 5,000 workflows: each workflow's path is matched against the entries' globs
/// together (each finding was matched against every glob of its rule, in the square of the
/// entries), and the first entry that matches, not a later one, says why.
#[test]
fn thousands_of_suppressions_of_one_rule_match_each_path_once() {
    const ENTRIES: usize = 20_000;
    const WORKFLOWS: usize = 5_000;
    let repo = repository();
    for i in 0..WORKFLOWS {
        write(
            repo.path(),
            &format!(".github/workflows/service-{i}.yml"),
            format!(
                "on: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: owner{i}/action@v1\n"
            ),
        );
    }
    let mut config = String::new();
    for i in 0..ENTRIES {
        config.push_str(&format!(
            "[[suppress]]\nid = \"unpinned-uses\"\npath = \"vendor/team-{i}/**/*.yml\"\nreason = \"vendored by team {i}\"\n"
        ));
    }
    // At the end, entries that match: the services ending in 7, then every service.
    config.push_str(
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \".github/workflows/service-*7.yml\"\nreason = \"mirrored\"\n",
    );
    config.push_str(
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \".github/workflows/*.yml\"\nreason = \"pinned upstream\"\n",
    );
    write(repo.path(), ".shipready.toml", config);

    let assessment = assess_within(repo.path());

    let reasons: Vec<(&str, Option<&str>)> = (assessment.findings.iter())
        .filter(|f| f.id == "unpinned-uses")
        .map(|f| {
            let reason = f.suppressed.as_ref().map(|s| s.reason.as_str());
            (f.location.path.as_str(), reason)
        })
        .collect();
    assert_eq!(reasons.len(), WORKFLOWS);
    for (path, reason) in reasons {
        let expected = if path.ends_with("7.yml") {
            "mirrored"
        } else {
            "pinned upstream"
        };
        assert_eq!(reason, Some(expected), "{path}");
    }
    assert!(
        (assessment.findings.iter()).all(|f| f.id != "invalid-suppression"),
        "every entry is usable"
    );
}

/// A suppression whose path glob is one alternation of 40,000 paths (1 MB) compiles to an
/// automaton past the regular expression engine's size limit: it is reported as unusable
/// (it stopped the assessment with a panic), and the entry after it still applies.
#[test]
fn a_suppression_glob_too_large_to_compile_is_reported() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/many.yml",
        workflow_of_actions(3),
    );
    let paths = (0..40_000)
        .map(|i| format!("dir{i}/**/file{i}.yml"))
        .collect::<Vec<_>>()
        .join(",");
    let config = format!(
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \"{{{paths}}}\"\nreason = \"generated\"\n\n\
         [[suppress]]\nid = \"unpinned-uses\"\npath = \".github/**\"\nreason = \"mirrored\"\n"
    );
    write(repo.path(), ".shipready.toml", config);

    let assessment = assess_within(repo.path());

    let invalid: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "invalid-suppression")
        .collect();
    assert_eq!(invalid.len(), 1);
    assert_eq!(
        invalid[0].message,
        "suppression of `unpinned-uses` has a path glob too large to match"
    );
    assert_eq!(
        (invalid[0].location.path.as_str(), invalid[0].location.line),
        (".shipready.toml", 1)
    );
    let unpinned: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "unpinned-uses")
        .map(|f| f.suppressed.as_ref().map(|s| s.reason.as_str()))
        .collect();
    assert_eq!(unpinned, [Some("mirrored"); 3]);
}

#[test]
fn matrix_include_of_thousands_of_keys_counts_each_axis_once() {
    const KEYS: usize = 40_000;
    let repo = repository();
    let mut text = String::from(
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        \
         python: ['3.11', '3.12']\n        include:\n          - node-version: 20\n",
    );
    for i in 0..KEYS {
        text.push_str(&format!("          - key{i:06}: 1\n"));
    }
    // Entries naming an axis already seen add a value to it.
    text.push_str("          - node-version: 22\n          - python: '3.13'\n");
    text.push_str("    steps:\n      - run: make test\n");
    write(repo.path(), ".github/workflows/matrix.yml", text);

    let assessment = assess_within(repo.path());

    let practice = assessment
        .practices
        .iter()
        .find(|p| p.id == "TST-06")
        .expect("TST-06 is assessed");
    assert_eq!(practice.state, State::Present);
    let seen: Vec<_> = practice
        .evidence
        .iter()
        .map(|e| (e.summary.as_str(), e.location.line))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "job build of .github/workflows/matrix.yml tests across 3 values of `python`",
                7
            ),
            (
                "job build of .github/workflows/matrix.yml tests across 2 values of `node-version`",
                9
            ),
        ]
    );
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn tens_of_thousands_of_distinct_actions_are_each_counted_once() {
    const ACTIONS: usize = 40_000;
    let repo = repository();
    let mut text = workflow_of_actions(ACTIONS);
    // A repeated reference counts once.
    text.push_str("      - uses: owner0/action0@v1\n");
    write(repo.path(), ".github/workflows/many.yml", text);

    let assessment = assess_within(repo.path());

    let practice = assessment
        .practices
        .iter()
        .find(|p| p.id == "AUT-05")
        .expect("AUT-05 is assessed");
    assert_eq!(practice.state, State::Absent);
    let reason = practice.reason.as_deref().unwrap_or("");
    assert!(
        reason.starts_with(&format!(
            "none of {ACTIONS} third-party references is pinned"
        )),
        "{reason}"
    );
    assert!(reason.contains("`owner0/action0@v1`"), "{reason}");
    assert_eq!(practice.evidence.len(), 10);
    assert_eq!(practice.evidence[0].location.line, 6);
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn a_line_of_thousands_of_commented_thresholds_is_skipped() {
    const MATCHES: usize = 100_000;
    let repo = repository();
    let mut text = String::from("# ");
    text.push_str(&"--cov-fail-under=99 ".repeat(MATCHES));
    text.push_str("\n[tool:pytest]\naddopts = --cov=app --cov-fail-under=85\n");
    write(repo.path(), "setup.cfg", text);

    let assessment = assess_within(repo.path());

    let practice = assessment
        .practices
        .iter()
        .find(|p| p.id == "TST-04")
        .expect("TST-04 is assessed");
    assert_eq!(practice.state, State::Partial);
    let evidence = &practice.evidence[0];
    assert_eq!(evidence.summary, "coverage threshold 85%");
    assert_eq!(
        (evidence.location.path.as_str(), evidence.location.line),
        ("setup.cfg", 3)
    );
    assert_eq!(
        practice.reason.as_deref(),
        Some("a 85% threshold is set, but no CI job measures coverage")
    );
    assert_good_workflow_assessed(&assessment);
}

/// A path glob longer than any real one (here 5,000 bytes of a plain name) is reported as too
/// large without being compiled: compiling the 1 MB alternation above took 275 MB only to
/// find it over the size limit.
#[test]
fn a_very_long_suppression_glob_is_not_compiled() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/many.yml",
        workflow_of_actions(1),
    );
    let long = format!("docs/{}", "x".repeat(5_000));
    let config = format!(
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \"{long}\"\nreason = \"generated\"\n"
    );
    write(repo.path(), ".shipready.toml", config);
    let assessment = assess_within(repo.path());
    let invalid: Vec<&str> = (assessment.findings.iter())
        .filter(|f| f.id == "invalid-suppression")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        invalid,
        ["suppression of `unpinned-uses` has a path glob too large to match"]
    );
}

/// A matrix of 40,000 `include:` entries, none naming the axis that thousands of commands
/// read (`${{ matrix.nope }}`), and a line of 200,000 unclosed `${`: each matrix path is read
/// once per job and a variable's closing brace is looked for nearby, so both finish in
/// bounded time with the commands kept as written.
#[test]
fn matrix_references_and_unclosed_braces_are_read_in_linear_time() {
    let repo = repository();
    let include: String = (0..40_000)
        .map(|i| format!("          - k{i}: v\n"))
        .collect();
    let references = "${{ matrix.nope }} ".repeat(64);
    let steps: String = (0..200)
        .map(|i| format!("      - run: echo {i} {references}\n"))
        .collect();
    let unclosed = "${a ".repeat(200_000);
    write(
        repo.path(),
        ".github/workflows/matrix.yml",
        format!(
            "on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        \
             include:\n{include}    steps:\n{steps}      - run: echo {unclosed}\n      - run: pytest\n"
        ),
    );
    write(repo.path(), "app/main.py", "def main():\n    return 1\n");
    let assessment = assess_within(repo.path());
    let tests = assessment
        .practices
        .iter()
        .find(|p| p.id == "TST-02")
        .unwrap();
    assert_eq!(tests.state, State::Present, "{:?}", tests.reason);
}

/// Thousands of lines silencing NuGet's audit in one project file report a few findings,
/// each located through one index of the file.
#[test]
fn thousands_of_audit_suppressions_report_a_few() {
    let repo = repository();
    let lines: String = (0..20_000)
        .map(|_| "    <NoWarn>NU1903</NoWarn>\n")
        .collect();
    write(
        repo.path(),
        "Directory.Build.props",
        format!("<Project>\n  <PropertyGroup>\n{lines}  </PropertyGroup>\n</Project>\n"),
    );
    let assessment = assess_within(repo.path());
    let lines: Vec<usize> = (assessment.findings.iter())
        .filter(|f| f.id == "suppressed-vulnerability-audit")
        .map(|f| f.location.line)
        .collect();
    assert_eq!(lines, (3..19).collect::<Vec<_>>());
}

/// 53 workflows of a hundred actions pinned by tag each: 5,300 findings of one rule. The
/// first 5,000 in path order are listed, and one entry says where the list stops.
#[test]
fn findings_of_one_rule_past_the_repository_bound_are_cut_and_said_to_be() {
    let repo = repository();
    for i in 0..53 {
        let path = format!(".github/workflows/a{i:02}.yml");
        write(repo.path(), &path, workflow_of_actions(100));
    }

    let assessment = assess_within(repo.path());

    let listed = |name: &str| {
        let path = format!(".github/workflows/{name}.yml");
        (assessment.findings.iter())
            .filter(|f| f.id == "unpinned-uses" && f.location.path == path)
            .count()
    };
    assert_eq!((listed("a00"), listed("a49"), listed("a50")), (100, 100, 0));
    let unpinned = (assessment.findings.iter())
        .filter(|f| f.id == "unpinned-uses")
        .count();
    assert_eq!(unpinned, shipready::findings::MAX_PER_RULE);
    // One entry says where the list stops, however many files follow.
    let cut: Vec<_> = (read_in_part(&assessment).into_iter())
        .filter(|(_, reason)| reason.contains("`unpinned-uses`"))
        .collect();
    let reason = "findings of `unpinned-uses` past the first 5000 in the repository are not \
                  listed, from this file on";
    assert_eq!(cut, [(".github/workflows/a50.yml".into(), reason.into())]);
}

/// Suppressed findings are bounded apart from the others: 5,100 findings in folders the
/// configuration suppresses do not use up the bound and hide the one that counts.
#[test]
fn suppressed_findings_do_not_use_up_the_bound_of_the_others() {
    let repo = repository();
    for i in 0..51 {
        let path = format!(".github/workflows/legacy-{i:02}.yml");
        write(repo.path(), &path, workflow_of_actions(100));
    }
    write(
        repo.path(),
        ".github/workflows/release.yml",
        "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/publish@main\n",
    );
    write(
        repo.path(),
        ".shipready.toml",
        "[[suppress]]\nid = \"unpinned-uses\"\npath = \".github/workflows/legacy-*.yml\"\nreason = \"retired pipelines, kept for reference\"\n",
    );

    let assessment = assess_within(repo.path());

    let release: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.location.path == ".github/workflows/release.yml")
        .filter(|f| f.id == "unpinned-uses")
        .collect();
    assert_eq!(release.len(), 1);
    assert_eq!(release[0].suppressed, None);
    let suppressed = (assessment.findings.iter())
        .filter(|f| f.id == "unpinned-uses" && f.suppressed.is_some())
        .count();
    assert_eq!(suppressed, shipready::findings::MAX_PER_RULE);
    assert!(
        read_in_part(&assessment).contains(&(
            ".github/workflows/legacy-50.yml".into(),
            "suppressed findings of `unpinned-uses` past the first 5000 in the repository are \
             not listed, from this file on"
                .into()
        )),
        "{:?}",
        read_in_part(&assessment)
    );
}

/// A suppression comment naming 50,000 ids that are no rule's, then the rule, with a 50 KB
/// reason, above a line of 2,000 downloads piped into a shell; and an entry of the
/// configuration with a 50 KB reason for another file's 2,000. Each reason was copied whole
/// into every finding it suppressed (2 GB at twice these sizes), and the ids searched in
/// full for every finding.
#[test]
fn long_suppression_reasons_and_id_lists_are_read_once_and_cut() {
    let repo = repository();
    let ids: Vec<String> = (0..50_000).map(|i| format!("r{i}")).collect();
    let reason = "because ".repeat(6_250);
    let pipes = "curl https://x.example | sh && ".repeat(2_000);
    write(
        repo.path(),
        ".gitlab-ci.yml",
        format!(
            "job:\n  script:\n    # shipready: ignore[{}, curl-pipe-shell] {reason}\n    - \"{pipes}true\"\n",
            ids.join(",")
        ),
    );
    write(
        repo.path(),
        "ci/other/.gitlab-ci.yml",
        format!("job:\n  script:\n    - \"{pipes}true\"\n"),
    );
    write(
        repo.path(),
        ".shipready.toml",
        format!(
            "[[suppress]]\nid = \"curl-pipe-shell\"\npath = \"ci/**\"\nreason = \"{reason}\"\n"
        ),
    );

    let assessment = assess_within(repo.path());

    let cut = format!("{}...", &reason[..197]);
    let suppressed: Vec<_> = (assessment.findings.iter())
        .filter(|f| f.id == "curl-pipe-shell")
        .map(|f| (f.location.path.as_str(), f.suppressed.clone()))
        .collect();
    let mut paths: Vec<&str> = suppressed.iter().map(|(path, _)| *path).collect();
    paths.dedup();
    assert_eq!(paths, [".gitlab-ci.yml", "ci/other/.gitlab-ci.yml"]);
    for (path, suppression) in suppressed {
        let suppression = suppression.unwrap_or_else(|| panic!("{path}: not suppressed"));
        assert_eq!(suppression.reason, cut, "{path}");
    }
}
