//! Cloud Build trigger definitions, in the shape `gcloud builds triggers import` reads: what
//! starts a build (a push to a branch or tag, a pull request, a Pub/Sub message, a webhook, a
//! person) and which build runs (`build:` holds it, `filename:` names a build file of the
//! repository). A trigger with its build inline is a pipeline of its own; a trigger naming a
//! file gives that build its triggers, as every trigger naming the same file does.
//!
//! A trigger may hold its builds for approval (`approvalConfig: {approvalRequired: true}`); a
//! build waits for approval only if every trigger starting it does (a disabled trigger starts
//! none). A trigger that runs no build read here (its file is missing, outside the repository,
//! skipped, another kind of pipeline, or trigger definitions) leaves its file listed as not
//! assessed, with why. A trigger's `substitutions:` are values its builds' variables take.
//! Not read: `autodetect:` (the build Cloud Build would find).

use std::collections::{HashMap, HashSet};

use super::events::{combine, triggers_of};
use super::{Context, Read, build_pipeline};
use crate::inventory::FileKind;
use crate::parse::yaml::Node;
use crate::pipeline::{CiSystem, Pipeline, Pipelines, Triggers, Unparsed, is_demonstration, join};
use crate::source::Location;

/// Keys that only a trigger definition has at its top.
const TRIGGER_KEYS: &[&str] = &[
    "github",
    "triggerTemplate",
    "repositoryEventConfig",
    "bitbucketServerTriggerConfig",
    "gitlabEnterpriseEventsConfig",
    "pubsubConfig",
    "webhookConfig",
    "sourceToBuild",
    "gitFileSource",
    "filename",
    "build",
    "autodetect",
];

/// A build file that a trigger names, and what starts it.
pub(in crate::pipeline) struct Start {
    build_file: String,
    triggers: Triggers,
    /// The file holding the trigger, and the trigger's name.
    trigger_file: String,
    trigger: Option<String>,
    /// A disabled trigger starts nothing: it neither holds builds for approval nor lets them
    /// run without it.
    disabled: bool,
    /// The values it gives the build's substitutions.
    substitutions: Vec<(String, String)>,
}

/// The trigger definitions of a repository's Cloud Build files, gathered as they are read.
#[derive(Default)]
pub(in crate::pipeline) struct Triggered {
    /// The build files triggers name, in the order read.
    starts: Vec<Start>,
    /// The files that hold trigger definitions: no trigger can run one as its build.
    definitions: HashSet<String>,
    /// Triggers that run no build, with why.
    unassessed: Vec<Unassessed>,
}

/// A trigger that runs no build that is read.
pub(in crate::pipeline) struct Unassessed {
    /// The file holding the trigger, and the trigger's name.
    file: String,
    trigger: Option<String>,
    /// The build file it names, if it names one, as the report writes it.
    named: Option<String>,
    /// Why the named file is no build read (`is outside the repository`), or why the trigger
    /// runs none.
    why: String,
}

impl Triggered {
    /// Keeps what a Cloud Build file says of triggers, and gives back the builds it defines.
    pub(in crate::pipeline) fn take(&mut self, path: &str, read: Read) -> Vec<Pipeline> {
        if read.definitions {
            self.definitions.insert(path.to_string());
        }
        self.starts.extend(read.starts);
        self.unassessed.extend(read.unassessed);
        read.pipelines
    }
}

pub(super) fn is_trigger(root: &Node) -> bool {
    TRIGGER_KEYS.iter().any(|key| root.get(key).is_some())
}

