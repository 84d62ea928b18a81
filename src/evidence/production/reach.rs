//! The strongest place for each control among the jobs that run before a job and among those
//! that run after it, worked out for every job of a pipeline at once.
//!
//! A deploy's path holds every job before it, so walking each deploy's path on its own costs
//! the jobs multiplied by the deploys: a file of thousands of deploys, each needing the one
//! before, took seconds. Only the best place for each control is reported, so each job's
//! answer is made from the answers of the jobs it waits for (or that wait for it), each
//! computed once. What runs before a whole pipeline (the workflows whose completion starts
//! it, what the callers of a called workflow wait for) is likewise made once per pipeline from
//! the answers for its callers.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use super::ControlStatus;
use super::controls::{Best, Control, JobCache, JobControls};
use crate::pipeline::{
    Job, Least, MAX_CALLER_DEPTH, Pipelines, called_jobs, called_path, callers_of, least_after,
    least_before, pipelines_named, waits_for_success,
};

/// Where a job shows a control. Places compare by status first (the strongest is the
/// least), then by how many jobs lie between (before a deploy, the nearest job is the one
/// the deploy waits for most directly), then by where the job is in the files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    status: ControlStatus,
    /// Jobs from the one asked about, itself excluded: 1 for a job it needs.
    distance: usize,
    /// The job's pipeline index and its index in the pipeline.
    position: (usize, usize),
    /// Whether the deploy waits for the job's success.
    guards: bool,
}

/// A job that migrates a database, ordered as places are, without a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Migrating {
    distance: usize,
    position: (usize, usize),
    guards: bool,
}

/// The best place for each control over some jobs, and the nearest of them that migrates a
/// database.
#[derive(Clone, Default)]
pub(super) struct Places {
    controls: [Option<Place>; Control::ALL.len()],
    migration: Option<Migrating>,
}

impl Least for Places {
    fn keep_least(&mut self, other: &Self) {
        for (mine, theirs) in self.controls.iter_mut().zip(&other.controls) {
            if let Some(theirs) = theirs
                && mine.is_none_or(|mine| *theirs < mine)
            {
                *mine = Some(*theirs);
            }
        }
        if let Some(theirs) = other.migration
            && self.migration.is_none_or(|mine| theirs < mine)
        {
            self.migration = Some(theirs);
        }
    }

    fn further(&self) -> Self {
        let mut further = self.clone();
        for place in further.controls.iter_mut().flatten() {
            place.distance = place.distance.saturating_add(1);
        }
        if let Some(migrating) = &mut further.migration {
            migrating.distance = migrating.distance.saturating_add(1);
        }
        further
    }
}

impl Places {
    /// What one job shows, seen from a deploy that waits for its success or not.
    fn of_job(job: &JobControls, position: (usize, usize), guards: bool) -> Places {
        let mut places = Places::default();
        for control in Control::ALL {
            places.controls[control as usize] = job.status(control, guards).map(|status| Place {
                status,
                distance: 0,
                position,
                guards,
            });
        }
        places.migration = job.migration().map(|_| Migrating {
            distance: 0,
            position,
            guards,
        });
        places
    }
}

/// Places among the jobs after a deploy, which the report takes in file order whatever
/// their distance.
#[derive(Clone, Default)]
struct InFileOrder(Places);

impl Least for InFileOrder {
    fn keep_least(&mut self, other: &Self) {
        self.0.keep_least(&other.0);
    }

    fn further(&self) -> Self {
        self.clone()
    }
}

/// Each job's places before and after it, for one pipeline.
struct Around {
    before: Vec<Places>,
    after: Vec<Places>,
}

/// What a run of jobs taken in order shows: for each control the first place with the
/// strongest status, and the backups before the first migration.
#[derive(Clone, Default)]
pub(super) struct Segment<'c> {
    /// By [`Control`] index.
    controls: [Best<'c>; Control::ALL.len()],
    /// The best backup before the first job to migrate (with that job's steps before its
    /// migration), or among all the jobs if none migrates.
    backup: Best<'c>,
    /// Where the first job to migrate does so.
    migration: Option<String>,
}

impl<'c> Segment<'c> {
    pub(super) fn best(&self, control: Control) -> &Best<'c> {
        &self.controls[control as usize]
    }

    pub(super) fn backup(&self) -> &Best<'c> {
        &self.backup
    }

    pub(super) fn migration(&self) -> Option<&str> {
        self.migration.as_deref()
    }

    /// Appends a later run of jobs: a later place counts only where it is stronger, and
    /// backups only until the first migration.
    pub(super) fn then(&mut self, later: &Segment<'c>) {
        for (best, later) in self.controls.iter_mut().zip(&later.controls) {
            best.offer_best(later);
        }
        if self.migration.is_none() {
            self.backup.offer_best(&later.backup);
            self.migration.clone_from(&later.migration);
        }
    }

    /// Appends one job, which the deploy waits for to succeed or not.
    fn add_job(&mut self, job: &'c JobControls<'c>, guards: bool) {
        for (control, best) in Control::ALL.into_iter().zip(&mut self.controls) {
            best.offer_job(job, control, guards);
        }
        if self.migration.is_some() {
            return;
        }
        match job.migration() {
            Some((step, location)) => {
                let steps_before = job.job().steps_before(step);
                let earlier = |index: usize| steps_before.get(index) == Some(&true);
                self.backup
                    .offer_steps(job, Control::Backup, earlier, guards);
                self.migration = Some(location.to_string());
            }
            None => self.backup.offer_job(job, Control::Backup, guards),
        }
    }
}

