//! Report claims on packages and command-line tools, whose release is their deployment (a Go
//! tool released with goreleaser, a Python package published to PyPI), that a reading tuned
//! to deployed services got wrong.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{DOCKERFILE, assess_files, expect, practice};
use shipready::assessment::model::Assessment;
use shipready::evidence::State;

/// A Python package: its metadata and one module.
const PACKAGE: &[(&str, &str)] = &[
    (
        "pyproject.toml",
        "[project]\nname = \"tidy\"\nversion = \"1.2.0\"\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
    ),
    (
        "src/tidy/__init__.py",
        "def tidy(text):\n    return text.strip()\n",
    ),
];

/// A release workflow that builds the package and uploads it with the PyPI publish action
/// (`uses` and `with` as given) from a job granted `permissions`.
fn release_workflow(uses: &str, permissions: &str, with: &str) -> String {
    format!(
        "name: Release\non:\n  release:\n    types: [published]\npermissions: {{}}\njobs:\n  \
         upload-pypi:\n    runs-on: ubuntu-latest\n    environment:\n      name: pypi\n    \
         permissions:\n{permissions}    steps:\n      - uses: actions/checkout@v4\n      \
         - run: pipx run build\n      - uses: {uses}\n{with}"
    )
}

fn published_with(uses: &str, permissions: &str, with: &str) -> Assessment {
    let workflow = release_workflow(uses, permissions, with);
    let mut files = PACKAGE.to_vec();
    files.push((".github/workflows/release.yaml", &workflow));
    assess_files(&files)
}

/// Since v1.11.0 the PyPI publish action signs PEP 740 attestations of what it uploads
/// whenever it publishes with Trusted Publishing (`id-token: write`, no password): the release
/// is signed and has signed provenance. Without them the reason names what is missing here,
/// never the catalog's sentence about BuildKit or self-hosted runners.
#[test]
fn pypi_trusted_publishing_attests_the_release() {
    let trusted = "      id-token: write\n";
    let pinned = "pypa/gh-action-pypi-publish@cef221092ed1bacb1cc03d23a2d87d1d172e277b # v1.14.0";
    let found = published_with(
        pinned,
        trusted,
        "        with:\n          print-hash: true\n",
    );
    for id in ["SEC-23", "SEC-25", "SEC-26"] {
        expect(&found, id, State::Present, &[]);
        let cited = &practice(&found, id).evidence[0];
        assert_eq!(
            (cited.location.path.as_str(), cited.location.line),
            (".github/workflows/release.yaml", 16),
            "{id}: {cited:#?}"
        );
        assert!(cited.summary.contains("v1.14.0"), "{id}: {}", cited.summary);
    }
    let branch = published_with("pypa/gh-action-pypi-publish@release/v1", trusted, "");
    expect(&branch, "SEC-26", State::Present, &[]);

    // What keeps attestations out, each said in place of the catalog's generic sentence.
    let generic = "BuildKit";
    let off = published_with(
        "pypa/gh-action-pypi-publish@v1.12.4",
        trusted,
        "        with:\n          attestations: false\n",
    );
    let token = published_with(
        "pypa/gh-action-pypi-publish@v1.12.4",
        "      contents: read\n",
        "        with:\n          password: ${{ secrets.PYPI_TOKEN }}\n",
    );
    let old = published_with("pypa/gh-action-pypi-publish@v1.10.3", trusted, "");
    let unnamed = published_with(
        "pypa/gh-action-pypi-publish@cef221092ed1bacb1cc03d23a2d87d1d172e277b",
        trusted,
        "",
    );
    for (found, state, says) in [
        (&off, State::Mentioned, "`attestations: false`"),
        (&token, State::Mentioned, "password"),
        (
            &old,
            State::Mentioned,
            "v1.10.3, which predates attestations",
        ),
        (&unnamed, State::Partial, "names no version"),
    ] {
        for id in ["SEC-23", "SEC-25", "SEC-26"] {
            expect(found, id, state, &[says]);
            let reason = practice(found, id).reason.clone().unwrap_or_default();
            assert!(!reason.contains(generic), "{id}: {reason}");
        }
    }
}

