//! Detectors for tests and data safety: the size of the test suite, an enforced coverage
//! threshold, versioned and reversible schema migrations.

use std::sync::LazyLock;

use regex::Regex;

use super::{evidence, examples, verdict};
use crate::catalog::Practice;
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::inventory::FileKind;
use crate::parse::migrations::Reversibility;
use crate::source::Location;

pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    lower.starts_with("tests/")
        || lower.starts_with("test/")
        || lower.contains("/tests/")
        || lower.contains("/test/")
        || lower.contains("__tests__/")
        || lower.contains("/spec/")
        || lower.starts_with("spec/")
        || lower.contains("src/test/")
        || is_named_as_test(name)
        || name == "conftest.py"
}

/// Whether a file's own name says it holds tests (`test_items.py`, `api.spec.ts`).
fn is_named_as_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_test.go")
        || name.ends_with("_spec.rb")
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("test.java")
        || name.ends_with("tests.java")
}

pub fn test_suite(facts: &Facts) -> Option<Verdict> {
    let mut tests = Vec::new();
    let mut sources = 0usize;
    for file in facts
        .inventory
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Source)
    {
        let inline_rust = file.path.ends_with(".rs")
            && file.text.as_deref().is_some_and(|t| t.contains("#[test]"));
        if is_test_path(&file.path) || inline_rust {
            tests.push(file);
        }
        if !is_test_path(&file.path) {
            sources += 1;
        }
    }
    if sources == 0 && tests.is_empty() {
        return verdict(
            State::NotApplicable,
            Some("no application source code".into()),
            Vec::new(),
        );
    }
    let ratio = tests.len() as f64 / sources.max(1) as f64;
    // Files named as tests are cited before helpers in test folders; a package marker
    // (`tests/__init__.py`, often empty) shows no test.
    let mut cited = tests.clone();
    cited.retain(|f| !f.path.ends_with("__init__.py"));
    cited.sort_by_key(|f| !is_named_as_test(&f.path));
    let found = cited
        .iter()
        .take(3)
        .map(|f| {
            evidence(
                facts,
                State::Present,
                Location::file(&f.path),
                format!("test file {}", f.path),
                None,
            )
        })
        .collect();
    let measure = format!(
        "{} test files for {} source files (ratio {:.2})",
        tests.len(),
        sources,
        // Rounded down, so a ratio just under a bound is not shown as reaching it.
        (ratio * 100.0).floor() / 100.0
    );
    if ratio >= 0.2 {
        verdict(State::Present, Some(measure), found)
    } else if ratio >= 0.05 {
        verdict(
            State::Partial,
            Some(format!(
                "{measure}; below 0.2 the suite covers little of the code"
            )),
            found,
        )
    } else if !tests.is_empty() {
        verdict(
            State::Mentioned,
            Some(format!("{measure}; the suite is a token one")),
            found,
        )
    } else {
        verdict(
            State::Absent,
            Some(format!("no test files among {sources} source files")),
            Vec::new(),
        )
    }
}

static THRESHOLDS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"--cov-fail-under[= ]+(\d+)",
        r"--fail-under(?:-lines)?[= ]+(\d+)",
        r"(?m)^\s*fail_under\s*=\s*(\d+)",
        r"(?m)^\s*--check-coverage.*--lines[= ](\d+)",
        r#"(?s)coverageThreshold.{0,200}?(?:lines|statements)["']?\s*:\s*(\d+)"#,
        r"(?s)thresholds\s*:\s*\{.{0,200}?(?:lines|statements)\s*:\s*(\d+)",
        r"(?m)^\s*target:\s*(\d+)",
        r"-coverage-threshold[= ](\d+)",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// A threshold checked by hand in a step's script: a coverage variable compared against a
/// number or an `env` value (`if [[ $COVERAGE_TOTAL < ${{ env.COVERAGE_TOTAL }} ]]`), with an
/// `exit 1` in the same step.
static HAND_CHECK: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)\$\{?\w*cov\w*\}?"?\s*(?:<|-lt|<=|-le)\s*(?:(?P<number>\d+)|\$\{\{\s*env\.(?P<env>\w+)\s*\}\})"#).ok()
});
static EXIT_FAILURE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*exit\s+[1-9]").ok());

