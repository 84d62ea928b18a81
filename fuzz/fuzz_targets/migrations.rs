//! Every migration reader (Alembic, Django, Rails, Knex, Laravel, EF Core, Go, plain SQL) on one
//! text, through the public stage entry point: the text is placed where each framework keeps
//! its migrations.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipready::inventory::{Inventory, RepoFile, classify};

const PATHS: &[&str] = &[
    "alembic/versions/a1_fuzz.py",
    "shop/migrations/0002_fuzz.py",
    "db/migrate/20240101000000_fuzz.rb",
    "migrations/20240101000000_fuzz.js",
    "database/migrations/2024_01_01_000000_fuzz.php",
    "src/Shop/Migrations/20240101000000_Fuzz.cs",
    "migrations/20240101000000_fuzz.go",
    "db/migration/V2__fuzz.sql",
    "supabase/migrations/20240101000000_fuzz.sql",
];

fuzz_target!(|text: &str| {
    for path in PATHS {
        let inventory = Inventory::new(
            "/nonexistent".into(),
            vec![RepoFile {
                path: path.to_string(),
                kind: classify(path),
                text: Some(text.to_string()),
            }],
            Vec::new(),
        );
        let _ = shipready::parse::migrations::scan(&inventory);
    }
});
