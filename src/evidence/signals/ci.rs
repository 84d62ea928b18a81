//! CI signals: the catalog's actions, commands and GitLab templates found in pipeline steps,
//! each downgraded for every requirement of its practice the step misses (it cannot fail the
//! build, it never runs on a change, it does not guard production).

use super::uses_matches;
use crate::catalog::{Catalog, Practice, Requirement};
use crate::evidence::{Confidence, Evidence, Facts, State, blocking};
use crate::pipeline::{Command, Job, Pipeline, Scope, Step, is_simulated, job_scope};
use crate::source::Location;

pub(super) fn ci_signals(
    catalog: &Catalog,
    facts: &Facts,
    add: &mut impl FnMut(&Practice, Evidence),
) {
    // Each step's matches were worked out once when the facts were built.
    for (pipeline, job, step) in facts.pipelines.steps() {
        for &(index, command) in facts.step_practices(step) {
            let practice = &catalog.practices[index];
            let command = command.and_then(|c| step.commands.get(c));
            let (what, location) = match command {
                Some(c) => (crate::source::snippet(&c.text), c.location.clone()),
                None => (step.uses.clone().unwrap_or_default(), step.location.clone()),
            };
            let summary = format!("`{what}` in job {} of {}", job.id, pipeline.path);
            add(
                practice,
                ci_evidence(
                    practice, facts, pipeline, job, step, command, summary, location,
                ),
            );
        }
    }
    // Remote reusable workflows are called from a job, not a step.
    for (pipeline, job) in facts.pipelines.jobs() {
        let Some(called) = job.calls.as_deref().filter(|c| !c.starts_with("./")) else {
            continue;
        };
        let called = called.split('@').next().unwrap_or(called);
        let file_name = called
            .rsplit('/')
            .next()
            .unwrap_or(called)
            .to_ascii_lowercase();
        for practice in &catalog.practices {
            let by_owner = practice.uses.iter().any(|u| uses_matches(called, u));
            // Another repository's workflow: only its file name says what it does.
            let by_name = !by_owner
                && called.contains("/.github/workflows/")
                && practice
                    .reusable
                    .iter()
                    .any(|word| file_name.contains(word.as_str()));
            if !by_owner && !by_name {
                continue;
            }
            let step = Step {
                name: None,
                uses: Some(called.to_string()),
                uses_ref: None,
                inputs: Vec::new(),
                commands: Vec::new(),
                non_blocking: false,
                location: job.location.clone(),
                working_directory: None,
                waits_for: None,
            };
            let mut summary = format!("job {} of {} calls `{}`", job.id, pipeline.path, called);
            let mut evidence = ci_evidence(
                practice,
                facts,
                pipeline,
                job,
                &step,
                None,
                String::new(),
                job.location.clone(),
            );
            if by_name {
                summary.push_str(
                    ", a reusable workflow named for it whose steps are in that repository",
                );
                evidence.confidence = Confidence::Low;
            }
            evidence.summary = summary;
            add(practice, evidence);
        }
    }
}

/// Evidence that `step` (or its `command`) does what `practice` asks, as the catalog's CI
/// signals would give it, for detectors that find steps by their own reading.
pub(crate) fn step_evidence(
    practice: &Practice,
    facts: &Facts,
    (pipeline, job, step): (&Pipeline, &Job, &Step),
    command: Option<&Command>,
    summary: String,
    location: Location,
) -> Evidence {
    ci_evidence(
        practice, facts, pipeline, job, step, command, summary, location,
    )
}

