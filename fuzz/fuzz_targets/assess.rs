//! The whole assessment on a small tree written from the input: the input is split on
//! 0xFF bytes into files, and the first byte of each piece picks its path.
#![no_main]

use libfuzzer_sys::fuzz_target;

const PATHS: [&str; 20] = [
    ".github/workflows/ci.yml",
    ".github/workflows/deploy.yml",
    ".github/actions/setup/action.yml",
    ".github/dependabot.yml",
    ".gitlab-ci.yml",
    "Dockerfile",
    "docker-compose.yml",
    "package.json",
    "pyproject.toml",
    "Cargo.toml",
    "requirements.txt",
    "scripts/ci.sh",
    "alembic/versions/0001_init.py",
    "migrations/0001_init.sql",
    "k8s/deployment.yaml",
    "app/main.py",
    "Makefile",
    "release.mk",
    ".pre-commit-config.yaml",
    ".git/index",
];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    for piece in data.split(|&b| b == 0xFF).take(PATHS.len()) {
        let Some((&pick, body)) = piece.split_first() else {
            continue;
        };
        let path = dir.path().join(PATHS[pick as usize % PATHS.len()]);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(path, body);
    }
    let _ = shipready::assess(dir.path(), &shipready::Options::default());
});