/// A Go command-line tool released by goreleaser from a tag, in the `production` environment.
const GO_TOOL: &[(&str, &str)] = &[
    (
        "go.mod",
        "module github.com/acme/tidy\n\ngo 1.22\n\nrequire github.com/henvic/httpretty v0.1.4\n",
    ),
    (
        "cmd/tidy/main.go",
        "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"tidy\")\n}\n",
    ),
    (
        ".goreleaser.yml",
        "version: 2\nbuilds:\n  - main: ./cmd/tidy\n    goos: [linux, darwin, windows]\n",
    ),
    (
        ".github/workflows/release.yml",
        "name: Release\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: write\njobs:\n  \
         goreleaser:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - uses: actions/checkout@v4\n      \
         - uses: actions/setup-go@v5\n      - uses: goreleaser/goreleaser-action@v6\n        with:\n          \
         args: release --clean\n        env:\n          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
    ),
];

fn go_tool_with(more: &[(&str, &str)]) -> Assessment {
    let mut files = GO_TOOL.to_vec();
    files.extend_from_slice(more);
    assess_files(&files)
}

/// httpretty prints HTTP traffic for debugging, with a formatter that indents JSON bodies:
/// a `JSONFormatter` of a package that is not a logger is not structured logging. Logrus's
/// is. (The tool ships an image here, so that it runs as a service and logging applies.)
#[test]
fn an_http_pretty_printer_is_not_structured_logging() {
    let debug = "package authflow\n\nimport \"github.com/henvic/httpretty\"\n\nfunc verboseLog(out io.Writer) http.RoundTripper {\n\t\
        logger := &httpretty.Logger{\n\t\tTime: true,\n\t\tFormatters: []httpretty.Formatter{&httpretty.JSONFormatter{}},\n\t}\n\t\
        logger.SetOutput(out)\n\treturn logger.RoundTripper(http.DefaultTransport)\n}\n";
    let found = go_tool_with(&[
        ("internal/authflow/flow.go", debug),
        ("Dockerfile", DOCKERFILE),
    ]);
    expect(&found, "MON-01", State::Absent, &[]);

    let logrus = "package main\n\nimport log \"github.com/sirupsen/logrus\"\n\nfunc init() {\n\t\
        log.SetFormatter(&log.JSONFormatter{})\n}\n";
    let found = go_tool_with(&[("cmd/tidy/logging.go", logrus), ("Dockerfile", DOCKERFILE)]);
    expect(&found, "MON-01", State::Present, &[]);
    let aliased =
        "func init() {\n\tlogger.SetFormatter(&logger.JSONFormatter{PrettyPrint: false})\n}\n";
    let found = go_tool_with(&[("cmd/tidy/logging.go", aliased), ("Dockerfile", DOCKERFILE)]);
    expect(&found, "MON-01", State::Present, &[]);
}

/// `--generate-notes` asks `gh release create` to write the notes from the merged pull
/// requests; a release script often collects its arguments in an array first, one per line.
#[test]
fn generated_notes_passed_through_an_argument_array_are_seen() {
    let workflow = "name: Deployment\non:\n  workflow_dispatch:\n    inputs:\n      tag_name:\n        required: true\n\
        permissions:\n  contents: write\njobs:\n  release:\n    runs-on: ubuntu-latest\n    environment: production\n    \
        steps:\n      - uses: actions/checkout@v4\n      - uses: goreleaser/goreleaser-action@v6\n        with:\n          \
        args: release --clean --skip=publish\n      - name: Create the release\n        env:\n          \
        TAG_NAME: ${{ inputs.tag_name }}\n          GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n        run: |\n          \
        release_args=(\n            \"$TAG_NAME\"\n            --title \"Tidy ${TAG_NAME#v}\"\n            \
        --target \"$GITHUB_SHA\"\n            --generate-notes\n          )\n          \
        if [[ $TAG_NAME == *-* ]]; then\n            release_args+=( --prerelease )\n          fi\n          \
        gh release create \"${release_args[@]}\" -- dist/tidy_*\n";
    let found = go_tool_with(&[(".github/workflows/deployment.yml", workflow)]);
    expect(&found, "AUT-15", State::Present, &[]);
    let cited = &practice(&found, "AUT-15").evidence[0].location;
    assert_eq!(
        (cited.path.as_str(), cited.line),
        (".github/workflows/deployment.yml", 27)
    );
}

