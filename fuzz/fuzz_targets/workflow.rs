//! Pipeline building from one workflow text (GitHub Actions, GitLab CI and Cloud Build), through the
//! public stage entry point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipready::inventory::{FileKind, Inventory, RepoFile};

fuzz_target!(|text: &str| {
    for (path, kind) in [
        (".github/workflows/ci.yml", FileKind::GithubWorkflow),
        (".gitlab-ci.yml", FileKind::GitlabCi),
        ("cloudbuild.yaml", FileKind::CloudBuild),
    ] {
        let inventory = Inventory::new(
            "/nonexistent".into(),
            vec![RepoFile {
                path: path.to_string(),
                kind,
                text: Some(text.to_string()),
            }],
            Vec::new(),
        );
        let _ = shipready::pipeline::build(&inventory);
    }
});
