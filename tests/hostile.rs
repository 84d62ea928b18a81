//! Hostile repositories: every case builds a small repository in a temporary folder with one
//! malicious or broken file beside ordinary ones, and checks that the assessment finishes in
//! bounded time, names the bad file with the reason it was not used, and still assesses the
//! rest.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use shipready::Assessment;
use tempfile::TempDir;

/// Longer than any case needs by two orders of magnitude: a guard against hangs, not a benchmark.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// A workflow that is valid and ordinary; its presence in the report shows the other files
/// were still assessed.
const GOOD_WORKFLOW: &str = "name: CI
on:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: cargo test
";

/// A new repository holding the good workflow.
fn repository() -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("hostile-repo")
        .tempdir()
        .expect("temporary folder");
    write(dir.path(), ".github/workflows/ci.yml", GOOD_WORKFLOW);
    dir
}

fn write(root: &Path, path: &str, text: impl AsRef<[u8]>) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
    fs::write(path, text).expect("write");
}

/// Runs the assessment on its own thread (with the default 2 MiB stack, smaller than the
/// binary's main thread) and fails if it panics or does not finish within `HANG_GUARD`.
fn assess_within(root: &Path) -> Assessment {
    let root = root.to_path_buf();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let result = shipready::assess(&root, &shipready::Options::default());
        let _ = sender.send(result);
    });
    match receiver.recv_timeout(HANG_GUARD) {
        Ok(result) => result.expect("the assessment runs"),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("assessment still running after {HANG_GUARD:?}")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("assessment thread panicked"),
    }
}

/// The reason a file was skipped or left unparsed; fails if it is in neither list.
fn reason_for(assessment: &Assessment, path: &str) -> String {
    let inventory = &assessment.inventory;
    let skipped = inventory.skipped.iter().map(|s| (&s.path, &s.reason));
    let unparsed = inventory.unparsed.iter().map(|u| (&u.path, &u.reason));
    skipped
        .chain(unparsed)
        .find(|(p, _)| p.as_str() == path)
        .map(|(_, reason)| reason.clone())
        .unwrap_or_else(|| {
            panic!(
                "{path} is neither skipped nor unparsed; skipped {:?}, unparsed {:?}",
                inventory.skipped, inventory.unparsed
            )
        })
}

fn assert_reason(assessment: &Assessment, path: &str, fragment: &str) {
    let reason = reason_for(assessment, path);
    assert!(
        reason.contains(fragment),
        "{path}: reason {reason:?} does not say {fragment:?}"
    );
}

/// The good workflow was parsed into a pipeline.
fn assert_good_workflow_assessed(assessment: &Assessment) {
    let paths: Vec<_> = assessment
        .inventory
        .pipelines
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert!(
        paths.contains(&".github/workflows/ci.yml"),
        "the valid workflow was not assessed: {paths:?}"
    );
}