/// For a tool whose release is its deployment, the release guide is the deployment guide:
/// Partial while nothing shows it covers taking a bad release back, Present when it does.
/// Release notes are not a guide.
#[test]
fn a_release_guide_documents_the_deployment() {
    let guide = "# Releasing\n\nTo start a new production release:\n```sh\nscript/release vX.Y.Z\n```\n\n\
        This builds the binaries, signs them and uploads them to a new GitHub Release.\n";
    let found = go_tool_with(&[("docs/releasing.md", guide)]);
    expect(
        &found,
        "DEP-02",
        State::Partial,
        &["taking a bad release back"],
    );
    assert_eq!(
        practice(&found, "DEP-02").evidence[0].location.path,
        "docs/releasing.md"
    );

    let with_rollback = format!(
        "{guide}\n## Rolling back\n\nDelete the release and its tag, then re-publish the previous one.\n"
    );
    let found = go_tool_with(&[("RELEASING.md", &with_rollback)]);
    expect(&found, "DEP-02", State::Present, &[]);

    let notes = "# Release notes\n\n## v1.2.0\n\n- Faster tidying\n";
    let found = go_tool_with(&[("docs/release-notes.md", notes)]);
    expect(&found, "DEP-02", State::Absent, &[]);
}

/// `if: '!failure()'` runs a job when nothing before it failed: the opposite of a step that
/// reports failures. Only an un-negated `failure()` is a failure handler.
#[test]
fn a_negated_failure_condition_is_not_a_failure_notification() {
    let workflow = |condition: &str| {
        format!(
            "name: Tests\non:\n  pull_request:\n  push:\n    branches: [main]\npermissions: {{}}\njobs:\n  \
             lockfile:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
             - run: pipx run poetry check --lock\n  tests:\n    needs: lockfile\n    if: {condition}\n    \
             runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pipx run tox\n"
        )
    };
    for negated in [
        "'!failure()'",
        "${{ ! failure() }}",
        "${{ !failure() && !cancelled() }}",
    ] {
        let text = workflow(negated);
        let mut files = PACKAGE.to_vec();
        files.push((".github/workflows/tests.yaml", &text));
        expect(&assess_files(&files), "AUT-22", State::Absent, &[]);
    }
    let text = workflow("failure()");
    let mut files = PACKAGE.to_vec();
    files.push((".github/workflows/tests.yaml", &text));
    expect(&assess_files(&files), "AUT-22", State::Partial, &[]);
}

/// A factory in the product's own code (Poetry's `Factory` builds projects from
/// pyproject.toml) is not test data; factories count under the tests. A `fixtures` folder is
/// test data wherever it sits (Go keeps it beside the package's tests).
#[test]
fn factories_count_only_among_the_tests() {
    let product =
        "class Factory:\n    def create_poetry(self, cwd=None):\n        return Poetry(cwd)\n";
    let test = "def test_tidy():\n    assert tidy(' a ') == 'a'\n";
    let found = assess_files(&[
        PACKAGE[0],
        PACKAGE[1],
        ("src/tidy/factory.py", product),
        ("tests/test_tidy.py", test),
    ]);
    expect(&found, "TST-16", State::Absent, &[]);

    let factories = "import factory\n\nclass ProjectFactory(factory.Factory):\n    name = 'demo'\n";
    let found = assess_files(&[
        PACKAGE[0],
        PACKAGE[1],
        ("src/tidy/factory.py", product),
        ("tests/test_tidy.py", test),
        ("tests/factories.py", factories),
    ]);
    expect(&found, "TST-16", State::Present, &[]);
    assert_eq!(
        practice(&found, "TST-16").evidence[0].location.path,
        "tests/factories.py"
    );
    let found = assess_files(&[
        PACKAGE[0],
        PACKAGE[1],
        ("tests/test_tidy.py", test),
        ("tests/fixtures/simple_project/pyproject.toml", PACKAGE[0].1),
    ]);
    expect(
        &found,
        "TST-16",
        State::Partial,
        &["committed fixture files"],
    );
    let found = go_tool_with(&[
        ("pkg/cmd/list/list_test.go", "package list\n"),
        ("pkg/cmd/list/fixtures/issueList.json", "{\"data\": []}\n"),
    ]);
    expect(
        &found,
        "TST-16",
        State::Partial,
        &["committed fixture files"],
    );
}

