//! Hostile content: deep JSON and TOML, very long lines, binary and non-UTF-8 text,
//! byte-order marks and CRLF, duplicate keys, one invalid workflow among valid ones. Each
//! case finishes in bounded time, names the bad file with its reason and still assesses the
//! rest. YAML's own shapes are in `hostile_yaml.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;

#[test]
fn deep_json_in_package_json_is_unparsed() {
    let repo = repository();
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    write(
        repo.path(),
        "package.json",
        format!("{{\"dependencies\": {{\"express\": \"4\"}}, \"x\": {deep}}}"),
    );
    write(
        repo.path(),
        "web/package.json",
        "{\"dependencies\": {\"@sentry/node\": \"8\"}}",
    );

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, "package.json", "nesting deeper");
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn deep_toml_in_manifests_is_unparsed() {
    let repo = repository();
    let arrays = format!(
        "[project]\nname = \"x\"\ndependencies = [\"fastapi\"]\ndeep = {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let tables = format!(
        "[dependencies]\nserde = \"1\"\n[package]\nname = \"x\"\ndeep = {}1{}\n",
        "{a = ".repeat(100_000),
        "}".repeat(100_000)
    );
    write(repo.path(), "pyproject.toml", arrays);
    write(repo.path(), "Cargo.toml", tables);

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, "pyproject.toml", "nesting deeper");
    assert_reason(&assessment, "Cargo.toml", "nesting deeper");
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn deeply_nested_and_long_line_script_called_from_a_workflow_is_read_safely() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/script.yml",
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: bash scripts/build.sh\n",
    );
    let mut script = String::from("#!/bin/sh\n");
    script.push_str(&"$(echo ".repeat(50_000));
    script.push_str(&")".repeat(50_000));
    script.push('\n');
    script.push_str(&"if true; then ".repeat(20_000));
    script.push_str(&"fi; ".repeat(20_000));
    script.push('\n');
    script.push_str(&"x".repeat(1_500_000));
    script.push_str(" scripts/build.sh\n");
    // A continuation line that never ends.
    script.push_str(&"a \\\n".repeat(20_000));
    write(repo.path(), "scripts/build.sh", &script);

    let assessment = assess_within(repo.path());

    let paths: Vec<_> = assessment
        .inventory
        .pipelines
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert!(paths.contains(&".github/workflows/script.yml"), "{paths:?}");
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn many_commands_packed_into_one_long_line_are_located_in_linear_time() {
    let repo = repository();
    // A double-quoted `run:` of 50,000 escaped lines on one 600 KB file line: locating each
    // command by searching the whole line again was quadratic and ran for minutes.
    let commands: Vec<String> = (0..50_000).map(|i| format!("echo {i}")).collect();
    write(
        repo.path(),
        ".github/workflows/packed.yml",
        format!(
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: \"{}\"\n",
            commands.join("\\n")
        ),
    );

    let assessment = assess_within(repo.path());

    let paths: Vec<_> = assessment
        .inventory
        .pipelines
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert!(paths.contains(&".github/workflows/packed.yml"), "{paths:?}");
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn a_command_that_repeats_the_start_of_the_previous_one_gets_its_own_line() {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          npm ci --prefix web\n          npm ci\n",
    );

    let inventory = shipready::inventory::scan(repo.path()).unwrap();
    let pipelines = shipready::pipeline::build(&inventory);

    let lines: Vec<_> = pipelines.pipelines[0].jobs[0].steps[0]
        .commands
        .iter()
        .map(|c| (c.text.as_str(), c.location.line, c.location.column))
        .collect();
    assert_eq!(lines, [("npm ci --prefix web", 7, 11), ("npm ci", 8, 11)]);
}

