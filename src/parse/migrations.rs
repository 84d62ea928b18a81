//! Schema migrations: which systems the repository uses, whether each migration can be
//! reversed, how Alembic revisions chain, and which operations lock or lose data. Files are
//! read as text and never executed.
//!
//! Alembic revisions are Python; a line scanner finds `def downgrade` and reads its body by
//! indentation. Running them would execute repository code, and a full Python parser would add
//! a large dependency for questions — is the body empty, `pass`, or a `raise`; which literal is
//! assigned to `revision`; which `op.*` calls `upgrade()` makes — that indentation and bracket
//! matching answer exactly for generated revisions, in bounded time (see [`super::alembic`] and
//! [`super::alembic_ops`]). Django, Rails, Knex, Laravel and Entity Framework Core migrations
//! are read the same way, by [`super::django_ops`], [`super::rails_ops`], [`super::knex_ops`],
//! [`super::laravel_ops`] and [`super::ef_core_ops`]. SQL migrations go through the tokenizer
//! of [`super::sql`].

use std::collections::{BTreeMap, BTreeSet};

use super::alembic::{self, Revision};
use super::alembic_ops;
use super::database_engines::{self, Engine};
use super::django_ops::{self, Fields};
use super::ef_core_ops;
use super::hazards::{GraphProblem, Hazard, HazardKind, span};
use super::knex_ops;
use super::laravel_ops;
use super::rails_ops;
use super::sql;
use crate::inventory::{FileKind, Inventory, MigrationSystem, RepoFile};
use crate::source::Location;

#[derive(Debug, Clone, PartialEq)]
pub enum Reversibility {
    Reversible,
    /// Cannot be undone, with the reason in words.
    Irreversible(String),
    /// The system has no per-file answer (plain SQL without a down file convention).
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFile {
    pub path: String,
    pub system: MigrationSystem,
    pub reversibility: Reversibility,
    pub location: Location,
}

#[derive(Debug, Default)]
pub struct Migrations {
    pub systems: BTreeSet<MigrationSystem>,
    pub files: Vec<MigrationFile>,
    /// Operations that lock, rewrite or lose data, in file order.
    pub hazards: Vec<Hazard>,
    /// Where a file held more hazards of one kind than are kept (see `bounded`): the file,
    /// the kind and whether the hazards were reviewed. Counts of those are lower bounds.
    pub hazards_cut: BTreeSet<(String, HazardKind, bool)>,
    /// Problems of the Alembic revision graphs, one graph per versions folder.
    pub graph_problems: Vec<GraphProblem>,
    /// `StrongMigrations.start_after`: Rails migrations with an earlier version were never
    /// checked by strong_migrations, and where the setting is found.
    pub strong_migrations_start_after: Option<(u64, Location)>,
}

impl Migrations {
    /// Whether the hazards of `path` predate `StrongMigrations.start_after`: a Rails migration
    /// whose version (the digits its file name starts with) is earlier.
    pub fn predates_strong_migrations(&self, path: &str) -> bool {
        let Some((start_after, _)) = self.strong_migrations_start_after else {
            return false;
        };
        // By the path's kind, not a search of every migration: asked once per file.
        let is_rails = crate::inventory::classify(path)
            == crate::inventory::FileKind::Migration(MigrationSystem::Rails);
        let name = path.rsplit('/').next().unwrap_or("");
        let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
        is_rails
            && digits
                .parse::<u64>()
                .is_ok_and(|version| version <= start_after)
    }
}

/// The version of `StrongMigrations.start_after = 20_230_825_182_405` in an initializer.
fn strong_migrations_start_after(text: &str) -> Option<(u64, usize)> {
    text.lines().enumerate().find_map(|(index, line)| {
        let value = line.trim().strip_prefix("StrongMigrations.start_after")?;
        let value = value.trim_start().strip_prefix('=')?.trim_start();
        let digits: String = value
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '_')
            .filter(char::is_ascii_digit)
            .collect();
        Some((digits.parse().ok()?, index))
    })
}

/// Whether a migration file runs forward (not a down, undo or repeatable file).
fn is_forward_sql(path: &str, system: MigrationSystem) -> bool {
    let name = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    match system {
        MigrationSystem::Flyway => name.starts_with('v'),
        MigrationSystem::GolangMigrate | MigrationSystem::Sqlx => !name.ends_with(".down.sql"),
        MigrationSystem::Prisma | MigrationSystem::Sql => {
            name.ends_with(".sql") && !name.ends_with(".down.sql")
        }
        _ => false,
    }
}