/// The rules of the excessive-permissions finding hold for AUT-06 too: a workflow run only
/// through `workflow_call` gets its caller's token, and write scopes at the top of a
/// one-job workflow reach only the job that needs them.
#[test]
fn least_privilege_exempts_what_the_permissions_finding_exempts() {
    let tests = "name: Tests\non:\n  pull_request:\n  push:\n    branches: [main]\npermissions: {}\njobs:\n  \
        tests-matrix:\n    uses: ./.github/workflows/.tests-matrix.yaml\n    with:\n      python-version: '3.12'\n";
    let matrix = "name: Tests matrix\non:\n  workflow_call:\n    inputs:\n      python-version:\n        \
        type: string\njobs:\n  pytest:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: pipx run tox\n";
    let bump = "name: Bump formula\non:\n  release:\n    types: [published]\npermissions:\n  contents: write\njobs:\n  \
        bump:\n    runs-on: ubuntu-latest\n    steps:\n      - run: gh release upload \"$TAG\" dist/*\n";
    let mut files = PACKAGE.to_vec();
    files.extend([
        (".github/workflows/tests.yaml", tests),
        (".github/workflows/.tests-matrix.yaml", matrix),
        (".github/workflows/bump.yaml", bump),
    ]);
    expect(&assess_files(&files), "AUT-06", State::Present, &[]);

    let shared = "name: Release\non:\n  push:\n    tags: ['v*']\npermissions:\n  contents: write\njobs:\n  \
        build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pipx run build\n  publish:\n    needs: build\n    \
        runs-on: ubuntu-latest\n    steps:\n      - run: gh release create \"$GITHUB_REF_NAME\" dist/*\n";
    files.push((".github/workflows/release.yaml", shared));
    let found = assess_files(&files);
    expect(
        &found,
        "AUT-06",
        State::Partial,
        &[
            "write scopes granted at workflow level reach every job in .github/workflows/release.yaml",
        ],
    );
    let reason = practice(&found, "AUT-06")
        .reason
        .clone()
        .unwrap_or_default();
    assert!(!reason.contains("bump.yaml"), "{reason}");
    assert!(!reason.contains("tests-matrix"), "{reason}");
}

/// A repository that builds no container image has no image to scan before its release: the
/// control is not applicable, as the container-scan gate and practice already say.
#[test]
fn a_release_without_containers_needs_no_image_scan() {
    let found = go_tool_with(&[]);
    let path = (found.production_paths.iter())
        .find(|p| p.job == "goreleaser")
        .expect("the release is a production path");
    let scan = (path.controls.iter())
        .find(|c| c.control == "image scan")
        .expect("an image scan control");
    assert_eq!(
        scan.status,
        shipready::evidence::production::ControlStatus::NotApplicable,
        "{scan:#?}"
    );
    assert!(
        scan.detail.contains("no container image"),
        "{}",
        scan.detail
    );

    let found = go_tool_with(&[("Dockerfile", DOCKERFILE)]);
    let path = (found.production_paths.iter())
        .find(|p| p.job == "goreleaser")
        .expect("the release is a production path");
    let scan = (path.controls.iter())
        .find(|c| c.control == "image scan")
        .expect("an image scan control");
    assert_eq!(
        scan.status,
        shipready::evidence::production::ControlStatus::Missing
    );
}

/// Projects a test suite builds (`tests/fixtures/<case>/pyproject.toml`, a broken
/// `poetry.lock` it must reject) are test data, not the repository's own manifests and
/// lockfiles; the packages of a monorepo are its own. An action used by several jobs runs
/// one install line, cited once.
#[test]
fn test_fixture_projects_are_not_the_repositorys_manifests() {
    let install = "name: Install\nruns:\n  using: composite\n  steps:\n    - run: poetry install ${ARGS}\n      \
        shell: bash\n";
    let job = |name: &str| {
        format!(
            "  {name}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
             - uses: ./.github/actions/poetry-install\n      - run: poetry run pytest\n"
        )
    };
    let workflow = format!(
        "name: Tests\non:\n  pull_request:\npermissions: {{}}\njobs:\n{}{}",
        job("unit"),
        job("integration")
    );
    let lock =
        "# This file is automatically @generated by Poetry and should not be changed by hand.\n";
    let found = assess_files(&[
        PACKAGE[0],
        PACKAGE[1],
        ("poetry.lock", lock),
        ("tests/test_tidy.py", "def test_tidy():\n    pass\n"),
        ("tests/fixtures/invalid_lock/pyproject.toml", PACKAGE[0].1),
        (
            "tests/fixtures/invalid_lock/poetry.lock",
            "This lock file is broken!\n",
        ),
        (
            "test/fixtures/app/package.json",
            "{\"dependencies\": {\"left-pad\": \"1.0.0\"}}\n",
        ),
        ("src/tidy/testdata/go.mod", "module example.com/fixture\n"),
        ("web/__fixtures__/package-lock.json", "{}\n"),
        ("packages/web/package.json", "{\"name\": \"web\"}\n"),
        (
            "packages/web/package-lock.json",
            "{\"lockfileVersion\": 3}\n",
        ),
        (".github/actions/poetry-install/action.yaml", install),
        (".github/workflows/tests.yaml", &workflow),
    ]);
    let group = |kind: &str| {
        (found.inventory.groups.iter())
            .find(|g| g.kind == kind)
            .map(|g| g.paths.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        group("Dependency manifests"),
        ["packages/web/package.json", "pyproject.toml"]
    );
    assert_eq!(
        group("Lockfiles"),
        ["packages/web/package-lock.json", "poetry.lock"]
    );
    let cited: Vec<(String, usize)> = (practice(&found, "AUT-04").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line))
        .collect();
    assert!(
        cited.iter().all(|(path, _)| !path.contains("fixtures")),
        "{cited:?}"
    );
    let installs = (cited.iter())
        .filter(|(path, _)| path.ends_with("action.yaml"))
        .count();
    assert_eq!(installs, 1, "{cited:?}");
}