/// Every trigger of the file (one a document): the pipelines of inline builds, and the build
/// files named.
pub(super) fn read(
    path: &str,
    lines: &[&str],
    documents: &[Node],
    context: &Context,
) -> Result<Read, String> {
    let mut read = Read {
        pipelines: Vec::new(),
        definitions: true,
        starts: Vec::new(),
        unassessed: Vec::new(),
    };
    for trigger in documents.iter().filter(|d| is_trigger(d)) {
        let triggers = triggers_of(path, trigger);
        let name = trigger
            .get("name")
            .and_then(Node::as_str)
            .map(str::to_string);
        if let Some(build) = trigger.get("build") {
            let mut pipeline = build_pipeline(path, lines, build, context)
                .map_err(|_| "a Cloud Build trigger's `build:` must have a list of `steps:`")?;
            // A file may hold several triggers' builds: each is named for its trigger.
            if let Some(name) = trigger.get("name").and_then(Node::as_str) {
                pipeline.name = name.to_string();
                for job in &mut pipeline.jobs {
                    job.id = name.to_string();
                    job.name = name.to_string();
                }
            }
            pipeline.triggers = triggers;
            for job in &mut pipeline.jobs {
                job.variables
                    .extend(crate::pipeline::variables_of(trigger.get("substitutions")));
            }
            read.pipelines.push(pipeline);
        } else if let Some(file) = build_file(trigger) {
            read.starts.push(Start {
                build_file: file.to_string(),
                disabled: trigger.get("disabled").and_then(Node::as_bool) == Some(true),
                triggers,
                trigger_file: path.to_string(),
                trigger: name,
                substitutions: crate::pipeline::variables_of(trigger.get("substitutions")),
            });
        } else {
            let autodetect = if trigger.get("autodetect").is_some() {
                " (the build `autodetect:` finds is not read)"
            } else {
                ""
            };
            read.unassessed.push(Unassessed {
                file: path.to_string(),
                trigger: name,
                named: None,
                why: format!("has no `build:` and names no build file{autodetect}"),
            });
        }
    }
    Ok(read)
}

/// The build file a trigger runs, from the repository's root.
fn build_file(trigger: &Node) -> Option<&str> {
    trigger
        .get("filename")
        .or_else(|| trigger.get("gitFileSource").and_then(|s| s.get("path")))
        .and_then(Node::as_str)
        .filter(|file| !file.trim().is_empty())
}

/// Gives each named build file the triggers of every trigger naming it, in place of the
/// triggers configured outside the repository it had. A named file not yet read as a build
/// (its name did not say it is one) is read now, once however many triggers name it, and
/// joins the pipelines in path order. A trigger that runs no build that can be read leaves
/// its file listed as not assessed, with why.
pub(in crate::pipeline) fn start_named_builds(
    out: &mut Pipelines,
    triggered: Triggered,
    context: &Context,
) {
    let Triggered {
        starts,
        definitions,
        mut unassessed,
    } = triggered;
    // Where each build is: among the pipelines read already, or those read here. The inline
    // builds of trigger files are no build files.
    let mut builds: HashMap<String, (bool, usize)> = HashMap::new();
    for (index, pipeline) in out.pipelines.iter().enumerate() {
        if pipeline.system == CiSystem::CloudBuild && !definitions.contains(&pipeline.path) {
            builds
                .entry(pipeline.path.clone())
                .or_insert((false, index));
        }
    }
    let mut reported: HashSet<String> = out.unparsed.iter().map(|u| u.path.clone()).collect();
    // Named files that are no build, with why (none when they are reported unparsed).
    let mut no_build: HashMap<String, Option<String>> = HashMap::new();
    let mut added: Vec<Pipeline> = Vec::new();
    let mut approvals: HashMap<String, Approval> = HashMap::new();
    for start in starts {
        let Some(path) = join("", start.build_file.trim_start_matches('/')) else {
            unassessed.push(Unassessed {
                file: start.trigger_file,
                trigger: start.trigger,
                named: Some(start.build_file),
                why: "is outside the repository".to_string(),
            });
            continue;
        };
        let found = if let Some(&at) = builds.get(&path) {
            Ok(at)
        } else if definitions.contains(&path) {
            Err(Some("holds trigger definitions, not a build".to_string()))
        } else if reported.contains(&path) {
            Err(None)
        } else if let Some(why) = no_build.get(&path) {
            Err(why.clone())
        } else {
            match read_named(&mut out.unparsed, &path, context) {
                Ok(pipeline) => {
                    added.push(pipeline);
                    let at = (true, added.len() - 1);
                    builds.insert(path.clone(), at);
                    Ok(at)
                }
                Err(why) => {
                    if why.is_none() {
                        reported.insert(path.clone());
                    }
                    no_build.insert(path.clone(), why.clone());
                    Err(why)
                }
            }
        };
        let at = match found {
            Ok(at) => at,
            Err(why) => {
                if let Some(why) = why {
                    unassessed.push(Unassessed {
                        file: start.trigger_file,
                        trigger: start.trigger,
                        named: Some(start.build_file),
                        why,
                    });
                }
                continue;
            }
        };
        let pipeline = match at {
            (false, index) => &mut out.pipelines[index],
            (true, index) => &mut added[index],
        };
        if !start.disabled {
            for job in &mut pipeline.jobs {
                job.variables.extend(start.substitutions.iter().cloned());
            }
        }
        let approval = start.triggers.approval.clone();
        match approvals.get_mut(&path) {
            None => {
                pipeline.triggers = start.triggers;
                approvals.insert(path, Approval::new(start.disabled, approval));
            }
            Some(held) => {
                combine(&mut pipeline.triggers, start.triggers);
                held.add(start.disabled, approval);
                pipeline.triggers.approval = held.location();
            }
        }
    }
    if !added.is_empty() {
        out.pipelines.extend(added);
        // The pipelines were in path order; a stable sort places the new ones among them.
        out.pipelines.sort_by(|a, b| a.path.cmp(&b.path));
    }
    report_unassessed(&mut out.unparsed, unassessed);
}