/// Evidence from a CI step, downgraded for every requirement of the practice it misses.
#[allow(clippy::too_many_arguments)]
fn ci_evidence(
    practice: &Practice,
    facts: &Facts,
    pipeline: &Pipeline,
    job: &Job,
    step: &Step,
    command: Option<&Command>,
    summary: String,
    location: Location,
) -> Evidence {
    let mut reasons = Vec::new();
    let mut confidence = Confidence::High;
    let mentioned = |reason: String| Evidence {
        state: State::Mentioned,
        snippet: facts.snippet(&location),
        location: location.clone(),
        summary: summary.clone(),
        reason: Some(reason),
        confidence: Confidence::High,
    };
    if is_simulated(job) {
        return mentioned(format!(
            "job {} only prints or sleeps; it does no real work",
            job.id
        ));
    }
    if pipeline.demonstration {
        return mentioned(format!(
            "{} is a demonstration workflow (its name or opening comment says so), not part of the project's CI",
            pipeline.path
        ));
    }
    if practice.requires.contains(&Requirement::Published)
        && let Some(draft) = draft_release(facts, pipeline, step, command)
    {
        reasons.push(format!(
            "{draft} creates a draft release, which nobody can download until it is published, and no step here publishes it"
        ));
    }
    if practice.requires.contains(&Requirement::Published) && tests_only(facts, pipeline, job) {
        reasons.push(format!(
            "job {} only tests: nothing it makes is published",
            job.id
        ));
    }
    if practice.requires.contains(&Requirement::Published)
        && let Some(build) = facts.unpushed_image_build(job)
    {
        return mentioned(format!(
            "job {} builds the image without pushing it ({}:{}): nothing it tags or labels is published",
            job.id, build.path, build.line
        ));
    }
    // A job that only tests migrates the database its tests use (`manage.py migrate
    // --settings=tests.settings`), not the one a release changes.
    if practice.requires.contains(&Requirement::Production)
        && command.is_some_and(|c| crate::evidence::production::migrates(&c.text))
        && runs_only_tests(facts, pipeline, job)
    {
        return mentioned(format!(
            "job {} only tests: the database it migrates is its tests' own, not one a release changes",
            job.id
        ));
    }
    // A job that starts its own database (service containers, or a server on the runner) and
    // deploys nothing is a test: migrating there shows the migrations apply, not that a release
    // applies them.
    if practice.requires.contains(&Requirement::Production)
        && !job.service_images.is_empty()
        && !crate::pipeline::is_deploy_job(job)
        && !facts.is_on_production_path(pipeline, job)
    {
        return mentioned(format!(
            "job {} runs it against service containers it starts for itself ({}): a test, not a release",
            job.id,
            job.service_images.join(", ")
        ));
    }
    if practice.requires.contains(&Requirement::Production)
        && !crate::pipeline::is_deploy_job(job)
        && !facts.is_on_production_path(pipeline, job)
        && let Some(start) = crate::evidence::detectors::starts_local_database(job)
    {
        return mentioned(format!(
            "job {} runs it against a database it starts on the runner (`{}`): a test, not a release",
            job.id,
            crate::source::snippet(start.trim())
        ));
    }
    if practice.requires.contains(&Requirement::Blocking) {
        if let Some(reason) = blocking::non_blocking_reason(pipeline, job, step, command) {
            reasons.push(reason);
        } else if let Some(reason) = step.uses.as_deref().and_then(blocking::platform_gated) {
            reasons.push(reason.to_string());
            confidence = Confidence::Medium;
        }
    }
    if practice.requires.contains(&Requirement::OnChange) {
        if job.manual {
            reasons.push(format!(
                "job {} runs only when started by hand (when: manual)",
                job.id
            ));
        } else if job.schedule_only {
            reasons.push(format!("job {} runs only on a schedule", job.id));
        } else if !pipeline.triggers.on_change() {
            reasons.push(format!(
                "{} {}",
                pipeline.path,
                pipeline.triggers.describe_off_change()
            ));
        }
    }
    if practice.requires.contains(&Requirement::Production)
        && let Some(reason) = production_shortfall(facts, pipeline, job)
    {
        reasons.push(reason);
    }
    Evidence {
        state: if reasons.is_empty() {
            State::Present
        } else {
            State::Partial
        },
        snippet: facts.snippet(&location),
        location,
        summary,
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        confidence,
    }
}

/// Whether a job was read as running tests and nothing that builds, publishes, releases or
/// deploys: an end-to-end test that signs a file or writes an SBOM exercises the tool, and
/// ships nothing. A pipeline started by a tag or a release may ship what such a job makes.
pub(crate) fn tests_only(facts: &Facts, pipeline: &Pipeline, job: &Job) -> bool {
    !(pipeline.triggers.release || pipeline.triggers.tags_only)
        && runs_only_tests(facts, pipeline, job)
}

/// The job's own part of [`tests_only`], worked out once per job: it runs tests and builds,
/// publishes, releases and deploys nothing, whatever starts its pipeline. The database such a
/// job migrates is its tests' own.
pub(crate) fn runs_only_tests(facts: &Facts, pipeline: &Pipeline, job: &Job) -> bool {
    facts.job_only_tests(job, || reads_as_tests_only(facts, pipeline, job))
}

/// [`runs_only_tests`], worked out.
fn reads_as_tests_only(facts: &Facts, pipeline: &Pipeline, job: &Job) -> bool {
    // A step that says it releases, publishes, pushes or deploys (`make release`) may ship
    // what it makes.
    let ships = (job.steps.iter().flat_map(|s| &s.commands)).any(|c| {
        c.text
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .any(|word| {
                ["release", "publish", "push", "deploy"]
                    .iter()
                    .any(|w| word.eq_ignore_ascii_case(w))
            })
    });
    if ships {
        return false;
    }
    let roles = crate::evidence::production::job_roles(facts, pipeline, job);
    let role = |name: &str| roles.iter().any(|r| r.split(':').next() == Some(name));
    role("test")
        && !["build", "publish", "release", "deploy"]
            .iter()
            .any(|r| role(r))
}

