//! The catalog's signals compiled once into matchers: a literal prefilter over commands, one
//! over application code, one over configuration content for each set of signals whose globs
//! a path matches, and glob sets over paths. Patterns are matched as bytes with ASCII
//! classes; each is compiled alone, the first time the prefilter says it could match, which
//! keeps start-up cheap for hundreds of patterns.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use regex::bytes::{Regex, RegexBuilder};

use super::globs::PathGlobs;
use super::literals::{Case, Prefilter};
use super::{Practice, SignalState};

fn builder(pattern: &str) -> RegexBuilder {
    let mut b = RegexBuilder::new(pattern);
    b.case_insensitive(true)
        .multi_line(true)
        .unicode(false)
        .size_limit(50 << 20);
    b
}

pub fn compile(pattern: &str) -> Result<Regex, String> {
    builder(pattern).build().map_err(|e| e.to_string())
}

/// A pattern compiled the first time it is needed: most patterns never match a given
/// repository, and the prefilter already proved that every pattern parses.
#[derive(Debug)]
pub struct LazyRegex {
    pattern: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    fn new(pattern: &str) -> Self {
        Self {
            pattern: pattern.to_string(),
            compiled: OnceLock::new(),
        }
    }

    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| compile(&self.pattern).ok())
            .as_ref()
    }
}

/// Builds the prefilter for a list of patterns; when one does not parse, names its practice.
fn checked_filter(patterns: &[(&str, &str)]) -> Result<Prefilter, String> {
    let required = required_literals(patterns)?;
    Prefilter::of_required(required.iter().map(Option::as_deref), Case::Ignored)
}

/// At most this many sets of content signals get a filter of their own, of about 170 KB each.
/// Real repositories want a few dozen sets; a repository whose file names combine many globs
/// (`monitoring/prometheus/alert-rules-flags.gitlab-ci.yml`, ...) could want one set per file.
const CONTENT_FILTERS: usize = 64;

/// The required literals of each pattern; when one does not parse, names its practice.
/// The first pattern in the list that does not parse is the one named, whichever thread
/// read it.
fn required_literals(patterns: &[(&str, &str)]) -> Result<Vec<Option<Vec<Vec<u8>>>>, String> {
    use rayon::prelude::*;
    let read: Vec<Result<_, String>> = (patterns.par_iter())
        .map(|(id, p)| {
            super::literals::required_literals(p)
                .map_err(|e| format!("practice {id}: bad pattern {p}: {e}"))
        })
        .collect();
    read.into_iter().collect()
}

/// Folders whose files describe other setups (examples, samples, fixtures, documentation
/// sites), not how this repository is built and run.
pub const REFERENCE_FOLDERS: &[&str] = &[
    "example", "examples", "sample", "samples", "testdata", "fixtures", "static", "website",
];

/// Whether a glob names one of `REFERENCE_FOLDERS` as a folder.
fn names_reference_folder(glob: &str) -> bool {
    glob.split('/').rev().skip(1).any(|part| {
        REFERENCE_FOLDERS
            .iter()
            .any(|f| part.eq_ignore_ascii_case(f))
    })
}

/// A compiled signal: which practice it belongs to and the state it gives.
#[derive(Debug)]
pub struct Owner {
    pub practice: usize,
    /// The signal's glob names a folder of reference material (`**/fixtures/**`), so files
    /// there count for it although they count for nothing else.
    pub in_reference_folders: bool,
    pub state: SignalState,
    pub note: Option<String>,
    /// What a hit shows, for content signals whose pattern alone does not say it.
    pub summary: Option<String>,
}

