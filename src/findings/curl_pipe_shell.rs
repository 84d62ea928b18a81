//! `curl-pipe-shell`: a script downloaded and run in one step (`curl ... | sh`), in workflow
//! `run:` scripts, GitLab `script:` lines and Dockerfile `RUN` instructions.
//!
//! Nothing checks what was downloaded: a compromised server, a moved URL or a truncated
//! download runs as is. Lines are matched one at a time, so a pipe continued onto the next
//! line with `\` is not seen.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::{Finding, Rule, Severity, Sources, step_lists};
use crate::evidence::Confidence;
use crate::source::{self, Location};

pub const RULE: Rule = Rule {
    id: "curl-pipe-shell",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "downloaded script piped straight into a shell",
    help: "download to a file, verify its checksum or signature, then run it; or install a \
           pinned package instead",
    practices: &["AUT-05"],
};

static PIPE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:/\S*/)?(?:ba|z|da|k)?sh\b")
        .ok()
});

/// Reports each download-to-shell pipe in the lines `from..=to` of `text` that pipe a download into a shell. Lines in `seen`
/// were read already: nodes can share a line (`steps: [{run: a}, {run: b}]`), which is read
/// and reported once.
fn scan(
    path: &str,
    text: &str,
    (from, to): (usize, usize),
    seen: &mut HashSet<usize>,
    out: &mut Vec<Finding>,
) {
    let Some(pipe) = PIPE.as_ref() else { return };
    // Finding a line costs its length: lines all read before are not looked up again.
    if to.saturating_sub(from) < 8 && (from..=to).all(|n| seen.contains(&n)) {
        return;
    }
    for (number, line) in source::lines_between(text, from, to) {
        if !seen.insert(number) {
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        // Every download on the line: steps sharing it each have their own. Characters are
        // counted on from the previous one.
        let (mut byte, mut chars) = (0, 0);
        for found in pipe.find_iter(line) {
            chars += line[byte..found.start()].chars().count();
            byte = found.start();
            let column = chars + 1;
            let end_column = column + found.as_str().chars().count();
            let location = Location::line(path, number, column, end_column);
            out.push(Finding::new(
                &RULE,
                location,
                "downloaded script is piped into a shell unverified".to_string(),
                text,
            ));
        }
    }
}

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in sources.workflows.iter().chain(&sources.actions) {
        let mut seen = HashSet::new();
        for document in &file.documents {
            for run in step_lists(document).flatten().filter_map(|s| s.get("run")) {
                let lines = (run.span.line, run.span.end_line);
                scan(file.path, file.text, lines, &mut seen, &mut out);
            }
        }
    }
    for file in &sources.gitlab {
        let mut seen = HashSet::new();
        for document in &file.documents {
            for (_, job) in document.entries() {
                for key in ["before_script", "script", "after_script"] {
                    if let Some(script) = job.get(key) {
                        let lines = (script.span.line, script.span.end_line);
                        scan(file.path, file.text, lines, &mut seen, &mut out);
                    }
                }
            }
        }
    }
    for docker in &sources.dockerfiles {
        let mut seen = HashSet::new();
        let instructions: Vec<_> = docker
            .file
            .stages
            .iter()
            .flat_map(|s| &s.instructions)
            .collect();
        for (i, instruction) in instructions.iter().enumerate() {
            if instruction.keyword != "RUN" {
                continue;
            }
            let last = instructions
                .get(i + 1)
                .map(|next| next.line.saturating_sub(1))
                .unwrap_or(usize::MAX / 2);
            let lines = (instruction.line, last);
            scan(&docker.file.path, docker.text, lines, &mut seen, &mut out);
        }
    }
    out
}
