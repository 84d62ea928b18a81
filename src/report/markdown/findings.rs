//! The findings section of the Markdown report: every finding with its location, rule,
//! severity and fix; suppressed findings listed apart with their reasons.

use std::fmt::Write;

use super::{cell, code};
use crate::assessment::model::Assessment;

pub fn findings(out: &mut String, a: &Assessment) {
    let _ = writeln!(out, "## Findings\n");
    if a.findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
        return;
    }
    let _ = writeln!(
        out,
        "| Location | Finding | Severity | Message | Fix |\n|---|---|---|---|---|"
    );
    for f in a.findings.iter().filter(|f| f.suppressed.is_none()) {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            code(&f.location.to_string()),
            f.id,
            f.severity.label(),
            cell(&f.message),
            cell(&f.help)
        );
    }
    let suppressed: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    if !suppressed.is_empty() {
        let _ = writeln!(out, "\nSuppressed:\n");
        for f in suppressed {
            if let Some(s) = &f.suppressed {
                let expires = s
                    .expires
                    .as_deref()
                    .map(|e| format!(" (until {e})"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- {} `{}`: {}{}",
                    code(&f.location.to_string()),
                    f.id,
                    cell(&s.reason),
                    expires
                );
            }
        }
    }
    let _ = writeln!(out);
}
