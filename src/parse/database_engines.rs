//! The database engine a migration runs on, where its framework writes it down.
//!
//! The hazard rules describe PostgreSQL, and a migration is read as PostgreSQL's unless it
//! says otherwise. Two frameworks say so. An Entity Framework Core migration and its
//! `.Designer.cs` carry their provider's annotations (`Npgsql:`, `SqlServer:`, `MySql:`,
//! `Sqlite:`), and a Laravel application lists its connections' drivers in
//! `config/database.php`. What they name decides which hazards hold: MySQL (InnoDB) builds a
//! secondary index without blocking writes and fills a new `NOT NULL` column of existing rows
//! with its type's implicit default, so neither is a hazard there; SQLite has no way to build
//! an index without holding its single write lock, so there is nothing to advise.

use std::collections::BTreeMap;

use super::calls::{Syntax, literal_ranges};
use super::hazards::HazardKind;
use crate::inventory::{FileKind, Inventory, MigrationSystem};

/// A database engine, as far as the migration shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    PostgreSql,
    MySql,
    SqlServer,
    Sqlite,
    /// Not written down, or several: read as PostgreSQL.
    Unknown,
}

impl Engine {
    /// Whether an operation of `kind` is a hazard on this engine.
    pub fn keeps(self, kind: HazardKind) -> bool {
        match kind {
            HazardKind::IndexLocksWrites => !matches!(self, Self::MySql | Self::Sqlite),
            HazardKind::NotNullWithoutDefault => self != Self::MySql,
            _ => true,
        }
    }

    /// The one engine that `engines` agree on, or [`Engine::Unknown`].
    fn agreed(engines: impl IntoIterator<Item = Engine>) -> Engine {
        let mut agreed = None;
        for engine in engines {
            match agreed {
                None => agreed = Some(engine),
                Some(one) if one == engine => {}
                Some(_) => return Self::Unknown,
            }
        }
        agreed.unwrap_or(Self::Unknown)
    }

    /// The engine of a Laravel `config/database.php`: the one every connection's `driver`
    /// names. A configuration that offers several (as Laravel's own default does) leaves the
    /// engine to the environment, and so unknown.
    pub fn of_laravel_config(text: &str) -> Engine {
        let literals = literal_ranges(text, Syntax::Php);
        let drivers = literals.windows(2).filter_map(|pair| {
            let ((key_start, key_end), (value_start, value_end)) = (pair[0], pair[1]);
            let between = text.get(key_end + 1..value_start.saturating_sub(1))?;
            if &text[key_start..key_end] != "driver" || between.trim() != "=>" {
                return None;
            }
            Some(match &text[value_start..value_end] {
                "pgsql" => Self::PostgreSql,
                "mysql" | "mariadb" => Self::MySql,
                "sqlsrv" => Self::SqlServer,
                "sqlite" => Self::Sqlite,
                _ => Self::Unknown,
            })
        });
        Self::agreed(drivers)
    }

    /// The engine whose provider annotations an Entity Framework Core migration (or its
    /// designer file) carries, when it carries one provider's only.
    pub fn of_ef_core(text: &str) -> Engine {
        let providers = [
            ("Npgsql", Self::PostgreSql),
            ("SqlServer", Self::SqlServer),
            ("MySql:", Self::MySql),
            ("MySqlValueGenerationStrategy", Self::MySql),
            ("Sqlite:", Self::Sqlite),
        ];
        let found = providers
            .iter()
            .filter(|(marker, _)| {
                memchr::memmem::find(text.as_bytes(), marker.as_bytes()).is_some()
            })
            .map(|&(_, engine)| engine);
        Self::agreed(found)
    }
}

/// Where a Laravel migration's application starts: the path before `database/migrations/`.
pub(super) fn laravel_root(path: &str) -> &str {
    let at = path
        .to_ascii_lowercase()
        .find("database/migrations/")
        .unwrap_or(0);
    &path[..at]
}

/// The database engine of each Laravel application that has migrations, by its root: read
/// once per application from its `config/database.php` (or `app/Config/database.php`).
pub(super) fn laravel_engines(inventory: &Inventory) -> BTreeMap<&str, Engine> {
    let mut out = BTreeMap::new();
    for file in inventory.files.iter() {
        if file.kind != FileKind::Migration(MigrationSystem::Laravel) {
            continue;
        }
        let root = laravel_root(&file.path);
        if out.contains_key(root) {
            continue;
        }
        let engine = ["config/database.php", "app/Config/database.php"]
            .iter()
            .find_map(|config| inventory.get(&format!("{root}{config}"))?.text.as_deref())
            .map_or(Engine::Unknown, Engine::of_laravel_config);
        out.insert(root, engine);
    }
    out
}

/// The database engine of an Entity Framework Core migration: its provider's annotations in
/// the migration, else in the `.Designer.cs` beside it.
pub(super) fn ef_core_engine(inventory: &Inventory, path: &str, text: &str) -> Engine {
    match Engine::of_ef_core(text) {
        Engine::Unknown => path
            .strip_suffix(".cs")
            .and_then(|stem| inventory.get(&format!("{stem}.Designer.cs")))
            .and_then(|designer| designer.text.as_deref())
            .map_or(Engine::Unknown, Engine::of_ef_core),
        engine => engine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_drivers_decide_only_when_they_agree() {
        let mysql = "return [\n    'default' => env('DB_CONNECTION', 'mysql'),\n    'connections' => [\n        'mysql' => ['driver' => 'mysql'],\n        'mysql_testing' => [\"driver\"  =>  \"mysql\"],\n    ],\n];\n";
        assert_eq!(Engine::of_laravel_config(mysql), Engine::MySql);
        let several = "'sqlite' => ['driver' => 'sqlite'], 'pgsql' => ['driver' => 'pgsql']";
        assert_eq!(Engine::of_laravel_config(several), Engine::Unknown);
        assert_eq!(
            Engine::of_laravel_config("'pgsql' => ['driver' => 'pgsql']"),
            Engine::PostgreSql
        );
        // A comment naming a driver is not a connection.
        assert_eq!(
            Engine::of_laravel_config("// 'driver' => 'mysql'\n"),
            Engine::Unknown
        );
    }

    #[test]
    fn ef_core_providers_are_read_from_annotations() {
        let npgsql = ".Annotation(\"Npgsql:ValueGenerationStrategy\", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)";
        assert_eq!(Engine::of_ef_core(npgsql), Engine::PostgreSql);
        assert_eq!(
            Engine::of_ef_core(".Annotation(\"SqlServer:Identity\", \"1, 1\")"),
            Engine::SqlServer
        );
        assert_eq!(
            Engine::of_ef_core("migrationBuilder.DropTable(\"t\");"),
            Engine::Unknown
        );
        assert!(!Engine::MySql.keeps(HazardKind::IndexLocksWrites));
        assert!(Engine::MySql.keeps(HazardKind::Destructive));
        assert!(Engine::SqlServer.keeps(HazardKind::NotNullWithoutDefault));
    }
}
