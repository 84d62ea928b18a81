//! Findings: concrete defects at exact locations, each produced by one audit.
//!
//! Practices say what a repository does; findings say what is wrong in a given line. Every
//! audit lives in a file named after its id and is listed once in [`AUDITS`]. Audits read the
//! repository's text through [`Sources`]: workflow files are parsed again here with
//! [`crate::parse::yaml`], because the pipeline model keeps no YAML nodes and a finding must
//! point at the exact node (an expression inside a `run:` block, the value of a `uses:`).
//!
//! Severity uses SARIF's three levels so that every output agrees without a mapping table:
//! `error` for what an outsider can exploit (injection, untrusted checkout, leaked
//! credentials), `warning` for weakened defences (unpinned code, root containers, broad
//! permissions) and `note` for hygiene.

mod add_from_url;
mod bot_condition;
mod carried;
mod curl_pipe_shell;
mod destructive_migration;
mod duplicate_key;
mod excessive_permissions;
mod expression;
mod index_locks_writes;
mod insecure_commands;
mod irreversible_migration;
mod migration_cycle;
mod migration_helpers;
mod migration_missing_parent;
mod migration_multiple_heads;
mod missing_healthcheck;
mod missing_lock_timeout;
mod not_null_without_default;
mod overprovisioned_secrets;
mod package_install_hygiene;
mod persisted_checkout_credentials;
mod plaintext_credential;
mod root_container;
mod secret_build_arg;
mod secrets_inherit;
mod self_hosted_fork_trigger;
mod shell_text;
mod step_outputs;
pub mod suppress;
mod suppressed_vulnerability_audit;
mod template_injection;
mod unpinned_base_image;
mod unpinned_image;
mod unpinned_uses;
mod unsound_condition;
mod untrusted_checkout;
mod validating_constraint;
mod volatile_default;
mod workflow_helpers;

pub(crate) use migration_helpers::{framework_help, graph_findings, hazard_findings};
pub(crate) use unpinned_uses::pinned_by_tag_by_design;
pub(crate) use workflow_helpers::{
    action_name, action_steps, action_version, is_commit_sha, jobs, line_location, local_action,
    locate_in_text, step_lists, steps, triggers,
};

use schemars::JsonSchema;
use serde::Serialize;

use crate::evidence::Confidence;
use crate::inventory::{FileKind, Inventory};
use crate::parse::Parsed;
use crate::parse::dockerfile::Dockerfile;
use crate::parse::migrations::Migrations;
use crate::parse::yaml::{self, Node, Span};
use crate::source::{self, Location, Unparsed};

/// How serious a finding is; the names and meaning are SARIF's `level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Exploitable by someone outside the project, or a leaked credential.
    Error,
    /// A weakened defence: mutable dependencies, root containers, broad credentials.
    Warning,
    /// Hygiene that makes images or pipelines larger or slower to debug.
    Note,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What an audit reports, independent of any one finding: the rule shown by `explain`
/// and listed in SARIF's `tool.driver.rules`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Kebab-case, stable: suppressions and SARIF consumers key on it.
    pub id: &'static str,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// How to fix it.
    pub help: &'static str,
    /// Catalog practices the defect weakens.
    pub practices: &'static [&'static str],
}

/// An audit: its rule and the function that finds its defects.
pub struct Audit {
    pub rule: &'static Rule,
    pub run: fn(&Sources) -> Vec<Finding>,
}