/// A JSON rendering of the whole assessment, to check what a report could show.
fn json(assessment: &Assessment) -> String {
    serde_json::to_string(assessment).expect("serialises")
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
fn sparse_multi_gigabyte_config_files_are_skipped_by_size_without_reading() {
    let repo = repository();
    for path in [".github/workflows/big.yml", "Dockerfile", "package.json"] {
        let full = repo.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        let file = fs::File::create(&full).unwrap();
        file.set_len(8 * 1024 * 1024 * 1024).unwrap();
    }

    let started = Instant::now();
    let assessment = assess_within(repo.path());

    // Reading 24 GiB of zeros would take far longer than this.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    for path in [".github/workflows/big.yml", "Dockerfile", "package.json"] {
        assert_reason(&assessment, path, "larger than 2 MiB");
    }
    assert_good_workflow_assessed(&assessment);
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
fn folder_with_a_hundred_thousand_entries_is_walked() {
    let repo = repository();
    let crowd = repo.path().join("crowd");
    fs::create_dir(&crowd).unwrap();
    let started = Instant::now();
    for i in 0..100_000 {
        fs::File::create(crowd.join(format!("f{i}.txt"))).unwrap();
    }
    let created = started.elapsed();

    let started = Instant::now();
    let assessment = assess_within(repo.path());
    let assessed = started.elapsed();

    eprintln!("created 100,000 files in {created:?}, assessed in {assessed:?}");
    assert!(assessment.inventory.files_scanned > 100_000);
    assert_good_workflow_assessed(&assessment);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_skipped() {
    use std::os::unix::fs::symlink;
    let repo = repository();
    symlink("b.yml", repo.path().join(".github/workflows/a.yml")).unwrap();
    symlink("a.yml", repo.path().join(".github/workflows/b.yml")).unwrap();
    symlink(".", repo.path().join("self")).unwrap();
    symlink("..", repo.path().join(".github/up")).unwrap();

    let assessment = assess_within(repo.path());

    for path in [
        ".github/workflows/a.yml",
        ".github/workflows/b.yml",
        "self",
        ".github/up",
    ] {
        assert_reason(&assessment, path, "symbolic link");
    }
    assert_good_workflow_assessed(&assessment);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_repository_are_never_read() {
    use std::os::unix::fs::symlink;
    const TOKEN: &str = "ghp_OutsideSecretToken0123456789abcdefXYZ";
    let outside = tempfile::tempdir().unwrap();
    let secret_workflow = format!(
        "on: pull_request\njobs:\n  leak:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {TOKEN}\n        name: {TOKEN}\n"
    );
    write(outside.path(), "secret.yml", &secret_workflow);
    write(outside.path(), "dir/deploy.yml", &secret_workflow);
    write(outside.path(), "dir/Dockerfile", format!("FROM {TOKEN}\n"));

    let repo = repository();
    symlink(
        outside.path().join("secret.yml"),
        repo.path().join(".github/workflows/leak.yml"),
    )
    .unwrap();
    symlink(outside.path().join("dir"), repo.path().join("linked")).unwrap();
    symlink(
        "../../../../../../../../etc/passwd",
        repo.path().join("Dockerfile"),
    )
    .unwrap();

    let assessment = assess_within(repo.path());

    for path in [".github/workflows/leak.yml", "linked", "Dockerfile"] {
        assert_reason(&assessment, path, "symbolic link");
    }
    let report = json(&assessment);
    assert!(
        !report.contains(TOKEN),
        "outside content reached the report"
    );
    assert!(!report.contains("root:"), "/etc/passwd reached the report");
    assert_good_workflow_assessed(&assessment);
}

/// Makes a FIFO with the system's `mkfifo`; the test harness runs it, not shipready.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn fifos_named_like_config_files_never_block_the_walk() {
    let repo = repository();
    mkfifo(&repo.path().join(".github/workflows/fifo.yml"));
    mkfifo(&repo.path().join("Dockerfile"));
    mkfifo(&repo.path().join("package.json"));

    let assessment = assess_within(repo.path());

    for path in [".github/workflows/fifo.yml", "Dockerfile", "package.json"] {
        assert_reason(&assessment, path, "not a regular file");
    }
    assert_good_workflow_assessed(&assessment);
}

/// A character device named like a config file. Making one needs privileges; where
/// `mknod` is refused (an ordinary user, a restricted container) the case is skipped with a
/// note on standard error.
#[cfg(unix)]
#[test]
fn device_files_named_like_config_files_are_skipped() {
    let repo = repository();
    let path = repo.path().join("Dockerfile");
    // 1:5 is /dev/zero: endless bytes if anything ever read it.
    let made = std::process::Command::new("mknod")
        .arg(&path)
        .args(["c", "1", "5"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("mknod refused here; device-file case not exercised");
        return;
    }

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, "Dockerfile", "not a regular file");
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

/// Linux file names are bytes; the report's paths are text.
#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_are_skipped_with_that_reason() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let repo = repository();
    let name = OsStr::from_bytes(b"w\xff.yml");
    fs::write(
        repo.path().join(".github/workflows").join(name),
        "on: push\n",
    )
    .unwrap();

    let assessment = assess_within(repo.path());

    assert_reason(
        &assessment,
        ".github/workflows/w\u{fffd}.yml",
        "file name is not valid UTF-8",
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

    let assessment = assess_within(repo.path());

    // The last value wins, as in GitLab; the file is not dropped.
    let dup = assessment
        .inventory
        .pipelines
        .iter()
        .find(|p| p.path == ".github/workflows/dup.yml")
        .unwrap_or_else(|| panic!("dup.yml dropped: {:?}", assessment.inventory.unparsed));
    assert_eq!(dup.jobs.len(), 1);
    assert_good_workflow_assessed(&assessment);
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

/// A file the process may not read. Root reads any file whatever its mode, so when the
/// probe read succeeds the case is skipped with a note on standard error.
#[cfg(unix)]
#[test]
fn unreadable_workflow_is_skipped_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let repo = repository();
    write(repo.path(), ".github/workflows/locked.yml", "on: push\n");
    let locked = repo.path().join(".github/workflows/locked.yml");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        eprintln!("running with privileges that ignore file modes; unreadable case not exercised");
        return;
    }

    let assessment = assess_within(repo.path());

    assert_reason(&assessment, ".github/workflows/locked.yml", "unreadable");
    assert_good_workflow_assessed(&assessment);
}

/// Everything above in one repository, through the binary, with a timeout on the process.
#[cfg(unix)]
#[test]
fn binary_survives_a_repository_of_hostile_files() {
    use std::os::unix::fs::symlink;
    let repo = repository();
    mkfifo(&repo.path().join("Dockerfile"));
    symlink(".", repo.path().join("loop")).unwrap();
    write(
        repo.path(),
        ".github/workflows/deep.yml",
        "- ".repeat(30_000) + "x\n",
    );
    write(repo.path(), "package.json", "[".repeat(100_000));
    write(repo.path(), ".github/workflows/binary.yml", [0u8; 64]);
    fs::File::create(repo.path().join("Cargo.toml"))
        .unwrap()
        .set_len(4 * 1024 * 1024 * 1024)
        .unwrap();

    let output = Command::cargo_bin("shipready")
        .unwrap()
        .args(["assess", "--format", "json"])
        .arg(repo.path())
        .timeout(HANG_GUARD)
        .output()
        .unwrap();

    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let skipped = report["inventory"]["skipped"].to_string();
    let unparsed = report["inventory"]["unparsed"].to_string();
    for path in [
        "Dockerfile",
        "loop",
        ".github/workflows/binary.yml",
        "Cargo.toml",
    ] {
        assert!(skipped.contains(path), "{path} not in skipped: {skipped}");
    }
    for path in [".github/workflows/deep.yml", "package.json"] {
        assert!(
            unparsed.contains(path),
            "{path} not in unparsed: {unparsed}"
        );
    }
    assert!(
        report["inventory"]["pipelines"]
            .to_string()
            .contains("ci.yml")
    );
}
