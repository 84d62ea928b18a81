//! Detectors over deployments: gated on tests and scans, automatic, promoted through
//! staging, approved before production.

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::pipeline::{
    Job, Pipeline, Scope, is_deploy_command, is_simulated, is_teardown_command, job_scope, upstream,
};

/// Read from the production paths: every production deploy must wait for tests that pass
/// and for at least one security scan that can fail.
pub fn deploy_gated(facts: &Facts) -> Option<Verdict> {
    use crate::evidence::production::ControlStatus;
    let paths = facts.production_paths();
    if paths.is_empty() {
        return verdict(
            State::Absent,
            Some("no job deploys to production, so nothing gates a deploy".into()),
            Vec::new(),
        );
    }
    let mut found = Vec::new();
    let mut worst = State::Present;
    // Deploys that fall short the same way are named together: a monorepo has hundreds.
    const SIMULATED: usize = 0;
    const UNSCANNED: usize = 1;
    const UNTESTED: usize = 2;
    let mut short: [Vec<String>; 3] = Default::default();
    let mut non_blocking = Vec::new();
    for path in paths {
        let name = format!("job {} in {}", path.job, path.pipeline);
        let status = |name: &str| {
            path.controls
                .iter()
                .find(|c| c.control == name)
                .map(|c| (c.status, c.detail.clone()))
        };
        let tests = status("tests");
        let scans: Vec<ControlStatus> = ["SAST", "dependency scan", "image scan"]
            .iter()
            .filter_map(|n| status(n))
            .map(|(s, _)| s)
            .collect();
        let (state, reason, kind) = match tests {
            _ if path.simulated => (
                State::Mentioned,
                Some(format!(
                    "deploy job {} in {} only prints or sleeps",
                    path.job, path.pipeline
                )),
                Some(SIMULATED),
            ),
            Some((ControlStatus::Present, _)) if scans.contains(&ControlStatus::Present) => {
                (State::Present, None, None)
            }
            Some((ControlStatus::Present, _)) => (
                State::Partial,
                Some(format!(
                    "job {} in {} waits for tests, but no security scan that can fail runs before it",
                    path.job, path.pipeline
                )),
                Some(UNSCANNED),
            ),
            Some((ControlStatus::NonBlocking, detail)) => (
                State::Partial,
                Some(format!(
                    "job {} in {}: tests run first but cannot stop it ({detail})",
                    path.job, path.pipeline
                )),
                None,
            ),
            Some((ControlStatus::Unverified, detail)) => (
                State::Partial,
                Some(format!(
                    "job {} in {}: tests run, but whether the deploy waits for them is a platform setting ({detail})",
                    path.job, path.pipeline
                )),
                None,
            ),
            _ => (
                State::Absent,
                Some(format!(
                    "job {} in {} deploys without any test job before it",
                    path.job, path.pipeline
                )),
                Some(UNTESTED),
            ),
        };
        let summary = match path
            .controls
            .iter()
            .find(|c| c.control == "tests")
            .and_then(|c| c.location.as_ref())
        {
            Some(at) if state >= State::Partial => format!(
                "deploy job {} in {} runs after tests at {at}",
                path.job, path.pipeline
            ),
            _ => format!("deploy job {} in {}", path.job, path.pipeline),
        };
        found.push(evidence(
            facts,
            state,
            path.location.clone(),
            summary,
            reason.clone(),
        ));
        match kind {
            Some(kind) => short[kind].push(name),
            None => non_blocking.extend(reason),
        }
        worst = worst.min(state);
    }
    let [simulated, unscanned, untested] = short;
    let mut reasons = Vec::new();
    if !simulated.is_empty() {
        let verb = if simulated.len() == 1 {
            "prints or sleeps"
        } else {
            "print or sleep"
        };
        reasons.push(format!("deploy {} only {verb}", examples(&simulated, 3)));
    }
    if !unscanned.is_empty() {
        let (verb, them) = if unscanned.len() == 1 {
            ("waits", "it")
        } else {
            ("wait", "them")
        };
        reasons.push(format!(
            "{} {verb} for tests, but no security scan that can fail runs before {them}",
            examples(&unscanned, 3)
        ));
    }
    if non_blocking.len() > 3 {
        let more = non_blocking.len() - 3;
        non_blocking.truncate(3);
        non_blocking.push(format!(
            "{more} more deploys whose tests cannot stop them or may not be waited for"
        ));
    }
    reasons.extend(non_blocking);
    if !untested.is_empty() {
        let (verb, them) = if untested.len() == 1 {
            ("deploys", "it")
        } else {
            ("deploy", "them")
        };
        reasons.push(format!(
            "{} {verb} without any test job before {them}",
            examples(&untested, 3)
        ));
    }
    verdict(
        worst,
        (!reasons.is_empty()).then(|| reasons.join("; ")),
        found,
    )
}

