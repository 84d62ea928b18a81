//! The inventory: one parallel, `.gitignore`-aware walk of the repository that lists every file
//! once, classifies it by path and reads the text of the files later stages need.
//!
//! Hidden folders such as `.github` are included; `.git` is not. Symbolic links are never
//! followed, so nothing outside the repository is read. Files that git tracks although
//! `.gitignore` matches them are added from git's index (`git_index`). A file that cannot be used (too large,
//! binary, not UTF-8, unreadable) is listed as skipped with the reason; it never aborts the walk.

mod classify;
mod compiled;
pub mod git_index;
mod kinds;
mod read;

use std::hash::{BuildHasher, RandomState};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

pub use classify::{classify, rendered_config};
pub use compiled::compiled_requirements;
pub use kinds::{Ecosystem, FileKind, MigrationSystem};

/// Largest file whose text is read. Pipeline and config files are far smaller.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Most text kept in memory for the stages after reading. Each file is searched as it is
/// read whatever this says; past the bound, texts are no longer kept, and which ones are not
/// depends on the order threads read them in, so two runs over such a repository may differ
/// in what they assess. Real repositories keep tens of megabytes.
pub const MAX_KEPT_BYTES: usize = 512 * 1024 * 1024;

/// Most text of pipelines modelled step by step ([`FileKind::is_modelled_pipeline`]), taken
/// workflows and the root GitLab pipeline first, each group in path order: the model takes 20
/// to 150 times a file's size. The largest real repositories measured hold under 100 KB of
/// workflows; 5,000 workflows of real projects are 15 MB.
pub const MAX_PIPELINE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RepoFile {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    /// The text, for files that are read and readable; a UTF-8 byte-order mark is removed.
    pub text: Option<String>,
}

impl RepoFile {
    /// The ecosystem whose versions the file pins, every one: a lockfile's, or Python's for
    /// a requirements file that pip-compile or uv wrote (see [`compiled_requirements`]).
    pub fn locks(&self) -> Option<Ecosystem> {
        match self.kind {
            FileKind::Lockfile(ecosystem) => Some(ecosystem),
            FileKind::Manifest(Ecosystem::Python) => {
                self.compiled_requirements().map(|_| Ecosystem::Python)
            }
            _ => None,
        }
    }

    /// The tool that compiled a requirements file and the line of the header that says so,
    /// when the file is one (see [`compiled_requirements`]).
    pub fn compiled_requirements(&self) -> Option<(&'static str, usize)> {
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        let name = name.to_ascii_lowercase();
        if self.kind != FileKind::Manifest(Ecosystem::Python)
            || !name.starts_with("requirements")
            || !name.ends_with(".txt")
        {
            return None;
        }
        compiled_requirements(self.text.as_deref()?)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Inventory {
    pub root: PathBuf,
    /// Every listed file, sorted by path. Not to be changed once a file has been looked up.
    pub files: Vec<RepoFile>,
    pub skipped: Vec<Skipped>,
    /// The positions in `files` by the hash of their path, built at the first lookup in a
    /// large inventory, with the hasher's random keys: paths cannot be named to collide.
    by_hash: OnceLock<(RandomState, Vec<(u64, u32)>)>,
}

/// From this many files on, paths are looked up by their hash. A binary search compares the
/// long beginnings that neighbouring paths share (`services/svc-00670-coupon/src/...`) about
/// seventeen times in 100,000 files, and evidence and findings look up tens of thousands.
const HASHED_LOOKUP: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{0}: no such directory; pass the path of a repository checkout")]
    NotFound(PathBuf),
    #[error("{0}: not a directory; pass the folder that holds the repository")]
    NotADirectory(PathBuf),
    #[error(
        "{0}: no files to assess (none outside .git, vendored folders and what .gitignore, \
         .ignore and .git/info/exclude leave out){1}; pass the folder of a repository checkout"
    )]
    Empty(PathBuf, String),
}

