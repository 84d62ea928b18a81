//! Matching the catalog's data signals — actions, commands, GitLab templates, files, file
//! content, dependencies and application code — against the repository. File content and
//! code were searched by the text pass as each file was read (`text`); this turns its hits
//! into evidence.

mod ci;
pub mod text;

use std::collections::BTreeMap;

use super::{Confidence, Evidence, Facts, PracticeEvidence, State};
use crate::catalog::{Catalog, Owner, Practice, Requirement, SignalState};
use crate::source::Location;
use text::{SignalHit, SignalList};

pub(crate) use ci::{runs_only_tests, step_evidence};

pub fn match_signals(catalog: &Catalog, facts: &Facts) -> BTreeMap<String, PracticeEvidence> {
    // Each kind of signal is matched on its own thread; the evidence is then put together
    // in one fixed order, so the report does not depend on which finished first.
    let ((ci, files), (content, (code, dependencies))) = rayon::join(
        || {
            rayon::join(
                || {
                    collect(|mut add| {
                        ci::ci_signals(catalog, facts, &mut add);
                        ci::template_signals(catalog, facts, &mut add);
                    })
                },
                || collect(|mut add| file_signals(catalog, facts, &mut add)),
            )
        },
        || {
            rayon::join(
                || collect(|mut add| content_signals(catalog, facts, &mut add)),
                || {
                    rayon::join(
                        || collect(|mut add| code_signals(catalog, facts, &mut add)),
                        || collect(|mut add| dependency_signals(catalog, facts, &mut add)),
                    )
                },
            )
        },
    );
    let mut found: BTreeMap<String, PracticeEvidence> = BTreeMap::new();
    for (practice, evidence) in [ci, files, content, code, dependencies]
        .into_iter()
        .flatten()
    {
        found.entry(practice).or_default().evidence.push(evidence);
    }
    found
}

/// The evidence one kind of signal adds, by practice id, in the order it was added.
fn collect(signals: impl FnOnce(&mut dyn FnMut(&Practice, Evidence))) -> Vec<(String, Evidence)> {
    let mut out = Vec::new();
    signals(&mut |practice: &Practice, evidence| out.push((practice.id.clone(), evidence)));
    out
}

/// `owner/repo` matches `owner/repo` and `owner/repo/path`, never `owner/repository`.
pub fn uses_matches(uses: &str, prefix: &str) -> bool {
    let (uses, prefix) = (uses.as_bytes(), prefix.as_bytes());
    uses.len() >= prefix.len()
        && uses[..prefix.len()].eq_ignore_ascii_case(prefix)
        && (uses.len() == prefix.len() || uses[prefix.len()] == b'/')
}

fn state_of(signal: SignalState) -> State {
    match signal {
        SignalState::Present => State::Present,
        SignalState::Partial => State::Partial,
        SignalState::Mentioned => State::Mentioned,
    }
}

fn file_signals(catalog: &Catalog, facts: &Facts, add: &mut impl FnMut(&Practice, Evidence)) {
    let index = &catalog.index;
    let mut seen = std::collections::BTreeSet::new();
    // Every file, read or not: a JMeter plan or a dashboard screenshot counts by its path.
    for (position, file) in facts.inventory.files.iter().enumerate() {
        let reference = is_reference_material(&file.path);
        if is_migration_metadata(&file.path) {
            continue;
        }
        for &signal in facts
            .scans
            .file_signals(catalog, position, &file.path)
            .iter()
        {
            let owner = &index.file_owners[signal];
            if reference && !owner.in_reference_folders {
                continue;
            }
            let practice = &catalog.practices[owner.practice];
            if !seen.insert((owner.practice, file.path.as_str())) {
                continue;
            }
            let state = state_of(owner.state);
            add(
                practice,
                Evidence {
                    state,
                    location: Location::file(&file.path),
                    snippet: String::new(),
                    summary: format!("{} exists", file.path),
                    reason: signal_reason(practice, owner.state, owner.note.as_deref()),
                    confidence: Confidence::Medium,
                },
            );
        }
    }
}

