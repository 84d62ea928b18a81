//! Detectors over Dockerfiles: digest-pinned bases, minimal runtime images, a non-root final
//! stage and multi-stage builds.

use super::{evidence, examples, verdict};
use crate::evidence::{Evidence, Facts, State, Verdict};
use crate::parse::dockerfile::{Dockerfile, Stage};
use crate::source::Location;

fn shipped<'a>(facts: &'a Facts<'a>) -> Vec<&'a Dockerfile> {
    facts
        .parsed
        .dockerfiles
        .iter()
        .filter(|d| !d.stages.is_empty())
        .filter(|d| d.ships_an_image())
        .collect()
}

fn stage_location(file: &Dockerfile, line: usize) -> Location {
    Location::line(&file.path, line, 1, 1)
}

/// Bases that are images, not earlier stages of the same file, nor `scratch`.
fn image_bases(file: &Dockerfile) -> impl Iterator<Item = &Stage> {
    file.stages
        .iter()
        .filter(|s| s.base_stage().is_none() && !s.image.eq_ignore_ascii_case("scratch"))
}

pub fn base_image_digest(facts: &Facts) -> Option<Verdict> {
    let files = shipped(facts);
    if files.is_empty() {
        return None;
    }
    let mut pinned = 0usize;
    let mut tagged = Vec::new();
    let mut floating = Vec::new();
    let mut found = Vec::new();
    for file in &files {
        for stage in image_bases(file) {
            let location = stage_location(file, stage.line);
            let image = stage.image.as_str();
            if image.contains("@sha256:") {
                pinned += 1;
                continue;
            }
            let name = image.rsplit('/').next().unwrap_or(image);
            let tag = name.split_once(':').map(|(_, t)| t);
            let entry = format!("{image} ({}:{})", file.path, stage.line);
            if image.starts_with('$') || tag.is_some_and(|t| t.starts_with('$')) {
                tagged.push(entry);
                found.push(evidence(
                    facts,
                    State::Partial,
                    location,
                    format!("base `{image}` is set by a build argument"),
                    None,
                ));
            } else if tag.is_none() || tag == Some("latest") {
                floating.push(entry);
                found.push(evidence(
                    facts,
                    State::Absent,
                    location,
                    format!("base `{image}` floats (latest or no tag)"),
                    None,
                ));
            } else {
                tagged.push(entry);
                found.push(evidence(
                    facts,
                    State::Partial,
                    location,
                    format!("base `{image}` is pinned by tag, not digest"),
                    None,
                ));
            }
        }
    }
    if tagged.is_empty() && floating.is_empty() {
        let reason = (pinned == 0)
            .then(|| "every stage builds from scratch or an earlier stage".to_string());
        return verdict(State::Present, reason, found);
    }
    if !floating.is_empty() {
        let reason = format!(
            "base images float on `latest` or no tag: {}",
            examples(&floating, 3)
        );
        return verdict(State::Absent, Some(reason), found);
    }
    let reason = format!(
        "base images pinned by tag but not by digest: {}",
        examples(&tagged, 3)
    );
    verdict(State::Partial, Some(reason), found)
}

/// Words in an image reference that name a minimal base. Ubuntu's chiseled images
/// (`dotnet/runtime-deps:10.0-noble-chiseled`, `-chiseled-extra`, `ubuntu/chiselled-jre`)
/// hold only the packages' files the application needs, without shell or package manager,
/// as distroless images do.
const MINIMAL: &[&str] = &[
    "distroless",
    "chiseled",
    "chiselled",
    "-slim",
    "slim-",
    ":slim",
    "alpine",
    "chainguard",
    "wolfi",
    "ubi-micro",
    "ubi-minimal",
    "ubi8-micro",
    "ubi9-micro",
    "busybox",
    "scratch",
    "nginx-unprivileged",
];

pub fn minimal_base_image(facts: &Facts) -> Option<Verdict> {
    let files = shipped(facts);
    if files.is_empty() {
        return None;
    }
    let mut found: Vec<Evidence> = Vec::new();
    let mut full = Vec::new();
    for file in &files {
        let Some(last) = file.final_stage() else {
            continue;
        };
        // A final stage built FROM an earlier stage inherits that stage's base.
        let stage = file.final_lineage().last().map_or(last, |(_, root)| root);
        let image = stage.image.to_ascii_lowercase();
        let minimal = MINIMAL.iter().any(|m| image.contains(m));
        let state = if minimal {
            State::Present
        } else {
            State::Absent
        };
        found.push(evidence(
            facts,
            state,
            stage_location(file, last.line),
            format!(
                "runtime stage of {} is based on `{}`",
                file.path, stage.image
            ),
            None,
        ));
        if !minimal {
            full.push(format!("{} ({})", stage.image, file.path));
        }
    }
    match (full.len(), files.len()) {
        (0, _) => verdict(State::Present, None, found),
        (n, total) if n == total => verdict(
            State::Absent,
            Some(format!(
                "runtime images use full OS bases: {}",
                examples(&full, 3)
            )),
            found,
        ),
        _ => verdict(
            State::Partial,
            Some(format!(
                "some runtime images use full OS bases: {}",
                examples(&full, 3)
            )),
            found,
        ),
    }
}