/// Every audit, in the order reports list rules.
pub const AUDITS: &[Audit] = &[
    Audit {
        rule: &unpinned_uses::RULE,
        run: unpinned_uses::audit,
    },
    Audit {
        rule: &unpinned_image::RULE,
        run: unpinned_image::audit,
    },
    Audit {
        rule: &excessive_permissions::RULE,
        run: excessive_permissions::audit,
    },
    Audit {
        rule: &template_injection::RULE,
        run: template_injection::audit,
    },
    Audit {
        rule: &untrusted_checkout::RULE,
        run: untrusted_checkout::audit,
    },
    Audit {
        rule: &persisted_checkout_credentials::RULE,
        run: persisted_checkout_credentials::audit,
    },
    Audit {
        rule: &secrets_inherit::RULE,
        run: secrets_inherit::audit,
    },
    Audit {
        rule: &overprovisioned_secrets::RULE,
        run: overprovisioned_secrets::audit,
    },
    Audit {
        rule: &insecure_commands::RULE,
        run: insecure_commands::audit,
    },
    Audit {
        rule: &unsound_condition::RULE,
        run: unsound_condition::audit,
    },
    Audit {
        rule: &bot_condition::RULE,
        run: bot_condition::audit,
    },
    Audit {
        rule: &self_hosted_fork_trigger::RULE,
        run: self_hosted_fork_trigger::audit,
    },
    Audit {
        rule: &duplicate_key::RULE,
        run: duplicate_key::audit,
    },
    Audit {
        rule: &curl_pipe_shell::RULE,
        run: curl_pipe_shell::audit,
    },
    Audit {
        rule: &plaintext_credential::RULE,
        run: plaintext_credential::audit,
    },
    Audit {
        rule: &secret_build_arg::RULE,
        run: secret_build_arg::audit,
    },
    Audit {
        rule: &root_container::RULE,
        run: root_container::audit,
    },
    Audit {
        rule: &unpinned_base_image::RULE,
        run: unpinned_base_image::audit,
    },
    Audit {
        rule: &add_from_url::RULE,
        run: add_from_url::audit,
    },
    Audit {
        rule: &missing_healthcheck::RULE,
        run: missing_healthcheck::audit,
    },
    Audit {
        rule: &package_install_hygiene::RULE,
        run: package_install_hygiene::audit,
    },
    Audit {
        rule: &suppressed_vulnerability_audit::RULE,
        run: suppressed_vulnerability_audit::audit,
    },
    Audit {
        rule: &migration_multiple_heads::RULE,
        run: migration_multiple_heads::audit,
    },
    Audit {
        rule: &migration_missing_parent::RULE,
        run: migration_missing_parent::audit,
    },
    Audit {
        rule: &migration_cycle::RULE,
        run: migration_cycle::audit,
    },
    Audit {
        rule: &irreversible_migration::RULE,
        run: irreversible_migration::audit,
    },
    Audit {
        rule: &destructive_migration::RULE,
        run: destructive_migration::audit,
    },
    Audit {
        rule: &not_null_without_default::RULE,
        run: not_null_without_default::audit,
    },
    Audit {
        rule: &volatile_default::RULE,
        run: volatile_default::audit,
    },
    Audit {
        rule: &index_locks_writes::RULE,
        run: index_locks_writes::audit,
    },
    Audit {
        rule: &validating_constraint::RULE,
        run: validating_constraint::audit,
    },
    Audit {
        rule: &missing_lock_timeout::RULE,
        run: missing_lock_timeout::audit,
    },
    Audit {
        rule: &suppress::INVALID_RULE,
        run: |_| Vec::new(),
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    AUDITS.iter().map(|a| a.rule).find(|r| r.id == id)
}

/// Why a finding does not count, as written by the repository's owners.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub reason: String,
    /// `YYYY-MM-DD`; the suppression stops applying after this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionKind {
    /// A `# shipready: ignore[id] reason` comment in the file.
    InSource,
    /// An entry in `.shipready.toml`.
    External,
}

/// Longest message kept; longer ones (a huge `uses:` value, say) are cut.
const MESSAGE_CHARACTERS: usize = 200;

/// One defect at one place.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One line, naming what is wrong here; never contains a secret value.
    pub message: String,
    /// How to fix it.
    pub help: String,
    pub location: Location,
    /// The source line, made safe for a terminal; secret values are masked.
    pub snippet: String,
    pub practices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// A finding of `rule` at `location`, with the snippet cut from `text`.
    /// The message is cut to one line of at most 200 characters without control characters:
    /// it quotes repository text, which must not drive a terminal.
    pub fn new(rule: &Rule, location: Location, message: String, text: &str) -> Self {
        let snippet = source::snippet(source::line_of(text, location.line));
        let message = one_line(&message);
        Self {
            id: rule.id.to_string(),
            severity: rule.severity,
            confidence: rule.confidence,
            message,
            help: rule.help.to_string(),
            location,
            snippet,
            practices: rule.practices.iter().map(|p| p.to_string()).collect(),
            suppressed: None,
        }
    }
}