/// The command or action that makes the release a draft: `gh release create --draft`, or a
/// release action with `draft: true`.
fn draft_release(
    facts: &Facts,
    pipeline: &Pipeline,
    step: &Step,
    command: Option<&Command>,
) -> Option<String> {
    let found = match command {
        Some(command) => {
            let words: Vec<&str> = command.text.split_whitespace().collect();
            let at = (words.windows(3)).position(|w| w == ["gh", "release", "create"])?;
            // Only the options of `gh release create` itself, up to the next command.
            let options = words[at + 3..]
                .iter()
                .take_while(|w| !matches!(**w, "&&" | "||" | ";" | "|"));
            let mut draft = false;
            // Words inside a command substitution (`"v-$(date -d yesterday +%F)"`) are that
            // command's.
            let mut nested = 0usize;
            for word in options {
                let inside = nested > 0;
                nested += word.matches("$(").count();
                nested = nested.saturating_sub(word.matches(')').count());
                if inside || word.contains("$(") {
                    continue;
                }
                match *word {
                    "--draft" | "--draft=true" | "-d" => draft = true,
                    "--draft=false" => draft = false,
                    _ => {}
                }
            }
            draft.then(|| format!("`gh release create --draft` at {}", command.location))?
        }
        None => {
            let action = step.uses.as_deref()?;
            let releases = ["softprops/action-gh-release", "ncipollo/release-action"]
                .iter()
                .any(|a| uses_matches(action, a));
            let draft = step.input("draft")?;
            (releases && draft.value.trim().eq_ignore_ascii_case("true"))
                .then(|| format!("`{action}` with draft: true at {}", draft.location))?
        }
    };
    // A later step may publish the draft (`gh release edit TAG --draft=false`).
    (!facts.publishes_drafts(&pipeline.path)).then_some(found)
}

/// Why a control in this job does not guard production: it runs only for staging or preview,
/// or production deploys never wait for it.
fn production_shortfall(facts: &Facts, pipeline: &Pipeline, job: &Job) -> Option<String> {
    if facts.is_on_production_path(pipeline, job) {
        return None;
    }
    let scope = job_scope(pipeline, job);
    let staging = matches!(scope, Scope::Staging | Scope::Preview);
    if !facts.has_production_deploys() {
        return staging.then(|| {
            format!(
                "it runs only in the {} pipeline {}",
                scope.label(),
                pipeline.path
            )
        });
    }
    // A monorepo may deploy from hundreds of workflows: three are named, the rest counted.
    let elsewhere = facts.other_production_deploys(pipeline, job);
    Some(if staging {
        format!(
            "it runs only in the {} pipeline {}, while production deploys from {elsewhere} without it",
            scope.label(),
            pipeline.path,
        )
    } else {
        format!("no production deploy waits for it; {elsewhere} deploy without it")
    })
}

pub(super) fn template_signals(
    catalog: &Catalog,
    facts: &Facts,
    add: &mut impl FnMut(&Practice, Evidence),
) {
    for pipeline in &facts.pipelines.pipelines {
        for (template, location) in &pipeline.templates {
            let short = template.rsplit('/').next().unwrap_or(template);
            for practice in catalog.practices.iter().filter(|p| {
                p.gitlab_templates.iter().any(|t| {
                    t.eq_ignore_ascii_case(template)
                        || t.rsplit('/')
                            .next()
                            .is_some_and(|s| s.eq_ignore_ascii_case(short))
                })
            }) {
                let jobs = crate::pipeline::template_jobs(short);
                let override_job = pipeline.jobs.iter().find(|j| jobs.contains(&j.id.as_str()));
                let mut reasons = Vec::new();
                if practice.requires.contains(&Requirement::Blocking) {
                    match override_job {
                        Some(job) if !job.allow_failure => {}
                        Some(job) => reasons.push(format!("job {} keeps allow_failure from the template", job.id)),
                        None => reasons.push(format!(
                            "GitLab's {template} template lets its jobs fail without failing the pipeline (allow_failure: true) and no job here overrides it"
                        )),
                    }
                }
                if practice.requires.contains(&Requirement::OnChange)
                    && override_job.is_some_and(|j| j.manual)
                {
                    reasons.push("the scan job runs only when started by hand".to_string());
                }
                add(
                    practice,
                    Evidence {
                        state: if reasons.is_empty() {
                            State::Present
                        } else {
                            State::Partial
                        },
                        snippet: facts.snippet(location),
                        location: location.clone(),
                        summary: format!(
                            "GitLab template {template} included in {}",
                            pipeline.path
                        ),
                        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
                        confidence: Confidence::High,
                    },
                );
            }
        }
    }
}
