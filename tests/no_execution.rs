//! Nothing from the repository is ever run. A repository whose git hooks, Makefile, CI
//! scripts, Python files, npm scripts and Dockerfile would each leave a marker file if
//! executed is assessed by the binary, with every program a careless tool might start
//! (`git`, `make`, `sh`, `python`, `npm`, `docker`, ...) shadowed on `PATH` by a shim that
//! also leaves a marker. No marker may appear.

#![allow(clippy::expect_used, clippy::unwrap_used)]
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

fn write(root: &Path, path: &str, text: &str, executable: bool) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    if executable {
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A repository in which every runnable file, when run, creates `markers/<name>`.
fn booby_trapped_repository(root: &Path, markers: &Path) {
    let m = markers.display();
    let shell = |name: &str| format!("#!/bin/sh\ntouch '{m}/{name}'\n");
    let python = |name: &str| format!("open('{m}/{name}', 'w').close()\n");

    for hook in [
        "post-checkout",
        "pre-commit",
        "post-merge",
        "pre-push",
        "post-rewrite",
        "fsmonitor-watchman",
        "reference-transaction",
    ] {
        write(root, &format!(".git/hooks/{hook}"), &shell(hook), true);
    }
    write(root, ".git/HEAD", "ref: refs/heads/main\n", false);
    write(
        root,
        ".git/config",
        &format!("[core]\n\tfsmonitor = {m}/never\n\thooksPath = .git/hooks\n"),
        false,
    );

    write(
        root,
        ".github/workflows/ci.yml",
        "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: bash scripts/ci.sh\n      - run: ./scripts/deploy.sh\n      - run: make all\n      - run: npm ci && npm test\n      - run: python setup.py test && pytest && alembic upgrade head\n      - run: docker build -t app .\n",
        false,
    );
    write(root, "scripts/ci.sh", &shell("ci.sh"), true);
    write(
        root,
        "scripts/deploy.sh",
        &format!("{}bash scripts/ci.sh\n", shell("deploy.sh")),
        true,
    );
    write(
        root,
        "Makefile",
        &format!("all:\n\ttouch '{m}/make'\n"),
        false,
    );
    write(root, "setup.py", &python("setup.py"), false);
    write(root, "conftest.py", &python("conftest.py"), false);
    write(
        root,
        "tests/conftest.py",
        &python("tests-conftest.py"),
        false,
    );
    write(
        root,
        "alembic.ini",
        "[alembic]\nscript_location = alembic\n",
        false,
    );
    write(root, "alembic/env.py", &python("alembic-env.py"), false);
    write(
        root,
        "alembic/versions/0001_init.py",
        &format!(
            "{}revision = '0001'\ndown_revision = None\ndef upgrade():\n    pass\n",
            python("migration")
        ),
        false,
    );
    write(
        root,
        "package.json",
        &format!(
            "{{\"name\": \"trap\", \"scripts\": {{\"preinstall\": \"touch {m}/preinstall\", \"postinstall\": \"touch {m}/postinstall\", \"test\": \"touch {m}/npm-test\", \"prepare\": \"touch {m}/prepare\"}}, \"dependencies\": {{\"express\": \"4\"}}}}"
        ),
        false,
    );
    write(
        root,
        "Dockerfile",
        &format!("FROM alpine:3.20\nRUN touch '{m}/docker'\nCMD [\"sh\"]\n"),
        false,
    );
    write(root, ".envrc", &shell("direnv"), false);
    write(root, "build.rs", "fn main() {}\n", false);
}

/// A folder of executables named like the programs a tool might start, each leaving a marker.
fn shims(dir: &Path, markers: &Path) {
    for program in [
        "git", "make", "sh", "bash", "python", "python3", "pytest", "alembic", "npm", "node",
        "docker", "cargo", "go", "direnv", "hadolint", "zizmor",
    ] {
        write(
            dir,
            program,
            &format!("#!/bin/sh\n: > '{}/shim-{program}'\n", markers.display()),
            true,
        );
    }
}

fn markers_in(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn assessing_a_booby_trapped_repository_runs_nothing() {
    let repo = tempfile::tempdir().unwrap();
    let markers = tempfile::tempdir().unwrap();
    let shim_dir = tempfile::tempdir().unwrap();
    booby_trapped_repository(repo.path(), markers.path());
    shims(shim_dir.path(), markers.path());

    // The traps are live: running one hook by hand leaves its marker.
    let control = tempfile::tempdir().unwrap();
    booby_trapped_repository(&control.path().join("repo"), &control.path().join("m"));
    fs::create_dir(control.path().join("m")).unwrap();
    std::process::Command::new("/bin/sh")
        .arg(control.path().join("repo/.git/hooks/post-checkout"))
        .status()
        .unwrap();
    assert_eq!(markers_in(&control.path().join("m")), ["post-checkout"]);

    let path = format!(
        "{}:{}",
        shim_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for format in ["text", "markdown", "json"] {
        let output = Command::cargo_bin("shipready")
            .unwrap()
            .args(["assess", "--format", format])
            .arg(repo.path())
            .current_dir(repo.path())
            .env("PATH", &path)
            .env("GIT_DIR", repo.path().join(".git"))
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
    }

    assert!(
        markers_in(markers.path()).is_empty(),
        "something was executed: {:?}",
        markers_in(markers.path())
    );
}