/// The number a workflow's `env:` gives `name` (`COVERAGE_TOTAL: 50`).
fn env_number(facts: &Facts, path: &str, name: &str) -> Option<u32> {
    let text = facts.inventory.get(path)?.text.as_deref()?;
    let pattern = format!(r#"(?m)^\s*{}:\s*["']?(\d+)"#, regex::escape(name));
    Regex::new(&pattern)
        .ok()?
        .captures(text)?
        .get(1)?
        .as_str()
        .parse()
        .ok()
}

/// Thresholds that CI steps check by hand.
fn hand_checked(facts: &Facts) -> Vec<(u32, Location, bool)> {
    let (Some(check), Some(exit)) = (HAND_CHECK.as_ref(), EXIT_FAILURE.as_ref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (pipeline, _, step) in facts.pipelines.steps() {
        if step.non_blocking || !step.commands.iter().any(|c| exit.is_match(&c.text)) {
            continue;
        }
        for command in &step.commands {
            let Some(found) = check.captures(&command.text) else {
                continue;
            };
            let value = match (found.name("number"), found.name("env")) {
                (Some(number), _) => number.as_str().parse().ok(),
                (None, Some(env)) => env_number(facts, &pipeline.path, env.as_str()),
                _ => None,
            };
            if let Some(value) = value {
                out.push((value, command.location.clone(), false));
            }
        }
    }
    out
}

static MEASURED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)--cov\b|\bcoverage\s+run\b|--coverage\b|-coverprofile|\bllvm-cov\b|\btarpaulin\b|\bc8\b|\bnyc\b|\bjacoco\b|\bkover\b|\bsimplecov\b")
        .unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable()))
});

#[allow(clippy::expect_used)]
fn unreachable() -> Regex {
    Regex::new("a^").expect("a constant pattern compiles")
}

/// Whether the line holding byte `at` is commented out (`//`, `#`, `/*`, `*`).
fn is_commented(text: &str, at: usize) -> bool {
    let start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text[start..].trim_start();
    ["//", "#", "/*", "* "].iter().any(|c| line.starts_with(c))
}

pub fn coverage_threshold(facts: &Facts, _practice: &Practice) -> Option<Verdict> {
    let mut thresholds: Vec<(u32, Location, bool)> = Vec::new();
    let ci_commands: Vec<&crate::pipeline::Command> = facts
        .pipelines
        .steps()
        .flat_map(|(_, _, s)| s.commands.iter())
        .collect();
    for command in &ci_commands {
        for regex in THRESHOLDS.iter().take(2) {
            if let Some(value) = regex
                .captures(&command.text)
                .and_then(|c| c.get(1))
                .and_then(|m| m.as_str().parse().ok())
            {
                thresholds.push((value, command.location.clone(), false));
            }
        }
    }
    for (file, text) in facts.inventory.texts() {
        let name = file
            .path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let relevant = matches!(
            file.kind,
            FileKind::CoverageConfig | FileKind::TestConfig | FileKind::Manifest(_)
        ) || matches!(
            name.as_str(),
            "setup.cfg" | "tox.ini" | ".coveragerc" | "package.json"
        ) || name.starts_with("jest.config")
            || name.starts_with("vitest.config")
            || name.ends_with(".sh")
            || name == "makefile";
        if !relevant {
            continue;
        }
        let codecov = name.contains("codecov");
        for (index, regex) in THRESHOLDS.iter().enumerate() {
            let is_codecov_target = index == 6;
            if is_codecov_target != codecov {
                continue;
            }
            let uncommented = regex
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .find(|m| !is_commented(text, m.start()));
            if let Some(m) = uncommented
                && let Ok(value) = m.as_str().parse::<u32>()
            {
                let location = crate::evidence::location_at(&file.path, text, m.start(), m.end());
                let informational = codecov && text.contains("informational: true");
                thresholds.push((value, location, informational));
            }
        }
    }
    thresholds.extend(hand_checked(facts));
    // GitLab reads coverage from job logs (`coverage:`) or a `coverage_report` artifact.
    let gitlab_coverage = facts.inventory.texts().find_map(|(f, t)| {
        if f.kind != FileKind::GitlabCi {
            return None;
        }
        let at = t
            .find("\n  coverage:")
            .map(|i| i + 3)
            .or_else(|| t.find("coverage_report:"))?;
        Some(crate::evidence::location_at(&f.path, t, at, at + 9))
    });
    let measured = ci_commands
        .iter()
        .find(|c| MEASURED.is_match(&c.text))
        .map(|c| c.location.clone())
        .or(gitlab_coverage)
        .or_else(|| {
            facts
                .pipelines
                .steps()
                .find(|(_, _, s)| {
                    s.uses.as_deref().is_some_and(|u| {
                        u.starts_with("codecov/") || u.starts_with("coverallsapp/")
                    })
                })
                .map(|(_, _, s)| s.location.clone())
        });

    thresholds.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    if let Some((value, location, informational)) = thresholds
        .iter()
        .find(|t| !t.2)
        .or(thresholds.first())
        .cloned()
    {
        let summary = format!("coverage threshold {value}%");
        let ci_runs = measured.is_some()
            || thresholds
                .iter()
                .any(|t| ci_commands.iter().any(|c| c.location == t.1));
        let (state, reason) = if informational {
            (
                State::Partial,
                Some(
                    "the Codecov status is informational, so it never fails a pull request"
                        .to_string(),
                ),
            )
        } else if !ci_runs {
            (
                State::Partial,
                Some(format!(
                    "a {value}% threshold is set, but no CI job measures coverage"
                )),
            )
        } else if value >= 80 {
            (State::Present, None)
        } else {
            (
                State::Partial,
                Some(format!("the threshold is {value}%, below the 80% target")),
            )
        };
        let e = evidence(facts, state, location, summary, reason.clone());
        return verdict(state, reason, vec![e]);
    }
    if measured.is_some()
        && let Some(ratchet) = codecov_ratchet(facts)
    {
        return Some(ratchet);
    }
    if let Some(location) = measured {
        let reason =
            "coverage is measured without a threshold, so falling coverage never fails the build"
                .to_string();
        let e = evidence(
            facts,
            State::Mentioned,
            location,
            "coverage measured in CI",
            Some(reason.clone()),
        );
        return verdict(State::Mentioned, Some(reason), vec![e]);
    }
    verdict(
        State::Absent,
        Some("coverage is neither measured nor enforced".into()),
        Vec::new(),
    )
}