/// Whether the builds of a file wait for approval: they do only if every trigger that starts
/// them (every trigger not disabled) holds them for it.
struct Approval {
    /// Some trigger starting the builds is not disabled.
    started: bool,
    /// Where the approval is required, while every such trigger requires it.
    location: Option<Location>,
}

impl Approval {
    fn new(disabled: bool, location: Option<Location>) -> Self {
        Approval {
            started: !disabled,
            location,
        }
    }

    fn add(&mut self, disabled: bool, location: Option<Location>) {
        if disabled {
            return;
        }
        if !self.started {
            *self = Approval::new(false, location);
        } else if location.is_none() {
            self.location = None;
        }
    }

    fn location(&self) -> Option<Location> {
        self.location.clone().filter(|_| self.started)
    }
}

/// Most reasons given in the entry of one trigger file among the files not assessed, and
/// most triggers named in one reason.
const MAX_LISTED: usize = 3;

/// The triggers of one file that name one build file, which is no build for one reason; or
/// one trigger naming none.
struct Group {
    named: Option<String>,
    why: String,
    triggers: Vec<Option<String>>,
}

/// Lists each trigger file with triggers that run no build once: why, for the first few
/// files they name, each with the triggers naming it.
fn report_unassessed(unparsed: &mut Vec<Unparsed>, unassessed: Vec<Unassessed>) {
    // The groups of each trigger file, in the order found.
    let mut files: Vec<(String, Vec<Group>)> = Vec::new();
    let mut file_at: HashMap<String, usize> = HashMap::new();
    let mut group_at: HashMap<(String, String, String), usize> = HashMap::new();
    for problem in unassessed {
        let file = *file_at.entry(problem.file.clone()).or_insert_with(|| {
            files.push((problem.file.clone(), Vec::new()));
            files.len() - 1
        });
        let groups = &mut files[file].1;
        let Some(named) = problem.named else {
            groups.push(Group {
                named: None,
                why: problem.why,
                triggers: vec![problem.trigger],
            });
            continue;
        };
        let key = (problem.file, named.clone(), problem.why.clone());
        let group = *group_at.entry(key).or_insert_with(|| {
            groups.push(Group {
                named: Some(named),
                why: problem.why,
                triggers: Vec::new(),
            });
            groups.len() - 1
        });
        groups[group].triggers.push(problem.trigger);
    }
    for (path, groups) in files {
        let mut reasons: Vec<String> = (groups.iter().take(MAX_LISTED))
            .map(|group| {
                let (triggers, why) = (triggers_named(&group.triggers), &group.why);
                match &group.named {
                    Some(named) => format!("`{named}`, the build of {triggers}, {why}"),
                    None => format!("{triggers} {why}"),
                }
            })
            .collect();
        let more: usize = (groups.iter().skip(MAX_LISTED))
            .map(|group| group.triggers.len())
            .sum();
        match more {
            0 => {}
            1 => reasons.push("and 1 more trigger runs no build that is read".to_string()),
            more => reasons.push(format!(
                "and {more} more triggers run no build that is read"
            )),
        }
        unparsed.push(Unparsed {
            path,
            reason: reasons.join("; "),
        });
    }
}