/// pytest-cov among the test dependencies and `[tool.coverage]` settings show coverage is
/// meant to be measured; with no CI step measuring it that is Mentioned, not nothing.
#[test]
fn coverage_configured_but_never_run_is_mentioned() {
    let pyproject = "[project]\nname = \"tidy\"\nversion = \"1.2.0\"\n\n[tool.poetry.group.test.dependencies]\n\
        coverage = \">=7.2.0\"\npytest = \">=8.0\"\npytest-cov = \">=4.0\"\n\n[tool.coverage.report]\n\
        exclude_also = [\"if TYPE_CHECKING:\"]\n";
    let workflow = "name: Tests\non:\n  pull_request:\npermissions: {}\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    \
        steps:\n      - uses: actions/checkout@v4\n      - run: pipx run poetry install\n      - run: poetry run pytest\n";
    let files = [
        ("pyproject.toml", pyproject),
        PACKAGE[1],
        ("tests/test_tidy.py", "def test_tidy():\n    pass\n"),
        (".github/workflows/tests.yaml", workflow),
    ];
    let found = assess_files(&files);
    expect(&found, "TST-03", State::Mentioned, &["no CI step"]);

    let without = pyproject.replace(
        "\n[tool.coverage.report]\nexclude_also = [\"if TYPE_CHECKING:\"]\n",
        "",
    );
    let found = assess_files(&[("pyproject.toml", &without), files[1], files[2], files[3]]);
    expect(&found, "TST-03", State::Mentioned, &["no CI step"]);
}