fn content_signals(catalog: &Catalog, facts: &Facts, add: &mut impl FnMut(&Practice, Evidence)) {
    let index = &catalog.index;
    for (file, hit) in facts.scans.signals(facts.inventory, SignalList::Content) {
        let owner = &index.content_owners[hit.signal];
        let practice = &catalog.practices[owner.practice];
        let summary = match &owner.summary {
            Some(shows) => format!("{shows}, in {}", file.path),
            None => format!("configured in {}", file.path),
        };
        let mut evidence = hit_evidence(practice, owner, hit, summary);
        if let Some(job) = environment_without_deploy(facts, &file.path, hit.location.line) {
            // The job names an environment to reach its secrets or cluster and deploys
            // nothing (it removes a preview, say): it records no deployment. A deploy job's
            // `environment:` further on, if the signal matches one, stands for the file.
            match later_deploy_environment(facts, index, hit, &file.path) {
                Some(location) => {
                    evidence.snippet = facts.snippet(&location);
                    evidence.location = location;
                }
                None => {
                    evidence.state = State::Mentioned;
                    evidence.reason = Some(format!(
                        "job {} names an environment but deploys nothing: it records no deployment",
                        job.id
                    ));
                }
            }
        }
        if practice.requires.contains(&Requirement::Published)
            && let Some(job) = facts.pipelines.job_at(&file.path, hit.location.line)
            && let Some(build) = facts.unpushed_image_build(job)
        {
            evidence.state = State::Mentioned;
            evidence.reason = Some(format!(
                "job {} builds the image without pushing it ({}:{}): its tags name an image no environment can pull",
                job.id, build.path, build.line
            ));
        }
        add(practice, evidence);
    }
}

/// The job whose `environment:` is at `line` of a pipeline file, when that job deploys nothing.
fn environment_without_deploy<'f>(
    facts: &'f Facts,
    path: &str,
    line: usize,
) -> Option<&'f crate::pipeline::Job> {
    let job = facts.pipelines.job_at(path, line)?;
    job.environment.as_ref()?;
    let text = facts.inventory.get(path)?.text.as_deref()?;
    let written = text.lines().nth(line.checked_sub(1)?)?.trim_start();
    let written = written.strip_prefix("- ").unwrap_or(written).trim_start();
    (written.starts_with("environment:") && !crate::pipeline::is_deploy_job(job)).then_some(job)
}

/// Where the signal of `hit` next matches in its file outside the `environment:` of jobs that
/// deploy nothing.
fn later_deploy_environment(
    facts: &Facts,
    index: &crate::catalog::SignalIndex,
    hit: &SignalHit,
    path: &str,
) -> Option<Location> {
    let regex = index.content_regexes[hit.signal].get()?;
    let text = facts.inventory.get(path)?.text.as_deref()?;
    let found = first_outside_comments_where(regex, text, path, |m| {
        let line = 1 + text.as_bytes()[..m.start()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        environment_without_deploy(facts, path, line).is_none()
    })?;
    Some(location_at(path, text, found.start(), found.end()))
}

/// Evidence for a signal the text pass found.
fn hit_evidence(practice: &Practice, owner: &Owner, hit: &SignalHit, summary: String) -> Evidence {
    Evidence {
        state: state_of(owner.state),
        snippet: hit.snippet.clone(),
        location: hit.location.clone(),
        summary,
        reason: signal_reason(practice, owner.state, owner.note.as_deref()),
        confidence: Confidence::Medium,
    }
}

/// The first match that is not on a commented-out line: `// coverageThreshold: ...` or
/// `# sentry_sdk.init(...)` configures nothing.
/// In prose (Markdown and the like) a `#` starts a heading, not a comment, and in CODEOWNERS
/// only `#` starts one.
pub(super) fn first_outside_comments<'t>(
    regex: &regex::bytes::Regex,
    text: &'t str,
    path: &str,
) -> Option<regex::bytes::Match<'t>> {
    first_outside_comments_where(regex, text, path, |_| true)
}

