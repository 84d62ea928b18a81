//! Hostile file systems: multi-gigabyte sparse files, a folder of a hundred thousand
//! entries, symlink loops and links out of the repository, FIFOs, devices, names that are not
//! UTF-8 and unreadable files — and all of them at once through the binary.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod hostile_support;

use hostile_support::*;

use std::fs;
use std::time::{Duration, Instant};

use assert_cmd::Command;

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

/// Seventeen workflows just under the read limit (34 MB), and a local action of the same size
/// in a folder that sorts before `.github`: the model of a pipeline takes tens of times its
/// size, so pipelines past the first 32 MiB are listed as not assessed instead of modelled.
/// Workflows come first, so the action does not push one out.
#[test]
fn pipelines_past_the_first_32_mib_are_listed_not_modelled() {
    let repo = repository();
    let padding = format!("# {}\n", "x".repeat(1_999_970));
    let action = "runs:\n  using: composite\n  steps:\n    - run: make\n      shell: bash\n";
    write(
        repo.path(),
        ".actions/big/action.yml",
        format!("{padding}{action}"),
    );
    for i in 0..17 {
        let text = format!("{padding}on: push\njobs: {{}}\n");
        assert!(text.len() < 2_000_000);
        write(repo.path(), &format!(".github/workflows/w{i:02}.yml"), text);
    }

    let assessment = assess_within(repo.path());

    let skipped: Vec<_> = (assessment.inventory.skipped.iter())
        .map(|s| (s.path.as_str(), s.reason.as_str()))
        .collect();
    let reason = "pipeline not assessed: pipelines past the first 32 MiB (workflows first, in \
                  path order) are not modelled";
    assert_eq!(
        skipped,
        [
            (".actions/big/action.yml", reason),
            (".github/workflows/w16.yml", reason)
        ]
    );
    assert_good_workflow_assessed(&assessment);
}
