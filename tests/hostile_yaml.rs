//! Hostile YAML: alias bombs, aliases and anchors copying megabytes of text, merges of
//! thousands of keys, and nesting thousands of levels deep. A file past a bound is listed as
//! unparsed with the reason; the others are still assessed.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;

/// A 100 KB script anchored once and aliased by 400 steps, and a 1 MB string under 240
/// anchored lists each copying it: few nodes, but 40 MB and 240 MB of copied text (1.4 GB
/// and 445 MB resident). The copies are counted in bytes, and the files are unparsed.
#[test]
fn aliases_and_nested_anchors_of_large_text_are_unparsed() {
    let repo = repository();
    let script = "echo x; ".repeat(12_500);
    let mut workflow = format!(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: &script \"{script}\"\n"
    );
    for _ in 0..400 {
        workflow.push_str("      - run: *script\n");
    }
    write(repo.path(), ".github/workflows/copies.yml", workflow);
    let opening: String = (0..240).map(|i| format!("&a{i} [")).collect();
    let nested = format!(
        ".x: {opening}\"{}\"{}\ntest:\n  script:\n    - echo hi\n",
        "x".repeat(1_000_000),
        "]".repeat(240)
    );
    write(repo.path(), ".gitlab-ci.yml", nested);

    let assessment = assess_within(repo.path());

    let copied = "anchors and aliases copy more than 8 MiB of text";
    assert_eq!(
        reason_for(&assessment, ".github/workflows/copies.yml"),
        format!("invalid YAML at line 89, column 14: {copied}")
    );
    assert_eq!(
        reason_for(&assessment, ".gitlab-ci.yml"),
        format!("invalid YAML at line 1, column 1001585: {copied}")
    );
    assert_good_workflow_assessed(&assessment);
}

/// A mapping of 8,000 keys merging 8,000 more with `<<`: each merged key was looked for
/// among all the mapping's keys (80,000 took over two minutes).
#[test]
fn a_merge_of_thousands_of_keys_into_thousands_is_linear() {
    let merged: Vec<String> = (0..8_000).map(|i| format!("m{i}: 1")).collect();
    let mut text = format!(".x:\n  <<: {{{}}}\n  m0: own\n", merged.join(", "));
    for i in 0..8_000 {
        text.push_str(&format!("  v{i}: 1\n"));
    }
    text.push_str("test:\n  script:\n    - echo hi\n");
    let repo = repository();
    write(repo.path(), ".gitlab-ci.yml", text);

    let assessment = assess_within(repo.path());

    assert!(
        assessment.inventory.unparsed.is_empty(),
        "{:?}",
        assessment.inventory.unparsed
    );
    let docs = shipready::parse::yaml::parse(
        &std::fs::read_to_string(repo.path().join(".gitlab-ci.yml")).unwrap(),
    )
    .unwrap();
    let x = docs[0].get(".x").unwrap();
    assert_eq!(x.entries().len(), 16_000);
    // The mapping's own key wins over the merged one.
    assert_eq!(x.get("m0").and_then(|n| n.as_str()), Some("own"));
}

#[test]
fn yaml_alias_bomb_in_a_workflow_is_unparsed() {
    let repo = repository();
    let mut text = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    write(repo.path(), ".github/workflows/bomb.yml", text);

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, ".github/workflows/bomb.yml", "aliases expand");
    assert_good_workflow_assessed(&assessment);
}

#[test]
fn deep_block_nesting_in_a_workflow_is_unparsed() {
    let repo = repository();
    write(
        repo.path(),
        ".github/workflows/deep.yml",
        "- ".repeat(25_000) + "x\n",
    );
    // Indentation grows with depth, so 1,500 levels already make a 1 MiB file.
    write(
        repo.path(),
        ".github/workflows/deep-map.yml",
        deep_block_map(1_500),
    );

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, ".github/workflows/deep.yml", "nesting deeper");
    assert_reason(
        &assessment,
        ".github/workflows/deep-map.yml",
        "nesting deeper",
    );
    assert_good_workflow_assessed(&assessment);
}

/// `a:\n  a:\n    a: ...` nested `levels` deep (indentation grows, so the file is large).
fn deep_block_map(levels: usize) -> String {
    let mut text = String::new();
    for depth in 0..levels {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    text
}

#[test]
fn deep_flow_nesting_in_a_workflow_is_unparsed() {
    let repo = repository();
    let sequences = "[".repeat(100_000) + &"]".repeat(100_000);
    let mappings = "{a: ".repeat(30_000) + "x" + &"}".repeat(30_000);
    write(repo.path(), ".github/workflows/flow.yml", sequences);
    write(repo.path(), ".github/workflows/flow-map.yml", mappings);

    let assessment = assess_within(repo.path());

    // The event parser caps flow nesting itself; either limit must name the nesting.
    for path in [
        ".github/workflows/flow.yml",
        ".github/workflows/flow-map.yml",
    ] {
        let reason = reason_for(&assessment, path);
        assert!(
            reason.contains("nesting deeper") || reason.contains("recursion limit"),
            "{path}: {reason}"
        );
    }
    assert_good_workflow_assessed(&assessment);
}