/// The first match that is not on a commented-out line and that `wanted` takes.
fn first_outside_comments_where<'t>(
    regex: &regex::bytes::Regex,
    text: &'t str,
    path: &str,
    wanted: impl Fn(&regex::bytes::Match<'t>) -> bool,
) -> Option<regex::bytes::Match<'t>> {
    let prose = [".md", ".mdx", ".rst", ".txt", ".adoc", ".org"]
        .iter()
        .any(|e| path.to_ascii_lowercase().ends_with(e));
    // In CODEOWNERS `* @team` is the catch-all rule, not a comment line.
    let codeowners = path
        .rsplit('/')
        .next()
        .is_some_and(|name| name.eq_ignore_ascii_case("CODEOWNERS"));
    let markers: &[&str] = if prose {
        &["<!--"]
    } else if codeowners {
        &["#"]
    } else {
        &["//", "#", "/*", "* ", "<!--", "--", ";"]
    };
    let bytes = text.as_bytes();
    regex.find_iter(bytes).take(64).find(|m| {
        let line_start = bytes[..m.start()]
            .iter()
            .rposition(|b| *b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        let line = bytes[line_start..].trim_ascii_start();
        !markers.iter().any(|c| line.starts_with(c.as_bytes())) && wanted(m)
    })
}

/// Why a file, content, dependency or code signal earns less than full credit: the signal's
/// own note, else the practice's partial-credit description, else a generic sentence.
fn signal_reason(practice: &Practice, state: SignalState, note: Option<&str>) -> Option<String> {
    match (state, note) {
        (SignalState::Present, _) => None,
        (_, Some(note)) => Some(note.to_string()),
        (SignalState::Partial, None) if !practice.partial_when.is_empty() => {
            Some(practice.partial_when.clone())
        }
        (SignalState::Partial, None) => {
            Some("covers only part of what full credit requires".to_string())
        }
        (SignalState::Mentioned, None) => Some(
            "configuration or documentation only; nothing shows it runs or is enforced".to_string(),
        ),
    }
}

/// Examples, samples, fixtures and documentation sites describe other setups (often the
/// product's own users'), not how this repository is built and run.
pub fn is_reference_material(path: &str) -> bool {
    let folders = path.rsplit_once('/').map_or("", |(folders, _)| folders);
    folders.split('/').any(|folder| {
        crate::catalog::REFERENCE_FOLDERS
            .iter()
            .any(|name| folder.eq_ignore_ascii_case(name))
    }) || starts_ignoring_case(path, "docs/docs/")
        || ends_ignoring_case(path, ".mdx")
}

/// Entity Framework Core writes a `.Designer.cs` beside each migration and a `*ModelSnapshot.cs`
/// in their folder: generated metadata that matches the migrations' globs without being one.
fn is_migration_metadata(path: &str) -> bool {
    ends_ignoring_case(path, ".designer.cs") || ends_ignoring_case(path, "modelsnapshot.cs")
}