impl Inventory {
    /// An inventory of `files`, which are sorted by path.
    pub fn new(root: PathBuf, files: Vec<RepoFile>, skipped: Vec<Skipped>) -> Self {
        debug_assert!(files.windows(2).all(|w| w[0].path < w[1].path));
        Inventory {
            root,
            files,
            skipped,
            by_hash: OnceLock::new(),
        }
    }

    pub fn of_kind(&self, kind: FileKind) -> impl Iterator<Item = &RepoFile> {
        self.files.iter().filter(move |f| f.kind == kind)
    }

    pub fn texts(&self) -> impl Iterator<Item = (&RepoFile, &str)> {
        self.files
            .iter()
            .filter_map(|f| f.text.as_deref().map(|t| (f, t)))
    }

    pub fn get(&self, path: &str) -> Option<&RepoFile> {
        self.position(path).map(|i| &self.files[i])
    }

    /// The index of a file in `files`.
    pub fn position(&self, path: &str) -> Option<usize> {
        if self.files.len() < HASHED_LOOKUP {
            return (self.files)
                .binary_search_by(|f| f.path.as_str().cmp(path))
                .ok();
        }
        let (keys, by_hash) = self.by_hash.get_or_init(|| {
            let keys = RandomState::new();
            let mut by_hash: Vec<(u64, u32)> = (self.files.par_iter().enumerate())
                .map(|(at, f)| (keys.hash_one(f.path.as_str()), at as u32))
                .collect();
            by_hash.par_sort_unstable();
            (keys, by_hash)
        });
        let hash = keys.hash_one(path);
        let from = by_hash.partition_point(|&(h, _)| h < hash);
        (by_hash[from..].iter())
            .take_while(|&&(h, _)| h == hash)
            .map(|&(_, at)| at as usize)
            .find(|&at| self.files[at].path == path)
    }
}

/// Walks `root` and reads what later stages need.
pub fn scan(root: &Path) -> Result<Inventory, InventoryError> {
    list(root).map(|listing| listing.read(|_, _| ((), true)).0)
}

/// The files of a repository, listed but not yet read.
pub struct Listing {
    root: PathBuf,
    files: Vec<String>,
    skipped: Vec<Skipped>,
}

/// Walks `root` and lists its files without reading them.
pub fn list(root: &Path) -> Result<Listing, InventoryError> {
    let metadata =
        std::fs::metadata(root).map_err(|_| InventoryError::NotFound(root.to_path_buf()))?;
    if !metadata.is_dir() {
        return Err(InventoryError::NotADirectory(root.to_path_buf()));
    }
    let (mut files, mut skipped) = walk(root);
    files.sort_unstable();
    // Files the project commits although its `.gitignore` matches them.
    let is_excluded = |path: &str| path.split('/').any(is_vendored);
    let (tracked, problem) = git_index::unlisted_tracked_files(root, &files, is_excluded);
    files.extend(tracked);
    if let Some(reason) = problem {
        let reason =
            format!("{reason}; files that .gitignore matches but git tracks are not assessed");
        skipped.push(Skipped {
            path: ".git/index".into(),
            reason,
        });
    }
    if files.is_empty() {
        let skipped: Vec<String> = (skipped.iter().take(3))
            .map(|s| format!("{} ({})", s.path, s.reason))
            .collect();
        let skipped = if skipped.is_empty() {
            String::new()
        } else {
            format!("; skipped: {}", skipped.join(", "))
        };
        return Err(InventoryError::Empty(root.to_path_buf(), skipped));
    }
    Ok(Listing {
        root: root.to_path_buf(),
        files,
        skipped,
    })
}