/// A command-line tool released as binaries and a library published to PyPI are deployable
/// (they release through an environment) but run as no service: health checks, rollback,
/// alerting and SLOs do not apply, and neither do their gates. The same release job in a
/// Flask application, a job that runs `kubectl apply`, or code that answers health checks
/// makes it a service.
#[test]
fn packages_and_tools_released_are_not_services() {
    let release = "name: Release\non:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    \
        environment: production\n    permissions:\n      contents: write\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: goreleaser release --clean\n";
    let pypi = "name: Publish\non:\n  release:\n    types: [published]\njobs:\n  upload:\n    runs-on: ubuntu-latest\n    \
        environment: pypi\n    permissions:\n      id-token: write\n    steps:\n      - uses: actions/checkout@v4\n      \
        - run: pipx run build\n      - uses: pypa/gh-action-pypi-publish@release/v1\n";
    let tool = assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
        (".github/workflows/release.yml", release),
    ]);
    let library = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"lib\"\nversion = \"1.0\"\ndependencies = [\"requests\"]\n",
        ),
        ("src/lib/__init__.py", "def f():\n    return 1\n"),
        (".github/workflows/publish.yml", pypi),
    ]);
    for (name, found) in [("tool", &tool), ("library", &library)] {
        for id in ["DEP-05", "DEP-09", "MON-08", "MON-10", "MON-12", "TST-10"] {
            assert_eq!(
                practice(found, id).state,
                State::NotApplicable,
                "{name} {id}"
            );
        }
        // Releasing stays assessed.
        assert_ne!(
            practice(found, "DEP-01").state,
            State::NotApplicable,
            "{name}"
        );
        for gate in ["G-09", "G-10", "G-11"] {
            let status = found.gates.iter().find(|g| g.id == gate).unwrap().status;
            assert_eq!(
                status,
                shipready::assessment::model::GateStatus::NotApplicable,
                "{name} {gate}"
            );
        }
    }

    let web = assess_files(&[
        (
            "pyproject.toml",
            "[project]\nname = \"web\"\nversion = \"1.0\"\ndependencies = [\"flask\"]\n",
        ),
        ("app.py", "from flask import Flask\napp = Flask(__name__)\n"),
        (".github/workflows/publish.yml", pypi),
    ]);
    assert_ne!(practice(&web, "DEP-05").state, State::NotApplicable);
    let kubectl = release.replace("goreleaser release --clean", "kubectl apply -f deploy/");
    let cluster = assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("go.mod", "module example.com/svc\n\ngo 1.22\n"),
        (".github/workflows/release.yml", &kubectl),
    ]);
    assert_ne!(practice(&cluster, "MON-10").state, State::NotApplicable);
    // A Go program on the standard library that answers health checks is a server, released
    // the same way.
    let server = assess_files(&[
        (
            "main.go",
            "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/healthz\", ok)\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
        ),
        ("go.mod", "module example.com/svc\n\ngo 1.22\n"),
        (".github/workflows/release.yml", release),
    ]);
    assert_ne!(practice(&server, "DEP-05").state, State::NotApplicable);
}

/// goreleaser's action asked only to install the tool releases nothing: the release is the
/// later `gh release create`, and the jobs that only build with it are no release jobs.
#[test]
fn an_action_that_only_installs_its_tool_does_not_release() {
    let workflow = "name: Deploy\non:\n  push:\n    tags: ['v*']\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      \
        - uses: actions/checkout@v4\n      - uses: goreleaser/goreleaser-action@v6\n        with:\n          install-only: true\n      \
        - run: goreleaser build --snapshot --clean\n  release:\n    needs: build\n    runs-on: ubuntu-latest\n    \
        permissions:\n      contents: write\n    steps:\n      - run: gh release create \"$GITHUB_REF_NAME\" dist/*\n";
    let found = assess_files(&[
        ("main.go", "package main\n\nfunc main() {}\n"),
        ("go.mod", "module example.com/tool\n\ngo 1.22\n"),
        (".github/workflows/deploy.yml", workflow),
    ]);
    let releases = practice(&found, "AUT-14");
    let cited: Vec<usize> = (releases.evidence.iter())
        .filter(|e| e.location.path == ".github/workflows/deploy.yml")
        .map(|e| e.location.line)
        .collect();
    assert!(cited.contains(&20) && !cited.contains(&10), "{releases:#?}");
}

/// The line and snippet each practice cites for `dependency NAME declared` in `path`.
fn dependency_cited(found: &Assessment, id: &str, path: &str, name: &str) -> (usize, String) {
    let summary = format!("dependency {name} declared");
    let evidence = (practice(found, id).evidence.iter())
        .find(|e| e.location.path == path && e.summary == summary)
        .unwrap_or_else(|| panic!("{id}: no {summary:?} in {path}"));
    (evidence.location.line, evidence.snippet.clone())
}