/// Test code, examples and vendored code prove nothing about the application.
pub(crate) fn is_application_code(path: &str) -> bool {
    /// Folders that hold no application code.
    const NOT_APPLICATION: &[&str] = &[
        "test",
        "tests",
        "__tests__",
        "spec",
        "vendor",
        "node_modules",
        "docs",
        "fixtures",
        "testdata",
        "k6",
        "benchmarks",
        "e2e",
        "cypress",
        "playwright",
    ];
    /// Beginnings of folder and file names that hold no application code (`examples/`,
    /// `loadtests/`, `example_app.py`).
    const NOT_APPLICATION_START: &[&str] = &["example", "loadtest", "load-test"];
    let (folders, name) = path.rsplit_once('/').unwrap_or(("", path));
    let named_outside = |segment: &str| {
        (NOT_APPLICATION_START.iter()).any(|start| starts_ignoring_case(segment, start))
    };
    let outside = named_outside(name)
        || (!folders.is_empty()
            && folders.split('/').any(|folder| {
                named_outside(folder)
                    || (NOT_APPLICATION.iter()).any(|f| folder.eq_ignore_ascii_case(f))
            }));
    let test_file = starts_ignoring_case(name, "test_")
        || contains_ignoring_case(name, ".test.")
        || contains_ignoring_case(name, ".spec.")
        || ends_ignoring_case(name, "_test.go");
    !outside && !test_file
}

/// Whether `part` occurs in `text`, ignoring ASCII case. For file names and paths, which are
/// short: no searcher is set up and nothing is allocated.
pub(crate) fn contains_ignoring_case(text: &str, part: &str) -> bool {
    (text.as_bytes().windows(part.len())).any(|window| window.eq_ignore_ascii_case(part.as_bytes()))
}

pub(crate) fn starts_ignoring_case(text: &str, start: &str) -> bool {
    text.as_bytes()
        .get(..start.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(start.as_bytes()))
}

pub(crate) fn ends_ignoring_case(text: &str, end: &str) -> bool {
    text.len() >= end.len()
        && text.as_bytes()[text.len() - end.len()..].eq_ignore_ascii_case(end.as_bytes())
}

/// Application code: the first file, in path order, that shows each practice at each state
/// (a partial signal in one file must not hide a full one in a later file).
fn code_signals(catalog: &Catalog, facts: &Facts, add: &mut impl FnMut(&Practice, Evidence)) {
    let index = &catalog.index;
    let mut seen = std::collections::BTreeSet::new();
    for (_, hit) in facts.scans.signals(facts.inventory, SignalList::Code) {
        let owner = &index.code_owners[hit.signal];
        if !seen.insert((owner.practice, state_of(owner.state))) {
            continue;
        }
        let practice = &catalog.practices[owner.practice];
        let summary = "in application code".to_string();
        add(practice, hit_evidence(practice, owner, hit, summary));
    }
}

fn dependency_signals(catalog: &Catalog, facts: &Facts, add: &mut impl FnMut(&Practice, Evidence)) {
    for practice in &catalog.practices {
        for signal in &practice.dependencies {
            for dependency in &facts.parsed.dependencies {
                if !signal
                    .names
                    .iter()
                    .any(|n| dependency_matches(&dependency.name, n))
                {
                    continue;
                }
                let state = state_of(signal.state);
                add(
                    practice,
                    Evidence {
                        state,
                        snippet: facts.snippet(&dependency.location),
                        location: dependency.location.clone(),
                        summary: format!("dependency {} declared", dependency.name),
                        reason: signal_reason(practice, signal.state, signal.note.as_deref()).map(
                            |r| {
                                if signal.state == SignalState::Mentioned && signal.note.is_none() {
                                    "a declared dependency proves nothing until the code sets it up"
                                        .to_string()
                                } else {
                                    r
                                }
                            },
                        ),
                        confidence: Confidence::Medium,
                    },
                );
            }
        }
    }
}

/// Exact names; a trailing `*` matches a prefix; Go module names match their sub-packages.
fn dependency_matches(name: &str, wanted: &str) -> bool {
    // Compared without allocating: a large monorepo has tens of thousands of dependencies.
    let same = |name: &[u8], wanted: &[u8]| {
        name.len() == wanted.len()
            && name
                .iter()
                .zip(wanted)
                .all(|(n, w)| *n == w.to_ascii_lowercase())
    };
    let name = name.as_bytes();
    match wanted.as_bytes().strip_suffix(b"*") {
        Some(prefix) => name.len() >= prefix.len() && same(&name[..prefix.len()], prefix),
        None => {
            let wanted = wanted.as_bytes();
            name.len() >= wanted.len()
                && same(&name[..wanted.len()], wanted)
                && (name.len() == wanted.len() || name[wanted.len()] == b'/')
        }
    }
}

