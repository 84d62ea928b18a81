//! Files that git tracks although `.gitignore` matches them are assessed, read from git's
//! index as data; a damaged or crafted index never leads outside the repository.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{expect, practice};
use shipready::evidence::State;
use shipready::inventory::git_index::{is_safe_path, tracked_files, unlisted_tracked_files};

const REGULAR: u32 = 0o100644;

/// One version 2 or 3 entry, as git writes it: status with the mode at offset 24, a SHA-1,
/// flags holding the stage and name length, the name and 1 to 8 NUL bytes.
fn entry(mode: u32, name: &str, stage: u16) -> Vec<u8> {
    let mut bytes = vec![0u8; 24];
    bytes.extend_from_slice(&mode.to_be_bytes());
    bytes.extend_from_slice(&[0u8; 12]);
    bytes.extend_from_slice(&[0xab; 20]);
    let flags = (stage << 12) | name.len().min(0xfff) as u16;
    bytes.extend_from_slice(&flags.to_be_bytes());
    bytes.extend_from_slice(name.as_bytes());
    bytes.resize((bytes.len() + 8) / 8 * 8, 0);
    bytes
}

fn index(version: u32, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = b"DIRC".to_vec();
    bytes.extend_from_slice(&version.to_be_bytes());
    bytes.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for e in entries {
        bytes.extend_from_slice(e);
    }
    bytes.extend_from_slice(&[0x11; 20]); // checksum
    bytes
}

fn regular(names: &[&str]) -> Vec<u8> {
    let entries: Vec<Vec<u8>> = names.iter().map(|n| entry(REGULAR, n, 0)).collect();
    index(2, &entries)
}

#[test]
fn version_2_lists_regular_files_once() {
    let bytes = index(
        2,
        &[
            entry(REGULAR, ".pre-commit-config.yaml", 0),
            entry(0o100755, "bin/run", 1),
            entry(0o100755, "bin/run", 2),
            entry(0o120000, "link", 0),
            entry(0o160000, "vendor/sub", 0),
            entry(REGULAR, "a-name-of-exactly-eight", 0),
        ],
    );
    let expected = [
        ".pre-commit-config.yaml",
        "bin/run",
        "a-name-of-exactly-eight",
    ];
    assert_eq!(tracked_files(&bytes, 20).unwrap(), expected);
}

#[test]
fn version_4_names_share_the_previous_prefix() {
    let mut bytes = b"DIRC".to_vec();
    bytes.extend_from_slice(&4u32.to_be_bytes());
    bytes.extend_from_slice(&3u32.to_be_bytes());
    // (bytes to drop from the end of the previous name, suffix)
    for (strip, suffix) in [(0u8, "src/a.py"), (4, "b.py"), (8, ".github/ci.yml")] {
        bytes.extend_from_slice(&[0u8; 24]);
        bytes.extend_from_slice(&REGULAR.to_be_bytes());
        bytes.extend_from_slice(&[0u8; 12]);
        bytes.extend_from_slice(&[0xab; 20]);
        bytes.extend_from_slice(&0u16.to_be_bytes());
        bytes.push(strip);
        bytes.extend_from_slice(suffix.as_bytes());
        bytes.push(0);
    }
    let expected = ["src/a.py", "src/b.py", ".github/ci.yml"];
    assert_eq!(tracked_files(&bytes, 20).unwrap(), expected);
}

#[test]
fn damaged_indexes_are_errors_not_panics() {
    let good = regular(&["README.md"]);
    for cut in 0..good.len() - 20 {
        assert!(tracked_files(&good[..cut], 20).is_err(), "cut at {cut}");
    }
    let mut lying_count = good.clone();
    lying_count[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(tracked_files(&lying_count, 20).is_err());
    let mut wrong_length = good.clone();
    wrong_length[73] = 3; // low byte of the flags: header 12 + status 40 + hash 20 + 1
    assert!(tracked_files(&wrong_length, 20).is_err());
    assert!(tracked_files(b"DIRC\0\0\0\x09\0\0\0\0", 20).is_err());
    // A SHA-256 index read as SHA-1 misplaces every name.
    let mut sha256 = regular(&["README.md"]);
    sha256.splice(72..72, [0xab; 12]);
    assert!(tracked_files(&sha256, 20).is_err());
    assert_eq!(tracked_files(&sha256, 32).unwrap(), ["README.md"]);
}

/// One version 4 entry: drop `strip` bytes from the previous name, then add `suffix`.
fn entry_v4(strip: u8, suffix: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0u8; 24];
    bytes.extend_from_slice(&REGULAR.to_be_bytes());
    bytes.extend_from_slice(&[0u8; 12]);
    bytes.extend_from_slice(&[0xab; 20]);
    bytes.extend_from_slice(&0u16.to_be_bytes());
    bytes.push(strip);
    bytes.extend_from_slice(suffix);
    bytes.push(0);
    bytes
}