/// A Codecov status with only `threshold:` (the drop allowed) and no `target:` fails a pull
/// request that lowers coverage, but sets no minimum: a ratchet without a floor.
fn codecov_ratchet(facts: &Facts) -> Option<Verdict> {
    static ALLOWED_DROP: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"(?m)^\s*threshold:\s*([\d.]+)%?\s*(#.*)?$").ok());
    let (file, text) = facts.inventory.texts().find(|(f, t)| {
        let name = f.path.rsplit('/').next().unwrap_or("");
        name.trim_start_matches('.').starts_with("codecov")
            && t.contains("status:")
            && !t.contains("informational: true")
    })?;
    let found = ALLOWED_DROP.as_ref()?.captures(text)?;
    let value = found.get(1)?;
    let location = crate::evidence::location_at(&file.path, text, value.start(), value.end());
    let reason = format!(
        "Codecov fails a pull request that lowers coverage by more than {}%, but sets no minimum, so coverage that is already low passes",
        value.as_str()
    );
    let e = evidence(
        facts,
        State::Partial,
        location,
        "Codecov status checks on coverage changes",
        Some(reason.clone()),
    );
    verdict(State::Partial, Some(reason), vec![e])
}

pub fn versioned_migrations(facts: &Facts) -> Option<Verdict> {
    let migrations = &facts.parsed.migrations;
    if migrations.systems.is_empty() {
        let create_all = facts
            .inventory
            .texts()
            .filter(|(f, _)| f.kind == FileKind::Source)
            .find_map(|(f, t)| {
                let at = t.find(".create_all(")?;
                Some(crate::evidence::location_at(&f.path, t, at + 1, at + 11))
            });
        return match create_all {
            Some(location) => {
                let reason = "the schema is created at startup (create_all) instead of by versioned migrations".to_string();
                let e = evidence(
                    facts,
                    State::Mentioned,
                    location,
                    "schema created by create_all()",
                    Some(reason.clone()),
                );
                verdict(State::Mentioned, Some(reason), vec![e])
            }
            None => verdict(
                State::Absent,
                Some("a database is in use but no migration tool was found".into()),
                Vec::new(),
            ),
        };
    }
    let systems: Vec<String> = migrations
        .systems
        .iter()
        .map(|s| format!("{s:?}"))
        .collect();
    let found = facts
        .inventory
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::AlembicConfig | FileKind::Migration(_)))
        .take(3)
        .map(|f| {
            evidence(
                facts,
                State::Present,
                Location::file(&f.path),
                format!("migration {}", f.path),
                None,
            )
        })
        .collect();
    verdict(
        State::Present,
        Some(format!(
            "{} migration files ({})",
            migrations.files.len(),
            systems.join(", ")
        )),
        found,
    )
}

