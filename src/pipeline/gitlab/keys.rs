//! A GitLab job's keys as GitLab reads them: its own, then those of the jobs and templates it
//! `extends:` (maps merged key by key), then the pipeline's defaults for the keys it still
//! lacks.
//!
//! Defaults are the `default:` section and the older top-level `image:`, `services:`, `cache:`,
//! `before_script:` and `after_script:`; a job takes them as far as its `inherit: default:`
//! lets it. Every value is kept with the file it is written in and with where the job got it,
//! so that a command a job inherits is cited where it is written, and copies can be counted.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::parse::yaml::Node;

/// Top-level keys that configure the pipeline rather than name a job.
const RESERVED: &[&str] = &[
    "stages",
    "include",
    "default",
    "variables",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "pages_config",
    "spec",
];

/// The keys `default:` sets for every job that does not set them itself.
const DEFAULT_KEYS: &[&str] = &[
    "after_script",
    "artifacts",
    "before_script",
    "cache",
    "hooks",
    "id_tokens",
    "image",
    "interruptible",
    "retry",
    "services",
    "tags",
    "timeout",
];

/// Top-level keys that still act as defaults, from before `default:` existed. GitLab rejects
/// a pipeline that sets one of them both here and in `default:`; `default:` is taken then.
const GLOBAL_KEYS: &[&str] = &[
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

/// How many `extends:` a job is followed through; GitLab itself stops at eleven.
const MAX_EXTENDS_DEPTH: usize = 10;

/// Where a job got one of its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// Written in the job itself.
    Own,
    /// Taken from a job or template it `extends:`.
    Extended,
    /// Taken from the pipeline's defaults.
    Default,
}

/// One value of a job's key, with the file it is written in (an index into the pipeline's
/// files, the main file first).
#[derive(Clone, Copy, Debug)]
pub(super) struct Keyed<'d> {
    pub source: usize,
    pub node: &'d Node,
    pub origin: Origin,
}

type Entry<'d> = (&'d str, Keyed<'d>);

/// A name and a path of keys below it, as looked up through `extends:`.
type Lookup<'d> = (&'d str, Vec<String>);

/// The jobs, templates and defaults of one pipeline (the main file, then its local includes).
pub(super) struct Definitions<'d> {
    /// Each job and template in the order written: name, file, and the key that names it.
    order: Vec<(&'d str, usize, &'d Node)>,
    /// Each job's and template's body by name, with its file.
    bodies: HashMap<&'d str, (usize, &'d Node)>,
    /// What each name reached through `extends:` holds under a key (or a path below one),
    /// its own value or one it extends, looked up once: a template that thousands of jobs
    /// extend, or that extends the same parent many times over, is read once per key, and
    /// nothing is copied.
    extended: RefCell<HashMap<Lookup<'d>, Option<Keyed<'d>>>>,
    defaults: Vec<Entry<'d>>,
}

impl<'d> Definitions<'d> {
    /// `files` are (path, text, top-level mapping), the main file first. A name defined in
    /// more than one file is taken from the first, and so is each default key.
    pub(super) fn new(files: &'d [(String, String, Node)]) -> Self {
        let mut order = Vec::new();
        let mut bodies = HashMap::new();
        for (source, (_, _, root)) in files.iter().enumerate() {
            for (key, body) in root.entries() {
                let Some(name) = key.as_str() else { continue };
                if RESERVED.contains(&name) || !body.is_map() || bodies.contains_key(name) {
                    continue;
                }
                bodies.insert(name, (source, body));
                order.push((name, source, key));
            }
        }
        Definitions {
            order,
            bodies,
            extended: RefCell::new(HashMap::new()),
            defaults: defaults(files),
        }
    }