/// `text` cut to one line of at most [`MESSAGE_CHARACTERS`] characters, control characters
/// made spaces: messages and suppression reasons quote repository text, which must not drive
/// a terminal nor be copied at full length into every finding. Only the characters that are
/// kept are read, however long the text.
pub(crate) fn one_line(text: &str) -> String {
    let (kept, cut) = match text.char_indices().nth(MESSAGE_CHARACTERS) {
        Some(_) => (text.chars().take(MESSAGE_CHARACTERS - 3), "..."),
        None => (text.chars().take(MESSAGE_CHARACTERS), ""),
    };
    kept.map(|c| if c.is_control() { ' ' } else { c })
        .chain(cut.chars())
        .collect()
}

/// A YAML pipeline file with its parsed documents.
pub struct YamlFile<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub documents: Vec<Node>,
    /// Every `${{ }}` of the text, found on first use ([`template_injection::expressions`]).
    pub(crate) expressions: std::sync::OnceLock<Vec<template_injection::Expression<'a>>>,
}

impl YamlFile<'_> {
    /// The location of a node in this file.
    pub fn at(&self, span: Span) -> Location {
        Location {
            path: self.path.to_string(),
            line: span.line,
            column: span.column,
            end_line: span.end_line,
            end_column: span.end_column,
        }
    }
}

/// A Dockerfile with its text.
pub struct DockerfileSource<'a> {
    pub text: &'a str,
    pub file: &'a Dockerfile,
}

/// What the audits read.
pub struct Sources<'a> {
    pub workflows: Vec<YamlFile<'a>>,
    /// The repository's own actions (`action.yml`), in path order: composite actions run their
    /// steps inside the jobs that use them.
    pub actions: Vec<YamlFile<'a>>,
    pub gitlab: Vec<YamlFile<'a>>,
    pub dockerfiles: Vec<DockerfileSource<'a>>,
    /// Schema migrations with their hazards and revision graph; texts come from `inventory`.
    pub migrations: &'a Migrations,
    pub inventory: &'a Inventory,
}

impl<'a> Sources<'a> {
    pub fn new(inventory: &'a Inventory, parsed: &'a Parsed) -> Self {
        let yaml_of = |kind: FileKind| -> Vec<YamlFile<'a>> {
            inventory
                .of_kind(kind)
                .filter_map(|f| {
                    let text = f.text.as_deref()?;
                    // A file that does not parse is already reported by the pipeline stage.
                    let documents = yaml::parse(text).ok()?;
                    Some(YamlFile {
                        path: &f.path,
                        text,
                        documents,
                        expressions: std::sync::OnceLock::new(),
                    })
                })
                .collect()
        };
        let dockerfiles = parsed
            .dockerfiles
            .iter()
            .filter_map(|file| {
                let text = inventory.get(&file.path)?.text.as_deref()?;
                Some(DockerfileSource { text, file })
            })
            .collect();
        Self {
            workflows: yaml_of(FileKind::GithubWorkflow),
            actions: yaml_of(FileKind::GithubAction),
            gitlab: yaml_of(FileKind::GitlabCi),
            dockerfiles,
            migrations: &parsed.migrations,
            inventory,
        }
    }

    /// The text of a repository file, empty when it was not read.
    pub fn text(&self, path: &str) -> &'a str {
        self.inventory
            .get(path)
            .and_then(|f| f.text.as_deref())
            .unwrap_or("")
    }
}

/// Findings of one rule listed for one file. A generated or hostile file can hold tens of
/// thousands of the same defect (a migration dropping 60,000 columns); each finding costs
/// memory and a line of every report, and the first hundred say what the rest would.
pub const MAX_PER_FILE: usize = 100;

/// Findings of one rule and class (see `bounded`) listed for the whole repository. GitHub code
/// scanning accepts at most 25,000 results in one SARIF run; real repositories stay in the
/// hundreds over all rules.
pub const MAX_PER_RULE: usize = 5_000;

/// What the audits found, and the files whose findings were cut at [`MAX_PER_FILE`] or
/// [`MAX_PER_RULE`], each with the rule and the bound in words.
pub struct Audited {
    pub findings: Vec<Finding>,
    pub cut: Vec<Unparsed>,
}