#[derive(Debug)]
pub struct SignalIndex {
    /// `run` patterns over CI commands.
    pub commands: Prefilter,
    pub command_regexes: Vec<LazyRegex>,
    pub command_owners: Vec<usize>,
    /// `code` patterns: application source is searched for these.
    code_text: Prefilter,
    /// For each `content` pattern, the literals one of which its every match holds (`None`
    /// where it must always run).
    content_literals: Vec<Option<Vec<Vec<u8>>>>,
    /// The files a set of `content` signals' globs match are searched for those signals'
    /// literals only: one filter for each set of signals some path wants, built when a path
    /// first wants it. A Python module matches only `**/*.py` and is searched for the one
    /// literal of its one signal, not for the literals of every signal of every glob.
    content_filters: RwLock<HashMap<Vec<usize>, Arc<Prefilter>>>,
    /// One filter of every content literal, for the sets past [`CONTENT_FILTERS`]: its
    /// candidates are narrowed to the set.
    all_content: OnceLock<Option<Prefilter>>,
    /// `code` patterns over application source.
    pub code_regexes: Vec<LazyRegex>,
    pub code_owners: Vec<Owner>,
    /// `content` signals: glob, then pattern; only the patterns the prefilter lets through
    /// are compiled and run.
    pub content_regexes: Vec<LazyRegex>,
    pub content_owners: Vec<Owner>,
    /// `files` signals.
    pub file_owners: Vec<Owner>,
    /// The globs of the `content` and `files` signals.
    pub globs: PathGlobs,
}

impl SignalIndex {
    pub fn build(practices: &[Practice]) -> Result<SignalIndex, String> {
        let mut command_patterns = Vec::new();
        let mut command_owners = Vec::new();
        let mut code_patterns = Vec::new();
        let mut code_owners = Vec::new();
        let mut content_patterns = Vec::new();
        let mut content_owners = Vec::new();
        let mut file_owners = Vec::new();
        for (index, p) in practices.iter().enumerate() {
            for pattern in &p.run {
                command_patterns.push((p.id.as_str(), pattern.as_str()));
                command_owners.push(index);
            }
            for signal in &p.code {
                code_patterns.push((p.id.as_str(), signal.pattern.as_str()));
                code_owners.push(Owner {
                    practice: index,
                    in_reference_folders: false,
                    state: signal.state,
                    note: signal.note.clone(),
                    summary: None,
                });
            }
            for signal in &p.content {
                content_patterns.push((p.id.as_str(), signal.pattern.as_str()));
                content_owners.push(Owner {
                    practice: index,
                    in_reference_folders: false,
                    state: signal.state,
                    note: signal.note.clone(),
                    summary: signal.summary.clone(),
                });
            }
            for signal in &p.files {
                file_owners.push(Owner {
                    practice: index,
                    in_reference_folders: names_reference_folder(&signal.glob),
                    state: signal.state,
                    note: signal.note.clone(),
                    summary: None,
                });
            }
        }
        let lazy =
            |patterns: &[(&str, &str)]| patterns.iter().map(|(_, p)| LazyRegex::new(p)).collect();
        let all_content = practices
            .iter()
            .flat_map(|p| p.content.iter().map(|c| c.glob.as_str()));
        let all_files = practices
            .iter()
            .flat_map(|p| p.files.iter().map(|f| f.glob.as_str()));
        // Reading the literals out of some 1,600 patterns is most of the start-up cost; the
        // listing of a small repository is done long before, so both cores share it.
        let ((commands, code_text), (content_literals, globs)) = rayon::join(
            || {
                rayon::join(
                    || checked_filter(&command_patterns),
                    || checked_filter(&code_patterns),
                )
            },
            || {
                rayon::join(
                    || required_literals(&content_patterns),
                    || PathGlobs::new(all_content, all_files),
                )
            },
        );
        Ok(SignalIndex {
            commands: commands?,
            command_regexes: lazy(&command_patterns),
            command_owners,
            code_text: code_text?,
            content_literals: content_literals?,
            content_filters: RwLock::default(),
            all_content: OnceLock::new(),
            code_regexes: lazy(&code_patterns),
            code_owners,
            content_regexes: lazy(&content_patterns),
            content_owners,
            file_owners,
            globs: globs?,
        })
    }

