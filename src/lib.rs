//! shipready reads a repository and assesses its CI/CD maturity and production readiness.
//!
//! The stages follow the data flow: [`inventory`] walks and classifies the files, [`parse`]
//! and [`pipeline`] build typed models with source positions, [`evidence`] matches the
//! [`catalog`] against them, [`findings`] audits the files for defects at exact lines,
//! [`assessment`] scores and plans, and [`report`] renders.

pub mod assessment;
pub mod catalog;
pub mod evidence;
pub mod findings;
pub mod inventory;
pub mod parse;
pub mod pipeline;
pub mod report;
pub mod source;

use std::path::Path;

pub use assessment::Options;
pub use assessment::model::Assessment;

/// Assesses the repository checked out at `root` with the built-in catalog.
pub fn assess(root: &Path, options: &Options) -> Result<Assessment, inventory::InventoryError> {
    // Listing the repository and compiling the catalog do not depend on each other; reading
    // needs the catalog, because each text is searched as soon as it is read.
    let (catalog, listing) = std::thread::scope(|scope| {
        let catalog = scope.spawn(catalog::Catalog::builtin);
        let listing = inventory::list(root);
        let catalog = catalog
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        listing.map(|listing| (catalog, listing))
    })?;
    let (inventory, scans) = listing.read(|file, text| evidence::scan_file(catalog, file, text));
    let scans = evidence::TextScans::new(scans);
    let parsed = parse::parse(&inventory);
    // Findings read only the files and their parsed forms: they run beside the assessment.
    let (mut assessment, found) = rayon::join(
        || {
            let pipelines = pipeline::build(&inventory);
            let facts = evidence::Facts::new(catalog, &inventory, &parsed, &pipelines, &scans);
            let found = evidence::gather(catalog, &facts);
            let name = repository_name(root);
            assessment::assess(catalog, &facts, &found, &name, options)
        },
        || findings::audit(&inventory, &parsed, options.today.as_deref()),
    );
    assessment.findings = found.findings;
    if !found.cut.is_empty() {
        let read_in_part = &mut assessment.inventory.read_in_part;
        read_in_part.extend(found.cut);
        read_in_part.sort();
        read_in_part.dedup();
    }
    // Freeing a large repository's files and what was found in them takes tens of
    // milliseconds on one thread, and nothing waits for it.
    rayon::spawn(move || drop((inventory, scans, parsed)));
    Ok(assessment)
}

/// The folder name of the repository, which is the same on every machine (an absolute path
/// would make reports differ between checkouts).
fn repository_name(root: &Path) -> String {
    let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".".to_string())
}