/// Runs every audit and applies the repository's suppressions; findings come sorted by
/// path, line and column.
pub fn audit(inventory: &Inventory, parsed: &Parsed, today: Option<&str>) -> Audited {
    let sources = Sources::new(inventory, parsed);
    // Pipeline files are walked node by node and may hold thousands of findings: their lines
    // are indexed once. Migrations open their own scopes.
    let pipeline_texts = (sources.workflows.iter())
        .chain(&sources.actions)
        .chain(&sources.gitlab)
        .map(|f| f.text)
        .chain(sources.dockerfiles.iter().map(|d| d.text));
    let lines = source::LineScope::all(pipeline_texts);
    let mut suppressions = suppress::Suppressions::new(inventory, today);
    let (mut findings, mut cut) = (Vec::new(), Vec::new());
    // Each audit's findings are bounded as soon as it returns, so no more than one audit's
    // are ever held in full. Suppressions apply first: a folder of suppressed findings does
    // not use up the bound and hide the findings that count.
    for audit in AUDITS {
        let mut found = (audit.run)(&sources);
        suppressions.apply(&mut found);
        findings.extend(bounded(audit.rule, found, &mut cut));
    }
    drop(lines);
    findings.extend(bounded(
        &suppress::INVALID_RULE,
        suppressions.problems(),
        &mut cut,
    ));
    sort_and_dedup(&mut findings);
    Audited { findings, cut }
}

/// Sorts findings by place, rule and message and drops repeats: the same defect reached twice
/// (a job read through two documents, say) is reported once.
fn sort_and_dedup(findings: &mut Vec<Finding>) {
    findings
        .sort_by(|a, b| (&a.location, &a.id, &a.message).cmp(&(&b.location, &b.id, &b.message)));
    findings.dedup_by(|a, b| a.location == b.location && a.id == b.id && a.message == b.message);
}

/// The findings of `rule` in path order, at most [`MAX_PER_FILE`] for a file and
/// [`MAX_PER_RULE`] in all, counted apart for four classes: suppressed or not, of low
/// confidence or not. Suppressed findings and those marked reviewed (low confidence) then never
/// push out one that counts. Each file with findings of a class left out at the file's bound
/// is added to `cut`, and the first file where a class reaches the repository's bound.
fn bounded(rule: &Rule, mut findings: Vec<Finding>, cut: &mut Vec<Unparsed>) -> Vec<Finding> {
    const CLASSES: [&str; 4] = [
        "findings",
        "low-confidence findings",
        "suppressed findings",
        "suppressed low-confidence findings",
    ];
    sort_and_dedup(&mut findings);
    let mut kept = Vec::with_capacity(findings.len().min(MAX_PER_RULE));
    let mut path = String::new();
    let (mut in_rule, mut rule_cut) = ([0; 4], [false; 4]);
    let (mut in_file, mut file_cut) = ([0; 4], [false; 4]);
    for finding in findings {
        if finding.location.path != path {
            path.clone_from(&finding.location.path);
            (in_file, file_cut) = ([0; 4], [false; 4]);
        }
        let class = 2 * usize::from(finding.suppressed.is_some())
            + usize::from(finding.confidence == Confidence::Low);
        in_file[class] += 1;
        let past_file = in_file[class] > MAX_PER_FILE;
        if !past_file && in_rule[class] < MAX_PER_RULE {
            in_rule[class] += 1;
            kept.push(finding);
            continue;
        }
        let (first, bound, scope) = if past_file {
            let first = !std::mem::replace(&mut file_cut[class], true);
            (first, MAX_PER_FILE, "in this file are not listed")
        } else {
            let first = !std::mem::replace(&mut rule_cut[class], true);
            let scope = "in the repository are not listed, from this file on";
            (first, MAX_PER_RULE, scope)
        };
        if first {
            cut.push(Unparsed {
                path: path.clone(),
                reason: format!(
                    "{} of `{}` past the first {bound} {scope}",
                    CLASSES[class], rule.id
                ),
            });
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(message: &str) -> String {
        let rule = &migration_multiple_heads::RULE;
        Finding::new(rule, Location::file("a.py"), message.to_string(), "").message
    }

    #[test]
    fn messages_are_cut_to_one_safe_line() {
        let exact = "é".repeat(MESSAGE_CHARACTERS);
        assert_eq!(message_of(&exact), exact);
        let long = format!("a\nb\u{1b}{}", "é".repeat(2 * MESSAGE_CHARACTERS));
        let cut = message_of(&long);
        assert_eq!(cut.chars().count(), MESSAGE_CHARACTERS);
        assert!(cut.starts_with("a b éé") && cut.ends_with("é..."), "{cut}");
    }
}