/// The repository a job's `if: github.repository != 'owner/name'` (or `repository_owner`)
/// keeps it from running in: a template that deploys only the projects made from it.
fn only_elsewhere(job: &Job) -> Option<&str> {
    let condition = job.condition.as_deref()?;
    let (_, rest) = condition
        .split_once("github.repository != ")
        .or_else(|| condition.split_once("github.repository_owner != "))?;
    let quoted = rest.trim_start().strip_prefix('\'')?;
    let (repo, _) = quoted.split_once('\'')?;
    (!repo.is_empty()).then_some(repo)
}

pub fn automated_deploy(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let deploys = facts.deploys();
    let mut real: Vec<_> = deploys.iter().filter(|(_, j)| !is_simulated(j)).collect();
    // Production deploys (and those that name no environment) first, test deploys last: the
    // first is the one the key findings name.
    real.sort_by_key(|(p, j)| match job_scope(p, j) {
        Scope::Unspecified => Scope::Production,
        scope => scope,
    });
    if !real.is_empty() {
        let found = real.iter().take(5).map(|(p, j)| {
            evidence(
                facts,
                State::Present,
                j.location.clone(),
                format!(
                    "job {} in {} deploys to {}{}",
                    j.id,
                    p.path,
                    crate::evidence::production::environment_label(p, j),
                    only_elsewhere(j)
                        .map(|repo| format!("; its `if:` skips it in {repo} itself, so it runs only in copies of this repository"))
                        .unwrap_or_default()
                ),
                None,
            )
        });
        return verdict(State::Present, None, found.collect());
    }
    if let Some((p, j)) = deploys.first() {
        let reason = format!(
            "deploy job {} in {} only prints or sleeps; it deploys nothing",
            j.id, p.path
        );
        let e = evidence(
            facts,
            State::Mentioned,
            j.location.clone(),
            format!("job {} in {}", j.id, p.path),
            Some(reason.clone()),
        );
        return verdict(State::Mentioned, Some(reason), vec![e]);
    }
    // Deploy commands in jobs that are not deploy jobs run, for example, in test jobs against
    // a cluster the job starts itself; only a platform's own configuration is left to credit.
    // `terraform apply -destroy` removes what was deployed and is no deploy command at all.
    let (in_tests, platform): (Vec<Evidence>, Vec<Evidence>) = (signals.iter())
        .filter(|e| !is_teardown_command(&e.snippet) || is_deploy_command(&e.snippet))
        .cloned()
        .partition(|e| {
            facts
                .pipelines
                .pipelines
                .iter()
                .any(|p| p.path == e.location.path)
        });
    if let Some(best) = platform.iter().max_by_key(|e| e.state) {
        let reason = best
            .reason
            .clone()
            .or_else(|| Some("a platform deploys from the repository; no CI job deploys".into()));
        return verdict(best.state.min(State::Partial), reason, platform);
    }
    if in_tests.is_empty() {
        return (!signals.is_empty()).then(|| Verdict {
            state: State::Absent,
            reason: Some(
                "no job deploys: the commands found only remove what was deployed".to_string(),
            ),
            evidence: Vec::new(),
        });
    }
    let reason = "deploy commands run only in jobs that deploy no environment, such as test jobs against a cluster they start for themselves".to_string();
    let found = in_tests
        .into_iter()
        .map(|mut e| {
            e.state = State::Mentioned;
            e.reason = Some(reason.clone());
            e
        })
        .collect();
    verdict(State::Mentioned, Some(reason), found)
}

