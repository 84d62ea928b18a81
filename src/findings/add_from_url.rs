//! `add-from-url`: `ADD https://...` fetches a file at build time with no checksum.
//!
//! The build then depends on whatever the server returns that day. `ADD --checksum=` is
//! accepted as verified.

use super::{Finding, Rule, Severity, Sources, line_location, locate_in_text};
use crate::evidence::Confidence;

pub const RULE: Rule = Rule {
    id: "add-from-url",
    severity: Severity::Warning,
    confidence: Confidence::High,
    summary: "ADD downloads a remote file without a checksum",
    help: "use `ADD --checksum=sha256:<digest> <url> <dest>`, or download with curl in a `RUN` \
           that verifies the checksum",
    practices: &["SEC-14"],
};

pub fn audit(sources: &Sources) -> Vec<Finding> {
    let mut out = Vec::new();
    for docker in &sources.dockerfiles {
        let path = &docker.file.path;
        for instruction in docker.file.stages.iter().flat_map(|s| &s.instructions) {
            if instruction.keyword != "ADD" || instruction.args.contains("--checksum") {
                continue;
            }
            let Some(url) = instruction
                .args
                .split_whitespace()
                .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            else {
                continue;
            };
            let location = locate_in_text(
                path,
                docker.text,
                instruction.line,
                instruction.line + 20,
                url,
            )
            .unwrap_or_else(|| line_location(path, docker.text, instruction.line));
            out.push(Finding::new(
                &RULE,
                location,
                "`ADD` fetches a URL without verifying it".to_string(),
                docker.text,
            ));
        }
    }
    out
}