    /// The `code` signals (when `code`) and those of the `content` signals (ascending) that
    /// could match a text, by index in `code_regexes` and `content_regexes`, each ascending.
    /// Numbers that are no content signal's are left out.
    pub fn text_candidates(
        &self,
        text: &[u8],
        code: bool,
        content: &[usize],
    ) -> (Vec<usize>, Vec<usize>) {
        let code = if code {
            self.code_text.candidates(text)
        } else {
            Vec::new()
        };
        let signals = self.content_literals.len();
        let known: Vec<usize>;
        let content = if content.iter().all(|&signal| signal < signals) {
            content
        } else {
            known = content.iter().copied().filter(|&s| s < signals).collect();
            &known
        };
        if content.is_empty() {
            return (code, Vec::new());
        }
        if let Some(filter) = self.content_filter(content) {
            let found = filter.candidates(text).into_iter();
            return (code, found.map(|local| content[local]).collect());
        }
        let all = self.all_content.get_or_init(|| {
            let required = self.content_literals.iter().map(Option::as_deref);
            Prefilter::of_required(required, Case::Ignored).ok()
        });
        let mut found = all.as_ref().map_or_else(Vec::new, |f| f.candidates(text));
        found.retain(|signal| content.binary_search(signal).is_ok());
        (code, found)
    }

    /// The filter for the `content` signals listed (ascending, at least one), or `None` once
    /// [`CONTENT_FILTERS`] sets have their own.
    fn content_filter(&self, content: &[usize]) -> Option<Arc<Prefilter>> {
        let read = self.content_filters.read().ok()?;
        if let Some(filter) = read.get(content) {
            return Some(Arc::clone(filter));
        }
        if read.len() >= CONTENT_FILTERS {
            return None;
        }
        drop(read);
        let required = content
            .iter()
            .map(|&signal| self.content_literals[signal].as_deref());
        // The literals were checked when the index was built; only the automaton could fail,
        // and content literals ignore case, which the automaton is never used for.
        let filter = Arc::new(Prefilter::of_required(required, Case::Ignored).ok()?);
        let mut built = self.content_filters.write().ok()?;
        if built.len() >= CONTENT_FILTERS && !built.contains_key(content) {
            return None;
        }
        built.insert(content.to_vec(), Arc::clone(&filter));
        Some(filter)
    }

