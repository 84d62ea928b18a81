//! The text pass: every catalog pattern is run only where its required literals occur, and
//! source code leaves memory once it has been searched. Both are optimisations, so both are
//! checked against the plain result: nothing the full regular expressions find may be lost.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use shipready::catalog::Catalog;
use shipready::catalog::literals::Prefilter;
use shipready::evidence::State;

/// Every text under the fixtures, plus lines written to hit the catalog's signals in odd
/// spellings (other case, other spacing).
fn corpus() -> Vec<String> {
    fn collect(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }
    let mut texts = Vec::new();
    collect(&common::fixture(""), &mut texts);
    texts.extend(
        [
            "SENTRY_SDK.INIT(dsn=DSN, release=VERSION)",
            "  Timeout-Minutes: 10\n  cancel-in-progress: TRUE",
            "x = os.Getenv(\"A\")\ny := os.LookupEnv(\"B\")",
            "app.get('/healthz', handler)\n@app.get(\"/readyz\")",
            "pytest --cov=app --cov-fail-under=80\ncoverage run -m pytest",
            "uses: github/codeql-action/analyze@v3\nrun: trivy image --exit-code 1 app",
        ]
        .map(String::from),
    );
    texts
}

/// Soundness of the prefilter over the whole built-in catalog: for every `run`, `code` and
/// `content` pattern and every text of the corpus, a pattern that matches is a candidate.
#[test]
fn the_prefilter_never_drops_a_matching_pattern() {
    let catalog = Catalog::builtin();
    let patterns: Vec<&str> = catalog
        .practices
        .iter()
        .flat_map(|p| {
            p.run
                .iter()
                .map(String::as_str)
                .chain(p.code.iter().map(|c| c.pattern.as_str()))
                .chain(p.content.iter().map(|c| c.pattern.as_str()))
        })
        .collect();
    assert!(patterns.len() > 900, "{} patterns", patterns.len());
    let filter = Prefilter::new(patterns.iter().copied()).unwrap();
    let regexes: Vec<regex::bytes::Regex> = patterns
        .iter()
        .map(|p| {
            regex::bytes::RegexBuilder::new(p)
                .case_insensitive(true)
                .multi_line(true)
                .unicode(false)
                .build()
                .unwrap()
        })
        .collect();
    let mut matched = 0;
    for text in corpus() {
        let candidates = filter.candidates(text.as_bytes());
        for (index, regex) in regexes.iter().enumerate() {
            if regex.is_match(text.as_bytes()) {
                matched += 1;
                assert!(
                    candidates.binary_search(&index).is_ok(),
                    "pattern {} matches but was filtered out",
                    patterns[index]
                );
            }
        }
    }
    assert!(matched > 100, "the corpus exercises only {matched} matches");
}

use common::write;

/// Source code without hits is dropped after the pass; evidence found in it keeps its line,
/// and evidence that names a whole source file still shows its first line.
#[test]
fn source_code_is_searched_once_and_evidence_keeps_its_lines() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        root,
        "app/main.py",
        "import sentry_sdk\n\nsentry_sdk.init(\n    dsn=DSN,\n    release=VERSION,\n)\n",
    );
    write(root, "app/util.py", "def add(a, b):\n    return a + b\n");
    // A shipped image makes the repository deployable, so error tracking applies.
    write(
        root,
        "Dockerfile",
        "FROM python:3.12-slim\nCOPY app /app\nCMD [\"python\", \"/app/main.py\"]\n",
    );
    write(
        root,
        "tests/test_util.py",
        "from app.util import add\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    );
    let assessment = shipready::assess(root, &shipready::Options::default()).unwrap();

    let errors = common::practice(&assessment, "MON-08");
    let sentry = errors
        .evidence
        .iter()
        .find(|e| e.location.path == "app/main.py")
        .unwrap_or_else(|| panic!("no evidence in app/main.py: {:#?}", errors.evidence));
    // The call spans lines; the release set on its third line counts.
    assert_eq!((sentry.location.line, sentry.location.column), (3, 1));
    assert_eq!(sentry.location.end_line, 5);
    assert_eq!(sentry.snippet, "sentry_sdk.init(");
    assert_eq!(sentry.state, State::Present);

    let tests = common::practice(&assessment, "TST-01");
    let test_file = tests
        .evidence
        .iter()
        .find(|e| e.location.path == "tests/test_util.py")
        .unwrap_or_else(|| panic!("no test file evidence: {:#?}", tests.evidence));
    assert_eq!(test_file.state, State::Present);
    assert_eq!(test_file.snippet, "from app.util import add");
}

/// What the streaming pass finds equals what a pass over a fully read inventory finds.
#[test]
fn streaming_and_full_passes_agree() {
    let root = common::fixture("mature-service");
    let catalog = Catalog::builtin();
    let full = shipready::inventory::scan(&root).unwrap();
    let after = shipready::evidence::TextScans::of(catalog, &full);
    let (streamed, scans) = shipready::inventory::list(&root)
        .unwrap()
        .read(|file, text| shipready::evidence::scan_file(catalog, file, text));
    let streamed_scans = shipready::evidence::TextScans::new(scans);
    assert_eq!(after.scanned(), streamed_scans.scanned());
    assert!(after.scanned() > 10);
    let paths = |i: &shipready::inventory::Inventory| -> Vec<String> {
        i.files.iter().map(|f| f.path.clone()).collect()
    };
    assert_eq!(paths(&full), paths(&streamed));
    let dropped: Vec<&str> = streamed
        .files
        .iter()
        .zip(&full.files)
        .filter(|(s, f)| s.text.is_none() && f.text.is_some())
        .map(|(s, _)| s.path.as_str())
        .collect();
    assert!(
        dropped
            .iter()
            .all(|p| shipready::inventory::classify(p) == shipready::inventory::FileKind::Source),
        "only source code may be dropped: {dropped:?}"
    );
}

