//! Where each control shows in a job's steps, worked out once per job, and the best place for
//! it along a production path: the first step with the strongest status. The same jobs lie
//! before many deploys, so their steps are matched once and [`super::reach`] compares jobs
//! by the status of their best step.

use std::cell::OnceCell;

use regex::RegexSet;

use super::patterns::{BACKUP, HEALTH, MIGRATE, NOTIFY, ROLLBACK, SMOKE, practices_of};
use super::{ControlStatus, PathControl};
use crate::evidence::{Facts, blocking};
use crate::pipeline::{Command, Job, Pipeline, Step, is_simulated};

/// A control that steps on a production path can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Control {
    Tests,
    Sast,
    DependencyScan,
    ImageScan,
    Sbom,
    Backup,
    Health,
    Smoke,
    Rollback,
    Record,
}

impl Control {
    pub(super) const ALL: [Control; 10] = [
        Control::Tests,
        Control::Sast,
        Control::DependencyScan,
        Control::ImageScan,
        Control::Sbom,
        Control::Backup,
        Control::Health,
        Control::Smoke,
        Control::Rollback,
        Control::Record,
    ];

    /// The catalog practices whose signals find the control.
    pub(super) fn practices(self) -> &'static [&'static str] {
        match self {
            Control::Tests => &["TST-02", "TST-07"],
            Control::Sast => &["SEC-04"],
            Control::DependencyScan => &["SEC-06", "SEC-09"],
            Control::ImageScan => &["SEC-12"],
            Control::Sbom => &["SEC-11"],
            Control::Backup => &["DEP-21"],
            Control::Health => &[],
            Control::Smoke => &["DEP-11"],
            Control::Rollback => &["DEP-09"],
            Control::Record => &["MON-14", "AUT-22", "DEP-12"],
        }
    }

    /// Commands that show the control whatever practices they match.
    fn commands(self) -> Option<&'static RegexSet> {
        match self {
            Control::Backup => Some(&*BACKUP),
            Control::Health => Some(&*HEALTH),
            Control::Smoke => Some(&*SMOKE),
            Control::Rollback => Some(&*ROLLBACK),
            Control::Record => Some(&*NOTIFY),
            _ => None,
        }
    }
}

/// A command, or a step's action, that shows a control.
#[derive(Clone)]
struct Hit<'a> {
    /// `None` for the step's action.
    command: Option<&'a Command>,
    /// Why its failure does not stop the release, when it does not.
    reason: Option<String>,
}

/// What one step shows of one control: of its hits, only the first and the first that can
/// stop the release can ever be reported.
struct StepHits<'a> {
    control: Control,
    /// The step's index in its job.
    index: usize,
    step: &'a Step,
    first: Hit<'a>,
    blocking: Option<Hit<'a>>,
}

impl StepHits<'_> {
    /// The status the step earns and the hit that earns it, in a job that is simulated or
    /// not, seen from a deploy that waits for its success (`guards`) or not.
    fn best(&self, simulated: bool, guards: bool) -> (ControlStatus, &Hit<'_>) {
        match &self.blocking {
            _ if simulated => (ControlStatus::Simulated, &self.first),
            Some(blocking) if guards => (ControlStatus::Present, blocking),
            _ => (ControlStatus::NonBlocking, &self.first),
        }
    }
}

/// What one job shows of every control, worked out the first time it is asked about.
pub(super) struct JobControls<'a> {
    pipeline: &'a Pipeline,
    job: &'a Job,
    simulated: bool,
    /// Every step's hits, in step order and, within a step, in the order of [`Control::ALL`].
    hits: Vec<StepHits<'a>>,
    /// For each control, the index in `hits` of the job's best step, seen from a deploy that
    /// does not wait for its success (first) and from one that does (second).
    best: [[Option<usize>; 2]; Control::ALL.len()],
    /// The first step that runs a migration, and where its first migrating command is.
    migration: Option<(usize, String)>,
}

impl<'a> JobControls<'a> {
    fn new(facts: &'a Facts<'_>, pipeline: &'a Pipeline, job: &'a Job) -> Self {
        let simulated = is_simulated(job);
        let mut hits = Vec::new();
        let mut migration = None;
        for (index, step) in job.steps.iter().enumerate() {
            let practices = practices_of(facts, step);
            for control in Control::ALL {
                let wanted = control.practices();
                let by_practice = practices
                    .iter()
                    .filter(|(id, _)| wanted.contains(id))
                    .map(|(_, command)| *command);
                let by_command = control.commands().into_iter().flat_map(|regex| {
                    (step.commands.iter())
                        .filter(|c| regex.is_match(&c.text))
                        .map(Some)
                });
                let mut commands = by_practice.chain(by_command);
                let Some(command) = commands.next() else {
                    continue;
                };
                // A scanner whose results only reach a platform dashboard (CodeQL) stops
                // nothing that files can show.
                let reason_for = |command| {
                    blocking::non_blocking_reason(pipeline, job, step, command).or_else(|| {
                        (step.uses.as_deref())
                            .and_then(blocking::platform_gated)
                            .map(str::to_string)
                    })
                };
                let first = Hit {
                    command,
                    reason: reason_for(command),
                };
                let blocking = if first.reason.is_none() {
                    Some(first.clone())
                } else {
                    commands
                        .find(|&command| reason_for(command).is_none())
                        .map(|command| Hit {
                            command,
                            reason: None,
                        })
                };
                hits.push(StepHits {
                    control,
                    index,
                    step,
                    first,
                    blocking,
                });
            }
            // A job that only tests migrates the database its tests use.
            if migration.is_none()
                && let Some(command) = step.commands.iter().find(|c| MIGRATE.is_match(&c.text))
                && !crate::evidence::runs_only_tests(facts, pipeline, job)
            {
                migration = Some((index, command.location.to_string()));
            }
        }
        let mut best = [[None; 2]; Control::ALL.len()];
        for (position, step) in hits.iter().enumerate() {
            for (guards, slot) in best[step.control as usize].iter_mut().enumerate() {
                let status = |at: usize| hits[at].best(simulated, guards == 1).0;
                if slot.is_none_or(|at| status(position) < status(at)) {
                    *slot = Some(position);
                }
            }
        }
        JobControls {
            pipeline,
            job,
            simulated,
            hits,
            best,
            migration,
        }
    }

