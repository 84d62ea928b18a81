//! The strongest place for each control among the jobs that run before a job and among those
//! that run after it, worked out for every job of a pipeline at once.
//!
//! A deploy's path holds every job before it, so walking each deploy's path on its own costs
//! the jobs multiplied by the deploys: a file of thousands of deploys, each needing the one
//! before, took seconds. Only the best place for each control is reported, so each job's
//! answer is made from the answers of the jobs it waits for (or that wait for it), each
//! computed once. Among places of the same status the first in the files is taken.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use super::ControlStatus;
use super::controls::{Best, Control, JobCache, JobControls};
use crate::pipeline::{
    Job, Least, Pipelines, called_jobs, called_path, least_after, least_before,
    upstream_of_pipeline, waits_for_success,
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

/// The best place for each control over some jobs, and the nearest of them that migrates a
/// database, by distance and then by pipeline and job index.
#[derive(Clone, Default)]
pub(super) struct Places {
    controls: [Option<Place>; Control::ALL.len()],
    migration: Option<(usize, (usize, usize))>,
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
        if let Some((distance, _)) = &mut further.migration {
            *distance = distance.saturating_add(1);
        }
        further
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
        places.migration = job.migration().map(|_| (0, position));
        places
    }

    /// The nearest job that migrates a database, by pipeline and job index.
    pub(super) fn migration(&self) -> Option<(usize, usize)> {
        self.migration.map(|(_, position)| position)
    }
}

/// Each job's places before and after it, for one pipeline.
struct Around {
    before: Vec<Places>,
    after: Vec<Places>,
}

/// What runs before the whole of a pipeline (the workflows whose completion starts it, and
/// what the callers of a called workflow wait for), searched in the order a path lists it.
pub(super) struct Beyond<'c> {
    /// The first place with the strongest status for each control, by [`Control`] index.
    controls: Vec<Best<'c>>,
    /// The best backup before the first of these jobs to migrate (with that job's steps
    /// before its migration), or among all of them if none migrates.
    backup: Best<'c>,
    /// Where the first of them to migrate does so.
    migration: Option<String>,
}

impl<'c> Beyond<'c> {
    pub(super) fn best(&self, control: Control) -> Option<&Best<'c>> {
        self.controls.get(control as usize)
    }

    pub(super) fn backup(&self) -> &Best<'c> {
        &self.backup
    }

    pub(super) fn migration(&self) -> Option<&str> {
        self.migration.as_deref()
    }
}

/// The places around every job of the pipelines, and what runs before each whole pipeline,
/// each pipeline worked out on first use.
pub(super) struct Reach<'c> {
    jobs: &'c JobCache<'c>,
    pipelines: &'c Pipelines,
    around: Vec<OnceCell<Around>>,
    /// By pipeline index, for jobs that do not wait for the workflow before to succeed and
    /// for those that do.
    beyond: Vec<[OnceCell<Beyond<'c>>; 2]>,
    /// What every job of a called workflow shows, by the path jobs call it by.
    called: RefCell<HashMap<&'c str, Places>>,
}

impl<'c> Reach<'c> {
    pub(super) fn new(jobs: &'c JobCache<'c>, pipelines: &'c Pipelines) -> Self {
        Reach {
            jobs,
            pipelines,
            around: pipelines
                .pipelines
                .iter()
                .map(|_| OnceCell::new())
                .collect(),
            beyond: (pipelines.pipelines.iter())
                .map(|_| [OnceCell::new(), OnceCell::new()])
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

    pub(super) fn job(&self, position: (usize, usize)) -> Option<&'c JobControls<'c>> {
        self.jobs.get(position)
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

    /// What runs before the whole of the pipeline of the job at `position`, searched for
    /// that job: whether it waits for the workflow before to succeed decides whether that
    /// workflow's jobs guard it.
    pub(super) fn beyond(&self, position: (usize, usize)) -> Option<&Beyond<'c>> {
        let pipeline = self.pipelines.pipelines.get(position.0)?;
        let success_checked = pipeline.jobs.get(position.1).is_some_and(waits_for_success);
        let cell = self
            .beyond
            .get(position.0)?
            .get(usize::from(success_checked))?;
        Some(cell.get_or_init(|| self.search_beyond(position.0, success_checked)))
    }

    fn search_beyond(&self, index: usize, success_checked: bool) -> Beyond<'c> {
        let (jobs, pipelines) = (self.jobs, self.pipelines);
        let listed = pipelines.pipelines.get(index).map_or_else(Vec::new, |p| {
            upstream_of_pipeline(pipelines, p, success_checked)
        });
        let mut controls = vec![Best::default(); Control::ALL.len()];
        let mut backup = Best::default();
        let mut migration = None;
        for upstream in &listed {
            let Some(job) = jobs.get(upstream.position).filter(|j| j.matters()) else {
                continue;
            };
            for (control, best) in Control::ALL.into_iter().zip(&mut controls) {
                best.offer_job(job, control, upstream.guards);
            }
            if migration.is_some() {
                continue;
            }
            match job.migration() {
                Some((step, location)) => {
                    let steps_before = job.job().steps_before(step);
                    let earlier = |index: usize| steps_before.get(index) == Some(&true);
                    backup.offer_steps(job, Control::Backup, earlier, upstream.guards);
                    migration = Some(location.to_string());
                }
                None => backup.offer_job(job, Control::Backup, upstream.guards),
            }
        }
        Beyond {
            controls,
            backup,
            migration,
        }
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
                let mut called = self.called.borrow_mut();
                let places = called
                    .entry(path)
                    .or_insert_with(|| self.called_places(job));
                before.keep_least(places);
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

    /// What the jobs of the workflow `job` calls show, each waited for unless it may fail.
    fn called_places(&self, job: &Job) -> Places {
        let (jobs, pipelines) = (self.jobs, self.pipelines);
        let mut places = Places::default();
        for position in called_jobs(pipelines, job) {
            let called = (pipelines.pipelines.get(position.0)).and_then(|p| p.jobs.get(position.1));
            if let (Some(called), Some(controls)) = (called, jobs.get(position)) {
                places.keep_least(&Places::of_job(controls, position, !called.allow_failure));
            }
        }
        places
    }
}