/// The hazards of one forward SQL migration, with `missing-lock-timeout` when it takes
/// strong locks and never sets `lock_timeout`.
fn sql_hazards(path: &str, text: &str) -> Vec<Hazard> {
    let report = sql::check(text);
    let mut out: Vec<Hazard> = report
        .hazards
        .into_iter()
        .map(|h| Hazard {
            kind: h.kind,
            location: span(path, text, h.start, h.end),
            message: h.message,
            reviewed: false,
        })
        .collect();
    if let (Some((start, end)), false) = (report.first_strong_lock, report.sets_lock_timeout) {
        out.push(Hazard {
            kind: HazardKind::MissingLockTimeout,
            location: span(path, text, start, end),
            message: "takes a strong lock without SET lock_timeout first".to_string(),
            reviewed: false,
        });
    }
    out
}

/// Graph problems of every versions folder; parents may be found in any folder.
fn graph_problems(revisions: &[Revision]) -> Vec<GraphProblem> {
    let all: BTreeSet<String> = revisions.iter().map(|r| r.id.clone()).collect();
    let mut folders: BTreeMap<&str, Vec<Revision>> = BTreeMap::new();
    for r in revisions {
        let folder = r.path.rsplit_once('/').map_or("", |(f, _)| f);
        folders.entry(folder).or_default().push(r.clone());
    }
    folders
        .values()
        .flat_map(|revisions| alembic::graph_problems(revisions, &all))
        .collect()
}