/// Version 4 names are changes to the previous name: a few bytes per entry can stand for a
/// name of thousands. Names beyond what a file system allows, and more names in all than the
/// limit, make the index unusable instead of exhausting memory.
#[test]
fn version_4_names_cannot_expand_without_bound() {
    let long = vec![b'a'; 5000];
    let bytes = index(4, &[entry_v4(0, &long)]);
    let error = tracked_files(&bytes, 20).unwrap_err();
    assert_eq!(error.0, "a name longer than 4096 bytes");

    // A 4000-byte name, then entries that each change its last byte: 9,000 names of 4000
    // bytes from an index of 0.6 MB.
    let mut entries = vec![entry_v4(0, &vec![b'a'; 4000])];
    for i in 0..9_000u32 {
        entries.push(entry_v4(1, &[b'a' + (i % 2) as u8]));
    }
    let bytes = index(4, &entries);
    assert!(bytes.len() < 700_000);
    let error = tracked_files(&bytes, 20).unwrap_err();
    assert_eq!(error.0, "names longer than 32 MiB in all");
    // Kept names count, not all names: the same index filtered to none is fine.
    assert_eq!(
        shipready::inventory::git_index::tracked_files_where(&bytes, 20, |_| false),
        Ok(Vec::new())
    );
}

/// A split index holds only the entries changed since its shared index was written; reading
/// it alone would silently miss files, so it is reported as not read.
#[test]
fn split_indexes_are_reported_not_half_read() {
    let mut bytes = regular(&["README.md"]);
    let checksum = bytes.split_off(bytes.len() - 20);
    bytes.extend_from_slice(b"link");
    bytes.extend_from_slice(&20u32.to_be_bytes());
    bytes.extend_from_slice(&[0x22; 20]);
    bytes.extend_from_slice(&checksum);
    let error = tracked_files(&bytes, 20).unwrap_err();
    assert!(error.0.starts_with("a split index"), "{}", error.0);
    // Other extensions (here a cache tree) are skipped.
    let mut bytes = regular(&["README.md"]);
    let checksum = bytes.split_off(bytes.len() - 20);
    bytes.extend_from_slice(b"TREE");
    bytes.extend_from_slice(&3u32.to_be_bytes());
    bytes.extend_from_slice(b"\0-1");
    bytes.extend_from_slice(&checksum);
    assert_eq!(tracked_files(&bytes, 20).unwrap(), ["README.md"]);
}

/// `objectFormat = "sha256"`, quoted and in any case, as git accepts it; without a readable
/// setting, an index that does not parse with SHA-1 hashes is read with SHA-256 ones.
#[test]
fn sha256_repositories_are_recognised_from_a_quoted_setting() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write(root, "ci.yml", "x");
    common::write(
        root,
        ".git/config",
        "[extensions]\n\tobjectFormat = \"sha256\"\n",
    );
    let mut bytes = regular(&["ci.yml"]);
    bytes.splice(72..72, [0xab; 12]);
    std::fs::write(root.join(".git/index"), bytes).unwrap();
    let (found, problem) = unlisted_tracked_files(root, &[], |_| false);
    assert_eq!((found, problem), (vec!["ci.yml".to_string()], None));
    // Without a config it can read (a link is never followed), the other length is tried.
    std::fs::remove_file(root.join(".git/config")).unwrap();
    let (found, problem) = unlisted_tracked_files(root, &[], |_| false);
    assert_eq!((found, problem), (vec!["ci.yml".to_string()], None));
}

#[test]
fn unsafe_paths_are_refused() {
    for bad in [
        "",
        "/etc/passwd",
        "../outside",
        "a/../../b",
        "a//b",
        "./a",
        ".git/config",
        "sub/.GIT/hooks/pre-commit",
        "a\\b",
    ] {
        assert!(!is_safe_path(bad), "{bad:?}");
    }
    assert!(is_safe_path(".github/workflows/ci.yml"));
    assert!(is_safe_path(".gitignore"));
}

