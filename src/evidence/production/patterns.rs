//! The commands that show a control: migrations, backups, health checks, smoke tests,
//! notifications and rollbacks, plus the catalog practices a step's actions and commands match.

use std::sync::LazyLock;

use regex::RegexSet;

use crate::evidence::Facts;
use crate::pipeline::{Command, Step};

pub(super) static MIGRATE: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\balembic\s+upgrade\b",
        r"(?i)\bmanage\.py\s+migrate\b",
        r"(?i)\bdb:migrate\b",
        r"(?i)\bprisma\s+migrate\s+deploy\b",
        r"(?i)\bflyway\b.*\bmigrate\b",
        r"(?i)\bliquibase\b.*\bupdate\b",
        r"(?i)\bmigrate\b.*\s-path\b.*\bup\b",
        r"(?i)\bknex\s+migrate:latest\b",
        r"(?i)\bartisan\s+migrate(\s+-\S+)*\s+--force\b",
        r"(?i)\bdotnet(\s+|-)ef\s+database\s+update\b",
        r"(?i)\bsqlx\s+migrate\s+run\b",
        r"(?i)\bsupabase\s+db\s+push\b",
        r"(?i)\bsupabase\s+migration\s+up\b",
        r"(?i)\bgoose\b.*\bup\b",
        r"(?i)\bscripts/prestart\.sh\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

pub(super) static BACKUP: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bpg_dump(all)?\b",
        r"(?i)\bmysqldump\b",
        r"(?i)\bmongodump\b",
        r"(?i)\bcreate-db(-cluster)?-snapshot\b",
        r"(?i)\bgcloud\s+sql\s+backups\s+create\b",
        r"(?i)\baz\s+\w+\s+.*backup\b",
        r"(?i)\bvelero\s+backup\s+create\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

pub(super) static HEALTH: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bcurl\b.*\s(-f|--fail|-fsS|-sSf|-fsSL|--fail-with-body)\b.*(health|ready|live|status|ping)",
        r"(?i)\bcurl\b.*(health|ready|livez|readyz).*\s(-f|--fail|-fsS|-sSf)\b",
        r"(?i)\bkubectl\s+rollout\s+status\b", r"(?i)\bhelm\b.*\s--wait\b", r"(?i)\bwait-for-it\b|\bwait4x\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

pub(super) static SMOKE: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bsmoke\b",
        r"(?i)\bk6\s+run\b",
        r"(?i)\bplaywright\s+test\b.*--grep\s+@?smoke",
        r"(?i)\bnewman\s+run\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

pub(super) static NOTIFY: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bcurl\b.*(-X\s*POST|--data|\s-d\s).*(hook|slack|discord|teams|notif|chat\.googleapis)",
        r"(?i)\bcurl\b.*(hook|slack|discord|notif).*(-X\s*POST|--data|\s-d\s)",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

pub(super) static ROLLBACK: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"(?i)\bhelm\b.*\s--(atomic|rollback-on-failure)\b",
        r"(?i)\bkubectl\s+rollout\s+undo\b",
        r"(?i)\bhelm\s+rollback\b",
        r"(?i)\baws\s+deploy\s+stop-deployment\b",
    ])
    .unwrap_or_else(|_| RegexSet::empty())
});

pub(super) fn practices_of<'a>(
    facts: &'a Facts,
    step: &'a Step,
) -> Vec<(&'a str, Option<&'a Command>)> {
    facts
        .step_practices(step)
        .iter()
        .map(|(index, command)| {
            (
                facts.catalog.practices[*index].id.as_str(),
                command.and_then(|c| step.commands.get(c)),
            )
        })
        .collect()
}
