//! Path globs of the catalog's `content` and `files` signals, compiled once and matched
//! against every path of a repository.

use std::collections::HashMap;
use std::sync::RwLock;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// Path globs of the `content` and `files` signals, matched ignoring case. Many signals share
/// a glob (`**/*.y*ml` serves 75 of them), so each distinct glob is compiled and matched once
/// and stands for all of its signals; both lists are matched against a path at once.
///
/// Every file of a repository is matched, so the globs are split by what they look at. One
/// set over hundreds of globs runs as a large automaton, which the text pass pushes out of
/// the processor's caches between two files; the parts below are smaller, and most paths
/// skip two of them.
#[derive(Debug)]
pub struct PathGlobs {
    /// `**/name` globs, which look at the file name alone (`**/*.y*ml`, `**/Dockerfile*`).
    by_name: GlobGroup,
    /// Globs that begin with a folder written out (`docs/**/*.md`, `.github/workflows/*.yml`),
    /// by that folder in lower case; globs of top-level files (`README*`) under "".
    anchored: HashMap<String, GlobGroup>,
    /// Every other glob (`**/tests/**/*.py`, `{RELEASING*,docs/**/releasing*}`), matched
    /// against the whole path.
    anywhere: GlobGroup,
    /// What the file-name globs matched, by file name in lower case: names repeat across a
    /// repository (`__init__.py`, `index.ts`, `README.md`).
    names_seen: RwLock<HashMap<String, Vec<usize>>>,
    /// For each distinct glob, the content signals and the file signals that use it,
    /// ascending.
    signals: Vec<[Vec<usize>; 2]>,
    /// For each distinct glob, whether it names a document by the capitalised-name convention
    /// ([`names_document`]).
    documents: Vec<bool>,
}

/// At most this many file names' matches are remembered.
const NAMES_SEEN: usize = 1 << 16;

/// Some of the distinct globs, compiled into one set.
#[derive(Debug)]
struct GlobGroup {
    set: GlobSet,
    /// The distinct glob each of the set's globs is.
    globs: Vec<usize>,
}

impl GlobGroup {
    fn build(globs: Vec<(usize, Glob)>) -> Result<GlobGroup, String> {
        let mut builder = GlobSetBuilder::new();
        let mut ids = Vec::with_capacity(globs.len());
        for (id, glob) in globs {
            builder.add(glob);
            ids.push(id);
        }
        Ok(GlobGroup {
            set: builder.build().map_err(|e| e.to_string())?,
            globs: ids,
        })
    }

    fn extend_matches(&self, path: &str, into: &mut Vec<usize>) {
        if !self.globs.is_empty() {
            into.extend(self.set.matches(path).into_iter().map(|i| self.globs[i]));
        }
    }
}

/// Where a glob can match, which says which part of the globs it joins.
enum GlobReach {
    /// `**/` then a file name.
    Name,
    /// Below this folder (lower case); "" for a file at the top.
    Under(String),
    Anywhere,
}

fn reach(glob: &str) -> GlobReach {
    let special = |part: &str| part.contains(['*', '?', '[', '{', '\\']);
    match glob.split_once('/') {
        Some(("**", name)) if !name.contains('/') => GlobReach::Name,
        Some((folder, _)) if !special(folder) => GlobReach::Under(folder.to_ascii_lowercase()),
        Some(_) => GlobReach::Anywhere,
        // `**` alone, or in a name, crosses folders.
        None if glob.contains("**") => GlobReach::Anywhere,
        None => GlobReach::Under(String::new()),
    }
}

/// The signals whose glob matches a path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GlobHits {
    /// `content` signals, by index in `content_regexes`, ascending.
    pub content: Vec<usize>,
    /// `files` signals, by index in `file_owners`, ascending.
    pub files: Vec<usize>,
}