    /// Practices whose `run` patterns match a command. Parts of the command that only print
    /// (`|| echo "Playwright test results missing"`) are not read: naming a tool is not
    /// running it.
    pub fn command_practices(&self, command: &str) -> Vec<usize> {
        let working = without_prints(command);
        let mut out: Vec<usize> = self
            .commands
            .candidates(working.as_bytes())
            .into_iter()
            .filter(|&i| {
                self.command_regexes[i]
                    .get()
                    .is_some_and(|r| r.is_match(working.as_bytes()))
            })
            .map(|i| self.command_owners[i])
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Where the first `&&`, `||` or `;` of `text` starts, and its length. One pass from the
/// start: searching for each separator alone would cross the whole rest of a long command for
/// every part it has.
fn next_separator(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memchr3(b'&', b'|', b';', &bytes[from..]).map(|i| from + i) {
        match bytes[at] {
            b';' => return Some((at, 1)),
            b if bytes.get(at + 1) == Some(&b) => return Some((at, 2)),
            _ => from = at + 1,
        }
    }
    None
}

/// A command without its `echo`/`printf` parts, split at `&&`, `||` and `;`.
fn without_prints(command: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = command;
    while !rest.is_empty() {
        let (part, next) = match next_separator(rest) {
            Some((i, len)) => (&rest[..i], &rest[i + len..]),
            None => (rest, ""),
        };
        let first = part.split_whitespace().next().unwrap_or("");
        if !matches!(first, "echo" | "printf" | "#" | "") {
            parts.push(part.trim());
        }
        rest = next;
    }
    parts.join(" ; ")
}

#[cfg(test)]
mod tests {
    use super::without_prints;

    /// A file is searched only for the literals of the content signals its path wants, and
    /// finds exactly the candidates a search for every content literal finds among them.
    #[test]
    fn content_is_searched_for_the_wanted_signals_only() {
        use super::{Case, Prefilter};
        let index = &crate::catalog::Catalog::builtin().index;
        let everything = Prefilter::of_required(
            index.content_literals.iter().map(Option::as_deref),
            Case::Ignored,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let texts = [
            "from pytm import TM\nimport os\n",
            "def test_login_forbidden(client):\n    assert r.status_code == 403\n",
            "on: push\npermissions:\n  contents: read\njobs:\n  t:\n    timeout-minutes: 5\n",
            "FROM python:3.12-slim\nHEALTHCHECK CMD curl -f http://localhost/healthz\n",
        ];
        let paths = [
            "services/orders/app/model.py",
            "services/orders/tests/test_auth.py",
            ".github/workflows/ci.yml",
            "deploy/k8s/api.yaml",
            "Dockerfile",
        ];
        for path in paths {
            let wanted = index.globs.matches(path).content;
            assert!(!wanted.is_empty(), "{path}");
            for text in texts {
                let (_, found) = index.text_candidates(text.as_bytes(), false, &wanted);
                let mut expected = everything.candidates(text.as_bytes());
                expected.retain(|signal| wanted.binary_search(signal).is_ok());
                assert_eq!(found, expected, "{path}: {text}");
            }
        }
        // The Python module wants a signal or two (threat models written with pytm), and is
        // searched for their literals only; the workflow wants dozens.
        let module = index.globs.matches(paths[0]).content;
        assert!(module.len() <= 2, "{module:?}");
        let (_, found) = index.text_candidates(texts[0].as_bytes(), false, &module);
        assert_eq!(found.len(), 1);
        // A number that is no content signal's is left out, not looked up.
        let beyond = [module.clone(), vec![index.content_regexes.len() + 7]].concat();
        let (_, found_beyond) = index.text_candidates(texts[0].as_bytes(), false, &beyond);
        assert_eq!(found_beyond, found);
        assert!(index.globs.matches(paths[2]).content.len() > 50);
        let built = index.content_filters.read().map(|b| b.len()).unwrap_or(0);
        assert!(built >= paths.len(), "{built} filters built");
    }

    /// Past [`CONTENT_FILTERS`] sets, a set is searched with the filter of every content
    /// literal and the candidates narrowed to it: the same candidates, with no more filters
    /// kept. A repository whose file names combine many globs cannot grow them without end.
    #[test]
    fn content_filters_are_bounded() {
        use super::{CONTENT_FILTERS, Case, Prefilter};
        let index = &crate::catalog::Catalog::builtin().index;
        let everything = Prefilter::of_required(
            index.content_literals.iter().map(Option::as_deref),
            Case::Ignored,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let text =
            b"groups:\n- name: api\n  rules:\n  - alert: HighErrorRate\n    expr: rate(x[5m])\n\
                     readinessProbe:\n  httpGet: {path: /healthz}\nfrom pytm import TM\n";
        let signals = index.content_regexes.len();
        for set in 0..3 * CONTENT_FILTERS {
            // Distinct sets: every 23rd signal, and one more that differs from set to set.
            let mut wanted: Vec<usize> = (1..signals).step_by(23).collect();
            wanted.push(set % signals);
            wanted.sort_unstable();
            wanted.dedup();
            let (_, found) = index.text_candidates(text, false, &wanted);
            let mut expected = everything.candidates(text);
            expected.retain(|signal| wanted.binary_search(signal).is_ok());
            assert_eq!(found, expected, "set {set}");
        }
        let built = index.content_filters.read().map(|b| b.len()).unwrap_or(0);
        assert!(built <= CONTENT_FILTERS, "{built} filters kept");
        assert_eq!(built, CONTENT_FILTERS, "filters kept");
    }

    #[test]
    fn separators_are_found_in_order() {
        use super::next_separator;
        assert_eq!(next_separator("a | b && c; d"), Some((6, 2)));
        assert_eq!(next_separator("a & b || c"), Some((6, 2)));
        assert_eq!(next_separator("a; b && c"), Some((1, 1)));
        assert_eq!(next_separator("a | b & c"), None);
        assert_eq!(next_separator("a |"), None);
    }

    #[test]
    fn print_parts_are_dropped() {
        assert_eq!(
            without_prints("bun run report.ts > r.md || echo \"Playwright Test Results\""),
            "bun run report.ts > r.md"
        );
        assert_eq!(
            without_prints("echo start && pytest -q; printf done"),
            "pytest -q"
        );
        assert_eq!(
            without_prints("curl -fsS https://x | sh"),
            "curl -fsS https://x | sh"
        );
    }
}