/// pip-compile and uv write, under each pin, the packages that required it (`# via pytest`,
/// `#   opentelemetry-api`); package.json lists `@nx/jest` before `jest`. A dependency is
/// cited at its own pin or key, never at a comment or a longer name that contains it.
#[test]
fn dependencies_are_cited_where_they_are_declared() {
    let loadgenerator = "# This file was autogenerated by uv via the following command:\n\
        #    uv pip compile requirements.in -o requirements.txt\n\
        iniconfig==2.1.0\n    # via pytest\n\
        locust==2.43.0\n    # via -r requirements.in\n\
        packaging==25.0\n    # via pytest\n\
        pytest==8.4.2\n    # via locust\n";
    let emailservice = "# This file was autogenerated by uv via the following command:\n\
        #    uv pip compile requirements.in -o requirements.txt\n\
        deprecated==1.2.14\n    # via\n    #   opentelemetry-api\n    #   opentelemetry-exporter-otlp-proto-grpc\n\
        opentelemetry-api==1.39.1\n    # via\n    #   opentelemetry-distro\n\
        opentelemetry-distro==0.60b1\n    # via -r requirements.in\n";
    let package = "{\n  \"name\": \"@api/source\",\n  \"scripts\": {\"test\": \"nx test\"},\n  \
        \"devDependencies\": {\n    \"@nx/jest\": \"17.2.6\",\n    \"@types/jest\": \"^29.4.0\",\n    \
        \"jest\": \"^29.4.1\"\n  }\n}\n";
    let found = assess_files(&[
        ("src/loadgenerator/requirements.txt", loadgenerator),
        ("src/emailservice/requirements.txt", emailservice),
        ("src/emailservice/Dockerfile", DOCKERFILE),
        ("package.json", package),
    ]);

    let pytest = dependency_cited(
        &found,
        "TST-01",
        "src/loadgenerator/requirements.txt",
        "pytest",
    );
    assert_eq!(pytest, (9, "pytest==8.4.2".to_string()));
    let jest = dependency_cited(&found, "TST-01", "package.json", "jest");
    assert_eq!(jest, (7, "\"jest\": \"^29.4.1\"".to_string()));
    let api = dependency_cited(
        &found,
        "MON-07",
        "src/emailservice/requirements.txt",
        "opentelemetry-api",
    );
    assert_eq!(api, (7, "opentelemetry-api==1.39.1".to_string()));
}

/// A requirements file uv or pip-compile wrote pins every version the services install: it
/// is their Python lockfile. The Go services' `go test` fetches modules only at the versions
/// go.sum pins, which is what it is cited for, not as an install.
#[test]
fn compiled_requirements_are_the_python_lockfile() {
    let compiled = "# This file was autogenerated by uv via the following command:\n\
        #    uv pip compile requirements.in -o requirements.txt\n\
        locust==2.43.0\n    # via -r requirements.in\n\
        pytest==8.4.2\n    # via locust\n";
    let workflow = "name: CI\non:\n  pull_request:\npermissions: {}\njobs:\n  code-tests:\n    \
        runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      \
        - uses: actions/setup-go@v6\n      - name: Go Unit Tests\n        run: |\n          \
        cd src/shippingservice\n          go test\n";
    let repository = |requirements: &str| {
        assess_files(&[
            ("src/loadgenerator/requirements.in", "locust==2.43.0\n"),
            ("src/loadgenerator/requirements.txt", requirements),
            ("src/loadgenerator/Dockerfile", DOCKERFILE),
            (
                "src/shippingservice/go.mod",
                "module example.com/shipping\n\ngo 1.22\n",
            ),
            (
                "src/shippingservice/go.sum",
                "cel.dev/expr v0.25.1 h1:1KrZg61W6TWSxuNZ37Xy49ps13NUovb66QLprthtwi4=\n",
            ),
            (".github/workflows/ci.yaml", workflow),
        ])
    };

    let found = repository(compiled);
    expect(&found, "AUT-04", State::Present, &[]);
    let cited: Vec<(String, usize, String)> = (practice(&found, "AUT-04").evidence.iter())
        .map(|e| (e.location.path.clone(), e.location.line, e.summary.clone()))
        .collect();
    assert_eq!(
        cited,
        [
            (
                "src/loadgenerator/requirements.txt".to_string(),
                1,
                "lockfile src/loadgenerator/requirements.txt: requirements compiled by uv, \
                 every version pinned"
                    .to_string()
            ),
            (
                "src/shippingservice/go.sum".to_string(),
                1,
                "lockfile src/shippingservice/go.sum".to_string()
            ),
            (
                ".github/workflows/ci.yaml".to_string(),
                14,
                "CI builds with the Go modules go.sum pins (the go command checks them and \
                 will not change go.mod or go.sum)"
                    .to_string()
            ),
        ]
    );
    let lockfiles = (found.inventory.groups.iter())
        .find(|g| g.kind == "Lockfiles")
        .map(|g| g.paths.clone())
        .unwrap_or_default();
    assert_eq!(
        lockfiles,
        [
            "src/loadgenerator/requirements.txt",
            "src/shippingservice/go.sum"
        ]
    );

    // Edited by hand after compiling, one requirement a range: no longer a lockfile.
    let edited = compiled.replace("pytest==8.4.2", "pytest>=8");
    expect(
        &repository(&edited),
        "AUT-04",
        State::Partial,
        &["no lockfile for python"],
    );
}
