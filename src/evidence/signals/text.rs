//! The text pass: each file's text is searched once, as soon as it is read, for the catalog's
//! `code` and `content` signals and for committed credentials. What is found is kept with its
//! location and snippet, so a large repository's source code need not stay in memory for the
//! later stages.

use rayon::prelude::*;

use super::{
    ends_ignoring_case, first_outside_comments, is_application_code, is_reference_material,
    starts_ignoring_case,
};
use crate::catalog::Catalog;
use crate::evidence::secrets::{self, SecretHit};
use crate::inventory::{FileKind, Inventory, RepoFile};
use crate::source::Location;

/// Which list of catalog signals a hit belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalList {
    Code,
    Content,
}

/// One catalog signal found in one file: its first match outside comments.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalHit {
    pub list: SignalList,
    /// Index of the signal in its list of the catalog's signal index.
    pub signal: usize,
    pub location: Location,
    pub snippet: String,
}

/// What the text pass found in one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileScan {
    /// Whether the file had text to search.
    pub searched: bool,
    pub signals: Vec<SignalHit>,
    pub secrets: Vec<SecretHit>,
    /// The first line, as a snippet, of a file whose text is not kept: evidence that names a
    /// whole file (a test file, say) still shows how it begins.
    pub head: Option<String>,
    /// The `files` signals whose glob matches the file's path, matched with the `content`
    /// signals' globs while the file was read.
    pub file_signals: Vec<usize>,
}

/// Text that detectors read from source files after the pass, with the file name ending
/// they look for it in; a source file holding one of these keeps its text.
const READ_LATER: &[(&str, &str)] = &[
    ("#[test]", ".rs"),
    (".create_all(", ""),
    (".EnsureCreated", ".cs"),
    ("StrongMigrations.start_after", ""),
    // A Laravel application's connections, which say what database its migrations run on.
    ("driver", "database.php"),
    // The metadata beside an Entity Framework Core migration, which names its provider.
    ("Annotation", ".Designer.cs"),
];