    /// The jobs GitLab runs, in the order written: name, file, and the key that names it.
    /// Templates (names starting with a dot) are left out.
    pub(super) fn jobs(&self) -> impl Iterator<Item = (&'d str, usize, &'d Node)> + '_ {
        self.order
            .iter()
            .copied()
            .filter(|(name, ..)| !name.starts_with('.'))
    }

    /// Whether `name` is a job or template of the pipeline.
    pub(super) fn defines(&self, name: &str) -> bool {
        self.bodies.contains_key(name)
    }

    /// The value of `key` in the job or template `name`, its own or one it `extends:`, as a
    /// `!reference` tag reads it: GitLab resolves `extends:` first, and applies defaults
    /// after both, so a key the job only takes from `default:` is not found.
    pub(super) fn value(&self, name: &str, key: &str) -> Option<Keyed<'d>> {
        self.lookup(name, &[key], 0, true)
    }

    /// The keys the job `name` runs with: its own and those it `extends:`, then the defaults
    /// it lacks and inherits.
    pub(super) fn job<'j>(&'j self, name: &'j str) -> JobKeys<'j, 'd> {
        let mut keys = JobKeys {
            definitions: self,
            name,
            inherit: Inherit::Nothing,
        };
        // A trigger job starts another pipeline and runs no container or script of its own.
        if keys.get("trigger").is_none() {
            let inherit = keys.get_in(&["inherit", "default"]).map(|i| i.node);
            keys.inherit = match inherit.map(|i| (i, i.as_bool())) {
                None | Some((_, Some(true))) => Inherit::All,
                Some((_, Some(false))) => Inherit::Nothing,
                Some((listed, None)) => Inherit::Only(listed),
            };
        }
        keys
    }

    /// The value at `path` (a key, then keys below it) in the job or template `name`, or
    /// else in the jobs and templates it `extends:`, later parents before earlier ones, up to
    /// [`MAX_EXTENDS_DEPTH`] levels. GitLab merges maps through `extends:` key by key, so a
    /// map without the next key of the path is looked through to the parents' (a job's
    /// `environment: {url: ...}` keeps its template's `name:`), while any other value
    /// replaces theirs. The answer is kept when `keep` is set, as it is for every parent; a
    /// job read for itself is read once per path and need not be.
    fn lookup(&self, name: &str, path: &[&str], depth: usize, keep: bool) -> Option<Keyed<'d>> {
        let (&name, &(source, body)) = self.bodies.get_key_value(name)?;
        let cached = || -> Lookup<'d> { (name, path.iter().map(|k| k.to_string()).collect()) };
        if keep && let Some(found) = self.extended.borrow().get(&cached()) {
            return *found;
        }
        let (key, below) = path.split_first()?;
        let mut own = (*key != "extends").then(|| body.get(key)).flatten();
        let mut replaced = false;
        for key in below {
            match own {
                Some(node) if node.is_map() => own = node.get(key),
                Some(_) => {
                    (own, replaced) = (None, true);
                    break;
                }
                None => break,
            }
        }
        let found = match own {
            Some(node) => Some(Keyed {
                source,
                node,
                origin: Origin::Own,
            }),
            None if replaced || depth > MAX_EXTENDS_DEPTH => None,
            None => {
                let parents = body.get("extends").map(Node::strings).unwrap_or_default();
                parents.iter().rev().find_map(|parent| {
                    let value = self.lookup(parent, path, depth + 1, true)?;
                    let origin = Origin::Extended;
                    Some(Keyed { origin, ..value })
                })
            }
        };
        if keep {
            (self.extended.borrow_mut()).insert(cached(), found);
        }
        found
    }
}

/// Which defaults a job takes, from its `inherit: default:`.
enum Inherit<'d> {
    All,
    Nothing,
    /// Those the list names.
    Only(&'d Node),
}

/// The keys a job runs with, read on demand: each is looked up in the job, then in what it
/// extends, then in the defaults it inherits.
pub(super) struct JobKeys<'j, 'd> {
    definitions: &'j Definitions<'d>,
    name: &'j str,
    inherit: Inherit<'d>,
}

impl<'d> JobKeys<'_, 'd> {
    pub(super) fn get(&self, key: &str) -> Option<Keyed<'d>> {
        let written = self.definitions.lookup(self.name, &[key], 0, false);
        if written.is_some() {
            return written;
        }
        let inherited = match self.inherit {
            Inherit::All => true,
            Inherit::Nothing => false,
            Inherit::Only(listed) => listed.strings().contains(&key),
        };
        let (_, value) = (self.definitions.defaults.iter()).find(|(k, _)| *k == key)?;
        inherited.then_some(*value)
    }

    /// The value at `path` below a key (`["environment", "name"]`), merged through
    /// `extends:` as GitLab merges maps ([`Definitions::lookup`]); a default is taken whole,
    /// as [`Self::get`] takes it.
    pub(super) fn get_in(&self, path: &[&str]) -> Option<Keyed<'d>> {
        let (key, below) = path.split_first()?;
        let written = |path: &[&str]| self.definitions.lookup(self.name, path, 0, false);
        if written(&[key]).is_some() {
            return written(path);
        }
        let mut value = self.get(key)?;
        for key in below {
            value.node = value.node.get(key)?;
        }
        Some(value)
    }

    /// What names the value of `key`: the value itself when it is not a map, else its
    /// `name:` (`environment: {name: production, url: ...}`), which may come from a template
    /// the job extends.
    pub(super) fn name_of(&self, key: &str) -> Option<Keyed<'d>> {
        let value = self.get(key)?;
        if value.node.is_map() {
            self.get_in(&[key, "name"])
        } else {
            Some(value)
        }
    }

    /// The value under `key`, wherever it comes from.
    pub(super) fn node(&self, key: &str) -> Option<&'d Node> {
        self.get(key).map(|v| v.node)
    }
}

/// The pipeline's defaults: `default:` of each file, then the top-level keys that act as
/// defaults for the keys no `default:` sets.
fn defaults(files: &[(String, String, Node)]) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = Vec::new();
    let sections = files.iter().enumerate().flat_map(|(source, (_, _, root))| {
        let default = root.get("default").filter(|d| d.is_map());
        let keys = DEFAULT_KEYS
            .iter()
            .filter_map(move |&key| Some((key, default?.get(key)?)));
        keys.map(move |(key, node)| (source, key, node))
    });
    let globals = files.iter().enumerate().flat_map(|(source, (_, _, root))| {
        let keys = GLOBAL_KEYS
            .iter()
            .filter_map(|&key| Some((key, root.get(key)?)));
        keys.map(move |(key, node)| (source, key, node))
    });
    for (source, key, node) in sections.chain(globals) {
        if out.iter().all(|(k, _)| *k != key) {
            let origin = Origin::Default;
            out.push((
                key,
                Keyed {
                    source,
                    node,
                    origin,
                },
            ));
        }
    }
    out
}