/// Lists regular files; entries the walker cannot use become `Skipped`. Nothing is opened or
/// stat-ed here: a file's size is read from the open file, and only for files that are read.
fn walk(root: &Path) -> (Vec<String>, Vec<Skipped>) {
    let listed = Mutex::new(Vec::new());
    let skipped = Mutex::new(Vec::new());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .git_global(false)
        .parents(false)
        .follow_links(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build_parallel();
    let vendored = Mutex::new(Vec::new());

    walker.run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let Some(file_type) = entry.file_type() else {
                        return ignore::WalkState::Continue;
                    };
                    let path = relative(root, entry.path());
                    if file_type.is_dir() && is_vendored(&entry.file_name().to_string_lossy()) {
                        push(&vendored, Skipped { path, reason: "vendored or installed dependencies, not the project's own files".into() });
                        return ignore::WalkState::Skip;
                    }
                    if file_type.is_file() && entry.path().to_str().is_none() {
                        // The lossy path in the report would not name the file on disk.
                        push(
                            &skipped,
                            Skipped {
                                path,
                                reason: "file name is not valid UTF-8, not read".into(),
                            },
                        );
                    } else if file_type.is_file() {
                        push(&listed, path);
                    } else if file_type.is_symlink() {
                        push(
                            &skipped,
                            Skipped {
                                path,
                                reason: "symbolic link, not followed".into(),
                            },
                        );
                    } else if !file_type.is_dir() {
                        push(
                            &skipped,
                            Skipped {
                                path,
                                reason: "not a regular file (FIFO, socket or device)".into(),
                            },
                        );
                    }
                }
                Err(error) => {
                    let path = error_path(&error)
                        .map(|p| relative(root, &p))
                        .unwrap_or_default();
                    push(
                        &skipped,
                        Skipped {
                            path,
                            reason: format!("unreadable: {}", first_line(&error.to_string())),
                        },
                    );
                }
            }
            ignore::WalkState::Continue
        })
    });
    let mut skipped = into_inner(skipped);
    skipped.extend(into_inner(vendored));
    (into_inner(listed), skipped)
}

/// Folders that hold other projects' code: assessing them would credit or blame this
/// repository for practices that are not its own.
fn is_vendored(name: &str) -> bool {
    matches!(
        name,
        "vendor"
            | "node_modules"
            | "third_party"
            | "third-party"
            | ".venv"
            | "venv"
            | "bower_components"
            | "Pods"
    )
}

fn push<T>(list: &Mutex<Vec<T>>, item: T) {
    if let Ok(mut guard) = list.lock() {
        guard.push(item);
    }
}

fn into_inner<T>(list: Mutex<Vec<T>>) -> Vec<T> {
    list.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn relative(root: &Path, path: &Path) -> String {
    // The walker joins each name to its folder's path, so below the root a path is the
    // root's text, a separator and the rest: cut as text, which is several times quicker
    // than comparing components.
    if cfg!(unix)
        && let (Some(root), Some(text)) = (root.to_str(), path.to_str())
        && let Some(rest) = text.strip_prefix(root)
        && let Some(rest) = rest
            .strip_prefix('/')
            .or(root.ends_with('/').then_some(rest))
        && !rest.is_empty()
        && !rest.starts_with('/')
        && !rest
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return rest.to_string();
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    // The walker joins each name to its folder's path, so below the root a Unix path is
    // already in the form the report uses.
    if cfg!(unix)
        && let Some(text) = rel.to_str()
        && !text.starts_with('/')
    {
        return text.to_string();
    }
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Small and large inventories find every file they hold and no other, whether by binary
    /// search or by the hash of the path.
    #[test]
    fn every_file_is_found_by_its_path() {
        for count in [3, HASHED_LOOKUP - 1, HASHED_LOOKUP, 5000] {
            let mut paths: Vec<String> = (0..count)
                .map(|i| format!("services/svc-{:05}/src/module_{:03}.go", i / 40, i % 40))
                .collect();
            paths.sort();
            let files = (paths.iter())
                .map(|path| RepoFile {
                    path: path.clone(),
                    kind: classify(path),
                    text: None,
                })
                .collect();
            let inventory = Inventory::new(PathBuf::from("/repo"), files, Vec::new());
            for (at, path) in paths.iter().enumerate() {
                assert_eq!(inventory.position(path), Some(at), "{path} of {count}");
            }
            for missing in ["", "services", "services/svc-00000/src/module_040.go", "x"] {
                assert_eq!(inventory.position(missing), None, "{missing} of {count}");
            }
            assert_eq!(
                inventory.get(&paths[count - 1]).map(|f| f.path.as_str()),
                Some(paths[count - 1].as_str())
            );
        }
    }
}