/// The [`READ_LATER`] markers, each compiled once into a vectorised substring search.
static READ_LATER_FINDERS: std::sync::LazyLock<Vec<(memchr::memmem::Finder<'static>, &str)>> =
    std::sync::LazyLock::new(|| {
        READ_LATER
            .iter()
            .map(|(marker, ending)| (memchr::memmem::Finder::new(marker), *ending))
            .collect()
    });

/// Data of no particular kind (JSON fixtures, XML, generated schemas, text dumps) larger than
/// this keeps its text only where something was found in it, as source code does: a
/// monorepo's gigabyte of JSON fixtures would otherwise stay in memory for stages that never
/// read it. YAML, TOML and scripts stay whatever their size, since pipelines name them (Cloud
/// Build trigger files, scripts steps run, `.shipready.toml`), and so do documents, which are
/// read for a security policy's sections.
const LARGE_TEXT: usize = 256 * 1024;

/// Whether a file's name says it holds data, which no stage after the text pass reads.
fn is_data(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    ["json", "xml", "txt"]
        .iter()
        .any(|e| extension.eq_ignore_ascii_case(e))
}

/// Searches one file's text; returns what was found and whether the inventory must keep the
/// text. Source code and large files of no particular kind are kept only where something was
/// found in them, configuration always.
pub fn scan_file(catalog: &Catalog, file: &RepoFile, text: &str) -> (FileScan, bool) {
    let index = &catalog.index;
    let code = file.kind == FileKind::Source && is_application_code(&file.path);
    let globs = index.globs.matches(&file.path);
    let wanted = if is_reference_material(&file.path)
        || is_sample_manifest(&file.path)
        || (!globs.content.is_empty() && is_schema_definition(text))
    {
        Vec::new()
    } else {
        globs.content
    };
    let mut signals = Vec::new();
    if code || !wanted.is_empty() {
        let (code_candidates, content_candidates) =
            index.text_candidates(text.as_bytes(), code, &wanted);
        let mut add = |list: SignalList, signal: usize, regex: Option<&regex::bytes::Regex>| {
            let Some(found) = regex.and_then(|r| first_outside_comments(r, text, &file.path))
            else {
                return;
            };
            let location = super::location_at(&file.path, text, found.start(), found.end());
            let snippet = crate::source::snippet(crate::source::line_of(text, location.line));
            signals.push(SignalHit {
                list,
                signal,
                location,
                snippet,
            });
        };
        if code {
            for signal in code_candidates {
                add(SignalList::Code, signal, index.code_regexes[signal].get());
            }
        }
        for signal in content_candidates {
            add(
                SignalList::Content,
                signal,
                index.content_regexes[signal].get(),
            );
        }
    }
    let secrets = secrets::find(&file.path, text);
    let searched_only = match file.kind {
        FileKind::Source => true,
        FileKind::Text => text.len() > LARGE_TEXT && is_data(&file.path),
        _ => false,
    };
    let keep = !searched_only
        || !signals.is_empty()
        || !secrets.is_empty()
        || READ_LATER_FINDERS.iter().any(|(marker, ending)| {
            file.path.ends_with(ending) && marker.find(text.as_bytes()).is_some()
        });
    let head = (!keep).then(|| crate::source::snippet(crate::source::line_of(text, 1)));
    let scan = FileScan {
        searched: true,
        signals,
        secrets,
        head,
        file_signals: globs.files,
    };
    (scan, keep)
}

/// A manifest in documentation or among test fixtures (`docs/features/*.yaml`,
/// `test/e2e/rollout.yaml`) shows how something could be deployed, not how this repository
/// is: its probes, rollout strategies and analysis steps are not the project's own. Compose
/// files stay: tests start their services from them.
fn is_sample_manifest(path: &str) -> bool {
    let (folders, name) = path.rsplit_once('/').unwrap_or(("", path));
    let manifest = [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| ends_ignoring_case(name, e));
    let compose =
        starts_ignoring_case(name, "docker-compose") || starts_ignoring_case(name, "compose");
    manifest
        && !compose
        && folders.split('/').any(|folder| {
            ["docs", "doc", "test", "tests", "e2e"]
                .iter()
                .any(|f| folder.eq_ignore_ascii_case(f))
        })
}

/// A Kubernetes CustomResourceDefinition names every field a resource may have; a
/// `readinessProbe:` in its schema is not a probe.
fn is_schema_definition(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("kind: CustomResourceDefinition"));
    FINDER.find(text.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::{is_sample_manifest, scan_file};
    use crate::inventory::{FileKind, RepoFile};

    /// Whether the text pass keeps `text` at `path` for later stages.
    fn kept(path: &str, text: &str) -> bool {
        let file = RepoFile {
            path: path.to_string(),
            kind: crate::inventory::classify(path),
            text: None,
        };
        scan_file(crate::catalog::Catalog::builtin(), &file, text).1
    }

    /// Large JSON, XML and text dumps are kept only where something was found in them; YAML
    /// and TOML, which pipelines name, and documents are kept at any size.
    #[test]
    fn large_data_and_prose_are_kept_only_with_findings() {
        let data = format!("[{}0]", "1, ".repeat(100_000));
        assert_eq!(
            crate::inventory::classify("fixtures/orders.json"),
            FileKind::Text
        );
        assert!(!kept("fixtures/orders.json", &data));
        assert!(!kept("dumps/orders.txt", &"1, 2, 3\n".repeat(40_000)));
        assert!(kept("docs/guide.md", &"- a change\n".repeat(30_000)));
        assert!(kept("fixtures/small.json", "[1, 2, 3]"));
        assert!(kept("deploy/triggers.yaml", &"- name: t\n".repeat(40_000)));
        assert!(kept(".shipready.toml", &"# note\n".repeat(50_000)));
        let key = "AKIA".to_string() + "Z7Q4XK2M9PLR3T5W";
        let with_secret = format!("{data}\n{{\"aws_access_key_id\": \"{key}\"}}");
        assert!(kept("fixtures/orders.json", &with_secret));
    }

    #[test]
    fn manifests_in_docs_and_tests_are_samples() {
        assert!(is_sample_manifest(
            "docs/features/kustomize/rollout-transform.yaml"
        ));
        assert!(is_sample_manifest(
            "test/e2e/functional/rollout-canary.yaml"
        ));
        assert!(!is_sample_manifest("tests/integration/docker-compose.yml"));
        assert!(!is_sample_manifest("manifests/base/deployment.yaml"));
        assert!(!is_sample_manifest("docs/runbook.md"));
        assert!(!is_sample_manifest(".github/workflows/test.yml"));
        assert!(is_sample_manifest("Docs/Features/Rollout.YAML"));
        assert!(!is_sample_manifest("Tests/Docker-Compose.yml"));
        assert!(!is_sample_manifest("docs.yaml"));
    }
}

/// The text pass of a whole repository, one entry per file of the inventory, in its order.
#[derive(Clone, Debug, Default)]
pub struct TextScans {
    files: Vec<FileScan>,
}

impl TextScans {
    /// Results of [`scan_file`] in the order of `Inventory::files`.
    pub fn new(files: Vec<FileScan>) -> Self {
        Self { files }
    }

    /// Searches every text of an inventory that was read in full.
    pub fn of(catalog: &Catalog, inventory: &Inventory) -> Self {
        let files = inventory
            .files
            .par_iter()
            .map(|file| match file.text.as_deref() {
                Some(text) => scan_file(catalog, file, text).0,
                None => FileScan::default(),
            })
            .collect();
        Self { files }
    }

    /// The first line of a file whose text the inventory did not keep.
    pub fn head<'a>(&'a self, inventory: &Inventory, path: &str) -> Option<&'a str> {
        let index = inventory.position(path)?;
        self.files.get(index)?.head.as_deref()
    }

    /// The `files` signals whose glob matches the inventory's file at `index`: as matched
    /// while the file was read, or now for a file that was not read.
    pub fn file_signals(
        &self,
        catalog: &Catalog,
        index: usize,
        path: &str,
    ) -> std::borrow::Cow<'_, [usize]> {
        match self.files.get(index) {
            Some(scan) if scan.searched => std::borrow::Cow::Borrowed(&scan.file_signals),
            _ => std::borrow::Cow::Owned(catalog.index.globs.matches(path).files),
        }
    }

    /// How many files were searched.
    pub fn scanned(&self) -> usize {
        self.files.iter().filter(|f| f.searched).count()
    }

    /// Each file with the hits of one signal list, in path order.
    pub fn signals<'a>(
        &'a self,
        inventory: &'a Inventory,
        list: SignalList,
    ) -> impl Iterator<Item = (&'a RepoFile, &'a SignalHit)> {
        inventory
            .files
            .iter()
            .zip(&self.files)
            .flat_map(move |(file, scan)| {
                scan.signals
                    .iter()
                    .filter(move |hit| hit.list == list)
                    .map(move |hit| (file, hit))
            })
    }

    /// Each file with the credentials found in it, in path order.
    pub fn secrets<'a>(
        &'a self,
        inventory: &'a Inventory,
    ) -> impl Iterator<Item = (&'a RepoFile, &'a [SecretHit])> {
        inventory
            .files
            .iter()
            .zip(&self.files)
            .filter(|(_, scan)| !scan.secrets.is_empty())
            .map(|(file, scan)| (file, scan.secrets.as_slice()))
    }
}