impl PathGlobs {
    pub(super) fn new<'a>(
        content: impl Iterator<Item = &'a str>,
        files: impl Iterator<Item = &'a str>,
    ) -> Result<Self, String> {
        let mut signals: Vec<[Vec<usize>; 2]> = Vec::new();
        let mut distinct = HashMap::new();
        let mut documents = Vec::new();
        let (mut by_name, mut anchored, mut anywhere) = (Vec::new(), HashMap::new(), Vec::new());
        let lists = content
            .enumerate()
            .map(|(signal, glob)| (0, signal, glob))
            .chain(files.enumerate().map(|(signal, glob)| (1, signal, glob)));
        for (list, signal, glob) in lists {
            let at = *distinct.entry(glob).or_insert(signals.len());
            if at == signals.len() {
                documents.push(names_document(glob));
                let compiled = GlobBuilder::new(glob)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| format!("bad glob {glob}: {e}"))?;
                match reach(glob) {
                    GlobReach::Name => by_name.push((at, compiled)),
                    GlobReach::Under(folder) => anchored
                        .entry(folder)
                        .or_insert_with(Vec::new)
                        .push((at, compiled)),
                    GlobReach::Anywhere => anywhere.push((at, compiled)),
                }
                signals.push(Default::default());
            }
            signals[at][list].push(signal);
        }
        Ok(PathGlobs {
            by_name: GlobGroup::build(by_name)?,
            anchored: (anchored.into_iter())
                .map(|(folder, globs)| Ok((folder, GlobGroup::build(globs)?)))
                .collect::<Result<_, String>>()?,
            anywhere: GlobGroup::build(anywhere)?,
            names_seen: RwLock::default(),
            signals,
            documents,
        })
    }

    /// The signals whose glob matches `path`.
    ///
    /// A template of configuration (`web.yaml.erb`) also matches as the file it renders.
    pub fn matches(&self, path: &str) -> GlobHits {
        let mut hits = GlobHits::default();
        let mut globs = Vec::new();
        self.globs_matching(path, &mut globs);
        if let Some(rendered) = crate::inventory::rendered_config(path) {
            self.globs_matching(rendered, &mut globs);
        }
        globs.sort_unstable();
        globs.dedup();
        for glob in globs {
            if self.documents[glob] && !is_document(path) {
                continue;
            }
            let [content, files] = &self.signals[glob];
            hits.content.extend_from_slice(content);
            hits.files.extend_from_slice(files);
        }
        hits.content.sort_unstable();
        hits.files.sort_unstable();
        hits
    }

    /// Adds the distinct globs that match `path`, in no particular order.
    fn globs_matching(&self, path: &str, globs: &mut Vec<usize>) {
        let (folder, name) = match (path.split_once('/'), path.rsplit_once('/')) {
            (Some((first, _)), Some((_, name))) => (first.to_ascii_lowercase(), name),
            _ => (String::new(), path),
        };
        let name = name.to_ascii_lowercase();
        let seen = self.names_seen.read().ok();
        if let Some(matched) = seen.as_ref().and_then(|seen| seen.get(&name)) {
            globs.extend_from_slice(matched);
        } else {
            drop(seen);
            let mut matched = Vec::new();
            self.by_name.extend_matches(&name, &mut matched);
            globs.extend_from_slice(&matched);
            if let Ok(mut seen) = self.names_seen.write()
                && seen.len() < NAMES_SEEN
            {
                seen.insert(name, matched);
            }
        }
        if let Some(group) = self.anchored.get(&folder) {
            group.extend_matches(path, globs);
        }
        self.anywhere.extend_matches(path, globs);
    }
}

/// Whether a glob's file name is a capitalised word followed by `*` (`DEPLOY*`,
/// `**/ROLLBACK*`): the convention for a document (`DEPLOY.md`, `ROLLBACK`), which globs
/// matched ignoring case would otherwise widen to code (`deploy.sh`, `rollback_test.go`).
fn names_document(glob: &str) -> bool {
    let name = glob.rsplit('/').next().unwrap_or(glob);
    name.strip_suffix('*').is_some_and(|stem| {
        stem.len() > 1 && (stem.bytes()).all(|b| b.is_ascii_uppercase() || b == b'_')
    })
}

