//! Parsers that turn file text into typed models with source positions.

pub mod alembic;
pub mod alembic_ops;
mod calls;
mod django_fields;
mod django_list;
pub mod django_ops;
pub mod dockerfile;
pub mod hazards;
mod knex_dialects;
pub mod knex_ops;
pub mod manifests;
pub mod migrations;
pub mod rails_ops;
mod ruby_statements;
pub mod sql;
mod sql_alter;
mod sql_literals;
pub mod sql_tokens;
pub mod yaml;

use crate::inventory::{FileKind, Inventory};
use crate::source::Unparsed;

/// Everything parsed from the repository except CI pipelines (see `pipeline`).
#[derive(Debug, Default)]
pub struct Parsed {
    pub dockerfiles: Vec<dockerfile::Dockerfile>,
    pub dependencies: Vec<manifests::Dependency>,
    pub migrations: migrations::Migrations,
    /// Manifests that did not parse, with the reason; their dependencies are unknown.
    pub unparsed: Vec<Unparsed>,
}

pub fn parse(inventory: &Inventory) -> Parsed {
    let mut parsed = Parsed::default();
    for (file, text) in inventory.texts() {
        match file.kind {
            FileKind::Dockerfile => parsed.dockerfiles.push(dockerfile::parse(&file.path, text)),
            FileKind::Manifest(ecosystem) => match manifests::parse(&file.path, ecosystem, text) {
                Ok(dependencies) => parsed.dependencies.extend(dependencies),
                Err(reason) => parsed.unparsed.push(Unparsed {
                    path: file.path.clone(),
                    reason,
                }),
            },
            _ => {}
        }
    }
    parsed.migrations = migrations::scan(inventory);
    parsed
}

/// The 1-based line and column (characters) of the first occurrence of `needle` at or after
/// line `from` (1-based), compared case-insensitively.
pub fn find_line(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    let needle = needle.to_ascii_lowercase();
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, line)| {
            let lower = line.to_ascii_lowercase();
            lower
                .find(&needle)
                .map(|byte| (i + 1, lower[..byte].chars().count() + 1))
        })
}