    pub(super) fn job(&self) -> &'a Job {
        self.job
    }

    /// The status the job's best step for `control` earns, seen from a deploy that waits for
    /// the job's success (`guards`) or not; `None` if no step shows the control.
    pub(super) fn status(&self, control: Control, guards: bool) -> Option<ControlStatus> {
        let at = self.best[control as usize][usize::from(guards)]?;
        Some(self.hits.get(at)?.best(self.simulated, guards).0)
    }

    /// The first step that runs a migration, and where its first migrating command is.
    pub(super) fn migration(&self) -> Option<(usize, &str)> {
        self.migration
            .as_ref()
            .map(|(step, location)| (*step, location.as_str()))
    }
}

/// What each job of the pipelines shows, by pipeline index and job index, each worked out
/// on first use.
pub(super) struct JobCache<'a> {
    facts: &'a Facts<'a>,
    jobs: Vec<Vec<OnceCell<JobControls<'a>>>>,
}

impl<'a> JobCache<'a> {
    pub(super) fn new(facts: &'a Facts<'a>) -> Self {
        let jobs = (facts.pipelines.pipelines.iter())
            .map(|p| p.jobs.iter().map(|_| OnceCell::new()).collect())
            .collect();
        JobCache { facts, jobs }
    }

    /// The job at `position`: its pipeline's index in the pipelines and its own in the
    /// pipeline's jobs.
    pub(super) fn get(&self, position: (usize, usize)) -> Option<&JobControls<'a>> {
        let cell = self.jobs.get(position.0)?.get(position.1)?;
        let pipeline = self.facts.pipelines.pipelines.get(position.0)?;
        let job = pipeline.jobs.get(position.1)?;
        Some(cell.get_or_init(|| JobControls::new(self.facts, pipeline, job)))
    }
}

/// The best place found for a control so far along a path: the first step with the
/// strongest status.
#[derive(Clone, Default)]
pub(super) struct Best<'c> {
    found: Option<Found<'c>>,
}

#[derive(Clone)]
struct Found<'c> {
    status: ControlStatus,
    job: &'c JobControls<'c>,
    hits: &'c StepHits<'c>,
    guards: bool,
}

impl<'c> Best<'c> {
    fn offer(&mut self, job: &'c JobControls<'c>, hits: &'c StepHits<'c>, guards: bool) {
        let (status, _) = hits.best(job.simulated, guards);
        if self.found.as_ref().is_none_or(|f| status < f.status) {
            self.found = Some(Found {
                status,
                job,
                hits,
                guards,
            });
        }
    }

    /// Offers the best of a whole job's steps; `guards` says whether the deploy waits for
    /// the job's success.
    pub(super) fn offer_job(&mut self, job: &'c JobControls<'c>, control: Control, guards: bool) {
        let at = job.best[control as usize][usize::from(guards)];
        if let Some(hits) = at.and_then(|at| job.hits.get(at)) {
            self.offer(job, hits, guards);
        }
    }

    /// Offers what another search found, as if its steps came after those offered so far.
    pub(super) fn offer_best(&mut self, other: &Best<'c>) {
        if let Some(found) = &other.found {
            self.offer(found.job, found.hits, found.guards);
        }
    }

    /// Offers the job's steps whose index `steps` accepts, one by one.
    pub(super) fn offer_steps(
        &mut self,
        job: &'c JobControls<'c>,
        control: Control,
        steps: impl Fn(usize) -> bool,
        guards: bool,
    ) {
        for hits in &job.hits {
            if hits.control == control && steps(hits.index) {
                self.offer(job, hits, guards);
            }
        }
    }

    /// The control as the report shows it, if any step showed it.
    pub(super) fn control(&self) -> Option<PathControl> {
        let found = self.found.as_ref()?;
        let job = found.job;
        let (status, hit) = found.hits.best(job.simulated, found.guards);
        let (id, path) = (&job.job.id, &job.pipeline.path);
        let detail = match (status, &hit.reason) {
            (ControlStatus::Simulated, _) => format!("job {id} only prints or sleeps"),
            (ControlStatus::Present, _) => format!("job {id} in {path}"),
            (_, Some(reason)) => reason.clone(),
            (_, None) => format!(
                "job {id} in {path} runs first, but the deploy does not wait for it to succeed"
            ),
        };
        let location = hit
            .command
            .map_or_else(|| found.hits.step.location.clone(), |c| c.location.clone());
        Some(PathControl {
            control: String::new(),
            status,
            detail,
            location: Some(location),
        })
    }
}