/// Whether a file can be a document by its name: anything but code, scripts and data
/// (`DEPLOY.md`, `CHANGELOG.rdoc`, `COPYING.LESSER` are; `deploy.sh`, `rollback_test.go` are
/// not).
fn is_document(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, extension)) = name.rsplit_once('.') else {
        return true;
    };
    ![
        "sh", "bash", "zsh", "fish", "ps1", "bat", "cmd", "py", "go", "rb", "js", "mjs", "cjs",
        "ts", "tsx", "jsx", "rs", "java", "kt", "kts", "scala", "c", "h", "cc", "cpp", "hpp", "cs",
        "php", "pl", "pm", "swift", "lua", "ex", "exs", "erl", "dart", "groovy", "tf", "yml",
        "yaml", "json", "toml", "xml", "sql", "lock",
    ]
    .iter()
    .any(|e| extension.eq_ignore_ascii_case(e))
}

#[cfg(test)]
mod tests {
    use super::PathGlobs;

    /// `DEPLOY*` and `**/ROLLBACK*` name documents: matched ignoring case they still find
    /// `deploy.md` and `docs/Rollback.rst`, but not `deploy.sh` or a Go test named for
    /// rollbacks; a lower-case glob keeps matching any file.
    #[test]
    fn capitalised_name_globs_match_documents_only() {
        let Ok(globs) = PathGlobs::new(
            std::iter::empty(),
            ["DEPLOY*", "**/ROLLBACK*", "docs/**/rollback*"].into_iter(),
        ) else {
            panic!("globs compile");
        };
        let files = |path: &str| globs.matches(path).files;
        assert_eq!(files("DEPLOY.md"), [0]);
        assert_eq!(files("deployment.rst"), [0]);
        assert_eq!(files("DEPLOY"), [0]);
        assert!(files("deploy.sh").is_empty());
        assert!(files("deploy.py").is_empty());
        assert_eq!(files("ops/ROLLBACK.md"), [1]);
        assert_eq!(files("docs/Rollback.rst"), [1, 2]);
        assert!(files("test/e2e/rollback_window_test.go").is_empty());
        assert_eq!(files("docs/features/rollback.go"), [2]);
        assert_eq!(files("DEPLOY.rdoc"), [0]);
        assert!(files("deploy.yaml").is_empty());
    }

    /// Split by what they look at, the catalog's globs match exactly the paths one set of all
    /// of them matches: file names, folders at the top, folders anywhere, templates.
    #[test]
    fn split_globs_match_as_one_set() {
        let catalog = crate::catalog::Catalog::builtin();
        // Distinct globs are numbered in the order the catalog first names them: the content
        // signals' globs, then the file signals'.
        let practices = &catalog.practices;
        let content = practices
            .iter()
            .flat_map(|p| p.content.iter().map(|c| c.glob.as_str()));
        let files = practices
            .iter()
            .flat_map(|p| p.files.iter().map(|f| f.glob.as_str()));
        let mut distinct: Vec<&str> = Vec::new();
        for glob in content.chain(files) {
            if !distinct.contains(&glob) {
                distinct.push(glob);
            }
        }
        let mut builder = globset::GlobSetBuilder::new();
        for glob in &distinct {
            let glob = globset::GlobBuilder::new(glob)
                .case_insensitive(true)
                .literal_separator(true)
                .build();
            builder.add(glob.unwrap_or_else(|e| panic!("{e}")));
        }
        let whole = builder.build().unwrap_or_else(|e| panic!("{e}"));
        let globs = &catalog.index.globs;
        let folders = [
            "",
            "docs/",
            "Docs/ops/runbooks/",
            ".github/",
            ".GitHub/workflows/",
            ".github/ISSUE_TEMPLATE/",
            ".gitlab/ci/",
            "services/api/",
            "services/api/tests/unit/",
            "src/test/java/",
            "db/migrate/",
            "api/migrations/",
            "k6/scenarios/",
            "load-tests/x/",
            "monitoring/",
            "prometheus/rules/",
            "charts/app/templates/",
            "fuzz/",
            "overlays/staging/",
            "deploy/environments/staging/",
            "bin/",
            "scripts/",
            "runbooks/",
            "docs/adr/",
            ".semgrep/rules/",
            "provisioning/alerting/",
        ];
        let names = [
            "README.md",
            "readme",
            "Dockerfile",
            "Dockerfile.prod",
            "ci.yml",
            "deploy.yaml",
            "alerts.yml",
            "main.tf",
            "values.yaml",
            "test_x.py",
            "factories.py",
            "0001_initial.py",
            "V1__init.sql",
            "kustomization.yaml",
            "CODEOWNERS",
            "SECURITY.md",
            "rollback.md",
            "runbook.md",
            "deploy.sh",
            "Cargo.toml",
            "pyproject.toml",
            "app.yaml.erb",
            "load.js",
            "seed.ts",
            "x.c",
            "package.json",
            "sonar-project.properties",
            "application-prod.yml",
            "RELEASING.md",
            "release-process.md",
            "security-review.md",
            "Makefile",
            "x_fuzzer.py",
        ];
        let mut compared = 0;
        for folder in folders {
            for name in names {
                let path = format!("{folder}{name}");
                let mut expected = whole.matches(&path);
                if let Some(rendered) = crate::inventory::rendered_config(&path) {
                    expected.extend(whole.matches(rendered));
                }
                let mut expected: Vec<&str> = expected.into_iter().map(|i| distinct[i]).collect();
                expected.sort_unstable();
                expected.dedup();
                let mut found = Vec::new();
                globs.globs_matching(&path, &mut found);
                if let Some(rendered) = crate::inventory::rendered_config(&path) {
                    globs.globs_matching(rendered, &mut found);
                }
                let mut found: Vec<&str> = found.into_iter().map(|i| distinct[i]).collect();
                found.sort_unstable();
                found.dedup();
                assert_eq!(found, expected, "{path}");
                compared += usize::from(!expected.is_empty());
            }
        }
        assert!(compared > 300, "{compared} paths matched a glob");
    }