pub fn staging_promotion(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let deploys = facts.deploys();
    let staging: Vec<_> = deploys
        .iter()
        .filter(|(p, j)| job_scope(p, j) == Scope::Staging)
        .collect();
    // The deploys the production paths are worked out for: those named for production, and
    // those that name no environment at all.
    let production = facts.production_deploys();
    match (staging.first(), production.first()) {
        (Some((sp, sj)), Some((pp, pj))) => {
            let ordered_by_needs = upstream(facts.pipelines, pp, pj).iter().any(|u| {
                job_scope(u.pipeline, u.job) == Scope::Staging
                    && crate::pipeline::is_deploy_job(u.job)
            });
            let ordered_by_release = (pp.triggers.release
                || pp.triggers.tags_only
                || pp.triggers.manual && !pp.triggers.push)
                && sp.triggers.push;
            let found = vec![
                evidence(
                    facts,
                    State::Present,
                    sj.location.clone(),
                    format!("staging deploy: job {} in {}", sj.id, sp.path),
                    None,
                ),
                evidence(
                    facts,
                    State::Present,
                    pj.location.clone(),
                    format!("production deploy: job {} in {}", pj.id, pp.path),
                    None,
                ),
            ];
            if ordered_by_needs {
                verdict(State::Present, None, found)
            } else if ordered_by_release {
                let reason = "staging deploys on every push and production on a release or by hand; nothing checks that a release was on staging first".to_string();
                verdict(State::Partial, Some(reason), found)
            } else {
                let reason = "staging and production deploy independently; production does not depend on a staging deploy".to_string();
                verdict(State::Partial, Some(reason), found)
            }
        }
        (Some((sp, sj)), None) => {
            let reason =
                "a staging deploy exists but no production deploy is in the repository".to_string();
            let e = evidence(
                facts,
                State::Partial,
                sj.location.clone(),
                format!("staging deploy: job {} in {}", sj.id, sp.path),
                Some(reason.clone()),
            );
            verdict(State::Partial, Some(reason), vec![e])
        }
        _ => {
            let best = signals
                .iter()
                .map(|e| e.state)
                .max()
                .unwrap_or(State::Absent)
                .min(State::Mentioned);
            // An environment named by an expression is chosen at run time: whether some runs
            // deploy to staging first cannot be read from the files.
            // Review apps and pull-request previews (`review/$CI_COMMIT_REF_SLUG`,
            // `pr-${{ github.event.number }}`) are named at run time too, and never production.
            let chosen = deploys.iter().find_map(|(p, j)| {
                let (name, at) = j.environment.as_ref()?;
                let lower = name.to_ascii_lowercase();
                let preview = ["review", "preview", "pr-", "pr_", "pull"]
                    .iter()
                    .any(|w| lower.contains(w))
                    || matches!(job_scope(p, j), Scope::Preview | Scope::Staging)
                    || !(p.triggers.push
                        || p.triggers.tags_only
                        || p.triggers.release
                        || p.triggers.manual
                        || p.triggers.call
                        || p.triggers.schedule);
                (name.contains('$') && !preview).then_some((p, j, name, at))
            });
            if let (State::Absent, Some((p, j, name, at))) = (best, chosen) {
                let reason = format!(
                    "job {} in {} chooses its environment at run time (`{name}`), so the files do \
                     not show a staging deploy ordered before production",
                    j.id, p.path
                );
                let found = evidence(facts, State::Mentioned, at.clone(), reason.clone(), None);
                return verdict(State::Mentioned, Some(reason), vec![found]);
            }
            let reason = if best == State::Absent && facts.production_deploys().is_empty() {
                "no staging or production deploy job in the repository, so nothing is promoted \
                 through staging"
                    .to_string()
            } else if best == State::Absent {
                "no staging environment: every deploy goes straight to production".to_string()
            } else {
                "staging configuration exists, but no pipeline deploys to it".to_string()
            };
            verdict(best, Some(reason), signals.to_vec())
        }
    }
}

