//! Parsers that turn file text into typed models with source positions.

pub mod alembic;
pub mod alembic_ops;
mod brace_statements;
mod calls;
pub mod database_engines;
mod django_fields;
mod django_list;
pub mod django_ops;
pub mod dockerfile;
pub mod ef_core_ops;
mod go_migrations;
pub mod hazards;
pub(crate) mod json_keys;
mod knex_dialects;
pub mod knex_ops;
mod laravel_blueprint;
pub mod laravel_ops;
pub mod manifests;
pub mod migrations;
mod quoted;
pub mod rails_ops;
mod ruby_statements;
pub mod sql;
mod sql_alter;
mod sql_literals;
pub mod sql_tokens;
pub mod yaml;

use crate::inventory::{FileKind, Inventory};
use crate::source::Unparsed;
use rayon::prelude::*;

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
    /// What one file gave, in inventory order.
    enum One {
        Dockerfile(dockerfile::Dockerfile),
        Dependencies(Vec<manifests::Dependency>),
        Unparsed(Unparsed),
    }
    let (files, migrations) = rayon::join(
        || {
            inventory
                .files
                .par_iter()
                .filter_map(|file| {
                    let text = file.text.as_deref()?;
                    match file.kind {
                        FileKind::Dockerfile => {
                            Some(One::Dockerfile(dockerfile::parse(&file.path, text)))
                        }
                        FileKind::Manifest(ecosystem) => {
                            Some(match manifests::parse(&file.path, ecosystem, text) {
                                Ok(dependencies) => One::Dependencies(dependencies),
                                Err(reason) => One::Unparsed(Unparsed {
                                    path: file.path.clone(),
                                    reason,
                                }),
                            })
                        }
                        _ => None,
                    }
                })
                .collect::<Vec<One>>()
        },
        || migrations::scan(inventory),
    );
    let mut parsed = Parsed {
        migrations,
        ..Parsed::default()
    };
    for one in files {
        match one {
            One::Dockerfile(dockerfile) => parsed.dockerfiles.push(dockerfile),
            One::Dependencies(dependencies) => parsed.dependencies.extend(dependencies),
            One::Unparsed(unparsed) => parsed.unparsed.push(unparsed),
        }
    }
    parsed
}