    /// A glob reaches where its first folder says: a file name after `**/`, a folder written
    /// out, the top of the repository, or anywhere.
    #[test]
    fn globs_are_split_by_their_reach() {
        use super::{GlobReach, reach};
        let under = |glob: &str| match reach(glob) {
            GlobReach::Name => "name".to_string(),
            GlobReach::Under(folder) => format!("under {folder}"),
            GlobReach::Anywhere => "anywhere".to_string(),
        };
        assert_eq!(under("**/*.y*ml"), "name");
        assert_eq!(under("**/*.{c,cc}"), "name");
        assert_eq!(under("Docs/**/*.md"), "under docs");
        assert_eq!(under(".github/workflows/*.yml"), "under .github");
        assert_eq!(under("README*"), "under ");
        assert_eq!(under("**"), "anywhere");
        assert_eq!(under("**/tests/**/*.py"), "anywhere");
        assert_eq!(under("*/deploy.yml"), "anywhere");
        assert_eq!(under("{RELEASING*,docs/**/releasing*}"), "anywhere");
        let Ok(globs) = PathGlobs::new(["**", "docs/*.md"].into_iter(), std::iter::empty()) else {
            panic!("globs compile");
        };
        assert_eq!(globs.matches("src/deep/main.go").content, [0]);
        assert_eq!(globs.matches("docs/guide.md").content, [0, 1]);
        assert_eq!(globs.matches("README").content, [0]);
    }

    /// Globs match paths whatever the case of either, in the file name and in folders, and
    /// as the configuration a template renders.
    #[test]
    fn globs_match_ignoring_case() {
        let Ok(globs) = PathGlobs::new(
            [
                "**/Dockerfile*",
                ".github/workflows/*.y*ml",
                "docs/**/*backup*",
            ]
            .into_iter(),
            std::iter::empty(),
        ) else {
            panic!("globs compile");
        };
        let content = |path: &str| globs.matches(path).content;
        assert_eq!(content("services/api/DOCKERFILE.prod"), [0]);
        assert_eq!(content("Services/Api/dockerfile"), [0]);
        assert_eq!(content(".GitHub/Workflows/CI.YML"), [1]);
        assert_eq!(content(".github/workflows/deploy.yaml.j2"), [1]);
        assert_eq!(content("Docs/ops/Database-Backups.md"), [2]);
        assert!(content(".github/workflows/nested/ci.yml").is_empty());
        assert!(content("services/api/Containerfile").is_empty());
    }
}