#[test]
fn file_just_under_the_size_limit_on_one_line_is_read() {
    let repo = repository();
    // One flow mapping on a single line of nearly 2 MiB, with a real trigger in it.
    let mut text = String::from("{on: push, jobs: {big: {runs-on: ubuntu-latest, env: {");
    let mut i = 0;
    while text.len() < 2 * 1024 * 1024 - 100 {
        text.push_str(&format!("K{i}: v{i}, "));
        i += 1;
    }
    text.push_str("last: x}, steps: [{run: make}]}}}");
    assert!(!text.contains('\n'));
    write(repo.path(), ".github/workflows/long.yml", &text);
    // And a 10 MB single line, over the limit.
    write(
        repo.path(),
        ".github/workflows/longer.yml",
        "x".repeat(10_000_000),
    );

    let assessment = assess_within(repo.path());

    let long = assessment
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == ".github/workflows/long.yml")
        .unwrap_or_else(|| panic!("long line not parsed: {:?}", assessment.inventory.unparsed));
    assert_eq!(long.jobs.len(), 1);
    assert_reason(
        &assessment,
        ".github/workflows/longer.yml",
        "larger than 2 MiB",
    );
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn binary_and_non_utf8_content_under_config_names_is_skipped() {
    let repo = repository();
    let mut binary = b"on: push\n".to_vec();
    binary.extend([0u8, 1, 2, 3, 0, 0xff]);
    write(repo.path(), ".github/workflows/binary.yml", &binary);
    write(
        repo.path(),
        "Dockerfile",
        b"FROM alpine\nRUN echo \xff\xfe caf\xe9\n",
    );
    write(repo.path(), "package.json", b"{\"name\": \"\xc3\x28\"}");
    write(
        repo.path(),
        ".github/workflows/latin1.yml",
        b"on: push\nname: caf\xe9\n",
    );

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, ".github/workflows/binary.yml", "binary");
    assert_reason(&assessment, "Dockerfile", "not valid UTF-8");
    assert_reason(&assessment, "package.json", "not valid UTF-8");
    assert_reason(
        &assessment,
        ".github/workflows/latin1.yml",
        "not valid UTF-8",
    );
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn bom_and_crlf_workflow_parses_with_true_line_numbers() {
    let repo = tempfile::tempdir().unwrap();
    let text = "\u{feff}name: CI\r\non:\r\n  pull_request:\r\njobs:\r\n  test:\r\n    runs-on: ubuntu-latest\r\n    steps:\r\n      - uses: actions/checkout@v4\r\n      - run: |\r\n          cargo build\r\n          cargo test\r\n";
    write(repo.path(), ".github/workflows/crlf.yml", text);

    let assessment = assess_within(repo.path());
    assert!(
        assessment.inventory.unparsed.is_empty(),
        "{:?}",
        assessment.inventory.unparsed
    );

    let inventory = shipready::inventory::scan(repo.path()).unwrap();
    let pipelines = shipready::pipeline::build(&inventory);
    let pipeline = &pipelines.pipelines[0];
    assert!(pipeline.triggers.pull_request);
    let job = pipeline.job("test").expect("job test");
    assert_eq!(job.location.line, 5);
    assert_eq!(job.steps[0].location.line, 8);
    assert_eq!(job.steps[0].uses.as_deref(), Some("actions/checkout"));
    let commands: Vec<_> = job.steps[1]
        .commands
        .iter()
        .map(|c| (c.text.as_str(), c.location.line))
        .collect();
    assert_eq!(commands, [("cargo build", 10), ("cargo test", 11)]);
}

#[test]
fn duplicate_keys_in_a_workflow_do_not_break_the_assessment() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/dup.yml",
        "on: push\non: pull_request\njobs:\n  a:\n    runs-on: x\n    steps: [{run: one}]\njobs:\n  b:\n    runs-on: y\n    runs-on: z\n    steps: [{run: two}]\n",
    );
    write(
        repo.path(),
        ".gitlab-ci.yml",
        ".base: &base\n  image: a\n  image: b\njob1:\n  <<: *base\n  script: [x]\njob2:\n  <<: *base\n  script: [y]\n  script: [z]\n",
    );

    let assessment = assess_within(repo.path());

    // GitHub refuses a workflow with a repeated key, so it earns nothing and says why.
    let unparsed = assessment
        .inventory
        .unparsed
        .iter()
        .find(|u| u.path == ".github/workflows/dup.yml")
        .unwrap_or_else(|| panic!("dup.yml credited: {:?}", assessment.inventory.pipelines));
    assert_eq!(
        unparsed.reason,
        "`on` is set twice (lines 1 and 2); GitHub rejects the workflow, so it never runs"
    );
    assert_good_workflow_assessed(&assessment);
    // GitLab keeps the last value; the pipeline is assessed.
    let gitlab = assessment
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == ".gitlab-ci.yml")
        .unwrap_or_else(|| panic!("GitLab pipeline dropped"));
    assert_eq!(gitlab.jobs.len(), 2);

    // Each repeated key is a finding at the second key; the alias repeats `image` under
    // job1 and job2 but it is reported once, where it is written.
    let found: Vec<(&str, usize, usize)> = assessment
        .findings
        .iter()
        .filter(|f| f.id == "duplicate-key")
        .map(|f| (f.location.path.as_str(), f.location.line, f.location.column))
        .collect();
    assert_eq!(
        found,
        [
            (".github/workflows/dup.yml", 2, 1),
            (".github/workflows/dup.yml", 7, 1),
            (".github/workflows/dup.yml", 10, 5),
            (".gitlab-ci.yml", 3, 3),
            (".gitlab-ci.yml", 10, 3),
        ]
    );
}

#[test]
fn one_invalid_workflow_among_valid_ones_is_unparsed_alone() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/release.yml",
        "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make release\n",
    );
    write(
        repo.path(),
        ".github/workflows/broken.yml",
        "on: push\njobs:\n  test:\n    steps: [unclosed\n  - : :\n",
    );

    let assessment = assess_within(repo.path());

    let reason = reason_for(&assessment, ".github/workflows/broken.yml");
    assert!(
        reason.contains("line"),
        "the reason should locate the error: {reason}"
    );
    let paths: Vec<_> = assessment
        .inventory
        .pipelines
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert!(
        paths.contains(&".github/workflows/release.yml"),
        "{paths:?}"
    );
    assert_good_workflow_assessed(&assessment);
}