/// `trigger deploy`, `a trigger`, or `4000 triggers (t0, t1, t2, ...)`.
fn triggers_named(triggers: &[Option<String>]) -> String {
    match triggers {
        [Some(name)] => format!("trigger {name}"),
        [None] => "a trigger".to_string(),
        _ => {
            let names: Vec<&str> = (triggers.iter().flatten())
                .take(MAX_LISTED)
                .map(String::as_str)
                .collect();
            let count = triggers.len();
            match (names.is_empty(), names.len() < count) {
                (true, _) => format!("{count} triggers"),
                (false, true) => format!("{count} triggers ({}, ...)", names.join(", ")),
                (false, false) => format!("{count} triggers ({})", names.join(", ")),
            }
        }
    }
}

/// Reads a file a trigger names as its build. It is no build (`Err` with why) if it is
/// another kind of pipeline, is not YAML or JSON, or holds trigger definitions; a file that
/// cannot be read as a build is reported unparsed (`Err(None)`).
fn read_named(
    unparsed: &mut Vec<Unparsed>,
    path: &str,
    context: &Context,
) -> Result<Pipeline, Option<String>> {
    let skipped = || {
        let skipped = context.inventory.skipped.iter().find(|s| s.path == path);
        skipped.map(|s| format!("is skipped: {}", s.reason))
    };
    let Some(file) = context.inventory.get(path) else {
        let why = skipped().unwrap_or_else(|| "is not a file of the repository".to_string());
        return Err(Some(why));
    };
    let Some(text) = file.text.as_deref() else {
        return Err(Some(skipped().unwrap_or_else(|| "is not read".to_string())));
    };
    let pipeline_kind = matches!(
        file.kind,
        FileKind::GithubWorkflow
            | FileKind::GithubAction
            | FileKind::GitlabCi
            | FileKind::CloudBuild
            | FileKind::OtherCi
    );
    if pipeline_kind {
        return Err(Some(format!("is a {}", file.kind.label())));
    }
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    let readable = ["yaml", "yml", "json"]
        .iter()
        .any(|e| extension.eq_ignore_ascii_case(e));
    if !readable {
        return Err(Some("is not YAML or JSON".to_string()));
    }
    match super::read(path, text, context) {
        Ok(read) if read.definitions => {
            Err(Some("holds trigger definitions, not a build".to_string()))
        }
        Ok(read) => {
            let mut pipeline = read.pipelines.into_iter().next().ok_or(None)?;
            pipeline.demonstration |= is_demonstration(path, text);
            Ok(pipeline)
        }
        Err(reason) => {
            unparsed.push(Unparsed {
                path: path.to_string(),
                reason: format!("a Cloud Build trigger runs it as a build, but {reason}"),
            });
            Err(None)
        }
    }
}