pub fn scan(inventory: &Inventory) -> Migrations {
    use rayon::prelude::*;
    let mut out = Migrations::default();
    if inventory.of_kind(FileKind::AlembicConfig).next().is_some() {
        out.systems.insert(MigrationSystem::Alembic);
    }
    out.strong_migrations_start_after = inventory.files.par_iter().find_map_first(|file| {
        let text = file.text.as_deref()?;
        memchr::memmem::find(text.as_bytes(), b"StrongMigrations.start_after")?;
        let (version, index) = strong_migrations_start_after(text)?;
        let line = text.lines().nth(index).unwrap_or("");
        Some((version, line_location(&file.path, index, line)))
    });
    // Each migration is read on its own, except that Django fields are followed through
    // each app's migrations in path order: an app's migrations are one unit of work, and
    // units run in parallel. What they find is put back in path order.
    // Each entry: position in the inventory, the file, its system, and whether it is a Django
    // migration whose operations are read (worked out once, here).
    let laravel = database_engines::laravel_engines(inventory);
    let mut units: Vec<Vec<(usize, &RepoFile, MigrationSystem, bool)>> = Vec::new();
    let mut django_units: BTreeMap<&str, usize> = BTreeMap::new();
    for (position, file) in inventory.files.iter().enumerate() {
        let FileKind::Migration(system) = file.kind else {
            continue;
        };
        // A C# class in a migrations folder that builds no schema belongs to another tool
        // (FluentMigrator, a seeder); a file that was not read may be EF Core's.
        let not_ef_core = system == MigrationSystem::EfCore
            && file
                .text
                .as_deref()
                .is_some_and(|t| !ef_core_ops::is_migration(t));
        if not_ef_core {
            continue;
        }
        out.systems.insert(system);
        let django = system == MigrationSystem::Django
            && file.text.as_deref().is_some_and(django_ops::is_migration);
        let unit = if django {
            let app = file.path.rsplit_once('/').map_or("", |(folder, _)| folder);
            *django_units.entry(app).or_insert_with(|| {
                units.push(Vec::new());
                units.len() - 1
            })
        } else {
            units.push(Vec::new());
            units.len() - 1
        };
        units[unit].push((position, file, system, django));
    }
    let context = Context {
        inventory,
        laravel: &laravel,
    };
    let mut found: Vec<(usize, One)> = units
        .into_par_iter()
        .flat_map_iter(|unit| {
            let mut fields = Fields::default();
            let context = &context;
            unit.into_iter()
                .map(move |(position, file, system, django)| {
                    (position, one(context, file, system, django, &mut fields))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    found.sort_unstable_by_key(|(position, _)| *position);
    let mut revisions = Vec::new();
    for (_, one) in found {
        revisions.extend(one.revision);
        let (kept, cut) = bounded(one.hazards);
        out.hazards_cut.extend(cut);
        out.hazards.extend(kept);
        out.files.extend(one.file);
    }
    out.graph_problems = graph_problems(&revisions);
    out
}

/// One file's hazards with, of each kind, at most one more reviewed and one more unreviewed
/// than its findings list ([`crate::findings::MAX_PER_FILE`]): the one more tells the audit
/// that some were cut, and a file of 60,000 dropped columns costs no more than a file of a
/// hundred. Reviewed hazards are bounded apart, so they never push out one that counts. Also
/// gives each kind cut, with the path and whether the cut hazards were reviewed.
fn bounded(mut hazards: Vec<Hazard>) -> (Vec<Hazard>, Vec<(String, HazardKind, bool)>) {
    let mut counts: BTreeMap<(HazardKind, bool), usize> = BTreeMap::new();
    let mut cut = BTreeSet::new();
    hazards.retain(|h| {
        let count = counts.entry((h.kind, h.reviewed)).or_default();
        *count += 1;
        let keep = *count <= crate::findings::MAX_PER_FILE + 1;
        if !keep {
            cut.insert((h.location.path.clone(), h.kind, h.reviewed));
        }
        keep
    });
    (hazards, cut.into_iter().collect())
}

/// What one migration file gives.
#[derive(Default)]
struct One {
    revision: Option<Revision>,
    hazards: Vec<Hazard>,
    file: Option<MigrationFile>,
}

/// What reading one migration may look up beyond its own text.
struct Context<'a> {
    inventory: &'a Inventory,
    /// The engines of the Laravel applications, by root.
    laravel: &'a BTreeMap<&'a str, Engine>,
}

/// Reads one migration; `django_migration` says whether a Django file declares a migration
/// whose operations are read, and `fields` are the Django fields its app's earlier
/// migrations defined.
fn one(
    context: &Context,
    file: &RepoFile,
    system: MigrationSystem,
    django_migration: bool,
    fields: &mut Fields,
) -> One {
    let inventory = context.inventory;
    let mut one = One::default();
    // A migration that was not read (too large, binary, not UTF-8) is listed as skipped;
    // judging its empty text would report a missing down path it may well have.
    let Some(text) = file.text.as_deref() else {
        return one;
    };
    let _lines = crate::source::LineScope::new(text);
    match system {
        MigrationSystem::Alembic => {
            one.revision = alembic::revision(&file.path, text);
            one.hazards = alembic_ops::operations(&file.path, text);
        }
        MigrationSystem::Django => {
            let operations = django_ops::operation_list_of(text);
            if django_migration {
                one.hazards = django_ops::hazards_in(&file.path, text, &operations, fields);
            }
            let (reversibility, location) =
                django_ops::reversibility_in(&file.path, text, &operations);
            one.file = Some(MigrationFile {
                path: file.path.clone(),
                system,
                reversibility,
                location,
            });
            return one;
        }
        MigrationSystem::Rails => one.hazards = rails_ops::operations(&file.path, text),
        MigrationSystem::Knex => one.hazards = knex_ops::operations(&file.path, text),
        MigrationSystem::Laravel => {
            let root = database_engines::laravel_root(&file.path);
            let engine = context.laravel.get(root).copied();
            let engine = engine.unwrap_or(Engine::Unknown);
            one.hazards = laravel_ops::operations(&file.path, text, engine);
        }
        MigrationSystem::EfCore => {
            let engine = database_engines::ef_core_engine(inventory, &file.path, text);
            one.hazards = ef_core_ops::operations(&file.path, text, engine);
        }
        _ if is_forward_sql(&file.path, system) => one.hazards = sql_hazards(&file.path, text),
        _ => {}
    }
    let (reversibility, location) = match system {
        MigrationSystem::Alembic => alembic(&file.path, text),
        MigrationSystem::Django => django_ops::reversibility(&file.path, text),
        MigrationSystem::GolangMigrate | MigrationSystem::Sqlx => {
            if file.path.ends_with(".down.sql") {
                return one;
            }
            let down = file.path.replace(".up.sql", ".down.sql");
            if inventory.get(&down).is_some() {
                (Reversibility::Reversible, Location::file(&file.path))
            } else {
                (
                    Reversibility::Irreversible(format!("no {down}")),
                    Location::file(&file.path),
                )
            }
        }
        MigrationSystem::Flyway => {
            let name = file.path.rsplit('/').next().unwrap_or("");
            if !name.to_ascii_lowercase().starts_with('v') {
                return one;
            }
            let undo = file
                .path
                .replacen(&format!("/{name}"), &format!("/U{}", &name[1..]), 1);
            if inventory.get(&undo).is_some() {
                (Reversibility::Reversible, Location::file(&file.path))
            } else {
                (
                    Reversibility::Irreversible("no Flyway undo (U) migration".into()),
                    Location::file(&file.path),
                )
            }
        }
        MigrationSystem::Rails => rails_ops::reversibility(&file.path, text),
        MigrationSystem::Knex => knex(&file.path, text),
        MigrationSystem::Laravel => laravel_ops::reversibility(&file.path, text),
        MigrationSystem::EfCore => ef_core_ops::reversibility(&file.path, text),
        MigrationSystem::Liquibase => liquibase(&file.path, text),
        MigrationSystem::GoCode => super::go_migrations::reversibility(&file.path, text),
        _ => (Reversibility::Unknown, Location::file(&file.path)),
    };
    one.file = Some(MigrationFile {
        path: file.path.clone(),
        system,
        reversibility,
        location,
    });
    one
}

fn alembic(path: &str, text: &str) -> (Reversibility, Location) {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_start().starts_with("def downgrade("))
    else {
        return (
            Reversibility::Irreversible("no downgrade() function".into()),
            Location::file(path),
        );
    };
    let header = lines[start];
    let column = header.len() - header.trim_start().len() + 1;
    let location = Location::line(
        path,
        start + 1,
        column,
        column + header.trim().chars().count(),
    );
    let indent = column - 1;
    let body: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let meaningful: Vec<&&str> = body
        .iter()
        .filter(|l| {
            **l != "pass"
                && !l.starts_with("\"\"\"")
                && !l.starts_with("'''")
                && !l.starts_with("...")
        })
        .collect();
    if meaningful.is_empty() {
        (
            Reversibility::Irreversible("downgrade() is empty (pass)".into()),
            location,
        )
    } else if meaningful.iter().all(|l| l.starts_with("raise")) {
        (
            Reversibility::Irreversible("downgrade() raises instead of reverting".into()),
            location,
        )
    } else {
        (Reversibility::Reversible, location)
    }
}

fn line_location(path: &str, index: usize, line: &str) -> Location {
    let column = line.len() - line.trim_start().len() + 1;
    Location::line(
        path,
        index + 1,
        column,
        column + line.trim().chars().count(),
    )
}

/// Knex: a migration is reversible when it exports a `down` with a body.
fn knex(path: &str, text: &str) -> (Reversibility, Location) {
    let lines: Vec<&str> = text.lines().collect();
    let down = lines.iter().position(|l| {
        let l = l.trim_start();
        l.starts_with("exports.down")
            || l.contains("function down(")
            || l.starts_with("export const down")
            || l.starts_with("down:")
    });
    let Some(start) = down else {
        return (
            Reversibility::Irreversible("no down migration is exported".into()),
            Location::file(path),
        );
    };
    let location = line_location(path, start, lines[start]);
    // The body is empty when the function closes on its own line with nothing in between.
    let after: String = lines[start..]
        .iter()
        .take(6)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let body = after
        .split_once('{')
        .map(|(_, rest)| rest.split('}').next().unwrap_or(""))
        .unwrap_or("x");
    let meaningful = body.lines().map(str::trim).any(|l| {
        !l.is_empty() && !l.starts_with("//") && l != "return;" && l != "return Promise.resolve();"
    });
    if meaningful {
        (Reversibility::Reversible, location)
    } else {
        (
            Reversibility::Irreversible("the exported down migration is empty".into()),
            location,
        )
    }
}

/// Liquibase: change types Liquibase cannot invert on its own (raw SQL, drops, data
/// deletes) need an explicit rollback in their changeSet.
fn liquibase(path: &str, text: &str) -> (Reversibility, Location) {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.contains("<changeSet")
                || l.trim_start().starts_with("- changeSet:")
                || l.trim_start().starts_with("\"changeSet\"")
        })
        .map(|(i, _)| i)
        .collect();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let body = lines[start..end].join("\n").to_ascii_lowercase();
        let needs_rollback = [
            "<sql",
            "<sqlfile",
            "<droptable",
            "<dropcolumn",
            "<delete",
            "- sql:",
            "- droptable:",
            "- dropcolumn:",
            "- delete:",
            "sqlfile:",
        ]
        .iter()
        .any(|c| body.contains(c));
        if needs_rollback && !body.contains("rollback") {
            let reason = "a changeSet with raw SQL or a drop has no <rollback>".to_string();
            return (
                Reversibility::Irreversible(reason),
                line_location(path, start, lines[start]),
            );
        }
    }
    if starts.is_empty() {
        (Reversibility::Unknown, Location::file(path))
    } else {
        (
            Reversibility::Reversible,
            line_location(path, starts[0], lines[starts[0]]),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_migrations_start_after_is_read_with_underscores() {
        let text = "# Mark existing migrations as safe\nStrongMigrations.start_after = 20_230_825_182_405\n";
        assert_eq!(
            strong_migrations_start_after(text),
            Some((20_230_825_182_405, 1))
        );
        assert_eq!(
            strong_migrations_start_after("# StrongMigrations.start_after = 1\n"),
            None
        );
    }

    #[test]
    fn knex_down_migrations() {
        let good = "exports.up = function (knex) {\n  return knex.schema.createTable('t', (t) => t.increments());\n};\n\nexports.down = function (knex) {\n  return knex.schema.dropTable('t');\n};\n";
        assert_eq!(knex("m.js", good).0, Reversibility::Reversible);
        assert_eq!(knex("m.js", good).1.line, 5);
        let empty = "exports.up = async (knex) => { await knex.raw('select 1'); };\nexports.down = async () => {};\n";
        assert!(
            matches!(knex("m.js", empty).0, Reversibility::Irreversible(r) if r.contains("empty"))
        );
        let missing = "exports.up = async (knex) => { await knex.raw('select 1'); };\n";
        assert!(
            matches!(knex("m.js", missing).0, Reversibility::Irreversible(r) if r.contains("no down"))
        );
    }

    #[test]
    fn liquibase_changesets_need_rollbacks_for_sql_and_drops() {
        let xml = "<databaseChangeLog>\n  <changeSet id=\"1\" author=\"a\">\n    <createTable tableName=\"t\"/>\n  </changeSet>\n  <changeSet id=\"2\" author=\"a\">\n    <sql>update t set x = 1</sql>\n  </changeSet>\n</databaseChangeLog>\n";
        let (state, at) = liquibase("db/changelog.xml", xml);
        assert!(matches!(state, Reversibility::Irreversible(r) if r.contains("no <rollback>")));
        assert_eq!(at.line, 5);
        let fixed = xml.replace(
            "<sql>update t set x = 1</sql>",
            "<sql>update t set x = 1</sql>\n    <rollback>update t set x = 0</rollback>",
        );
        assert_eq!(
            liquibase("db/changelog.xml", &fixed).0,
            Reversibility::Reversible
        );
    }

    #[test]
    fn alembic_downgrade_states() {
        let real = "def upgrade():\n    op.add_column('user', sa.Column('x'))\n\n\ndef downgrade():\n    op.drop_column('user', 'x')\n";
        assert_eq!(alembic("v.py", real).0, Reversibility::Reversible);
        assert_eq!(alembic("v.py", real).1.line, 5);
        let empty = "def upgrade():\n    op.create_table('t')\n\ndef downgrade():\n    # nothing\n    pass\n";
        assert!(
            matches!(alembic("v.py", empty).0, Reversibility::Irreversible(r) if r.contains("empty"))
        );
        let raising = "def downgrade() -> None:\n    raise NotImplementedError()\n";
        assert!(
            matches!(alembic("v.py", raising).0, Reversibility::Irreversible(r) if r.contains("raises"))
        );
        assert!(matches!(
            alembic("v.py", "def upgrade():\n    pass\n").0,
            Reversibility::Irreversible(_)
        ));
    }
}