/// A location from byte offsets into a file's text. A pattern may begin by matching line ends
/// or indentation; the location starts at what follows.
pub fn location_at(path: &str, text: &str, start: usize, end: usize) -> Location {
    let bytes = text.as_bytes();
    let end = end.min(text.len());
    let mut start = start.min(end);
    while start < end && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    crate::source::span(path, text, start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_prefix_respects_segments() {
        assert!(uses_matches(
            "github/codeql-action/analyze",
            "github/codeql-action"
        ));
        assert!(uses_matches(
            "Aquasecurity/Trivy-Action",
            "aquasecurity/trivy-action"
        ));
        assert!(!uses_matches("actions/checkout-extra", "actions/checkout"));
    }

    #[test]
    fn application_code_excludes_tests_examples_and_vendored_code() {
        assert!(is_application_code("services/orders/app/main.py"));
        assert!(is_application_code("src/latest/handler.go"));
        assert!(is_application_code("src/contest/view.js"));
        assert!(!is_application_code("tests/test_app.py"));
        assert!(!is_application_code("services/orders/tests/conftest.py"));
        assert!(!is_application_code("examples/demo/main.go"));
        assert!(!is_application_code("pkg/loadtest/main.go"));
        assert!(!is_application_code("Docs/guide.py"));
        assert!(!is_application_code("app/handler_test.go"));
        assert!(!is_application_code("web/src/app.spec.ts"));
        assert!(!is_application_code("web/src/App.Test.tsx"));
        assert!(!is_application_code("Services/Orders/Tests/handler.py"));
        assert!(!is_application_code("Examples-app/main.go"));
        assert!(!is_application_code("pkg/LoadTests/run.go"));
        assert!(!is_application_code("src/example_client.py"));
        assert!(!is_application_code("web/E2E/login.ts"));
        assert!(is_application_code("src/tests.py"));
        assert!(is_application_code("src/attest/sign.go"));
        assert!(is_application_code("app/vendors/list.rb"));
        assert!(is_application_code("cmd/docs.go"));
    }

    #[test]
    fn reference_material_by_folder_in_any_case() {
        assert!(is_reference_material("Examples/app/Dockerfile"));
        assert!(is_reference_material("pkg/testdata/ci.yml"));
        assert!(is_reference_material("Docs/Docs/deploy.md"));
        assert!(is_reference_material("site/pages/Intro.MDX"));
        // The file name is not a folder.
        assert!(!is_reference_material("static"));
        assert!(!is_reference_material("deploy/examples.yaml"));
        assert!(!is_reference_material("src/statics/app.py"));
    }

    #[test]
    fn dependency_names() {
        assert!(dependency_matches("opentelemetry-sdk", "opentelemetry-*"));
        assert!(dependency_matches(
            "go.opentelemetry.io/otel/sdk",
            "go.opentelemetry.io/otel"
        ));
        assert!(!dependency_matches("sentry-sdk-extra", "sentry-sdk"));
        assert!(dependency_matches("sentry-sdk", "Sentry-SDK"));
        assert!(!dependency_matches("sentry", "sentry-sdk"));
        assert!(!dependency_matches("Sentry-SDK", "sentry-sdk"));
    }

    #[test]
    fn locations_from_offsets() {
        let text = "a\nbé c\n";
        let at = location_at("f", text, 6, 7);
        assert_eq!((at.line, at.column, at.end_column), (2, 4, 5));
        let padded = location_at("f", "a\n\n  key: 1\n", 1, 10);
        assert_eq!((padded.line, padded.column), (3, 3));
    }
}