pub fn non_root_container(facts: &Facts, signals: &[Evidence]) -> Option<Verdict> {
    let files = shipped(facts);
    if files.is_empty() {
        return None;
    }
    let mut found = Vec::new();
    let mut root = Vec::new();
    for file in &files {
        let Some(last) = file.final_stage() else {
            continue;
        };
        // A stage built on an earlier one inherits its USER and its base image.
        let user = file
            .final_lineage()
            .find_map(|(_, stage)| stage.last("USER"));
        let base = file.final_lineage().last().map_or(last, |(_, stage)| stage);
        match user {
            Some(user)
                if !matches!(
                    user.args.split(':').next().unwrap_or("").trim(),
                    "root" | "0"
                ) =>
            {
                found.push(evidence(
                    facts,
                    State::Present,
                    stage_location(file, user.line),
                    format!("{} runs as `{}`", file.path, user.args),
                    None,
                ));
            }
            Some(user) => {
                root.push(format!("{}:{}", file.path, user.line));
                found.push(evidence(
                    facts,
                    State::Absent,
                    stage_location(file, user.line),
                    format!("{} switches to root", file.path),
                    None,
                ));
            }
            None => {
                let distroless_nonroot =
                    base.image.contains(":nonroot") || base.image.contains("-nonroot");
                if distroless_nonroot {
                    found.push(evidence(
                        facts,
                        State::Present,
                        stage_location(file, last.line),
                        format!("{} uses a nonroot base", file.path),
                        None,
                    ));
                } else {
                    root.push(format!("{}:{}", file.path, last.line));
                    found.push(evidence(
                        facts,
                        State::Absent,
                        stage_location(file, last.line),
                        format!(
                            "final stage of {} sets no USER, so it runs as root",
                            file.path
                        ),
                        None,
                    ));
                }
            }
        }
    }
    // Manifests that refuse root (`runAsNonRoot: true`) keep root images from running as root
    // where they are deployed, though not under `docker run`.
    let manifests_non_root = (signals.iter()).any(|e| e.state >= State::Partial);
    found.extend(signals.iter().cloned());
    match root.len() {
        0 => verdict(State::Present, None, found),
        n if n == files.len() && !manifests_non_root => verdict(
            State::Absent,
            Some(format!("containers run as root: {}", examples(&root, 3))),
            found,
        ),
        _ if manifests_non_root => verdict(
            State::Partial,
            Some(format!(
                "images without a non-root USER: {}; the Kubernetes manifests set runAsNonRoot, \
                 so they refuse to start them as root, but the images run as root anywhere else",
                examples(&root, 3)
            )),
            found,
        ),
        _ => verdict(
            State::Partial,
            Some(format!(
                "some containers run as root: {}",
                examples(&root, 3)
            )),
            found,
        ),
    }
}

pub fn multi_stage_build(facts: &Facts) -> Option<Verdict> {
    let files = shipped(facts);
    if files.is_empty() {
        return None;
    }
    let mut found = Vec::new();
    let mut single = Vec::new();
    for file in &files {
        let copies_from = file
            .stages
            .iter()
            .flat_map(|s| s.all("COPY"))
            .any(|c| c.args.contains("--from"));
        if file.stages.len() >= 2 && copies_from {
            found.push(evidence(
                facts,
                State::Present,
                stage_location(file, file.stages[1].line),
                format!("{} builds in {} stages", file.path, file.stages.len()),
                None,
            ));
        } else {
            single.push(file.path.clone());
            found.push(evidence(
                facts,
                State::Absent,
                stage_location(file, file.stages[0].line),
                format!("{} is a single-stage build", file.path),
                None,
            ));
        }
    }
    match single.len() {
        0 => verdict(State::Present, None, found),
        n if n == files.len() => verdict(
            State::Absent,
            Some(format!(
                "single-stage builds ship their toolchain: {}",
                examples(&single, 3)
            )),
            found,
        ),
        _ => verdict(
            State::Partial,
            Some(format!("single-stage builds: {}", examples(&single, 3))),
            found,
        ),
    }
}