/// Tracked paths that are gone, that lead through a symbolic link, or that climb out of the
/// repository are not listed; a tracked regular file the walk did not list is.
#[cfg(unix)]
#[test]
fn only_regular_files_inside_the_checkout_are_added() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let outside = tempfile::tempdir().unwrap();
    common::write(outside.path(), "secret.yml", "x");
    common::write(root, "real/ok.yml", "x");
    std::fs::create_dir(root.join(".git")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
    let names = [
        "gone.yml",
        "link/secret.yml",
        "real/ok.yml",
        "../secret.yml",
    ];
    std::fs::write(root.join(".git/index"), regular(&names)).unwrap();

    let (found, problem) = unlisted_tracked_files(root, &[], |_| false);
    assert_eq!((found, problem), (vec!["real/ok.yml".to_string()], None));
    let (found, _) = unlisted_tracked_files(root, &["real/ok.yml".to_string()], |_| false);
    assert!(found.is_empty());
}

/// saleor ignores `.*` and commits `.pre-commit-config.yaml`, whose hooks its lint workflow
/// runs: with the index, the hooks are CI checks located in the config.
#[test]
fn committed_files_that_gitignore_matches_are_assessed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = [
        (".gitignore", ".*\n!.github\n!.gitignore\n"),
        (
            ".pre-commit-config.yaml",
            "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.12.11\n    hooks:\n      - id: ruff\n",
        ),
        (
            ".github/workflows/lint.yml",
            "on: [pull_request]\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pre-commit run --all-files\n",
        ),
        (".env.local", "API_KEY=not-tracked\n"),
        ("app.py", "print('hi')\n"),
    ];
    for (path, text) in files {
        common::write(root, path, text);
    }
    std::fs::create_dir(root.join(".git")).unwrap();
    let before = shipready::assess(root, &shipready::Options::default()).unwrap();
    assert_ne!(practice(&before, "AUT-08").state, State::Present);

    let tracked = [
        ".github/workflows/lint.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "app.py",
    ];
    std::fs::write(root.join(".git/index"), regular(&tracked)).unwrap();
    let after = shipready::assess(root, &shipready::Options::default()).unwrap();
    expect(&after, "AUT-08", State::Present, &[]);
    let at = &practice(&after, "AUT-08").evidence[0].location;
    assert_eq!((at.path.as_str(), at.line), (".pre-commit-config.yaml", 5));
    // Only the tracked file is added: `.env.local`, ignored and untracked, stays out.
    let scanned = (
        before.inventory.files_scanned,
        after.inventory.files_scanned,
    );
    assert_eq!(scanned, (3, 4));
}

/// An index that cannot be read is reported as skipped with what it costs; the rest of the
/// repository is still assessed.
#[test]
fn a_damaged_index_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "app.py", "print('hi')\n");
    common::write(dir.path(), ".git/index", "DIRC\0\0\0\x02\0\0\0\x05garbage");
    let a = shipready::assess(dir.path(), &shipready::Options::default()).unwrap();
    let skipped = a.inventory.skipped.iter().find(|s| s.path == ".git/index");
    let reason = skipped.map(|s| s.reason.as_str()).unwrap_or_default();
    assert!(
        reason.contains("entry count larger than the index"),
        "{reason}"
    );
    assert!(reason.contains("not assessed"), "{reason}");
}

/// An index that is a link or a FIFO is reported, never followed or waited on.
#[cfg(unix)]
#[test]
fn an_index_that_is_a_link_or_a_fifo_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("index"), regular(&["secret.yml"])).unwrap();
    std::os::unix::fs::symlink(outside.path().join("index"), root.join(".git/index")).unwrap();
    let (found, problem) = unlisted_tracked_files(root, &[], |_| false);
    assert_eq!(
        (found.len(), problem.as_deref()),
        (0, Some("a symbolic link, not followed"))
    );

    std::fs::remove_file(root.join(".git/index")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(root.join(".git/index"))
        .status();
    assert!(made.is_ok_and(|s| s.success()));
    let (found, problem) = unlisted_tracked_files(root, &[], |_| false);
    assert_eq!(
        (found.len(), problem.as_deref()),
        (0, Some("not a regular file"))
    );
}
