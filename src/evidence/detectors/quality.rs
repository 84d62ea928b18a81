//! Detectors for tests and data safety: the size of the test suite, versioned and reversible
//! schema migrations, repository hygiene. The coverage threshold is in `coverage`.

use super::{evidence, examples, verdict};
use crate::evidence::signals::{contains_ignoring_case, ends_ignoring_case, starts_ignoring_case};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::inventory::{FileKind, RepoFile};
use crate::parse::migrations::Reversibility;
use crate::source::Location;

pub fn is_test_path(path: &str) -> bool {
    // Checked for every source file of a large repository: nothing is allocated.
    let (folders, name) = path.rsplit_once('/').unwrap_or(("", path));
    let test_folder = |folder: &str| {
        ["tests", "test", "spec"]
            .iter()
            .any(|f| folder.eq_ignore_ascii_case(f))
            || ends_ignoring_case(folder, "__tests__")
    };
    (!folders.is_empty() && folders.split('/').any(test_folder))
        || is_named_as_test(name)
        || name.eq_ignore_ascii_case("conftest.py")
}

/// Whether a file's own name says it holds tests (`test_items.py`, `api.spec.ts`).
fn is_named_as_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    starts_ignoring_case(name, "test_")
        || contains_ignoring_case(name, ".test.")
        || contains_ignoring_case(name, ".spec.")
        || [
            "_test.py",
            "_test.go",
            "_spec.rb",
            "test.java",
            "tests.java",
            "test.kt",
            "tests.kt",
            "test.cs",
            "tests.cs",
            "test.php",
            "_test.rb",
        ]
        .iter()
        .any(|end| ends_ignoring_case(name, end))
}

/// Whether a test file is an end-to-end, integration or functional test by its folder or
/// name (`e2e/cart.spec.ts`, `Ordering.FunctionalTests/...`, `OwnerIntegrationTests.java`,
/// `OrderIT.java`): the unit suite's evidence cites other test files first.
fn is_higher_level_test(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = path.rsplit('/').next().unwrap_or(path);
    [
        "e2e",
        "integration",
        "functional",
        "playwright",
        "cypress",
        "acceptance",
        "system",
    ]
    .iter()
    .any(|word| lower.contains(word))
        || name
            .strip_suffix(".java")
            .is_some_and(|stem| stem.ends_with("IT"))
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
        let test = is_test_path(&file.path);
        if test || inline_rust {
            tests.push(file);
        }
        if !test {
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
    cited.sort_by_cached_key(|f| (!is_named_as_test(&f.path), is_higher_level_test(&f.path)));
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

pub fn versioned_migrations(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let migrations = &facts.parsed.migrations;
    if migrations.systems.is_empty() {
        // SQLAlchemy's `metadata.create_all(...)` and Entity Framework Core's
        // `Database.EnsureCreated()` (or `EnsureCreatedAsync()`) build the schema from the models
        // as the application starts.
        let create_all = facts
            .inventory
            .texts()
            .filter(|(f, _)| f.kind == FileKind::Source)
            .find_map(|(f, t)| {
                let (call, at) = [".create_all(", ".EnsureCreated(", ".EnsureCreatedAsync("]
                    .iter()
                    .find_map(|call| Some((*call, t.find(call)?)))?;
                let name = &call[1..call.len() - 1];
                let location =
                    crate::evidence::location_at(&f.path, t, at + 1, at + call.len() - 1);
                Some((name, location))
            });
        return match create_all {
            Some((name, location)) => {
                let reason = format!(
                    "the schema is created at startup ({name}) instead of by versioned migrations"
                );
                let e = evidence(
                    facts,
                    State::Mentioned,
                    location,
                    format!("schema created by {name}()"),
                    Some(reason.clone()),
                );
                verdict(State::Mentioned, Some(reason), vec![e])
            }
            // Migrations of a tool the inventory does not model: the signals decide.
            None if signals.iter().any(|e| e.state == State::Present) => None,
            // A schema file edited in place (schema.sql) is what the catalog's signals found.
            None if signals.iter().any(|e| e.state > State::Absent) => {
                let best = signals
                    .iter()
                    .map(|e| e.state)
                    .max()
                    .unwrap_or(State::Absent);
                let reason = "the schema is kept in schema files edited in place, not in versioned migrations".to_string();
                verdict(best, Some(reason), signals.to_vec())
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
    // Only files at the top, in `.github/` or in `docs/` count; a large repository's other
    // files are passed over without building their lower-case paths.
    let near_top = (facts.inventory.files.iter()).filter(|f| {
        !f.path.contains('/')
            || starts_ignoring_case(&f.path, ".github/")
            || starts_ignoring_case(&f.path, "docs/")
    });
    let near_top: Vec<(&RepoFile, String)> =
        near_top.map(|f| (f, f.path.to_ascii_lowercase())).collect();
    let top = |prefixes: &[&str]| {
        near_top.iter().find_map(|(f, lower)| {
            let name = lower.rsplit('/').next().unwrap_or(lower);
            prefixes.iter().any(|p| name.starts_with(p)).then_some(*f)
        })
    };
    // `MIT-LICENSE`, `LICENSE-APACHE`, `UNLICENSE` and `COPYING.LESSER` are licences too.
    let licence = near_top.iter().map(|(f, _)| *f).find(|f| {
        let lower = f.path.to_ascii_lowercase();
        let stem = lower.split('.').next().unwrap_or(&lower);
        !lower.contains('/')
            && (["license", "licence", "copying", "unlicense"]
                .iter()
                .any(|p| stem.starts_with(p))
                || ["-license", "_license", "-licence"]
                    .iter()
                    .any(|s| stem.ends_with(s)))
    });
    let parts = [
        ("README", top(&["readme"])),
        (
            "LICENSE",
            top(&["license", "licence", "copying"]).or(licence),
        ),
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

#[cfg(test)]
mod tests {
    use super::{is_named_as_test, is_test_path};

    #[test]
    fn test_paths_by_folder_and_name_in_either_case() {
        for path in [
            "tests/test_api.py",
            "Tests/helpers.py",
            "services/orders/tests/factories.py",
            "src/Test/java/org/app/OwnerTest.java",
            "web/__tests__/cart.js",
            "web/cart__tests__/cart.js",
            "spec/models/user_spec.rb",
            "app/Spec/support/helpers.rb",
            "lib/conftest.py",
            "CONFTEST.PY",
            "pkg/handler_TEST.go",
            "web/src/App.Spec.tsx",
            "src/OrderTests.cs",
        ] {
            assert!(is_test_path(path), "{path}");
        }
        for path in [
            "src/tests.py",
            "src/testing/util.py",
            "pkg/attest/sign.go",
            "cmd/spec.go",
            "src/contest/view.js",
            "test",
            "README.md",
        ] {
            assert!(!is_test_path(path), "{path}");
        }
        assert!(is_named_as_test("a/b/TEST_items.py"));
        assert!(!is_named_as_test("tests/helpers.py"));
    }
}