pub fn reversible_migrations(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let files = &facts.parsed.migrations.files;
    if files.is_empty() {
        let unread = facts
            .inventory
            .files
            .iter()
            .filter(|f| matches!(f.kind, FileKind::Migration(_)) && f.text.is_none())
            .count();
        let reason = if unread > 0 {
            let files = if unread == 1 { "file" } else { "files" };
            format!(
                "{unread} migration {files} could not be read (see the skipped files), so whether they can be reversed is unknown"
            )
        } else {
            "no migration files to reverse".to_string()
        };
        return verdict(State::Absent, Some(reason), Vec::new());
    }
    let irreversible: Vec<_> = files
        .iter()
        .filter(|f| matches!(f.reversibility, Reversibility::Irreversible(_)))
        .collect();
    let known = files
        .iter()
        .filter(|f| f.reversibility != Reversibility::Unknown)
        .count();
    let found = irreversible
        .iter()
        .take(10)
        .map(|f| {
            let why = match &f.reversibility {
                Reversibility::Irreversible(r) => r.clone(),
                _ => String::new(),
            };
            evidence(
                facts,
                State::Absent,
                f.location.clone(),
                format!("{}: {why}", f.path),
                None,
            )
        })
        .collect();
    if known == 0 {
        // No down files to check: only a documented forward-fix policy (a signal) says how a
        // bad migration would be undone.
        let policy: Vec<Evidence> = signals
            .iter()
            .filter(|e| {
                let path = e.location.path.to_ascii_lowercase();
                let name = path.rsplit('/').next().unwrap_or("");
                path.ends_with(".md") || name.starts_with("migrations")
            })
            .cloned()
            .collect();
        return if policy.is_empty() {
            verdict(
                State::Absent,
                Some("the migration system has no down migrations, and no forward-fix policy is documented".into()),
                Vec::new(),
            )
        } else {
            verdict(
                State::Partial,
                Some("the migration system has no down migrations; a forward-fix policy is documented".into()),
                policy,
            )
        };
    }
    if irreversible.is_empty() {
        let reversible = files
            .iter()
            .filter(|f| f.reversibility == Reversibility::Reversible)
            .take(3)
            .map(|f| {
                evidence(
                    facts,
                    State::Present,
                    f.location.clone(),
                    format!("{} can be reverted", f.path),
                    None,
                )
            })
            .collect();
        return verdict(
            State::Present,
            Some(format!("all {known} migrations have a working down path")),
            reversible,
        );
    }
    // Whole paths: migrations of different apps often share a file name.
    let names: Vec<String> = irreversible.iter().map(|f| f.path.clone()).collect();
    let reason = format!(
        "{} of {known} migrations cannot be reversed: {}",
        irreversible.len(),
        examples(&names, 3)
    );
    let state = if irreversible.len() == known {
        State::Absent
    } else {
        State::Partial
    };
    verdict(state, Some(reason), found)
}

/// README, licence, contribution guide and ignore rules at the top of the repository.
pub fn repository_hygiene(facts: &Facts) -> Option<Verdict> {
    let top = |prefixes: &[&str]| {
        facts.inventory.files.iter().find(|f| {
            let lower = f.path.to_ascii_lowercase();
            let at_top =
                !lower.contains('/') || lower.starts_with(".github/") || lower.starts_with("docs/");
            at_top
                && prefixes
                    .iter()
                    .any(|p| lower.rsplit('/').next().is_some_and(|n| n.starts_with(p)))
        })
    };
    let parts = [
        ("README", top(&["readme"])),
        ("LICENSE", top(&["license", "licence", "copying"])),
        ("CONTRIBUTING guide", top(&["contributing"])),
        (".gitignore", top(&[".gitignore"])),
    ];
    let found = parts
        .iter()
        .filter_map(|(_, f)| *f)
        .map(|f| {
            evidence(
                facts,
                State::Present,
                Location::file(&f.path),
                format!("{} exists", f.path),
                None,
            )
        })
        .collect::<Vec<_>>();
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(_, f)| f.is_none())
        .map(|(name, _)| *name)
        .collect();
    match (parts[0].1, missing.len()) {
        (_, 0) => verdict(State::Present, None, found),
        (None, 4) => verdict(
            State::Absent,
            Some("no README, licence, contribution guide or .gitignore".into()),
            found,
        ),
        (None, _) => verdict(
            State::Mentioned,
            Some(format!("no README; missing {}", missing.join(", "))),
            found,
        ),
        (Some(_), _) => verdict(
            State::Partial,
            Some(format!("missing {}", missing.join(", "))),
            found,
        ),
    }
}
