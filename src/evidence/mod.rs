//! Evidence: catalog signals matched against the inventory, the parsed models and the
//! pipelines, with the attributes that decide credit (blocking, runs on change, reaches
//! production), plus the code detectors that need real analysis.

pub mod blocking;
mod detectors;
pub mod languages;
pub mod production;
mod secrets;
mod signals;
mod traits;

use std::collections::{BTreeMap, BTreeSet};

pub(crate) use signals::runs_only_tests;

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use crate::catalog::{Catalog, Practice, Trait};
use crate::inventory::Inventory;
use crate::parse::Parsed;
use crate::pipeline::{Job, Pipeline, Pipelines};
use crate::source::Location;

pub use signals::text::{FileScan, TextScans, scan_file};
pub use signals::{location_at, uses_matches};
pub use traits::detect_traits;

/// How much a practice is in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Absent,
    Mentioned,
    Partial,
    Present,
    NotApplicable,
}

impl State {
    /// Credit toward the score (§ evidence model): 1, 0.5, 0.25, 0.
    pub fn credit(self) -> f64 {
        match self {
            State::Present => 1.0,
            State::Partial => 0.5,
            State::Mentioned => 0.25,
            State::Absent | State::NotApplicable => 0.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Present => "Present",
            State::Partial => "Partial",
            State::Mentioned => "Mentioned",
            State::Absent => "Absent",
            State::NotApplicable => "N/A",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One observation supporting a practice.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Evidence {
    pub state: State,
    pub location: Location,
    pub snippet: String,
    /// What was seen, in words.
    pub summary: String,
    /// Why this observation earns less than full credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub confidence: Confidence,
}

/// A detector's final word on a practice, replacing what the generic signals found.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub state: State,
    pub reason: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// Everything the evidence stage found for one practice.
#[derive(Clone, Debug, Default)]
pub struct PracticeEvidence {
    pub evidence: Vec<Evidence>,
    pub verdict: Option<Verdict>,
}

/// The facts every matcher and detector reads.
/// Texts longer than this get a line index the first time a snippet is cut from them.
const INDEXED_TEXT: usize = 64 * 1024;

pub struct Facts<'a> {
    pub catalog: &'a Catalog,
    pub inventory: &'a Inventory,
    pub parsed: &'a Parsed,
    pub pipelines: &'a Pipelines,
    /// What the text pass found in each file.
    pub scans: &'a TextScans,
    pub traits: BTreeSet<Trait>,
    /// Jobs on some production path, as (pipeline path, job id).
    pub production_jobs: BTreeSet<(String, String)>,
    /// The catalog practices each step's action and commands match, worked out once: practice
    /// index and, for a command match, the command's index in the step. Keyed by the step's
    /// address, which is stable while the pipelines are borrowed.
    step_matches: std::collections::HashMap<usize, Vec<(usize, Option<usize>)>>,
    /// Production paths, computed on first use.
    paths: std::sync::OnceLock<Vec<production::ProductionPath>>,
    /// The languages of the repository's code, counted on first use.
    languages: std::sync::OnceLock<Vec<(languages::Language, usize)>>,
    /// Line starts of the large files evidence was cited in, so that thousands of snippets
    /// from one file do not each count lines from its top.
    line_starts: std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<[usize]>>>,
    /// Paths of the pipelines with a step that publishes a draft release
    /// (`gh release edit TAG --draft=false`), found on first use.
    publishing_drafts: std::sync::OnceLock<std::collections::HashSet<String>>,
    /// Whether each job asked about only tests, by the job's address: a job of thousands of
    /// steps is read once, not once for each piece of evidence in it.
    test_only_jobs: std::sync::Mutex<std::collections::HashMap<usize, bool>>,
    /// Where each job asked about builds an image it never pushes, by the job's address.
    unpushed_builds: std::sync::Mutex<std::collections::HashMap<usize, Option<Location>>>,
    /// The production deploys as reasons name them, worked out on first use.
    deploy_names: std::sync::OnceLock<DeployNames>,
    /// What the jobs of each local reusable workflow do, by the path callers name: thousands
    /// of jobs calling one workflow read its jobs once.
    called_roles: std::sync::Mutex<std::collections::HashMap<String, Vec<String>>>,
}

/// The production deploys named as `path (job id)`, in order, with how many deploys share
/// each path and job id: a reason given for each of thousands of jobs names three deploys
/// besides the job without listing them all again.
struct DeployNames {
    names: Vec<((String, String), String)>,
    counts: std::collections::HashMap<(String, String), usize>,
}

impl<'a> Facts<'a> {
    /// The facts of one repository: its traits and the jobs on its production paths are
    /// worked out here, once.
    pub fn new(
        catalog: &'a Catalog,
        inventory: &'a Inventory,
        parsed: &'a Parsed,
        pipelines: &'a Pipelines,
        scans: &'a TextScans,
    ) -> Self {
        Facts {
            catalog,
            inventory,
            parsed,
            pipelines,
            scans,
            traits: detect_traits(catalog, inventory, parsed, pipelines, scans),
            production_jobs: production::jobs_on_production_paths(pipelines),
            step_matches: pipelines
                .steps()
                .map(|(_, _, step)| step)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|step| (address(step), match_step(catalog, step)))
                .collect(),
            paths: std::sync::OnceLock::new(),
            languages: std::sync::OnceLock::new(),
            line_starts: std::sync::Mutex::default(),
            publishing_drafts: std::sync::OnceLock::new(),
            test_only_jobs: std::sync::Mutex::default(),
            unpushed_builds: std::sync::Mutex::default(),
            deploy_names: std::sync::OnceLock::new(),
            called_roles: std::sync::Mutex::default(),
        }
    }

    /// Whether the repository deploys to production, without listing the deploys again.
    pub fn has_production_deploys(&self) -> bool {
        !self.deploy_names().names.is_empty()
    }

    fn deploy_names(&self) -> &DeployNames {
        self.deploy_names.get_or_init(|| {
            let mut names = Vec::new();
            let mut counts = std::collections::HashMap::new();
            for (p, j) in self.production_deploys() {
                let key = (p.path.clone(), j.id.clone());
                *counts.entry(key.clone()).or_insert(0) += 1;
                names.push((key, format!("{} (job {})", p.path, j.id)));
            }
            DeployNames { names, counts }
        })
    }

    /// The production deploys other than `job` of `pipeline` (matched by path and id), three
    /// named and the rest counted (`a.yml (job x), b.yml (job y), c.yml (job z) and 4 more`).
    pub fn other_production_deploys(&self, pipeline: &Pipeline, job: &Job) -> String {
        let deploys = self.deploy_names();
        let own = (pipeline.path.clone(), job.id.clone());
        let others = deploys.names.len() - deploys.counts.get(&own).copied().unwrap_or(0);
        let mut text = (deploys.names.iter())
            .filter(|(key, _)| *key != own)
            .take(3)
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if others > 3 {
            text.push_str(&format!(" and {} more", others - 3));
        }
        text
    }

    /// [`crate::pipeline::unpushed_image_build`] of a job, worked out once per job: evidence
    /// from each of a job's thousands of steps asks it again.
    pub(crate) fn unpushed_image_build(&self, job: &crate::pipeline::Job) -> Option<Location> {
        per_job(&self.unpushed_builds, job, || {
            crate::pipeline::unpushed_image_build(job).cloned()
        })
    }

    /// `work` for the reusable workflow at `path`, worked out once per path
    /// ([`Facts::called_roles`]). The lock is not held while working.
    pub(crate) fn called_roles(
        &self,
        path: &str,
        work: impl FnOnce() -> Vec<String>,
    ) -> Vec<String> {
        let lock = || {
            self.called_roles
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let known = lock().get(path).cloned();
        known.unwrap_or_else(|| {
            let roles = work();
            lock().insert(path.to_string(), roles.clone());
            roles
        })
    }

    /// `decide` for a job, worked out once per job ([`Facts::test_only_jobs`]).
    pub(crate) fn job_only_tests(
        &self,
        job: &crate::pipeline::Job,
        decide: impl FnOnce() -> bool,
    ) -> bool {
        per_job(&self.test_only_jobs, job, decide)
    }

    /// Whether a step of the pipeline at `path` publishes a draft release
    /// (`gh release edit TAG --draft=false`); every pipeline is read once, on first use.
    pub fn publishes_drafts(&self, path: &str) -> bool {
        self.publishing_drafts
            .get_or_init(|| {
                (self.pipelines.pipelines.iter())
                    .filter(|p| {
                        (p.jobs
                            .iter()
                            .flat_map(|j| &j.steps)
                            .flat_map(|s| &s.commands))
                        .any(|c| {
                            c.text.contains("gh release edit") && c.text.contains("--draft=false")
                        })
                    })
                    .map(|p| p.path.clone())
                    .collect()
            })
            .contains(path)
    }

    /// Practices matched by a step: (practice index, index of the matching command).
    pub fn step_practices(&self, step: &crate::pipeline::Step) -> &[(usize, Option<usize>)] {
        self.step_matches
            .get(&address(step))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The languages the repository's own code is written in, most files first.
    pub fn languages(&self) -> &[(languages::Language, usize)] {
        self.languages.get_or_init(|| languages::languages(self))
    }

    /// Every production deploy with the controls around it.
    pub fn production_paths(&self) -> &[production::ProductionPath] {
        self.paths
            .get_or_init(|| production::production_paths(self))
    }

    /// The line of source a location points at, as a snippet.
    pub fn snippet(&self, location: &Location) -> String {
        match self
            .inventory
            .get(&location.path)
            .and_then(|f| f.text.as_deref())
        {
            Some(text) if text.len() > INDEXED_TEXT => {
                let starts = self.line_starts_of(&location.path, text);
                crate::source::snippet(crate::source::line_at(text, &starts, location.line))
            }
            Some(text) => crate::source::snippet(crate::source::line_of(text, location.line)),
            None if location.line == 1 => self
                .scans
                .head(self.inventory, &location.path)
                .unwrap_or_default()
                .to_string(),
            None => String::new(),
        }
    }

    fn line_starts_of(&self, path: &str, text: &str) -> std::sync::Arc<[usize]> {
        let mut cache = self
            .line_starts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .entry(path.to_string())
            .or_insert_with(|| crate::source::line_starts(text).into())
            .clone()
    }

    /// Jobs that deploy to production: deploy jobs whose environment is production, or not
    /// named at all (a single deploy target is production).
    pub fn production_deploys(&self) -> Vec<(&Pipeline, &Job)> {
        production::production_deploys(self.pipelines)
    }

    /// Whether a job deploys to production or runs before a production deploy.
    pub fn is_on_production_path(&self, pipeline: &Pipeline, job: &Job) -> bool {
        self.production_jobs
            .contains(&(pipeline.path.clone(), job.id.clone()))
    }

    pub fn deploys(&self) -> Vec<(&Pipeline, &Job)> {
        self.pipelines
            .jobs()
            .filter(|(_, j)| crate::pipeline::is_deploy_job(j))
            .collect()
    }
}

fn match_step(catalog: &Catalog, step: &crate::pipeline::Step) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    // An action asked only to install its tool (`install-only: true`, as goreleaser's is)
    // does none of the work its name stands for; the commands after it may.
    let installs_only = step
        .input("install-only")
        .is_some_and(|i| i.value.trim().eq_ignore_ascii_case("true"));
    if let Some(uses) = step.uses.as_deref().filter(|_| !installs_only) {
        for (index, p) in catalog.practices.iter().enumerate() {
            if p.uses.iter().any(|u| uses_matches(uses, u)) {
                out.push((index, None));
            }
        }
    }
    for (position, command) in step.commands.iter().enumerate() {
        out.extend(
            catalog
                .index
                .command_practices(&command.text)
                .into_iter()
                .map(|index| (index, Some(position))),
        );
    }
    out
}

/// A step's address, which names it while the pipelines are borrowed.
fn address(step: &crate::pipeline::Step) -> usize {
    std::ptr::from_ref(step) as usize
}

/// What `cache` holds for a job, keyed by its address, or `work` out and kept. The lock is
/// not held while working.
fn per_job<T: Clone>(
    cache: &std::sync::Mutex<std::collections::HashMap<usize, T>>,
    job: &crate::pipeline::Job,
    work: impl FnOnce() -> T,
) -> T {
    let key = std::ptr::from_ref(job) as usize;
    let lock = || {
        cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let known = lock().get(&key).cloned();
    known.unwrap_or_else(|| {
        let answer = work();
        lock().insert(key, answer.clone());
        answer
    })
}

/// Gathers evidence for every practice of the catalog.
pub fn gather(catalog: &Catalog, facts: &Facts) -> BTreeMap<String, PracticeEvidence> {
    let mut found = signals::match_signals(catalog, facts);
    // Detectors only read the facts and the signals' evidence: they run side by side.
    let verdicts: Vec<(&Practice, Option<Verdict>)> = catalog
        .practices
        .par_iter()
        .filter_map(|practice| {
            let name = practice.detector.as_deref()?;
            let signals = found
                .get(&practice.id)
                .map_or(&[][..], |entry| entry.evidence.as_slice());
            Some((practice, detectors::run(name, practice, facts, signals)))
        })
        .collect();
    for (practice, verdict) in verdicts {
        let entry = found.entry(practice.id.clone()).or_default();
        if verdict.is_some() {
            entry.verdict = verdict;
        }
    }
    found.par_iter_mut().for_each(|(_, entry)| {
        // Best first: the higher state, then the stronger evidence — a parsed CI step before a
        // pattern, application code before a configuration mention.
        let in_code = |e: &Evidence| {
            facts
                .inventory
                .get(&e.location.path)
                .is_some_and(|f| f.kind == crate::inventory::FileKind::Source)
        };
        entry.evidence.sort_by_cached_key(|e| {
            (
                std::cmp::Reverse(e.state),
                std::cmp::Reverse(e.confidence),
                std::cmp::Reverse(in_code(e)),
                e.location.clone(),
            )
        });
        entry
            .evidence
            .dedup_by(|a, b| a.location == b.location && a.summary == b.summary);
    });
    found
}

/// Whether the practice applies to a repository with these traits.
pub fn applies(practice: &Practice, traits: &BTreeSet<Trait>) -> bool {
    practice.applies_to.iter().all(|t| traits.contains(t))
}
