//! TST-06: whether tests run across versions or platforms, from the test jobs' matrices or
//! from test jobs written out one per variant of an image.

use super::pipeline::is_test_job;
use super::{evidence, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::pipeline::{Job, Pipeline};

/// Matrix axes that vary what tests run on: a runtime or tool version, an operating system,
/// a platform the software supports (a Kubernetes release, a database).
const RUNTIME_AXES: &[&str] = &[
    "version",
    "python",
    "node",
    "go",
    "java",
    "jdk",
    "ruby",
    "php",
    "rust",
    "toolchain",
    "dotnet",
    "elixir",
    "otp",
    "os",
    "platform",
    "runtime",
    "kubernetes",
    "k8s",
    "k3s",
    "postgres",
    "mysql",
    "database",
    "db",
    "browser",
    "target",
];

fn is_runtime_axis(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| RUNTIME_AXES.contains(&word))
}

/// Processor architectures as they appear in image names (`debian-bookworm-aarch64`).
const ARCHITECTURES: &[&str] = &[
    "amd64",
    "x86_64",
    "x64",
    "aarch64",
    "arm64",
    "armv7",
    "armhf",
    "arm32v7",
    "arm64v8",
    "i386",
    "i686",
    "x86",
    "ppc64le",
    "ppc64el",
    "s390x",
    "riscv64",
    "loongarch64",
    "mips64el",
];

/// One image a test job runs in, split into what stays the same across a matrix of jobs (its
/// name without registry, tag or architecture) and what varies (architecture and version).
fn image_variant(image: &str) -> (String, (Vec<&str>, Option<&str>)) {
    let image = image.split('@').next().unwrap_or(image);
    let (path, tag) = match image.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
        _ => (image, None),
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    let (arch, rest): (Vec<&str>, Vec<&str>) = name
        .split('-')
        .partition(|part| ARCHITECTURES.contains(&part.to_ascii_lowercase().as_str()));
    // A version tag (`3.12`, `20-alpine`) varies the runtime, to its minor version
    // (`3.12.4-slim` is 3.12); a build stamp does not.
    let version = tag.filter(|t| {
        let number = t.split(['-', '.']).next().unwrap_or("");
        !number.is_empty() && number.len() <= 3 && number.bytes().all(|b| b.is_ascii_digit())
    });
    let minor = version.map(|v| {
        let v = v.split('-').next().unwrap_or(v);
        let end = v.match_indices('.').nth(1).map_or(v.len(), |(at, _)| at);
        &v[..end]
    });
    (rest.join("-"), (arch, minor))
}

/// Test jobs that run the tests in variants of one image, one job per architecture or
/// version (`…-debian-bookworm-aarch64`, `…-armv7`; `python:3.11`, `python:3.12`): a matrix
/// written out as separate jobs.
fn image_variants(facts: &Facts, test_jobs: &[(&Pipeline, &Job)]) -> Vec<Evidence> {
    let mut groups: std::collections::BTreeMap<String, Vec<(&Pipeline, &Job, &str)>> =
        Default::default();
    let mut seen = std::collections::BTreeSet::new();
    for (pipeline, job) in test_jobs {
        // The job's own image, not the services it starts beside it.
        let Some((image, _)) = (job.images.iter()).find(|(i, _)| !job.service_images.contains(i))
        else {
            continue;
        };
        let (base, variant) = image_variant(image);
        if variant == (Vec::new(), None) || !seen.insert((base.clone(), variant)) {
            continue;
        }
        groups.entry(base).or_default().push((pipeline, job, image));
    }
    let Some((base, jobs)) = groups.into_iter().find(|(_, jobs)| jobs.len() >= 2) else {
        return Vec::new();
    };
    jobs.iter()
        .take(5)
        .map(|(pipeline, job, image)| {
            let summary = format!(
                "job {} of {} tests in {image}, one of {} variants of {base}",
                job.id,
                pipeline.path,
                jobs.len()
            );
            let at = (job.images.iter())
                .find(|(i, _)| i == *image)
                .map_or(&job.location, |(_, at)| at);
            evidence(facts, State::Present, at.clone(), summary, None)
        })
        .collect()
}

/// Read from the test jobs' matrices: tests that run across two or more values of a runtime
/// or platform axis are a version matrix; test jobs without one run a single version. Test
/// environment lists (tox, nox) and GitLab `parallel:` stay with the catalog's signals.
pub fn test_matrix(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let test_jobs: Vec<(&Pipeline, &Job)> = facts
        .pipelines
        .jobs()
        .filter(|(_, j)| is_test_job(j))
        .collect();
    // A job with a matrix that calls a local reusable workflow runs that workflow's tests once
    // per value: `python-version: ${{ matrix.python-version }}` handed to the called jobs.
    let pipelines = &facts.pipelines;
    let calls_tests = |job: &Job| {
        crate::pipeline::called_jobs(pipelines, job).any(|(p, j)| {
            (pipelines.pipelines.get(p))
                .and_then(|p| p.jobs.get(j))
                .is_some_and(is_test_job)
        })
    };
    let test_callers: Vec<(&Pipeline, &Job)> = pipelines
        .jobs()
        .filter(|(_, j)| !j.matrix.is_empty() && calls_tests(j))
        .collect();
    let varied: Vec<Evidence> = (test_jobs.iter().chain(&test_callers))
        .flat_map(|(p, j)| {
            j.matrix
                .iter()
                .filter(|a| a.values >= 2 && is_runtime_axis(&a.name))
                .map(move |a| {
                    let summary = format!(
                        "job {} of {} tests across {} values of `{}`",
                        j.id, p.path, a.values, a.name
                    );
                    evidence(facts, State::Present, a.location.clone(), summary, None)
                })
        })
        .take(5)
        .collect();
    if !varied.is_empty() {
        return verdict(State::Present, None, varied);
    }
    let images = image_variants(facts, &test_jobs);
    if !images.is_empty() {
        return verdict(State::Present, None, images);
    }
    if signals.iter().any(|e| e.state == State::Present) || test_jobs.is_empty() {
        return None;
    }
    let (pipeline, job) = test_jobs[0];
    let shown = |j: &Job| {
        j.matrix
            .iter()
            .filter(|a| a.values != 1)
            .map(|a| format!("`{}`", a.name))
            .collect::<Vec<_>>()
    };
    let other_axes = test_jobs
        .iter()
        .find(|(_, j)| !shown(j).is_empty())
        .map(|(p, j)| {
            format!(
                "; the matrix of job {} in {} varies {}, not a runtime version",
                j.id,
                p.path,
                shown(j).join(", ")
            )
        })
        .unwrap_or_default();
    let reason = format!(
        "tests run against a single runtime version (acceptable for services that pin their runtime){other_axes}"
    );
    let mut found = vec![evidence(
        facts,
        State::Partial,
        job.location.clone(),
        format!("job {} of {} runs the tests", job.id, pipeline.path),
        Some(reason.clone()),
    )];
    found.extend(signals.iter().cloned());
    verdict(State::Partial, Some(reason), found)
}