/// One migration with thousands of findings on thousands of lines, and a merge revision whose
/// parent tuple names thousands of revisions on one line: the first hundred findings of each
/// file are reported, each at its own line, and the cost stays linear (the hang guard would
/// catch the square).
#[test]
fn thousands_of_findings_in_one_migration_are_located_in_linear_time() {
    let repo = repository();
    let mut alembic = String::from("revision = \"b2\"\ndown_revision = \"a1\"\n\ndef upgrade():\n");
    for i in 0..10_000 {
        alembic.push_str(&format!("    op.drop_column(\"orders\", \"c{i}\")\n"));
    }
    alembic.push_str("\ndef downgrade():\n    pass\n");
    write(repo.path(), "alembic/versions/b2_drop.py", &alembic);
    let parents: Vec<String> = (0..10_000).map(|i| format!("\"m{i}\"")).collect();
    let merge = format!(
        "revision = \"c3\"\ndown_revision = ({})\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
        parents.join(", ")
    );
    write(repo.path(), "alembic/versions/c3_merge.py", &merge);

    let assessment = assess_within(repo.path());

    let drops: Vec<usize> = assessment
        .findings
        .iter()
        .filter(|f| f.id == "destructive-migration")
        .map(|f| f.location.line)
        .collect();
    assert_eq!(drops.len(), 100);
    assert_eq!((drops[0], drops[99]), (5, 104));
    let last = assessment
        .findings
        .iter()
        .find(|f| f.id == "destructive-migration" && f.location.line == 104)
        .unwrap();
    assert_eq!(last.snippet, "op.drop_column(\"orders\", \"c99\")");
    let missing = assessment
        .findings
        .iter()
        .filter(|f| f.id == "migration-missing-parent")
        .count();
    // The 10,000 merge parents and `a1` do not exist: the first hundred of the merge's are
    // listed.
    assert_eq!(missing, 101);
    assert_eq!(
        read_in_part(&assessment),
        vec![
            (
                "alembic/versions/b2_drop.py".to_string(),
                past_the_first_hundred("destructive-migration")
            ),
            (
                "alembic/versions/c3_merge.py".to_string(),
                past_the_first_hundred("migration-missing-parent")
            ),
        ]
    );
    assert_good_workflow_assessed(&assessment);
}

/// A migration too large to read is listed as skipped and judged on nothing: no finding says
/// it lacks a downgrade it may well have.
#[test]
fn an_unread_migration_is_not_called_irreversible() {
    let repo = repository();
    let mut text = String::from("revision = \"a1\"\ndown_revision = None\n\ndef upgrade():\n");
    while text.len() <= 2 * 1024 * 1024 {
        text.push_str("    op.execute(\"UPDATE orders SET total = total\")\n");
    }
    text.push_str("\ndef downgrade():\n    pass\n");
    write(repo.path(), "alembic/versions/a1_large.py", &text);

    let assessment = assess_within(repo.path());

    assert!(
        assessment
            .findings
            .iter()
            .all(|f| !f.id.contains("migration")),
        "{:?}",
        assessment.findings
    );
    let skipped = assessment
        .inventory
        .skipped
        .iter()
        .find(|s| s.path == "alembic/versions/a1_large.py")
        .unwrap();
    assert!(
        skipped.reason.starts_with("larger than 2 MiB"),
        "{}",
        skipped.reason
    );
    let reversible = assessment
        .practices
        .iter()
        .find(|p| p.id == "DEP-18")
        .unwrap();
    assert_eq!(
        reversible.reason.as_deref(),
        Some(
            "1 migration file could not be read (see the skipped files), so whether they can be reversed is unknown"
        )
    );
}

/// A Makefile of 120,000 rules (1.8 MB, under the size limit) whose default target needs them
/// all, run by a CI step: rules are looked up by name, so expanding `make all` is linear.
/// Looking each prerequisite up by scanning every rule took about 40 seconds.
#[test]
fn makefile_with_a_hundred_thousand_prerequisites_is_expanded_in_bounded_time() {
    let rules = 120_000;
    let mut makefile = String::from("all:");
    for i in 0..rules {
        makefile.push_str(&format!(" t{i}"));
    }
    makefile.push('\n');
    for i in 0..rules - 1 {
        makefile.push_str(&format!("t{i}:\n"));
    }
    makefile.push_str(&format!("t{}:\n\tpytest -q tests\n", rules - 1));

    let recipes = shipready::pipeline::make_recipes(&makefile, "make all");
    let commands: Vec<(&str, usize)> = recipes
        .iter()
        .map(|c| (c.text.as_str(), c.location.line))
        .collect();
    assert_eq!(commands, [("pytest -q tests", rules + 2)]);

    let repo = repository();
    write(repo.path(), "Makefile", &makefile);
    write(
        repo.path(),
        ".github/workflows/make.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: make all\n",
    );
    let assessment = assess_within(repo.path());
    assert_good_workflow_assessed(&assessment);
    assert!(
        !assessment
            .inventory
            .skipped
            .iter()
            .any(|s| s.path == "Makefile"),
        "{:?}",
        assessment.inventory.skipped
    );
}