pub fn production_approval(facts: &Facts) -> Option<Verdict> {
    let deploys = facts.production_deploys();
    if deploys.is_empty() {
        return verdict(
            State::Absent,
            Some("no production deploy job to protect".into()),
            Vec::new(),
        );
    }
    // A gate is as strong as the least protected way to production: one deploy without an
    // approval ships whatever the others require.
    let mut worst = State::Present;
    let mut found = Vec::new();
    let mut reason = None;
    for (pipeline, job) in &deploys {
        let (state, why) = if job.manual {
            (State::Present, None)
        } else if let Some((location, summary)) = pipeline.approval() {
            found.push(evidence(
                facts,
                State::Present,
                location.clone(),
                summary,
                None,
            ));
            (State::Present, None)
        } else if let Some((name, location)) = &job.environment {
            found.push(evidence(
                facts,
                State::Partial,
                location.clone(),
                format!("job {} deploys to environment {name}", job.id),
                None,
            ));
            (
                State::Partial,
                Some(format!(
                    "job {} uses environment {name}; required reviewers are a repository setting files cannot show",
                    job.id
                )),
            )
        } else if pipeline.triggers.manual && !pipeline.triggers.push || pipeline.triggers.release {
            (
                State::Partial,
                Some(format!(
                    "{} deploys when a person starts it or publishes a release, with no approval step",
                    pipeline.path
                )),
            )
        } else {
            (
                State::Absent,
                Some(format!(
                    "job {} in {} deploys to production with no approval",
                    job.id, pipeline.path
                )),
            )
        };
        if job.manual {
            found.push(evidence(
                facts,
                State::Present,
                job.location.clone(),
                format!("job {} runs only when started by hand", job.id),
                None,
            ));
        }
        if state < worst || reason.is_none() {
            worst = worst.min(state);
            reason = why;
        }
    }
    verdict(worst, reason, found)
}

/// Delivery metrics need production deployments on record. A job that names a production
/// `environment:` makes GitHub and GitLab record each deploy; the same word passed as a
/// reusable workflow's input (`with: environment: production`) records nothing. Signals for a
/// DORA tool (DevLake, Four Keys, Sleuth) stand as they are.
pub fn deployment_records(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    if signals.iter().any(|e| e.state == State::Present) {
        return None;
    }
    let recorded: Vec<(&Pipeline, &Job, &crate::source::Location)> = facts
        .pipelines
        .jobs()
        .filter_map(|(p, j)| {
            let (name, at) = j.environment.as_ref()?;
            (Scope::from_name(name) == Some(Scope::Production)).then_some((p, j, at))
        })
        .collect();
    if recorded.is_empty() {
        return None;
    }
    let mut found: Vec<Evidence> = recorded
        .iter()
        .take(5)
        .map(|(p, j, at)| {
            let summary = format!(
                "job {} in {} deploys to a named production environment, so each deploy is recorded",
                j.id, p.path
            );
            evidence(facts, State::Partial, (*at).clone(), summary, None)
        })
        .collect();
    let labelled = signals.iter().any(|e| e.state == State::Partial);
    found.extend(signals.iter().cloned());
    let reason = if labelled {
        "deployments are recorded and incidents are labelled, but no DORA tool links the two to compute change failure rate and recovery time"
    } else {
        "deployments are recorded but incidents are not linked to them"
    };
    verdict(State::Partial, Some(reason.into()), found)
}