/// A test matrix over environment names records no deployment; an `environment:` on a job does.
#[test]
fn a_matrix_of_environment_names_is_not_a_deployment_record() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        root,
        "Dockerfile",
        "FROM python:3.12-slim\nCOPY app /app\nCMD [\"python\", \"/app/main.py\"]\n",
    );
    write(
        root,
        ".github/workflows/conformance.yml",
        "on: [pull_request]\njobs:\n  conformance:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        environment: [ production, staging ]\n    steps:\n      - run: make conformance ENV=${{ matrix.environment }}\n",
    );
    let records = |root: &Path| {
        let a = shipready::assess(root, &shipready::Options::default()).unwrap();
        common::practice(&a, "DEP-12")
            .evidence
            .iter()
            .map(|e| (e.location.path.clone(), e.location.line))
            .collect::<Vec<_>>()
    };
    assert!(
        !records(root).contains(&(".github/workflows/conformance.yml".to_string(), 7)),
        "{:?}",
        records(root)
    );
    write(
        root,
        ".github/workflows/deploy.yml",
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: ./deploy.sh\n",
    );
    assert!(records(root).contains(&(".github/workflows/deploy.yml".to_string(), 7)));
}

/// `environment:` given to an action as an input (under `with:`) is not a job's environment.
#[test]
fn an_action_input_named_environment_is_not_a_deployment_record() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        root,
        "Dockerfile",
        "FROM python:3.12-slim\nCOPY app /app\nCMD [\"python\", \"/app/main.py\"]\n",
    );
    write(
        root,
        ".github/workflows/conformance.yml",
        "on: [pull_request]\njobs:\n  conformance:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: sigstore/sigstore-conformance@v0.0.29\n        with:\n          environment: staging\n",
    );
    let a = shipready::assess(root, &shipready::Options::default()).unwrap();
    let evidence: Vec<(String, usize)> = common::practice(&a, "DEP-12")
        .evidence
        .iter()
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        !evidence.contains(&(".github/workflows/conformance.yml".to_string(), 8)),
        "{evidence:?}"
    );
}

/// goreleaser publishes tagged releases: traceable releases, but no record of deployments.
#[test]
fn goreleaser_releases_are_partial_release_traceability() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    write(
        root,
        "Dockerfile",
        "FROM golang:1.23\nCOPY . /src\nCMD [\"/src/app\"]\n",
    );
    write(root, ".goreleaser.yml", "builds:\n  - main: ./cmd/app\n");
    let a = shipready::assess(root, &shipready::Options::default()).unwrap();
    let p = common::practice(&a, "DEP-12");
    assert_eq!(p.state, State::Partial);
    assert_eq!(
        p.reason.as_deref(),
        Some(
            "goreleaser builds and publishes each tagged release with its changelog; nothing \
             records where a release was deployed"
        )
    );
}

/// The `files` signals matched while each file is read are those its path matches, and a
/// file that could not be read (binary content under `.pre-commit-config.yaml`) still counts.
#[test]
fn file_signals_matched_while_reading_cover_unread_files() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::create_dir_all(root.join(".github")).unwrap();
    std::fs::write(
        root.join(".pre-commit-config.yaml"),
        b"repos: []\n\0\0binary",
    )
    .unwrap();
    std::fs::write(root.join(".github/CODEOWNERS"), "* @team\n").unwrap();
    std::fs::write(root.join("Dockerfile"), "FROM alpine:3.20\n").unwrap();
    std::fs::write(root.join("main.py"), "print('hi')\n").unwrap();
    let catalog = Catalog::builtin();
    let (inventory, scans) = shipready::inventory::list(root)
        .unwrap()
        .read(|file, text| shipready::evidence::scan_file(catalog, file, text));
    let scans = shipready::evidence::TextScans::new(scans);
    assert!(
        inventory
            .skipped
            .iter()
            .any(|s| s.path == ".pre-commit-config.yaml" && s.reason.contains("binary")),
        "{:?}",
        inventory.skipped
    );
    let mut matched = 0;
    for (position, file) in inventory.files.iter().enumerate() {
        let expected = catalog.index.globs.matches(&file.path).files;
        let found = scans.file_signals(catalog, position, &file.path);
        assert_eq!(found.as_ref(), expected.as_slice(), "{}", file.path);
        matched += usize::from(!found.is_empty());
    }
    let unread = inventory.position(".pre-commit-config.yaml").unwrap();
    assert!(
        !scans
            .file_signals(catalog, unread, ".pre-commit-config.yaml")
            .is_empty()
    );
    assert!(matched >= 2, "{matched}");
}
