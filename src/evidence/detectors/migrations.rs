//! Detectors over the content of schema migrations: operations that lock, rewrite or drop
//! data weaken a zero-downtime strategy whatever the tooling around them says.

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::parse::hazards::HazardKind;
use crate::pipeline::Job;

/// DEP-22: the catalog signals say whether a policy or linter exists; unsafe operations in
/// the migrations themselves cap the practice at Partial (tooling exists but let them through)
/// or Absent (nothing guards against them). Without unsafe operations the signals decide.
/// Rails migrations older than `StrongMigrations.start_after` keep their findings but are not
/// counted: they predate the checks and were marked safe when strong_migrations came in.
pub fn migration_safety(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let migrations = &facts.parsed.migrations;
    let (older, hazards): (Vec<_>, Vec<_>) = migrations
        .hazards
        .iter()
        .filter(|h| h.kind != HazardKind::MissingLockTimeout)
        .partition(|h| migrations.predates_strong_migrations(&h.location.path));
    // Operations wrapped in `safety_assured` were signed off by a reviewer under
    // strong_migrations: they stay findings but do not count against the practice.
    let (reviewed, hazards): (Vec<_>, Vec<_>) = hazards.into_iter().partition(|h| h.reviewed);
    // Where a file held more of a kind than are kept, the count of its class is a lower
    // bound: "more than".
    let more = |older: bool, reviewed: bool| {
        let cut = (migrations.hazards_cut.iter()).any(|(path, kind, r)| {
            *kind != HazardKind::MissingLockTimeout
                && migrations.predates_strong_migrations(path) == older
                && (older || *r == reviewed)
        });
        if cut { "more than " } else { "" }
    };
    let reviewed_note = match (reviewed.len(), more(false, true)) {
        (0, _) => String::new(),
        (1, "") => {
            " (not counted: 1 operation marked safety_assured, reviewed by hand)".to_string()
        }
        (n, more) => {
            format!(" (not counted: {more}{n} operations marked safety_assured, reviewed by hand)")
        }
    };
    let start_after = migrations.strong_migrations_start_after.as_ref();
    if hazards.is_empty() && older.is_empty() {
        if reviewed.is_empty() {
            return None;
        }
        let state = signals.iter().map(|e| e.state).max()?;
        let reason = format!("no unsafe operation left unreviewed{reviewed_note}");
        return verdict(state, Some(reason), signals.to_vec());
    }
    if hazards.is_empty() {
        // Only migrations that predate strong_migrations: the signals decide, and the reason
        // says why the older operations do not weigh.
        let ((version, at), n) = (start_after?, older.len());
        let state = signals.iter().map(|e| e.state).max()?;
        let after = match reviewed.len() {
            0 => "none after it".to_string(),
            r => format!("after it, only {r} marked safety_assured, reviewed by hand"),
        };
        let reason = format!(
            "{}{n} unsafe operation{} found, all in migrations up to \
             StrongMigrations.start_after {version} (set at {at}), which strong_migrations never \
             checked; {after}",
            more(true, false),
            if n == 1 { "" } else { "s" },
        );
        return verdict(state, Some(reason), signals.to_vec());
    }
    let before_start = match (start_after, older.len()) {
        (Some(_), 0) | (None, _) => String::new(),
        (Some((version, at)), n) => format!(
            " (not counted: {}{n} in migrations up to StrongMigrations.start_after {version}, \
             set at {at}, which strong_migrations never checked)",
            more(true, false)
        ),
    };
    let files: std::collections::BTreeSet<&str> =
        hazards.iter().map(|h| h.location.path.as_str()).collect();
    let shown: Vec<String> = hazards
        .iter()
        .map(|h| format!("{} ({})", h.message, h.location))
        .collect();
    let guarded = signals.iter().any(|e| e.state >= State::Partial);
    let state = if guarded {
        State::Partial
    } else {
        State::Absent
    };
    let reason = format!(
        "{}{} unsafe operation{} in {} migration file{}{}{before_start}{reviewed_note}: {}",
        more(false, false),
        hazards.len(),
        if hazards.len() == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if guarded {
            " despite the zero-downtime tooling found"
        } else {
            " and nothing lints migrations"
        },
        examples(&shown, 2)
    );
    let mut found: Vec<Evidence> = signals.to_vec();
    found.extend(hazards.iter().take(5).map(|h| {
        evidence(
            facts,
            State::Absent,
            h.location.clone(),
            h.message.clone(),
            Some("locks, rewrites or drops data the running release uses".into()),
        )
    }));
    verdict(state, Some(reason), found)
}

/// Images and commands that give a CI job a real database to migrate.
const DATABASES: &[&str] = &[
    "postgres",
    "postgis",
    "timescale",
    "mysql",
    "mariadb",
    "cockroach",
    "mssql",
    "sqlserver",
];

/// Database servers a CI runner may have installed, started as a system service.
const SERVICES: &[&str] = &["postgresql", "mysql", "mariadb"];

fn names_database(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    DATABASES.iter().any(|d| lower.contains(d))
}

/// The command of a job that starts a database server on the runner itself: one installed
/// there (`sudo systemctl start mysql` on GitHub's Ubuntu images, `service postgresql start`,
/// `pg_ctl start`) or a container of a database image (`docker run ... postgres`). A job that
/// migrates such a database tests its migrations; no release changes it.
pub(crate) fn starts_local_database(job: &Job) -> Option<&str> {
    (job.steps.iter().flat_map(|s| &s.commands))
        .map(|c| c.text.as_str())
        .find(|text| {
            let lower = text.to_ascii_lowercase();
            let installed = SERVICES.iter().any(|server| {
                lower.contains(&format!("systemctl start {server}"))
                    || lower.contains(&format!("service {server} start"))
                    || lower.contains(&format!("brew services start {server}"))
            });
            installed
                || lower.contains("pg_ctl")
                || (lower.contains("docker run") && names_database(&lower))
        })
}

/// Whether a job has a database to run migrations against: a database service container, or a
/// command that starts one (compose, testcontainers, a server on the runner).
fn has_database(job: &Job) -> bool {
    job.service_images.iter().any(|i| names_database(i))
        || job.images.iter().any(|(i, _)| names_database(i))
        || starts_local_database(job).is_some()
        || job.steps.iter().flat_map(|s| &s.commands).any(|c| {
            let lower = c.text.to_ascii_lowercase();
            lower.contains("compose up") || lower.contains("testcontainers")
        })
}

/// DEP-19: a rollback command in CI earns full credit only in a job that has a real database;
/// without one the round trip cannot have run against a schema. Evidence outside pipelines
/// (a pytest-alembic dependency) is left to the signals.
pub fn migration_round_trip(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let mut without = Vec::new();
    for e in signals.iter().filter(|e| e.state == State::Present) {
        let job = facts
            .pipelines
            .jobs()
            .filter(|(p, j)| p.path == e.location.path && j.location.line <= e.location.line)
            .max_by_key(|(_, j)| j.location.line);
        match job {
            Some((_, job)) if has_database(job) => return None,
            Some((pipeline, job)) => without.push((pipeline.path.clone(), job.id.clone(), e)),
            None => return None,
        }
    }
    let (path, job, first) = without.first()?;
    let reason = format!(
        "migrations are rolled back in job {job} of {path}, but the job starts no database service \
         to run them against"
    );
    let mut found = signals.to_vec();
    if let Some(e) = found.iter_mut().find(|e| e.location == first.location) {
        e.state = State::Partial;
        e.reason = Some(reason.clone());
    }
    verdict(State::Partial, Some(reason), found)
}