/// The places around every job of the pipelines, and what runs before each whole pipeline,
/// each worked out on first use.
pub(super) struct Reach<'c> {
    jobs: &'c JobCache<'c>,
    pipelines: &'c Pipelines,
    around: Vec<OnceCell<Around>>,
    /// What runs before each whole pipeline, by pipeline index, whether the job asked about
    /// waits for the workflow before it to succeed, and how many calls of reusable workflows
    /// away from the deploy the pipeline is.
    beyond: Vec<[[OnceCell<Segment<'c>>; MAX_CALLER_DEPTH + 1]; 2]>,
    /// The jobs of each pipeline in order, as a `workflow_run` trigger naming it lists them,
    /// by pipeline index and whether the workflow it starts waits for its success.
    named: Vec<[OnceCell<Segment<'c>>; 2]>,
    /// What every job of a called workflow shows, by the path jobs call it by and whether
    /// the caller's success guards the deploy.
    called: RefCell<HashMap<(&'c str, bool), Places>>,
}

impl<'c> Reach<'c> {
    pub(super) fn new(jobs: &'c JobCache<'c>, pipelines: &'c Pipelines) -> Self {
        let count = pipelines.pipelines.len();
        Reach {
            jobs,
            pipelines,
            around: (0..count).map(|_| OnceCell::new()).collect(),
            beyond: (0..count)
                .map(|_| std::array::from_fn(|_| std::array::from_fn(|_| OnceCell::new())))
                .collect(),
            named: (0..count)
                .map(|_| std::array::from_fn(|_| OnceCell::new()))
                .collect(),
            called: RefCell::new(HashMap::new()),
        }
    }

    /// The best places among the jobs that the job at `position` waits for in its pipeline,
    /// with the jobs of the workflows they call.
    pub(super) fn before(&self, position: (usize, usize)) -> Option<&Places> {
        self.around(position.0)?.before.get(position.1)
    }

    /// The best places among the jobs of its pipeline that wait for the job at `position`.
    pub(super) fn after(&self, position: (usize, usize)) -> Option<&Places> {
        self.around(position.0)?.after.get(position.1)
    }

    /// Offers the place found for `control`, if any, to a search.
    pub(super) fn offer(&self, best: &mut Best<'c>, places: Option<&Places>, control: Control) {
        let Some(place) = places.and_then(|p| p.controls[control as usize]) else {
            return;
        };
        if let Some(job) = self.jobs.get(place.position) {
            best.offer_job(job, control, place.guards);
        }
    }

    /// What the jobs the job at `position` waits for in its pipeline show, nearest first.
    /// If one of them migrates, the backups counted are those that run before it: in the
    /// jobs it waits for, before its pipeline as a whole, and in its own steps.
    pub(super) fn needed(&self, position: (usize, usize)) -> Segment<'c> {
        self.segment_of(self.before(position), true)
    }

    /// What runs before the whole of the pipeline of the job at `position`, searched for
    /// that job: whether it waits for the workflow before to succeed decides whether that
    /// workflow's jobs guard it.
    pub(super) fn beyond(&self, position: (usize, usize)) -> Option<&Segment<'c>> {
        let pipeline = self.pipelines.pipelines.get(position.0)?;
        let success_checked = pipeline.jobs.get(position.1).is_some_and(waits_for_success);
        self.beyond_at(position.0, success_checked, 0)
    }

    /// Places found by [`Least`] as a run of jobs. `outermost` says whether what runs before
    /// the whole pipeline of a migrating job counts for its backup: not while that is
    /// itself being worked out.
    fn segment_of(&self, places: Option<&Places>, outermost: bool) -> Segment<'c> {
        let mut segment = Segment::default();
        let Some(places) = places else {
            return segment;
        };
        for (control, best) in Control::ALL.into_iter().zip(&mut segment.controls) {
            self.offer(best, Some(places), control);
        }
        let migrating = places
            .migration
            .and_then(|m| Some((m, self.jobs.get(m.position)?)));
        let Some((migrating, job)) = migrating else {
            self.offer(&mut segment.backup, Some(places), Control::Backup);
            return segment;
        };
        let Some((step, location)) = job.migration() else {
            return segment;
        };
        let before = self.before(migrating.position);
        self.offer(&mut segment.backup, before, Control::Backup);
        if outermost && let Some(beyond) = self.beyond(migrating.position) {
            segment.backup.offer_best(beyond.backup());
        }
        let steps_before = job.job().steps_before(step);
        let earlier = |index: usize| steps_before.get(index) == Some(&true);
        segment
            .backup
            .offer_steps(job, Control::Backup, earlier, migrating.guards);
        segment.migration = Some(location.to_string());
        segment
    }

    /// What runs before the whole of the pipeline at `index`, `depth` calls of reusable
    /// workflows away from the deploy: the jobs of the workflows whose completion starts it,
    /// then for each caller, if the depth allows, what the caller needs and what runs before
    /// the caller's pipeline, one call further away.
    fn beyond_at(&self, index: usize, success_checked: bool, depth: usize) -> Option<&Segment<'c>> {
        let cell = self
            .beyond
            .get(index)?
            .get(usize::from(success_checked))?
            .get(depth)?;
        Some(cell.get_or_init(|| {
            let mut segment = Segment::default();
            let pipelines = self.pipelines;
            let Some(pipeline) = pipelines.pipelines.get(index) else {
                return segment;
            };
            for name in &pipeline.triggers.after_workflows {
                for &other in pipelines_named(pipelines, name) {
                    if let Some(named) = self.named(other, success_checked) {
                        segment.then(named);
                    }
                }
            }
            if !pipeline.triggers.call || depth + 1 > MAX_CALLER_DEPTH {
                return segment;
            }
            for &caller in callers_of(pipelines, &pipeline.path) {
                segment.then(&self.segment_of(self.before(caller), false));
                let Some(job) =
                    (pipelines.pipelines.get(caller.0)).and_then(|p| p.jobs.get(caller.1))
                else {
                    continue;
                };
                if let Some(beyond) = self.beyond_at(caller.0, waits_for_success(job), depth + 1) {
                    segment.then(beyond);
                }
            }
            segment
        }))
    }

    /// The jobs of the pipeline at `index` in order, each with the jobs of the workflow it
    /// calls, as a `workflow_run` trigger naming the pipeline lists them.
    fn named(&self, index: usize, success_checked: bool) -> Option<&Segment<'c>> {
        let cell = self.named.get(index)?.get(usize::from(success_checked))?;
        Some(cell.get_or_init(|| {
            let mut segment = Segment::default();
            let Some(pipeline) = self.pipelines.pipelines.get(index) else {
                return segment;
            };
            for (job_index, job) in pipeline.jobs.iter().enumerate() {
                if let Some(controls) = self.jobs.get((index, job_index)) {
                    segment.add_job(controls, success_checked && !job.allow_failure);
                }
                if let Some(path) = called_path(job) {
                    let called = self.called(path, job, success_checked);
                    segment.then(&self.segment_of(Some(&called), false));
                }
            }
            segment
        }))
    }

    fn around(&self, index: usize) -> Option<&Around> {
        let cell = self.around.get(index)?;
        Some(cell.get_or_init(|| self.compute(index)))
    }

    /// Works out every job's places in one pipeline. Before a job, a job counts with the
    /// jobs of the workflow it calls, and the deploy waits for its success unless it may
    /// fail; after a job, only the jobs that wait for it count, each guarding it.
    fn compute(&self, index: usize) -> Around {
        let (jobs, pipelines) = (self.jobs, self.pipelines);
        let Some(pipeline) = pipelines.pipelines.get(index) else {
            return Around {
                before: Vec::new(),
                after: Vec::new(),
            };
        };
        let mut own_before = Vec::with_capacity(pipeline.jobs.len());
        let mut own_after = Vec::with_capacity(pipeline.jobs.len());
        for (job_index, job) in pipeline.jobs.iter().enumerate() {
            let position = (index, job_index);
            let Some(controls) = jobs.get(position) else {
                own_before.push(Places::default());
                own_after.push(InFileOrder::default());
                continue;
            };
            let mut before = Places::of_job(controls, position, !job.allow_failure);
            if let Some(path) = called_path(job) {
                before.keep_least(&self.called(path, job, true));
            }
            own_before.push(before);
            let mut after = Places::of_job(controls, position, true);
            after.migration = None;
            own_after.push(InFileOrder(after));
        }
        Around {
            before: least_before(pipeline, &own_before),
            after: (least_after(pipeline, &own_after).into_iter())
                .map(|places| places.0)
                .collect(),
        }
    }

    /// What the jobs of the workflow at `path`, which `job` calls, show, each waited for if
    /// the call is (`guards`) and the job may not fail; worked out once per path.
    fn called(&self, path: &'c str, job: &Job, guards: bool) -> Places {
        if let Some(places) = self.called.borrow().get(&(path, guards)) {
            return places.clone();
        }
        let (jobs, pipelines) = (self.jobs, self.pipelines);
        let mut places = Places::default();
        for position in called_jobs(pipelines, job) {
            let called = (pipelines.pipelines.get(position.0)).and_then(|p| p.jobs.get(position.1));
            if let (Some(called), Some(controls)) = (called, jobs.get(position)) {
                let guards = guards && !called.allow_failure;
                places.keep_least(&Places::of_job(controls, position, guards));
            }
        }
        self.called
            .borrow_mut()
            .insert((path, guards), places.clone());
        places
    }
}
